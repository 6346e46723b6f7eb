#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`TextInterruptionDetector`: TEN Agent's rule on transcripts."""

from pipecat_interrupts.detectors.base import (
    NOT_YET,
    BaseInterruptionDetector,
    Detection,
    UserActivity,
    Verdict,
)
from pipecat_interrupts.validation import require_non_negative_int


class TextInterruptionDetector(BaseInterruptionDetector):
    """Interrupts on a final transcript, or on interim text that is long enough.

    The default is TEN Agent's ``interrupt_detector``: a final transcript, or text of at
    least ``min_chars`` (2) characters. ``min_words`` counts words instead (better for
    English); ``finals_only`` waits for the final transcript.
    """

    reads_words = True

    def __init__(
        self, *, min_chars: int = 2, min_words: int | None = None, finals_only: bool = False
    ):
        """Initialize the detector.

        Args:
            min_chars: Characters of interim text (spaces excluded) that interrupt.
            min_words: If set, words of interim text that interrupt (replaces ``min_chars``).
            finals_only: Only a final transcript interrupts.

        Raises:
            TypeError, ValueError: If a threshold is not a non-negative int.
        """
        self._min_chars = require_non_negative_int("min_chars", min_chars)
        self._min_words = (
            None if min_words is None else require_non_negative_int("min_words", min_words)
        )
        self._finals_only = bool(finals_only)

    def detect(self, activity: UserActivity) -> Detection:
        """Apply the rule.

        Args:
            activity: What the user has done so far.

        Returns:
            ``INTERRUPT`` (reason ``"text"``) or ``NOT_YET``.
        """
        text = activity.text.strip()
        if not text:
            return NOT_YET
        if activity.final:
            return Detection(Verdict.INTERRUPT, "text", "final transcript")
        if self._finals_only:
            return NOT_YET
        if self._min_words is not None:
            words = len(text.split())
            if words >= self._min_words:
                return Detection(Verdict.INTERRUPT, "text", f"{words} words")
            return NOT_YET
        chars = len(text.replace(" ", ""))
        if chars >= self._min_chars:
            return Detection(Verdict.INTERRUPT, "text", f"{chars} characters")
        return NOT_YET
