#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The conditions that ship with the package.

`UninterruptibleSegments` and `InterruptionsEnabled` keep their own state from the frames
they see (their ``process_frame`` hook); the others read the `InterruptionContext`.
"""

from collections.abc import Iterable

from loguru import logger
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    TTSSpeakFrame,
)
from pipecat.processors.frame_processor import FrameDirection

from pipecat_interrupts.conditions.base import InterruptionCondition, InterruptionContext
from pipecat_interrupts.frames import InterruptionsControlFrame
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_ECHO_GUARD_SECS = 1.0


class MinBotSpeakingTime(InterruptionCondition):
    """Holds interruptions back until the bot has spoken for ``secs`` seconds."""

    def __init__(self, secs: float):
        """Initialize the condition.

        Args:
            secs: Minimum bot speaking time.

        Raises:
            TypeError, ValueError: If ``secs`` is not a finite positive number.
        """
        self._secs = require_positive_secs("secs", secs)
        self.name = f"min_bot_speaking_time({self._secs:g}s)"

    def allows(self, context: InterruptionContext) -> bool:
        """Allow once the bot has spoken long enough."""
        return context.bot_speaking_secs >= self._secs


class EchoGuard(InterruptionCondition):
    """Ignores voice-only interruptions right after the bot starts speaking.

    The bot's own voice leaking into the microphone before echo cancellation settles
    looks like user speech to a VAD (LiveKit's ``aec_warmup_duration``). Only detections
    that are voice only (`Detection.voice_only`: voice activity, no words) are held back,
    plus those whose reason is in ``reasons`` if given: words in a transcript are not echo.
    """

    def __init__(
        self, secs: float = DEFAULT_ECHO_GUARD_SECS, *, reasons: Iterable[str] | None = None
    ):
        """Initialize the condition.

        Args:
            secs: The guard window after the bot starts speaking.
            reasons: Extra detection reasons to guard besides voice-only ones (a list of
                strings), or None.

        Raises:
            TypeError, ValueError: If ``secs`` is not a finite positive number, or
                ``reasons`` is a bare string or holds a non-string.
        """
        self._secs = require_positive_secs("secs", secs)
        if isinstance(reasons, (str, bytes)):
            raise TypeError(f"reasons must be a list of reason strings, not the string {reasons!r}")
        extra = () if reasons is None else tuple(reasons)
        if not all(isinstance(reason, str) for reason in extra):
            raise TypeError(f"reasons must hold strings, got {extra!r}")
        self._reasons = frozenset(extra)
        self.name = f"echo_guard({self._secs:g}s)"

    def allows(self, context: InterruptionContext) -> bool:
        """Deny voice-only detections inside the window."""
        guarded = context.detection.voice_only or context.detection.reason in self._reasons
        return not (guarded and context.bot_speaking_secs < self._secs)


class UninterruptibleSegments(InterruptionCondition):
    """Holds interruptions back while an uninterruptible segment plays.

    A segment is a ``TTSSpeakFrame`` with ``interruptible = False`` that this condition saw
    (or one announced with `protect_current_speech`); it counts as playing from the
    bot's next start of speech until it stops speaking.
    """

    name = "uninterruptible_segment"
    runs_user_code = False
    reads_frames = (TTSSpeakFrame, BotStartedSpeakingFrame, BotStoppedSpeakingFrame)

    def __init__(self) -> None:
        """Initialize the condition (nothing protected)."""
        self._protect_next_speech = False
        self._bot_speaking = False
        self._playing = False

    @property
    def playing(self) -> bool:
        """Whether an uninterruptible segment is playing."""
        return self._playing

    def protect_current_speech(self) -> None:
        """Treat the bot's current speech (or its next, if silent) as uninterruptible."""
        if self._bot_speaking:
            self._playing = True
        else:
            self._protect_next_speech = True

    def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Follow the bot's speech and the uninterruptible segments announced.

        Args:
            frame: A frame the controller saw.
            direction: Its direction.
        """
        if isinstance(frame, TTSSpeakFrame) and not frame.interruptible:
            self.protect_current_speech()
        elif isinstance(frame, BotStartedSpeakingFrame):
            self._bot_speaking = True
            if self._protect_next_speech:
                self._protect_next_speech, self._playing = False, True
                logger.debug(f"{self}: uninterruptible segment playing")
        elif isinstance(frame, BotStoppedSpeakingFrame):
            if self._playing:
                logger.debug(f"{self}: uninterruptible segment finished")
            self._bot_speaking = self._playing = False

    def allows(self, context: InterruptionContext) -> bool:
        """Deny while the segment plays."""
        return not self._playing


class InterruptionsEnabled(InterruptionCondition):
    """Holds interruptions back while an `InterruptionsControlFrame` switched them off."""

    name = "interruptions_disabled"
    runs_user_code = False
    reads_frames = (InterruptionsControlFrame,)

    def __init__(self) -> None:
        """Initialize the condition (interruptions on)."""
        self._enabled = True

    @property
    def enabled(self) -> bool:
        """False while an `InterruptionsControlFrame` has switched interruptions off."""
        return self._enabled

    def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Follow `InterruptionsControlFrame`.

        Args:
            frame: A frame the controller saw.
            direction: Its direction.
        """
        if isinstance(frame, InterruptionsControlFrame):
            self._enabled = frame.enabled
            logger.debug(
                f"{self}: interruptions {'enabled' if frame.enabled else 'disabled'}"
                f"{f' ({frame.reason})' if frame.reason else ''}"
            )

    def allows(self, context: InterruptionContext) -> bool:
        """Deny while interruptions are switched off."""
        return self._enabled
