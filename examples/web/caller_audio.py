#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A scripted caller as a WAV file, for Chromium's fake microphone.

Chromium plays ``--use-file-for-fake-audio-capture=FILE%noloop`` as the microphone. The
caller's utterances are placed at chosen offsets in silence; each utterance's speech
onset (first sample above a threshold) is reported, so a test knows when the caller
started talking in the file.

Utterances are WAV files (16-bit mono) or text spoken by espeak-ng at build time.
"""

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
ONSET_THRESHOLD = 0.02
"""Amplitude (of full scale) that counts as speech onset in the file."""


@dataclass(frozen=True)
class Utterance:
    """One thing the caller says.

    Parameters:
        at_secs: Where the utterance's audio starts in the file.
        wav: A 16-bit mono WAV to play, or None to speak ``text`` with espeak-ng.
        text: What is said (spoken by espeak-ng when ``wav`` is None).
    """

    at_secs: float
    text: str
    wav: Path | None = None


@dataclass(frozen=True)
class PlacedUtterance:
    """An utterance as placed in the file.

    Parameters:
        text: What is said.
        onset_secs: The speech onset, from the file's start.
        end_secs: The last sample above the threshold, from the file's start.
    """

    text: str
    onset_secs: float
    end_secs: float


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as wav:
        if (wav.getnchannels(), wav.getsampwidth()) != (1, 2):
            raise ValueError(f"{path}: need 16-bit mono, got {wav.getnchannels()} ch")
        data = np.frombuffer(wav.readframes(wav.getnframes()), np.int16)
        rate = wav.getframerate()
    if rate != SAMPLE_RATE:
        positions = np.arange(0, len(data), rate / SAMPLE_RATE)
        data = np.interp(positions, np.arange(len(data)), data).astype(np.int16)
    return data


def _speak(text: str, workdir: Path) -> np.ndarray:
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise RuntimeError("espeak-ng is not installed: run `.ci/install_web_deps` as root")
    out = workdir / "utterance.wav"
    subprocess.run([binary, "-v", "en-us", "-s", "160", "-w", str(out), text], check=True, timeout=30)
    return _read_wav(out)


def build_caller_wav(path: Path, utterances: Sequence[Utterance], total_secs: float) -> list[PlacedUtterance]:
    """Write the caller's WAV and say where each utterance's speech starts.

    Args:
        path: Where to write the WAV (16 kHz, 16-bit mono).
        utterances: What the caller says, in order.
        total_secs: The file's length.

    Returns:
        Each utterance with its onset and end in the file.

    Raises:
        ValueError: If an utterance does not fit or overlaps the previous one.
    """
    signal = np.zeros(int(total_secs * SAMPLE_RATE), np.int16)
    placed: list[PlacedUtterance] = []
    cursor = 0
    with tempfile.TemporaryDirectory() as tmp:
        for utterance in utterances:
            audio = _read_wav(utterance.wav) if utterance.wav else _speak(utterance.text, Path(tmp))
            start = int(utterance.at_secs * SAMPLE_RATE)
            if start < cursor or start + len(audio) > len(signal):
                raise ValueError(f"utterance {utterance.text!r} at {utterance.at_secs} s does not fit")
            signal[start : start + len(audio)] = audio
            cursor = start + len(audio)
            loud = np.flatnonzero(np.abs(audio.astype(np.float32)) > ONSET_THRESHOLD * 32768)
            if len(loud) == 0:
                raise ValueError(f"utterance {utterance.text!r} is silent")
            placed.append(
                PlacedUtterance(
                    text=utterance.text,
                    onset_secs=(start + loud[0]) / SAMPLE_RATE,
                    end_secs=(start + loud[-1]) / SAMPLE_RATE,
                )
            )
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(signal.tobytes())
    return placed
