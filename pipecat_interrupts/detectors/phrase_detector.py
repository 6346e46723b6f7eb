#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`PhraseInterruptionDetector`: phrases that always interrupt, and backchannels that never do."""

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from pipecat_interrupts.detectors.base import (
    NOT_YET,
    BaseInterruptionDetector,
    Detection,
    UserActivity,
    Verdict,
)
from pipecat_interrupts.detectors.languages import (
    PHRASE_KINDS,
    LanguageTable,
    common_table,
    find_language,
    shipped_languages,
)
from pipecat_interrupts.detectors.phrase_tables import PhraseTables, Reading, phrase_tables
from pipecat_interrupts.detectors.text_tokens import ends_as_question, tokenize
from pipecat_interrupts.reasons import Reason


def normalize(text: str) -> tuple[str, ...]:
    """Turn text into matching tokens (see `text_tokens.tokenize`).

    Args:
        text: Any text.

    Returns:
        The tokens: "Mmm-HMM!!" -> ``("m", "hm")``, "好的" -> ``("好", "的")``.
    """
    return tokenize(text)


class _Kind(Enum):
    INTERRUPT = "interrupt"
    PARDON = "pardon"
    BACKCHANNEL = "backchannel"
    GROWING = "growing"
    FILLERS = "fillers"


_RECENT_FINDINGS = 8


@dataclass(frozen=True)
class _Finding:
    kind: _Kind
    language: str
    phrase: str = ""


def _phrase_list(parameter: str, phrases: Iterable[object]) -> tuple[str, ...]:
    if isinstance(phrases, str):
        raise TypeError(f"{parameter} must be a list of strings, not a single string")
    result = []
    for phrase in phrases:
        if not isinstance(phrase, str):
            raise TypeError(f"{parameter} must contain only strings, got {phrase!r}")
        if not tokenize(phrase):
            raise ValueError(f"{parameter} contains a phrase with no words: {phrase!r}")
        result.append(phrase)
    return tuple(result)


def _merged(
    table: LanguageTable,
    overrides: dict[str, tuple[str, ...]],
    extra_interrupt: tuple[str, ...],
    extra_backchannel: tuple[str, ...],
) -> LanguageTable:
    """A language's table with the common sounds and the user's changes applied."""
    common = common_table()
    lists = {kind: getattr(table, kind) + getattr(common, kind) for kind in PHRASE_KINDS}
    lists.update(overrides)
    lists["interrupt"] += extra_interrupt
    lists["backchannel"] += extra_backchannel
    return dataclasses.replace(table, **lists)


@lru_cache(maxsize=32)
def _tables_for(
    chosen: tuple[LanguageTable, ...],
    overrides: tuple[tuple[str, tuple[str, ...]], ...],
    extra_interrupt: tuple[str, ...],
    extra_backchannel: tuple[str, ...],
    acknowledge_thanks: bool,
    acknowledge_reactions: bool,
) -> PhraseTables:
    # One merge per configuration per process: each conversation's detector (and the
    # snapshotter's judge) is built in microseconds and shares the tables.
    merged = tuple(_merged(t, dict(overrides), extra_interrupt, extra_backchannel) for t in chosen)
    return phrase_tables(merged, acknowledge_thanks, acknowledge_reactions)


