#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FlushRunner`: one interruption becomes task cancellation and a `FlushFrame` both ways.

The plain part of a flush, shared by the two processors that run one: the
`InterruptionController` (``flush=FlushSettings()``: the flush starts where the
interruption is decided, with no processor of its own) and the `FlushCoordinator` (a
processor you place anywhere). The processor that owns the runner is its *host*: the
runner pushes its frames from the host's place in the pipeline and runs its work in the
host's tasks; the host tells it of each interruption (`interrupted`) and of the pipeline's
start and end.

A flush, once started:

1. waits until the `InterruptionFrame` reached an output transport (`OutputArrival`), so
   nothing of it competes with the LLM's cancellation and the output's stop;
2. cancels the interruptible tasks of its `InterruptibleTaskRegistry`, under a deadline,
   so no cancelled work can push frames after the flush;
3. pushes one `FlushFrame` downstream and one upstream;
4. reports the flush once both copies reached their
   ends (or not, after ``flush_timeout_secs``), with a `FlushCompletedFrame` for observers
   (downstream from a coordinator; upstream from the controller, near the pipeline's top,
   where it crosses only the input side).

Events it emits through the host: ``on_tasks_cancelled``, ``on_flush_started``,
``on_flush_completed``, ``on_flush_timeout``.
"""

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from loguru import logger
from pipecat.frames.frames import Frame, InterruptionFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.transports.base_output import BaseOutputTransport

from pipecat_interrupts.flush_ends import (
    NO_TASKS,
    FlushEnds,
    FlushReport,
    PendingFlush,
    missing_ends,
)
from pipecat_interrupts.frames import FlushCompletedFrame, FlushFrame, new_flush_id
from pipecat_interrupts.output_arrival import OutputArrival
from pipecat_interrupts.task_registry import (
    DEFAULT_TASK_CANCEL_TIMEOUT_SECS,
    InterruptibleTaskRegistry,
)
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_FLUSH_TIMEOUT_SECS = 2.0
_REMEMBERED_FRAME_IDS = 128

Emit = Callable[..., Awaitable[None]]


class FlushHost(Protocol):
    """The processor a `FlushRunner` works for (a Pipecat `FrameProcessor`)."""

    @property
    def name(self) -> str:
        """The processor's name: the flush's origin."""
        ...

    async def push_frame(self, frame: Frame, direction: FrameDirection = ...) -> None:
        """Push a frame from the host's place in the pipeline."""
        ...

    def create_task(self, coroutine: Coroutine[Any, Any, Any], name: str | None = None) -> Any:
        """Run a coroutine in a task the pipeline manages."""
        ...

    async def cancel_task(self, task: Any, timeout: float | None = ...) -> None:
        """Cancel such a task under a deadline."""
        ...


@dataclass(frozen=True)
class FlushSettings:
    """How a flush runs: the tasks it cancels and its deadlines.

    Parameters:
        task_registry: Registry of tasks to cancel at each flush (it may be shared and still
            empty: tasks added to it later are cancelled too); one is created if None.
        task_cancel_timeout_secs: Deadline for cancelled tasks to finish.
        flush_timeout_secs: Deadline for the flush to reach both ends of the pipeline.
    """

    task_registry: InterruptibleTaskRegistry | None = None
    task_cancel_timeout_secs: float = DEFAULT_TASK_CANCEL_TIMEOUT_SECS
    flush_timeout_secs: float = DEFAULT_FLUSH_TIMEOUT_SECS

    def __post_init__(self) -> None:
        if self.task_registry is not None and not isinstance(
            self.task_registry, InterruptibleTaskRegistry
        ):
            raise TypeError(
                f"task_registry must be an InterruptibleTaskRegistry, "
                f"got {type(self.task_registry).__name__}"
            )
        require_positive_secs("task_cancel_timeout_secs", self.task_cancel_timeout_secs)
        require_positive_secs("flush_timeout_secs", self.flush_timeout_secs)


FLUSH_EVENTS = ("on_flush_started", "on_flush_completed", "on_flush_timeout", "on_tasks_cancelled")
"""The events a flush's host registers."""


def reason_for(frame: Frame) -> str:
    """Return the flush reason for a trigger frame (``EmergencyStopFrame`` -> ``emergency_stop``).

    Args:
        frame: The trigger frame.

    Returns:
        A snake_case reason.
    """
    if isinstance(frame, InterruptionFrame):
        return "interruption"
    stem = type(frame).__name__.removesuffix("Frame")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", stem).lower()


