#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A model-based classifier plugged into detection, under a deadline, with a fallback.

The protocol a team's model implements is `InterruptionClassifier`: one method,
``classify(text, language)``, sync or async, returning a `ModelLabel` (or its string
value, or None when unsure). `ModelInterruptionDetector` wraps it:

- it asks the phrase detector first; an interrupt phrase ("stop", "待って") never
  waits on a model, and interims are not sent to it unless ``interims=True``;
- the classifier runs under ``deadline_secs`` through `UserCodeRunner` (its own task,
  cancelled and abandoned with a warning when late, whatever it does with the
  cancellation);
- on a timeout, an error, or an answer it cannot read, the phrase verdict stands.

The synchronous `detect` is the phrase verdict alone; the model is asked by
`detect_async` (and `run_detectors_async`), which the interruption controller awaits.
"""

import inspect
from collections.abc import Awaitable
from enum import StrEnum
from typing import Protocol, runtime_checkable

from loguru import logger

from pipecat_interrupts._deadlines import UserCodeRunner, callback_name
from pipecat_interrupts.detectors.base import (
    BaseInterruptionDetector,
    Detection,
    UserActivity,
    Verdict,
)
from pipecat_interrupts.detectors.phrase_detector import PhraseInterruptionDetector
from pipecat_interrupts.reasons import Reason
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_MODEL_DEADLINE_SECS = 0.3


class ModelLabel(StrEnum):
    """What a classifier says of an utterance made while the bot speaks."""

    INTERRUPT = "interrupt"
    BACKCHANNEL = "backchannel"
    UNSURE = "unsure"


@runtime_checkable
class InterruptionClassifier(Protocol):
    """A model that reads an utterance: is the caller taking the floor?"""

    def classify(
        self, text: str, language: str | None
    ) -> "ModelLabel | str | None | Awaitable[ModelLabel | str | None]":
        """Classify an utterance.

        Args:
            text: The transcript (final, unless the detector sends interims).
            language: Its language code as the STT reported it, or None.

        Returns:
            A `ModelLabel` or its value ("interrupt", "backchannel", "unsure"), or None
            when unsure; may be awaitable. Anything else counts as unsure.
        """
        ...


def read_label(value: object) -> ModelLabel:
    """Read a classifier's answer leniently.

    Args:
        value: What the classifier returned.

    Returns:
        The label (`ModelLabel.UNSURE` for anything that is not one).
    """
    if isinstance(value, ModelLabel):
        return value
    if isinstance(value, str):
        try:
            return ModelLabel(value.strip().lower())
        except ValueError:
            return ModelLabel.UNSURE
    return ModelLabel.UNSURE


class ModelInterruptionDetector(BaseInterruptionDetector):
    """Asks a model when the phrase lists have no interrupt phrase; off by default.

    Example::

        detector = ModelInterruptionDetector(OpenAIInterruptionClassifier(base_url=..., model=...))
        controller = InterruptionController(detectors=[detector, TextInterruptionDetector()])
    """

    reads_words = True

    def __init__(
        self,
        classifier: InterruptionClassifier,
        *,
        phrases: PhraseInterruptionDetector | None = None,
        deadline_secs: float = DEFAULT_MODEL_DEADLINE_SECS,
        interims: bool = False,
    ):
        """Initialize the detector.

        Args:
            classifier: The model (see `InterruptionClassifier`).
            phrases: The phrase detector whose verdict comes first and stands when the
                model fails (default: a `PhraseInterruptionDetector()`; share the
                pipeline's one).
            deadline_secs: How long the model may take.
            interims: Whether interim transcripts are sent to the model too.

        Raises:
            TypeError: If ``classifier`` has no ``classify`` method.
            ValueError: If ``deadline_secs`` is not a finite positive number.
        """
        if not callable(getattr(classifier, "classify", None)):
            raise TypeError(f"classifier: {classifier!r} has no classify(text, language) method")
        self._classifier = classifier
        self._phrases = phrases or PhraseInterruptionDetector()
        self._deadline_secs = require_positive_secs("deadline_secs", deadline_secs)
        self._interims = bool(interims)
        self._runner = UserCodeRunner(str(self))
        self._name = f"{callback_name(classifier.classify)}"

    def detect(self, activity: UserActivity) -> Detection:
        """The phrase verdict alone (the model is asked by `detect_async`).

        Args:
            activity: What the user has done so far.

        Returns:
            The phrase detector's detection.
        """
        return self._phrases.detect(activity)

    def _asks_model(self, activity: UserActivity, phrase: Detection) -> bool:
        if not activity.text.strip() or (not activity.final and not self._interims):
            return False
        return not (phrase.verdict is Verdict.INTERRUPT and phrase.reason == Reason.PHRASE)

    async def detect_async(
        self, activity: UserActivity, runner: UserCodeRunner | None = None
    ) -> Detection:
        """The phrase verdict, refined by the model under the deadline.

        Args:
            activity: What the user has done so far.
            runner: The caller's runner (its owner closes it at pipeline end); the
                detector's own when None (then call `close` at the end).

        Returns:
            The model's detection (reason ``"model"``), or the phrase verdict when the
            model is not asked, is late, fails, or is unsure.
        """
        phrase = self._phrases.detect(activity)
        if not self._asks_model(activity, phrase):
            return phrase
        result = await (runner or self._runner).call(
            self._classifier.classify,
            activity.text,
            activity.language,
            deadline_secs=self._deadline_secs,
            name=self._name,
        )
        if not result.ok:
            logger.debug(
                f"{self}: model gave no answer ({result.outcome.value}); phrase verdict stands"
            )
            return phrase
        label = read_label(result.value)
        logger.debug(
            f"{self}: model says {label.value} for {activity.text!r} in {result.elapsed_secs:.3f}s"
        )
        if label is ModelLabel.INTERRUPT:
            return Detection(Verdict.INTERRUPT, Reason.MODEL, f"model: interrupt ({self._name})")
        if label is ModelLabel.BACKCHANNEL:
            if activity.final:
                return Detection(
                    Verdict.BACKCHANNEL, Reason.MODEL, f"model: backchannel ({self._name})"
                )
            return Detection(Verdict.NOT_YET, Reason.MODEL, "model: interim backchannel", hold=True)
        return phrase

    async def close(self) -> list[str]:
        """End the detector's own runner (when no runner was passed to `detect_async`).

        Returns:
            The names of model calls that were still running.
        """
        closing = getattr(self._classifier, "close", None)
        if callable(closing):
            outcome = closing()
            if inspect.isawaitable(outcome):
                await self._runner.wait(
                    outcome, deadline_secs=self._deadline_secs, name=f"{self._name}.close"
                )
        return await self._runner.close()
