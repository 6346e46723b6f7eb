"""InterruptionMetricsObserver measures every barge-in (no timing thresholds asserted)."""

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    InterruptionFrame,
    MetricsFrame,
    TTSAudioRawFrame,
)
from pipecat.observers.base_observer import FrameProcessed, FramePushed
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipeline_helpers import FrameRecorder

from pipecat_interrupts import (
    FlushCompletedFrame,
    FlushCoordinator,
    FlushFrame,
    InterruptionController,
    PhraseInterruptionDetector,
    StateSnapshotter,
    TextInterruptionDetector,
    VADInterruptionDetector,
)
from pipecat_interrupts.metrics import (
    InterruptionMetricsData,
    InterruptionMetricsObserver,
    percentile,
)
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    MockOutputTransport,
    Noise,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen."


def interruption_metrics(recorder: FrameRecorder) -> list[InterruptionMetricsData]:
    return [d for f in recorder.of_type(MetricsFrame) for d in f.data if isinstance(d, InterruptionMetricsData)]


async def test_metrics_for_a_phrase_barge_in_and_a_false_interruption():
    metrics = InterruptionMetricsObserver(push_metrics_frames=True)
    recorder = FrameRecorder()
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=0.3)
    metrics.watch_snapshotter(snapshotter)
    controller = InterruptionController(
        detectors=[PhraseInterruptionDetector(), TextInterruptionDetector(), VADInterruptionDetector(min_speech_secs=0.15)]
    )
    steps = [WaitForBot(), Pause(0.2), Noise(0.25), WaitForBot(speaking=False), WaitForBot(), Pause(0.1), Utterance("stop")]
    vp = build_voice_pipeline(
        controller=controller,
        snapshotter=snapshotter,
        user=ScriptedUser(steps),
        llm=FakeLLMService(replies=[ANSWER, "Sure."], token_delay_secs=0.003),
        tts=FakeTTSService(secs_per_word=0.04),
        after_user_aggregator=[FlushCoordinator()],
        after_output=[recorder],
        observers=[metrics],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=8)
        await recorder.wait_for(MetricsFrame, count=2, timeout=3)

    assert [r.reason for r in metrics.records] == ["vad", "vad"]
    assert metrics.false_interruptions == 1
    for record in metrics.records:
        assert record.onset_at is not None and record.onset_to_output_secs >= 0
        assert record.decision_to_output_secs >= 0
        assert record.decision_to_silence_secs >= record.decision_to_output_secs
        assert 0 <= record.output_to_silence_secs <= record.decision_to_silence_secs
        assert record.flush_secs is not None and record.flush_secs > 0
    first = metrics.records[0]
    assert 0 < first.spoken_chars < first.generated_chars <= len(ANSWER) + 1
    summary = metrics.summary()
    assert summary["interruptions"] == 2 and summary["by_reason"] == {"vad": 2}
    assert summary["false_interruptions"] == 1
    assert summary["flush_ms"]["n"] == 2 and summary["decision_to_silence_ms"]["p95"] >= 0
    assert summary["output_to_silence_ms"]["n"] == 2
    # Each settled barge-in also travelled the pipeline as a Pipecat MetricsFrame, once.
    pushed = interruption_metrics(recorder)
    assert [d.reason for d in pushed] == ["vad", "vad"]
    assert [d.flush for d in pushed] == [r.flush_secs for r in metrics.records]
    assert [d.spoken_chars for d in pushed] == [r.spoken_chars for r in metrics.records]
    assert all(d.processor == metrics.name for d in pushed)


async def test_metrics_work_on_plain_pipecat_too():
    metrics = InterruptionMetricsObserver(push_metrics_frames=True)
    recorder = FrameRecorder()
    vp = build_voice_pipeline(
        user=ScriptedUser([WaitForBot(), Pause(0.2), Utterance("wait")]),
        llm=FakeLLMService(replies=[ANSWER, "Yes?"], token_delay_secs=0.003),
        tts=FakeTTSService(secs_per_word=0.04),
        after_output=[recorder],
        observers=[metrics],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Yes?" in vp.output.spoken_text, timeout=8)
        await recorder.wait_for(MetricsFrame, timeout=3)
    assert [r.reason for r in metrics.records] == ["interruption"]
    record = metrics.records[0]
    assert record.detection_to_decision_secs == 0.0 and record.flush_secs is None
    assert record.onset_to_output_secs is not None
    assert 0 < record.spoken_chars < record.generated_chars
    assert [d.reason for d in interruption_metrics(recorder)] == ["interruption"]


async def test_no_metrics_frames_unless_asked():
    metrics = InterruptionMetricsObserver()
    recorder = FrameRecorder()
    vp = build_voice_pipeline(
        user=ScriptedUser([WaitForBot(), Pause(0.2), Utterance("wait")]),
        llm=FakeLLMService(replies=[ANSWER, "Yes?"], token_delay_secs=0.003),
        tts=FakeTTSService(secs_per_word=0.04),
        after_output=[recorder],
        observers=[metrics],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Yes?" in vp.output.spoken_text, timeout=8)
    assert len(metrics.records) == 1 and interruption_metrics(recorder) == []


def test_percentile_is_nearest_rank():
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([float(n) for n in range(1, 101)], 0.95) == 95.0
    assert percentile([5.0], 0.95) == 5.0


class _Worker:
    """Stands in for the pipeline worker the observer queues its MetricsFrames on."""

    def __init__(self):
        self.queued: list[MetricsFrame] = []

    async def queue_frame(self, frame):
        self.queued.append(frame)


class _Controller:
    """A pushing processor outside a pipeline (no clock: the observer uses its own)."""

    def __init__(self, worker: _Worker):
        self.pipeline_worker = worker


async def test_a_chunk_played_late_neither_settles_the_record_early_nor_lends_it_new_audio():
    # Pipecat's output transport can play a chunk queued before the interruption and
    # report the bot speaking again (see BotSpeakingGuard). That start is not new speech:
    # the record settles when its flush completes, and audio queued after the
    # interruption (the next reply's) is not the cut reply's last audio.
    metrics = InterruptionMetricsObserver(push_metrics_frames=True, log_summary=False)
    worker = _Worker()
    controller, transport, sink = _Controller(worker), MockOutputTransport(), FrameProcessor()

    async def push(frame, source=transport):
        await metrics.on_push_frame(FramePushed(source, sink, frame, FrameDirection.DOWNSTREAM, 0))

    def audio():
        return TTSAudioRawFrame(audio=b"\x10\x00" * 320, sample_rate=16000, num_channels=1)

    await push(BotStartedSpeakingFrame())
    late = audio()
    interruption = InterruptionFrame()
    await push(interruption, source=controller)
    await metrics.on_process_frame(FrameProcessed(transport, interruption, FrameDirection.DOWNSTREAM, 0))
    await push(FlushFrame(), source=controller)
    await push(BotStoppedSpeakingFrame())
    await push(BotStartedSpeakingFrame())  # the transport, for the late chunk
    await push(late)
    late_at = metrics.records[0].last_audio_at
    await push(audio())  # the next reply, with no start of its own from the transport
    assert worker.queued == []  # not settled yet: the flush is still under way
    await push(FlushCompletedFrame(flush_id="f", reason="vad", completed=True, elapsed_secs=0.002), source=controller)

    [frame] = worker.queued
    [data] = frame.data
    assert data.flush == 0.002
    assert late_at is not None and metrics.records[0].last_audio_at == late_at
