#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The conditions that ship with the package."""

from collections.abc import Iterable

from pipecat_interrupts.conditions.base import InterruptionCondition, InterruptionContext
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_ECHO_GUARD_SECS = 1.0


class MinBotSpeakingTime(InterruptionCondition):
    """Holds interruptions back until the bot has spoken for ``secs`` seconds."""

    def __init__(self, secs: float):
        """Initialize the condition.

        Args:
            secs: Minimum bot speaking time.

        Raises:
            TypeError, ValueError: If ``secs`` is not a positive number.
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
    whose reason is in ``reasons`` (``"vad"`` by default) are held back: words in a
    transcript are not echo of silence.
    """

    def __init__(self, secs: float = DEFAULT_ECHO_GUARD_SECS, *, reasons: Iterable[str] = ("vad",)):
        """Initialize the condition.

        Args:
            secs: The guard window after the bot starts speaking.
            reasons: Detection reasons the guard applies to.

        Raises:
            TypeError, ValueError: If ``secs`` is not a positive number.
        """
        self._secs = require_positive_secs("secs", secs)
        self._reasons = frozenset(reasons)
        self.name = f"echo_guard({self._secs:g}s)"

    def allows(self, context: InterruptionContext) -> bool:
        """Deny voice-only detections inside the window."""
        return not (
            context.detection.reason in self._reasons and context.bot_speaking_secs < self._secs
        )


class UninterruptibleSegments(InterruptionCondition):
    """Holds interruptions back while an uninterruptible segment plays.

    A segment is a ``TTSSpeakFrame`` with ``interruptible = False`` that passed the
    controller (or one announced with `InterruptionController.protect_current_speech`);
    it counts as playing from the bot's next start of speech until it stops speaking.
    """

    name = "uninterruptible_segment"

    def allows(self, context: InterruptionContext) -> bool:
        """Deny while the segment plays."""
        return not context.uninterruptible_playing


class InterruptionsEnabled(InterruptionCondition):
    """Holds interruptions back while an `InterruptionsControlFrame` switched them off."""

    name = "interruptions_disabled"

    def allows(self, context: InterruptionContext) -> bool:
        """Deny while interruptions are switched off."""
        return context.interruptions_enabled
