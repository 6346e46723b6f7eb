#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`EspeakTTSService`: offline speech synthesis with Debian's espeak-ng, as a Pipecat TTS.

espeak-ng writes a WAV to stdout; the service streams it to Pipecat as it arrives
(resampled to the pipeline's rate by Pipecat's own helper). espeak-ng reports no word
timings on its command line, so Pipecat pushes one ``TTSTextFrame`` per sentence after
its audio and the context is kept at sentence level.

``sentences`` records each synthesized sentence with its audio duration, which the
end-to-end test compares with the audio the browser received.
"""

import asyncio
import shutil
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from loguru import logger
from pipecat.frames.frames import ErrorFrame, Frame, TTSAudioRawFrame
from pipecat.services.settings import TTSSettings
from pipecat.services.tts_service import TTSService

ESPEAK_SAMPLE_RATE = 22050
"""espeak-ng's native output rate."""

READ_CHUNK_BYTES = 4410
"""About 0.1 s of espeak-ng's 16-bit mono output per read."""

SYNTHESIS_TIMEOUT_SECS = 10.0
"""Deadline for one sentence's synthesis."""

SILENT_RMS = 0.005
"""A 10 ms window under this RMS (of full scale) is silence."""


def trailing_silence_secs(audio: bytes, sample_rate: int) -> float:
    """How long the 16-bit mono ``audio`` is silent at its end, in 10 ms windows.

    Args:
        audio: 16-bit little-endian mono samples.
        sample_rate: Their rate.

    Returns:
        Seconds of trailing silence.
    """
    window = max(1, sample_rate // 100)
    samples = np.frombuffer(audio[: len(audio) // 2 * 2], np.int16).astype(np.float32) / 32768
    count = len(samples) // window
    if count == 0:
        return len(samples) / sample_rate
    rms = np.sqrt(np.mean(samples[: count * window].reshape(count, window) ** 2, axis=1))
    loud = np.flatnonzero(rms > SILENT_RMS)
    silent_windows = count if len(loud) == 0 else count - 1 - int(loud[-1])
    return (silent_windows * window + len(samples) - count * window) / sample_rate


@dataclass(frozen=True)
class SynthesizedSentence:
    """One sentence the service spoke.

    Parameters:
        text: The sentence.
        audio_secs: Its audio duration.
        trailing_silence_secs: The silence at its end (10 ms windows under
            ``SILENT_RMS``): audio a listener receives but cannot hear.
    """

    text: str
    audio_secs: float
    trailing_silence_secs: float


def espeak_binary() -> str:
    """Return the espeak-ng executable.

    Returns:
        Its path.

    Raises:
        RuntimeError: If espeak-ng is not installed.
    """
    path = shutil.which("espeak-ng")
    if path is None:
        raise RuntimeError("espeak-ng is not installed: run `sudo .ci/install_web_deps`")
    return path


class EspeakTTSService(TTSService):
    """Speaks with espeak-ng, streaming its audio as it is produced."""

    def __init__(self, *, voice: str = "en-us", words_per_minute: int = 170, **kwargs: Any) -> None:
        """Initialize the service.

        Args:
            voice: espeak-ng voice name.
            words_per_minute: Speaking rate.
            **kwargs: `TTSService` arguments (``sample_rate``, ...).

        Raises:
            ValueError: If ``words_per_minute`` is outside espeak-ng's 80..450.
        """
        if not 80 <= words_per_minute <= 450:
            raise ValueError(f"words_per_minute must be within 80..450, got {words_per_minute}")
        super().__init__(
            push_text_frames=True,
            push_start_frame=True,
            push_stop_frames=True,
            settings=TTSSettings(model="espeak-ng", voice=voice, language=None),
            **kwargs,
        )
        self._binary = espeak_binary()
        self._voice = voice
        self._wpm = words_per_minute
        self.sentences: list[SynthesizedSentence] = []

    def can_generate_metrics(self) -> bool:
        """Report TTS metrics like any other service."""
        return True

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame | None, None]:
        """Synthesize ``text``, yielding audio frames as espeak-ng produces them.

        Args:
            text: The sentence to speak.
            context_id: The TTS audio context.

        Yields:
            Audio frames (an `ErrorFrame` if espeak-ng fails).
        """
        if not text.strip():
            return
        process = await asyncio.create_subprocess_exec(
            self._binary, "-v", self._voice, "-s", str(self._wpm), "--stdout", text,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        audio = bytearray()
        try:
            await self.start_ttfb_metrics()
            async for frame in self._stream_audio_frames_from_iterator(
                self._read(process), strip_wav_header=True, context_id=context_id
            ):
                await self.stop_ttfb_metrics()
                if isinstance(frame, TTSAudioRawFrame):
                    audio += frame.audio
                yield frame
            code = await asyncio.wait_for(process.wait(), SYNTHESIS_TIMEOUT_SECS)
            if code != 0:
                logger.warning(f"{self}: espeak-ng exited with {code} for {text!r}")
                yield ErrorFrame(f"espeak-ng exited with {code}")
        finally:
            if process.returncode is None:
                process.kill()
                await asyncio.wait_for(process.wait(), SYNTHESIS_TIMEOUT_SECS)
        self.sentences.append(
            SynthesizedSentence(
                text=text.strip(),
                audio_secs=len(audio) / 2 / self.sample_rate,
                trailing_silence_secs=trailing_silence_secs(bytes(audio), self.sample_rate),
            )
        )

    async def _read(self, process: asyncio.subprocess.Process) -> AsyncIterator[bytes]:
        assert process.stdout is not None
        while True:
            chunk = await asyncio.wait_for(
                process.stdout.read(READ_CHUNK_BYTES), SYNTHESIS_TIMEOUT_SECS
            )
            if not chunk:
                return
            yield chunk
