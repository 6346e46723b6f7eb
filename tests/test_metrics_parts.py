"""The plain objects behind InterruptionMetricsObserver, without a pipeline or frames."""

import pytest

from pipecat_interrupts.frames import InterruptionDecision
from pipecat_interrupts.metrics import InterruptionRecord
from pipecat_interrupts.observability.barge_in_recorder import BargeInRecorder
from pipecat_interrupts.observability.barge_in_statistics import BargeInStatistics
from pipecat_interrupts.observability.barge_in_tracker import BargeInTracker
from pipecat_interrupts.observability.pipeline_time import PipelineTimebase


class _Clock:
    """A monotonic clock that reads what it is set to, counting its reads."""

    def __init__(self, now: float = 100.0):
        self.now, self.reads = now, 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now


class _PipelineClock:
    """A pipeline clock: nanoseconds since its pipeline started."""

    def __init__(self, ns: int):
        self.ns = ns

    def get_time(self) -> int:
        return self.ns


class _Export:
    def __init__(self):
        self.records: list[InterruptionRecord] = []
        self.false_interruptions = 0

    def record(self, record: InterruptionRecord) -> None:
        self.records.append(record)

    def false_interruption(self) -> None:
        self.false_interruptions += 1


def _record(decided_at: float = 1.0, **fields) -> InterruptionRecord:
    return InterruptionRecord(
        reason=fields.pop("reason", "vad"), onset_at=None, decided_at=decided_at, **fields
    )


# PipelineTimebase


def test_a_stamp_is_placed_on_the_monotonic_clock_by_one_reading_per_pipeline_clock():
    monotonic = _Clock(now=100.0)
    timebase = PipelineTimebase(monotonic)
    pipeline = _PipelineClock(ns=2_000_000_000)  # started 2 s before monotonic 100
    assert timebase.monotonic_secs(pipeline, 2_500_000_000) == pytest.approx(100.5)
    monotonic.now = 500.0  # the offset is kept, not read again
    assert timebase.monotonic_secs(pipeline, 3_000_000_000) == pytest.approx(101.0)
    assert monotonic.reads == 1
    # Another pipeline's clock: a new offset.
    assert timebase.monotonic_secs(_PipelineClock(ns=0), 1_000_000_000) == pytest.approx(501.0)
    assert monotonic.reads == 2


def test_without_a_pipeline_clock_the_time_is_now():
    timebase = PipelineTimebase(_Clock(now=7.25))
    assert timebase.monotonic_secs(None, 123) == 7.25


# BargeInStatistics


def test_statistics_keep_a_bounded_window_and_whole_call_totals():
    statistics = BargeInStatistics(window=3)
    assert not statistics.has_records and statistics.summary([])["window"] == 0
    for n in range(5):
        record = _record(decided_at=float(n), at_output_at=n + 0.01 * (n + 1))
        statistics.add(record)
        statistics.fold(record)
    assert statistics.has_records
    assert [r.decided_at for r in statistics.records] == [2.0, 3.0, 4.0]
    summary = statistics.summary([])
    assert summary["interruptions"] == 5 and summary["window"] == 3
    decision_to_output = summary["decision_to_output_ms"]
    assert decision_to_output["n"] == 5
    assert decision_to_output["max"] == pytest.approx(50.0)
    assert decision_to_output["mean"] == pytest.approx(30.0)
    assert decision_to_output["p50"] == pytest.approx(40.0)  # over the window: 30, 40, 50


def test_an_unsettled_record_counts_in_the_summary_without_being_folded():
    statistics = BargeInStatistics(window=8)
    record = _record(at_output_at=1.02)
    statistics.add(record)
    assert "decision_to_output_ms" not in statistics.summary([])
    assert statistics.summary([record])["decision_to_output_ms"]["n"] == 1
    assert "decision_to_output_ms" not in statistics.summary([])  # nothing was folded


def test_a_late_flush_goes_to_the_last_record_only_if_it_has_none():
    statistics = BargeInStatistics(window=8)
    statistics.late_flush(0.5)  # no record: nothing to give it to
    assert not statistics.has_records
    first, last = _record(), _record(decided_at=2.0)
    statistics.add(first)
    statistics.add(last)
    statistics.late_flush(0.25)
    statistics.late_flush(0.75)  # the last record has one already
    assert (first.flush_secs, last.flush_secs) == (None, 0.25)
    assert statistics.summary([])["flush_ms"] == {
        "p50": 250.0,
        "p95": 250.0,
        "mean": 250.0,
        "max": 250.0,
        "n": 1,
    }


# BargeInRecorder


def test_a_silent_bots_interruption_is_no_barge_in_and_takes_the_onset():
    recorder = BargeInRecorder()
    recorder.voice_activity(1.0)
    recorder.reply_generated(10)
    assert recorder.interruption(1.1, None, second_broadcast=False) is None
    recorder.words(1.3)  # the ordinary turn's late words start nothing
    recorder.bot_started()
    record = recorder.interruption(2.0, None, second_broadcast=False)
    assert record is not None
    assert record.onset_at is None and record.generated_chars == 0  # the reply was reset too


