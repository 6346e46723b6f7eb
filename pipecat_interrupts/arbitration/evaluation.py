#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`AttemptEvaluator`: the detectors and conditions an `InterruptionArbiter` asks.

It reads one pending attempt: the detectors say what it is (the first decisive one wins;
an event is an interruption by itself) and, for an interruption, the conditions say
whether it may happen now. It also shows frames to the detectors and conditions that have
a ``process_frame`` hook. It keeps no state about the conversation: the arbiter does.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipecat.frames.frames import Frame, VADUserStartedSpeakingFrame
from pipecat.processors.frame_processor import FrameDirection

from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.arbitration.attempt import Attempt
from pipecat_interrupts.conditions.base import (
    ConditionChecker,
    ConditionOutcome,
    FrameHook,
    InterruptionCondition,
    InterruptionContext,
    as_condition,
)
from pipecat_interrupts.detectors.base import (
    BackchannelJudge,
    BaseInterruptionDetector,
    Detection,
    UserActivity,
    Verdict,
    run_detectors,
    run_detectors_async,
)
from pipecat_interrupts.detectors.phrase_detector import PhraseInterruptionDetector
from pipecat_interrupts.frame_classes import FrameClassSet


def require_conditions(conditions: object) -> list[InterruptionCondition]:
    """Check a list of conditions (or predicates).

    Args:
        conditions: The value given as ``conditions``.

    Returns:
        The conditions.

    Raises:
        TypeError: If it is not a list of conditions or callables.
    """
    if isinstance(conditions, (str, bytes)) or not isinstance(conditions, Sequence):
        raise TypeError(f"conditions must be a list, got {type(conditions).__name__}")
    return [as_condition(c) for c in conditions]


def require_detectors(detectors: object) -> list[BaseInterruptionDetector]:
    """Check a list of detectors.

    Args:
        detectors: The value given as ``detectors``.

    Returns:
        The detectors.

    Raises:
        TypeError: If it is not a list of `BaseInterruptionDetector` objects.
    """
    if isinstance(detectors, (str, bytes)) or not isinstance(detectors, Sequence):
        raise TypeError(f"detectors must be a list, got {type(detectors).__name__}")
    for detector in detectors:
        if not isinstance(detector, BaseInterruptionDetector):
            raise TypeError(
                f"detectors must hold BaseInterruptionDetector objects, got {detector!r}"
            )
    return list(detectors)


def judge_for(detectors: object, judge: object | None) -> BackchannelJudge:
    """The backchannel judge: the one given, else the first phrase detector, else a default.

    Args:
        detectors: The detectors (checked as ``detectors``).
        judge: The judge given as ``backchannel_judge``, or None.

    Returns:
        The judge.

    Raises:
        TypeError: If ``detectors`` or ``judge`` has the wrong type.
    """
    phrases = [d for d in require_detectors(detectors) if isinstance(d, PhraseInterruptionDetector)]
    if judge is None:
        return phrases[0] if phrases else PhraseInterruptionDetector()
    if not isinstance(judge, BackchannelJudge):
        raise TypeError(f"backchannel_judge must be a BackchannelJudge, got {judge!r}")
    return judge


@dataclass(frozen=True)
class Evaluation:
    """What the detectors and conditions made of an attempt.

    Parameters:
        detection: The winning detection.
        outcome: The conditions' outcome (None when they were not asked: no interruption
            detected, or an event with the bot not speaking).
    """

    detection: Detection
    outcome: ConditionOutcome | None = None


