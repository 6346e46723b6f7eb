"""The flush chain: FlushCoordinator, the flush protocol, and task cancellation."""

import asyncio

import pytest
from conftest import pending_tasks
from pipecat.frames.frames import (
    EndFrame,
    InterruptionFrame,
    LLMTextFrame,
    TextFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipeline_helpers import (
    FrameRecorder,
    LoggingFlushable,
    cancelled_into,
    flush_outcomes,
    running_pipeline,
)

from pipecat_interrupts import (
    AgentHandoffFrame,
    EmergencyStopFrame,
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


async def test_flush_reaches_both_ends_through_aggregator_tts_and_output():
    log: list = []
    top = LoggingFlushable(log, name="top")
    middle = LoggingFlushable(log, name="middle")
    tail = LoggingFlushable(log, name="tail")
    coordinator = FlushCoordinator()
    reports, done = flush_outcomes(coordinator)
    user = ScriptedUser([WaitForBot(), Pause(0.2), Utterance("hold on please")])
    vp = build_voice_pipeline(
        user=user,
        llm=FakeLLMService(replies=[LONG_ANSWER], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        before_user_aggregator=[top],
        after_user_aggregator=[coordinator],
        before_tts=[middle],
        after_output=[tail],
    )
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(5):
            await done.wait()

    report = reports[0]
    assert report.completed, report
    assert report.reason == "interruption"
    assert report.upstream_secs is not None and report.downstream_secs is not None
    # Upstream copy passed the user aggregator to reach "top"; downstream copy passed
    # the LLM, TTS and output transport to reach "middle" then "tail".
    assert [step.processor for step in report.upstream_trail] == ["top"]
    assert [step.processor for step in report.downstream_trail] == ["middle", "tail"]
    assert top.directions == [FrameDirection.UPSTREAM]
    assert tail.directions == [FrameDirection.DOWNSTREAM]
    assert len(coordinator.reports) == 1  # one flush for one interruption


async def test_cleanup_runs_before_the_flush_moves_on():
    log: list = []
    flushable = LoggingFlushable(log, name="flushable")
    recorder = FrameRecorder(log, name="recorder")
    coordinator = FlushCoordinator()
    async with running_pipeline([coordinator, flushable, recorder]) as worker:
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(FlushFrame)
    flush_events = [entry for entry in log if entry[2] in ("FlushFrame",) or entry[1] == "cleanup"]
    assert flush_events[0][:2] == ("flushable", "cleanup")
    assert flush_events[1] == ("recorder", "received", "FlushFrame")


async def test_raising_and_hanging_cleanups_do_not_stop_the_flush():
    async def hang(_frame):
        await asyncio.sleep(3600)

    def explode(_frame):
        raise RuntimeError("cleanup bug")

    hanging = FlushHookProcessor(hang, name="hanging", flush_timeout_secs=0.05)
    raising = FlushHookProcessor(explode, name="raising")
    recorder = FrameRecorder(name="recorder")
    coordinator = FlushCoordinator(flush_timeout_secs=2.0)
    reports, done = flush_outcomes(coordinator)
    async with running_pipeline([coordinator, hanging, raising, recorder]) as worker:
        await worker.queue_frame(InterruptionFrame())
        async with asyncio.timeout(5):
            await done.wait()

    report = reports[0]
    assert report.completed
    outcomes = {step.processor: step.outcome for step in report.downstream_trail}
    assert outcomes == {"hanging": "timeout", "raising": "error"}
    error_step = next(s for s in report.downstream_trail if s.processor == "raising")
    assert "cleanup bug" in error_step.error
    assert len(recorder.of_type(FlushFrame)) == 1


async def test_registered_tasks_are_cancelled_on_interruption_and_at_pipeline_end():
    coordinator = FlushCoordinator()
    registry = coordinator.task_registry
    cancelled_reports: list = []
    coordinator.add_event_handler("on_tasks_cancelled", lambda _, r: cancelled_reports.append(r))
    reports, done = flush_outcomes(coordinator)
    async with running_pipeline([coordinator]) as worker:
        interruptible = registry.create_task(asyncio.sleep(3600), name="stream")
        durable = registry.create_task(
            asyncio.sleep(3600), name="background", cancel_on_interruption=False
        )
        await worker.queue_frame(InterruptionFrame())
        async with asyncio.timeout(5):
            await done.wait()
        assert interruptible.cancelled()
        assert not durable.done()
        assert reports[0].tasks.cancelled == ("stream",)
    assert durable.cancelled()  # cancelled when the EndFrame passed
    assert [r.cancelled for r in cancelled_reports] == [("stream",), ("background",)]
    assert pending_tasks() == []


async def test_task_that_swallows_its_cancellation_is_reported():
    registry = InterruptibleTaskRegistry(cancel_timeout_secs=0.1)
    release = asyncio.Event()

    async def stubborn():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            return "ignored"  # the bug we want reported

    async def stuck():
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue

    async def polite():
        await asyncio.sleep(3600)

    registry.create_task(stubborn(), name="stubborn")
    stuck_task = registry.create_task(stuck(), name="stuck")
    registry.create_task(polite(), name="polite")
    await asyncio.sleep(0)
    report = await registry.cancel_interruptible("barge-in")
    assert report.cancelled == ("polite",)
    assert report.swallowed == ("stubborn",)
    assert report.stuck == ("stuck",)
    assert not report.clean
    release.set()
    await stuck_task
    assert len(registry) == 0


async def test_no_output_from_cancelled_work_reaches_the_pipeline_after_the_flush():
    coordinator = FlushCoordinator()
    recorder = FrameRecorder(name="recorder")
    produced_after_cancel = []

    async def produce_tokens():
        n = 0
        try:
            while True:
                await coordinator.push_frame(LLMTextFrame(f"tok{n} "))
                n += 1
                await asyncio.sleep(0.002)
        except asyncio.CancelledError:
            produced_after_cancel.append(n)
            raise

    reports, done = flush_outcomes(coordinator)
    async with running_pipeline([coordinator, recorder]) as worker:
        producer = coordinator.task_registry.create_task(produce_tokens(), name="producer")
        await recorder.wait_for(LLMTextFrame, count=5)
        await worker.queue_frame(InterruptionFrame())
        async with asyncio.timeout(5):
            await done.wait()
        tokens_at_flush = len(recorder.of_type(LLMTextFrame))
        await worker.queue_frame(TextFrame("marker after flush"))
        await recorder.wait_for(TextFrame, count=tokens_at_flush + 1)
    assert producer.cancelled()
    kinds = [type(f).__name__ for d, f in recorder.frames if d == FrameDirection.DOWNSTREAM]
    flush_at = kinds.index("FlushFrame")
    assert "LLMTextFrame" not in kinds[flush_at:]
    assert kinds[flush_at:].count("TextFrame") == 1  # the marker: the pipeline still flows


async def test_bot_output_generated_before_the_flush_is_dropped_if_it_arrives_after():
    coordinator = FlushCoordinator()
    recorder = FrameRecorder(name="recorder")
    stale = LLMTextFrame("stale token ")
    async with running_pipeline([coordinator, recorder]) as worker:
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(FlushFrame)
        await worker.queue_frame(stale)
        fresh = LLMTextFrame("fresh token ")
        await worker.queue_frame(fresh)
        await recorder.wait_for(LLMTextFrame)
    texts = [f.text for f in recorder.of_type(LLMTextFrame)]
    assert texts == ["fresh token "]
    assert coordinator.residual_frames_dropped == 1


async def test_emergency_stop_flushes_and_silences_the_bot_without_user_speech():
    coordinator = FlushCoordinator()
    reports, done = flush_outcomes(coordinator)
    llm = FakeLLMService(replies=[LONG_ANSWER], token_delay_secs=0.05)
    vp = build_voice_pipeline(
        llm=llm,
        tts=FakeTTSService(secs_per_word=0.05),
        after_user_aggregator=[coordinator],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_for_audio(0.1)
        await vp.queue_frame(EmergencyStopFrame(reason="caller in distress"))
        async with asyncio.timeout(5):
            await done.wait()
        assert await vp.output.wait_until(lambda: vp.output.interruptions, timeout=2)
        played_at_stop = vp.output.played_secs
    assert reports[0].reason == "emergency_stop"
    assert reports[0].completed
    assert llm.cancelled_runs, "the LLM stream was still running and must be cancelled"
    full_secs = 0.05 * len(LONG_ANSWER.split())
    assert played_at_stop < full_secs
    assert vp.output.played_secs - played_at_stop <= 0.1  # at most the chunks in flight


async def test_repeated_and_sibling_frames_make_one_flush():
    coordinator = FlushCoordinator()
    recorder = FrameRecorder(name="recorder")
    handoff = AgentHandoffFrame(target="billing")
    async with running_pipeline([coordinator, recorder]) as worker:
        await worker.queue_frame(handoff)
        await recorder.wait_for(FlushFrame)
        # The coordinator's own interruption broadcast must not start a second flush.
        await worker.queue_frame(TextFrame("barrier"))
        await recorder.wait_for(TextFrame)
    assert len(recorder.of_type(FlushFrame)) == 1
    assert recorder.of_type(FlushFrame)[0].reason == "agent_handoff"
    assert len(recorder.of_type(InterruptionFrame)) == 1


@pytest.mark.parametrize(
    ("kwargs", "parameter", "error"),
    [
        ({"event_types": [str]}, "event_types", TypeError),
        ({"event_types": ["EmergencyStopFrame"]}, "event_types", TypeError),
        ({"flush_timeout_secs": -1}, "flush_timeout_secs", ValueError),
        ({"task_cancel_timeout_secs": 0}, "task_cancel_timeout_secs", ValueError),
        ({"flush_timeout_secs": "2"}, "flush_timeout_secs", TypeError),
        ({"task_registry": object()}, "task_registry", TypeError),
        ({"residual_frame_types": [int]}, "residual_frame_types", TypeError),
    ],
)
def test_bad_coordinator_configuration_fails_naming_the_parameter(kwargs, parameter, error):
    with pytest.raises(error, match=parameter):
        FlushCoordinator(**kwargs)


def test_bad_flush_hook_configuration_fails_naming_the_parameter():
    with pytest.raises(ValueError, match="flush_timeout_secs"):
        FlushHookProcessor(lambda f: None, flush_timeout_secs=-0.5)
    with pytest.raises(TypeError, match="cleanup"):
        FlushHookProcessor("not callable")
    with pytest.raises(ValueError, match="cancel_timeout_secs"):
        InterruptibleTaskRegistry(cancel_timeout_secs=-1)


async def test_pipeline_end_leaves_no_coordinator_tasks_behind():
    coordinator = FlushCoordinator()
    async with running_pipeline([coordinator]) as worker:
        coordinator.task_registry.create_task(asyncio.sleep(3600), name="orphan")
        await worker.queue_frame(InterruptionFrame())
        await worker.queue_frame(EndFrame())
    assert len(coordinator.task_registry) == 0
    assert pending_tasks() == []


class FlushSwallower(FrameRecorder):
    """A broken processor that drops FlushFrames instead of forwarding them."""

    async def process_frame(self, frame, direction):
        if isinstance(frame, FlushFrame):
            await FrameProcessor.process_frame(self, frame, direction)
            return
        await super().process_frame(frame, direction)


async def test_flush_that_never_reaches_an_end_is_reported_as_timed_out():
    coordinator = FlushCoordinator(flush_timeout_secs=0.1)
    timeouts: list = []
    done = asyncio.Event()

    async def on_timeout(_, report):
        timeouts.append(report)
        done.set()

    coordinator.add_event_handler("on_flush_timeout", on_timeout)
    async with running_pipeline([coordinator, FlushSwallower(name="broken")]) as worker:
        await worker.queue_frame(InterruptionFrame())
        async with asyncio.timeout(5):
            await done.wait()
    report = timeouts[0]
    assert not report.completed
    assert report.upstream_secs is not None  # the upstream end answered
    assert report.downstream_secs is None  # the downstream end never did


async def test_cancel_frame_cancels_registered_tasks():
    coordinator = FlushCoordinator()
    async with running_pipeline([coordinator]) as worker:
        task = coordinator.task_registry.create_task(
            asyncio.sleep(3600), name="durable", cancel_on_interruption=False
        )
        await worker.cancel(reason="caller hung up")
        await asyncio.wait([task], timeout=5)
    assert task.cancelled()


async def test_the_flush_work_waits_until_the_interruption_reached_the_output():
    # The downstream FlushFrame rides right behind the InterruptionFrame; your tasks'
    # cancellation and the upstream FlushFrame wait until the interruption has reached the
    # output transport, so they never compete with the LLM's cancellation or the output's stop.
    events: list[str] = []
    coordinator = FlushCoordinator()
    top = FrameRecorder(name="top", enable_direct_mode=True)
    vp = build_voice_pipeline(
        user=ScriptedUser([WaitForBot(), Pause(0.3), Utterance("wait", word_secs=0.02)]),
        llm=FakeLLMService(replies=[LONG_ANSWER, "Sure."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        before_user_aggregator=[top],
        after_user_aggregator=[coordinator],
    )

    async def at_output(_, frame):
        if isinstance(frame, InterruptionFrame):
            events.append("interruption at the output")

    vp.output.add_event_handler("on_before_process_frame", at_output)
    reports, done = flush_outcomes(coordinator)
    async with vp:
        coordinator.task_registry.create_task(cancelled_into(events), name="prefetch")
        await vp.start_bot_turn()
        async with asyncio.timeout(10):
            await done.wait()
    upstream = [
        f for d, f in top.frames if isinstance(f, FlushFrame) and d == FrameDirection.UPSTREAM
    ]
    assert len(upstream) == 1 and reports[0].completed
    assert events[:2] == ["interruption at the output", "prefetch cancelled"]
    assert reports[0].tasks.cancelled == ("prefetch",)



class BroadcastsOnCue(FrameProcessor):
    """Broadcasts an interruption (both ways, from below the coordinator) on a cue frame."""

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, TextFrame) and frame.text == "cue":
            await self.broadcast_interruption()
        else:
            await self.push_frame(frame, direction)


async def test_a_coordinator_meeting_the_upstream_sibling_first_awaits_the_copy_going_down():
    # The interruption is broadcast below the coordinator: its upstream copy reaches the
    # coordinator, its downstream copy the output. The flush goes out when that copy reached
    # the output, not at the deadline waiting for a copy that never goes there.
    coordinator = FlushCoordinator(flush_timeout_secs=1.0)
    reports, done = flush_outcomes(coordinator)
    vp = build_voice_pipeline(
        llm=FakeLLMService(replies=[LONG_ANSWER], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        after_user_aggregator=[coordinator],
        before_tts=[BroadcastsOnCue(name="broadcaster")],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_for_audio(0.1)
        await vp.queue_frame(TextFrame("cue"))
        async with asyncio.timeout(5):
            await done.wait()
    assert reports[0].completed
    assert vp.output.interruptions  # the downstream copy reached the output
    assert reports[0].elapsed_secs < 0.5  # well before the 1 s deadline
