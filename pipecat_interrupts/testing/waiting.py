#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""How the testing kit waits: on an event, with a deadline, answering a bool.

`wait_for_event` waits for something to happen; `holds_for` checks that something keeps
holding (a negative assertion). Both wait on the event loop's clock, so on virtual time
(`pipecat_interrupts.testing.virtual_time`) their deadlines cost no wall time.
"""

import asyncio
from collections.abc import Callable

from pipecat_interrupts.validation import require_positive_secs


async def wait_for_event(
    changed: asyncio.Event, *, until: Callable[[], bool] | None = None, timeout: float
) -> bool:
    """Wait until ``until()`` holds (or, without it, until ``changed`` is set).

    With ``until``, ``changed`` is a "something changed" signal: it is cleared and waited
    on again until the condition holds. Cancellation of the caller passes through.

    Args:
        changed: Set whenever the awaited state may have changed.
        until: The condition; None waits for ``changed`` itself.
        timeout: Deadline in seconds.

    Returns:
        True if the condition held (or the event was set) before the deadline; at the
        deadline, whether it holds then.
    """
    check = until if until is not None else changed.is_set
    try:
        async with asyncio.timeout(timeout):
            while not check():
                if until is not None:
                    changed.clear()
                await changed.wait()
    except TimeoutError:
        return check()
    return True


async def holds_for(changed: asyncio.Event, *, condition: Callable[[], bool], secs: float) -> bool:
    """Check that ``condition()`` holds now and for the next ``secs`` seconds.

    The condition is checked now and again whenever ``changed`` is set (``changed`` is
    cleared before each wait, as in `wait_for_event`), and once more at the deadline.
    Cancellation of the caller passes through.

    Args:
        changed: Set whenever the watched state may have changed.
        condition: What must keep holding.
        secs: For how long, in seconds of loop time.

    Returns:
        True if it held throughout; False as soon as it did not.

    Raises:
        ValueError: If ``secs`` is negative or not finite.
    """
    require_positive_secs("secs", secs, allow_zero=True)
    if not condition():
        return False
    try:
        async with asyncio.timeout(secs):
            while True:
                changed.clear()
                await changed.wait()
                if not condition():
                    return False
    except TimeoutError:
        return condition()
