#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`PhraseTables`: every configured language's phrases in one index, read in one pass.

Each language keeps its own sets (Spanish "para" = stop is not Portuguese "para" =
for; Polish "no" = yeah is not English "no"), but they share one index: a phrase maps
to bit masks saying, per kind, which languages list it. One left-to-right pass over a
transcript's tokens then answers for every language at once (bitwise dynamic
programming), so the cost does not grow with the number of languages loaded, and is
linear in the (bounded, see `text_tokens`) number of tokens. Tables are built once per
language set and shared by every detector and conversation using it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from pipecat_interrupts.detectors.languages import LanguageTable, language_base
from pipecat_interrupts.detectors.text_tokens import Script, script_of, tokenize


@dataclass(frozen=True, slots=True)
class PhraseKinds:
    """Which languages list a phrase, as bit masks (bit i = the i-th configured language).

    Parameters:
        interrupt: Languages where it interrupts.
        backchannel: Languages where it is an acknowledgement (pardon forms included).
        pardon: Languages where it asks to repeat when said as a question.
        filler: Languages where it is a hesitation ("um", "えーと").
        intensifier: Languages where it may stand beside an acknowledgement ("very").
    """

    interrupt: int = 0
    backchannel: int = 0
    pardon: int = 0
    filler: int = 0
    intensifier: int = 0


@dataclass(frozen=True)
class Reading:
    """What one pass over a transcript found, per language (bit masks).

    Parameters:
        interrupt: Languages in which an interrupt phrase occurs (outside a longer
            phrase of another kind: "enough" interrupts, "fair enough" does not).
        interrupt_firm: Of those, the languages in which it cannot still grow into a
            backchannel ("no" may become "no problem", "不" may become "不错"): an
            interim transcript interrupts only on these.
        interrupt_phrases: The first interrupt phrase, by language bit index.
        backchannel: Languages in which the whole text is acknowledgements and fillers,
            with at least one acknowledgement.
        pardon: Languages in which it is that and ends in a pardon form ("네", "ah, sim").
        fillers_only: Languages in which the text is fillers alone.
        may_grow: Languages in which the text may still grow into a backchannel (it is
            one, or fillers, or ends in the first words of a longer one).
        explained: Per token, the languages with a phrase that covers it (to choose
            among candidate languages when the transcript's language is unknown).
    """

    interrupt: int = 0
    interrupt_firm: int = 0
    interrupt_phrases: dict[int, str] = field(default_factory=dict)
    backchannel: int = 0
    pardon: int = 0
    fillers_only: int = 0
    may_grow: int = 0
    explained: tuple[int, ...] = ()

    def tokens_explained(self, bit: int) -> int:
        """How many tokens the language with this bit has a phrase for."""
        return sum(1 for mask in self.explained if mask & bit)


def _spell(tokens: tuple[str, ...]) -> str:
    # Characters of scripts without spaces are joined back without them ("すみません").
    unspaced = all(len(t) == 1 and script_of(t) in (Script.KANA, Script.HAN) for t in tokens)
    return ("" if unspaced else " ").join(tokens)


def _tokens_of(phrases: Iterable[str]) -> set[tuple[str, ...]]:
    return {tokens for tokens in map(tokenize, phrases) if tokens}


