#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`InterruptionTracer`: the plugin's decisions as spans on Pipecat's own turn traces.

With ``PipelineWorker(..., enable_tracing=True)`` Pipecat traces each conversation and
turn (its ``TurnTraceObserver``) and hands the processors a ``TracingContext`` in their
setup. The tracer listens to the plugin's processors and adds one short span under the
current turn span (or the conversation span between turns) for each:

- decision (`SPAN_DECISION`): a barge-in, a suppressed attempt or a backchannel, with
  its verdict, reason, the detector's detail, the trigger, the condition that held it
  back and the latency from detection to decision (also the span's duration);
- flush (`SPAN_FLUSH`): its id, reason, round trip (the span's duration), each end's
  time and the cleanup steps that timed out or failed;
- snapshot (`SPAN_SNAPSHOT`): generated versus heard lengths, the reason and flush id;
  and a false interruption (`SPAN_FALSE_INTERRUPTION`) when the snapshotter reports one.

Pipecat's ``TracingContext`` holds the turn's span *context*, not the span, so these are
child spans, not events on the turn span. The handlers are plain functions, so they run in
line where the event fires (no task each). When a processor's pipeline does not trace,
the tracer takes its handlers off at that processor's first frame, so its events cost
nothing; nothing from OpenTelemetry is imported.
"""

import time
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from loguru import logger
from pipecat.processors.frame_processor import FrameProcessor

from pipecat_interrupts.detectors.base import Detection
from pipecat_interrupts.flush_coordinator import FlushCoordinator, FlushReport
from pipecat_interrupts.frames import InterruptionDecision
from pipecat_interrupts.interruption_controller import InterruptionController
from pipecat_interrupts.snapshot import InterruptionSnapshot
from pipecat_interrupts.snapshotter import StateSnapshotter

TRACER_NAME = "pipecat_interrupts"
SPAN_DECISION = "interruption.decision"
SPAN_FLUSH = "interruption.flush"
SPAN_SNAPSHOT = "interruption.snapshot"
SPAN_FALSE_INTERRUPTION = "interruption.false_interruption"

AttributeValue = str | bool | int | float | list[str]


class DecisionVerdict(StrEnum):
    """What the controller made of a user's attempt (``interruption.verdict``)."""

    INTERRUPT = "interrupt"
    SUPPRESSED = "suppressed"
    BACKCHANNEL = "backchannel"


class InterruptionTracer:
    """Adds the plugin's decisions, flushes and snapshots to Pipecat's turn traces.

    The wiring helper attaches one (``interruption_pipeline(trace=True)``, the default);
    attach one yourself to processors you place by hand::

        InterruptionTracer().attach(controller=controller, snapshotter=snapshotter,
                                    flush_coordinator=coordinator)
        worker = PipelineWorker(pipeline, enable_tracing=True)
    """

    def __init__(self, *, tracer_provider: Any = None) -> None:
        """Initialize the tracer.

        Args:
            tracer_provider: An OpenTelemetry ``TracerProvider``; the global one (the
                provider Pipecat's own spans go to) if None.
        """
        self._provider = tracer_provider
        self._tracer: Any = None
        self._attached: dict[int, tuple[tuple[str, Any], ...]] = {}

    def __str__(self) -> str:
        return type(self).__name__

    def attach(
        self,
        *,
        controller: InterruptionController | None = None,
        snapshotter: StateSnapshotter | None = None,
        flush_coordinator: FlushCoordinator | None = None,
    ) -> "InterruptionTracer":
        """Listen to the given processors' events.

        Args:
            controller: Its decisions become `SPAN_DECISION` spans; the flushes it runs
                (``flush=True``), `SPAN_FLUSH` spans.
            snapshotter: Its snapshots and false interruptions become spans.
            flush_coordinator: Its flushes (completed or timed out) become spans.

        Returns:
            This tracer.

        Raises:
            TypeError: If a processor has the wrong type.
        """
        for name, value, kind in (
            ("controller", controller, InterruptionController),
            ("snapshotter", snapshotter, StateSnapshotter),
            ("flush_coordinator", flush_coordinator, FlushCoordinator),
        ):
            if value is not None and not isinstance(value, kind):
                raise TypeError(f"{name} must be a {kind.__name__}, got {value!r}")
        handlers: list[tuple[FrameProcessor | None, tuple[tuple[str, Any], ...]]] = [
            (
                controller,
                (
                    ("on_interruption", self._on_interruption),
                    ("on_interruption_suppressed", self._on_suppressed),
                    ("on_backchannel", self._on_backchannel),
                    *(
                        (
                            ("on_flush_completed", self._on_flush),
                            ("on_flush_timeout", self._on_flush),
                        )
                        if controller is not None and controller.flush_runner is not None
                        else ()
                    ),
                ),
            ),
            (
                snapshotter,
                (
                    ("on_snapshot", self._on_snapshot),
                    ("on_false_interruption", self._on_false_interruption),
                ),
            ),
            (
                flush_coordinator,
                (("on_flush_completed", self._on_flush), ("on_flush_timeout", self._on_flush)),
            ),
        ]
        for processor, events in handlers:
            if processor is None:
                continue
            for event, handler in events:
                processor.add_event_handler(event, handler)
            self._attached[id(processor)] = events
            # At its first frame (the StartFrame, after setup) the processor knows whether
            # its pipeline traces; if not, every handler comes off: events cost nothing.
            processor.add_event_handler("on_before_process_frame", self._on_first_frame)
        return self

    def _on_first_frame(self, processor: FrameProcessor, frame: Any) -> None:
        # A plain function: it runs in line, with no task of its own for each pipeline.
        processor.remove_event_handler("on_before_process_frame", self._on_first_frame)
        if _tracing_context_of(processor) is None:
            for event, handler in self._attached.pop(id(processor), ()):
                processor.remove_event_handler(event, handler)

    def _on_interruption(self, controller: FrameProcessor, decision: InterruptionDecision) -> None:
        if _tracing_context_of(controller) is None:
            return  # the pipeline does not trace: nothing to build
        attributes: dict[str, AttributeValue] = {
            "interruption.verdict": DecisionVerdict.INTERRUPT.value,
            "interruption.reason": str(decision.reason),
            "interruption.latency_secs": max(0.0, decision.decided_at - decision.detected_at),
            "interruption.voice_only": bool(decision.voice_only),
            "interruption.starts_user_turn": decision.starts_user_turn,
            "interruption.user_text_chars": len(decision.text or ""),
        }
        detail = decision.details.get("detail")
        if detail:
            attributes["interruption.detail"] = str(detail)
        checked = decision.details.get("conditions_checked")
        if isinstance(checked, list):
            attributes["interruption.conditions_checked"] = [str(name) for name in checked]
        errors = decision.details.get("condition_errors")
        if isinstance(errors, list):
            attributes["interruption.condition_errors"] = [str(name) for name in errors]
        if decision.trigger:
            attributes["interruption.trigger"] = decision.trigger
        self._emit(
            controller,
            SPAN_DECISION,
            attributes,
            elapsed_secs=decision.decided_at - decision.detected_at,
        )

    def _on_suppressed(
        self, controller: FrameProcessor, detection: Detection, condition_name: str
    ) -> None:
        if _tracing_context_of(controller) is None:
            return  # the pipeline does not trace: nothing to build
        attributes: dict[str, AttributeValue] = {
            "interruption.verdict": DecisionVerdict.SUPPRESSED.value,
            "interruption.reason": str(detection.reason),
            "interruption.blocked_by": str(condition_name),
            "interruption.voice_only": bool(detection.voice_only),
        }
        if detection.detail:
            attributes["interruption.detail"] = detection.detail
        self._emit(controller, SPAN_DECISION, attributes)

    def _on_backchannel(self, controller: FrameProcessor, text: str) -> None:
        if _tracing_context_of(controller) is None:
            return  # the pipeline does not trace: nothing to build
        self._emit(
            controller,
            SPAN_DECISION,
            {
                "interruption.verdict": DecisionVerdict.BACKCHANNEL.value,
                "interruption.reason": "backchannel",
                "interruption.user_text_chars": len(text),
            },
        )

    def _on_flush(self, host: FrameProcessor, report: FlushReport) -> None:
        # The host: the controller running the flush, or a `FlushCoordinator`.
        if _tracing_context_of(host) is None:
            return  # the pipeline does not trace: nothing to build
        steps = (*report.upstream_trail, *report.downstream_trail)
        attributes: dict[str, AttributeValue] = {
            "flush.id": report.flush_id,
            "flush.reason": str(report.reason),
            "flush.completed": report.completed,
            "flush.round_trip_secs": report.elapsed_secs,
            "flush.steps": len(steps),
            "flush.timed_out_steps": [s.processor for s in steps if s.outcome == "timeout"],
            "flush.failed_steps": [s.processor for s in steps if s.outcome == "error"],
            "flush.tasks_cancelled": report.tasks.total,
        }
        if report.trigger:
            attributes["flush.trigger"] = report.trigger
        if report.upstream_secs is not None:
            attributes["flush.upstream_secs"] = report.upstream_secs
        if report.downstream_secs is not None:
            attributes["flush.downstream_secs"] = report.downstream_secs
        self._emit(host, SPAN_FLUSH, attributes, elapsed_secs=report.elapsed_secs)

    def _on_snapshot(self, snapshotter: FrameProcessor, snapshot: InterruptionSnapshot) -> None:
        if _tracing_context_of(snapshotter) is None:
            return  # the pipeline does not trace: nothing to build
        self._emit(
            snapshotter, SPAN_SNAPSHOT, _snapshot_attributes(snapshot, false_interruption=False)
        )

    def _on_false_interruption(
        self, snapshotter: FrameProcessor, snapshot: InterruptionSnapshot
    ) -> None:
        if _tracing_context_of(snapshotter) is None:
            return  # the pipeline does not trace: nothing to build
        self._emit(
            snapshotter,
            SPAN_FALSE_INTERRUPTION,
            _snapshot_attributes(snapshot, false_interruption=True),
        )

    def _emit(
        self,
        processor: FrameProcessor,
        name: str,
        attributes: Mapping[str, AttributeValue],
        *,
        elapsed_secs: float = 0.0,
    ) -> None:
        """One finished span under the processor's current turn, if its pipeline traces."""
        tracing_context = _tracing_context_of(processor)
        if tracing_context is None:
            return
        parent = tracing_context.get_turn_context() or tracing_context.get_conversation_context()
        end_ns = time.time_ns()
        start_ns = end_ns - int(max(0.0, elapsed_secs) * 1e9)
        attributes = dict(attributes)
        if tracing_context.conversation_id:
            attributes["conversation.id"] = tracing_context.conversation_id
        span = self._get_tracer().start_span(
            name, context=parent, start_time=start_ns, attributes=attributes
        )
        span.end(end_time=end_ns)
        logger.debug(f"{self}: {name} {attributes}")

    def _get_tracer(self) -> Any:
        if self._tracer is None:
            from opentelemetry import trace  # only once a pipeline traces

            provider = self._provider or trace.get_tracer_provider()
            self._tracer = provider.get_tracer(TRACER_NAME)
        return self._tracer


def _tracing_context(setup: Any) -> Any:
    if not getattr(setup, "enable_tracing", False):
        return None
    return getattr(setup, "tracing_context", None)


def _tracing_context_of(processor: FrameProcessor) -> Any:
    """The pipeline's ``TracingContext``, or None when it does not trace (or is not set up)."""
    try:
        setup = processor.processor_setup
    except Exception:  # Pipecat raises a bare Exception before setup: nothing to trace into
        return None
    return _tracing_context(setup)


def _snapshot_attributes(
    snapshot: InterruptionSnapshot, *, false_interruption: bool
) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {
        "snapshot.reason": str(snapshot.reason),
        "snapshot.generated_chars": len(snapshot.generated_text),
        "snapshot.heard_chars": len(snapshot.spoken_text),
        "snapshot.unheard_chars": len(snapshot.unspoken_text),
        "snapshot.spoken_secs": snapshot.spoken_secs,
        "snapshot.generation_complete": snapshot.generation_complete,
        "snapshot.false_interruption": false_interruption,
    }
    if snapshot.flush_id:
        attributes["snapshot.flush_id"] = snapshot.flush_id
    if snapshot.trigger:
        attributes["snapshot.trigger"] = snapshot.trigger
    return attributes


__all__ = [
    "SPAN_DECISION",
    "SPAN_FALSE_INTERRUPTION",
    "SPAN_FLUSH",
    "SPAN_SNAPSHOT",
    "TRACER_NAME",
    "DecisionVerdict",
    "InterruptionTracer",
]
