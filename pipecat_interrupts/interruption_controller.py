#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`InterruptionController`: the processor that puts an `InterruptionArbiter` in a pipeline.

While the bot is silent the controller is transparent. While the bot speaks, every attempt
by the user to take the floor is read by the detectors, in order (by default: phrases,
TEN's text rule, voice activity duration); the first decisive detection wins:

- ``INTERRUPT``: the conditions are checked, in order: interruptions switched on
  (`InterruptionsControlFrame`), no uninterruptible segment playing, then yours, each
  under ``condition_timeout_secs``. If all allow, the controller broadcasts the
  interruption, its `InterruptionDecision` carried on the `InterruptionFrame` itself
  (`decision_of`), and lets the user turn proceed. If one holds it back, the attempt
  stays pending and is re-checked on every new frame and every ``recheck_secs``.
- ``BACKCHANNEL``: the transcript becomes a `UserBackchannelFrame`: no user turn.
- ``NOT_YET``: keep listening.

A pending attempt that never gets through becomes a normal user turn when the bot stops
speaking (its held transcripts are forwarded as the STT produced them), or is dropped
(logged) once the user has been silent for ``hold_timeout_secs``. A user muted by one of
Pipecat's mute strategies (`UserMuteStartedFrame`) never interrupts.

Event frames (`EmergencyStopFrame`, `AgentHandoffFrame`, your own) interrupt too, subject
to the conditions while the bot speaks (their frame is forwarded once the interruption
lands); those in ``bypass_event_types`` skip every condition.

Place it before the user aggregator, with `controlled_user_turn_strategies(controller)`
in the aggregator; `wiring.interruption_pipeline` does both.
"""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    ServiceMetadataFrame,
    StartFrame,
    TranscriptionFrame,
    UserBackchannelFrame,
    UserMuteStartedFrame,
    UserMuteStoppedFrame,
    UserSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregator
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.turns.user_start import BaseUserTurnStartStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.utils.time import time_now_iso8601

from pipecat_interrupts import clocks
from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.arbitration import (
    DEFAULT_HOLD_TIMEOUT_SECS,
    DEFAULT_RECHECK_SECS,
    ArbiterDecision,
    ArbiterState,
    Backchannel,
    Dropped,
    EventTrigger,
    Hold,
    Interrupt,
    InterruptionArbiter,
    ReleaseHeldTurn,
    Suppressed,
)
from pipecat_interrupts.arbitration.evaluation import judge_for, require_conditions
from pipecat_interrupts.conditions import (
    ConditionChecker,
    InterruptionCondition,
    InterruptionsEnabled,
    UninterruptibleSegments,
)
from pipecat_interrupts.conditions.base import DEFAULT_CONDITION_TIMEOUT_SECS
from pipecat_interrupts.detectors import (
    BaseInterruptionDetector,
    default_detectors,
)
from pipecat_interrupts.detectors.base import BackchannelJudge
from pipecat_interrupts.detectors.start_strategy import StartStrategyDetector
from pipecat_interrupts.event_handlers import (
    DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
    DeadlineEventHandlersMixin,
)
from pipecat_interrupts.flush_ends import FlushReport
from pipecat_interrupts.flush_runner import FLUSH_EVENTS, FlushRunner, FlushSettings, reason_for
from pipecat_interrupts.frame_classes import FrameClassSet
from pipecat_interrupts.frames import (
    DECISION,
    FLUSH_ID,
    HANDLED_BY_CONTROLLER,
    HELD_BY_CONTROLLER,
    AgentHandoffFrame,
    EmergencyStopFrame,
    InterruptionDecision,
    decision_of,
    new_flush_id,
)
from pipecat_interrupts.replies.taps import TAPPED_FRAMES
from pipecat_interrupts.turn_handover import TurnHandover
from pipecat_interrupts.validation import require_frame_types, require_name

ControllerMode = ArbiterState  # 0.1 name


_READ_FRAMES = (
    StartFrame,
    EndFrame,
    CancelFrame,
    InterruptionFrame,
    ServiceMetadataFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    UserMuteStartedFrame,
    UserMuteStoppedFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
    UserSpeakingFrame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
)
"""Frames the controller reads (with the tapped ones and its event types)."""


@dataclass(frozen=True)
class HeldFrame:
    """A frame the controller holds for the arbiter, with its direction."""

    frame: Frame
    direction: FrameDirection


class InterruptionController(DeadlineEventHandlersMixin, FrameProcessor):
    """Feeds user-side frames to an `InterruptionArbiter` and carries out its decisions.

    Event handlers available:

    - on_interruption(controller, decision: InterruptionDecision)
    - on_interruption_suppressed(controller, detection: Detection, condition_name: str)
    - on_backchannel(controller, text: str)

    Each handler runs in its own task under ``event_handler_timeout_secs``
    (`DeadlineEventHandlersMixin`): the barge-in never waits on one, and one that hangs or
    swallows its cancellation cannot hold the pipeline's end.
    """

    # Pipecat's processor keeps an instance dict; our own state in slots keeps it small.
    __slots__ = (
        "_arbiter",
        "_bypass_types",
        "_clock",
        "_event_types",
        "_flush",
        "_handover",
        "_judge",
        "_lock",
        "_read_frames",
        "_recheck_task",
        "_runner",
        "_segments",
        "_user_frame_listeners",
    )

    def __init__(
        self,
        *,
        detectors: Sequence[BaseInterruptionDetector] | None = None,
        conditions: Sequence[InterruptionCondition | Callable[..., Any]] = (),
        interrupt_event_types: Sequence[type[Frame]] = (EmergencyStopFrame, AgentHandoffFrame),
        bypass_event_types: Sequence[type[Frame]] = (EmergencyStopFrame,),
        condition_timeout_secs: float = DEFAULT_CONDITION_TIMEOUT_SECS,
        allow_on_condition_error: bool = True,
        hold_timeout_secs: float = DEFAULT_HOLD_TIMEOUT_SECS,
        recheck_secs: float = DEFAULT_RECHECK_SECS,
        backchannel_judge: BackchannelJudge | None = None,
        clock: Callable[[], float] = clocks.monotonic,
        flush: FlushSettings | bool = False,
        enable_direct_mode: bool = True,
        event_handler_timeout_secs: float = DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
        **kwargs: Any,
    ):
        """Initialize the controller.

        Args:
            detectors: Detectors in priority order; `default_detectors()` if None.
            conditions: Your conditions (or ``(context) -> bool`` callables, sync or async),
                checked after the built-in phase switch and uninterruptible segments.
            interrupt_event_types: Frame classes that interrupt the bot on their own.
            bypass_event_types: Event classes that skip every condition.
            condition_timeout_secs: Deadline of each condition (and combined child).
            allow_on_condition_error: The answer used when a condition raises or overruns.
            hold_timeout_secs: How long a held-back attempt survives the user's silence.
            recheck_secs: How often a pending attempt is re-checked.
            backchannel_judge: Says "only a backchannel"; the first phrase detector (or
                a default `PhraseInterruptionDetector`) if None. Share it (`judge`).
            clock: Monotonic clock in seconds (inject one in tests).
            flush: Run a flush at each interruption, as a `FlushCoordinator` does but with
                no processor of its own (`FlushRunner`): your tasks cancelled and a
                `FlushFrame` both ways. True for `FlushSettings()` (its own task registry),
                or your `FlushSettings`; False for none.
            enable_direct_mode: Process frames in the pushing processor's task (on by
                default: it saves a queue hop on the barge-in path).
            event_handler_timeout_secs: Deadline for each event handler.
            **kwargs: `FrameProcessor` arguments.

        Raises:
            TypeError: If a detector, condition, event type, the judge or ``flush`` has the
                wrong type.
            ValueError: If a duration is not finite and positive.
        """
        if "name" in kwargs and kwargs["name"] is not None:
            require_name("name", kwargs["name"])
        super().__init__(
            enable_direct_mode=enable_direct_mode,
            event_handler_timeout_secs=event_handler_timeout_secs,
            **kwargs,
        )
        detectors = default_detectors() if detectors is None else detectors
        backchannel_judge = judge_for(detectors, backchannel_judge)
        if not callable(clock):
            raise TypeError("clock must be callable")
        if not isinstance(flush, (bool, FlushSettings)):
            raise TypeError(f"flush must be a FlushSettings or a bool, got {flush!r}")
        settings = FlushSettings() if flush is True else flush or None
        self._judge: BackchannelJudge = backchannel_judge
        self._segments = UninterruptibleSegments()
        self._event_types = require_frame_types("interrupt_event_types", interrupt_event_types)
        self._bypass_types = require_frame_types("bypass_event_types", bypass_event_types)
        self._runner = UserCodeRunner(str(self), clock=clock)
        checker = ConditionChecker(
            self._runner, timeout_secs=condition_timeout_secs, on_error=allow_on_condition_error
        )
        self._arbiter = InterruptionArbiter(
            detectors=detectors,
            conditions=[InterruptionsEnabled(), self._segments, *require_conditions(conditions)],
            checker=checker,
            judge=backchannel_judge,
            hold_timeout_secs=hold_timeout_secs,
            recheck_secs=recheck_secs,
            clock=clock,
            runner=self._runner,
            name=str(self),
        )
        self._clock = clock
        self._lock = asyncio.Lock()
        self._recheck_task: asyncio.Task[None] | None = None
        # Near the pipeline's top, it reports a flush upstream (observers see it all the same).
        self._flush = (
            FlushRunner(
                self, settings, self._call_event_handler, report_direction=FrameDirection.UPSTREAM
            )
            if settings
            else None
        )
        self._handover = TurnHandover(
            str(self), self._broadcast_interruption, stamp_flush_ids=self._flush is not None
        )
        self._user_frame_listeners: list[Callable[[Frame], None]] = []
        self._read_frames = FrameClassSet(*_READ_FRAMES, *TAPPED_FRAMES, *self._event_types)
        events = ("on_interruption", "on_interruption_suppressed", "on_backchannel")
        for event in (*events, *FLUSH_EVENTS) if self._flush else events:
            self._register_event_handler(event)

    @property
    def arbiter(self) -> InterruptionArbiter:
        """The plain object that decides."""
        return self._arbiter

    @property
    def handover(self) -> TurnHandover:
        """Hands user-turn decisions to the user aggregator, which broadcasts them."""
        return self._handover

    @property
    def flush_runner(self) -> FlushRunner | None:
        """Runs the flushes (``flush``): its task registry and reports; None without."""
        return self._flush

    @property
    def flush_reports(self) -> list[FlushReport]:
        """The most recent flush reports (up to 256), oldest first; empty without ``flush``."""
        return self._flush.reports if self._flush is not None else []

    @property
    def judge(self) -> BackchannelJudge:
        """The backchannel judge, to share with the snapshotter."""
        return self._judge

    @property
    def mode(self) -> ArbiterState:
        """The arbiter's current state."""
        return self._arbiter.state

    @property
    def holds_user_turns(self) -> bool:
        """True while the bot speaks and no decision let a user turn through."""
        return self._arbiter.holds_user_turns

    def consult_start_strategy(self, strategy: BaseUserTurnStartStrategy) -> None:
        """Let one of your Pipecat start strategies decide when words are enough, bot speaking.

        It is asked after the phrases: "stop" and backchannels still win.

        Args:
            strategy: The strategy (a twin of it is used; see `StartStrategyDetector`).
        """
        self._arbiter.evaluator.consult_before_rules(StartStrategyDetector(strategy))

    def announce_turn_strategies(
        self, default: UserTurnStrategies | None = None, *, recommend_at_start: bool = True
    ) -> UserTurnStrategies:
        """Recommend the adapter to the user aggregator at start, as services do.

        The aggregator then follows what an STT before the controller recommends too
        (wrapped, the adapter first); leave its ``user_turn_strategies`` unset
        (`wiring.interruption_pipeline` does both; see `turn_strategy_announcer`).

        Args:
            default: The strategies until a service recommends some (Pipecat's if None);
                your own start strategies in it are consulted while the bot speaks.
            recommend_at_start: Push the recommendation after the `StartFrame`. False
                when the aggregator is built with the returned strategies (its
                ``user_turn_strategies`` then unset again, so it still follows
                recommendations): the wiring does this, which saves the recommendation's
                trip through the pipeline and the aggregator's swap of strategies at start.

        Returns:
            The strategies recommended: the adapter first.
        """
        return self._handover.announce(self, default, recommend_at_start=recommend_at_start)

    announces_turn_strategies = property(
        lambda self: self._handover.announcing, doc="Whether it recommends the adapter."
    )

    def report_user_frames(self, listener: Callable[[Frame], None], *, stop: bool = False) -> None:
        """Tell ``listener`` of each transcript and `TTSSpeakFrame` as it arrives (held or not).

        The snapshotter hears the caller's words this way, with no hook on the STT.

        Args:
            listener: Called in line with the frame (the plugin's own code: keep it quick).
            stop: Stop telling it instead.
        """
        if stop:
            self._user_frame_listeners = [f for f in self._user_frame_listeners if f != listener]
        else:
            self._user_frame_listeners.append(listener)

    def protect_current_speech(self) -> None:
        """Treat the bot's current (or next) speech as uninterruptible until it stops."""
        self._segments.protect_current_speech()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Feed the frame to the arbiter and carry out its decisions.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame) or (
            isinstance(frame, InterruptionFrame)
            and direction == FrameDirection.UPSTREAM
            and self._arbiter.pending is None
        ):
            # Hot paths: audio only passes through; the aggregator's interruption going up
            # (nothing being decided) is on the barge-in's own path.
            await self.push_frame(frame, direction)
            if isinstance(frame, InterruptionFrame):
                self._flush_for(frame, direction)
            return
        hook_frames = self._arbiter.evaluator.hook_frames
        if (
            hook_frames is not None
            and frame not in self._read_frames
            and frame not in hook_frames
            and self._arbiter.pending is None
        ):
            # Nothing here reads it (the bot's speaking ticks, metadata, the LLM's frames)
            # and nothing is pending to re-check on it: it only passes.
            await self.push_frame(frame, direction)
            return
        if isinstance(frame, (EndFrame, CancelFrame)):
            await self._teardown()
            await self.push_frame(frame, direction)
            return
        if isinstance(frame, StartFrame):
            await self.push_frame(frame, direction)
            if (recommendation := self._handover.recommendation()) is not None:
                await self.push_frame(recommendation)
            self._on_pipeline_start()
            return
        if isinstance(frame, ServiceMetadataFrame):
            self._handover.wrap(frame, direction)
        elif (
            self._user_frame_listeners
            and isinstance(frame, TAPPED_FRAMES)
            and direction == FrameDirection.DOWNSTREAM
        ):
            for listener in self._user_frame_listeners:
                listener(frame)
        async with self._lock:
            await self._arbiter.evaluator.observe_frame(frame, direction)
            await self._dispatch(frame, direction)
        if self._arbiter.pending is not None:
            self._ensure_recheck()

    async def _dispatch(self, frame: Frame, direction: FrameDirection) -> None:
        arbiter = self._arbiter
        if isinstance(frame, BotStartedSpeakingFrame):
            await self.push_frame(frame, direction)
            await arbiter.bot_started()
        elif isinstance(frame, BotStoppedSpeakingFrame):
            await self.push_frame(frame, direction)
            await self._act(await arbiter.bot_stopped())
        elif isinstance(frame, (UserMuteStartedFrame, UserMuteStoppedFrame)):
            await self._act(
                arbiter.set_muted(isinstance(frame, UserMuteStartedFrame)),
                trailing=HeldFrame(frame, direction),
            )
            await self.push_frame(frame, direction)
        elif isinstance(frame, UserStoppedSpeakingFrame):
            arbiter.user_turn_stopped()
            await self.push_frame(frame, direction)
        elif isinstance(frame, self._event_types):
            frame.metadata[HANDLED_BY_CONTROLLER] = True
            trigger = EventTrigger(frame, reason_for(frame), isinstance(frame, self._bypass_types))
            await self._act(await arbiter.event(trigger, HeldFrame(frame, direction)))
        elif isinstance(
            frame, (VADUserStartedSpeakingFrame, VADUserStoppedSpeakingFrame, UserSpeakingFrame)
        ):
            # Decide before forwarding: a decision taken on this very frame must reach
            # the user aggregator ahead of it.
            if isinstance(frame, VADUserStartedSpeakingFrame):
                decisions = await arbiter.voice_started(frame.start_secs)
            elif isinstance(frame, VADUserStoppedSpeakingFrame):
                decisions = await arbiter.voice_stopped()
            else:
                decisions = await arbiter.voice_continues()
            await self._act(decisions, trailing=HeldFrame(frame, direction))
            if arbiter.holds_user_turns:
                frame.metadata[HELD_BY_CONTROLLER] = True
            await self.push_frame(frame, direction)
        elif isinstance(frame, (InterimTranscriptionFrame, TranscriptionFrame)):
            item = HeldFrame(frame, direction)
            decisions = await arbiter.transcript(
                frame.text if isinstance(frame.text, str) else str(frame.text or ""),
                final=isinstance(frame, TranscriptionFrame),
                item=item,
                language=str(frame.language) if frame.language else None,
                user_id=frame.user_id or "",
            )
            forwarded = not any(isinstance(d, (Hold, Backchannel)) for d in decisions)
            await self._act(decisions, trailing=HeldFrame(frame, direction) if forwarded else None)
            if forwarded:
                await self.push_frame(frame, direction)
        else:
            interruption = isinstance(frame, InterruptionFrame)
            if interruption and direction == FrameDirection.UPSTREAM:
                pending = arbiter.pending
                self._handover.note_interruption_from_below(
                    pending is not None and pending.trigger is None
                )
            if interruption and self._flush is not None:
                frame.metadata.setdefault(FLUSH_ID, new_flush_id())  # for snapshots below
            await self.push_frame(frame, direction)
            if isinstance(frame, InterruptionFrame):
                self._flush_for(frame, direction)
            if arbiter.pending is not None:
                await self._act(await arbiter.recheck())

    async def _act(
        self, decisions: Sequence[ArbiterDecision], *, trailing: HeldFrame | None = None
    ) -> None:
        # ``trailing``: the frame the caller forwards right after these decisions.
        for decision in decisions:
            if isinstance(decision, (Interrupt, ReleaseHeldTurn)):
                # A user turn's interruption rides on the last user frame forwarded to
                # the user aggregator, which broadcasts it (`turn_handover`); else, here.
                if not self._hand_over(decision.decision, decision.released, trailing):
                    await self._broadcast_interruption(decision.decision)
                if isinstance(decision, Interrupt):
                    await self._call_event_handler("on_interruption", decision.decision)
                await self._forward(decision.released)
            elif isinstance(decision, Backchannel):
                frame = UserBackchannelFrame(
                    text=decision.text, user_id=decision.user_id, timestamp=time_now_iso8601()
                )
                await self.push_frame(frame)
                await self._call_event_handler("on_backchannel", decision.text)
            elif isinstance(decision, Suppressed):
                await self._call_event_handler(
                    "on_interruption_suppressed", decision.detection, decision.condition_name
                )
            elif isinstance(decision, Dropped):
                logger.debug(f"{self}: pending {decision.text!r} dropped: {decision.why}")

    async def _broadcast_interruption(self, decision: InterruptionDecision) -> None:
        # Pipecat's broadcast_interruption(), with the decision on both siblings.
        await self.stop_all_metrics()  # type: ignore[no-untyped-call]  # Pipecat's, untyped
        downstream, upstream = InterruptionFrame(), InterruptionFrame()
        downstream.broadcast_sibling_id, upstream.broadcast_sibling_id = upstream.id, downstream.id
        downstream.metadata[DECISION] = upstream.metadata[DECISION] = decision
        if self._flush is not None:
            downstream.metadata[FLUSH_ID] = upstream.metadata[FLUSH_ID] = new_flush_id()
        await self.push_frame(downstream)
        await self.push_frame(upstream, FrameDirection.UPSTREAM)
        self._flush_for(downstream, FrameDirection.DOWNSTREAM)

    def _flush_for(self, frame: InterruptionFrame, direction: FrameDirection) -> None:
        if self._flush is None:
            return
        decision = decision_of(frame)
        flush_id = frame.metadata.get(FLUSH_ID)
        self._flush.interrupted(
            frame,
            direction,
            flush_id=flush_id if isinstance(flush_id, str) else None,
            reason=decision.reason if decision is not None else None,
        )

    def _hand_over(
        self, decision: InterruptionDecision, released: Sequence[object], trailing: HeldFrame | None
    ) -> bool:
        forwarded = [i for i in released if isinstance(i, HeldFrame)]
        forwarded += [trailing] if trailing is not None else []
        if not forwarded or forwarded[-1].direction != FrameDirection.DOWNSTREAM:
            # Nothing goes down to the aggregator last: a decision taken on voice activity
            # the aggregator's own VAD reported upstream is broadcast here.
            return False
        before = [i.frame for i in forwarded[:-1] if i.direction == FrameDirection.DOWNSTREAM]
        return self._handover.offer(decision, before, forwarded[-1].frame)

    async def _forward(self, held: Sequence[object]) -> None:
        for item in held:
            if isinstance(item, HeldFrame):
                await self.push_frame(item.frame, item.direction)

    def _on_pipeline_start(self) -> None:
        worker = self.processor_setup.pipeline_worker if self.processor_setup else None
        if worker is not None:
            # wiring imports this module
            from pipecat_interrupts.wiring import flatten, processors_after, report_wiring

            processors = flatten(worker.pipeline)  # once, for the check and the hand-over
            report_wiring(processors, self)
            self._handover.listen_to(processors_after(processors, self, LLMUserAggregator))
            if self._flush is not None:
                self._flush.hook(worker, processors_after(processors, self, BaseOutputTransport))
        elif self._flush is not None:
            self._flush.hook(None, [])

    def _ensure_recheck(self) -> None:
        if self._recheck_task is None or self._recheck_task.done():
            self._recheck_task = self.create_task(self._recheck_loop(), name="recheck")

    async def _recheck_loop(self) -> None:
        while (at := self._arbiter.next_recheck_at) is not None:
            await asyncio.sleep(max(0.0, at - self._clock()))
            async with self._lock:
                await self._act(await self._arbiter.recheck())

    async def _teardown(self) -> None:
        task, self._recheck_task = self._recheck_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            await self.cancel_task(task)
        dropped = self._arbiter.close()
        if dropped:
            logger.debug(f"{self}: pipeline ending; {dropped} held frame(s) dropped")
        if self._flush is not None:
            await self._flush.teardown("pipeline ended")
        await self._runner.close()

    async def cleanup(self) -> None:
        """Stop the re-check task, report abandoned callbacks, stop listening."""
        await super().cleanup()
        await self._teardown()
        self._handover.release()
        if self._flush is not None:
            self._flush.unhook()
