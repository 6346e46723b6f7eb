#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`CallerActivity`: the caller's recent voice activity and words, kept once.

Two readers need what the caller did lately, each with its own mark:

- `InterruptionEvidence` explains an interruption that carries no decision: was the
  caller speaking, and did they say words since their voice started?
- `FalseInterruptionWatch` asks whether words that take the floor came after an
  interruption's attempt began, and waits for the caller to be quiet.

`CallerActivity` is the one record both read; the `ReplyTracker` is its only writer.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from loguru import logger

from pipecat_interrupts import clocks

KEPT_WORDS = 8
"""Transcripts remembered (interim transcripts grow: the last few say what was said)."""


@dataclass(slots=True)
class HeardWords:
    """A transcript of the caller's, and when it was heard.

    Parameters:
        text: The transcript.
        language: Its language code, if known.
        at: When it was heard (the record's clock).
    """

    text: str
    language: str | None
    at: float


class CallerActivity:
    """The caller's voice activity and their last few transcripts, with their time.

    Voice activity is the VAD's: started, stopped (and when), and how many changes so
    far (a wait for quiet starts again on one). Transcripts are kept with the time they
    were heard and with their place in the current utterance (since the last voice start).
    """

    __slots__ = (
        "_clock",
        "_heard",
        "_heard_total",
        "_quiet_event",
        "_speaking",
        "_stopped_at",
        "_utterance_from",
        "_voice_changes",
    )

    def __init__(self, clock: Callable[[], float] = clocks.monotonic):
        """Initialize the record.

        Args:
            clock: The clock (seconds) transcripts and voice stops are stamped with.
        """
        self._clock = clock
        self._heard: list[HeardWords] = []
        self._heard_total = 0
        self._utterance_from = 0  # the number of transcripts heard before the voice start
        self._speaking = False
        self._stopped_at: float | None = None
        self._voice_changes = 0
        self._quiet_event: asyncio.Event | None = None  # made when first waited on

    @property
    def speaking(self) -> bool:
        """Whether the caller's voice activity is on."""
        return self._speaking

    @property
    def stopped_at(self) -> float | None:
        """When the caller's voice last stopped (None while speaking or before any)."""
        return self._stopped_at

    @property
    def voice_changes(self) -> int:
        """How many times the caller started or stopped speaking."""
        return self._voice_changes

    def voice_started(self) -> None:
        """The VAD heard the caller start speaking: a new utterance begins."""
        self._speaking, self._stopped_at = True, None
        self._utterance_from = self._heard_total
        self._voice_changes += 1
        if self._quiet_event is not None:
            self._quiet_event.clear()

    def voice_stopped(self) -> None:
        """The VAD heard the caller stop."""
        self._speaking, self._stopped_at = False, self._clock()
        self._voice_changes += 1
        if self._quiet_event is not None:
            self._quiet_event.set()

    def heard(self, text: str, language: str | None = None) -> HeardWords:
        """The caller said something.

        Args:
            text: The transcript.
            language: Its language code, if known.

        Returns:
            The transcript as kept, with its time.
        """
        words = HeardWords(text, language, self._clock())
        heard = self._heard
        heard.append(words)
        if len(heard) > KEPT_WORDS:
            del heard[0]
        self._heard_total += 1
        return words

    def words_since(self, at: float) -> list[HeardWords]:
        """The kept transcripts heard at ``at`` or later, oldest first."""
        return [words for words in self._heard if words.at >= at]

    def utterance_words(self) -> list[HeardWords]:
        """The kept transcripts heard since the caller's voice last started, oldest first."""
        first_kept = self._heard_total - len(self._heard)
        return self._heard[max(0, self._utterance_from - first_kept) :]

    @property
    def caller_quiet(self) -> asyncio.Event:
        """Set while the caller's voice activity is stopped (made when first asked for)."""
        if self._quiet_event is None:
            self._quiet_event = asyncio.Event()
            if not self._speaking:
                self._quiet_event.set()
        return self._quiet_event

    async def quiet_for(self, window_secs: float, max_speech_secs: float) -> None:
        """Return once the caller has been quiet for ``window_secs`` without a break.

        The window counts from when the caller stops speaking (a slow STT transcribes a long
        utterance after its end); speech inside it starts it again.

        Args:
            window_secs: The quiet time wanted.
            max_speech_secs: Longest wait for the caller to stop (then counted from there).
        """
        while True:
            try:
                if self._speaking:
                    async with asyncio.timeout(max_speech_secs):
                        await self.caller_quiet.wait()
            except TimeoutError:
                logger.warning(f"CallerActivity: caller still speaking after {max_speech_secs:g}s")
            changes = self._voice_changes
            await asyncio.sleep(window_secs)
            if self._voice_changes == changes:
                return
