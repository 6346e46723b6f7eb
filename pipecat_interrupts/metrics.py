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
  decision (from the controller's `InterruptionDecisionFrame`; 0 for plain Pipecat, which
  decides on the first voice activity);
- ``onset_to_output_secs``: voice-activity start to the `InterruptionFrame` reaching
  the output transport (what a caller perceives, minus audio buffering);
- ``decision_to_output_secs``: decision to the `InterruptionFrame` at the output transport;
- ``decision_to_silence_secs``: decision to the last audio chunk the transport wrote;
- ``flush_secs``: the flush round trip (from the `FlushCoordinator`'s completion frame);
- ``generated_chars`` / ``spoken_chars``: what the LLM produced versus what was played;
- false interruptions, when a `StateSnapshotter` is attached with `watch_snapshotter`.

`summary()` returns counts by reason and p50/p95 of each latency as a dict; the summary
is logged when the pipeline ends.
"""

import math
import statistics
import time
from collections import Counter
from dataclasses import dataclass
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
    OutputAudioRawFrame,
    TranscriptionFrame,
    TTSTextFrame,
    VADUserStartedSpeakingFrame,
)
from pipecat.observers.base_observer import BaseObserver, FrameProcessed, FramePushed
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.llm_service import LLMService
from pipecat.transports.base_output import BaseOutputTransport

from pipecat_interrupts.frames import FlushCompletedFrame, InterruptionDecisionFrame


@dataclass
class InterruptionRecord:
    """The measurements of one interruption.

    Parameters:
        reason: Why the bot was cut off.
        onset_at: ``time.monotonic()`` of the user's first voice activity or words, if seen.
        decided_at: When the interruption was decided (or first broadcast).
        at_output_at: When the `InterruptionFrame` reached the output transport.
        last_audio_at: When the transport wrote its last audio chunk after the decision.
        detection_to_decision_secs: From the controller's decision frame (0 without one).
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


@dataclass
class _Turn:
    generated: int = 0
    spoken: int = 0
    onset_at: float | None = None
    decision: InterruptionDecisionFrame | None = None
    decision_seen_at: float | None = None


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of a non-empty list.

    Args:
        values: The samples.
        fraction: 0.5 for the median, 0.95 for p95.

    Returns:
        The percentile.
    """
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


class InterruptionMetricsObserver(BaseObserver):
    """Measures every interruption in a pipeline.

    Example::

        metrics = InterruptionMetricsObserver()
        worker = PipelineWorker(pipeline, observers=[metrics])
        ...
        print(metrics.summary())
    """

    def __init__(self, *, log_summary: bool = True, **kwargs):
        """Initialize the observer.

        Args:
            log_summary: Log `summary()` when the pipeline ends.
            **kwargs: `BaseObserver` arguments.
        """
        super().__init__(**kwargs)
        self._log_summary = log_summary
        self.records: list[InterruptionRecord] = []
        self.false_interruptions = 0
        self._turn = _Turn()
        self._open: InterruptionRecord | None = None
        self._seen: set[int] = set()
        self._summary_logged = False
        self._bot_speaking = False

    def watch_snapshotter(self, snapshotter: Any) -> None:
        """Count the false interruptions a `StateSnapshotter` reports.

        Args:
            snapshotter: The snapshotter.
        """
        snapshotter.add_event_handler("on_false_interruption", self._on_false_interruption)

    def _on_false_interruption(self, _snapshotter, _snapshot) -> None:
        self.false_interruptions += 1

    async def on_push_frame(self, data: FramePushed):
        """Track the frames that matter for interruption timing.

        Args:
            data: The push.
        """
        frame, now = data.frame, time.monotonic()
        if isinstance(frame, VADUserStartedSpeakingFrame | InterimTranscriptionFrame | TranscriptionFrame):
            if self._turn.onset_at is None and data.first_push:
                self._turn.onset_at = now
        elif isinstance(frame, InterruptionDecisionFrame) and data.first_push:
            self._turn.decision, self._turn.decision_seen_at = frame, now
        elif isinstance(frame, InterruptionFrame) and data.first_push:
            self._on_interruption(frame, now)
        elif isinstance(frame, LLMFullResponseStartFrame) and isinstance(data.source, LLMService):
            self._turn.generated = self._turn.spoken = 0
        elif isinstance(frame, LLMTextFrame) and isinstance(data.source, LLMService):
            self._turn.generated += len(frame.text)
        elif isinstance(data.source, BaseOutputTransport) and data.direction == FrameDirection.DOWNSTREAM:
            if isinstance(frame, TTSTextFrame):
                self._turn.spoken += len(frame.text.strip()) + 1
            elif isinstance(frame, OutputAudioRawFrame) and self._open is not None:
                self._open.last_audio_at = now
            elif isinstance(frame, BotStartedSpeakingFrame):
                self._bot_speaking = True
                self._open = None  # new speech: the last interruption is settled
            elif isinstance(frame, BotStoppedSpeakingFrame):
                self._bot_speaking = False
        elif isinstance(frame, FlushCompletedFrame) and data.first_push:
            target = self._open or (self.records[-1] if self.records else None)
            if target is not None and target.flush_secs is None and frame.completed:
                target.flush_secs = frame.elapsed_secs
        elif isinstance(frame, EndFrame | CancelFrame) and data.first_push:
            self._maybe_log_summary()

    async def on_process_frame(self, data: FrameProcessed):
        """Note when an interruption reaches the output transport.

        Args:
            data: The processing event.
        """
        if (
            isinstance(data.frame, InterruptionFrame)
            and isinstance(data.processor, BaseOutputTransport)
            and self._open is not None
            and self._open.at_output_at is None
        ):
            self._open.at_output_at = time.monotonic()

    def _on_interruption(self, frame: InterruptionFrame, now: float) -> None:
        key = frame.broadcast_sibling_id if frame.broadcast_sibling_id is not None else frame.id
        if key in self._seen or frame.id in self._seen:
            return
        self._seen.update({frame.id, key})
        if not self._bot_speaking:
            self._turn = _Turn()  # Pipecat interrupts a silent bot at every user turn: no barge-in
            return
        if self._open is not None and self._open.at_output_at is None:
            return  # a second broadcast for the same barge-in
        decision = self._turn.decision
        record = InterruptionRecord(
            reason=decision.reason if decision else "interruption",
            onset_at=self._turn.onset_at,
            decided_at=self._turn.decision_seen_at if decision else now,
            detection_to_decision_secs=(decision.decided_at - decision.detected_at) if decision else 0.0,
            generated_chars=self._turn.generated,
            spoken_chars=self._turn.spoken,
        )
        self.records.append(record)
        self._open = record
        self._turn = _Turn()

    def summary(self) -> dict[str, Any]:
        """Counts by reason and p50/p95 of each latency, in milliseconds.

        Returns:
            The summary.
        """
        result: dict[str, Any] = {
            "interruptions": len(self.records),
            "by_reason": dict(Counter(r.reason for r in self.records)),
            "false_interruptions": self.false_interruptions,
            "generated_chars": sum(r.generated_chars for r in self.records),
            "spoken_chars": sum(r.spoken_chars for r in self.records),
        }
        for name in (
            "detection_to_decision_secs",
            "onset_to_output_secs",
            "decision_to_output_secs",
            "decision_to_silence_secs",
            "flush_secs",
        ):
            values = [v for r in self.records if (v := getattr(r, name)) is not None]
            key = name.removesuffix("_secs") + "_ms"
            if values:
                result[key] = {
                    "p50": percentile(values, 0.5) * 1000,
                    "p95": percentile(values, 0.95) * 1000,
                    "mean": statistics.fmean(values) * 1000,
                    "n": len(values),
                }
        return result

    def _maybe_log_summary(self) -> None:
        if self._log_summary and not self._summary_logged and self.records:
            self._summary_logged = True
            logger.info(f"{self}: interruption metrics {self.summary()}")
