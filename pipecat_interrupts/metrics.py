#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`InterruptionMetricsObserver`: how fast and how cleanly every barge-in went.

A Pipecat observer (``PipelineWorker(observers=[metrics])``) that measures, for every
interruption of a speaking bot (Pipecat also interrupts a silent bot at each user turn;
those are not barge-ins and are not counted):

- ``detection_to_decision_secs``: the user's first voice activity or words to the
  decision (from the `InterruptionDecision` the controller puts on its `InterruptionFrame`;
  0 for plain Pipecat, which decides on the first voice activity);
- ``onset_to_output_secs``: voice-activity start to the `InterruptionFrame` reaching
  the output transport (what a caller perceives, minus audio buffering);
- ``decision_to_output_secs``: decision to the `InterruptionFrame` at the output transport;
- ``decision_to_silence_secs``: decision to the last audio chunk the transport wrote;
- ``output_to_silence_secs``: the `InterruptionFrame` at the output transport to the
  last audio chunk written (at most the chunk that was already playing);
- ``flush_secs``: the flush round trip (from the `FlushCoordinator`'s completion frame);
- ``generated_chars`` / ``spoken_chars``: what the LLM produced versus what was played;
- false interruptions, when a `StateSnapshotter` is attached with `watch_snapshotter`.

`summary()` returns counts by reason and p50/p95 of each latency as a dict; the summary
is logged when the pipeline ends. With ``push_metrics_frames=True`` every barge-in, once
settled (the bot is silent and any flush has reported), is also queued into the pipeline
as a Pipecat `MetricsFrame` holding an `InterruptionMetricsData`.

Times come from the pipeline clock stamped on each push (``FramePushed.timestamp``), not
from when the observer runs: Pipecat hands events to each observer through its own queue
and task, so an observer may run a little after the push it is told about.

The observer only reads frames; the measuring is done by plain objects in
`pipecat_interrupts.observability`: `PipelineTimebase` (stamps to monotonic seconds),
`BargeInRecorder` (the onset and the reply, a record per barge-in), `BargeInTracker`
(each barge-in until it settles, exported and folded once) and `BargeInStatistics` (the
record window and whole-call totals). `InterruptionRecord` and `MetricsExport` live in
`pipecat_interrupts.observability.barge_in_record` and are importable from here.
"""

from collections import deque
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    EndFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
    OutputAudioRawFrame,
    TranscriptionFrame,
    TTSTextFrame,
    VADUserStartedSpeakingFrame,
)
from pipecat.metrics.metrics import MetricsData
from pipecat.observers.base_observer import BaseObserver, FrameProcessed, FramePushed
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.llm_service import LLMService
from pipecat.transports.base_output import BaseOutputTransport

from pipecat_interrupts.frames import FlushCompletedFrame, FlushFrame, decision_of
from pipecat_interrupts.metrics_summary import percentile
from pipecat_interrupts.observability.barge_in_record import InterruptionRecord, MetricsExport
from pipecat_interrupts.observability.barge_in_recorder import BargeInRecorder
from pipecat_interrupts.observability.barge_in_state import OpenBargeIn
from pipecat_interrupts.observability.barge_in_statistics import BargeInStatistics
from pipecat_interrupts.observability.barge_in_tracker import BargeInTracker
from pipecat_interrupts.observability.pipeline_time import PipelineTimebase
from pipecat_interrupts.quiet_hop import QuietHopMixin
from pipecat_interrupts.validation import require_bool, require_positive_int

DEFAULT_RECORD_WINDOW = 256
_REMEMBERED_INTERRUPTIONS = 8
_REMEMBERED_TEXTS = 16


def _follows_output(processor: FrameProcessor) -> bool:
    """Whether ``processor`` comes right after an output transport, plugin processors aside."""
    previous = processor.previous
    while isinstance(previous, QuietHopMixin):
        previous = previous.previous
    return isinstance(previous, BaseOutputTransport)


class InterruptionMetricsData(MetricsData):
    """One barge-in as Pipecat metrics data (inside a `MetricsFrame`).

    Latencies are in seconds; None when not measured.

    Parameters:
        reason: Why the bot was cut off.
        detection_to_decision: The user's first activity to the decision.
        onset_to_output: Voice-activity start to the interruption at the output.
        decision_to_output: Decision to the interruption at the output.
        decision_to_silence: Decision to the last audio written.
        output_to_silence: Interruption at the output to the last audio written.
        flush: The flush round trip.
        generated_chars: Characters the LLM generated for the interrupted reply.
        spoken_chars: Characters of it that were played.
    """

    reason: str
    detection_to_decision: float
    onset_to_output: float | None = None
    decision_to_output: float | None = None
    decision_to_silence: float | None = None
    output_to_silence: float | None = None
    flush: float | None = None
    generated_chars: int = 0
    spoken_chars: int = 0


class InterruptionMetricsObserver(BaseObserver):
    """Measures every interruption in a pipeline.

    It needs nothing from the plugin's own processors' hops (``ignores_plugin_hops``):
    the text the output transport releases is read from the first processor after the
    output that reports it (`quiet_hop`).

    A thin adapter: it reads Pipecat's frames into a `BargeInRecorder` (the user's
    onset, the reply, a record per barge-in) and a `BargeInTracker` (each barge-in until
    it settles), whose `BargeInStatistics` keep the records and totals, and queues the
    settled barge-ins as metrics frames.

    Example::

        metrics = InterruptionMetricsObserver()
        worker = PipelineWorker(pipeline, observers=[metrics])
        ...
        print(metrics.summary())
    """

    ignores_plugin_hops = True
    """Needs no hop of the plugin's processors (`quiet_hop.observers_see_hops`)."""

    def __init__(
        self,
        *,
        log_summary: bool = True,
        push_metrics_frames: bool = False,
        record_window: int = DEFAULT_RECORD_WINDOW,
        export: MetricsExport | None = None,
        **kwargs: Any,
    ) -> None:
        """Initialize the observer.

        Memory stays bounded however long the call: ``records`` keeps the last
        ``record_window`` barge-ins, and `summary()` reports whole-call totals (counts,
        means, maxima) with percentiles over that window.

        Args:
            log_summary: Log `summary()` when the pipeline ends.
            push_metrics_frames: Queue a `MetricsFrame` with an `InterruptionMetricsData`
                into the pipeline for every settled barge-in (it enters at the top and
                travels downstream like any metrics frame).
            record_window: How many recent `InterruptionRecord`s to keep (at least 1).
            export: Also send each settled barge-in and false interruption there
                (``OpenTelemetryMetricsExport()`` for OpenTelemetry metrics); off if None.
            **kwargs: `BaseObserver` arguments.

        Raises:
            TypeError: If a flag is not a bool, ``record_window`` not an int, or
                ``export`` lacks ``record``/``false_interruption``.
            ValueError: If ``record_window`` is below 1.
        """
        log_summary = require_bool("log_summary", log_summary)
        push_metrics_frames = require_bool("push_metrics_frames", push_metrics_frames)
        record_window = require_positive_int("record_window", record_window)
        # Only first pushes: every frame this observer needs is new when it is pushed,
        # except the text the output transport releases, read from its processing below.
        kwargs.setdefault("observe_every_push", False)
        super().__init__(**kwargs)
        self._log_summary = log_summary
        self._push_metrics_frames = push_metrics_frames
        if export is not None and not all(
            callable(getattr(export, method, None)) for method in ("record", "false_interruption")
        ):
            raise TypeError(f"export must have record() and false_interruption(), got {export!r}")
        self._export = export
        self.false_interruptions = 0
        self._statistics = BargeInStatistics(record_window)
        self._recorder = BargeInRecorder()
        self._tracker = BargeInTracker(self._statistics, export=export, name=self.name)
        self._timebase = PipelineTimebase()
        self._seen: list[int] = []  # ids and sibling keys of the last few interruptions
        self._played: dict[int, None] = {}  # ids of the last few released texts
        self._summary_logged = False
        self._ending = False

    @property
    def records(self) -> deque[InterruptionRecord]:
        """The last ``record_window`` barge-ins, oldest first."""
        return self._statistics.records

    def watch_snapshotter(self, snapshotter: Any) -> None:
        """Count the false interruptions a `StateSnapshotter` reports.

        Args:
            snapshotter: The snapshotter.
        """
        snapshotter.add_event_handler("on_false_interruption", self._on_false_interruption)

    def _on_false_interruption(self, _snapshotter: Any, _snapshot: Any) -> None:
        self.false_interruptions += 1
        if self._export is not None:
            self._export.false_interruption()

    def _monotonic(self, processor: FrameProcessor, timestamp_ns: int) -> float:
        """Convert a pipeline-clock stamp (ns since the pipeline started) to monotonic secs."""
        try:
            clock: Any = processor.get_clock()
        except Exception:  # not set up (no clock): fall back to the observer's own time
            clock = None
        return self._timebase.monotonic_secs(clock, timestamp_ns)

    async def on_push_frame(self, data: FramePushed) -> None:
        """Track the frames that matter for interruption timing.

        Args:
            data: The push.
        """
        frame, recorder, tracker = data.frame, self._recorder, self._tracker
        if isinstance(frame, VADUserStartedSpeakingFrame):
            if data.first_push:
                recorder.voice_activity(self._monotonic(data.source, data.timestamp))
        elif isinstance(frame, InterimTranscriptionFrame | TranscriptionFrame):
            if data.first_push:
                recorder.words(self._monotonic(data.source, data.timestamp))
        elif isinstance(frame, InterruptionFrame) and data.first_push:
            await self._on_interruption(
                frame, data.source, self._monotonic(data.source, data.timestamp)
            )
        elif isinstance(frame, LLMFullResponseStartFrame) and isinstance(data.source, LLMService):
            recorder.reply_started()
        elif isinstance(frame, LLMTextFrame) and isinstance(data.source, LLMService):
            recorder.reply_generated(len(frame.text))
        elif (
            isinstance(data.source, BaseOutputTransport)
            and data.direction == FrameDirection.DOWNSTREAM
        ):
            await self._on_output_push(data)
        elif isinstance(frame, FlushFrame) and data.first_push:
            tracker.flush_started()
        elif isinstance(frame, FlushCompletedFrame) and data.first_push:
            await self._report(
                tracker.flush_completed(completed=frame.completed, elapsed_secs=frame.elapsed_secs)
            )
        elif isinstance(frame, EndFrame | CancelFrame) and data.first_push:
            self._ending = True
            tracker.end()
            self._maybe_log_summary()

    async def _on_output_push(self, data: FramePushed) -> None:
        frame = data.frame
        if isinstance(frame, OutputAudioRawFrame):
            if self._tracker.is_cut_audio(frame.id):
                self._tracker.cut_audio_written(self._monotonic(data.source, data.timestamp))
        elif isinstance(frame, BotStartedSpeakingFrame):
            self._recorder.bot_started()
            await self._report(self._tracker.bot_started())
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._recorder.bot_stopped()
            await self._report(self._tracker.bot_stopped())

    async def on_process_frame(self, data: FrameProcessed) -> None:
        """Note when an interruption reaches the output transport, and text leaving it.

        Args:
            data: The processing event.
        """
        if (
            isinstance(data.frame, TTSTextFrame)
            and data.direction == FrameDirection.DOWNSTREAM
            and data.frame.id not in self._played
            and _follows_output(data.processor)
        ):
            # Played: the transport releases the text after its audio. Counted once, at
            # the first processor after the output that reports it (a plugin processor
            # hands it on quietly when no observer needs its hop: `quiet_hop`).
            self._played[data.frame.id] = None
            if len(self._played) > _REMEMBERED_TEXTS:
                del self._played[next(iter(self._played))]
            self._recorder.reply_played(len(data.frame.text.strip()) + 1)
        elif (
            isinstance(data.frame, InterruptionFrame)
            and isinstance(data.processor, BaseOutputTransport)
            and self._tracker.awaits_output
        ):
            self._tracker.at_output(self._monotonic(data.processor, data.timestamp))

    async def _on_interruption(
        self, frame: InterruptionFrame, source: FrameProcessor, now: float
    ) -> None:
        """Record each interruption once (Pipecat may broadcast one as sibling frames)."""
        key = frame.broadcast_sibling_id if frame.broadcast_sibling_id is not None else frame.id
        if key in self._seen or frame.id in self._seen:
            return
        self._seen = [*self._seen[2 - _REMEMBERED_INTERRUPTIONS :], frame.id, key]
        record = self._recorder.interruption(
            now, decision_of(frame), second_broadcast=self._tracker.awaits_output
        )
        if record is not None:
            worker = self._worker_of(source)
            await self._report(self._tracker.open(record, interruption_id=frame.id, worker=worker))

    @staticmethod
    def _worker_of(processor: FrameProcessor) -> Any:
        try:
            return processor.pipeline_worker
        except Exception:  # not set up: nowhere to queue a metrics frame
            return None

    async def _report(self, settled: OpenBargeIn | None) -> None:
        """Queue a settled barge-in as a `MetricsFrame` (if enabled and a worker is known)."""
        if settled is None or settled.worker is None:
            return  # nothing settled, or nowhere to queue it
        if not self._push_metrics_frames or self._ending:
            return
        data = _metrics_data(settled.record, processor=self.name)
        logger.debug(f"{self}: reporting barge-in metrics {data}")
        await settled.worker.queue_frame(MetricsFrame(data=[data]))

    def summary(self) -> dict[str, Any]:
        """Whole-call counts by reason and latency means; p50/p95 over the recent window.

        Latencies are in milliseconds; each has ``p50`` and ``p95`` (over the last
        ``record_window`` barge-ins), ``mean``, ``max`` and ``n`` (over the whole call).

        Returns:
            The summary.
        """
        result = self._statistics.summary(self._tracker.unsettled())
        result["false_interruptions"] = self.false_interruptions
        return result

    def _maybe_log_summary(self) -> None:
        if self._log_summary and not self._summary_logged and self._statistics.has_records:
            self._summary_logged = True
            logger.info(f"{self}: interruption metrics {self.summary()}")


def _metrics_data(record: InterruptionRecord, *, processor: str) -> InterruptionMetricsData:
    """A settled barge-in's record as Pipecat metrics data, reported under ``processor``."""
    return InterruptionMetricsData(
        processor=processor,
        reason=record.reason,
        detection_to_decision=record.detection_to_decision_secs,
        onset_to_output=record.onset_to_output_secs,
        decision_to_output=record.decision_to_output_secs,
        decision_to_silence=record.decision_to_silence_secs,
        output_to_silence=record.output_to_silence_secs,
        flush=record.flush_secs,
        generated_chars=record.generated_chars,
        spoken_chars=record.spoken_chars,
    )


__all__ = [
    "InterruptionMetricsData",
    "MetricsExport",
    "InterruptionMetricsObserver",
    "InterruptionRecord",
    "percentile",
]
