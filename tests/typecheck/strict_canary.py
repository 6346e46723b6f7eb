#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A deliberate strict-mode error: `tests/test_typing.py` expects mypy to report it.

It proves the run is live and strict (``--strict`` flags the missing annotation; plain
mypy does not), so a misconfigured run cannot pass by checking nothing.
"""


def untyped(value):  # the one expected error: [no-untyped-def]
    """Return ``value``."""
    return value
