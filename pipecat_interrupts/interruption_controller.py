#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`InterruptionController`: decides whether the user may cut the bot off, and when.

While the bot is silent the controller is transparent. While the bot speaks, every
attempt by the user to take the floor is read by the detectors, in order (by default:
phrases, TEN's text rule, voice activity duration); the first decisive detection wins:

- ``INTERRUPT``: the conditions are checked, in order: interruptions switched on
  (`InterruptionsControlFrame`), no uninterruptible segment playing, then yours. If all
  allow, the controller broadcasts the interruption the Pipecat 1.14 way
  (``broadcast_interruption()``), its `InterruptionDecision` carried on the
  `InterruptionFrame` itself (no extra frame on the barge-in path), and lets the user
  turn proceed. If one holds it back, the attempt stays pending and is re-checked on
  every new frame and every ``recheck_secs``; it lands as soon as the conditions allow.
- ``BACKCHANNEL``: the transcript becomes a `UserBackchannelFrame`. No user turn, no
  cancelled LLM, the bot keeps talking and the words never reach the next user turn.
- ``NOT_YET``: keep listening.

A pending attempt that never gets through either becomes a normal user turn when the bot
stops speaking, or is dropped (logged) once the user has been silent for
``hold_timeout_secs``. Transcripts of a pending attempt are held in the controller so the
user aggregator never sees them early.

Event frames (`EmergencyStopFrame`, `AgentHandoffFrame`, your own classes) interrupt too.
While the bot speaks they are subject to the conditions (held back with their frame, which
is forwarded once the interruption lands); while it is silent there is no speech to
protect, and they interrupt at once (cancelling an LLM that is still thinking). Those in
``bypass_event_types`` (emergency stops) skip every condition. An event replaces a pending
user attempt: the user's held words are dropped (logged), held event frames never are.

Place it before the user aggregator and give the aggregator
`controlled_user_turn_strategies(controller)`, so Pipecat's own VAD start strategy
cannot cut the bot off before the controller has decided.
"""

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

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
    TranscriptionFrame,
    TTSSpeakFrame,
    UserBackchannelFrame,
    UserSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.utils.time import time_now_iso8601

from pipecat_interrupts import clocks
from pipecat_interrupts.conditions import (
    InterruptionCondition,
    InterruptionContext,
    InterruptionsEnabled,
    UninterruptibleSegments,
    as_condition,
    check_conditions,
)
from pipecat_interrupts.conditions.base import DEFAULT_CONDITION_TIMEOUT_SECS
from pipecat_interrupts.detectors import (
    BaseInterruptionDetector,
    Detection,
    PhraseInterruptionDetector,
    UserActivity,
    Verdict,
    default_detectors,
    run_detectors,
)
from pipecat_interrupts.flush_coordinator import reason_for
from pipecat_interrupts.frames import (
    DECISION,
    HANDLED_BY_CONTROLLER,
    HELD_BY_CONTROLLER,
    AgentHandoffFrame,
    EmergencyStopFrame,
    InterruptionDecision,
    InterruptionsControlFrame,
)
from pipecat_interrupts.validation import require_frame_types, require_positive_secs

DEFAULT_HOLD_TIMEOUT_SECS = 2.0
DEFAULT_RECHECK_SECS = 0.1
_VAD_SECS = 0.2  # Pipecat's VADParams default, reported on replayed VAD frames


class ControllerMode(Enum):
    """Where the controller is in the conversation.

    Parameters:
        BOT_SILENT: Transparent: user frames pass untouched.
        BOT_SPEAKING: Reading user activity and deciding.
        USER_TURN: The controller let a user turn through; transparent until the bot
            speaks again.
    """

    BOT_SILENT = "bot_silent"
    BOT_SPEAKING = "bot_speaking"
    USER_TURN = "user_turn"


@dataclass
class _Attempt:
    started_at: float
    trigger: Frame | None = None
    speaking: bool = False
    speech_started_at: float | None = None
    silent_since: float | None = None
    interim: str = ""
    finals: list[str] = field(default_factory=list)
    held: list[tuple[Frame, FrameDirection]] = field(default_factory=list)
    suppressed_by: str | None = None
    user_id: str = ""

    @property
    def text(self) -> str:
        return " ".join([*self.finals, self.interim]).strip()


class InterruptionController(FrameProcessor):
    """Runs detectors and conditions while the bot speaks, and acts on the verdict.

    Event handlers available:

    - on_interruption(controller, decision: InterruptionDecision)
    - on_interruption_suppressed(controller, detection: Detection, condition_name: str)
    - on_backchannel(controller, text: str)

    Example::

        controller = InterruptionController(conditions=[MinBotSpeakingTime(1.0)])
        user_aggregator, assistant_aggregator = LLMContextAggregatorPair(
            context,
            user_params=LLMUserAggregatorParams(
                user_turn_strategies=controlled_user_turn_strategies(controller)
            ),
        )
        pipeline = Pipeline([transport.input(), stt, controller, user_aggregator, ...])
    """

    def __init__(
        self,
        *,
        detectors: Sequence[BaseInterruptionDetector] | None = None,
        conditions: Sequence[InterruptionCondition | Callable] = (),
        interrupt_event_types: Sequence[type[Frame]] = (EmergencyStopFrame, AgentHandoffFrame),
        bypass_event_types: Sequence[type[Frame]] = (EmergencyStopFrame,),
        condition_timeout_secs: float = DEFAULT_CONDITION_TIMEOUT_SECS,
        allow_on_condition_error: bool = True,
        hold_timeout_secs: float = DEFAULT_HOLD_TIMEOUT_SECS,
        recheck_secs: float = DEFAULT_RECHECK_SECS,
        clock: Callable[[], float] = clocks.monotonic,
        enable_direct_mode: bool = True,
        **kwargs,
    ):
        """Initialize the controller.

        Args:
            detectors: Detectors in priority order; `default_detectors()` if None.
            conditions: Your conditions (or ``(context) -> bool`` callables, sync or async),
                checked after the built-in phase switch and uninterruptible-segment
                conditions.
            interrupt_event_types: Frame classes that interrupt the bot on their own.
            bypass_event_types: Event classes that skip every condition.
            condition_timeout_secs: Deadline for each condition.
            allow_on_condition_error: The answer used when a condition raises or times
                out (True: let the user interrupt).
            hold_timeout_secs: How long a held-back attempt survives the user's silence.
            recheck_secs: How often a pending attempt is re-checked.
            clock: Monotonic clock in seconds (inject one in tests).
            enable_direct_mode: Process frames in the pushing processor's task instead of
                through an own queue (Pipecat's direct mode). On by default: it saves a
                queue hop on the barge-in path. Its only inline waits are your async
                conditions, each bounded by ``condition_timeout_secs``.
            **kwargs: `FrameProcessor` arguments.

        Raises:
            TypeError: If a detector, condition or event type has the wrong type.
            ValueError: If a duration is not positive.
        """
        super().__init__(enable_direct_mode=enable_direct_mode, **kwargs)
        detectors = default_detectors() if detectors is None else list(detectors)
        for detector in detectors:
            if not isinstance(detector, BaseInterruptionDetector):
                raise TypeError(f"detectors must hold BaseInterruptionDetector objects, got {detector!r}")
        self._detectors = detectors
        if isinstance(conditions, (str, bytes)) or not isinstance(conditions, Sequence):
            raise TypeError(f"conditions must be a list, got {type(conditions).__name__}")
        self._conditions: list[InterruptionCondition] = [
            InterruptionsEnabled(),
            UninterruptibleSegments(),
            *(as_condition(c, "conditions") for c in conditions),
        ]
        self._event_types = require_frame_types("interrupt_event_types", interrupt_event_types)
        self._bypass_types = require_frame_types("bypass_event_types", bypass_event_types)
        self._condition_timeout = require_positive_secs("condition_timeout_secs", condition_timeout_secs)
        self._allow_on_error = bool(allow_on_condition_error)
        self._hold_timeout = require_positive_secs("hold_timeout_secs", hold_timeout_secs)
        self._recheck_secs = require_positive_secs("recheck_secs", recheck_secs)
        if not callable(clock):
            raise TypeError("clock must be callable")
        self._clock = clock

        self._mode = ControllerMode.BOT_SILENT
        self._bot_started_at: float | None = None
        self._interruptions_enabled = True
        self._protect_next_speech = False
        self._uninterruptible_playing = False
        self._user_speaking = False
        self._voice_only_turn = False
        self._backchannel_reader = next(
            (d for d in self._detectors if isinstance(d, PhraseInterruptionDetector)),
            PhraseInterruptionDetector(),
        )
        self._attempt: _Attempt | None = None
        self._outgoing_decision: InterruptionDecision | None = None
        self._warned_foreign = False
        self._lock = asyncio.Lock()
        self._recheck_task: asyncio.Task | None = None

        self._register_event_handler("on_interruption")
        self._register_event_handler("on_interruption_suppressed")
        self._register_event_handler("on_backchannel")

    @property
    def mode(self) -> ControllerMode:
        """The controller's current mode."""
        return self._mode

    @property
    def holds_user_turns(self) -> bool:
        """True while the bot speaks and no decision let a user turn through."""
        return self._mode == ControllerMode.BOT_SPEAKING

    @property
    def interruptions_enabled(self) -> bool:
        """False while an `InterruptionsControlFrame` switched interruptions off."""
        return self._interruptions_enabled

    def protect_current_speech(self) -> None:
        """Treat the bot's next (or current) speech as uninterruptible until it stops.

        Use it for uninterruptible speech that does not pass the controller (pushed by
        a processor downstream of it).
        """
        if self._mode == ControllerMode.BOT_SILENT:
            self._protect_next_speech = True
        else:
            self._uninterruptible_playing = True

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Process a frame.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)

        if isinstance(frame, InputAudioRawFrame):
            await self.push_frame(frame, direction)  # the hot path: audio only passes through
        elif isinstance(frame, (EndFrame, CancelFrame)):
            await self._teardown()
            await self.push_frame(frame, direction)
        elif isinstance(frame, BotStartedSpeakingFrame):
            await self.push_frame(frame, direction)
            await self._on_bot_started()
        elif isinstance(frame, BotStoppedSpeakingFrame):
            await self.push_frame(frame, direction)
            await self._on_bot_stopped()
        elif isinstance(frame, UserStoppedSpeakingFrame):
            self._voice_only_turn = False  # the user aggregator closed the turn
            await self.push_frame(frame, direction)
        elif isinstance(frame, InterruptionsControlFrame):
            self._interruptions_enabled = frame.enabled
            logger.debug(
                f"{self}: interruptions {'enabled' if frame.enabled else 'disabled'}"
                f"{f' ({frame.reason})' if frame.reason else ''}"
            )
            await self.push_frame(frame, direction)
            await self._reevaluate()
        elif isinstance(frame, TTSSpeakFrame) and not frame.interruptible:
            self.protect_current_speech()
            await self.push_frame(frame, direction)
        elif isinstance(frame, self._event_types):
            await self._on_event(frame, direction)
        elif isinstance(frame, (VADUserStartedSpeakingFrame, VADUserStoppedSpeakingFrame, UserSpeakingFrame)):
            await self._on_voice_activity(frame, direction)
        elif isinstance(frame, (InterimTranscriptionFrame, TranscriptionFrame)):
            await self._on_transcript(frame, direction)
        elif isinstance(frame, InterruptionFrame) and direction == FrameDirection.UPSTREAM:
            self._check_foreign_interruption()
            await self.push_frame(frame, direction)
        else:
            await self.push_frame(frame, direction)

    def _check_foreign_interruption(self) -> None:
        # The controller never sees its own broadcasts. One from downstream while it is
        # still deciding on the user's speech is the signature of a user aggregator
        # without the adapter start strategy: say so once.
        attempt = self._attempt
        if self._warned_foreign or attempt is None or attempt.trigger is not None:
            return
        self._warned_foreign = True
        logger.warning(
            f"{self}: the bot was interrupted from downstream while the controller was still "
            f"deciding on the user's speech; if the user aggregator did it, give it "
            f"LLMUserAggregatorParams(user_turn_strategies=controlled_user_turn_strategies(controller))"
        )

    async def cleanup(self):
        """Stop the re-check task."""
        await super().cleanup()
        await self._teardown()

    # Bot state

    async def _on_bot_started(self) -> None:
        self._bot_started_at = self._clock()
        self._mode = ControllerMode.BOT_SPEAKING
        if self._protect_next_speech:
            self._protect_next_speech = False
            self._uninterruptible_playing = True
            logger.debug(f"{self}: uninterruptible segment playing")

    async def _on_bot_stopped(self) -> None:
        self._mode = ControllerMode.BOT_SILENT
        self._bot_started_at = None
        if self._uninterruptible_playing:
            logger.debug(f"{self}: uninterruptible segment finished")
        self._uninterruptible_playing = False
        async with self._lock:
            attempt = self._attempt
            if attempt is None:
                return
            if attempt.trigger is not None:
                # A held-back event still wants the bot stopped (it may speak again).
                await self._reevaluate_locked()
                return
            self._attempt = None
            if not attempt.held:
                return  # voice activity only: nothing to replay
            if not self._user_speaking and self._backchannel_reader.is_filler_only(attempt.text):
                logger.debug(f"{self}: bot stopped; pending {attempt.text!r} was only fillers: dropped")
                return
            logger.debug(f"{self}: bot stopped; pending attempt {attempt.text!r} becomes a user turn")
            # Replay the utterance inside its own voice-activity bracket: the aggregator's
            # turn strategies saw the original VAD frames while they were held back.
            now = time.time()
            replay = [
                (VADUserStartedSpeakingFrame(start_secs=_VAD_SECS, timestamp=now), FrameDirection.DOWNSTREAM)
            ]
            replay.extend(attempt.held)
            if not self._user_speaking:
                replay.append(
                    (VADUserStoppedSpeakingFrame(stop_secs=_VAD_SECS, timestamp=now), FrameDirection.DOWNSTREAM)
                )
            await self._release(replay)

    # User activity

    async def _on_voice_activity(self, frame: Frame, direction: FrameDirection) -> None:
        now = self._clock()
        if isinstance(frame, VADUserStartedSpeakingFrame):
            self._user_speaking = True
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._user_speaking = False
        async with self._lock:
            if self.holds_user_turns:
                attempt = self._attempt
                if attempt is None and isinstance(frame, VADUserStartedSpeakingFrame):
                    attempt = self._attempt = _Attempt(started_at=now)
                if attempt is not None:
                    if isinstance(frame, VADUserStartedSpeakingFrame):
                        attempt.speaking = True
                        attempt.speech_started_at = now - frame.start_secs
                        attempt.silent_since = None
                    elif isinstance(frame, VADUserStoppedSpeakingFrame):
                        attempt.speaking = False
                        attempt.silent_since = now
                    # Decide before forwarding: a decision taken on this very frame must
                    # reach the user aggregator ahead of it.
                    await self._evaluate_locked()
            if self.holds_user_turns:
                frame.metadata[HELD_BY_CONTROLLER] = True
            await self.push_frame(frame, direction)

    async def _on_transcript(self, frame: Frame, direction: FrameDirection) -> None:
        if self._voice_only_turn and self._mode != ControllerMode.BOT_SPEAKING:
            # A turn let through on voice activity alone: if all it carries is a
            # backchannel, it is one (the bot may resume), not words for the LLM.
            text = frame.text.strip()
            if text and not self._backchannel_reader.is_backchannel(text):
                self._voice_only_turn = False
            elif text and isinstance(frame, TranscriptionFrame):
                logger.debug(f"{self}: voice-triggered turn carried only a backchannel {text!r}")
                await self.push_frame(
                    UserBackchannelFrame(text=text, user_id=frame.user_id, timestamp=time_now_iso8601())
                )
                await self._call_event_handler("on_backchannel", text)
                return
        if not self.holds_user_turns:
            await self.push_frame(frame, direction)
            return
        async with self._lock:
            attempt = self._attempt
            if attempt is None:
                attempt = self._attempt = _Attempt(started_at=self._clock())
                attempt.speaking = self._user_speaking
            attempt.user_id = getattr(frame, "user_id", "") or attempt.user_id
            attempt.held.append((frame, direction))
            if isinstance(frame, TranscriptionFrame):
                attempt.finals.append(frame.text.strip())
                attempt.interim = ""
            else:
                attempt.interim = frame.text.strip()
            await self._evaluate_locked()

    async def _on_event(self, frame: Frame, direction: FrameDirection) -> None:
        frame.metadata[HANDLED_BY_CONTROLLER] = True
        if isinstance(frame, self._bypass_types):
            logger.debug(f"{self}: {frame.name} bypasses every condition")
            async with self._lock:
                dropped, self._attempt = self._attempt, None
            held_events = self._take_over(dropped, frame)
            await self._interrupt(
                Detection(Verdict.INTERRUPT, reason_for(frame), frame.name), None, frame
            )
            await self._release([*held_events, (frame, direction)])
            return
        async with self._lock:
            held_events = self._take_over(self._attempt, frame)
            self._attempt = _Attempt(started_at=self._clock(), trigger=frame)
            self._attempt.held.extend([*held_events, (frame, direction)])
            await self._evaluate_locked()

    def _take_over(
        self, pending: _Attempt | None, frame: Frame
    ) -> list[tuple[Frame, FrameDirection]]:
        """An event replaces a pending attempt: keep its held event frames, drop its words.

        The user's held transcripts are dropped (the event ends this exchange; released
        later they would leak into the next user turn). Event frames are never dropped:
        they are forwarded with the new event's decision.
        """
        if pending is None:
            return []
        events = [
            (f, d) for f, d in pending.held
            if not isinstance(f, (InterimTranscriptionFrame, TranscriptionFrame))
        ]
        if pending.text:
            logger.debug(f"{self}: pending attempt {pending.text!r} dropped by {frame.name}")
        if events:
            logger.debug(
                f"{self}: held {', '.join(f.name for f, _ in events)} forwarded with {frame.name}"
            )
        return events

    # Decisions

    def _activity(self, attempt: _Attempt, now: float) -> UserActivity:
        speech_secs = 0.0
        if attempt.speaking and attempt.speech_started_at is not None:
            speech_secs = now - attempt.speech_started_at
        return UserActivity(
            text=attempt.text,
            final=bool(attempt.finals) and not attempt.interim,
            speaking=attempt.speaking,
            speech_secs=speech_secs,
            bot_speaking_secs=self._bot_speaking_secs(now),
        )

    def _bot_speaking_secs(self, now: float) -> float:
        return 0.0 if self._bot_started_at is None else now - self._bot_started_at

    async def _reevaluate(self) -> None:
        async with self._lock:
            await self._reevaluate_locked()

    async def _reevaluate_locked(self) -> None:
        if self._attempt is not None:
            await self._evaluate_locked()

    async def _evaluate_locked(self) -> None:
        attempt = self._attempt
        if attempt is None:
            return
        now = self._clock()
        activity = self._activity(attempt, now)
        if attempt.trigger is not None:
            detection = Detection(Verdict.INTERRUPT, reason_for(attempt.trigger), attempt.trigger.name)
        else:
            detection = run_detectors(self._detectors, activity)

        if detection.verdict is Verdict.BACKCHANNEL:
            self._attempt = None
            await self._backchannel(attempt, detection)
            return
        if (
            detection.verdict is Verdict.INTERRUPT
            and attempt.trigger is not None
            and self._mode != ControllerMode.BOT_SPEAKING
        ):
            # No speech to protect: an event interrupts a silent (or thinking) bot at once.
            logger.debug(f"{self}: {attempt.trigger.name} with the bot silent: no conditions apply")
            self._attempt = None
            await self._interrupt(detection, attempt, attempt.trigger)
            return
        if detection.verdict is Verdict.INTERRUPT:
            context = InterruptionContext(
                now=now,
                bot_speaking=self._mode == ControllerMode.BOT_SPEAKING,
                bot_speaking_secs=activity.bot_speaking_secs,
                detection=detection,
                activity=activity,
                trigger=attempt.trigger,
                uninterruptible_playing=self._uninterruptible_playing,
                interruptions_enabled=self._interruptions_enabled,
            )
            outcome = await check_conditions(
                self._conditions,
                context,
                timeout=self._condition_timeout,
                on_error=self._allow_on_error,
            )
            if outcome.allowed:
                self._attempt = None
                await self._interrupt(detection, attempt, attempt.trigger)
                return
            if attempt.suppressed_by != outcome.blocked_by:
                attempt.suppressed_by = outcome.blocked_by
                logger.debug(
                    f"{self}: interruption ({detection.reason}: {detection.detail}) held back "
                    f"by {outcome.blocked_by}"
                )
                await self._call_event_handler("on_interruption_suppressed", detection, outcome.blocked_by)
        elif detection.reason != "none":
            logger.trace(f"{self}: not yet ({detection.reason}: {detection.detail})")

        if self._expired(attempt, now):
            self._attempt = None
            logger.debug(
                f"{self}: attempt {attempt.text!r} dropped after {self._hold_timeout:.2f}s of "
                f"silence (held back by {attempt.suppressed_by or 'no detection'})"
            )
            return
        self._ensure_recheck()

    def _expired(self, attempt: _Attempt, now: float) -> bool:
        if attempt.trigger is not None or attempt.speaking:
            return False
        since = attempt.silent_since if attempt.silent_since is not None else attempt.started_at
        return now - since >= self._hold_timeout

    async def _interrupt(
        self, detection: Detection, attempt: _Attempt | None, trigger: Frame | None
    ) -> None:
        now = self._clock()
        user_turn = attempt is not None and attempt.trigger is None
        decision = InterruptionDecision(
            reason=detection.reason,
            trigger=trigger.name if trigger is not None else None,
            detected_at=attempt.started_at if attempt else now,
            decided_at=now,
            text=attempt.text if attempt and attempt.text else None,
            starts_user_turn=user_turn,
            details={"detail": detection.detail},
        )
        self._voice_only_turn = user_turn and not (attempt and attempt.text)
        if user_turn:
            self._mode = ControllerMode.USER_TURN
        logger.debug(
            f"{self}: interrupting the bot ({detection.reason}: {detection.detail})"
            f"{f' on {attempt.text!r}' if attempt and attempt.text else ''}"
        )
        self._outgoing_decision = decision
        await self.broadcast_interruption()
        await self._call_event_handler("on_interruption", decision)
        if attempt is not None:
            await self._release(attempt.held)

    async def broadcast_frame(self, frame_cls: type[Frame], **kwargs):
        """Broadcast a frame; an `InterruptionFrame` of ours carries the decision.

        ``broadcast_interruption()`` ends here. The decision rides on both siblings under
        `DECISION`, so no frame of its own travels ahead of the interruption.

        Args:
            frame_cls: The class of the frame to broadcast.
            **kwargs: Its constructor arguments.
        """
        decision, self._outgoing_decision = self._outgoing_decision, None
        if decision is None or not issubclass(frame_cls, InterruptionFrame):
            await super().broadcast_frame(frame_cls, **kwargs)
            return
        downstream, upstream = frame_cls(**kwargs), frame_cls(**kwargs)
        downstream.broadcast_sibling_id, upstream.broadcast_sibling_id = upstream.id, downstream.id
        downstream.metadata[DECISION] = upstream.metadata[DECISION] = decision
        await self.push_frame(downstream)
        await self.push_frame(upstream, FrameDirection.UPSTREAM)

    async def _backchannel(self, attempt: _Attempt, detection: Detection) -> None:
        logger.debug(f"{self}: backchannel {attempt.text!r}: the bot keeps talking")
        await self.push_frame(
            UserBackchannelFrame(text=attempt.text, user_id=attempt.user_id, timestamp=time_now_iso8601())
        )
        await self._call_event_handler("on_backchannel", attempt.text)

    async def _release(self, held: list[tuple[Frame, FrameDirection]]) -> None:
        for frame, direction in held:
            await self.push_frame(frame, direction)

    # Re-checks

    def _ensure_recheck(self) -> None:
        if self._recheck_task is None or self._recheck_task.done():
            self._recheck_task = self.create_task(self._recheck_loop(), name="recheck")

    async def _recheck_loop(self) -> None:
        while True:
            await asyncio.sleep(self._recheck_secs)
            async with self._lock:
                if self._attempt is None:
                    return
                await self._evaluate_locked()

    async def _teardown(self) -> None:
        task, self._recheck_task = self._recheck_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            await self.cancel_task(task)
        if self._attempt is not None and self._attempt.held:
            logger.debug(f"{self}: pipeline ending; {len(self._attempt.held)} held frame(s) dropped")
        self._attempt = None
