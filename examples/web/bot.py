#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The web demo's bot: real VAD, real offline STT and TTS, a real LLM client, and the plugin.

``run_bot(transport)`` follows Pipecat's runner convention: give it any Pipecat
transport (the demo gives it a `SmallWebRTCTransport`). ``bot(runner_args)`` is the
entry Pipecat's development runner calls, so ``python -m pipecat.runner.run`` can start
this file too when the ``runner`` extra is installed.

Pipeline, as the README's "Where each processor goes" places it::

    transport.input() -> STT -> InterruptionController -> LLMUserAggregator (Silero)
        -> FlushCoordinator -> OpenAILLMService -> EspeakTTS -> transport.output()
        -> StateSnapshotter -> LLMAssistantAggregator

(the snapshotter listens to the STT and the LLM, and repairs the speaking signals)

``plain=True`` builds the same bot without the plugin (plain Pipecat 1.14), for the
benchmark's comparison.
"""

from dataclasses import dataclass, field

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
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.services.stt_service import STTService
from pipecat.transports.base_transport import BaseTransport
from pipecat.workers.runner import WorkerRunner

from pipecat_interrupts import (
    EchoGuard,
    FlushCoordinator,
    InterruptionController,
    MinBotSpeakingTime,
    StateSnapshotter,
    controlled_user_turn_strategies,
)

try:  # run as a script or imported from examples/web
    from espeak_tts import EspeakTTSService
    from timeline import LoopTimeline
    from whisper_stt import packaged_whisper_stt
except ImportError:  # imported as a package module
    from .espeak_tts import EspeakTTSService
    from .timeline import LoopTimeline
    from .whisper_stt import packaged_whisper_stt

SYSTEM_PROMPT = "You are a concise, friendly voice assistant for a shop. Speak plainly."
GREETING_REQUEST = "Greet the caller and explain the refund policy."
FALSE_INTERRUPTION_TIMEOUT_SECS = 4.0
"""How long a voice-triggered interruption waits for words before the bot resumes."""


@dataclass
class WebBotOptions:
    """How to build the bot.

    Parameters:
        llm_base_url: The OpenAI-compatible server (``.../v1``).
        llm_model: The model name to ask for.
        llm_api_key: The key to send (local servers ignore it).
        plain: Build plain Pipecat 1.14, without the plugin (for comparisons).
        greet: Start the conversation with a bot turn when the client connects.
    """

    llm_base_url: str
    llm_model: str = "local"
    llm_api_key: str = "not-needed"
    plain: bool = False
    greet: bool = True


@dataclass
class WebBot:
    """A built bot and its parts, for the demo page and the tests.

    Parameters:
        worker: The pipeline worker.
        context: The LLM context.
        stt: The speech-to-text service.
        tts: The espeak-ng service.
        llm: Pipecat's OpenAI LLM service (`run_bot` closes its HTTP client at the end).
        controller: The interruption controller (None when plain).
        snapshotter: The snapshotter (None when plain).
        guard: The bot-speaking guard (None when plain).
        timeline: When VAD, STT, interruptions and bot speech happened.
        events: The controller's decisions, in order.
    """

    worker: PipelineWorker
    context: LLMContext
    stt: STTService
    tts: EspeakTTSService
    llm: OpenAILLMService
    timeline: LoopTimeline
    controller: InterruptionController | None = None
    snapshotter: StateSnapshotter | None = None
    events: list[str] = field(default_factory=list)


def build_web_bot(transport: BaseTransport, options: WebBotOptions) -> WebBot:
    """Build the bot's pipeline around ``transport``.

    Args:
        transport: A Pipecat transport with audio in and out.
        options: LLM endpoint and variant.

    Returns:
        The bot.
    """
    stt = packaged_whisper_stt()
    tts = EspeakTTSService()
    llm = OpenAILLMService(
        api_key=options.llm_api_key,
        base_url=options.llm_base_url,
        settings=OpenAILLMService.Settings(
            model=options.llm_model, system_instruction=SYSTEM_PROMPT
        ),
    )
    context = LLMContext()
    if options.plain:
        pair = LLMContextAggregatorPair(
            context, user_params=LLMUserAggregatorParams(vad_analyzer=SileroVADAnalyzer())
        )
        processors: list[FrameProcessor] = [
            transport.input(), stt, pair.user(), llm, tts, transport.output(), pair.assistant(),
        ]
        timeline = LoopTimeline()
        bot = WebBot(
            worker=_worker(processors, timeline), context=context, stt=stt, tts=tts,
            llm=llm, timeline=timeline,
        )
    else:
        controller = InterruptionController(conditions=[MinBotSpeakingTime(0.5), EchoGuard(1.0)])
        pair = LLMContextAggregatorPair(
            context,
            user_params=LLMUserAggregatorParams(
                vad_analyzer=SileroVADAnalyzer(),
                user_turn_strategies=controlled_user_turn_strategies(controller),
                empty_user_turn=None,  # the snapshotter resumes after a cough instead
            ),
        )
        # Whisper is segmented: the words of a voice-triggered barge-in arrive only after
        # the caller stops, plus the transcription (up to ~2 s on 2 busy cores). The
        # false-interruption window must outlast that, or the bot resumes the cut answer
        # before "wait, stop please" is transcribed (seen with the 2 s default).
        snapshotter = StateSnapshotter(
            context=context,
            false_interruption_timeout_secs=FALSE_INTERRUPTION_TIMEOUT_SECS,
            guard_speaking=True,
        )
        snapshotter.listen_to(controller, llm)
        # The README's explicit placement; the wiring helper can replace this list.
        processors = [
            transport.input(), stt, controller, pair.user(), FlushCoordinator(), llm, tts,
            transport.output(), snapshotter, pair.assistant(),
        ]
        timeline = LoopTimeline()
        bot = WebBot(
            worker=_worker(processors, timeline), context=context, stt=stt, tts=tts,
            llm=llm, timeline=timeline, controller=controller, snapshotter=snapshotter,
        )
        _log_decisions(bot, controller)
    _attach_client_events(bot, transport, options)
    return bot


def _worker(processors: list[FrameProcessor], timeline: LoopTimeline) -> PipelineWorker:
    return PipelineWorker(
        Pipeline(processors),
        params=PipelineParams(enable_metrics=True),
        observers=[timeline],
        enable_rtvi=False,  # the page speaks plain WebRTC, no RTVI client
        idle_timeout_secs=None,
    )


def _log_decisions(bot: WebBot, controller: InterruptionController) -> None:
    @controller.event_handler("on_interruption")
    async def on_interruption(controller, decision):
        bot.events.append(f"interruption:{decision.reason}")
        logger.info(f"bot: interrupted ({decision.reason}): {decision.text!r}")

    @controller.event_handler("on_backchannel")
    async def on_backchannel(controller, *args):
        bot.events.append("backchannel")
        logger.info(f"bot: backchannel {args!r}")


def _attach_client_events(bot: WebBot, transport: BaseTransport, options: WebBotOptions) -> None:
    @transport.event_handler("on_client_connected")
    async def on_client_connected(transport, client):
        logger.info("bot: client connected")
        if options.greet:
            bot.context.add_message({"role": "user", "content": GREETING_REQUEST})
            await bot.worker.queue_frames([LLMRunFrame()])

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        logger.info("bot: client disconnected")
        await bot.worker.cancel()


async def run_bot(transport: BaseTransport, options: WebBotOptions) -> WebBot:
    """Run the bot on ``transport`` until the client leaves.

    Args:
        transport: A Pipecat transport with audio in and out.
        options: LLM endpoint and variant.

    Returns:
        The bot, after its pipeline ended.
    """
    bot = build_web_bot(transport, options)
    await run_web_bot(bot)
    return bot


async def run_web_bot(bot: WebBot) -> None:
    """Run a built bot's pipeline until it ends, then close what Pipecat leaves open.

    Args:
        bot: The bot from `build_web_bot`.
    """
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(bot.worker)
    try:
        await runner.run()
    finally:
        # Pipecat 1.14's OpenAILLMService never closes the HTTP client it opens: close it,
        # or its keep-alive socket to the LLM server is left for the garbage collector.
        await bot.llm._client.close()


async def bot(runner_args) -> None:
    """Entry for Pipecat's development runner (``SmallWebRTCRunnerArguments``).

    The LLM endpoint comes from ``WEB_DEMO_LLM_URL`` (an OpenAI-compatible ``/v1``).

    Args:
        runner_args: The runner's session arguments.
    """
    import os

    from pipecat.transports.base_transport import TransportParams
    from pipecat.transports.smallwebrtc.transport import SmallWebRTCTransport

    transport = SmallWebRTCTransport(
        webrtc_connection=runner_args.webrtc_connection,
        params=TransportParams(audio_in_enabled=True, audio_out_enabled=True),
    )
    url = os.environ.get("WEB_DEMO_LLM_URL", "http://127.0.0.1:8000/v1")
    await run_bot(transport, WebBotOptions(llm_base_url=url))
