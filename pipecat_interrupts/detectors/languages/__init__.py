#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Languages as data: one TOML file per language, loaded and checked here.

Each ``<code>.toml`` in this folder describes one language as speech-to-text services
write it (its own script: Devanagari for ``hi``, Latin for Hinglish ``hi-Latn``)::

    code = "pt"                 # BCP 47 code; the base ("pt" of "pt-BR") is matched
    name = "Portuguese"
    script = "Latn"             # Latn, Cyrl, Deva, Arab, Hang, Jpan (kana + Han), Hani
    priority = 5                # order of the tables when the language is unknown
    aliases = []                # other codes STT services use for it ("cmn" for zh)
    interrupt = ["espera", "para", ...]    # always cut the bot off, anywhere
    backchannel = ["sim", "tá", ...]       # never do, when the utterance is only these
    pardon = ["hein", "como", "sim"]       # backchannels that interrupt said as questions
    thanks = ["obrigado", ...]             # backchannels by default (see acknowledge_thanks)
    reactions = ["nossa", "sério", ...]    # backchannels by default (see acknowledge_reactions)
    fillers = ["é", "hum", ...]            # hesitations, ignored inside a backchannel
    intensifiers = ["muito", "bem"]        # "very": allowed around an acknowledgement

``_common.toml`` holds the sounds every STT writes the same in every language ("mhm",
"ok"); its lists are added to every language. Adding a language is adding a file;
`validate` (run by the test suite on every shipped file) says what is wrong with one.
"""

import tomllib
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources

from pipecat_interrupts.detectors.text_tokens import Script, script_of, tokenize

PHRASE_KINDS = (
    "interrupt",
    "backchannel",
    "pardon",
    "thanks",
    "reactions",
    "fillers",
    "intensifiers",
)
"""The phrase lists a language file may hold."""

_SCRIPTS_OF: dict[str, frozenset[Script]] = {
    "Latn": frozenset({Script.LATIN}),
    "Cyrl": frozenset({Script.CYRILLIC}),
    "Deva": frozenset({Script.DEVANAGARI}),
    "Arab": frozenset({Script.ARABIC}),
    "Hang": frozenset({Script.HANGUL}),
    "Jpan": frozenset({Script.KANA, Script.HAN}),
    "Hani": frozenset({Script.HAN}),
}
_COMMON = "_common"


@dataclass(frozen=True)
class LanguageTable:
    """One language's phrases, as read from its file.

    Parameters:
        code: Its code (``"en"``, ``"hi-Latn"``).
        name: Its English name.
        script: Its ISO 15924 script code as written by STT.
        priority: Its rank when a transcript's language is unknown (lower first).
        aliases: Other codes that mean it.
        interrupt: Phrases that always interrupt.
        backchannel: Acknowledgements that never do.
        pardon: Acknowledgements that interrupt when said as a question ("네?").
        thanks: Thanks, read as acknowledgements by default.
        reactions: Emotional reactions ("wow", "oh no"), read as acknowledgements by default.
        fillers: Hesitations ("um").
        intensifiers: Words that may stand beside an acknowledgement without making it
            a turn ("very" of "very good", "очень", "非常").
    """

    code: str
    name: str
    script: str
    priority: int = 100
    aliases: tuple[str, ...] = ()
    interrupt: tuple[str, ...] = ()
    backchannel: tuple[str, ...] = ()
    pardon: tuple[str, ...] = ()
    thanks: tuple[str, ...] = ()
    reactions: tuple[str, ...] = ()
    fillers: tuple[str, ...] = ()
    intensifiers: tuple[str, ...] = ()

    @property
    def base(self) -> str:
        """The base code a transcript's language is matched on (``"hi"`` of ``"hi-Latn"``)."""
        return language_base(self.code)

    @property
    def scripts(self) -> frozenset[Script]:
        """The scripts its text is written in."""
        return _SCRIPTS_OF[self.script]


