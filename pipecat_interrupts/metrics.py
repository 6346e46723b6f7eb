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
"""

import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

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
from pipecat_interrupts.metrics_summary import MetricsAggregates, percentile
from pipecat_interrupts.validation import require_bool, require_positive_int

DEFAULT_RECORD_WINDOW = 256
_REMEMBERED_INTERRUPTIONS = 8


@dataclass(slots=True)
class InterruptionRecord:
    """The measurements of one interruption.

    All times are ``time.monotonic()`` seconds, taken from the pipeline clock of the
    push or processing event they describe.

    Parameters:
        reason: Why the bot was cut off.
        onset_at: The user's first voice activity or words, if seen.
        decided_at: When the interruption was decided (or first broadcast).
        at_output_at: When the `InterruptionFrame` reached the output transport.
        last_audio_at: When the transport wrote its last audio chunk after the decision.
        detection_to_decision_secs: From the controller's decision (0 without one).
        flush_secs: The flush round trip, if a coordinator reported it.
        generated_chars: Characters the LLM generated for the interrupted reply.
        spoken_chars: Characters of it the transport played.
    """

    reason: str
    onset_at: float | None
    decided_at: float
    at_output_at: float | None = None
    last_audio_at: float | None = None
    detection_to_decision_secs: float = 0.0
    flush_secs: float | None = None
    generated_chars: int = 0
    spoken_chars: int = 0

    @property
    def onset_to_output_secs(self) -> float | None:
        """Voice-activity start to the interruption at the output transport."""
        if self.onset_at is None or self.at_output_at is None:
            return None
        return self.at_output_at - self.onset_at

    @property
    def decision_to_output_secs(self) -> float | None:
        """Decision to the interruption at the output transport."""
        return None if self.at_output_at is None else self.at_output_at - self.decided_at

    @property
    def decision_to_silence_secs(self) -> float | None:
        """Decision to the last audio written (the caller hears silence after it)."""
        if self.at_output_at is None:
            return None
        end = self.last_audio_at if self.last_audio_at is not None else self.at_output_at
        return max(0.0, end - self.decided_at)

    @property
    def output_to_silence_secs(self) -> float | None:
        """The interruption at the output transport to the last audio written after it."""
        if self.at_output_at is None:
            return None
        if self.last_audio_at is None:
            return 0.0
        return max(0.0, self.last_audio_at - self.at_output_at)


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


class MetricsExport(Protocol):
    """Where settled barge-ins are also sent (`OpenTelemetryMetricsExport`, or your own)."""

    def record(self, record: InterruptionRecord) -> None:
        """Take one settled barge-in."""
        ...

    def false_interruption(self) -> None:
        """Take one false interruption."""
        ...


@dataclass(slots=True)
class _Turn:
    """What the current reply generated and played so far."""

    generated: int = 0
    spoken: int = 0


@dataclass(slots=True)
class _Onset:
    """The start of the user's current attempt to speak.

    An interruption consumes it: the transcripts of the turn it belonged to, which keep
    arriving after the interruption, must not start a new one (they made a barge-in that
    followed an ordinary turn read the previous turn's onset). Each voice-activity start
    begins a new attempt (VAD reports a start only after a stop); words set the onset only
    when no attempt is open. In a pipeline without VAD the bot starting to speak reopens
    the onset to words.
    """

    at: float | None = None
    consumed: bool = False
    vad_seen: bool = False

    def on_voice_activity(self, now: float) -> None:
        self.at, self.consumed, self.vad_seen = now, False, True

    def on_words(self, now: float) -> None:
        if not self.consumed and self.at is None:
            self.at = now

    def on_bot_started(self) -> None:
        if not self.vad_seen and self.consumed:
            self.consumed = False

    def consume(self) -> float | None:
        at, self.at, self.consumed = self.at, None, True
        return at


@dataclass(slots=True)
class _OpenState:
    """Bookkeeping for the record still being measured."""

    record: InterruptionRecord
    interruption_id: int = -1  # audio queued before it belongs to the cut reply
    flush_pending: bool = False
    bot_stopped: bool = False
    reported: bool = False
    exported: bool = False
    folded: bool = False
    worker: Any = None

    @property
    def settled(self) -> bool:
        return (
            self.record.at_output_at is not None
            and self.bot_stopped
            and not (self.flush_pending and self.record.flush_secs is None)
        )


class InterruptionMetricsObserver(BaseObserver):
    """Measures every interruption in a pipeline.

    Example::

        metrics = InterruptionMetricsObserver()
        worker = PipelineWorker(pipeline, observers=[metrics])
        ...
        print(metrics.summary())
    """

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
        self._record_window = record_window
        self._records: deque[InterruptionRecord] | None = None  # made at the first barge-in
        self.false_interruptions = 0
        self._aggregates = MetricsAggregates()
        self._turn = _Turn()
        self._onset = _Onset()
        self._open: _OpenState | None = None
        self._seen: list[int] = []  # ids and sibling keys of the last few interruptions
        self._summary_logged = False
        self._bot_speaking = False
        self._clock: Any = None
        self._clock_offset: float | None = None
        self._ending = False

    @property
    def records(self) -> deque[InterruptionRecord]:
        """The last ``record_window`` barge-ins, oldest first."""
        if self._records is None:
            self._records = deque(maxlen=self._record_window)
        return self._records

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
            clock = processor.get_clock()
        except Exception:  # not set up (no clock): fall back to the observer's own time
            return time.monotonic()
        if self._clock_offset is None or clock is not self._clock:
            # Read both clocks back to back: the pipeline clock is monotonic_ns minus its start.
            self._clock, self._clock_offset = clock, time.monotonic() - clock.get_time() / 1e9
        return timestamp_ns / 1e9 + self._clock_offset

    async def on_push_frame(self, data: FramePushed) -> None:
        """Track the frames that matter for interruption timing.

        Args:
            data: The push.
        """
        frame = data.frame
        if isinstance(frame, VADUserStartedSpeakingFrame):
            if data.first_push:
                self._onset.on_voice_activity(self._monotonic(data.source, data.timestamp))
        elif isinstance(frame, InterimTranscriptionFrame | TranscriptionFrame):
            if data.first_push:
                self._onset.on_words(self._monotonic(data.source, data.timestamp))
        elif isinstance(frame, InterruptionFrame) and data.first_push:
            await self._on_interruption(
                frame, data.source, self._monotonic(data.source, data.timestamp)
            )
        elif isinstance(frame, LLMFullResponseStartFrame) and isinstance(data.source, LLMService):
            self._turn.generated = self._turn.spoken = 0
        elif isinstance(frame, LLMTextFrame) and isinstance(data.source, LLMService):
            self._turn.generated += len(frame.text)
        elif (
            isinstance(data.source, BaseOutputTransport)
            and data.direction == FrameDirection.DOWNSTREAM
        ):
            await self._on_output_push(data)
        elif isinstance(frame, FlushFrame) and data.first_push:
            if self._open is not None and self._open.record.flush_secs is None:
                self._open.flush_pending = True
        elif isinstance(frame, FlushCompletedFrame) and data.first_push:
            await self._on_flush_completed(frame)
        elif isinstance(frame, EndFrame | CancelFrame) and data.first_push:
            self._ending = True
            if self._open is not None:
                self._export_record(self._open)
            self._maybe_log_summary()

    async def _on_output_push(self, data: FramePushed) -> None:
        frame = data.frame
        if isinstance(frame, OutputAudioRawFrame) and self._open is not None:
            # Chunks are made when the audio is queued: only those queued before the
            # interruption are the cut reply's (a late one included), not the next reply's.
            if frame.id < self._open.interruption_id:
                self._open.record.last_audio_at = self._monotonic(data.source, data.timestamp)
        elif isinstance(frame, BotStartedSpeakingFrame):
            self._bot_speaking = True
            self._onset.on_bot_started()
            open_ = self._open
            if open_ is not None and open_.flush_pending and open_.record.flush_secs is None:
                # Too soon for new speech: Pipecat's output transport reports speaking
                # again for a chunk it plays late. The flush's completion settles it.
                logger.debug(
                    f"{self}: bot speaking again before the flush completed; waiting for it"
                )
                open_.bot_stopped = True
            elif open_ is not None:  # new speech: the last interruption is settled
                await self._report(open_)
                self._close(open_)
                self._open = None
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._bot_speaking = False
            if self._open is not None:
                self._open.bot_stopped = True
                if self._open.settled:
                    await self._report(self._open)

    async def _on_flush_completed(self, frame: FlushCompletedFrame) -> None:
        open_ = self._open
        if open_ is not None and open_.record.flush_secs is None:
            if frame.completed:
                open_.record.flush_secs = frame.elapsed_secs
            else:
                open_.flush_pending = False  # timed out: nothing more will come
            if open_.settled:
                await self._report(open_)
        elif open_ is None and self._records and self._records[-1].flush_secs is None and frame.completed:
            self._records[-1].flush_secs = frame.elapsed_secs  # its record settled already
            self._aggregates.fold_latencies(self._records[-1], ("flush_secs",))

    async def on_process_frame(self, data: FrameProcessed) -> None:
        """Note when an interruption reaches the output transport, and text leaving it.

        Args:
            data: The processing event.
        """
        if (
            isinstance(data.frame, TTSTextFrame)
            and data.direction == FrameDirection.DOWNSTREAM
            and isinstance(data.processor.previous, BaseOutputTransport)
        ):
            self._turn.spoken += (
                len(data.frame.text.strip()) + 1
            )  # played: released after its audio
        elif (
            isinstance(data.frame, InterruptionFrame)
            and isinstance(data.processor, BaseOutputTransport)
            and self._open is not None
            and self._open.record.at_output_at is None
        ):
            self._open.record.at_output_at = self._monotonic(data.processor, data.timestamp)

    async def _on_interruption(
        self, frame: InterruptionFrame, source: FrameProcessor, now: float
    ) -> None:
        key = frame.broadcast_sibling_id if frame.broadcast_sibling_id is not None else frame.id
        if key in self._seen or frame.id in self._seen:
            return
        self._seen = [*self._seen[2 - _REMEMBERED_INTERRUPTIONS :], frame.id, key]
        onset_at = self._onset.consume()
        if not self._bot_speaking:
            self._turn = _Turn()  # Pipecat interrupts a silent bot at every user turn: no barge-in
            return
        if self._open is not None and self._open.record.at_output_at is None:
            return  # a second broadcast for the same barge-in
        decision = decision_of(frame)
        record = InterruptionRecord(
            reason=decision.reason if decision else "interruption",
            onset_at=onset_at,
            decided_at=now,
            detection_to_decision_secs=(decision.decided_at - decision.detected_at)
            if decision
            else 0.0,
            generated_chars=self._turn.generated,
            spoken_chars=self._turn.spoken,
        )
        if self._open is not None:
            await self._report(self._open)
            self._close(self._open)
        self._aggregates.count(record)
        self.records.append(record)
        self._open = _OpenState(record, interruption_id=frame.id, worker=self._worker_of(source))
        self._turn = _Turn()

    @staticmethod
    def _worker_of(processor: FrameProcessor) -> Any:
        try:
            return processor.pipeline_worker
        except Exception:  # not set up: nowhere to queue a metrics frame
            return None

    async def _report(self, open_: _OpenState) -> None:
        """Export the settled record, and queue it as a `MetricsFrame` (once, if enabled)."""
        self._export_record(open_)
        if open_.reported or not self._push_metrics_frames or self._ending or open_.worker is None:
            return
        open_.reported = True
        record = open_.record
        data = InterruptionMetricsData(
            processor=self.name,
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
        logger.debug(f"{self}: reporting barge-in metrics {data}")
        await open_.worker.queue_frame(MetricsFrame(data=[data]))

    def _export_record(self, open_: _OpenState) -> None:
        if self._export is not None and not open_.exported:
            open_.exported = True
            self._export.record(open_.record)

    def _close(self, open_: _OpenState) -> None:
        """Fold a record that leaves the open slot into the whole-call totals (once)."""
        if not open_.folded:
            open_.folded = True
            self._aggregates.fold_latencies(open_.record)

    def summary(self) -> dict[str, Any]:
        """Whole-call counts by reason and latency means; p50/p95 over the recent window.

        Latencies are in milliseconds; each has ``p50`` and ``p95`` (over the last
        ``record_window`` barge-ins), ``mean``, ``max`` and ``n`` (over the whole call).

        Returns:
            The summary.
        """
        unsettled = [self._open.record] if self._open is not None and not self._open.folded else []
        result = self._aggregates.summary(list(self._records or ()), unsettled)
        result["false_interruptions"] = self.false_interruptions
        return result

    def _maybe_log_summary(self) -> None:
        if self._log_summary and not self._summary_logged and self._records:
            self._summary_logged = True
            logger.info(f"{self}: interruption metrics {self.summary()}")


__all__ = [
    "InterruptionMetricsData",
    "MetricsExport",
    "InterruptionMetricsObserver",
    "InterruptionRecord",
    "percentile",
]
