#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`PhraseInterruptionDetector`: phrases that always interrupt, and backchannels that never do."""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from pipecat_interrupts.detectors.base import (
    NOT_YET,
    BaseInterruptionDetector,
    Detection,
    UserActivity,
    Verdict,
)
from pipecat_interrupts.detectors.phrase_lists import (
    BACKCHANNEL_PHRASES,
    FILLERS,
    INTERRUPT_PHRASES,
    SUPPORTED_LANGUAGES,
)

_APOSTROPHES = re.compile(r"[’'`´]")
_NON_WORD = re.compile(r"[^\w]+")
_RUNS = re.compile(r"(\w)\1+")


def normalize(text: str) -> tuple[str, ...]:
    """Turn text into matching tokens.

    Lower case, accents removed, apostrophes dropped ("don't" -> "dont"), punctuation as
    spaces, and letter runs collapsed ("yeahhh" -> "yeah", "mmhmm" -> "mhm").

    Args:
        text: Any text.

    Returns:
        The tokens.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = _APOSTROPHES.sub("", stripped).replace("_", " ")
    return tuple(_RUNS.sub(r"\1", token) for token in _NON_WORD.sub(" ", stripped).split())


def _phrase_set(parameter: str, phrases: Iterable[object]) -> set[tuple[str, ...]]:
    if isinstance(phrases, str):
        raise TypeError(f"{parameter} must be a list of strings, not a single string")
    result: set[tuple[str, ...]] = set()
    for phrase in phrases:
        if not isinstance(phrase, str):
            raise TypeError(f"{parameter} must contain only strings, got {phrase!r}")
        tokens = normalize(phrase)
        if not tokens:
            raise ValueError(f"{parameter} contains a phrase with no words: {phrase!r}")
        result.add(tokens)
    return result


@lru_cache(maxsize=64)
def _derived_tables(
    interrupt: frozenset, backchannel: frozenset
) -> tuple[tuple[int, ...], tuple[int, ...], frozenset]:
    """Tables derived from the phrase sets, shared by detectors with the same sets.

    Returns the phrase lengths to try (longest first) and the proper word prefixes of
    multi-word backchannels ("got" of "got it": an interim transcript ending in one may
    still become a backchannel).
    """
    interrupt_lengths = tuple(sorted({len(p) for p in interrupt}, reverse=True))
    backchannel_lengths = tuple(sorted({len(p) for p in backchannel}, reverse=True))
    prefixes = frozenset(phrase[:i] for phrase in backchannel for i in range(1, len(phrase)))
    return interrupt_lengths, backchannel_lengths, prefixes


@lru_cache(maxsize=64)
def _default_sets(languages: tuple[str, ...]) -> tuple[frozenset, frozenset, frozenset]:
    """Normalized default tables, shared by every detector using the same languages."""
    interrupt = _phrase_set("interrupt_phrases", [p for lang in languages for p in INTERRUPT_PHRASES[lang]])
    backchannel = _phrase_set("backchannel_phrases", [p for lang in languages for p in BACKCHANNEL_PHRASES[lang]])
    fillers = {t for phrase in _phrase_set("fillers", FILLERS) for t in phrase}
    return frozenset(interrupt), frozenset(backchannel), frozenset(fillers)


class PhraseInterruptionDetector(BaseInterruptionDetector):
    """Interrupt phrases always cut the bot off; backchannel phrases never do.

    - An utterance that *contains* an interrupt phrase ("okay, wait a second") is an
      ``INTERRUPT`` at once, even on an interim transcript.
    - An utterance made only of backchannel phrases and fillers ("yeah yeah, mhm") is a
      ``BACKCHANNEL`` once its transcript is final; while it is interim the detector
      holds (``NOT_YET`` with ``hold=True``) so that no later detector interrupts on it.
      It also holds on interim text that may still become one: fillers alone ("uh") or
      the first words of a multi-word backchannel ("got" of "got it"), since streaming
      STTs send interims word by word. A final "got" is not held.
    - A final transcript of fillers alone ("um", "uh, er") holds too: the caller is
      hesitating, and the words that follow decide (``fillers_interrupt=True`` lets
      the next detectors interrupt on it instead).
    - Anything else is ``NOT_YET``: the next detectors decide.

    Defaults cover English, Spanish, French, German and Hindi (Latin script). Replace
    the lists with ``interrupt_phrases``/``backchannel_phrases`` or extend them with the
    ``extra_*`` arguments.
    """

    def __init__(
        self,
        *,
        languages: Sequence[str] = SUPPORTED_LANGUAGES,
        interrupt_phrases: Iterable[str] | None = None,
        backchannel_phrases: Iterable[str] | None = None,
        extra_interrupt_phrases: Iterable[str] = (),
        extra_backchannel_phrases: Iterable[str] = (),
        fillers: Iterable[str] = FILLERS,
        fillers_interrupt: bool = False,
    ):
        """Initialize the detector.

        Args:
            languages: Which default lists to use (``"en"``, ``"es"``, ``"fr"``, ``"de"``,
                ``"hi"``).
            interrupt_phrases: Replaces the default interrupt phrases.
            backchannel_phrases: Replaces the default backchannel phrases.
            extra_interrupt_phrases: Added to the interrupt phrases.
            extra_backchannel_phrases: Added to the backchannel phrases.
            fillers: Sounds ignored inside a backchannel ("um", "uh").
            fillers_interrupt: Whether a final transcript of fillers alone ("um") may
                interrupt. By default the detector holds on it: the caller is hesitating,
                and the words that follow decide (an attempt of only "um" is dropped
                after the controller's ``hold_timeout_secs`` of silence).

        Raises:
            TypeError: If a phrase list holds something that is not a string.
            ValueError: If a language is unknown or a phrase has no words.
        """
        if isinstance(languages, str):
            languages = (languages,)
        for language in languages:
            if language not in SUPPORTED_LANGUAGES:
                raise ValueError(
                    f"languages: unknown language {language!r}; supported: {SUPPORTED_LANGUAGES}"
                )
        default_interrupt, default_backchannel, default_fillers = _default_sets(tuple(languages))
        self._interrupt = (
            default_interrupt
            if interrupt_phrases is None
            else frozenset(_phrase_set("interrupt_phrases", interrupt_phrases))
        )
        self._backchannel = (
            default_backchannel
            if backchannel_phrases is None
            else frozenset(_phrase_set("backchannel_phrases", backchannel_phrases))
        )
        extra_interrupt = _phrase_set("extra_interrupt_phrases", extra_interrupt_phrases)
        extra_backchannel = _phrase_set("extra_backchannel_phrases", extra_backchannel_phrases)
        if extra_interrupt:
            self._interrupt = self._interrupt | extra_interrupt
        if extra_backchannel:
            self._backchannel = self._backchannel | extra_backchannel
        self._fillers = (
            default_fillers
            if fillers is FILLERS
            else frozenset(t for phrase in _phrase_set("fillers", fillers) for t in phrase)
        )
        self._fillers_interrupt = bool(fillers_interrupt)
        self._interrupt_lengths, self._backchannel_lengths, self._backchannel_prefixes = _derived_tables(
            self._interrupt, self._backchannel
        )

    def find_interrupt_phrase(self, text: str) -> str | None:
        """Return the first interrupt phrase found in ``text``, if any.

        Args:
            text: The utterance.

        Returns:
            The matched phrase (normalized), or None.
        """
        tokens = normalize(text)
        shelters = self._backchannel_spans(tokens)
        for start in range(len(tokens)):
            for length in self._interrupt_lengths:
                window = tokens[start : start + length]
                if len(window) != length or window not in self._interrupt:
                    continue
                # "enough" interrupts, but not inside the backchannel "fair enough".
                if any(s <= start and start + length <= e and e - s > length for s, e in shelters):
                    continue
                return " ".join(window)
        return None

    def _backchannel_spans(self, tokens: tuple[str, ...]) -> list[tuple[int, int]]:
        spans = []
        for start in range(len(tokens)):
            for length in self._backchannel_lengths:
                if start + length <= len(tokens) and tokens[start : start + length] in self._backchannel:
                    spans.append((start, start + length))
        return spans

    def _reach(self, tokens: tuple[str, ...]) -> list[int]:
        """How far backchannel phrases and fillers cover ``tokens`` from the start.

        ``reach[i]`` is 0 when ``tokens[:i]`` cannot be read as backchannels and fillers,
        1 when it can with fillers only, 2 when it holds at least one phrase.
        """
        n = len(tokens)
        reach = [0] * (n + 1)
        reach[0] = 1
        for i in range(n):
            if not reach[i]:
                continue
            if tokens[i] in self._fillers:
                reach[i + 1] = max(reach[i + 1], reach[i])
            for length in self._backchannel_lengths:
                if i + length <= n and tokens[i : i + length] in self._backchannel:
                    reach[i + length] = 2
        return reach

    def is_backchannel(self, text: str, language: str | None = None) -> bool:
        """Whether ``text`` is made only of backchannel phrases and fillers.

        Args:
            text: The utterance.
            language: Its language code, if known (unused until per-language tables).

        Returns:
            True for "mhm", "yeah yeah", "um, okay, got it"; False for "yeah but why".
        """
        return self._reach(normalize(text))[-1] == 2

    def is_filler_only(self, text: str, language: str | None = None) -> bool:
        """Whether ``text`` is made only of fillers ("um", "uh, er").

        Args:
            text: The utterance.
            language: Its language code, if known (unused until per-language tables).

        Returns:
            True when every word is a filler (False for empty text).
        """
        tokens = normalize(text)
        return bool(tokens) and all(t in self._fillers for t in tokens)

    def may_become_backchannel(self, text: str) -> bool:
        """Whether ``text`` could still grow into a backchannel.

        True for a backchannel, for fillers alone ("uh", which may become "uh huh"),
        and for text ending in the first words of a multi-word backchannel ("got" of
        "got it", "oh i" of "oh i see"). Interim transcripts arrive word by word, so
        these must not be read as interruptions yet.

        Args:
            text: The utterance so far.

        Returns:
            Whether to keep listening before another detector decides.
        """
        tokens = normalize(text)
        if not tokens:
            return False
        reach = self._reach(tokens)
        if reach[-1]:
            return True
        return any(
            reach[i] and tokens[i:] in self._backchannel_prefixes for i in range(len(tokens))
        )

    def detect(self, activity: UserActivity) -> Detection:
        """Look for interrupt and backchannel phrases.

        Args:
            activity: What the user has done so far.

        Returns:
            The detection (reason ``"phrase"`` or ``"backchannel"``).
        """
        if not activity.text.strip():
            return NOT_YET
        phrase = self.find_interrupt_phrase(activity.text)
        if phrase is not None:
            return Detection(Verdict.INTERRUPT, "phrase", phrase)
        if self.is_backchannel(activity.text):
            if activity.final:
                return Detection(Verdict.BACKCHANNEL, "backchannel", activity.text.strip())
            return Detection(Verdict.NOT_YET, "backchannel", "interim backchannel", hold=True)
        if not activity.final and self.may_become_backchannel(activity.text):
            return Detection(Verdict.NOT_YET, "backchannel", "interim backchannel start", hold=True)
        if activity.final and not self._fillers_interrupt and self.is_filler_only(activity.text):
            return Detection(Verdict.NOT_YET, "filler", "fillers only: waiting for words", hold=True)
        return NOT_YET
