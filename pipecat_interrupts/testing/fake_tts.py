#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FakeTTSService`: network-free speech synthesis with real Pipecat TTS semantics."""

import re
from collections.abc import AsyncGenerator
from typing import Any

from pipecat.frames.frames import (
    Frame,
    InterruptionFrame,
    TTSAudioRawFrame,
    TTSStoppedFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.settings import TTSSettings
from pipecat.services.tts_service import TTSService

from pipecat_interrupts.validation import require_positive_secs

_SAMPLE = b"\x10\x00"  # a quiet, non-silent 16-bit sample
# Scripts written without spaces between words (kana, CJK ideographs, their punctuation
# and full-width forms): each character is spoken (and timed) as a unit of its own.
_NO_SPACES = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_UNIT = re.compile(f"[{_NO_SPACES}]\\s*|[^\\s{_NO_SPACES}]+\\s*")
_HAS_NO_SPACE_SCRIPT = re.compile(f"[{_NO_SPACES}]")


def speech_units(text: str) -> tuple[list[str], bool]:
    """The units a TTS would time in ``text``, and whether they carry their own spacing.

    Words for text written with spaces; for text with a script written without them
    (Japanese, Chinese), every such character is a unit and each unit keeps the spaces
    that follow it, so joining the units gives the text back.

    Args:
        text: Text to speak.

    Returns:
        The units, and True when they include their spacing.
    """
    if _HAS_NO_SPACE_SCRIPT.search(text):
        return _UNIT.findall(text.strip()), True
    return text.split(), False


class FakeTTSService(TTSService):
    """Produces ``secs_per_word`` of audio per word, in ``chunk_secs`` chunks.

    It is a real `TTSService`: sentence aggregation, audio contexts, interruption
    handling and the text frames that reach the assistant aggregator are Pipecat's own.

    - ``word_timestamps=False`` (default): Pipecat pushes one ``TTSTextFrame`` per
      sentence after its audio, so the context is truncated at sentence level.
    - ``word_timestamps=True``: the service reports word timestamps, Pipecat pushes one
      ``TTSTextFrame`` per word in step with playback, and the context is truncated at
      word level. Text in a script written without spaces (Japanese, Chinese) is timed
      character by character, as real services time it (see `speech_units`).

    ``synthesized`` lists the texts it was asked to speak.
    """

    def __init__(
        self,
        *,
        secs_per_word: float = 0.1,
        chunk_secs: float = 0.02,
        word_timestamps: bool = False,
        **kwargs: Any,
    ) -> None:
        """Initialize the fake TTS.

        Args:
            secs_per_word: Audio duration per word.
            chunk_secs: Duration of each audio frame.
            word_timestamps: Whether to report word timestamps (see class docs).
            **kwargs: `TTSService` arguments (``sample_rate``, ...).

        Raises:
            ValueError: If a duration is not positive.
        """
        super().__init__(
            push_text_frames=not word_timestamps,
            push_start_frame=True,
            push_stop_frames=True,
            settings=TTSSettings(model=None, voice=None, language=None),
            **kwargs,
        )
        self._secs_per_word = require_positive_secs("secs_per_word", secs_per_word)
        self._chunk_secs = require_positive_secs("chunk_secs", chunk_secs)
        self._word_timestamps = bool(word_timestamps)
        self._cumulative_secs = 0.0
        self.synthesized: list[str] = []

    @property
    def word_timestamps(self) -> bool:
        """Whether the service reports word timestamps."""
        return self._word_timestamps

    def can_generate_metrics(self) -> bool:
        """Fake services report metrics like real ones."""
        return True

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame | None, None]:
        """Synthesize ``text`` as fake audio.

        Args:
            text: The text to speak.
            context_id: The TTS audio context.

        Yields:
            Audio frames.
        """
        words, spaced = speech_units(text)
        if not words:
            return
        self.synthesized.append(text)
        sample_rate = self.sample_rate
        step = max(2, int(sample_rate * self._chunk_secs) * 2)
        audio = _SAMPLE * int(sample_rate * self._secs_per_word * len(words))
        for i in range(0, len(audio), step):
            yield TTSAudioRawFrame(audio[i : i + step], sample_rate, 1, context_id=context_id)
        if self._word_timestamps:
            times = [
                (w, self._cumulative_secs + i * self._secs_per_word) for i, w in enumerate(words)
            ]
            await self.add_word_timestamps(times, context_id, includes_inter_frame_spaces=spaced)
            self._cumulative_secs += self._secs_per_word * len(words)

    async def push_frame(
        self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM
    ) -> None:
        """Push a frame; word timing restarts after an interruption or a stop.

        Args:
            frame: The frame to push.
            direction: The direction to push it in.
        """
        await super().push_frame(frame, direction)
        if isinstance(frame, (InterruptionFrame, TTSStoppedFrame)):
            self._cumulative_secs = 0.0
