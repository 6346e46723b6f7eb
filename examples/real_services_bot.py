#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The barge-in stack with real services, each endpoint set on its own.

LLM: any OpenAI-compatible server (``--llm-url``: OpenAI, or a local llama.cpp, vLLM,
Ollama... server). STT and TTS: OpenAI's (``openai``, at ``--stt-url``/``--tts-url``,
OpenAI's own API by default) or offline ones from the web demo (``local``: the Whisper
``tiny.en`` model shipped in a wheel, and espeak-ng). Each service gets its URL
explicitly, so ``OPENAI_BASE_URL`` in your environment no longer sends the speech
services to your LLM server. Silero VAD runs inside the user aggregator; the transport
is Pipecat's WebSocket server on 127.0.0.1 (connect a client that speaks Pipecat's
protobuf protocol, such as Pipecat's web client).

    # a local LLM server, everything else offline, no keys at all:
    python examples/real_services_bot.py --llm-url http://127.0.0.1:8080/v1 --stt local --tts local
    # OpenAI for everything:
    export OPENAI_API_KEY=sk-...
    python examples/real_services_bot.py

Keys: ``LLM_API_KEY``, ``STT_API_KEY``, ``TTS_API_KEY``, each falling back to
``OPENAI_API_KEY``; a local server that wants none gets ``not-needed``.
"""

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

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
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService
from pipecat.transports.websocket.server import (
    SingleClientWebsocketServerParams,
    SingleClientWebsocketServerTransport,
)
from pipecat.workers.runner import WorkerRunner

from pipecat_interrupts import (
    EchoGuard,
    FlushCoordinator,
    InterruptionController,
    InterruptionMetricsObserver,
    MinBotSpeakingTime,
    StateSnapshotter,
    controlled_user_turn_strategies,
)

OPENAI_URL = "https://api.openai.com/v1"
LOCAL = "local"


@dataclass(frozen=True)
class ServiceEndpoint:
    """Where one service runs.

    Parameters:
        url: The OpenAI-compatible base URL (``.../v1``), or ``"local"`` for the offline
            STT/TTS of ``examples/web``.
        api_key: The key to send (``"not-needed"`` for servers that want none).
        model: The model name (None for the service's default).
    """

    url: str = OPENAI_URL
    api_key: str = "not-needed"
    model: str | None = None


def build_stt(endpoint: ServiceEndpoint) -> STTService:
    """The speech-to-text service for ``endpoint``."""
    if endpoint.url == LOCAL:
        sys.path.insert(0, str(Path(__file__).parent / "web"))
        from whisper_stt import packaged_whisper_stt

        return packaged_whisper_stt()
    settings = OpenAISTTService.Settings(model=endpoint.model) if endpoint.model else None
    return OpenAISTTService(api_key=endpoint.api_key, base_url=endpoint.url, settings=settings)


def build_tts(endpoint: ServiceEndpoint) -> TTSService:
    """The text-to-speech service for ``endpoint``."""
    if endpoint.url == LOCAL:
        sys.path.insert(0, str(Path(__file__).parent / "web"))
        from espeak_tts import EspeakTTSService

        return EspeakTTSService()
    settings = OpenAITTSService.Settings(model=endpoint.model) if endpoint.model else None
    return OpenAITTSService(api_key=endpoint.api_key, base_url=endpoint.url, settings=settings)


def build_real_services_bot(
    *,
    llm: ServiceEndpoint,
    stt: ServiceEndpoint,
    tts: ServiceEndpoint,
    host: str = "127.0.0.1",
    port: int = 8765,
) -> tuple[PipelineWorker, dict]:
    """Build the bot.

    Args:
        llm: The OpenAI-compatible LLM server.
        stt: The speech-to-text endpoint (``url="local"`` for offline Whisper).
        tts: The text-to-speech endpoint (``url="local"`` for espeak-ng).
        host: Interface to bind.
        port: TCP port.

    Returns:
        ``(worker, parts)``.

    Raises:
        ValueError: If the LLM endpoint is ``"local"`` (give a server's URL).
    """
    if llm.url == LOCAL:
        raise ValueError("llm: give an OpenAI-compatible server's URL, not 'local'")
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
    stt_service = build_stt(stt)
    llm_service = OpenAILLMService(
        api_key=llm.api_key,
        base_url=llm.url,
        settings=OpenAILLMService.Settings(
            model=llm.model or "gpt-4o-mini",
            system_instruction="You are a concise, friendly voice assistant.",
        ),
    )
    tts_service = build_tts(tts)
    context = LLMContext()
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
    snapshotter = StateSnapshotter(context=context, guard_speaking=True)  # + speaking signals
    snapshotter.listen_to(controller, llm_service)  # the caller's words, the LLM's text
    metrics = InterruptionMetricsObserver(push_metrics_frames=True)  # next to Pipecat's own metrics
    metrics.watch_snapshotter(snapshotter)
    pipeline = Pipeline(
        [
            transport.input(),
            stt_service,
            controller,
            pair.user(),
            coordinator,
            llm_service,
            tts_service,
            transport.output(),
            snapshotter,
            pair.assistant(),
        ]
    )
    worker = PipelineWorker(pipeline, params=PipelineParams(enable_metrics=True), observers=[metrics])

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        await worker.cancel()

    parts = dict(
        pipeline=pipeline, transport=transport, stt=stt_service, llm=llm_service, tts=tts_service,
        controller=controller, coordinator=coordinator, snapshotter=snapshotter, metrics=metrics,
    )
    return worker, parts


def endpoints_from_args(argv: list[str] | None = None) -> tuple[ServiceEndpoint, ServiceEndpoint, ServiceEndpoint, int]:
    """Read the three endpoints from the command line and the environment.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` if None).

    Returns:
        ``(llm, stt, tts, port)``.
    """
    parser = argparse.ArgumentParser(description="pipecat-interrupts with real services")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--llm-url", default=os.environ.get("LLM_BASE_URL", OPENAI_URL))
    parser.add_argument("--llm-model", default=os.environ.get("LLM_MODEL", "gpt-4o-mini"))
    parser.add_argument("--stt-url", "--stt", default=os.environ.get("STT_BASE_URL", OPENAI_URL),
                        help="OpenAI-compatible URL, or 'local' for offline Whisper")
    parser.add_argument("--tts-url", "--tts", default=os.environ.get("TTS_BASE_URL", OPENAI_URL),
                        help="OpenAI-compatible URL, or 'local' for espeak-ng")
    args = parser.parse_args(argv)
    fallback = os.environ.get("OPENAI_API_KEY")

    def key(name: str, url: str) -> str:
        value = os.environ.get(name) or fallback
        if value:
            return value
        if url == OPENAI_URL:
            sys.exit(f"{name} or OPENAI_API_KEY is needed for {url}")
        return "not-needed"

    llm = ServiceEndpoint(args.llm_url, key("LLM_API_KEY", args.llm_url), args.llm_model)
    stt = ServiceEndpoint(args.stt_url, key("STT_API_KEY", args.stt_url))
    tts = ServiceEndpoint(args.tts_url, key("TTS_API_KEY", args.tts_url))
    return llm, stt, tts, args.port


async def main() -> None:
    llm, stt, tts, port = endpoints_from_args()
    worker, _ = build_real_services_bot(llm=llm, stt=stt, tts=tts, port=port)
    runner = WorkerRunner()
    await runner.add_workers(worker)
    logger.info(f"listening on ws://127.0.0.1:{port} (LLM {llm.url}, STT {stt.url}, TTS {tts.url})")
    await runner.run()


if __name__ == "__main__":
    asyncio.run(main())
