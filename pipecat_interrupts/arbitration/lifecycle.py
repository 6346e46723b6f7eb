#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`AttemptLifecycle`: what becomes of an `InterruptionArbiter`'s pending attempt.

Each evaluation settles the attempt: a backchannel or an allowed interruption ends it; a
condition that holds it back is reported once (`Suppressed`) and the attempt waits, to be
re-checked every ``recheck_secs``, until ``hold_timeout_secs`` of the user's silence give
it up (`Dropped`). An event replaces it; the bot stopping releases its held words as a
user turn. This object keeps those rules and emits the decisions; the arbiter keeps the
attempt itself (it is read on every frame) and follows what was decided: every decision
here but `Suppressed` ends the attempt.
"""

from collections.abc import Callable

from loguru import logger

from pipecat_interrupts.arbitration.attempt import Attempt, EventTrigger
from pipecat_interrupts.arbitration.decisions import (
    ArbiterDecision,
    Backchannel,
    Dropped,
    Interrupt,
    ReleaseHeldTurn,
    Suppressed,
)
from pipecat_interrupts.arbitration.evaluation import Evaluation
from pipecat_interrupts.detectors.base import BackchannelJudge, Detection, Verdict
from pipecat_interrupts.reasons import Reason
from pipecat_interrupts.validation import require_positive_secs


class AttemptLifecycle:
    """Settles, re-checks, gives up, replaces and releases the pending attempt."""

    __slots__ = ("_clock", "_hold_timeout_secs", "_judge", "_name", "_recheck_secs")

    def __init__(
        self,
        hold_timeout_secs: float,
        recheck_secs: float,
        *,
        judge: BackchannelJudge,
        clock: Callable[[], float],
        name: str,
    ):
        """Create the lifecycle rules of one arbiter.

        Args:
            hold_timeout_secs: How long a held-back attempt survives the user's silence.
            recheck_secs: How often a pending attempt is re-checked.
            judge: Says whether held words are only fillers.
            clock: The arbiter's monotonic clock, in seconds.
            name: The arbiter's name, for logs.

        Raises:
            ValueError: If a duration is not finite and positive.
        """
        self._hold_timeout_secs = require_positive_secs("hold_timeout_secs", hold_timeout_secs)
        self._recheck_secs = require_positive_secs("recheck_secs", recheck_secs)
        self._judge = judge
        self._clock = clock
        self._name = name

    def __str__(self) -> str:
        return self._name

    @property
    def recheck_secs(self) -> float:
        """How often a pending attempt is re-checked."""
        return self._recheck_secs

    def next_recheck_at(self) -> float:
        """When a pending attempt wants its next re-check."""
        return self._clock() + self._recheck_secs

    def settle(
        self, attempt: Attempt, evaluation: Evaluation, text: str, now: float
    ) -> list[ArbiterDecision]:
        """What an evaluation makes of the attempt.

        Args:
            attempt: The attempt evaluated (still the pending one).
            evaluation: What the detectors and conditions said (an event that bypasses
                every condition is an interruption no condition was asked about).
            text: The attempt's words as the detectors read them (joined once, for every decision).
            now: The arbiter's clock when the attempt was evaluated.

        Returns:
            The decisions: empty or only a `Suppressed` while the attempt waits; any other
            decision ends it.
        """
        # On the barge-in's own path: it reads fields directly and builds the decision in
        # place (see `InterruptionArbiter._evaluate`).
        detection, outcome = evaluation.detection, evaluation.outcome
        if detection.verdict is Verdict.BACKCHANNEL:
            logger.debug(f"{self}: backchannel {text!r}: the bot keeps talking")
            return [Backchannel(text, attempt.user_id)]
        decisions: list[ArbiterDecision] = []
        if detection.verdict is Verdict.INTERRUPT:
            attempt.last_detection = detection
            if outcome is None or outcome.allowed:
                logger.debug(
                    f"{self}: interrupting the bot ({detection.reason}: {detection.detail}) on {text!r}"
                )
                decision = attempt.decision(detection, self._clock(), text=text)
                if outcome is not None:
                    # What the conditions said, for logs and traces: who was asked, who failed.
                    decision.details["conditions_checked"] = list(outcome.checked)
                    if outcome.errors:
                        decision.details["condition_errors"] = list(outcome.errors)
                return [Interrupt(decision, tuple(attempt.held))]
            if outcome.blocked_by is not None and attempt.suppressed_by != outcome.blocked_by:
                attempt.suppressed_by = outcome.blocked_by
                logger.debug(
                    f"{self}: {detection.reason} interruption held back by {outcome.blocked_by}"
                )
                decisions.append(Suppressed(detection, outcome.blocked_by))
        silent_for = attempt.silent_for(now)
        if silent_for is not None and silent_for >= self._hold_timeout_secs:
            why = f"{self._hold_timeout_secs:g}s of silence (held back by {attempt.suppressed_by or 'nothing'})"
            logger.debug(f"{self}: attempt {text!r} dropped after {why}")
            decisions.append(Dropped(text, why))
        return decisions

    def replace(
        self, replaced: Attempt | None, event: Attempt, trigger: EventTrigger
    ) -> list[ArbiterDecision]:
        """An event's new attempt replaces the pending one.

        Items held for a pending event move ahead of the new event's own (they are
        forwarded with its decision); the user's held words are dropped.

        Args:
            replaced: The pending attempt, if any.
            event: The event's new attempt.
            trigger: Its event.

        Returns:
            A `Dropped` for the user's words, if there were any.
        """
        if replaced is not None and replaced.trigger is not None:
            event.held[:0] = replaced.held
        elif replaced is not None and replaced.text:
            return [Dropped(replaced.text, f"replaced by {trigger.name}")]
        return []

    def bypass(self, event: Attempt, trigger: EventTrigger) -> list[ArbiterDecision]:
        """An event that skips every condition interrupts at once.

        Args:
            event: The event's attempt (never pending).
            trigger: Its event.

        Returns:
            Its `Interrupt`.
        """
        logger.debug(f"{self}: {trigger.name} bypasses every condition")
        detection = Detection(Verdict.INTERRUPT, trigger.reason, trigger.name)
        return self.settle(event, Evaluation(detection), event.text, self._clock())

    def release(self, attempt: Attempt, *, user_speaking: bool) -> list[ArbiterDecision]:
        """The bot stopped with the user's attempt pending: its held words become a turn.

        Args:
            attempt: The user's pending attempt (it ends here).
            user_speaking: Whether the user is still speaking (fillers then still count).

        Returns:
            Nothing for voice activity alone, a `Dropped` for fillers alone, else a
            `ReleaseHeldTurn`.
        """
        if not attempt.held:
            return []  # voice activity only: nothing to release
        if not user_speaking and self._judge.is_filler_only(attempt.text, attempt.language):
            return [Dropped(attempt.text, "bot stopped; only fillers")]
        logger.debug(f"{self}: bot stopped; pending {attempt.text!r} becomes a user turn")
        detection = attempt.last_detection or Detection(Verdict.INTERRUPT, Reason.TEXT, "released")
        decision = attempt.decision(detection, self._clock())
        decision.details["released"] = True
        return [ReleaseHeldTurn(decision, tuple(attempt.held))]