class PhraseTables:
    """One index over the phrases of an ordered set of languages.

    Build it with `phrase_tables` (cached): equal language sets share one instance.
    """

    def __init__(
        self,
        languages: tuple[LanguageTable, ...],
        *,
        acknowledge_thanks: bool = True,
        acknowledge_reactions: bool = True,
    ):
        """Index the languages' phrases.

        Args:
            languages: The languages, in priority order (common sounds already merged).
            acknowledge_thanks: Whether thanks are acknowledgements (else they interrupt).
            acknowledge_reactions: Whether reactions are acknowledgements (else they interrupt).
        """
        self.languages = languages
        self.all = (1 << len(languages)) - 1
        kinds: dict[tuple[str, ...], dict[str, int]] = {}
        by_base: dict[str, int] = {}
        by_script: dict[Script, int] = {}
        for index, table in enumerate(languages):
            bit = 1 << index
            for code in (table.base, table.code.lower(), *(a.lower() for a in table.aliases)):
                by_base[code] = by_base.get(code, 0) | bit
            for script in table.scripts:
                by_script[script] = by_script.get(script, 0) | bit
            acknowledgements = list(table.backchannel) + list(table.pardon)
            interrupts = list(table.interrupt)
            (acknowledgements if acknowledge_thanks else interrupts).extend(table.thanks)
            (acknowledgements if acknowledge_reactions else interrupts).extend(table.reactions)
            for kind, phrases in (
                ("interrupt", interrupts),
                ("backchannel", acknowledgements),
                ("pardon", table.pardon),
                ("filler", table.fillers),
                ("intensifier", table.intensifiers),
            ):
                for tokens in _tokens_of(phrases):
                    masks = kinds.setdefault(tokens, {})
                    masks[kind] = masks.get(kind, 0) | bit
        self._phrases = {tokens: PhraseKinds(**masks) for tokens, masks in kinds.items()}
        self._by_base = by_base
        self._by_script = by_script
        lengths: dict[str, set[int]] = {}
        prefixes: dict[tuple[str, ...], int] = {}
        for tokens, phrase_kinds in self._phrases.items():
            lengths.setdefault(tokens[0], set()).add(len(tokens))
            for end in range(1, len(tokens)):
                grows = phrase_kinds.backchannel | phrase_kinds.filler | phrase_kinds.intensifier
                prefixes[tokens[:end]] = prefixes.get(tokens[:end], 0) | grows
        # Per first token, the phrase lengths that start with it (longest first).
        self._lengths = {t: tuple(sorted(ls, reverse=True)) for t, ls in lengths.items()}
        self._prefixes = {p: m for p, m in prefixes.items() if m}
        self.longest = max((len(p) for p in self._phrases), default=1)

    def candidates(self, tokens: tuple[str, ...], language: object | None) -> int:
        """The languages a transcript may be in.

        The transcript's language when configured and written in one of its scripts;
        otherwise every configured language whose script the text uses; otherwise all.

        Args:
            tokens: The transcript's tokens.
            language: Its language as the STT reported it, or None.

        Returns:
            A bit mask of configured languages.
        """
        in_scripts = 0
        for script in {script_of(token) for token in tokens}:
            in_scripts |= self._by_script.get(script, 0)
        if language is not None:
            code = str(getattr(language, "value", language)).strip().lower().replace("_", "-")
            named = self._by_base.get(code, 0) | self._by_base.get(language_base(code), 0)
            if named & in_scripts:
                return named & in_scripts
        return in_scripts or self.all

    def read(self, tokens: tuple[str, ...]) -> Reading:
        """Read a transcript for every language in one pass.

        Args:
            tokens: Its tokens (from `tokenize`).

        Returns:
            The reading.
        """
        n = len(tokens)
        if not n:
            return Reading()
        phrases, lengths = self._phrases, self._lengths
        # covered[i]: languages reading tokens[:i] as acknowledgements and fillers;
        # spoken[i]: ...with at least one acknowledgement; asked[i]: ...with a pardon
        # form at its end; hesitant[i]: ...as fillers alone. Intensifiers ("very") may
        # stand anywhere in an acknowledgement but are not one by themselves.
        covered = [0] * (n + 1)
        spoken = [0] * (n + 1)
        asked = [0] * (n + 1)
        hesitant = [0] * (n + 1)
        covered[0] = hesitant[0] = self.all
        explained = [0] * n
        spans: list[tuple[int, int, int]] = []
        hits: list[tuple[int, int, int]] = []
        for i, token in enumerate(tokens):
            for length in lengths.get(token, ()):
                end = i + length
                if end > n:
                    continue
                kinds = phrases.get(tokens[i:end])
                if kinds is None:
                    continue
                if kinds.interrupt:
                    hits.append((i, end, kinds.interrupt))
                if kinds.filler:
                    covered[end] |= covered[i] & kinds.filler
                    spoken[end] |= spoken[i] & kinds.filler
                    asked[end] |= asked[i] & kinds.filler
                    hesitant[end] |= hesitant[i] & kinds.filler
                if kinds.intensifier:
                    covered[end] |= covered[i] & kinds.intensifier
                    spoken[end] |= spoken[i] & kinds.intensifier
                # An interrupt phrase inside a longer known phrase of another kind is
                # not said: "enough" in "fair enough", "でも" in "とても".
                sheltering = kinds.backchannel | kinds.filler | kinds.intensifier
                if sheltering:
                    spans.append((i, end, sheltering))
                if kinds.backchannel:
                    reach = covered[i] & kinds.backchannel
                    covered[end] |= reach
                    spoken[end] |= reach
                    # A pardon form counts when it is the last thing said ("ah, sim?").
                    asked[end] |= covered[i] & kinds.pardon
                said = kinds.interrupt | kinds.backchannel | kinds.filler | kinds.intensifier
                if said:
                    for j in range(i, end):
                        explained[j] |= said
        tail = max(0, n - self.longest + 1)
        growing = {s: self._prefixes.get(tokens[s:], 0) & covered[s] for s in range(tail, n)}
        interrupt = firm = 0
        found: dict[int, str] = {}
        for start, end, mask in hits:
            for s, e, sheltering in spans:
                if s <= start and end <= e and e - s > end - start:
                    mask &= ~sheltering
            pending = 0  # it may still become part of a longer backchannel ("no" -> "no problem")
            for s in range(tail, start + 1):
                pending |= growing[s]
            firm |= mask & ~pending
            new = mask & ~interrupt
            interrupt |= mask
            while new:
                low = new & -new
                found[low.bit_length() - 1] = _spell(tokens[start:end])
                new ^= low
        grow = covered[n]
        for mask in growing.values():
            grow |= mask
        return Reading(
            interrupt, firm, found, spoken[n], asked[n], hesitant[n], grow, tuple(explained)
        )


@lru_cache(maxsize=32)
def phrase_tables(
    languages: tuple[LanguageTable, ...], acknowledge_thanks: bool, acknowledge_reactions: bool
) -> PhraseTables:
    """The shared tables for a language set (built once per set, per process).

    Args:
        languages: The languages, in priority order.
        acknowledge_thanks: Whether thanks are acknowledgements.
        acknowledge_reactions: Whether reactions are acknowledgements.

    Returns:
        The tables.
    """
    return PhraseTables(
        languages,
        acknowledge_thanks=acknowledge_thanks,
        acknowledge_reactions=acknowledge_reactions,
    )
