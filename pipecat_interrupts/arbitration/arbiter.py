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
`Attempt` (read on every frame, so it stays here). What each evaluation makes of that
attempt, and what becomes of it while it waits, `AttemptLifecycle` decides; the arbiter
follows those decisions. While an attempt is pending it asks to be re-checked at
`next_recheck_at` (the processor schedules that; tests call `recheck` after moving their
clock).
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
    Suppressed,
)
from pipecat_interrupts.arbitration.evaluation import AttemptEvaluator
from pipecat_interrupts.arbitration.lifecycle import AttemptLifecycle
from pipecat_interrupts.conditions.base import ConditionChecker, InterruptionCondition
from pipecat_interrupts.detectors.base import BackchannelJudge, BaseInterruptionDetector
from pipecat_interrupts.frames import InterruptionDecision

DEFAULT_HOLD_TIMEOUT_SECS = 2.0
DEFAULT_RECHECK_SECS = 0.1


class InterruptionArbiter:
    """Decides whether, and when, the user (or an event) may cut the bot off."""

    __slots__ = (
        "_attempt",
        "_bot_started_at",
        "_clock",
        "_evaluator",
        "_judge",
        "_lifecycle",
        "_muted",
        "_name",
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
        self._lifecycle = AttemptLifecycle(
            hold_timeout_secs, recheck_secs, judge=judge, clock=clock, name=name
        )
        self._clock = clock
        self._evaluator = AttemptEvaluator(
            detectors=detectors,
            conditions=conditions,
            checker=checker,
            runner=runner or UserCodeRunner(name, clock=clock),
            hook_deadline_secs=self._lifecycle.recheck_secs,
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
        return None if self._attempt is None else self._lifecycle.next_recheck_at()

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
        return self._lifecycle.release(attempt, user_speaking=self._user_speaking)

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

    def decide_voice_start(self, start_secs: float = 0.0) -> InterruptionDecision | None:
        """Decide a voice start in one synchronous step, when nothing else can weigh in.

        The barge-in's usual case: the bot speaks, nothing is pending, the user is not
        muted and the evaluator can decide at once (`AttemptEvaluator.voice_start_in_line`):
        the decision `voice_started` would make, without a pending attempt's machinery.
        None when `voice_started` must decide (nothing has changed then).
        """
        if self._state is not ArbiterState.BOT_SPEAKING or self._muted or self._attempt is not None:
            return None
        now, started = self._clock(), self._bot_started_at
        found = self._evaluator.voice_start_in_line(
            start_secs, now, 0.0 if started is None else now - started
        )
        decisions = self._lifecycle.settle(*found, "", now) if found is not None else []
        if not decisions or not isinstance(decisions[0], Interrupt):
            return None  # an allowed interruption always settles as one
        self._user_speaking = True
        self._state = ArbiterState.VOICE_ONLY_TURN  # as `_evaluate` leaves a wordless one
        return decisions[0].decision

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
        attempt.hear(text, final=final, item=item, language=language, user_id=user_id)
        return [Hold(item), *await self._evaluate(attempt)]

    async def event(self, trigger: EventTrigger, item: object) -> list[ArbiterDecision]:
        """An event frame asks to interrupt; ``item`` is forwarded with its decision.

        An event replaces a pending attempt: the user's held words are dropped, held
        event items are kept and forwarded with the new event's decision.
        """
        replaced, self._attempt = self._attempt, None
        attempt = Attempt(started_at=self._clock(), trigger=trigger, held=[item])
        decisions = [Hold(item), *self._lifecycle.replace(replaced, attempt, trigger)]
        if trigger.bypasses_conditions:
            return [*decisions, *self._lifecycle.bypass(attempt, trigger)]
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
        text = activity.text
        decisions = self._lifecycle.settle(attempt, evaluation, text, now)
        if decisions and not isinstance(decisions[-1], Suppressed):
            # Ended (`AttemptLifecycle.settle`); the user's interruption lets their turn in.
            self._attempt = None
            if attempt.trigger is None and isinstance(decisions[-1], Interrupt):
                self._state = ArbiterState.USER_TURN if text else ArbiterState.VOICE_ONLY_TURN
        return decisions
