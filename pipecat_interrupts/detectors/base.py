#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Detector vocabulary: what the user is doing, and what a detector makes of it."""

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pipecat_interrupts.reasons import Reason, is_voice_only

if TYPE_CHECKING:
    from pipecat_interrupts._deadlines import UserCodeRunner


class Verdict(Enum):
    """A detector's reading of the user's activity while the bot speaks.

    Parameters:
        INTERRUPT: The user is taking the floor.
        BACKCHANNEL: The user is only acknowledging ("mhm"); the bot keeps talking.
        NOT_YET: Not enough evidence yet; keep listening.
    """

    INTERRUPT = "interrupt"
    BACKCHANNEL = "backchannel"
    NOT_YET = "not_yet"


@dataclass(frozen=True)
class UserActivity:
    """What the user has done since they started talking over the bot.

    Parameters:
        text: The best transcript so far (the latest interim, or the finals joined).
        final: Whether ``text`` is a final transcript.
        speaking: Whether voice activity is ongoing.
        speech_secs: Seconds of voice activity so far (0 when none was detected).
        bot_speaking_secs: Seconds the bot has been speaking.
        language: The transcript's language code as the STT reported it (``"en"``,
            ``"es-MX"``, Pipecat's ``Language`` value), or None when unknown.
    """

    text: str = ""
    final: bool = False
    speaking: bool = False
    speech_secs: float = 0.0
    bot_speaking_secs: float = 0.0
    language: str | None = None


@dataclass(frozen=True)
class Detection:
    """A detector's verdict with its reason.

    Parameters:
        verdict: The verdict.
        reason: Short machine-readable reason (``"phrase"``, ``"text"``, ``"vad"``...).
        detail: Human-readable detail for logs (the matched phrase, a count...).
        hold: For ``NOT_YET``: stop here and keep listening, later detectors must not
            decide (an interim "mhm" must not be read as "two characters: interrupt").
        voice_only: Whether the evidence is voice activity without words (echo-prone,
            possibly a cough). Defaults from the reason (`Reason.VAD`); a voice-based
            detector of yours sets it, and gets the echo guard and false-interruption
            recovery with no edits elsewhere.
    """

    verdict: Verdict
    reason: str
    detail: str = ""
    hold: bool = False
    voice_only: bool | None = None

    def __post_init__(self) -> None:
        if self.voice_only is None:
            object.__setattr__(self, "voice_only", is_voice_only(self.reason))

    @property
    def decisive(self) -> bool:
        """Whether this detection ends the evaluation of later detectors."""
        return self.verdict is not Verdict.NOT_YET or self.hold


NOT_YET = Detection(Verdict.NOT_YET, Reason.NONE)


@runtime_checkable
class BackchannelJudge(Protocol):
    """Answers "was this only a backchannel?" for every part of the plugin that asks.

    One judge is configured once and shared: the interruption controller (is the caller
    only acknowledging?) and the reply ledger (did the caller say words after a false
    interruption?) must never disagree. `PhraseInterruptionDetector` is the default judge.
    """

    def is_backchannel(self, text: str, language: str | None = None) -> bool:
        """Whether the text is only acknowledgements and fillers ("mhm", "yeah, okay").

        Args:
            text: A transcript.
            language: Its language code (``"en"``, ``"hi"``...), if known.

        Returns:
            True when nothing in it takes the floor.
        """
        ...

    def is_filler_only(self, text: str, language: str | None = None) -> bool:
        """Whether the text is only hesitations ("um", "uh").

        Args:
            text: A transcript.
            language: Its language code, if known.

        Returns:
            True when it holds hesitations and nothing else.
        """
        ...


class BaseInterruptionDetector:
    """A pure object that reads `UserActivity` and returns a `Detection`.

    Subclasses implement `detect`. Detectors keep no state between calls, so one
    instance can serve many conversations. One that only reads words sets
    ``reads_words = True``: it is not asked while there are none (voice activity alone),
    which keeps a voice-triggered decision short.
    """

    reads_words: bool = False

    def detect(self, activity: UserActivity) -> Detection:
        """Read the user's activity.

        Args:
            activity: What the user has done so far.

        Returns:
            The detection (``NOT_YET`` when the detector has nothing to say).
        """
        raise NotImplementedError

    def __str__(self) -> str:
        return type(self).__name__


def run_detectors(
    detectors: "list[BaseInterruptionDetector] | tuple[BaseInterruptionDetector, ...]",
    activity: UserActivity,
) -> Detection:
    """Run detectors in order; the first decisive detection wins.

    Args:
        detectors: The detectors, in priority order.
        activity: What the user has done so far.

    Returns:
        The winning detection, or ``NOT_YET``.
    """
    wordless = not activity.text
    for detector in detectors:
        if wordless and detector.reads_words:
            continue
        detection = detector.detect(activity)
        if detection.decisive:
            return detection
    return NOT_YET


@runtime_checkable
class AsyncInterruptionDetector(Protocol):
    """A detector with an asynchronous reading too (a model behind a deadline).

    Its ``detect`` gives the answer available at once; ``detect_async`` the refined one,
    never later than the detector's own deadline.
    """

    def detect(self, activity: UserActivity) -> Detection:
        """The immediate detection."""
        ...

    async def detect_async(
        self, activity: UserActivity, runner: "UserCodeRunner | None" = None
    ) -> Detection:
        """The refined detection, bounded by the detector's deadline."""
        ...


async def run_detectors_async(
    detectors: "list[BaseInterruptionDetector] | tuple[BaseInterruptionDetector, ...]",
    activity: UserActivity,
    runner: "UserCodeRunner | None" = None,
) -> Detection:
    """Like `run_detectors`, awaiting ``detect_async`` of detectors that have one.

    Args:
        detectors: The detectors, in priority order.
        activity: What the user has done so far.
        runner: The caller's `UserCodeRunner`, passed to asynchronous detectors.

    Returns:
        The winning detection, or ``NOT_YET``.
    """
    wordless = not activity.text
    for detector in detectors:
        if wordless and detector.reads_words:
            continue  # it would say NOT_YET: nothing to read yet
        # An attribute lookup, not isinstance(AsyncInterruptionDetector): a runtime
        # protocol check walks the protocol's members on every call (tens of microseconds).
        detect_async = getattr(detector, "detect_async", None)
        if detect_async is not None:
            detection: Detection = await detect_async(activity, runner)
        else:
            detection = detector.detect(activity)
        if detection.decisive:
            return detection
    return NOT_YET
