#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The same barge-in stack with real services, for users with API keys.

OpenAI-compatible LLM (any server: set ``OPENAI_BASE_URL``), OpenAI speech-to-text and
text-to-speech, Silero VAD inside the user aggregator, and Pipecat's WebSocket server
transport on 127.0.0.1 (connect a client that speaks Pipecat's protobuf protocol, such
as Pipecat's web client). Not run in CI: ``tests/test_examples.py`` builds it with dummy
keys so it cannot rot.

    export OPENAI_API_KEY=sk-...            # and optionally OPENAI_BASE_URL, LLM_MODEL
    python examples/real_services_bot.py --port 8765
"""

import argparse
import asyncio
import os
import sys

from loguru import logger
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.serializers.protobuf import ProtobufFrameSerializer
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.services.openai.stt import OpenAISTTService
from pipecat.services.openai.tts import OpenAITTSService
from pipecat.transports.websocket.server import (
    SingleClientWebsocketServerParams,
    SingleClientWebsocketServerTransport,
)
from pipecat.workers.runner import WorkerRunner

from pipecat_interrupts import (
    BotSpeakingGuard,
    EchoGuard,
    FlushCoordinator,
    InterruptionController,
    InterruptionMetricsObserver,
    MinBotSpeakingTime,
    StateSnapshotter,
    controlled_user_turn_strategies,
)


def build_real_services_bot(
    *,
    api_key: str,
    base_url: str | None = None,
    llm_model: str = "gpt-4o-mini",
    host: str = "127.0.0.1",
    port: int = 8765,
) -> tuple[PipelineWorker, dict]:
    """Build the bot.

    Args:
        api_key: Key for the OpenAI-compatible services.
        base_url: An OpenAI-compatible server for the LLM (None for OpenAI).
        llm_model: The LLM model name.
        host: Interface to bind.
        port: TCP port.

    Returns:
        ``(worker, parts)``.
    """
    transport = SingleClientWebsocketServerTransport(
        params=SingleClientWebsocketServerParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            serializer=ProtobufFrameSerializer(),
            allowed_origins=[],
        ),
        host=host,
        port=port,
    )
    stt = OpenAISTTService(api_key=api_key)
    llm = OpenAILLMService(
        api_key=api_key, base_url=base_url, settings=OpenAILLMService.Settings(model=llm_model)
    )
    tts = OpenAITTSService(api_key=api_key)
    context = LLMContext(
        [{"role": "system", "content": "You are a concise, friendly voice assistant."}]
    )
    controller = InterruptionController(conditions=[MinBotSpeakingTime(0.5), EchoGuard(1.0)])
    pair = LLMContextAggregatorPair(
        context,
        user_params=LLMUserAggregatorParams(
            vad_analyzer=SileroVADAnalyzer(),
            user_turn_strategies=controlled_user_turn_strategies(controller),
            empty_user_turn=None,  # the snapshotter resumes after a cough instead
        ),
    )
    coordinator = FlushCoordinator()
    snapshotter = StateSnapshotter(context=context)
    metrics = InterruptionMetricsObserver(push_metrics_frames=True)  # next to Pipecat's own metrics
    metrics.watch_snapshotter(snapshotter)
    pipeline = Pipeline(
        [
            transport.input(),
            stt,
            snapshotter.tap(),  # hears the caller's words
            controller,
            pair.user(),
            coordinator,
            llm,
            snapshotter.tap(),  # sees what the LLM generated
            tts,
            transport.output(),
            BotSpeakingGuard(),  # truthful bot-speaking signals after a late chunk
            snapshotter,
            pair.assistant(),
        ]
    )
    worker = PipelineWorker(pipeline, params=PipelineParams(enable_metrics=True), observers=[metrics])

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        await worker.cancel()

    parts = dict(
        pipeline=pipeline, transport=transport, stt=stt, llm=llm, tts=tts, controller=controller,
        coordinator=coordinator, snapshotter=snapshotter, metrics=metrics,
    )
    return worker, parts


async def main() -> None:
    parser = argparse.ArgumentParser(description="pipecat-interrupts with real services")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    api_key = os.environ.get("OPENAI_API_KEY")
    if not api_key:
        sys.exit("set OPENAI_API_KEY (and optionally OPENAI_BASE_URL, LLM_MODEL)")
    worker, _ = build_real_services_bot(
        api_key=api_key,
        base_url=os.environ.get("OPENAI_BASE_URL"),
        llm_model=os.environ.get("LLM_MODEL", "gpt-4o-mini"),
        port=args.port,
    )
    runner = WorkerRunner()
    await runner.add_workers(worker)
    logger.info(f"listening on ws://127.0.0.1:{args.port}")
    await runner.run()


if __name__ == "__main__":
    asyncio.run(main())
