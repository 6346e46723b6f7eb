"""Callbacks broken on purpose, for the fault-injection tests."""

import asyncio
from collections.abc import Awaitable, Callable

from conftest import pending_tasks

FAULTS = ["raises", "hangs", "swallows_cancellation_and_hangs", "swallows_cancellation_and_finishes_late"]


def faulty(fault: str, name: str, release: asyncio.Event) -> Callable[..., Awaitable[None]]:
    """A callback broken in the given way, logged under ``name``."""

    async def callback(*_args: object) -> None:
        if fault == "raises":
            raise RuntimeError("user bug")
        if fault == "hangs":
            await asyncio.sleep(3600)
        elif fault == "swallows_cancellation_and_hangs":
            while not release.is_set():
                try:
                    await release.wait()
                except asyncio.CancelledError:
                    continue
        elif fault == "swallows_cancellation_and_finishes_late":
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                await asyncio.sleep(0.3)

    callback.__qualname__ = name
    return callback


async def settle_orphans(release: asyncio.Event) -> None:
    """Let the test's own abandoned callbacks go, so nothing outlives the test."""
    release.set()
    for _ in range(3):
        if not pending_tasks():
            return
        await asyncio.wait(pending_tasks(), timeout=1)
    assert pending_tasks() == []
