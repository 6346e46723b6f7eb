#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The shipped phrase lists as plain dicts, read from ``detectors/languages/*.toml``.

Kept for code written against 0.1; the language files are the source. Each language
keeps its own lists: never merge them into one set (Spanish "para" = stop, Portuguese
"para" = for).
"""

from pipecat_interrupts.detectors.languages import common_table, shipped_languages

INTERRUPT_PHRASES: dict[str, tuple[str, ...]] = {t.code: t.interrupt for t in shipped_languages()}
BACKCHANNEL_PHRASES: dict[str, tuple[str, ...]] = {
    t.code: t.backchannel + t.pardon + t.thanks + t.reactions for t in shipped_languages()
}
FILLERS: tuple[str, ...] = common_table().fillers + next(
    (t.fillers for t in shipped_languages() if t.code == "en"), ()
)
SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(t.code for t in shipped_languages())
