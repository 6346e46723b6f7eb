"""The controller's own flush (``InterruptionController(flush=...)``): the flush chain with no
processor of its own, started where the interruption is decided."""

import asyncio

import pytest
from conftest import pending_tasks
from pipecat.frames.frames import InterruptionFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipeline_helpers import FrameRecorder, LoggingFlushable, cancelled_into, flush_outcomes

from pipecat_interrupts import (
    EmergencyStopFrame,
    FlushCoordinator,
    FlushFrame,
    FlushSettings,
    InterruptibleTaskRegistry,
    InterruptionController,
    InterruptionMetricsObserver,
    StateSnapshotter,
    decision_of,
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
from pipecat_interrupts.wiring import flatten

pytestmark = pytest.mark.virtual_time

LONG_ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen."


def barge_in(**kwargs):
    return build_voice_pipeline(
        user=ScriptedUser([WaitForBot(), Pause(0.3), Utterance("wait stop", word_secs=0.02)]),
        llm=FakeLLMService(replies=[LONG_ANSWER, "Sure."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        **kwargs,
    )


async def test_a_barge_in_is_flushed_both_ways_by_the_controller_itself():
    controller = InterruptionController(flush=True)
    snapshotter = StateSnapshotter(backchannel_judge=controller.judge)
    top, middle, tail = (
        LoggingFlushable(name="top"),
        LoggingFlushable(name="middle"),
        LoggingFlushable(name="tail"),
    )
    reports, done = flush_outcomes(controller)
    decisions: list = []
    controller.add_event_handler("on_interruption", lambda _, d: decisions.append(d))
    metrics = InterruptionMetricsObserver(log_summary=False)
    vp = barge_in(
        controller=controller,
        snapshotter=snapshotter,
        before_user_aggregator=[top],
        before_tts=[middle],
        after_output=[tail],
        observers=[metrics],
    )
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(10):
            await done.wait()
        await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=10)
    (report,) = reports
    assert report.completed, report
    assert report.reason == decisions[0].reason  # the decision's reason, not "interruption"
    # Up from the controller to "top"; down through aggregator, LLM, TTS and output.
    assert [step.processor for step in report.upstream_trail] == ["top"]
    assert [step.processor for step in report.downstream_trail] == ["middle", "tail"]
    assert top.directions == [FrameDirection.UPSTREAM]
    assert tail.directions == [FrameDirection.DOWNSTREAM]
    assert controller.flush_reports == [report]
    # The snapshot of the cut reply names the flush that cleaned up after it.
    assert snapshotter.latest_snapshot is not None
    assert snapshotter.latest_snapshot.flush_id == report.flush_id
    assert not any(isinstance(p, FlushCoordinator) for p in flatten(vp.pipeline))
    # Its completion (pushed upstream by the controller) reaches the metrics all the same.
    assert metrics.records[0].flush_secs == report.elapsed_secs


async def test_the_flush_cancels_your_tasks_after_the_interruption_reached_the_output():
    events: list[str] = []
    registry = InterruptibleTaskRegistry()
    controller = InterruptionController(flush=FlushSettings(task_registry=registry))
    assert controller.flush_runner is not None
    assert controller.flush_runner.task_registry is registry  # yours, even while empty
    vp = barge_in(controller=controller)

    async def at_output(_, frame):
        if isinstance(frame, InterruptionFrame):
            events.append("interruption at the output")

    vp.output.add_event_handler("on_before_process_frame", at_output)
    reports, done = flush_outcomes(controller)
    cancelled: list = []
    controller.add_event_handler("on_tasks_cancelled", lambda _, r: cancelled.append(r))
    async with vp:
        registry.create_task(cancelled_into(events), name="prefetch")
        durable = registry.create_task(asyncio.sleep(3600), cancel_on_interruption=False)
        await vp.start_bot_turn()
        async with asyncio.timeout(10):
            await done.wait()
        assert not durable.done()
    assert durable.cancelled()  # at the pipeline's end
    assert events[:2] == ["interruption at the output", "prefetch cancelled"]
    assert reports[0].tasks.cancelled == ("prefetch",)
    assert cancelled[0].cancelled == ("prefetch",)
    assert pending_tasks() == []


async def test_an_emergency_stop_is_flushed_by_the_controller():
    controller = InterruptionController(flush=True)
    reports, done = flush_outcomes(controller)
    recorder = FrameRecorder(name="recorder")
    vp = build_voice_pipeline(
        controller=controller,
        llm=FakeLLMService(replies=[LONG_ANSWER], token_delay_secs=0.05),
        tts=FakeTTSService(secs_per_word=0.05),
        after_output=[recorder],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_for_audio(0.1)
        await vp.queue_frame(EmergencyStopFrame(reason="caller in distress"))
        async with asyncio.timeout(5):
            await done.wait()
    assert reports[0].reason == "emergency_stop" and reports[0].completed
    flushes = recorder.of_type(FlushFrame)
    assert [f.flush_id for f in flushes] == [reports[0].flush_id]
    (interruption,) = recorder.of_type(InterruptionFrame)
    assert decision_of(interruption) is not None


async def test_a_coordinator_after_a_flushing_controller_does_not_flush_again():
    controller = InterruptionController(flush=True)
    coordinator = FlushCoordinator()
    recorder = FrameRecorder(name="recorder")
    reports, done = flush_outcomes(controller)
    vp = barge_in(
        controller=controller, after_user_aggregator=[coordinator], after_output=[recorder]
    )
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(10):
            await done.wait()
        await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=10)
    assert len(recorder.of_type(FlushFrame)) == 1
    assert coordinator.reports == []
    assert len(reports) == 1


@pytest.mark.parametrize(
    ("make", "parameter", "error"),
    [
        (lambda: InterruptionController(flush="yes"), "flush", TypeError),
        (lambda: InterruptionController(flush=None), "flush", TypeError),
        (lambda: FlushSettings(flush_timeout_secs=-1), "flush_timeout_secs", ValueError),
        (
            lambda: FlushSettings(task_cancel_timeout_secs=float("nan")),
            "task_cancel_timeout_secs",
            ValueError,
        ),
        (lambda: FlushSettings(task_registry=object()), "task_registry", TypeError),
    ],
)
def test_bad_flush_configuration_fails_naming_the_parameter(make, parameter, error):
    with pytest.raises(error, match=parameter):
        make()


def test_without_flush_the_controller_reports_no_flushes():
    controller = InterruptionController()
    assert controller.flush_runner is None
    assert controller.flush_reports == []


class DropsInterruptions(FrameProcessor):
    """A processor that (wrongly) swallows interruptions going down."""

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if not (isinstance(frame, InterruptionFrame) and direction == FrameDirection.DOWNSTREAM):
            await self.push_frame(frame, direction)


async def test_an_interruption_that_never_reaches_the_output_is_flushed_after_the_deadline():
    controller = InterruptionController(flush=FlushSettings(flush_timeout_secs=0.3))
    reports, done = flush_outcomes(controller)
    vp = barge_in(controller=controller, before_tts=[DropsInterruptions(name="dropper")])
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(10):
            await done.wait()
    (report,) = reports[:1]
    assert report.completed  # both FlushFrames still went out and reached their ends
    assert report.elapsed_secs >= 0.29  # started at the deadline (0.3 s), not at the output
    assert vp.output.interruptions == []  # the interruption indeed never arrived there
