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

The processor only routes frames: its plain parts are built, started with the pipeline and
stopped by `ControllerParts` (`controller_parts`).
"""

from collections.abc import Callable, Sequence
from typing import Any

from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InterruptionFrame,
    ServiceMetadataFrame,
    StartFrame,
    VADUserStartedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.turns.user_start import BaseUserTurnStartStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from pipecat_interrupts import clocks
from pipecat_interrupts.arbiter_feed import FED_FRAMES
from pipecat_interrupts.arbitration import (
    DEFAULT_HOLD_TIMEOUT_SECS,
    DEFAULT_RECHECK_SECS,
    ArbiterState,
    InterruptionArbiter,
)
from pipecat_interrupts.conditions import InterruptionCondition
from pipecat_interrupts.conditions.base import DEFAULT_CONDITION_TIMEOUT_SECS
from pipecat_interrupts.controller_parts import ControllerParts
from pipecat_interrupts.decision_delivery import HeldFrame as HeldFrame  # its 0.2 home
from pipecat_interrupts.detectors import BaseInterruptionDetector
from pipecat_interrupts.detectors.base import BackchannelJudge
from pipecat_interrupts.detectors.start_strategy import StartStrategyDetector
from pipecat_interrupts.event_handlers import (
    DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
    DeadlineEventHandlersMixin,
)
from pipecat_interrupts.flush_ends import FlushReport
from pipecat_interrupts.flush_runner import FlushRunner, FlushSettings
from pipecat_interrupts.frame_classes import FrameClassSet
from pipecat_interrupts.frames import (
    AgentHandoffFrame,
    EmergencyStopFrame,
)
from pipecat_interrupts.replies.taps import TAPPED_FRAMES
from pipecat_interrupts.turn_handover import TurnHandover
from pipecat_interrupts.upstream_relay import UpstreamRelayMixin
from pipecat_interrupts.validation import require_name

ControllerMode = ArbiterState  # 0.1 name


_READ_FRAMES = (StartFrame, EndFrame, CancelFrame, ServiceMetadataFrame, *FED_FRAMES)
"""Frames the controller reads: its own, its feed's (with the tapped ones and its event types)."""


class InterruptionController(DeadlineEventHandlersMixin, UpstreamRelayMixin):
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
    # The per-frame path reads the arbiter and the feed from here, the rest from the parts.
    __slots__ = (
        "_arbiter",
        "_feed",
        "_parts",
        "_read_frames",
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
        parts = self._parts = ControllerParts(
            self,
            self._call_event_handler,
            detectors=detectors,
            conditions=conditions,
            interrupt_event_types=interrupt_event_types,
            bypass_event_types=bypass_event_types,
            condition_timeout_secs=condition_timeout_secs,
            allow_on_condition_error=allow_on_condition_error,
            hold_timeout_secs=hold_timeout_secs,
            recheck_secs=recheck_secs,
            backchannel_judge=backchannel_judge,
            clock=clock,
            flush=flush,
        )
        self._arbiter, self._feed = parts.arbiter, parts.feed
        self.relay_upstream(parts.arrival)
        self._user_frame_listeners: list[Callable[[Frame], None]] = []
        self._read_frames = FrameClassSet(*_READ_FRAMES, *TAPPED_FRAMES, *parts.event_types)
        for event in parts.events:
            self._register_event_handler(event)

    @property
    def arbiter(self) -> InterruptionArbiter:
        """The plain object that decides."""
        return self._arbiter

    @property
    def handover(self) -> TurnHandover:
        """Hands user-turn decisions to the user aggregator, which broadcasts them."""
        return self._parts.delivery.handover

    @property
    def flush_runner(self) -> FlushRunner | None:
        """Runs the flushes (``flush``): its task registry and reports; None without."""
        return self._parts.flush

    @property
    def flush_reports(self) -> list[FlushReport]:
        """The most recent flush reports (up to 256), oldest first; empty without ``flush``."""
        flush = self._parts.flush
        return flush.reports if flush is not None else []

    @property
    def judge(self) -> BackchannelJudge:
        """The backchannel judge, to share with the snapshotter."""
        return self._parts.judge

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
        return self.handover.announce(self, default, recommend_at_start=recommend_at_start)

    announces_turn_strategies = property(
        lambda self: self.handover.announcing, doc="Whether it recommends the adapter."
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
        self._parts.segments.protect_current_speech()

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
                self._parts.delivery.flush_for(frame, direction)
            return
        if (
            isinstance(frame, VADUserStartedSpeakingFrame)
            and direction is FrameDirection.DOWNSTREAM
        ):
            # The barge-in's usual case, decided in one step when nothing can weigh in
            # besides the detectors and the plugin's own conditions (else the feed decides).
            decision = self._arbiter.decide_voice_start(frame.start_secs)
            if decision is not None:
                await self._parts.delivery.interrupt_on(frame, decision)
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
            await self._parts.stop()
            if isinstance(frame, EndFrame):
                await self.upstream_relay.finish()
            else:
                await self.upstream_relay.close()
            await self.push_frame(frame, direction)
            return
        if isinstance(frame, StartFrame):
            await self.push_frame(frame, direction)
            await self._parts.start()
            return
        if isinstance(frame, ServiceMetadataFrame):
            self._parts.delivery.handover.wrap(frame, direction)
        elif (
            self._user_frame_listeners
            and isinstance(frame, TAPPED_FRAMES)
            and direction == FrameDirection.DOWNSTREAM
        ):
            for listener in self._user_frame_listeners:
                listener(frame)
        await self._feed.feed(frame, direction)

    async def cleanup(self) -> None:
        """Stop the re-check task, report abandoned callbacks, stop listening."""
        await super().cleanup()
        await self._parts.stop()
        await self.upstream_relay.close()
        self._parts.release()
