#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""One way for the testing kit to wait: on an event, with a deadline, answering a bool."""

import asyncio
from collections.abc import Callable


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
