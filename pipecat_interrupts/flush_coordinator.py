#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FlushCoordinator`: turns an interruption into task cancellation and a two-way flush."""

from collections.abc import Sequence
from typing import Any

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

from pipecat_interrupts.event_handlers import (
    DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
    DeadlineEventHandlersMixin,
)
from pipecat_interrupts.flush_ends import (
    FlushReport as FlushReport,  # re-exported: its 0.2 home
)
from pipecat_interrupts.flush_runner import (
    DEFAULT_FLUSH_TIMEOUT_SECS as DEFAULT_FLUSH_TIMEOUT_SECS,
)
from pipecat_interrupts.flush_runner import (
    FLUSH_EVENTS,
    FlushRunner,
    FlushSettings,
)
from pipecat_interrupts.flush_runner import (
    reason_for as reason_for,  # re-exported: its 0.2 home
)
from pipecat_interrupts.frames import (
    FLUSH_ID,
    HANDLED_BY_CONTROLLER,
    AgentHandoffFrame,
    EmergencyStopFrame,
    decision_of,
    new_flush_id,
)
from pipecat_interrupts.task_registry import (
    DEFAULT_TASK_CANCEL_TIMEOUT_SECS,
    InterruptibleTaskRegistry,
)
from pipecat_interrupts.validation import require_bool, require_frame_types

AUDIO_FRAMES = (InputAudioRawFrame,)
DEFAULT_RESIDUAL_FRAME_TYPES: tuple[type[Frame], ...] = (
    LLMTextFrame,
    AggregatedTextFrame,
    TTSSpeakFrame,
    OutputAudioRawFrame,
)


class FlushCoordinator(DeadlineEventHandlersMixin, FrameProcessor):
    """Converts interruptions into task cancellation plus a `FlushFrame` both ways.

    The processor you place by hand around a `FlushRunner`. With an
    `InterruptionController`, ``InterruptionController(flush=FlushSettings())`` runs the
    same flush with no processor of its own (cheaper: one processor fewer for every frame);
    an interruption the controller flushes already (it carries a flush id) is not flushed
    again here.

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
        "_event_types",
        "_fence_id",
        "_interrupt_on_events",
        "_residual_dropped",
        "_residual_types",
        "_runner",
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
        settings = FlushSettings(task_registry, task_cancel_timeout_secs, flush_timeout_secs)
        self._residual_types = require_frame_types("residual_frame_types", residual_frame_types)
        self._fence_id = -1
        self._residual_dropped = 0
        self._runner = FlushRunner(self, settings, self._call_event_handler)
        for event in FLUSH_EVENTS:
            self._register_event_handler(event)

    @property
    def task_registry(self) -> InterruptibleTaskRegistry:
        """The registry whose tasks are cancelled on interruption."""
        return self._runner.task_registry

    @property
    def residual_frames_dropped(self) -> int:
        """How many pre-flush bot-output frames arrived after a flush and were dropped."""
        return self._residual_dropped

    @property
    def reports(self) -> list[FlushReport]:
        """The most recent flush reports (up to 256), oldest first."""
        return self._runner.reports

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
            # One with a flush id is flushed already (a controller with ``flush``).
            first = FLUSH_ID not in frame.metadata and self._runner.first_sight(frame)
            flush_id = new_flush_id() if first else None
            if flush_id:
                frame.metadata[FLUSH_ID] = flush_id  # snapshots downstream learn the flush id
            await self.push_frame(frame, direction)
            if flush_id:
                decision = decision_of(frame)
                self._start_flush(
                    frame,
                    direction,
                    reason=decision.reason if decision else None,
                    flush_id=flush_id,
                )
        elif isinstance(frame, self._event_types):
            handled = bool(frame.metadata.get(HANDLED_BY_CONTROLLER))
            first = not handled and self._runner.first_sight(frame)
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
                self._start_flush(frame, direction)
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
        """Cancel every registered task and flush under way; unhook; then end the handlers."""
        await self._teardown("pipeline cleanup")
        self._runner.unhook()
        await super().cleanup()

    def _is_residual(self, frame: Frame) -> bool:
        return (
            frame.id < self._fence_id
            and frame.interruptible
            and not isinstance(frame, SystemFrame)
            and isinstance(frame, self._residual_types)
        )

    def _start_flush(
        self,
        trigger: Frame,
        direction: FrameDirection,
        *,
        reason: str | None = None,
        flush_id: str | None = None,
    ) -> None:
        # Everything made before now is residual: frame ids grow.
        self._fence_id = Frame().id
        self._runner.start(trigger, direction, reason=reason, flush_id=flush_id)

    def _hook_worker(self) -> None:
        worker = self.processor_setup.pipeline_worker if self.processor_setup else None
        from pipecat_interrupts.wiring import flatten  # wiring imports this module

        self._runner.hook(worker, flatten(worker.pipeline) if worker is not None else [])

    async def _teardown(self, reason: str) -> None:
        await self._runner.teardown(reason)