class FlushRunner:
    """Runs a host processor's flushes (see the module)."""

    __slots__ = (
        "_emit",
        "_ends",
        "_handled_ids",
        "_host",
        "_registry",
        "_report_direction",
        "_settings",
        "_tasks",
    )

    def __init__(
        self,
        host: FlushHost,
        settings: FlushSettings,
        emit: Emit,
        *,
        report_direction: FrameDirection = FrameDirection.DOWNSTREAM,
        arrival: OutputArrival | None = None,
    ) -> None:
        """Create the runner.

        Args:
            host: The processor it pushes from and runs tasks in.
            settings: The registry and the deadlines.
            emit: The host's event dispatch (``_call_event_handler``).
            report_direction: Where the `FlushCompletedFrame` goes (observers see it
                either way): toward the nearer end of the pipeline.
            arrival: The watch on the output transports to share (the controller's); a
                new one if None.
        """
        self._host = host
        self._report_direction = report_direction
        self._settings = settings
        self._emit = emit
        # `is None`, not `or`: a registry has a length, and a shared one is often empty.
        self._registry = (
            settings.task_registry
            if settings.task_registry is not None
            else InterruptibleTaskRegistry(
                name=f"{host}::tasks", cancel_timeout_secs=settings.task_cancel_timeout_secs
            )
        )
        # Grown as flushes happen: an empty deque is a 64-slot block, per conversation.
        self._handled_ids: list[int] = []  # the last _REMEMBERED_FRAME_IDS
        self._tasks: dict[asyncio.Task[None], None] = {}
        self._ends = FlushEnds(str(host), settings.flush_timeout_secs, arrival)

    @property
    def task_registry(self) -> InterruptibleTaskRegistry:
        """The registry whose tasks are cancelled at each flush."""
        return self._registry

    @property
    def reports(self) -> list[FlushReport]:
        """The most recent flush reports (up to 256), oldest first."""
        return self._ends.reports

    def hook(self, worker: Any, processors: Sequence[FrameProcessor]) -> None:
        """At the pipeline's start: watch its ends and the output transports after the host.

        Args:
            worker: The pipeline worker (None: completion cannot be observed).
            processors: The pipeline's processors, in order (`wiring.flatten`).
        """
        from pipecat_interrupts.wiring import processors_after  # wiring imports this module

        self._ends.hook(worker, processors_after(processors, self._host, BaseOutputTransport))

    def first_sight(self, frame: Frame) -> bool:
        """Whether a trigger is new (not seen, nor its broadcast sibling); remember it.

        Args:
            frame: The trigger.

        Returns:
            True the first time a frame or its sibling is seen.
        """
        seen = self._handled_ids
        if frame.id in seen or (
            frame.broadcast_sibling_id is not None and frame.broadcast_sibling_id in seen
        ):
            return False
        seen.append(frame.id)
        if len(seen) > _REMEMBERED_FRAME_IDS:
            del seen[0]  # at most a few hundred, once per flush
        return True

    def start(
        self,
        trigger: Frame,
        direction: FrameDirection = FrameDirection.DOWNSTREAM,
        *,
        reason: str | None = None,
        flush_id: str | None = None,
    ) -> None:
        """Start a flush for a trigger the host has just handed on.

        Nothing of it runs before an interruption reached the output transport: from
        there, the caller hears nothing more of the bot, and the flush's work (both
        `FlushFrame`s, your tasks' cancellation) no longer competes with the LLM's
        cancellation or the output's stop for the event loop (measured: about 0.2 ms of a
        1.6 ms barge-in when the downstream `FlushFrame` rode right behind the
        interruption). The copy awaited is the one travelling down: the trigger going
        down, else its broadcast sibling. An event frame's flush, an interruption with no
        copy going down, or one with no output after the host, starts at once; one whose
        interruption never shows at an output starts after ``flush_timeout_secs``. Its
        work is a task of the host's.

        Args:
            trigger: The interruption (or event frame) the flush is for.
            direction: The trigger's direction.
            reason: The flush's reason (`reason_for` the trigger if None).
            flush_id: Its id (a new one if None).
        """
        flush_id = flush_id or new_flush_id()
        going_down = _copy_going_down(trigger, direction)
        pending = PendingFlush(
            flush_id,
            reason or reason_for(trigger),
            trigger.name,
            time.monotonic(),
            NO_TASKS,
            trigger_id=trigger.id if going_down is None else going_down,
        )
        self._ends.open(pending)
        arrival = self._ends.arrival
        if not isinstance(trigger, InterruptionFrame) or going_down is None or not arrival.watching:
            self._launch(pending)
            return
        pending.on_arrival = lambda: self._launch(pending)
        arrival.when_reached(pending.trigger_id, pending.on_arrival)
        if pending.launched:
            return  # it had already reached the output
        pending.fallback = asyncio.get_running_loop().call_later(
            self._settings.flush_timeout_secs, self._launch_unseen, pending
        )

    def _launch_unseen(self, pending: PendingFlush) -> None:
        if not pending.launched:
            logger.debug(
                f"{self._host}: flush {pending.flush_id}: its interruption never reached an "
                f"output transport; flushing now"
            )
            self._ends.arrival.forget(pending.trigger_id, pending.on_arrival)
            self._launch(pending)

    def _launch(self, pending: PendingFlush) -> None:
        if pending.launched:
            return
        pending.launched = True
        if pending.fallback is not None:
            pending.fallback.cancel()
        # Both refer back to `pending`: cleared, it is freed with its frames once the flush
        # ends, not left as a cycle for the collector.
        pending.on_arrival = pending.fallback = None
        task = self._host.create_task(self._flush(pending), f"flush-{pending.flush_id}")
        self._tasks[task] = None
        task.add_done_callback(self._forget_task)

    def interrupted(
        self,
        frame: InterruptionFrame,
        direction: FrameDirection,
        *,
        flush_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        """An interruption passed the host: flush for it, once per broadcast.

        Args:
            frame: The `InterruptionFrame` the host has just handed on.
            direction: Its direction.
            flush_id: The id stamped on it, if any.
            reason: The decision's reason, if any.
        """
        if self.first_sight(frame):
            self.start(frame, direction, reason=reason, flush_id=flush_id)

    async def teardown(self, reason: str) -> None:
        """Cancel every registered task and flush under way (the pipeline ends).

        Args:
            reason: Why, for the cancellation report.
        """
        report = await self._registry.cancel_all(
            reason, timeout=self._settings.task_cancel_timeout_secs
        )
        if report.total:
            await self._emit("on_tasks_cancelled", report)
        for task in list(self._tasks):
            await self._host.cancel_task(task, self._settings.task_cancel_timeout_secs)
        self._tasks.clear()
        self._ends.clear()

    def unhook(self) -> None:
        """Stop watching the pipeline (at cleanup)."""
        self._ends.unhook()

    def _forget_task(self, task: "asyncio.Task[None]") -> None:
        self._tasks.pop(task, None)

    def _flush_frame(self, pending: PendingFlush) -> FlushFrame:
        frame = FlushFrame(
            flush_id=pending.flush_id,
            reason=pending.reason,
            origin=self._host.name,
            trigger=pending.trigger,
        )
        frame.created_at = pending.started_at
        return frame

    async def _flush(self, pending: PendingFlush) -> None:
        host, settings = self._host, self._settings
        # Your tasks first, so no cancelled work can push frames after the flush.
        pending.tasks = await self._registry.cancel_interruptible(
            f"{pending.reason} (flush {pending.flush_id})",
            timeout=settings.task_cancel_timeout_secs,
        )
        if pending.tasks.total:
            await self._emit("on_tasks_cancelled", pending.tasks)
        down, up = self._flush_frame(pending), self._flush_frame(pending)
        down.broadcast_sibling_id, up.broadcast_sibling_id = up.id, down.id
        logger.debug(
            f"{host}: flush {pending.flush_id} ({pending.reason}) started by {pending.trigger}"
        )
        await self._emit("on_flush_started", down)
        await host.push_frame(down, FrameDirection.DOWNSTREAM)
        await host.push_frame(up, FrameDirection.UPSTREAM)
        await self._report(await self._ends.settle(pending))

    async def _report(self, report: FlushReport) -> None:
        host = self._host
        if report.completed:
            logger.debug(
                f"{host}: flush {report.flush_id} reached both ends in "
                f"{report.elapsed_secs * 1000:.2f} ms"
            )
            await self._emit("on_flush_completed", report)
        else:
            logger.warning(
                f"{host}: flush {report.flush_id} did not reach the "
                f"{' and '.join(missing_ends(report))} end within "
                f"{self._settings.flush_timeout_secs:.3f}s; giving up"
            )
            await self._emit("on_flush_timeout", report)
        await host.push_frame(
            FlushCompletedFrame(
                flush_id=report.flush_id,
                reason=report.reason,
                completed=report.completed,
                elapsed_secs=report.elapsed_secs,
            ),
            self._report_direction,
        )


def _copy_going_down(frame: Frame, direction: FrameDirection) -> int | None:
    """The id of the copy of ``frame`` travelling downstream (itself, or its sibling)."""
    if direction == FrameDirection.DOWNSTREAM:
        return frame.id
    return frame.broadcast_sibling_id
