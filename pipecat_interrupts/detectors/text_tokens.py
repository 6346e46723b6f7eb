#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Transcript text to matching tokens, and the scripts those tokens are written in.

The code knows scripts, not words: Latin, Cyrillic, Devanagari, Arabic and Hangul
text is split into words at spaces and punctuation; Han characters and kana (Chinese
and Japanese, written without spaces) become one token each, so a phrase is found
inside an utterance without word splitting ("好的" is the tokens ``好 的`` wherever it
appears).

Only the tail of a long transcript is examined: the last `MAX_EXAMINED_CHARS`
characters, and of those the last `MAX_EXAMINED_TOKENS` tokens. A transcript that long
is no backchannel, interim transcripts grow at the end, and every phrase is far
shorter than the window, so the tail is all that can still change a verdict; the cost
of a transcript is bounded whatever its length.
"""

import re
import unicodedata
from enum import Enum

MAX_EXAMINED_CHARS = 600
"""Characters at the end of a transcript that tokenization reads."""

MAX_EXAMINED_TOKENS = 64
"""Tokens at the end of a transcript that phrase matching examines."""

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Word characters: \w without "_" and without CJK, plus Devanagari vowel signs (Python's
# \w leaves out combining marks such as "ा" and "ं").
_TOKEN = re.compile(rf"[{_CJK}]|(?:[^\W_{_CJK}]|[\u0900-\u0963\u0966-\u097f])+")
_RUNS = re.compile(r"(.)\1+")
_QUESTION_MARKS = frozenset("?？؟")
# Folds that make the spellings STT services mix up read the same: apostrophes and
# elongation marks vanish ("don't" -> "dont", "うーん" -> "うん"), Arabic letter
# variants fold (Vietnamese "đ" stays: "đúng" = right, "dừng" = stop).
_FOLDS = str.maketrans(
    {
        "’": None,
        "'": None,
        "`": None,
        "´": None,
        "ʼ": None,
        "ー": None,
        "〜": None,
        "~": None,
        "ـ": None,
        "ة": "ه",
        "ى": "ي",
    }
)


class Script(Enum):
    """Writing systems the tokenizer tells apart (ISO 15924 codes)."""

    LATIN = "Latn"
    CYRILLIC = "Cyrl"
    DEVANAGARI = "Deva"
    ARABIC = "Arab"
    HANGUL = "Hang"
    KANA = "Kana"
    HAN = "Hani"
    OTHER = "Zyyy"


_SCRIPT_RANGES: tuple[tuple[int, int, Script], ...] = (
    (0x0000, 0x024F, Script.LATIN),
    (0x0400, 0x052F, Script.CYRILLIC),
    (0x0600, 0x06FF, Script.ARABIC),
    (0x0750, 0x077F, Script.ARABIC),
    (0x0900, 0x097F, Script.DEVANAGARI),
    (0x1100, 0x11FF, Script.HANGUL),
    (0x1E00, 0x1EFF, Script.LATIN),
    (0x3040, 0x30FF, Script.KANA),
    (0x3130, 0x318F, Script.HANGUL),
    (0x3400, 0x4DBF, Script.HAN),
    (0x4E00, 0x9FFF, Script.HAN),
    (0xAC00, 0xD7AF, Script.HANGUL),
    (0xF900, 0xFAFF, Script.HAN),
)


def script_of(token: str) -> Script:
    """The script of a token, read from its first character.

    Args:
        token: A token from `tokenize`.

    Returns:
        Its script (`Script.OTHER` for digits, symbols and scripts not listed).
    """
    code = ord(token[0]) if token else 0
    if token[:1].isdigit():
        return Script.OTHER
    for low, high, script in _SCRIPT_RANGES:
        if low <= code <= high:
            return script
    return Script.OTHER


# Accents and tone marks are dropped, except the Vietnamese horn ("ừm" is "ưm", not
# "um") and the kana voicing marks ("でも" is not "ても").
_KEPT_MARKS = frozenset("\u031b\u3099\u309a")
# Katakana reads as hiragana: STT services write "マジで" and "まじで", "オッケー" and "おっけー".
_FOLDS.update({code: chr(code - 0x60) for code in range(0x30A1, 0x30F7)})


def _fold(text: str) -> str:
    folded = text.casefold()
    if folded.isascii():
        return folded.translate(_FOLDS)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(c for c in decomposed if c in _KEPT_MARKS or not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).translate(_FOLDS)


def _collapse(token: str) -> str:
    # "yeahhh" -> "yeah", "mmhmm" -> "mhm"; single CJK characters have nothing to collapse.
    return _RUNS.sub(r"\1", token) if len(token) > 1 else token


def tokenize(text: str) -> tuple[str, ...]:
    """Turn the tail of a transcript into matching tokens.

    Lower case, accents and other combining marks removed, apostrophes dropped,
    punctuation as separators, letter runs collapsed ("yeahhh" -> "yeah"), and Han or
    kana characters one token each. Only the last `MAX_EXAMINED_CHARS` characters are
    read and the last `MAX_EXAMINED_TOKENS` tokens returned.

    Args:
        text: Any text.

    Returns:
        The tokens.
    """
    tail = text[-MAX_EXAMINED_CHARS:] if len(text) > MAX_EXAMINED_CHARS else text
    tokens = _TOKEN.findall(_fold(tail))
    if len(tokens) > MAX_EXAMINED_TOKENS:
        tokens = tokens[-MAX_EXAMINED_TOKENS:]
    return tuple(_collapse(token) for token in tokens)


def ends_as_question(text: str) -> bool:
    """Whether a transcript ends with a question mark (any script's).

    Args:
        text: A transcript.

    Returns:
        True for "네?", "what?", "¿sí?", "ماذا؟".
    """
    stripped = text.rstrip(" \t\n\"'”»)」.!…")
    return bool(stripped) and stripped[-1] in _QUESTION_MARKS
