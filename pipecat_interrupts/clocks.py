#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The package's default clocks: the ``time`` module's, read when called.

A default written as ``clock=time.monotonic`` (or ``default_factory=time.monotonic``)
captures the function when the module is imported; these read ``time.monotonic()`` and
``time.time()`` at each call instead, so a test kit that swaps the ``time`` module's
clocks while a virtual-time loop runs (`pipecat_interrupts.testing.virtual_time`) reaches
every default clock in the package. Use them wherever a clock is a default.
"""

import time


def monotonic() -> float:
    """Return ``time.monotonic()``, looked up at call time."""
    return time.monotonic()


def wall_time() -> float:
    """Return ``time.time()``, looked up at call time."""
    return time.time()
