#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`VADInterruptionDetector`: enough voice activity while the bot speaks."""

from pipecat_interrupts.detectors.base import (
    NOT_YET,
    BaseInterruptionDetector,
    Detection,
    UserActivity,
    Verdict,
)
from pipecat_interrupts.reasons import Reason
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_MIN_SPEECH_SECS = 0.6


class VADInterruptionDetector(BaseInterruptionDetector):
    """Interrupts once the user has been speaking for ``min_speech_secs``.

    Voice activity alone cannot tell "mhm" from "wait", so the default threshold is long
    enough for a typical backchannel to finish first (LiveKit uses 0.5 s, Vapi 0.2 s);
    transcripts, when they come, are read by the text and phrase detectors.
    """

    def __init__(self, *, min_speech_secs: float = DEFAULT_MIN_SPEECH_SECS):
        """Initialize the detector.

        Args:
            min_speech_secs: Seconds of continuous voice activity that interrupt.

        Raises:
            TypeError, ValueError: If ``min_speech_secs`` is not a positive number.
        """
        self._min_speech_secs = require_positive_secs("min_speech_secs", min_speech_secs)

    @property
    def min_speech_secs(self) -> float:
        """The voice activity needed to interrupt."""
        return self._min_speech_secs

    def detect(self, activity: UserActivity) -> Detection:
        """Compare the voice activity so far with the threshold.

        Args:
            activity: What the user has done so far.

        Returns:
            ``INTERRUPT`` (reason ``"vad"``) or ``NOT_YET``.
        """
        if activity.speaking and activity.speech_secs >= self._min_speech_secs:
            return Detection(
                Verdict.INTERRUPT,
                Reason.VAD,
                f"{activity.speech_secs:.2f}s of speech",
                voice_only=True,
            )
        return NOT_YET
