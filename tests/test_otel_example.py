"""examples/otel_tracing.py runs with no collector, and builds OTLP exporters for one."""

import importlib.util
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "examples" / "otel_tracing.py"


def load():
    spec = importlib.util.spec_from_file_location("otel_tracing", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The example's `main`, on the kit's virtual time: its 2.5 s answer costs no wall time.
ON_VIRTUAL_TIME = f"""
import importlib.util
from pipecat_interrupts.testing.virtual_time import run_virtual
spec = importlib.util.spec_from_file_location("otel_tracing", {str(EXAMPLE)!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
run_virtual(module.main())
"""


def test_the_example_prints_the_plugin_spans_on_the_turn_traces():
    # Its own process: it installs the global tracer and meter providers.
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", ON_VIRTUAL_TIME], capture_output=True, text=True, timeout=50, env=env
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    spans = [line for line in lines if line.startswith("span ")]
    assert any(line.startswith("span turn ") for line in spans)
    decisions = [line for line in spans if line.startswith("span interruption.decision ")]
    assert [("verdict=backchannel" in d, "verdict=interrupt" in d) for d in decisions] == [
        (True, False),
        (False, True),
    ]
    assert any(
        line.startswith("span interruption.flush ") and "flush.completed=True" in line
        for line in spans
    )
    assert any(line.startswith("span interruption.snapshot ") for line in spans)
    assert any(
        "pipecat_interrupts.interruptions" in line for line in lines if line.startswith("metrics ")
    )
    assert "exported to the console" in done.stdout


def test_an_endpoint_gives_otlp_exporters_without_connecting():
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    spans, metrics = load().make_exporters("http://127.0.0.1:9/")
    assert isinstance(spans, OTLPSpanExporter) and isinstance(metrics, OTLPMetricExporter)
    assert spans._endpoint == "http://127.0.0.1:9/v1/traces"
    assert metrics._endpoint == "http://127.0.0.1:9/v1/metrics"
