#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""pytest plugin: run chosen asyncio tests on the kit's virtual time.

Enable it in your ``conftest.py`` (it needs pytest-asyncio 1.4 or later)::

    pytest_plugins = ["pipecat_interrupts.testing.pytest_plugin"]

Then opt a test (or a module, with ``pytestmark``) in, with the marker or the fixture::

    @pytest.mark.virtual_time
    async def test_bot_does_not_resume():
        ...

    async def test_with_the_clock(virtual_time):
        started = virtual_time()          # the kit's monotonic clock
        ...

Both run the test, and its function-scoped async fixtures, on a `VirtualTimeLoop`.
Every other asyncio test keeps an ordinary event loop (real time). The plugin answers
pytest-asyncio's ``pytest_asyncio_loop_factories`` hook; if your project implements
that hook itself, call `loop_factories_for` from it instead of loading this plugin.
"""

import asyncio
from collections.abc import Callable, Mapping

import pytest

from pipecat_interrupts.testing.virtual_time import VirtualTimeLoop, monotonic

MARKER = "virtual_time"
FIXTURE = "virtual_time"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}: run this asyncio test on the pipecat-interrupts virtual-time event loop",
    )


def wants_virtual_time(item: pytest.Item) -> bool:
    """Whether a test asked for virtual time (marker, or the ``virtual_time`` fixture).

    Args:
        item: The test (or its definition, at collection).

    Returns:
        True for virtual time.
    """
    return item.get_closest_marker(MARKER) is not None or FIXTURE in getattr(
        item, "fixturenames", ()
    )


def loop_factories_for(item: pytest.Item) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """The loop factory for one test: virtual time if it asked for it, else asyncio's.

    Args:
        item: The test.

    Returns:
        One named factory.
    """
    if wants_virtual_time(item):
        return {MARKER: VirtualTimeLoop}
    return {"asyncio": asyncio.new_event_loop}


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """pytest-asyncio hook: choose the event loop of each asyncio test."""
    return loop_factories_for(item)


@pytest.fixture(name=FIXTURE)
def virtual_time_clock() -> Callable[[], float]:
    """Run the test on virtual time; the value is the kit's monotonic clock."""
    return monotonic
