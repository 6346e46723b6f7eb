#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`InterruptionRecord`, the measurements of one barge-in, and `MetricsExport`, where they go.

Plain data: `BargeInTracker` fills a record in as the barge-in's frames pass and hands
each settled one to the export, if the `InterruptionMetricsObserver` was given one
(`OpenTelemetryMetricsExport`, or your own). Both are importable from
`pipecat_interrupts.metrics` too.
"""

from dataclasses import dataclass
from typing import Protocol


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


class MetricsExport(Protocol):
    """Where settled barge-ins are also sent (`OpenTelemetryMetricsExport`, or your own)."""

    def record(self, record: InterruptionRecord) -> None:
        """Take one settled barge-in."""
        ...

    def false_interruption(self) -> None:
        """Take one false interruption."""
        ...


__all__ = ["InterruptionRecord", "MetricsExport"]
