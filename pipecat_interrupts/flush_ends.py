#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FlushEnds`: when a flush's two `FlushFrame`s reach the pipeline's ends, and its report.

The plain part of the `FlushCoordinator`: it records each flush under way
(`PendingFlush`), listens to the worker's reached-frame events for the `FlushFrame`s, tells
when the interruption behind a flush reached the output transport (`OutputArrival`), and
turns a finished (or timed-out) flush into its `FlushReport`.
"""

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame
from pipecat.processors.frame_processor import FrameProcessor

from pipecat_interrupts.frames import FlushFrame, FlushStep
from pipecat_interrupts.output_arrival import OutputArrival
from pipecat_interrupts.task_registry import TaskCancellationReport

REMEMBERED_REPORTS = 256


@dataclass(frozen=True, slots=True)
class FlushReport:
    """How one flush went.

    Parameters:
        flush_id: The flush's id.
        reason: Why it happened.
        trigger: Name of the frame that caused it.
        completed: True when both ends of the pipeline were reached before the deadline.
        elapsed_secs: Start of the flush to the last end reached (or to the deadline).
        upstream_secs: Start to arrival at the pipeline source, None if it never arrived.
        downstream_secs: Start to arrival at the pipeline sink, None if it never arrived.
        tasks: The cancellation round run for this flush.
        upstream_trail: Cleanups run by processors on the way up, in order.
        downstream_trail: Cleanups run by processors on the way down, in order.
    """

    flush_id: str
    reason: str
    trigger: str | None
    completed: bool
    elapsed_secs: float
    upstream_secs: float | None
    downstream_secs: float | None
    tasks: TaskCancellationReport
    upstream_trail: tuple[FlushStep, ...] = ()
    downstream_trail: tuple[FlushStep, ...] = ()


@dataclass(slots=True)
class PendingFlush:
    """A flush under way: its ends as they are reached, and its go to start its work."""

    flush_id: str
    reason: str
    trigger: str | None
    started_at: float
    tasks: TaskCancellationReport
    upstream: FlushFrame | None = None
    downstream: FlushFrame | None = None
    upstream_at: float | None = None
    downstream_at: float | None = None
    both_ends: asyncio.Event = field(default_factory=asyncio.Event)
    trigger_id: int = -1
    launched: bool = False  # its work started (the trigger reached the output, or its deadline)
    fallback: asyncio.TimerHandle | None = None  # launches it if the trigger never shows
    on_arrival: Callable[[], None] | None = None  # what the output watch calls (to forget it)


NO_TASKS = TaskCancellationReport(reason="")  # until the flush's cancellation round ran


class FlushEnds:
    """Records flushes under way and reports each once both ends are reached (or not)."""

    __slots__ = ("_arrival", "_name", "_pending", "_reports", "_timeout_secs", "_worker")

    def __init__(
        self, name: str, timeout_secs: float, arrival: OutputArrival | None = None
    ) -> None:
        """Create the record.

        Args:
            name: The coordinator's name, for logs.
            timeout_secs: How long a flush may take to reach both ends.
            arrival: The watch on the output transports (shared); a new one if None.
        """
        self._name = name
        self._timeout_secs = timeout_secs
        self._pending: dict[str, PendingFlush] = {}
        self._reports: list[FlushReport] = []  # the last REMEMBERED_REPORTS
        self._arrival = arrival if arrival is not None else OutputArrival()
        self._worker: Any = None

    @property
    def arrival(self) -> OutputArrival:
        """Tells when a flush's trigger reached the output transport."""
        return self._arrival

    @property
    def reports(self) -> list[FlushReport]:
        """The most recent reports, oldest first (a copy)."""
        return self._reports.copy()

    def open(self, pending: PendingFlush) -> None:
        """Record a flush that starts now."""
        self._pending[pending.flush_id] = pending

    def hook(self, worker: Any, outputs: Sequence[FrameProcessor]) -> None:
        """Listen to the worker's reached-frame events; watch these output transports.

        Args:
            worker: The pipeline worker (None: completion cannot be observed).
            outputs: The output transports after the coordinator.
        """
        if self._worker is not None:
            return
        if worker is None:
            logger.warning(f"{self._name}: no pipeline worker; flush completion cannot be observed")
            return
        worker.add_reached_upstream_filter((FlushFrame,))
        worker.add_reached_downstream_filter((FlushFrame,))
        worker.add_event_handler("on_frame_reached_upstream", self._on_reached_upstream)
        worker.add_event_handler("on_frame_reached_downstream", self._on_reached_downstream)
        self._worker = worker
        self._arrival.watch(outputs)

    def unhook(self) -> None:
        """Stop listening to the worker."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.remove_event_handler("on_frame_reached_upstream", self._on_reached_upstream)
            worker.remove_event_handler("on_frame_reached_downstream", self._on_reached_downstream)

    async def settle(self, pending: PendingFlush) -> FlushReport:
        """Wait (bounded) for both ends, then make, keep and return the report.

        Args:
            pending: The flush.

        Returns:
            Its report (``completed`` False when the deadline passed first).
        """
        completed = True
        try:
            async with asyncio.timeout(self._timeout_secs):
                await pending.both_ends.wait()
        except TimeoutError:
            completed = False
        finally:
            self._pending.pop(pending.flush_id, None)
        ends = [t for t in (pending.upstream_at, pending.downstream_at) if t is not None]
        now = time.monotonic()
        report = FlushReport(
            flush_id=pending.flush_id,
            reason=pending.reason,
            trigger=pending.trigger,
            completed=completed,
            elapsed_secs=(max(ends) if completed else now) - pending.started_at,
            upstream_secs=_since(pending.started_at, pending.upstream_at),
            downstream_secs=_since(pending.started_at, pending.downstream_at),
            tasks=pending.tasks,
            upstream_trail=tuple(pending.upstream.trail) if pending.upstream else (),
            downstream_trail=tuple(pending.downstream.trail) if pending.downstream else (),
        )
        self._reports.append(report)
        if len(self._reports) > REMEMBERED_REPORTS:
            del self._reports[0]  # at most a few hundred, once per flush
        return report

    def clear(self) -> None:
        """Forget flushes under way and stop watching the outputs (the pipeline ends)."""
        for pending in self._pending.values():
            if pending.fallback is not None:
                pending.fallback.cancel()
        self._pending.clear()
        self._arrival.release()

    async def _on_reached_upstream(self, worker: Any, frame: Frame) -> None:
        self._mark_end(frame, upstream=True)

    async def _on_reached_downstream(self, worker: Any, frame: Frame) -> None:
        self._mark_end(frame, upstream=False)

    def _mark_end(self, frame: Frame, *, upstream: bool) -> None:
        if not isinstance(frame, FlushFrame):
            return
        pending = self._pending.get(frame.flush_id)
        if pending is None:
            return
        now = time.monotonic()
        if upstream:
            pending.upstream, pending.upstream_at = frame, now
        else:
            pending.downstream, pending.downstream_at = frame, now
        if pending.upstream_at is not None and pending.downstream_at is not None:
            pending.both_ends.set()


def missing_ends(report: FlushReport) -> list[str]:
    """The ends a timed-out flush never reached (``["upstream"]``...)."""
    return [
        end
        for end, secs in (
            ("upstream", report.upstream_secs),
            ("downstream", report.downstream_secs),
        )
        if secs is None
    ]


def _since(start: float, end: float | None) -> float | None:
    return None if end is None else end - start
