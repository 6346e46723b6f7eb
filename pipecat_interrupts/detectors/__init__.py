#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

from pipecat_interrupts.detectors.base import (
    AsyncInterruptionDetector,
    BackchannelJudge,
    BaseInterruptionDetector,
    Detection,
    UserActivity,
    Verdict,
    run_detectors,
    run_detectors_async,
)
from pipecat_interrupts.detectors.languages import LanguageTable, language_codes
from pipecat_interrupts.detectors.model_detector import (
    InterruptionClassifier,
    ModelInterruptionDetector,
    ModelLabel,
)
from pipecat_interrupts.detectors.openai_classifier import OpenAIInterruptionClassifier
from pipecat_interrupts.detectors.phrase_detector import PhraseInterruptionDetector, normalize
from pipecat_interrupts.detectors.phrase_lists import (
    BACKCHANNEL_PHRASES,
    FILLERS,
    INTERRUPT_PHRASES,
    SUPPORTED_LANGUAGES,
)
from pipecat_interrupts.detectors.text_detector import TextInterruptionDetector
from pipecat_interrupts.detectors.vad_detector import VADInterruptionDetector


def default_detectors() -> list[BaseInterruptionDetector]:
    """Phrases first, then TEN's text rule, then voice activity duration."""
    return [PhraseInterruptionDetector(), TextInterruptionDetector(), VADInterruptionDetector()]


__all__ = [
    "AsyncInterruptionDetector",
    "BACKCHANNEL_PHRASES",
    "BackchannelJudge",
    "BaseInterruptionDetector",
    "Detection",
    "FILLERS",
    "INTERRUPT_PHRASES",
    "InterruptionClassifier",
    "LanguageTable",
    "ModelInterruptionDetector",
    "ModelLabel",
    "OpenAIInterruptionClassifier",
    "PhraseInterruptionDetector",
    "SUPPORTED_LANGUAGES",
    "TextInterruptionDetector",
    "UserActivity",
    "VADInterruptionDetector",
    "Verdict",
    "default_detectors",
    "language_codes",
    "normalize",
    "run_detectors",
    "run_detectors_async",
]