def test_a_barge_in_record_reads_the_onset_the_reply_and_the_decision():
    recorder = BargeInRecorder()
    recorder.bot_started()
    recorder.reply_generated(40)
    recorder.reply_played(12)
    recorder.voice_activity(5.0)
    recorder.words(5.1)  # an attempt is open: the words do not move the onset
    decision = InterruptionDecision(reason="phrase", detected_at=5.05, decided_at=5.2)
    record = recorder.interruption(5.25, decision, second_broadcast=False)
    assert record == InterruptionRecord(
        reason="phrase",
        onset_at=5.0,
        decided_at=5.25,
        detection_to_decision_secs=pytest.approx(0.15),
        generated_chars=40,
        spoken_chars=12,
    )
    # The next barge-in counts the next reply's characters only.
    recorder.reply_generated(3)
    assert recorder.interruption(6.0, None, second_broadcast=False).generated_chars == 3


def test_a_second_broadcast_makes_no_record_but_keeps_the_reply():
    recorder = BargeInRecorder()
    recorder.bot_started()
    recorder.reply_generated(7)
    recorder.voice_activity(1.0)
    assert recorder.interruption(1.1, None, second_broadcast=True) is None
    record = recorder.interruption(1.2, None, second_broadcast=False)
    assert record.generated_chars == 7 and record.onset_at is None  # the onset was taken


def test_without_vad_the_bot_starting_reopens_the_onset_to_words():
    recorder = BargeInRecorder()
    recorder.words(0.0)
    recorder.interruption(0.1, None, second_broadcast=False)  # the user's turn, bot silent
    recorder.words(0.2)  # late words of that turn
    recorder.bot_started()
    recorder.words(1.3)
    assert recorder.interruption(1.4, None, second_broadcast=False).onset_at == 1.3


# BargeInTracker


def _tracker(export=None) -> tuple[BargeInTracker, BargeInStatistics]:
    statistics = BargeInStatistics(window=8)
    return BargeInTracker(statistics, export=export), statistics


def test_a_barge_in_settles_once_it_reached_the_output_and_the_bot_stopped():
    export = _Export()
    tracker, statistics = _tracker(export)
    worker = object()
    record = _record(decided_at=1.0)
    assert tracker.open(record, interruption_id=10, worker=worker) is None
    assert tracker.awaits_output and statistics.records[-1] is record
    assert tracker.bot_stopped() is None  # not at the output yet
    tracker.at_output(1.02)
    tracker.at_output(1.5)  # the first time counts
    assert not tracker.awaits_output and record.at_output_at == 1.02
    settled = tracker.bot_stopped()
    assert settled is not None and settled.record is record and settled.worker is worker
    assert tracker.bot_stopped() is None  # handed back once
    assert export.records == [record]
    # New speech closes it: its latencies are folded in once, and it is not reported again.
    assert tracker.unsettled() == [record]
    assert tracker.bot_started() is None
    assert tracker.unsettled() == []
    assert statistics.summary([])["decision_to_output_ms"]["n"] == 1
    assert export.records == [record]


def test_the_next_barge_in_closes_and_hands_back_the_open_one():
    export = _Export()
    tracker, statistics = _tracker(export)
    first, second = _record(decided_at=1.0), _record(decided_at=2.0)
    tracker.open(first, interruption_id=1)
    tracker.at_output(1.01)
    previous = tracker.open(second, interruption_id=2)
    assert previous is not None and previous.record is first
    assert export.records == [first]
    assert tracker.unsettled() == [second]
    assert statistics.summary(tracker.unsettled())["interruptions"] == 2


def test_a_pending_flush_holds_the_barge_in_open_through_a_late_chunks_start():
    tracker, statistics = _tracker()
    record = _record()
    tracker.open(record, interruption_id=5)
    tracker.at_output(1.01)
    tracker.flush_started()
    assert tracker.bot_stopped() is None  # waiting on the flush
    assert tracker.bot_started() is None  # the late chunk: not new speech
    assert tracker.is_cut_audio(4) and not tracker.is_cut_audio(5)
    tracker.cut_audio_written(1.2)
    settled = tracker.flush_completed(completed=True, elapsed_secs=0.003)
    assert settled is not None and settled.record is record
    assert (record.flush_secs, record.last_audio_at) == (0.003, 1.2)


def test_a_timed_out_flush_settles_without_a_flush_time():
    tracker, _ = _tracker()
    record = _record()
    tracker.open(record, interruption_id=5)
    tracker.at_output(1.01)
    tracker.flush_started()
    tracker.bot_stopped()
    settled = tracker.flush_completed(completed=False, elapsed_secs=2.0)
    assert settled is not None and record.flush_secs is None


def test_a_flush_completing_after_its_barge_in_closed_goes_to_the_last_record():
    tracker, statistics = _tracker()
    record = _record()
    tracker.open(record, interruption_id=5)
    tracker.at_output(1.01)
    tracker.bot_stopped()
    tracker.bot_started()  # closed: nothing open
    assert not tracker.is_cut_audio(1)
    assert tracker.flush_completed(completed=True, elapsed_secs=0.04) is None
    assert record.flush_secs == 0.04
    assert statistics.summary([])["flush_ms"]["n"] == 1


def test_the_end_exports_the_open_barge_in_once():
    export = _Export()
    tracker, _ = _tracker(export)
    tracker.end()
    assert export.records == []
    record = _record()
    tracker.open(record, interruption_id=1)
    tracker.end()
    tracker.end()
    tracker.at_output(1.01)
    tracker.bot_stopped()  # settles after the end: exported already
    assert export.records == [record]