def language_base(language: object) -> str:
    """The base of a language code: ``"es-MX"`` -> ``"es"``, ``Language.PT_BR`` -> ``"pt"``.

    Args:
        language: A code, or Pipecat's ``Language`` (any enum whose value is a code).

    Returns:
        The lower-case base code ("" when there is none).
    """
    value = getattr(language, "value", language)
    return str(value).strip().replace("_", "-").split("-")[0].lower()


def validate(data: dict[str, object], source: str) -> LanguageTable:
    """Check a parsed language file and build its table.

    Args:
        data: The parsed TOML.
        source: The file name, for errors.

    Returns:
        The table.

    Raises:
        ValueError: Naming the file and the key that is wrong.
    """
    known = {f.name for f in fields(LanguageTable)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{source}: unknown keys {sorted(unknown)}")
    for key in ("code", "name", "script"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ValueError(f"{source}: {key} must be a non-empty string")
    script = str(data["script"])
    if script not in _SCRIPTS_OF:
        raise ValueError(f"{source}: script {script!r} is not one of {sorted(_SCRIPTS_OF)}")
    priority = data.get("priority", 100)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise ValueError(f"{source}: priority must be an integer")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("aliases", *PHRASE_KINDS):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError(f"{source}: {key} must be a list of non-empty strings")
        lists[key] = tuple(value)
    allowed = _SCRIPTS_OF[script] | {Script.OTHER}
    if source != f"{_COMMON}.toml":
        allowed = allowed | {Script.LATIN}  # loanwords ("ok") are written in Latin everywhere
    for key in PHRASE_KINDS:
        for phrase in lists[key]:
            tokens = tokenize(phrase)
            if not tokens:
                raise ValueError(f"{source}: {key} phrase {phrase!r} has no words")
            stray = {script_of(t) for t in tokens} - allowed
            if stray:
                raise ValueError(f"{source}: {key} phrase {phrase!r} is not in script {script}")
    return LanguageTable(
        code=str(data["code"]), name=str(data["name"]), script=script, priority=priority, **lists
    )


def _read(filename: str) -> LanguageTable:
    text = resources.files(__name__).joinpath(filename).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{filename}: not valid TOML: {error}") from error
    table = validate(data, filename)
    if filename != f"{_COMMON}.toml" and table.code != filename.removesuffix(".toml"):
        raise ValueError(f"{filename}: code {table.code!r} does not match the file name")
    return table


def shipped_files() -> tuple[str, ...]:
    """The language files shipped in this folder (``_common.toml`` excluded)."""
    names = (entry.name for entry in resources.files(__name__).iterdir())
    return tuple(sorted(n for n in names if n.endswith(".toml") and n != f"{_COMMON}.toml"))


@lru_cache(maxsize=1)
def common_table() -> LanguageTable:
    """The sounds written the same in every language, added to each of them."""
    return _read(f"{_COMMON}.toml")


@lru_cache(maxsize=1)
def shipped_languages() -> tuple[LanguageTable, ...]:
    """Every shipped language, in priority order (read once per process)."""
    tables = [_read(name) for name in shipped_files()]
    return tuple(sorted(tables, key=lambda t: (t.priority, t.code)))


def language_codes() -> tuple[str, ...]:
    """The codes of the shipped languages, in priority order."""
    return tuple(t.code for t in shipped_languages())


def find_language(code: str) -> LanguageTable:
    """The shipped table with this exact code (``"hi-Latn"``) or alias.

    Args:
        code: A language code.

    Returns:
        The table.

    Raises:
        ValueError: If no shipped language has that code.
    """
    wanted = str(code).strip().lower()
    for table in shipped_languages():
        if wanted == table.code.lower() or wanted in (a.lower() for a in table.aliases):
            return table
    raise ValueError(f"languages: unknown language {code!r}; shipped: {language_codes()}")


__all__ = [
    "PHRASE_KINDS",
    "LanguageTable",
    "common_table",
    "find_language",
    "language_base",
    "language_codes",
    "shipped_files",
    "shipped_languages",
    "validate",
]
