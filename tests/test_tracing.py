"""The plugin's decisions, flushes and snapshots on Pipecat's own OpenTelemetry turn traces.

Real pipelines (the kit) with ``enable_tracing=True``; spans are read from the SDK's
in-memory exporter on the global tracer provider, where Pipecat's turn spans go too.
"""

import asyncio
import subprocess
import sys

import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pipeline_helpers import handlers_of

from pipecat_interrupts import (
    FlushCoordinator,
    FlushHookProcessor,
    InterruptionController,
    InterruptionMetricsObserver,
    PhraseInterruptionDetector,
    StateSnapshotter,
    TextInterruptionDetector,
    VADInterruptionDetector,
)
from pipecat_interrupts.conditions import MinBotSpeakingTime
from pipecat_interrupts.observability import (
    SPAN_DECISION,
    SPAN_FALSE_INTERRUPTION,
    SPAN_FLUSH,
    SPAN_SNAPSHOT,
    InterruptionTracer,
    OpenTelemetryMetricsExport,
)
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Noise,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

pytestmark = pytest.mark.virtual_time

ANSWER = (
    "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen."
)
_EXPORTER = InMemorySpanExporter()
_FED: list[TracerProvider] = []  # providers already feeding _EXPORTER


@pytest.fixture
def spans():
    """The global tracer provider (Pipecat's turn spans go there) feeding an in-memory exporter."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    if provider not in _FED:
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        _FED.append(provider)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def voice(
    steps, *, controller=None, tracing=True, false_timeout=0.5, flush_in_controller=False, **kwargs
):
    controller = controller or InterruptionController(
        detectors=[
            PhraseInterruptionDetector(),
            TextInterruptionDetector(),
            VADInterruptionDetector(min_speech_secs=0.15),
        ],
        flush=flush_in_controller,
    )
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=false_timeout)
    vp = build_voice_pipeline(
        controller=controller,
        snapshotter=snapshotter,
        user=ScriptedUser(steps),
        llm=FakeLLMService(replies=[ANSWER, "Sure."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        after_user_aggregator=[] if flush_in_controller else [FlushCoordinator()],
        enable_tracing=tracing,
        **kwargs,
    )
    return vp, controller, snapshotter


def named(exporter, name) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]


def assert_on_a_turn(exporter, span: ReadableSpan) -> None:
    """The span hangs under one of Pipecat's turn spans, in the conversation's trace."""
    turns = {s.context.span_id: s for s in named(exporter, "turn")}
    (conversation,) = named(exporter, "conversation")
    assert span.parent is not None and span.parent.span_id in turns, span.name
    assert span.context.trace_id == conversation.context.trace_id
    assert span.attributes["conversation.id"] == conversation.attributes["conversation.id"]


async def test_a_backchannel_is_a_decision_span_on_its_turn(spans):
    # The default detectors: words decide, so "mhm" is read as a backchannel.
    vp, _, _ = voice(
        [WaitForBot(), Pause(0.25), Utterance("mhm")], controller=InterruptionController()
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=8)
    (decision,) = named(spans, SPAN_DECISION)
    assert decision.attributes["interruption.verdict"] == "backchannel"
    assert decision.attributes["interruption.user_text_chars"] == len("mhm")
    assert_on_a_turn(spans, decision)
    assert not named(spans, SPAN_FLUSH) and not named(spans, SPAN_SNAPSHOT)


async def test_a_suppressed_attempt_then_the_barge_in_it_became(spans):
    controller = InterruptionController(conditions=[MinBotSpeakingTime(0.6)])
    vp, _, _ = voice([WaitForBot(), Utterance("hold on")], controller=controller)
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=8)
    decisions = named(spans, SPAN_DECISION)
    assert [d.attributes["interruption.verdict"] for d in decisions] == ["suppressed", "interrupt"]
    suppressed, decided = decisions
    assert suppressed.attributes["interruption.blocked_by"] == "min_bot_speaking_time(0.6s)"
    # Plain strings on the wire (not the Reason enum); the words that followed made it a phrase.
    assert type(suppressed.attributes["interruption.reason"]) is str
    assert decided.attributes["interruption.reason"] == "phrase"
    # Every condition asked, in order: the controller's built-in two, then the user's.
    checked = tuple(decided.attributes["interruption.conditions_checked"])
    assert checked[-1] == "min_bot_speaking_time(0.6s)"
    assert "uninterruptible_segment" in checked and len(checked) == 3
    # Held back until the bot had spoken long enough: the latency says so, and the span lasts it.
    latency = decided.attributes["interruption.latency_secs"]
    assert latency > 0.3
    assert (decided.end_time - decided.start_time) / 1e9 == pytest.approx(latency, abs=1e-6)
    for span in decisions:
        assert_on_a_turn(spans, span)


async def test_a_real_barge_in_has_its_decision_flush_and_snapshot(spans):
    async def hang(_frame):
        await asyncio.sleep(3600)

    slow = FlushHookProcessor(hang, name="slow-cache", flush_timeout_secs=0.05)
    vp, _, snapshotter = voice([WaitForBot(), Pause(0.25), Utterance("stop")], before_tts=[slow])
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=8)
    (decision,) = named(spans, SPAN_DECISION)
    assert decision.attributes["interruption.verdict"] == "interrupt"
    assert decision.attributes["interruption.reason"] == snapshotter.store.latest().reason
    assert decision.attributes["interruption.starts_user_turn"] is True
    (flush,) = named(spans, SPAN_FLUSH)
    assert flush.attributes["flush.completed"] is True
    # The cleanup that overran its deadline is named; the flush went on without it.
    assert flush.attributes["flush.timed_out_steps"] == ("slow-cache",)
    assert flush.attributes["flush.failed_steps"] == ()
    assert flush.attributes["flush.round_trip_secs"] >= 0
    (snapshot,) = named(spans, SPAN_SNAPSHOT)
    heard = snapshotter.store.latest()
    assert (
        snapshot.attributes["snapshot.flush_id"] == flush.attributes["flush.id"] == heard.flush_id
    )
    assert snapshot.attributes["snapshot.generated_chars"] == len(heard.generated_text)
    assert snapshot.attributes["snapshot.heard_chars"] == len(heard.spoken_text)
    assert (
        0
        < snapshot.attributes["snapshot.heard_chars"]
        < snapshot.attributes["snapshot.generated_chars"]
    )
    assert snapshot.attributes["snapshot.false_interruption"] is False
    assert not named(spans, SPAN_FALSE_INTERRUPTION)
    for span in (decision, flush, snapshot):
        assert_on_a_turn(spans, span)


async def test_a_flush_the_controller_runs_is_traced_too(spans):
    vp, controller, snapshotter = voice(
        [WaitForBot(), Pause(0.25), Utterance("stop")], flush_in_controller=True
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=8)
    (report,) = controller.flush_reports
    (flush,) = named(spans, SPAN_FLUSH)
    assert flush.attributes["flush.id"] == report.flush_id == snapshotter.store.latest().flush_id
    assert flush.attributes["flush.completed"] is True
    assert_on_a_turn(spans, flush)


async def test_a_false_interruption_is_traced_as_one(spans):
    vp, _, snapshotter = voice([WaitForBot(), Pause(0.25), Noise(0.3)])
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=8)
    assert snapshotter.false_interruptions == 1
    (decision,) = named(spans, SPAN_DECISION)
    assert decision.attributes["interruption.reason"] == "vad"
    assert decision.attributes["interruption.voice_only"] is True
    (snapshot,) = named(spans, SPAN_SNAPSHOT)
    (false_interruption,) = named(spans, SPAN_FALSE_INTERRUPTION)
    assert false_interruption.attributes["snapshot.false_interruption"] is True
    assert (
        false_interruption.attributes["snapshot.flush_id"]
        == snapshot.attributes["snapshot.flush_id"]
    )
    assert_on_a_turn(spans, false_interruption)


async def test_nothing_is_traced_when_the_pipeline_does_not_trace(spans):
    vp, controller, snapshotter = voice([WaitForBot(), Pause(0.25), Utterance("stop")], tracing=False)
    assert len(handlers_of(controller, "on_interruption")) == 1  # attached...
    async with vp:
        # ...and taken off at the first frame: the pipeline does not trace, so a decision
        # costs no tracer call at all.
        assert handlers_of(controller, "on_interruption") == []
        assert handlers_of(snapshotter, "on_snapshot") == []
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=8)
    assert len(vp.output.interruptions) == 1
    assert spans.get_finished_spans() == ()


def test_the_wiring_helper_attaches_a_tracer_unless_told_not_to():
    from pipecat.processors.aggregators.llm_context import LLMContext

    from pipecat_interrupts.wiring import interruption_pipeline

    def listeners(flag):
        controller, coordinator = InterruptionController(), FlushCoordinator()
        interruption_pipeline(
            context=LLMContext(),
            llm=FakeLLMService(),
            tts=FakeTTSService(),
            transport_output=FakeTTSService(),
            controller=controller,
            after_user_aggregator=[coordinator],
            trace=flag,
        )
        return (
            len(handlers_of(controller, "on_interruption")),
            len(handlers_of(coordinator, "on_flush_completed")),
        )

    assert listeners(False) == (0, 0)
    assert listeners(True) == (1, 1)
    assert listeners(InterruptionTracer()) == (1, 1)


def test_attach_rejects_the_wrong_processor():
    with pytest.raises(TypeError, match="controller"):
        InterruptionTracer().attach(controller=StateSnapshotter())


async def test_the_metrics_observer_exports_counters_and_histograms():
    reader = InMemoryMetricReader()
    export = OpenTelemetryMetricsExport(meter_provider=MeterProvider(metric_readers=[reader]))
    observer = InterruptionMetricsObserver(export=export)
    vp, _, snapshotter = voice(
        [WaitForBot(), Pause(0.25), Noise(0.3)], tracing=False, observers=[observer]
    )
    observer.watch_snapshotter(snapshotter)
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=8)
    points = {
        metric.name: metric.data.data_points
        for resource in reader.get_metrics_data().resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    (count,) = points["pipecat_interrupts.interruptions"]
    assert count.value == len(observer.records) == 1
    assert count.attributes == {"interruption.reason": "vad"}
    (false_count,) = points["pipecat_interrupts.false_interruptions"]
    assert false_count.value == 1
    (onset,) = points["pipecat_interrupts.onset_to_output"]
    assert onset.count == 1
    assert onset.sum == pytest.approx(observer.records[0].onset_to_output_secs)


def test_the_metrics_export_is_off_by_default_and_checked():
    assert InterruptionMetricsObserver()._export is None
    with pytest.raises(TypeError, match="export"):
        InterruptionMetricsObserver(export=object())


def test_the_plugin_imports_and_wires_without_opentelemetry():
    # A process where OpenTelemetry cannot be imported: the tracer is attached by the
    # wiring helper and costs an import of nothing. Nor does importing the plugin load the
    # `openai` package (Pipecat's OpenAI adapter; an `OpenAICompatibleNode` loads it when
    # built, as Pipecat's own LLM services do): it was 0.4 of the 0.5 s `import
    # pipecat_interrupts` took after Pipecat's modules, paid by bots on other LLMs too.
    script = """
import sys
sys.modules["opentelemetry"] = None  # import opentelemetry -> ImportError
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat_interrupts import InterruptionController, InterruptionMetricsObserver
from pipecat_interrupts.observability import InterruptionTracer
from pipecat_interrupts.testing import FakeLLMService, FakeTTSService, MockOutputTransport
from pipecat_interrupts.wiring import interruption_pipeline
assert "openai" not in sys.modules
controller = InterruptionController()
interruption_pipeline(context=LLMContext(), llm=FakeLLMService(), tts=FakeTTSService(),
                      transport_output=MockOutputTransport(), controller=controller)
InterruptionMetricsObserver()
assert len(controller._event_handlers["on_interruption"].handlers) == 1
assert not [m for m in sys.modules if m.startswith("opentelemetry.")]
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=50
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
