#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`InterruptionArbiter`: the interruption decision as a plain object.

It takes the user's side of the conversation (voice activity, transcripts, event frames)
and the bot's speaking state, runs the detectors and the conditions, and returns its
decisions (`decisions`) in order. It is no `FrameProcessor`: it has an injected clock,
never sleeps, and owns one state machine (`ArbiterState`) and at most one pending
`Attempt`. While an attempt is pending it asks to be re-checked at `next_recheck_at`
(the processor schedules that; tests call `recheck` after moving their clock).
"""

from collections.abc import Callable, Sequence
from typing import Any

from loguru import logger

from pipecat_interrupts import clocks
from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.arbitration.attempt import ArbiterState, Attempt, EventTrigger
from pipecat_interrupts.arbitration.decisions import (
    ArbiterDecision,
    Backchannel,
    Dropped,
    Hold,
    Interrupt,
    ReleaseHeldTurn,
    Suppressed,
)
from pipecat_interrupts.arbitration.evaluation import AttemptEvaluator
from pipecat_interrupts.conditions.base import (
    ConditionChecker,
    ConditionOutcome,
    InterruptionCondition,
)
from pipecat_interrupts.detectors.base import (
    BackchannelJudge,
    BaseInterruptionDetector,
    Detection,
    Verdict,
)
from pipecat_interrupts.reasons import Reason
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_HOLD_TIMEOUT_SECS = 2.0
DEFAULT_RECHECK_SECS = 0.1


class InterruptionArbiter:
    """Decides whether, and when, the user (or an event) may cut the bot off."""

    __slots__ = (
        "_attempt",
        "_bot_started_at",
        "_clock",
        "_evaluator",
        "_hold_timeout_secs",
        "_judge",
        "_muted",
        "_name",
        "_recheck_secs",
        "_state",
        "_user_speaking",
    )

    def __init__(
        self,
        *,
        detectors: Sequence[BaseInterruptionDetector],
        conditions: Sequence[InterruptionCondition | Callable[..., Any]],
        checker: ConditionChecker,
        judge: BackchannelJudge,
        hold_timeout_secs: float = DEFAULT_HOLD_TIMEOUT_SECS,
        recheck_secs: float = DEFAULT_RECHECK_SECS,
        clock: Callable[[], float] = clocks.monotonic,
        runner: UserCodeRunner | None = None,
        name: str = "InterruptionArbiter",
    ):
        """Create an arbiter.

        Args:
            detectors: Detectors in priority order.
            conditions: Conditions (or predicates) in order; the first that holds back wins.
            checker: Evaluates conditions under their deadlines.
            judge: Says whether words are only a backchannel or only fillers.
            hold_timeout_secs: How long a held-back attempt survives the user's silence.
            recheck_secs: How often a pending attempt is re-checked.
            clock: Monotonic clock in seconds.
            runner: Runs the detectors' frame hooks (user code) under deadlines.
            name: Name for logs.

        Raises:
            ValueError: If a duration is not finite and positive.
        """
        self._judge = judge
        self._hold_timeout_secs = require_positive_secs("hold_timeout_secs", hold_timeout_secs)
        self._recheck_secs = require_positive_secs("recheck_secs", recheck_secs)
        self._clock = clock
        self._evaluator = AttemptEvaluator(
            detectors=detectors,
            conditions=conditions,
            checker=checker,
            runner=runner or UserCodeRunner(name, clock=clock),
            hook_deadline_secs=self._recheck_secs,
        )
        self._name = name
        self._state = ArbiterState.BOT_SILENT
        self._bot_started_at: float | None = None
        self._user_speaking = False
        self._muted = False
        self._attempt: Attempt | None = None

    def __str__(self) -> str:
        return self._name

    @property
    def state(self) -> ArbiterState:
        """Where the arbiter is."""
        return self._state

    @property
    def holds_user_turns(self) -> bool:
        """True while the bot speaks and no decision let a user turn through."""
        return self._state is ArbiterState.BOT_SPEAKING

    @property
    def pending(self) -> Attempt | None:
        """The pending attempt, if any."""
        return self._attempt

    @property
    def next_recheck_at(self) -> float | None:
        """When the pending attempt wants to be re-checked (None: nothing pending)."""
        return None if self._attempt is None else self._clock() + self._recheck_secs

    @property
    def evaluator(self) -> AttemptEvaluator:
        """The detectors and conditions it asks.

        `AttemptEvaluator.observe_frame` shows them frames; `consult_before_rules` adds a
        detector.
        """
        return self._evaluator

    def set_muted(self, muted: bool) -> list[ArbiterDecision]:
        """Follow Pipecat's user mute: a muted user never interrupts (events still do)."""
        self._muted = muted
        attempt = self._attempt
        if muted and attempt is not None and attempt.trigger is None:
            self._attempt = None
            return [Dropped(attempt.text, "the user was muted")]
        return []

    async def bot_started(self) -> list[ArbiterDecision]:
        """The bot started speaking."""
        self._bot_started_at = self._clock()
        self._state = ArbiterState.BOT_SPEAKING
        return []

    async def bot_stopped(self) -> list[ArbiterDecision]:
        """The bot stopped: a pending event is decided again; held words become a turn."""
        if self._state is not ArbiterState.VOICE_ONLY_TURN:
            self._state = ArbiterState.BOT_SILENT
        self._bot_started_at = None
        attempt = self._attempt
        if attempt is None:
            return []
        if attempt.trigger is not None:
            return await self._evaluate(attempt)
        self._attempt = None
        if not attempt.held:
            return []  # voice activity only: nothing to release
        if not self._user_speaking and self._judge.is_filler_only(attempt.text, attempt.language):
            return [Dropped(attempt.text, "bot stopped; only fillers")]
        logger.debug(f"{self}: bot stopped; pending {attempt.text!r} becomes a user turn")
        detection = attempt.last_detection or Detection(Verdict.INTERRUPT, Reason.TEXT, "released")
        released = self._interrupt(attempt, detection, announce=False)
        released.decision.details["released"] = True
        return [ReleaseHeldTurn(released.decision, released.released)]

    def user_turn_stopped(self) -> None:
        """The user aggregator closed the user's turn."""
        if self._state is ArbiterState.VOICE_ONLY_TURN:
            self._state = ArbiterState.BOT_SILENT

    async def voice_started(self, start_secs: float = 0.0) -> list[ArbiterDecision]:
        """The user's voice activity started (``start_secs`` before now)."""
        self._user_speaking = True
        now = self._clock()
        attempt = self._user_attempt(now)
        if attempt is None:
            return []
        attempt.speaking, attempt.silent_since = True, None
        attempt.speech_started_at, attempt.speech_before_secs = now, start_secs
        return await self._evaluate(attempt, now)

    async def voice_stopped(self) -> list[ArbiterDecision]:
        """The user's voice activity stopped."""
        self._user_speaking = False
        attempt = self._attempt if self.holds_user_turns else None
        if attempt is None or attempt.trigger is not None:
            return []
        attempt.speaking, attempt.silent_since = False, self._clock()
        return await self._evaluate(attempt)

    async def voice_continues(self) -> list[ArbiterDecision]:
        """A tick of ongoing user speech: the pending attempt is decided again."""
        attempt = self._attempt if self.holds_user_turns else None
        return (
            [] if attempt is None or attempt.trigger is not None else await self._evaluate(attempt)
        )

    async def transcript(
        self,
        text: str,
        *,
        final: bool,
        item: object,
        language: str | None = None,
        user_id: str = "",
    ) -> list[ArbiterDecision]:
        """A transcript (interim or final). While user turns are held, ``item`` is held.

        Returns:
            The decisions; without a `Hold` for ``item`` the caller forwards it.
        """
        text = text.strip()
        if self._state is ArbiterState.VOICE_ONLY_TURN and text:
            if not self._judge.is_backchannel(text, language):
                self._state = ArbiterState.USER_TURN
            elif final:
                logger.debug(f"{self}: voice-triggered turn carried only a backchannel {text!r}")
                return [Backchannel(text, user_id)]
            return []
        attempt = self._user_attempt()
        if attempt is None:
            return []
        attempt.user_id = user_id or attempt.user_id
        attempt.language = language or attempt.language
        attempt.held.append(item)
        if final:
            attempt.finals.append(text)
            attempt.interim = ""
        else:
            attempt.interim = text
        return [Hold(item), *await self._evaluate(attempt)]

    async def event(self, trigger: EventTrigger, item: object) -> list[ArbiterDecision]:
        """An event frame asks to interrupt; ``item`` is forwarded with its decision.

        An event replaces a pending attempt: the user's held words are dropped, held
        event items are kept and forwarded with the new event's decision.
        """
        replaced, self._attempt = self._attempt, None
        decisions: list[ArbiterDecision] = [Hold(item)]
        kept: list[object] = []
        if replaced is not None and replaced.trigger is not None:
            kept = replaced.held  # held events are forwarded with this decision
        elif replaced is not None and replaced.text:
            decisions.append(Dropped(replaced.text, f"replaced by {trigger.name}"))
        attempt = Attempt(started_at=self._clock(), trigger=trigger, held=[*kept, item])
        if trigger.bypasses_conditions:
            logger.debug(f"{self}: {trigger.name} bypasses every condition")
            return [
                *decisions,
                self._interrupt(
                    attempt, Detection(Verdict.INTERRUPT, trigger.reason, trigger.name)
                ),
            ]
        self._attempt = attempt
        return [*decisions, *await self._evaluate(attempt)]

    async def recheck(self) -> list[ArbiterDecision]:
        """Decide the pending attempt again (conditions may have changed, time passed)."""
        return [] if self._attempt is None else await self._evaluate(self._attempt)

    def close(self) -> int:
        """The pipeline ends: drop the pending attempt.

        Returns:
            How many held items were dropped.
        """
        attempt, self._attempt = self._attempt, None
        return 0 if attempt is None else len(attempt.held)

    # Deciding

    def _user_attempt(self, now: float | None = None) -> Attempt | None:
        if self._state is not ArbiterState.BOT_SPEAKING or self._muted:
            return None
        if self._attempt is None:
            started_at = self._clock() if now is None else now
            self._attempt = Attempt(started_at=started_at, speaking=self._user_speaking)
        return self._attempt

    async def _evaluate(self, attempt: Attempt, now: float | None = None) -> list[ArbiterDecision]:
        # On the barge-in's own path, and run cold (once per barge-in): each call,
        # property and object here costs microseconds, so it reads fields directly.
        now = self._clock() if now is None else now
        started = self._bot_started_at
        activity = attempt.activity(now, 0.0 if started is None else now - started)
        evaluation = await self._evaluator.evaluate(
            attempt, activity, now=now, bot_speaking=self._state is ArbiterState.BOT_SPEAKING
        )
        if self._attempt is not attempt:
            return []  # replaced while a condition ran
        detection, outcome = evaluation.detection, evaluation.outcome
        if detection.verdict is Verdict.BACKCHANNEL:
            self._attempt = None
            logger.debug(f"{self}: backchannel {attempt.text!r}: the bot keeps talking")
            return [Backchannel(attempt.text, attempt.user_id)]
        decisions: list[ArbiterDecision] = []
        if detection.verdict is Verdict.INTERRUPT:
            attempt.last_detection = detection
            if outcome is None or outcome.allowed:
                self._attempt = None
                return [self._interrupt(attempt, detection, outcome=outcome, text=activity.text)]
            if outcome.blocked_by is not None and attempt.suppressed_by != outcome.blocked_by:
                attempt.suppressed_by = outcome.blocked_by
                logger.debug(
                    f"{self}: {detection.reason} interruption held back by {outcome.blocked_by}"
                )
                decisions.append(Suppressed(detection, outcome.blocked_by))
        silent_for = attempt.silent_for(now)
        if silent_for is not None and silent_for >= self._hold_timeout_secs:
            self._attempt = None
            why = f"{self._hold_timeout_secs:g}s of silence (held back by {attempt.suppressed_by or 'nothing'})"
            logger.debug(f"{self}: attempt {attempt.text!r} dropped after {why}")
            decisions.append(Dropped(attempt.text, why))
        return decisions

    def _interrupt(
        self,
        attempt: Attempt,
        detection: Detection,
        *,
        announce: bool = True,
        outcome: ConditionOutcome | None = None,
        text: str | None = None,
    ) -> Interrupt:
        text = attempt.text if text is None else text
        if announce:
            if attempt.trigger is None:
                self._state = ArbiterState.USER_TURN if text else ArbiterState.VOICE_ONLY_TURN
            logger.debug(
                f"{self}: interrupting the bot ({detection.reason}: {detection.detail}) on {text!r}"
            )
        decision = attempt.decision(detection, self._clock(), text=text)
        if outcome is not None:
            # What the conditions said, for logs and traces: who was asked, who failed.
            decision.details["conditions_checked"] = list(outcome.checked)
            if outcome.errors:
                decision.details["condition_errors"] = list(outcome.errors)
        return Interrupt(decision, tuple(attempt.held))
