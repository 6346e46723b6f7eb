#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`BargeInRecorder`: what leads up to a barge-in, and its record when it comes.

Plain and clock-free: every time is given in (monotonic seconds, from the pipeline
clock's stamps; see `PipelineTimebase`). It keeps the user's onset, the current reply's
characters and whether the bot speaks, and turns an interruption of a speaking bot into
a new `InterruptionRecord` (Pipecat also interrupts a silent bot at each user turn: that
is no barge-in). `BargeInTracker` then measures the record until it settles.
"""

from pipecat_interrupts.frames import InterruptionDecision
from pipecat_interrupts.observability.barge_in_record import InterruptionRecord
from pipecat_interrupts.observability.barge_in_state import ReplyCharacters, SpeechOnset


class BargeInRecorder:
    """Starts an `InterruptionRecord` for each barge-in."""

    __slots__ = ("_onset", "_reply", "bot_speaking")

    def __init__(self) -> None:
        """Start with no onset, an empty reply and a silent bot."""
        self._onset = SpeechOnset()
        self._reply = ReplyCharacters()
        self.bot_speaking = False

    def voice_activity(self, at: float) -> None:
        """The user's voice activity started.

        Args:
            at: When (monotonic seconds).
        """
        self._onset.on_voice_activity(at)

    def words(self, at: float) -> None:
        """The user's words (interim or final) arrived.

        Args:
            at: When (monotonic seconds).
        """
        self._onset.on_words(at)

    def reply_started(self) -> None:
        """The LLM started a new reply: its characters count from zero."""
        self._reply = ReplyCharacters()

    def reply_generated(self, chars: int) -> None:
        """The LLM generated text for the current reply.

        Args:
            chars: How many characters.
        """
        self._reply.generated += chars

    def reply_played(self, chars: int) -> None:
        """The output transport played text of the current reply.

        Args:
            chars: How many characters.
        """
        self._reply.spoken += chars

    def bot_started(self) -> None:
        """The bot started speaking."""
        self.bot_speaking = True
        self._onset.on_bot_started()

    def bot_stopped(self) -> None:
        """The bot stopped speaking."""
        self.bot_speaking = False

    def interruption(
        self, at: float, decision: InterruptionDecision | None, *, second_broadcast: bool
    ) -> InterruptionRecord | None:
        """An interruption (each one once): the record of a new barge-in, if it is one.

        It takes the onset either way; a silent bot's interruption also ends the reply.

        Args:
            at: When it was pushed (monotonic seconds).
            decision: The controller's decision it carries, if any.
            second_broadcast: The open barge-in's interruption has not reached the output
                yet: this one is a second broadcast for the same barge-in.

        Returns:
            The new barge-in's record, or None if this is no new barge-in.
        """
        onset_at = self._onset.consume()
        if not self.bot_speaking:
            self._reply = ReplyCharacters()  # a silent bot's interruption: no barge-in
            return None
        if second_broadcast:
            return None
        record = InterruptionRecord(
            reason=decision.reason if decision else "interruption",
            onset_at=onset_at,
            decided_at=at,
            detection_to_decision_secs=(decision.decided_at - decision.detected_at)
            if decision
            else 0.0,
            generated_chars=self._reply.generated,
            spoken_chars=self._reply.spoken,
        )
        self._reply = ReplyCharacters()
        return record


__all__ = ["BargeInRecorder"]
