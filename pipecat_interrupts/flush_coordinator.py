#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FlushCoordinator`: turns an interruption into task cancellation and a two-way flush."""

import asyncio
import re
import time
from collections.abc import Sequence
from typing import Any, TypeVar

from loguru import logger
from pipecat.frames.frames import (
    AggregatedTextFrame,
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InterruptionFrame,
    LLMTextFrame,
    OutputAudioRawFrame,
    StartFrame,
    SystemFrame,
    TTSSpeakFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.transports.base_output import BaseOutputTransport

from pipecat_interrupts.event_handlers import (
    DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
    DeadlineEventHandlersMixin,
)
from pipecat_interrupts.flush_ends import (
    NO_TASKS,
    FlushEnds,
    PendingFlush,
    missing_ends,
)
from pipecat_interrupts.flush_ends import (
    FlushReport as FlushReport,  # re-exported: its 0.2 home
)
from pipecat_interrupts.frames import (
    FLUSH_ID,
    HANDLED_BY_CONTROLLER,
    AgentHandoffFrame,
    EmergencyStopFrame,
    FlushCompletedFrame,
    FlushFrame,
    decision_of,
    new_flush_id,
)
from pipecat_interrupts.task_registry import (
    DEFAULT_TASK_CANCEL_TIMEOUT_SECS,
    InterruptibleTaskRegistry,
)
from pipecat_interrupts.validation import require_bool, require_frame_types, require_positive_secs

DEFAULT_FLUSH_TIMEOUT_SECS = 2.0
AUDIO_FRAMES = (InputAudioRawFrame,)
DEFAULT_RESIDUAL_FRAME_TYPES: tuple[type[Frame], ...] = (
    LLMTextFrame,
    AggregatedTextFrame,
    TTSSpeakFrame,
    OutputAudioRawFrame,
)
_REMEMBERED_FRAME_IDS = 128
_T = TypeVar("_T")


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


class FlushCoordinator(DeadlineEventHandlersMixin, FrameProcessor):
    """Converts interruptions into task cancellation plus a `FlushFrame` both ways.

    On an `InterruptionFrame` (or any configured event frame, such as
    `EmergencyStopFrame` and `AgentHandoffFrame`) it:

    1. forwards the trigger at once (stock Pipecat processors drop queued work);
    2. for an event frame, broadcasts the interruption itself (``interrupt_on_events``);
    3. cancels the tasks in its `InterruptibleTaskRegistry` and awaits them under a
       deadline, so no cancelled work can push frames after the flush;
    4. pushes one `FlushFrame` upstream and one downstream;
    5. from then on drops bot output created *before* the flush that still arrives
       (``residual_frame_types``, interruptible frames only): Pipecat lets a system frame
       overtake data frames queued ahead of it, so without this guard a token generated
       before the interruption could reach the TTS after it;
    6. watches for both copies to reach the ends of the pipeline and reports the flush
       as completed, or as timed out after ``flush_timeout_secs``. It then pushes a
       `FlushCompletedFrame` downstream for observers.

    Event handlers run under ``event_handler_timeout_secs`` each, in tasks of their own
    (`DeadlineEventHandlersMixin`): the flush never waits on one, and one that hangs or
    ignores its cancellation is cut off, named in a warning and reported at pipeline end.

    The two copies of a broadcast `InterruptionFrame` and a repeated event frame make one
    flush. Place it anywhere in the pipeline; right after the user aggregator is typical.
    The ends are detected with the `PipelineWorker`'s reached-frame events, so it adds
    `FlushFrame` to the worker's reached-upstream and reached-downstream filters.

    Event handlers available:

    - on_flush_started(coordinator, flush: FlushFrame)
    - on_flush_completed(coordinator, report: FlushReport)
    - on_flush_timeout(coordinator, report: FlushReport)
    - on_tasks_cancelled(coordinator, report: TaskCancellationReport)

    Example::

        coordinator = FlushCoordinator()

        @coordinator.event_handler("on_flush_completed")
        async def on_flush_completed(coordinator, report):
            print(f"flush {report.flush_id} took {report.elapsed_secs * 1000:.1f} ms")
    """

    # Its own state in slots: added to the many attributes of Pipecat's FrameProcessor,
    # it would make every coordinator's instance dict grow past its small size (~1.3 KB).
    __slots__ = (
        "_ends",
        "_event_types",
        "_fence_id",
        "_flush_timeout_secs",
        "_handled_frame_ids",
        "_interrupt_on_events",
        "_registry",
        "_residual_dropped",
        "_residual_types",
        "_supervisors",
        "_task_cancel_timeout_secs",
    )

    def __init__(
        self,
        *,
        event_types: Sequence[type[Frame]] = (EmergencyStopFrame, AgentHandoffFrame),
        interrupt_on_events: bool = True,
        task_registry: InterruptibleTaskRegistry | None = None,
        task_cancel_timeout_secs: float = DEFAULT_TASK_CANCEL_TIMEOUT_SECS,
        flush_timeout_secs: float = DEFAULT_FLUSH_TIMEOUT_SECS,
        residual_frame_types: Sequence[type[Frame]] = DEFAULT_RESIDUAL_FRAME_TYPES,
        enable_direct_mode: bool = True,
        event_handler_timeout_secs: float = DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
        **kwargs: Any,
    ) -> None:
        """Initialize the coordinator.

        Args:
            event_types: Frame classes that, besides `InterruptionFrame`, start a flush.
            interrupt_on_events: Whether an event frame also interrupts the bot (the
                coordinator broadcasts an `InterruptionFrame`).
            task_registry: Registry of tasks to cancel (it may be shared and still empty:
                tasks added to it later are cancelled too); one is created if not given.
            task_cancel_timeout_secs: Deadline for cancelled tasks to finish.
            flush_timeout_secs: Deadline for the flush to reach both ends.
            residual_frame_types: Bot-output frame classes that are dropped when they
                were created before the latest flush (pass ``()`` to keep everything).
            enable_direct_mode: Process frames in the pushing processor's task instead
                of through an own queue (Pipecat's direct mode). On by default: it saves
                a queue hop on the barge-in path, and the coordinator never works long
                inline (its waits are bounded by the timeouts above).
            event_handler_timeout_secs: Deadline for each event handler.
            **kwargs: `FrameProcessor` arguments.

        Raises:
            TypeError: If ``event_types`` holds something that is not a Frame subclass, or
                ``task_registry`` is not an `InterruptibleTaskRegistry`.
            ValueError: If a timeout is not positive.
        """
        super().__init__(
            enable_direct_mode=require_bool("enable_direct_mode", enable_direct_mode),
            event_handler_timeout_secs=event_handler_timeout_secs,
            **kwargs,
        )
        self._event_types = require_frame_types("event_types", event_types)
        if InterruptionFrame in self._event_types:
            self._event_types = tuple(t for t in self._event_types if t is not InterruptionFrame)
        self._interrupt_on_events = require_bool("interrupt_on_events", interrupt_on_events)
        if task_registry is not None and not isinstance(task_registry, InterruptibleTaskRegistry):
            raise TypeError(
                f"task_registry must be an InterruptibleTaskRegistry, "
                f"got {type(task_registry).__name__}"
            )
        self._task_cancel_timeout_secs = require_positive_secs(
            "task_cancel_timeout_secs", task_cancel_timeout_secs
        )
        self._flush_timeout_secs = require_positive_secs("flush_timeout_secs", flush_timeout_secs)
        self._residual_types = require_frame_types("residual_frame_types", residual_frame_types)
        self._fence_id = -1
        self._residual_dropped = 0
        # `is None`, not `or`: the registry has a length, and a shared one is often
        # still empty when the coordinator is built.
        self._registry = (
            task_registry
            if task_registry is not None
            else InterruptibleTaskRegistry(
                name=f"{self.name}::tasks", cancel_timeout_secs=self._task_cancel_timeout_secs
            )
        )
        # Lists and a dict, grown as flushes happen: an empty deque is a 64-slot block and
        # an empty set 216 bytes, per coordinator, before any barge-in.
        self._handled_frame_ids: list[int] = []  # the last _REMEMBERED_FRAME_IDS
        self._supervisors: dict[asyncio.Task[None], None] = {}
        self._ends = FlushEnds(str(self), self._flush_timeout_secs)

        self._register_event_handler("on_flush_started")
        self._register_event_handler("on_flush_completed")
        self._register_event_handler("on_flush_timeout")
        self._register_event_handler("on_tasks_cancelled")

    @property
    def task_registry(self) -> InterruptibleTaskRegistry:
        """The registry whose tasks are cancelled on interruption."""
        return self._registry

    @property
    def residual_frames_dropped(self) -> int:
        """How many pre-flush bot-output frames arrived after a flush and were dropped."""
        return self._residual_dropped

    @property
    def reports(self) -> list[FlushReport]:
        """The most recent flush reports (up to 256), oldest first."""
        return self._ends.reports

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Process a frame.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)

        if isinstance(frame, AUDIO_FRAMES):
            await self.push_frame(frame, direction)  # the hot path: audio is never flushed here
        elif isinstance(frame, StartFrame):
            self._hook_worker()
            await self.push_frame(frame, direction)
        elif isinstance(frame, InterruptionFrame):
            first = self._first_sight(frame)
            flush_id = new_flush_id() if first else None
            if flush_id:
                frame.metadata[FLUSH_ID] = flush_id  # snapshots downstream learn the flush id
            await self.push_frame(frame, direction)
            if flush_id:
                decision = decision_of(frame)
                self._start_flush(
                    frame, reason=decision.reason if decision else None, flush_id=flush_id
                )
        elif isinstance(frame, self._event_types):
            handled = bool(frame.metadata.get(HANDLED_BY_CONTROLLER))
            first = not handled and self._first_sight(frame)
            if first and self._interrupt_on_events:
                # Marked before it is forwarded: a route or coordinator after this one
                # must not interrupt a second time for the same event.
                frame.metadata[HANDLED_BY_CONTROLLER] = True
            await self.push_frame(frame, direction)
            if handled:
                logger.trace(f"{self}: {frame.name} already interrupted and flushed upstream")
            elif first:
                if self._interrupt_on_events:
                    logger.debug(f"{self}: {frame.name} interrupts the bot")
                    await self.broadcast_interruption()  # type: ignore[no-untyped-call]
                self._start_flush(frame)
        elif isinstance(frame, (EndFrame, CancelFrame)):
            await self._teardown(
                f"pipeline {'ended' if isinstance(frame, EndFrame) else 'cancelled'}"
            )
            await self.push_frame(frame, direction)
        elif self._is_residual(frame):
            self._residual_dropped += 1
            logger.debug(f"{self}: dropped {frame.name}, generated before the last flush")
        else:
            await self.push_frame(frame, direction)

    async def cleanup(self) -> None:
        """Cancel every registered task and supervisor; unhook; then end the handlers."""
        await self._teardown("pipeline cleanup")
        self._unhook_worker()
        await super().cleanup()

    def _is_residual(self, frame: Frame) -> bool:
        return (
            frame.id < self._fence_id
            and frame.interruptible
            and not isinstance(frame, SystemFrame)
            and isinstance(frame, self._residual_types)
        )

    def _first_sight(self, frame: Frame) -> bool:
        if frame.id in self._handled_frame_ids or (
            frame.broadcast_sibling_id is not None
            and frame.broadcast_sibling_id in self._handled_frame_ids
        ):
            logger.trace(f"{self}: {frame} already flushed (broadcast sibling)")
            return False
        _append_bounded(self._handled_frame_ids, frame.id, _REMEMBERED_FRAME_IDS)
        return True

    def _start_flush(
        self, trigger: Frame, *, reason: str | None = None, flush_id: str | None = None
    ) -> None:
        # The flush is a task of its own: it starts after the step that handed the trigger
        # on, when the next processor has taken the trigger up. Its downstream FlushFrame
        # then rides right behind the trigger; the rest (your tasks, the upstream
        # FlushFrame) waits until the trigger has reached the output transport, so none
        # of it competes with the LLM's cancellation or the output's stop (`OutputArrival`).
        # Everything made before now is residual.
        self._fence_id = Frame().id  # ids grow: anything older was made before this flush
        reason = reason or reason_for(trigger)
        flush_id = flush_id or new_flush_id()
        pending = PendingFlush(
            flush_id, reason, trigger.name, time.monotonic(), NO_TASKS, trigger_id=trigger.id
        )
        self._ends.open(pending)
        task = self.create_task(self._flush(pending, trigger), name=f"flush-{flush_id}")
        self._supervisors[task] = None
        task.add_done_callback(self._forget_supervisor)

    def _flush_frame(self, pending: PendingFlush) -> FlushFrame:
        frame = FlushFrame(
            flush_id=pending.flush_id,
            reason=pending.reason,
            origin=self.name,
            trigger=pending.trigger,
        )
        frame.created_at = pending.started_at
        return frame

    async def _flush(self, pending: PendingFlush, trigger: Frame) -> None:
        down = self._flush_frame(pending)
        await self.push_frame(down, FrameDirection.DOWNSTREAM)
        arrival = self._ends.arrival
        if isinstance(trigger, InterruptionFrame) and arrival.watching:
            arrival.when_reached(trigger, pending.go.set)
            try:  # or the downstream FlushFrame reaching the end (`_mark_end`) says go
                async with asyncio.timeout(self._flush_timeout_secs):
                    await pending.go.wait()
            except TimeoutError:
                arrival.forget(trigger.id)  # supervision reports the timeout
        pending.tasks = await self._registry.cancel_interruptible(
            f"{pending.reason} (flush {pending.flush_id})", timeout=self._task_cancel_timeout_secs
        )
        if pending.tasks.total:
            await self._call_event_handler("on_tasks_cancelled", pending.tasks)
        up = self._flush_frame(pending)
        down.broadcast_sibling_id, up.broadcast_sibling_id = up.id, down.id
        logger.debug(
            f"{self}: flush {pending.flush_id} ({pending.reason}) started by {pending.trigger}"
        )
        await self._call_event_handler("on_flush_started", down)
        await self.push_frame(up, FrameDirection.UPSTREAM)
        await self._supervise(pending)

    def _forget_supervisor(self, task: asyncio.Task[None]) -> None:
        self._supervisors.pop(task, None)

    async def _supervise(self, pending: PendingFlush) -> None:
        report = await self._ends.settle(pending)
        if report.completed:
            logger.debug(
                f"{self}: flush {report.flush_id} reached both ends in "
                f"{report.elapsed_secs * 1000:.2f} ms"
            )
            await self._call_event_handler("on_flush_completed", report)
        else:
            logger.warning(
                f"{self}: flush {report.flush_id} did not reach the "
                f"{' and '.join(missing_ends(report))} end within "
                f"{self._flush_timeout_secs:.3f}s; giving up"
            )
            await self._call_event_handler("on_flush_timeout", report)
        await self.push_frame(
            FlushCompletedFrame(
                flush_id=report.flush_id,
                reason=report.reason,
                completed=report.completed,
                elapsed_secs=report.elapsed_secs,
            )
        )

    def _hook_worker(self) -> None:
        worker = self.processor_setup.pipeline_worker if self.processor_setup else None
        from pipecat_interrupts.wiring import flatten, processors_after  # wiring imports this

        outputs = (
            processors_after(flatten(worker.pipeline), self, BaseOutputTransport)
            if worker is not None
            else []
        )
        self._ends.hook(worker, outputs)

    def _unhook_worker(self) -> None:
        self._ends.unhook()

    async def _teardown(self, reason: str) -> None:
        report = await self._registry.cancel_all(reason, timeout=self._task_cancel_timeout_secs)
        if report.total:
            await self._call_event_handler("on_tasks_cancelled", report)
        for supervisor in list(self._supervisors):
            await self.cancel_task(supervisor, timeout=self._task_cancel_timeout_secs)
        self._supervisors.clear()
        self._ends.clear()


def _append_bounded(items: list[_T], item: _T, bound: int) -> None:
    items.append(item)
    if len(items) > bound:
        del items[0]  # at most a few hundred, once per flush
