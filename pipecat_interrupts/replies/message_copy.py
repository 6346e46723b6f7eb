#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`copy_message`: a deep copy of a context message, fast for the JSON-like common case.

A snapshot copies the last messages of the context at every interruption. Messages are
almost always plain dicts, lists and strings, which this copies directly (several times
faster than `copy.deepcopy`, which keeps a memo and dispatches per type); anything else,
and any structure nested deeper than `MAX_DEPTH`, is left to `copy.deepcopy`, so the
result is always a deep copy.
"""

import copy
from typing import Any

MAX_DEPTH = 32
"""Nesting handled directly; deeper (or cyclic) structures go to `copy.deepcopy`."""

_ATOMS = (str, int, float, bool, type(None), bytes)


def copy_message(value: Any, depth: int = 0) -> Any:
    """A deep copy of ``value``.

    Args:
        value: A context message or a part of one.
        depth: How deep ``value`` is in the message (callers leave it at 0).

    Returns:
        The copy: exact dicts and lists are rebuilt, immutable atoms shared, the rest
        copied by `copy.deepcopy`.
    """
    kind = type(value)
    if kind in _ATOMS:
        return value
    if depth >= MAX_DEPTH:
        return copy.deepcopy(value)
    if kind is dict:
        if all(type(key) is str for key in value):
            return {key: copy_message(item, depth + 1) for key, item in value.items()}
        return copy.deepcopy(value)
    if kind is list:
        return [copy_message(item, depth + 1) for item in value]
    return copy.deepcopy(value)