class AttemptEvaluator:
    """Runs the detectors, then the conditions, on one attempt."""

    __slots__ = (
        "_checker",
        "_conditions",
        "_detectors",
        "_hook_deadline_secs",
        "_hooks",
        "_in_line",
        "_runner",
        "hook_frames",
    )

    def __init__(
        self,
        *,
        detectors: Sequence[BaseInterruptionDetector],
        conditions: Sequence[InterruptionCondition | Callable[..., Any]],
        checker: ConditionChecker,
        runner: UserCodeRunner,
        hook_deadline_secs: float,
    ):
        """Create an evaluator.

        Args:
            detectors: Detectors in priority order.
            conditions: Conditions (or predicates) in order.
            checker: Evaluates conditions under their deadlines.
            runner: Runs the detectors' frame hooks under ``hook_deadline_secs``, and the
                asynchronous detectors (a model) under their own deadlines.
            hook_deadline_secs: Deadline of a detector's frame hook.
        """
        self._detectors = require_detectors(detectors)
        self._conditions = require_conditions(conditions)
        self._checker = checker
        self._runner = runner
        self._hook_deadline_secs = hook_deadline_secs
        self.hook_frames: FrameClassSet | None = None
        """The frame classes its hooks read; None when one of them reads every frame."""
        self._in_line = False
        self._hooks = self._frame_hooks()

    def _frame_hooks(self) -> list[FrameHook]:
        # Collected once (and again when a detector is added), not on every frame.
        detectors = [
            FrameHook(hook, f"detector {detector}.process_frame", self._hook_deadline_secs)
            for detector in self._detectors
            if callable(hook := getattr(detector, "process_frame", None))
        ]
        hooks = [*detectors, *self._checker.frame_hooks(self._conditions)]
        reads = [hook.reads for hook in hooks]
        self.hook_frames = (
            None
            if any(r is None for r in reads)
            else FrameClassSet(*(c for r in reads if r is not None for c in r))
        )
        # A voice start can be decided in one synchronous step when no detector is
        # asynchronous (a model), every condition is the plugin's own (no user code, no
        # deadline), and no hook wants to see the voice start first.
        self._in_line = (
            all(getattr(d, "detect_async", None) is None for d in self._detectors)
            and ConditionChecker.checks_in_line(self._conditions)
            and self.hook_frames is not None
            and not issubclass(VADUserStartedSpeakingFrame, self.hook_frames.classes)
        )
        return hooks

    def voice_start_in_line(
        self, start_secs: float, now: float, bot_speaking_secs: float
    ) -> tuple[Attempt, Evaluation] | None:
        """Detect and check a new voice start at once, when nothing in it can wait.

        The same detectors and conditions as `evaluate`, run synchronously: only when no
        detector is asynchronous, every condition is the plugin's own and no frame hook
        reads a voice start.

        Args:
            start_secs: The voice activity before the start was reported.
            now: The arbiter's clock.
            bot_speaking_secs: How long the bot has been speaking.

        Returns:
            The new attempt and the evaluation of an interruption the conditions allow;
            None otherwise (not in line, not an interruption, or held back: `evaluate`
            decides it again, and records what held it back).
        """
        if not self._in_line:
            return None
        attempt = Attempt(started_at=now, speaking=True)
        attempt.speech_started_at, attempt.speech_before_secs = now, start_secs
        activity = attempt.activity(now, bot_speaking_secs)
        detection = run_detectors(self._detectors, activity)
        if detection.verdict is not Verdict.INTERRUPT:
            return None
        context = InterruptionContext(
            now=now,
            bot_speaking=True,
            bot_speaking_secs=bot_speaking_secs,
            detection=detection,
            activity=activity,
        )
        outcome = ConditionChecker.check_in_line(self._conditions, context)
        return (attempt, Evaluation(detection, outcome)) if outcome.allowed else None

    def consult_before_rules(self, detector: BaseInterruptionDetector) -> None:
        """Add a detector right after the phrase detectors (ahead of the text/VAD rules).

        Args:
            detector: The detector (a `StartStrategyDetector` of the user's strategy).
        """
        leading = 0
        while leading < len(self._detectors) and isinstance(
            self._detectors[leading], PhraseInterruptionDetector
        ):
            leading += 1
        self._detectors.insert(leading, detector)
        self._hooks = self._frame_hooks()

    async def observe_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Show a frame to the detectors and conditions that have a frame hook (and read it).

        Args:
            frame: A frame the processor saw.
            direction: Its direction.
        """
        for hook in self._hooks:
            if hook.reads is not None and not isinstance(frame, hook.reads):
                continue
            if hook.direct:
                hook.hook(frame, direction)  # the plugin's own: nothing to contain
                continue
            await self._runner.call(
                hook.hook, frame, direction, deadline_secs=hook.deadline_secs, name=hook.name
            )

    async def evaluate(
        self, attempt: Attempt, activity: UserActivity, *, now: float, bot_speaking: bool
    ) -> Evaluation:
        """Detect, then (for an interruption while the bot speaks) check the conditions.

        Args:
            attempt: The pending attempt.
            activity: The attempt as detectors read it.
            now: The arbiter's clock.
            bot_speaking: Whether the bot is speaking (an event with the bot silent skips
                the conditions: there is no speech to protect).

        Returns:
            The evaluation.
        """
        trigger = attempt.trigger
        if trigger is not None:
            detection = Detection(Verdict.INTERRUPT, trigger.reason, trigger.name)
        else:
            # Asynchronous detectors (a model) run under their deadline through the
            # runner; an interrupt phrase is decided before any of them is awaited.
            detection = await run_detectors_async(self._detectors, activity, self._runner)
        if detection.verdict is not Verdict.INTERRUPT or (trigger is not None and not bot_speaking):
            return Evaluation(detection)
        context = InterruptionContext(
            now=now,
            bot_speaking=bot_speaking,
            bot_speaking_secs=activity.bot_speaking_secs,
            detection=detection,
            activity=activity,
            trigger=trigger.frame if trigger is not None else None,
        )
        return Evaluation(detection, await self._checker.check(self._conditions, context))
