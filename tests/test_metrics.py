"""InterruptionMetricsObserver measures every barge-in (no timing thresholds asserted)."""

import pytest
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    MetricsFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
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

pytestmark = pytest.mark.virtual_time

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
        # Measured (not None); on virtual time an unblocked flush takes zero seconds.
        assert record.flush_secs is not None and record.flush_secs >= 0
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


class _FrozenClock:
    """A pipeline clock that reads 0: push stamps are then exact offsets from the start."""

    def get_time(self) -> int:
        return 0


FROZEN_CLOCK = _FrozenClock()


class _ClockedProcessor(FrameProcessor):
    def get_clock(self):
        return FROZEN_CLOCK


class _ClockedOutput(MockOutputTransport):
    def get_clock(self):
        return FROZEN_CLOCK


class _Timeline:
    """Feeds the observer a known timeline (times in seconds from the pipeline start)."""

    def __init__(self, metrics: InterruptionMetricsObserver):
        self.metrics = metrics
        self.user, self.output, self.sink = _ClockedProcessor(), _ClockedOutput(), FrameProcessor()

    async def push(self, at: float, frame, *, from_output: bool = False) -> None:
        source = self.output if from_output else self.user
        await self.metrics.on_push_frame(
            FramePushed(source, self.sink, frame, FrameDirection.DOWNSTREAM, round(at * 1e9))
        )

    async def at_output(self, at: float, frame: InterruptionFrame) -> None:
        await self.metrics.on_process_frame(
            FrameProcessed(self.output, frame, FrameDirection.DOWNSTREAM, round(at * 1e9))
        )

    async def barge_in(self, vad_at: float | None, decided_at: float, output_at: float) -> None:
        if vad_at is not None:
            await self.push(vad_at, VADUserStartedSpeakingFrame())
        interruption = InterruptionFrame()
        await self.push(decided_at, interruption)
        await self.at_output(output_at, interruption)

    async def ordinary_turn(self, vad_at: float, late_words_at: float) -> None:
        """The user speaks to a silent bot: Pipecat interrupts at the turn's start, and
        the turn's transcripts keep arriving after that interruption."""
        await self.push(vad_at, VADUserStartedSpeakingFrame())
        await self.push(vad_at + 0.01, InterruptionFrame())  # the bot is silent: not a barge-in
        await self.push(late_words_at, InterimTranscriptionFrame("what is the", "user", "now"))
        await self.push(late_words_at + 0.1, TranscriptionFrame("what is the weather", "user", "now"))
        await self.push(late_words_at + 0.2, VADUserStoppedSpeakingFrame())

    async def bot_speaks(self, started_at: float, stopped_at: float | None = None) -> None:
        await self.push(started_at, BotStartedSpeakingFrame(), from_output=True)
        if stopped_at is not None:
            await self.push(stopped_at, BotStoppedSpeakingFrame(), from_output=True)


async def test_a_barge_in_after_an_ordinary_turn_measures_from_its_own_onset():
    # Issue 17: 1,272 ms instead of 52 ms. The ordinary turn's late transcripts set the
    # onset again after the turn's interruption had reset it.
    metrics = InterruptionMetricsObserver(log_summary=False)
    timeline = _Timeline(metrics)
    await timeline.ordinary_turn(vad_at=0.0, late_words_at=0.3)
    await timeline.bot_speaks(started_at=1.0)
    await timeline.barge_in(vad_at=1.220, decided_at=1.250, output_at=1.272)

    [record] = metrics.records
    assert record.onset_to_output_secs == pytest.approx(0.052, abs=1e-6)
    assert record.decision_to_output_secs == pytest.approx(0.022, abs=1e-6)


async def test_back_to_back_barge_ins_each_measure_from_their_own_onset():
    metrics = InterruptionMetricsObserver(log_summary=False)
    timeline = _Timeline(metrics)
    await timeline.ordinary_turn(vad_at=0.0, late_words_at=0.3)
    await timeline.bot_speaks(started_at=1.0)
    await timeline.barge_in(vad_at=1.220, decided_at=1.250, output_at=1.272)
    # The barge-in's own words arrive after its interruption: they start nothing.
    await timeline.push(1.4, TranscriptionFrame("wait", "user", "now"))
    await timeline.push(1.5, VADUserStoppedSpeakingFrame())
    await timeline.bot_speaks(started_at=1.6, stopped_at=1.61)  # the cut reply's late chunk
    await timeline.bot_speaks(started_at=2.0)
    await timeline.barge_in(vad_at=2.500, decided_at=2.540, output_at=2.560)
    await timeline.bot_speaks(started_at=3.0)
    await timeline.barge_in(vad_at=3.300, decided_at=3.310, output_at=3.335)

    assert [r.onset_to_output_secs for r in metrics.records] == [
        pytest.approx(0.052, abs=1e-6),
        pytest.approx(0.060, abs=1e-6),
        pytest.approx(0.035, abs=1e-6),
    ]
    summary = metrics.summary()
    assert summary["onset_to_output_ms"]["n"] == 3
    assert summary["onset_to_output_ms"]["max"] == pytest.approx(60.0, abs=1e-6)
    assert summary["onset_to_output_ms"]["mean"] == pytest.approx((52 + 60 + 35) / 3, abs=1e-6)


