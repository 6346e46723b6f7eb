#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A voice bot on Pipecat's WebSocket server transport, bound to 127.0.0.1 (no keys).

The client (``examples/websocket_client.py``) plays the caller: it sends transcripts as
protobuf ``TranscriptionFrame``s (standing in for a browser's speech recognizer), receives
the bot's audio, and barges in. Each transcript becomes a short user turn (voice-activity
start, the words, voice-activity stop), so the `InterruptionController` decides exactly as
it would behind a real VAD and STT.

    python examples/websocket_bot.py --port 8765
    python examples/websocket_client.py --port 8765
"""

import argparse
import asyncio
import sys
import time

from loguru import logger
from pipecat.frames.frames import (
    Frame,
    TranscriptionFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.serializers.protobuf import ProtobufFrameSerializer
from pipecat.transports.websocket.server import (
    SingleClientWebsocketServerParams,
    SingleClientWebsocketServerTransport,
)
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.workers.runner import WorkerRunner

from pipecat_interrupts import FlushCoordinator
from pipecat_interrupts.testing import FakeLLMService, FakeTTSService
from pipecat_interrupts.wiring import interruption_pipeline

LONG_ANSWER = " ".join(f"Plan number {n} has unlimited calls and plenty of data." for n in range(1, 9))


class TranscriptTurns(FrameProcessor):
    """Wraps each client transcript in voice-activity frames, as a VAD and STT would."""

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if isinstance(frame, TranscriptionFrame) and direction == FrameDirection.DOWNSTREAM:
            await self.push_frame(VADUserStartedSpeakingFrame(start_secs=0.2, timestamp=time.time()))
            await self.push_frame(frame)
            await self.push_frame(VADUserStoppedSpeakingFrame(stop_secs=0.2, timestamp=time.time()))
        else:
            await self.push_frame(frame, direction)


def build_websocket_bot(*, host: str = "127.0.0.1", port: int = 8765, replies=None):
    """Build the bot's worker and transport.

    Args:
        host: Interface to bind (keep it on loopback for the demo).
        port: TCP port.
        replies: The fake LLM's scripted replies.

    Returns:
        ``(worker, transport, parts)`` where ``parts`` holds the plugin processors.
    """
    transport = SingleClientWebsocketServerTransport(
        params=SingleClientWebsocketServerParams(
            audio_in_enabled=False,
            audio_out_enabled=True,
            audio_out_sample_rate=16000,
            audio_out_end_silence_secs=0,
            serializer=ProtobufFrameSerializer(),
            allowed_origins=[],
        ),
        host=host,
        port=port,
    )
    context = LLMContext([{"role": "system", "content": "You are a phone plan assistant."}])
    coordinator = FlushCoordinator()
    llm = FakeLLMService(replies=list(replies or [LONG_ANSWER, "Sure."]), token_delay_secs=0.01)
    # One helper places every processor around our own STT (here TranscriptTurns), LLM,
    # TTS and transport, and configures the user aggregator for the controller.
    wiring = interruption_pipeline(
        context=context,
        transport_input=transport.input(),
        stt=TranscriptTurns(),
        llm=llm,
        tts=FakeTTSService(secs_per_word=0.1, sample_rate=16000),
        transport_output=transport.output(),
        user_turn_strategies=UserTurnStrategies(stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.2)]),
        after_user_aggregator=[coordinator],
    )
    pipeline = Pipeline(wiring.processors)
    controller, snapshotter = wiring.controller, wiring.snapshotter
    worker = PipelineWorker(pipeline, enable_rtvi=False, idle_timeout_secs=None)

    @transport.event_handler("on_client_connected")
    async def on_client_connected(transport, client):
        logger.info("client connected")

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        logger.info("client disconnected: ending the bot")
        await worker.cancel()

    parts = {"controller": controller, "coordinator": coordinator, "snapshotter": snapshotter, "llm": llm}
    return worker, transport, parts


async def main() -> None:
    parser = argparse.ArgumentParser(description="pipecat-interrupts WebSocket bot (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    worker, _, _ = build_websocket_bot(port=args.port)
    runner = WorkerRunner(handle_sigint=True)
    await runner.add_workers(worker)
    print(f"bot listening on ws://127.0.0.1:{args.port}; run examples/websocket_client.py")
    await runner.run()


if __name__ == "__main__":
    logger.remove()
    logger.add(sys.stderr, level="INFO")
    asyncio.run(main())
