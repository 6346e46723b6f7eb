#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The named state of a barge-in measurement (`BargeInRecorder`, `BargeInTracker`).

- `SpeechOnset`: the start of the user's current attempt to speak;
- `ReplyCharacters`: what the current reply generated and played so far;
- `OpenBargeIn`: the barge-in still being measured, and what was done with it already.
"""

from dataclasses import dataclass
from typing import Any

from pipecat_interrupts.observability.barge_in_record import InterruptionRecord


@dataclass(slots=True)
class SpeechOnset:
    """The start of the user's current attempt to speak.

    An interruption consumes it: the transcripts of the turn it belonged to, which keep
    arriving after the interruption, must not start a new one (they made a barge-in that
    followed an ordinary turn read the previous turn's onset). Each voice-activity start
    begins a new attempt (VAD reports a start only after a stop); words set the onset only
    when no attempt is open. In a pipeline without VAD the bot starting to speak reopens
    the onset to words.

    Parameters:
        at: When the attempt started (monotonic seconds), if one is open.
        consumed: An interruption took the onset and no new attempt began since.
        vad_seen: Voice activity was seen at least once (the pipeline has VAD).
    """

    at: float | None = None
    consumed: bool = False
    vad_seen: bool = False

    def on_voice_activity(self, now: float) -> None:
        """Begin a new attempt at a voice-activity start.

        Args:
            now: When the user started speaking (monotonic seconds).
        """
        self.at, self.consumed, self.vad_seen = now, False, True

    def on_words(self, now: float) -> None:
        """Begin an attempt at the user's words, unless one is open or was consumed.

        Args:
            now: When the words were pushed (monotonic seconds).
        """
        if not self.consumed and self.at is None:
            self.at = now

    def on_bot_started(self) -> None:
        """Reopen the onset to words when the bot starts speaking, in a pipeline without VAD."""
        if not self.vad_seen and self.consumed:
            self.consumed = False

    def consume(self) -> float | None:
        """Take the onset for an interruption.

        Returns:
            When the attempt started, or None if none was seen.
        """
        at, self.at, self.consumed = self.at, None, True
        return at


@dataclass(slots=True)
class ReplyCharacters:
    """What the current reply generated and played so far.

    Parameters:
        generated: Characters the LLM generated.
        spoken: Characters the output transport played.
    """

    generated: int = 0
    spoken: int = 0


@dataclass(slots=True)
class OpenBargeIn:
    """The barge-in still being measured, with its bookkeeping.

    Parameters:
        record: Its measurements so far.
        interruption_id: The id of its `InterruptionFrame`: audio chunks with a lower
            id were queued before it and belong to the cut reply.
        flush_pending: A flush started for it and has not reported.
        bot_stopped: The bot stopped speaking after it.
        reported: It was handed over to be reported as a metrics frame (once).
        exported: It was sent to the export (once).
        folded: Its latencies were folded into the whole-call totals (once).
        worker: Where to queue its metrics frame (the interrupting processor's Pipecat
            pipeline worker), opaque here; None for nowhere.
    """

    record: InterruptionRecord
    interruption_id: int = -1
    flush_pending: bool = False
    bot_stopped: bool = False
    reported: bool = False
    exported: bool = False
    folded: bool = False
    worker: Any = None

    @property
    def settled(self) -> bool:
        """Whether it reached the output, the bot is silent and any flush has reported."""
        return (
            self.record.at_output_at is not None
            and self.bot_stopped
            and not (self.flush_pending and self.record.flush_secs is None)
        )


__all__ = ["OpenBargeIn", "ReplyCharacters", "SpeechOnset"]