async def test_without_vad_the_words_after_the_bot_starts_are_the_onset():
    metrics = InterruptionMetricsObserver(log_summary=False)
    timeline = _Timeline(metrics)
    await timeline.push(0.0, TranscriptionFrame("hello", "user", "now"))
    await timeline.push(0.01, InterruptionFrame())  # the user's turn, the bot silent
    await timeline.push(0.2, TranscriptionFrame("hello there", "user", "now"))  # late words
    await timeline.bot_speaks(started_at=1.0)
    await timeline.push(1.3, InterimTranscriptionFrame("stop", "user", "now"))
    await timeline.barge_in(vad_at=None, decided_at=1.32, output_at=1.34)
    assert metrics.records[0].onset_to_output_secs == pytest.approx(0.04, abs=1e-6)


async def test_a_long_call_keeps_a_bounded_window_and_whole_call_totals():
    metrics = InterruptionMetricsObserver(log_summary=False, record_window=10)
    timeline = _Timeline(metrics)
    for n in range(100):
        start = 10.0 * n
        await timeline.bot_speaks(started_at=start)
        await timeline.barge_in(vad_at=start + 1.0, decided_at=start + 1.0 + 0.001 * n, output_at=start + 1.1)
        await timeline.bot_speaks(started_at=start + 1.2, stopped_at=start + 1.3)
    assert len(metrics.records) == 10
    assert len(metrics._seen) <= 8  # no ever-growing set of frame ids
    summary = metrics.summary()
    assert summary["interruptions"] == 100 and summary["by_reason"] == {"interruption": 100}
    assert summary["window"] == 10
    decision_to_output = summary["decision_to_output_ms"]
    assert decision_to_output["n"] == 100
    assert decision_to_output["mean"] == pytest.approx(sum(100 - n for n in range(100)) / 100)
    assert decision_to_output["max"] == pytest.approx(100.0, abs=1e-6)
    # Percentiles over the window: the last ten barge-ins (decided 90..99 ms after onset).
    assert decision_to_output["p50"] == pytest.approx(100 - 95, abs=1e-6)


async def test_metrics_match_the_kit_timeline_for_back_to_back_turns():
    # On the kit: an ordinary turn, then two barge-ins. Each record's onset is its own
    # barge-in's voice activity, never the ordinary turn's or the previous barge-in's.
    metrics = InterruptionMetricsObserver(log_summary=False)
    user = ScriptedUser(
        [
            Utterance("what is the weather like"),
            WaitForBot(),
            Pause(0.2),
            Utterance("wait"),
            WaitForBot(speaking=False),
            WaitForBot(),
            Pause(0.2),
            Utterance("stop"),
        ]
    )

    vp = build_voice_pipeline(
        user=user,
        llm=FakeLLMService(replies=[ANSWER, ANSWER, "Okay."], token_delay_secs=0.003),
        tts=FakeTTSService(secs_per_word=0.04),
        observers=[metrics],
    )
    async with vp:
        assert await vp.output.wait_until(lambda: "Okay." in vp.output.spoken_text, timeout=10)
    assert len(metrics.records) == 2
    # When each utterance began, by the script's own clock (time.monotonic(), taken just
    # before the step pushes its voice activity; the pipeline clock is read back to back
    # with it, hence the millisecond of slack, against errors of a whole turn).
    onsets = [at for at, step in user.timeline if step.startswith("user says")]
    for record, onset in zip(metrics.records, onsets[1:], strict=True):
        assert record.onset_at is not None and record.onset_at >= onset - 0.001
        assert record.at_output_at is not None and record.onset_at <= record.decided_at <= record.at_output_at


def test_reasons_are_counted_as_plain_strings():
    from pipecat_interrupts.metrics import InterruptionRecord
    from pipecat_interrupts.metrics_summary import MetricsAggregates
    from pipecat_interrupts.reasons import Reason

    totals = MetricsAggregates()
    totals.count(InterruptionRecord(reason=Reason.PHRASE, onset_at=None, decided_at=0.0))
    totals.count(InterruptionRecord(reason="phrase", onset_at=None, decided_at=1.0))
    assert dict(totals.by_reason) == {"phrase": 2}
    # A `Reason` key would print as <Reason.PHRASE: 'phrase'> in summaries and logs.
    assert [type(key) for key in totals.by_reason] == [str]
