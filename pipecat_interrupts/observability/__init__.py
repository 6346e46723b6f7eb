#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The plugin's decisions on Pipecat's OpenTelemetry tracing, and its metrics as OpenTelemetry metrics.

Nothing here imports OpenTelemetry until a pipeline runs with tracing on (or a metrics
export is built): install it with ``pip install "pipecat-interrupts[tracing]"``.
"""

from pipecat_interrupts.observability.otel_metrics import OpenTelemetryMetricsExport
from pipecat_interrupts.observability.tracing import (
    SPAN_DECISION,
    SPAN_FALSE_INTERRUPTION,
    SPAN_FLUSH,
    SPAN_SNAPSHOT,
    DecisionVerdict,
    InterruptionTracer,
)

__all__ = [
    "SPAN_DECISION",
    "SPAN_FALSE_INTERRUPTION",
    "SPAN_FLUSH",
    "SPAN_SNAPSHOT",
    "DecisionVerdict",
    "InterruptionTracer",
    "OpenTelemetryMetricsExport",
]
