"""Fault injection at every place the flush chain calls user code.

Each site gets four broken callbacks: one that raises, one that hangs cooperatively, one
that swallows its cancellation and hangs, and one that swallows it and finishes late. In
each case the barge-in and its flush land, the next turn is answered, the pipeline ends
by itself (no forced cancel), and the warning names the callback. A callback that ignored
its cancellation is reported again when the pipeline ends.
"""

import asyncio

import pytest
from faults import FAULTS, faulty, settle_orphans
from pipecat.frames.frames import InterruptionFrame
from pipeline_helpers import FrameRecorder, flush_outcomes, running_pipeline

from pipecat_interrupts import (
    FlushCoordinator,
    FlushFrame,
    FlushHookProcessor,
    InterruptibleTaskRegistry,
)
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

pytestmark = pytest.mark.virtual_time

LONG_ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen."

ABANDONED_AT_END = "ignored cancellation and are still running at the end"


def warnings_naming(log_records: list, name: str) -> list[str]:
    return [r["message"] for r in log_records if r["level"].name == "WARNING" and name in r["message"]]


def assert_ended_by_itself(log_records: list) -> None:
    forced = [r["message"] for r in log_records if "did not end" in r["message"]]
    assert forced == [], forced


def barge_in_pipeline(**kwargs):
    return build_voice_pipeline(
        user=ScriptedUser([WaitForBot(), Pause(0.2), Utterance("hold on please")]),
        llm=FakeLLMService(replies=[LONG_ANSWER, "Sure, go ahead."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        **kwargs,
    )


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_broken_flush_cleanup_hook_is_cut_at_its_deadline(fault, log_records):
    release = asyncio.Event()
    hook = FlushHookProcessor(
        faulty(fault, "clear_prefetch_cache", release), name="cache-flush", flush_timeout_secs=0.1
    )
    coordinator = FlushCoordinator(flush_timeout_secs=1.0)
    reports, done = flush_outcomes(coordinator)
    vp = barge_in_pipeline(after_user_aggregator=[coordinator], before_tts=[hook])
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(5):
            await done.wait()
        assert await vp.output.wait_until(lambda: "go ahead" in vp.output.spoken_text, timeout=8)

    assert vp.output.interruptions
    [report] = reports
    assert report.completed  # both ends reached within the coordinator's 1 s deadline
    [step] = [s for s in report.downstream_trail if s.processor == "cache-flush"]
    assert step.outcome == ("error" if fault == "raises" else "timeout")
    assert warnings_naming(log_records, "cleanup clear_prefetch_cache")
    assert_ended_by_itself(log_records)
    reported_at_end = [m for m in warnings_naming(log_records, ABANDONED_AT_END) if "clear_prefetch_cache" in m]
    assert bool(reported_at_end) == (fault == "swallows_cancellation_and_hangs")
    await settle_orphans(release)


@pytest.mark.parametrize("event", ["on_flush_started", "on_tasks_cancelled", "on_flush_completed"])
@pytest.mark.parametrize("fault", FAULTS)
async def test_a_broken_coordinator_event_handler_never_holds_the_flush_or_the_end(event, fault, log_records):
    release = asyncio.Event()
    coordinator = FlushCoordinator(event_handler_timeout_secs=0.1)
    coordinator.add_event_handler(event, faulty(fault, "notify_dashboard", release))
    reports, done = flush_outcomes(coordinator)
    vp = barge_in_pipeline(after_user_aggregator=[coordinator])
    async with vp:
        coordinator.task_registry.create_task(asyncio.sleep(3600), name="prefetch")
        await vp.start_bot_turn()
        async with asyncio.timeout(5):
            await done.wait()
        assert await vp.output.wait_until(lambda: "go ahead" in vp.output.spoken_text, timeout=8)

    assert vp.output.interruptions
    assert reports[0].completed and reports[0].tasks.cancelled == ("prefetch",)
    assert warnings_naming(log_records, f"{event} handler notify_dashboard")
    assert_ended_by_itself(log_records)
    reported_at_end = [m for m in warnings_naming(log_records, ABANDONED_AT_END) if "notify_dashboard" in m]
    assert bool(reported_at_end) == (fault == "swallows_cancellation_and_hangs")
    await settle_orphans(release)


async def test_the_flush_goes_on_while_a_handler_still_runs():
    coordinator = FlushCoordinator(event_handler_timeout_secs=5)
    calls: list[str] = []
    gate = asyncio.Event()

    async def slow(_coordinator, _flush):
        calls.append("slow")
        await gate.wait()

    coordinator.add_event_handler("on_flush_started", slow)
    coordinator.add_event_handler("on_flush_started", lambda _c, _f: calls.append("quick"))
    recorder = FrameRecorder(name="recorder")
    async with running_pipeline([coordinator, recorder]) as worker:
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(FlushFrame)  # the flush went on while "slow" still waits
        gate.set()
    assert sorted(calls) == ["quick", "slow"]


async def test_a_shared_registry_still_empty_at_construction_is_the_one_used():
    registry = InterruptibleTaskRegistry(name="shared")
    coordinator = FlushCoordinator(task_registry=registry)
    assert coordinator.task_registry is registry
    reports, done = flush_outcomes(coordinator)
    async with running_pipeline([coordinator]) as worker:
        stream = registry.create_task(asyncio.sleep(3600), name="stream")
        durable = registry.create_task(asyncio.sleep(3600), name="durable", cancel_on_interruption=False)
        await worker.queue_frame(InterruptionFrame())
        async with asyncio.timeout(5):
            await done.wait()
        assert stream.cancelled() and not durable.done()
        assert reports[0].tasks.cancelled == ("stream",)
    assert durable.cancelled()  # at pipeline end
    assert len(registry) == 0


async def test_the_interruption_is_forwarded_before_the_flush_work_starts():
    # A registered task that ignores its cancellation holds the cancellation round for its
    # whole deadline; the InterruptionFrame must already be past the coordinator by then.
    release = asyncio.Event()
    coordinator = FlushCoordinator(task_cancel_timeout_secs=1.0)
    recorder = FrameRecorder(name="recorder")
    async with running_pipeline([coordinator, recorder]) as worker:
        stubborn = coordinator.task_registry.create_task(
            faulty("swallows_cancellation_and_hangs", "stubborn", release)(), name="stubborn"
        )
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(InterruptionFrame)
        await recorder.wait_for(FlushFrame)  # the downstream FlushFrame follows right behind
        assert coordinator.reports == []  # ...while the cancellation round is still under way
    assert not stubborn.done()
    await settle_orphans(release)
