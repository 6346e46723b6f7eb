"""UserCodeRunner: a deadline that holds whatever the callback does."""

import asyncio

import pytest

from pipecat_interrupts._deadlines import CallOutcome, UserCodeRunner

pytestmark = pytest.mark.virtual_time


async def _swallows_cancellation_and_hangs() -> bool:
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            continue


async def _swallows_cancellation_and_finishes_late() -> bool:
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        await asyncio.sleep(0.05)
    return True


async def _hangs_cooperatively() -> bool:
    await asyncio.sleep(3600)
    return True


async def _raises() -> bool:
    raise RuntimeError("boom")


async def test_a_completed_callback_returns_its_value() -> None:
    runner = UserCodeRunner("test")
    result = await runner.call(lambda: True, deadline_secs=0.1)
    assert result.outcome is CallOutcome.COMPLETED and result.value is True

    async def coroutine(x: int) -> int:
        return x + 1

    result = await runner.call(coroutine, 41, deadline_secs=0.1)
    assert result.ok and result.value == 42


@pytest.mark.parametrize(
    "callback",
    [_swallows_cancellation_and_finishes_late, _hangs_cooperatively],
)
async def test_the_deadline_holds_whatever_the_callback_does(callback) -> None:
    runner = UserCodeRunner("test")
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await runner.call(callback, deadline_secs=0.02)
    assert result.outcome is CallOutcome.TIMED_OUT
    assert loop.time() - started < 0.5
    await runner.close(grace_secs=0.1)


async def test_a_raising_callback_is_contained_and_named(log_records) -> None:
    runner = UserCodeRunner("owner")
    result = await runner.call(_raises, deadline_secs=0.1)
    sync = await runner.call(lambda: 1 / 0, deadline_secs=0.1, name="divider")
    assert result.outcome is CallOutcome.RAISED and isinstance(result.error, RuntimeError)
    assert sync.outcome is CallOutcome.RAISED and isinstance(sync.error, ZeroDivisionError)
    assert any("divider" in r["message"] and r["level"].name == "WARNING" for r in log_records)


async def test_close_reports_a_callback_that_ignores_cancellation() -> None:
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await released.wait()
            except asyncio.CancelledError:
                continue

    runner = UserCodeRunner("owner")
    result = await runner.call(stubborn, deadline_secs=0.01, name="stubborn")
    assert result.outcome is CallOutcome.TIMED_OUT and runner.abandoned == 1
    assert await runner.close(grace_secs=0.02) == ["stubborn"]
    released.set()
    await asyncio.sleep(0)
    assert await runner.close(grace_secs=0.1) == []


async def test_cancelling_the_caller_propagates_and_abandons_the_callback() -> None:
    runner = UserCodeRunner("owner")
    caller = asyncio.create_task(runner.call(_hangs_cooperatively, deadline_secs=10))
    await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert await runner.close(grace_secs=0.1) == []
