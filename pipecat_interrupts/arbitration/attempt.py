#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The arbiter's state: where the conversation is, and the user's pending attempt."""

from dataclasses import dataclass, field
from enum import Enum

from pipecat.frames.frames import Frame

from pipecat_interrupts.detectors.base import Detection, UserActivity
from pipecat_interrupts.frames import InterruptionDecision


class ArbiterState(Enum):
    """Where the arbiter is in the conversation.

    Parameters:
        BOT_SILENT: Transparent: user activity passes untouched.
        BOT_SPEAKING: Reading user activity and deciding; user turns are held.
        USER_TURN: A decision let the user's turn through; transparent until the bot
            speaks again.
        VOICE_ONLY_TURN: As ``USER_TURN``, but let through on voice activity alone: if
            the turn's transcript is only a backchannel, it is one (the bot may resume),
            until the user aggregator closes the turn.
    """

    BOT_SILENT = "bot_silent"
    BOT_SPEAKING = "bot_speaking"
    USER_TURN = "user_turn"
    VOICE_ONLY_TURN = "voice_only_turn"


@dataclass(frozen=True)
class EventTrigger:
    """An event frame that asks to interrupt on its own.

    Parameters:
        frame: The event frame.
        reason: Its reason (`Reason.EMERGENCY_STOP`...).
        bypasses_conditions: Whether it skips every condition.
    """

    frame: Frame
    reason: str
    bypasses_conditions: bool = False

    @property
    def name(self) -> str:
        """The frame's name, for logs and decisions."""
        return self.frame.name


@dataclass(slots=True)
class Attempt:
    """The user's (or an event's) pending attempt to take the floor while the bot speaks.

    Parameters:
        started_at: When it was first seen.
        trigger: The event behind it, or None for the user's own speech.
        speaking: Whether the user's voice activity is ongoing.
        speech_started_at: When the VAD reported that voice activity (its frame arrived).
        speech_before_secs: Speech the VAD had heard before reporting it (its
            ``start_secs``): counted as it is, never through a clock reading, so a VAD's
            0.2 s meets a 0.2 s threshold exactly.
        silent_since: When it last stopped.
        interim: The latest interim transcript.
        finals: The final transcripts so far.
        language: The transcripts' language, as the STT reported it.
        user_id: The speaker.
        held: Items held for it, in order.
        suppressed_by: The condition that last held it back (reported once per change).
        last_detection: The last detection that asked to interrupt.
    """

    started_at: float
    trigger: EventTrigger | None = None
    speaking: bool = False
    speech_started_at: float | None = None
    speech_before_secs: float = 0.0
    silent_since: float | None = None
    interim: str = ""
    finals: list[str] = field(default_factory=list)
    language: str | None = None
    user_id: str = ""
    held: list[object] = field(default_factory=list)
    suppressed_by: str | None = None
    last_detection: Detection | None = None

    @property
    def text(self) -> str:
        """The words so far: the finals then the latest interim."""
        return " ".join([*self.finals, self.interim]).strip()

    def hear(
        self, text: str, *, final: bool, item: object, language: str | None, user_id: str
    ) -> None:
        """Take a transcript: its words join the attempt, ``item`` is held for it.

        Args:
            text: The words (stripped).
            final: Whether the transcript is final (else it replaces the interim).
            item: The item to hold.
            language: Its language, if the STT reported one (else the attempt's stays).
            user_id: The speaker, if known (else the attempt's stays).
        """
        self.user_id = user_id or self.user_id
        self.language = language or self.language
        self.held.append(item)
        if final:
            self.finals.append(text)
            self.interim = ""
        else:
            self.interim = text

    def activity(self, now: float, bot_speaking_secs: float) -> UserActivity:
        """The attempt as detectors read it.

        Args:
            now: The arbiter's clock.
            bot_speaking_secs: How long the bot has been speaking.

        Returns:
            The user's activity.
        """
        speech_secs = 0.0
        if self.speaking and self.speech_started_at is not None:
            speech_secs = (now - self.speech_started_at) + self.speech_before_secs
        return UserActivity(
            text=self.text,
            final=bool(self.finals) and not self.interim,
            speaking=self.speaking,
            speech_secs=speech_secs,
            bot_speaking_secs=bot_speaking_secs,
            language=self.language,
        )

    def decision(
        self, detection: Detection, now: float, *, text: str | None = None
    ) -> InterruptionDecision:
        """The decision to interrupt on ``detection`` now.

        Args:
            detection: The detection behind it.
            now: The arbiter's clock.
            text: `text`, when the caller has it already.

        Returns:
            The decision (a user turn starts unless an event is behind it).
        """
        text = self.text if text is None else text
        return InterruptionDecision(
            reason=detection.reason,
            trigger=self.trigger.name if self.trigger else None,
            detected_at=self.started_at,
            decided_at=now,
            text=text or None,
            starts_user_turn=self.trigger is None,
            details={"detail": detection.detail},
            voice_only=detection.voice_only,
        )

    def silent_for(self, now: float) -> float | None:
        """Seconds of user silence (None while speaking or for an event)."""
        if self.trigger is not None or self.speaking:
            return None
        since = self.silent_since if self.silent_since is not None else self.started_at
        return now - since
