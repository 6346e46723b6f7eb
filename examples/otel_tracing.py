#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Barge-in decisions on Pipecat's OpenTelemetry traces, and barge-in metrics (no keys).

    pip install "pipecat-interrupts[tracing]"
    python examples/otel_tracing.py                                  # spans printed here
    python examples/otel_tracing.py --otlp-endpoint http://localhost:4318   # to a collector

With ``--otlp-endpoint`` (or ``OTEL_EXPORTER_OTLP_ENDPOINT``) spans and metrics go over
OTLP/HTTP to a collector (Jaeger, Grafana Tempo, Langfuse, an OpenTelemetry Collector...);
without it they are printed. A scripted caller on the testing kit says "mhm" (a
backchannel: the bot keeps talking), then "stop" (a barge-in: decision, flush, snapshot).

In your own bot the same three steps apply:

1. set the global tracer (and meter) provider with your exporter, as below;
2. ``PipelineWorker(pipeline, enable_tracing=True)``: Pipecat traces each turn;
3. build the pipeline with ``interruption_pipeline(...)``: it attaches an
   `InterruptionTracer`, so the plugin's spans land on those turns. For the metrics,
   ``InterruptionMetricsObserver(export=OpenTelemetryMetricsExport())``.
"""

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

from loguru import logger

logger.remove()
logger.add(sys.stderr, level="WARNING")

from opentelemetry import metrics, trace  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import (  # noqa: E402
    ConsoleMetricExporter,
    MetricExporter,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import (  # noqa: E402
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)

from pipecat_interrupts import (  # noqa: E402
    FlushCoordinator,
    InterruptionController,
    InterruptionMetricsObserver,
    StateSnapshotter,
)
from pipecat_interrupts.observability import OpenTelemetryMetricsExport  # noqa: E402
from pipecat_interrupts.testing import (  # noqa: E402
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

# About 2.5 s of speech: "stop" (0.8 s in) still finds the bot talking on a loaded machine.
ANSWER = (
    "Your order shipped on Monday. It should arrive on Thursday. Tracking is in your email. "
    "If it has not arrived by Friday, reply to that email and we will send another one."
)


def one_line(span: ReadableSpan) -> str:
    """A span as one console line (the default console format is a page of JSON)."""
    attributes = " ".join(f"{k}={v}" for k, v in (span.attributes or {}).items())
    return f"span {span.name} {attributes}\n"


def make_exporters(otlp_endpoint: str | None) -> tuple[SpanExporter, MetricExporter]:
    """OTLP/HTTP exporters for a collector at ``otlp_endpoint``, else console exporters.

    Args:
        otlp_endpoint: The collector's base URL (``http://localhost:4318``), or None.

    Returns:
        The span exporter and the metric exporter.
    """
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        base = otlp_endpoint.rstrip("/")
        return (
            OTLPSpanExporter(endpoint=f"{base}/v1/traces"),
            OTLPMetricExporter(endpoint=f"{base}/v1/metrics"),
        )
    return (
        ConsoleSpanExporter(formatter=one_line),
        ConsoleMetricExporter(formatter=lambda data: f"metrics {data.to_json(indent=None)}\n"),
    )


def set_up(otlp_endpoint: str | None, service_name: str) -> tuple[TracerProvider, MeterProvider]:
    """Install the global tracer and meter providers (Pipecat's turn spans use the global one)."""
    span_exporter, metric_exporter = make_exporters(otlp_endpoint)
    resource = Resource.create({"service.name": service_name})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(tracer_provider)
    # Exported every minute and once more at shutdown.
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=60_000)
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    metrics.set_meter_provider(meter_provider)
    return tracer_provider, meter_provider


async def call() -> dict[str, Any]:
    """One scripted call with tracing on; returns the metrics summary."""
    observer = InterruptionMetricsObserver(export=OpenTelemetryMetricsExport(), log_summary=False)
    snapshotter = StateSnapshotter()
    observer.watch_snapshotter(snapshotter)
    vp = build_voice_pipeline(
        controller=InterruptionController(),
        snapshotter=snapshotter,
        user=ScriptedUser(
            [WaitForBot(), Pause(0.3), Utterance("mhm"), Pause(0.5), Utterance("stop")]
        ),
        llm=FakeLLMService(replies=[ANSWER, "Sure, stopping."]),
        tts=FakeTTSService(secs_per_word=0.08),
        after_user_aggregator=[FlushCoordinator()],
        observers=[observer],
        enable_tracing=True,  # PipelineWorker(pipeline, enable_tracing=True) in your bot
    )
    async with vp:
        await vp.start_bot_turn()
        await vp.output.wait_until(lambda: "Sure, stopping." in vp.output.spoken_text, timeout=10)
    return observer.summary()


async def main(argv: Sequence[str] = ()) -> None:
    """Run the call and export what it traced.

    Args:
        argv: Command-line arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--otlp-endpoint",
        default=os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
        help="OTLP/HTTP collector base URL, e.g. http://localhost:4318 (default: print)",
    )
    parser.add_argument("--service-name", default="pipecat-interrupts-demo")
    args = parser.parse_args(list(argv))
    tracer_provider, meter_provider = set_up(args.otlp_endpoint, args.service_name)
    try:
        summary = await call()
        by_reason = {str(reason): count for reason, count in summary["by_reason"].items()}
        print(f"barge-ins by reason: {by_reason}")
    finally:
        tracer_provider.shutdown()  # flushes the last spans
        meter_provider.shutdown()
    where = args.otlp_endpoint or "the console"
    print(f"exported to {where}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