class PhraseInterruptionDetector(BaseInterruptionDetector):
    """Interrupt phrases always cut the bot off; backchannel phrases never do, in 18 languages.

    - An utterance that *contains* an interrupt phrase ("okay, wait a second") is an
      ``INTERRUPT`` at once, even on an interim transcript.
    - A "pardon?" form, often the acknowledgement itself asked ("네?", "sim?", "tak?"),
      interrupts; the same word said plainly is an acknowledgement.
    - An utterance made only of backchannel phrases and fillers ("yeah yeah, mhm",
      "うんうん", "हाँ ठीक है") is a ``BACKCHANNEL`` once final; while interim the detector
      holds (``NOT_YET``, ``hold=True``), and also on interim text that may still become
      one (fillers, "got" of "got it", "な" of "なるほど").
    - A final of fillers alone ("um") holds: the words that follow decide
      (``fillers_interrupt=True`` lets the next detectors interrupt on it).
    - Anything else is ``NOT_YET``: the next detectors decide.

    Thanks ("ok thanks", "merci") and emotional reactions ("wow", "oh no", "really?")
    said over the bot are acknowledgements by default (``acknowledge_thanks=False`` or
    ``acknowledge_reactions=False`` makes them interrupt).

    Each language keeps its own phrase sets (``detectors/languages/*.toml``). The
    transcript's language (``UserActivity.language``, ``"es-MX"`` read as ``"es"``)
    picks the set; without one, the script of the text narrows the configured
    languages and the first (in ``languages`` order) with a verdict decides.
    """

    reads_words = True

    def __init__(
        self,
        *,
        languages: Sequence[str] | None = None,
        interrupt_phrases: Iterable[str] | None = None,
        backchannel_phrases: Iterable[str] | None = None,
        extra_interrupt_phrases: Iterable[str] = (),
        extra_backchannel_phrases: Iterable[str] = (),
        fillers: Iterable[str] | None = None,
        fillers_interrupt: bool = False,
        acknowledge_thanks: bool = True,
        acknowledge_reactions: bool = True,
    ):
        """Initialize the detector.

        Args:
            languages: The language codes to load, in priority order (default: every
                shipped language, English first). Pinning ``["pl"]`` reads every
                transcript as Polish.
            interrupt_phrases: Replaces every language's interrupt phrases.
            backchannel_phrases: Replaces every language's backchannel phrases (pardon
                forms, thanks and reactions included).
            extra_interrupt_phrases: Added to every language's interrupt phrases.
            extra_backchannel_phrases: Added to every language's backchannel phrases.
            fillers: Replaces every language's fillers ("um", "uh").
            fillers_interrupt: Whether a final transcript of fillers alone may interrupt.
                By default the detector holds on it: the words that follow decide.
            acknowledge_thanks: Whether thanks said over the bot are acknowledgements.
            acknowledge_reactions: Whether emotional reactions are acknowledgements.

        Raises:
            TypeError: If a phrase list holds something that is not a string.
            ValueError: If a language is unknown or a phrase has no words.
        """
        if isinstance(languages, str):
            languages = (languages,)
        chosen = shipped_languages() if languages is None else tuple(map(find_language, languages))
        if not chosen:
            raise ValueError("languages: at least one language is needed")
        overrides: dict[str, tuple[str, ...]] = {}
        if interrupt_phrases is not None:
            overrides["interrupt"] = _phrase_list("interrupt_phrases", interrupt_phrases)
        if backchannel_phrases is not None:
            overrides["backchannel"] = _phrase_list("backchannel_phrases", backchannel_phrases)
            overrides.update(pardon=(), thanks=(), reactions=())
        if fillers is not None:
            overrides["fillers"] = _phrase_list("fillers", fillers)
        extra_interrupt = _phrase_list("extra_interrupt_phrases", extra_interrupt_phrases)
        extra_backchannel = _phrase_list("extra_backchannel_phrases", extra_backchannel_phrases)
        self._tables: PhraseTables = _tables_for(
            chosen,
            tuple(sorted(overrides.items())),
            extra_interrupt,
            extra_backchannel,
            bool(acknowledge_thanks),
            bool(acknowledge_reactions),
        )
        self._fillers_interrupt = bool(fillers_interrupt)
        # The same transcript is read by the controller's evaluation and, as the shared
        # backchannel judge, by the snapshotter: the last few findings are kept.
        self._recent: dict[tuple[str, object, bool], _Finding | None] = {}

    @property
    def languages(self) -> tuple[str, ...]:
        """The loaded language codes, in priority order."""
        return tuple(t.code for t in self._tables.languages)

    def _find(self, text: str, language: object | None, final: bool) -> _Finding | None:
        key = (text, language, final)
        recent = self._recent
        try:
            if key in recent:
                return recent[key]
        except TypeError:  # an unhashable language object: read it, keep nothing
            return self._read(text, language, final)
        finding = self._read(text, language, final)
        if len(recent) >= _RECENT_FINDINGS:
            del recent[next(iter(recent))]
        recent[key] = finding
        return finding

    def _read(self, text: str, language: object | None, final: bool) -> _Finding | None:
        tokens = tokenize(text)
        if not tokens:
            return None
        tables = self._tables
        candidates = tables.candidates(tokens, language)
        reading = tables.read(tokens)
        question = ends_as_question(text)
        best: _Finding | None = None
        best_explained = -1
        for index, table in enumerate(tables.languages):
            bit = 1 << index
            if not candidates & bit:
                continue
            finding = self._finding(reading, bit, index, table.code, question, final)
            if finding is None:
                continue
            if candidates == bit:
                return finding
            # Several candidates (no language on the transcript): the one whose phrases
            # explain most of the words wins ("no me digas" is Spanish, not English
            # "no"); on a tie, the first in ``languages`` order.
            explained = reading.tokens_explained(bit)
            if explained > best_explained:
                best, best_explained = finding, explained
        return best

    @staticmethod
    def _finding(
        reading: Reading, bit: int, index: int, code: str, question: bool, final: bool
    ) -> _Finding | None:
        if reading.interrupt & bit and (final or reading.interrupt_firm & bit):
            return _Finding(_Kind.INTERRUPT, code, reading.interrupt_phrases[index])
        if question and reading.pardon & bit:
            return _Finding(_Kind.PARDON, code)
        if reading.backchannel & bit:
            return _Finding(_Kind.BACKCHANNEL, code)
        if not final and reading.may_grow & bit:
            return _Finding(_Kind.GROWING, code)
        if reading.fillers_only & bit:
            return _Finding(_Kind.FILLERS, code)
        return None

    def find_interrupt_phrase(self, text: str, language: object | None = None) -> str | None:
        """Return the first interrupt phrase found in ``text``, if any.

        Args:
            text: The utterance.
            language: Its language code, if known.

        Returns:
            The matched phrase (normalized), or None.
        """
        finding = self._find(text, language, final=True)
        return finding.phrase if finding and finding.kind is _Kind.INTERRUPT else None

    def is_backchannel(self, text: str, language: str | None = None) -> bool:
        """Whether ``text`` is made only of acknowledgements and fillers.

        Args:
            text: The utterance.
            language: Its language code, if known.

        Returns:
            True for "mhm", "yeah yeah", "はい、はい"; False for "yeah but why", "네?".
        """
        finding = self._find(text, language, final=True)
        return finding is not None and finding.kind is _Kind.BACKCHANNEL

    def is_filler_only(self, text: str, language: str | None = None) -> bool:
        """Whether ``text`` is made only of fillers ("um", "uh, er").

        Args:
            text: The utterance.
            language: Its language code, if known.

        Returns:
            True when every word is a filler (False for empty text).
        """
        finding = self._find(text, language, final=True)
        return finding is not None and finding.kind is _Kind.FILLERS

    def may_become_backchannel(self, text: str, language: str | None = None) -> bool:
        """Whether ``text`` could still grow into a backchannel.

        True for a backchannel, for fillers alone ("uh" may become "uh huh"), and for
        text ending in the first words or characters of a longer one ("got" of "got
        it", "なる" of "なるほど"): interims arrive word by word, or character by
        character in Japanese and Chinese.

        Args:
            text: The utterance so far.
            language: Its language code, if known.

        Returns:
            Whether to keep listening before another detector decides.
        """
        finding = self._find(text, language, final=False)
        return finding is not None and finding.kind in (
            _Kind.BACKCHANNEL,
            _Kind.GROWING,
            _Kind.FILLERS,
        )

    def detect(self, activity: UserActivity) -> Detection:
        """Look for interrupt phrases, pardon forms and backchannels.

        Args:
            activity: What the user has done so far.

        Returns:
            The detection (reason ``"phrase"``, ``"backchannel"`` or ``"filler"``).
        """
        finding = self._find(activity.text, activity.language, activity.final)
        if finding is None:
            return NOT_YET
        where = f"[{finding.language}]"
        if finding.kind is _Kind.INTERRUPT:
            return Detection(Verdict.INTERRUPT, Reason.PHRASE, f"{finding.phrase} {where}")
        if finding.kind is _Kind.PARDON:
            return Detection(Verdict.INTERRUPT, Reason.PHRASE, f"pardon? {where}")
        if finding.kind is _Kind.BACKCHANNEL:
            if activity.final:
                return Detection(Verdict.BACKCHANNEL, Reason.BACKCHANNEL, activity.text.strip())
            return Detection(
                Verdict.NOT_YET, Reason.BACKCHANNEL, f"interim backchannel {where}", hold=True
            )
        if finding.kind is _Kind.GROWING:
            return Detection(
                Verdict.NOT_YET, Reason.BACKCHANNEL, f"interim backchannel start {where}", hold=True
            )
        if activity.final and not self._fillers_interrupt:
            return Detection(
                Verdict.NOT_YET, Reason.FILLER, "fillers only: waiting for words", hold=True
            )
        return NOT_YET
