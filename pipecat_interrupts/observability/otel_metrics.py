#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`OpenTelemetryMetricsExport`: the metrics observer's barge-ins as OpenTelemetry metrics.

Give one to the observer (off by default)::

    metrics = InterruptionMetricsObserver(export=OpenTelemetryMetricsExport())

Each settled barge-in adds one to ``pipecat_interrupts.interruptions`` (attribute
``interruption.reason``) and records its latencies, in seconds, in histograms named
after the `InterruptionRecord` fields (``pipecat_interrupts.onset_to_output`` ...);
character counts go to ``pipecat_interrupts.generated_chars`` / ``spoken_chars``, and
false interruptions to ``pipecat_interrupts.false_interruptions``. The instruments come
from the given ``MeterProvider`` or the global one; OpenTelemetry is imported when the
export is built, never by the observer itself.
"""

from typing import Any

from pipecat_interrupts.observability.barge_in_record import InterruptionRecord

METER_NAME = "pipecat_interrupts"
PREFIX = "pipecat_interrupts."
LATENCIES = (
    "detection_to_decision_secs",
    "onset_to_output_secs",
    "decision_to_output_secs",
    "decision_to_silence_secs",
    "output_to_silence_secs",
    "flush_secs",
)


class OpenTelemetryMetricsExport:
    """Counters and histograms for the barge-ins an `InterruptionMetricsObserver` measures."""

    def __init__(self, *, meter_provider: Any = None) -> None:
        """Create the instruments.

        Args:
            meter_provider: An OpenTelemetry ``MeterProvider``; the global one if None.

        Raises:
            ImportError: If ``opentelemetry-api`` is not installed (``pip install
                "pipecat-interrupts[tracing]"``).
        """
        from opentelemetry import metrics

        meter = (meter_provider or metrics.get_meter_provider()).get_meter(METER_NAME)
        self._interruptions = meter.create_counter(
            f"{PREFIX}interruptions", unit="1", description="Barge-ins, by reason"
        )
        self._false_interruptions = meter.create_counter(
            f"{PREFIX}false_interruptions",
            unit="1",
            description="Interruptions the caller never followed with words",
        )
        self._latencies = {
            field: meter.create_histogram(
                f"{PREFIX}{field.removesuffix('_secs')}", unit="s", description=field
            )
            for field in LATENCIES
        }
        self._generated = meter.create_histogram(
            f"{PREFIX}generated_chars", unit="1", description="Characters generated for a cut reply"
        )
        self._spoken = meter.create_histogram(
            f"{PREFIX}spoken_chars", unit="1", description="Characters of a cut reply played"
        )

    def __str__(self) -> str:
        return type(self).__name__

    def record(self, record: InterruptionRecord) -> None:
        """Count one settled barge-in and record its measurements.

        Args:
            record: The barge-in.
        """
        attributes = {"interruption.reason": str(record.reason)}
        self._interruptions.add(1, attributes)
        for field, histogram in self._latencies.items():
            value = getattr(record, field)
            if value is not None:
                histogram.record(value, attributes)
        self._generated.record(record.generated_chars, attributes)
        self._spoken.record(record.spoken_chars, attributes)

    def false_interruption(self) -> None:
        """Count one false interruption."""
        self._false_interruptions.add(1)


__all__ = ["LATENCIES", "METER_NAME", "OpenTelemetryMetricsExport"]
