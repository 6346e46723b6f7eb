#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A user's bot written against the public API the way the README shows it, fully typed.

`tests/test_typing.py` checks this file with ``mypy --strict``: if a public signature
loses its types (or a README pattern stops type-checking), that test fails. The fakes
from `pipecat_interrupts.testing` stand in for keyed services, so nothing here needs a
network; the file is type-checked, not collected by pytest (no ``test_`` prefix).
"""

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame, InterruptionFrame, LLMContextFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameDirection

from pipecat_interrupts import (
    AgentHandoffFrame,
    AgentResponse,
    EchoGuard,
    EmergencyStopFrame,
    FlushableMixin,
    FlushCoordinator,
    FlushFrame,
    FlushHookProcessor,
    FlushReport,
    InterruptibleNode,
    InterruptionController,
    InterruptionMetricsObserver,
    InterruptionPipeline,
    InterruptionSnapshot,
    MinBotSpeakingTime,
    PhraseInterruptionDetector,
    RouteInterruption,
    RouteProcessor,
    StateSnapshotter,
    controlled_user_turn_strategies,
    interruption_pipeline,
)
from pipecat_interrupts.detectors import ModelInterruptionDetector, OpenAIInterruptionClassifier
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    MockOutputTransport,
    Pause,
    ScriptedUser,
    Utterance,
    VoicePipeline,
    WaitForBot,
    build_voice_pipeline,
)

MIN_SPEAK_TIME = 1.0


def wired_pipeline(context: LLMContext) -> Pipeline:
    """The wiring helper around your own services (README: "Where each processor goes")."""
    wiring: InterruptionPipeline = interruption_pipeline(
        context=context,
        transport_input=ScriptedUser(),
        llm=FakeLLMService(replies=["Hello."]),
        tts=FakeTTSService(),
        transport_output=MockOutputTransport(),
        controller=InterruptionController(conditions=[MinBotSpeakingTime(1.0)]),
        after_user_aggregator=[FlushCoordinator()],
    )
    return Pipeline(wiring.processors)


def hand_wired_pipeline(context: LLMContext) -> Pipeline:
    """The controller, strategies and snapshotter placed by hand (README: detection, snapshots)."""
    controller = InterruptionController(conditions=[MinBotSpeakingTime(1.0), EchoGuard(1.0)])
    user_aggregator, assistant_aggregator = LLMContextAggregatorPair(
        context,
        user_params=LLMUserAggregatorParams(
            user_turn_strategies=controlled_user_turn_strategies(controller),
        ),
    )
    snapshotter = StateSnapshotter(context=context)
    coordinator = FlushCoordinator()

    @snapshotter.event_handler("on_snapshot")
    async def on_snapshot(snapshotter: StateSnapshotter, snapshot: InterruptionSnapshot) -> None:
        logger.info(f"heard {snapshot.spoken_text!r}, lost {snapshot.unspoken_text!r}")

    @coordinator.event_handler("on_flush_completed")
    async def on_flush_completed(coordinator: FlushCoordinator, report: FlushReport) -> None:
        logger.info(f"flush {report.flush_id} ({report.reason}) took {report.elapsed_secs:.3f} s")

    return Pipeline(
        [
            ScriptedUser(),
            snapshotter.tap(),
            controller,
            user_aggregator,
            coordinator,
            FakeLLMService(replies=["Hello."]),
            snapshotter.tap(),
            FakeTTSService(),
            MockOutputTransport(),
            snapshotter,
            assistant_aggregator,
        ]
    )


def model_detector() -> ModelInterruptionDetector:
    """A model detector behind the phrase judge (README: "Languages")."""
    judge = PhraseInterruptionDetector()
    return ModelInterruptionDetector(
        OpenAIInterruptionClassifier(base_url="http://localhost:8000/v1", model="qwen2.5-1.5b-instruct"),
        phrases=judge,
        deadline_secs=0.3,
    )


class StatefulInterruptNode(InterruptibleNode):
    """The seed's ReasoningNode (README: "Routes and interruptible nodes")."""

    generation_state: dict[str, Any] | None = None

    def on_interrupt(
        self, frame: Frame | None = None, interruption: RouteInterruption | None = None
    ) -> None:
        """Keep what was generated and heard, for a resume."""
        if interruption is not None:
            self.generation_state = {
                "interrupted_at": time.time(),
                "partial_response": interruption.generated,
                "heard": interruption.heard,
                "reason": interruption.reason,
            }

    async def process(self, frame: Any) -> AsyncIterator[Any]:
        """Stream a reply."""
        for word in ["You", "said", "something."]:
            yield AgentResponse(content=word)


def routed_controller() -> InterruptionController:
    """A route whose interruption condition the controller asks (README: routes)."""
    started = time.monotonic()
    node = StatefulInterruptNode()
    snapshotter = StateSnapshotter()
    router = RouteProcessor(heard_text=snapshotter)
    route = (
        router.on(LLMContextFrame)
        .interrupt_on(
            [InterruptionFrame, EmergencyStopFrame, AgentHandoffFrame],
            handler=node.on_interrupt_generate,
            condition=lambda message: time.monotonic() - started > MIN_SPEAK_TIME,
        )
        .max_concurrent_tasks(1)
        .stream(node.generate)
        .broadcast()
    )
    return InterruptionController(conditions=[route.interruption_condition()])


class CacheClearingProcessor(FlushableMixin, FakeTTSService):
    """A processor opted into the flush chain (README: "The flush chain")."""

    def __init__(self) -> None:
        """Create it with an empty sentence cache."""
        super().__init__()
        self.pending_sentences: list[str] = []

    async def on_flush(self, frame: FlushFrame, direction: FrameDirection) -> None:
        """Drop the sentences of the interrupted reply."""
        self.pending_sentences.clear()


async def prefetch(order_id: str) -> str:
    """A tool call that must die with the answer."""
    await asyncio.sleep(0.1)
    return order_id


def flush_hooks(coordinator: FlushCoordinator) -> FlushHookProcessor:
    """A flush hook and a task registered to be cancelled on barge-in."""
    cache: dict[str, str] = {}
    task = coordinator.task_registry.create_task(prefetch("42"), name="prefetch")
    coordinator.task_registry.register(task, name="tool:lookup")
    return FlushHookProcessor(lambda flush: cache.clear(), name="cache-flush")


def metrics_worker(pipeline: Pipeline, snapshotter: StateSnapshotter) -> PipelineWorker:
    """The metrics observer on a worker (README: "Metrics")."""
    metrics = InterruptionMetricsObserver()
    metrics.watch_snapshotter(snapshotter)
    worker = PipelineWorker(pipeline, observers=[metrics])
    logger.info(metrics.summary())
    return worker


async def caller_can_cut_the_bot_off() -> None:
    """The README's copyable test, on the fakes."""
    user = ScriptedUser([WaitForBot(), Pause(0.5), Utterance("wait, stop")])
    vp: VoicePipeline = build_voice_pipeline(
        user=user,
        llm=FakeLLMService(replies=["First point. Second point.", "Sure."]),
        tts=FakeTTSService(secs_per_word=0.1),
        after_user_aggregator=[FlushCoordinator()],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)
    assert len(vp.output.interruptions) == 1
    assert vp.messages[2] == {"role": "user", "content": "wait, stop"}
