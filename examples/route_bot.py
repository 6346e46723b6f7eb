#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Cartesia Line's route API as a Pipecat voice bot (no keys by default).

The seed examples, on Pipecat frames: a user turn (``LLMContextFrame``) starts the node's
generation; an interruption (``InterruptionFrame``, plus ``EmergencyStopFrame`` and
``AgentHandoffFrame`` for the multiple-events example) cancels it and then calls the
handler. The node streams from an OpenAI-compatible server over real HTTP: by default a
local `FakeOpenAIServer` on 127.0.0.1; point it at a real one with

    python examples/route_bot.py --base-url https://api.openai.com/v1 --model gpt-4o-mini
    # the key is read from OPENAI_API_KEY

The scripted caller asks a question, then barges in; later an operator triggers an
emergency stop. The console shows the HTTP stream being closed and the handlers running.
"""

import argparse
import asyncio
import os
import sys

from loguru import logger

logger.remove()
logger.add(sys.stderr, level="WARNING")

from pipecat.frames.frames import InterruptionFrame, LLMContextFrame

from pipecat_interrupts import (
    AgentHandoffFrame,
    EmergencyStopFrame,
    FlushCoordinator,
    InterruptionController,
    OpenAICompatibleNode,
    RouteProcessor,
)
from pipecat_interrupts.testing import (
    FakeOpenAIServer,
    FakeTTSService,
    Pause,
    PushFrame,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

LONG = " ".join(f"Point {n} of a long explanation about your account." for n in range(1, 7))


class LoggingNode(OpenAICompatibleNode):
    """The seed's ``InterruptAwareNode``: a cleanup hook on interruption."""

    def on_interrupt(self, frame=None):
        print(f"   handler: {self} cleaned up after {frame.name if frame else 'an event'}")


async def run(base_url: str, model: str, api_key: str | None, server: FakeOpenAIServer | None) -> None:
    node = LoggingNode(base_url=base_url, model=model, api_key=api_key)
    coordinator = FlushCoordinator()
    router = RouteProcessor(task_registry=coordinator.task_registry)
    # Basic + custom handler + multiple events, in one route:
    (
        router.on(LLMContextFrame)
        .interrupt_on([InterruptionFrame, EmergencyStopFrame, AgentHandoffFrame], handler=node.on_interrupt)
        .max_concurrent_tasks(1)  # a new user turn replaces an unfinished reply, as an LLM service does
        .stream(node.generate)
        .broadcast()
    )
    router.add_event_handler(
        "on_route_interrupted",
        lambda _, route, event, n: print(f"   route: {n} stream(s) cancelled by {event.name}"),
    )
    user = ScriptedUser(
        [
            Utterance("tell me about my account"),
            WaitForBot(),
            Pause(0.8),
            Utterance("wait, stop"),
            WaitForBot(),
            Pause(0.8),
            PushFrame(EmergencyStopFrame(reason="operator takeover")),
        ]
    )
    user.add_event_handler("on_step", lambda _, step: print(f"caller: {step.describe()}"))
    vp = build_voice_pipeline(
        controller=InterruptionController(),
        user=user,
        llm=router,
        tts=FakeTTSService(secs_per_word=0.08),
        after_user_aggregator=[coordinator],
    )
    async with vp:
        await user.wait_finished(30)
        await vp.output.wait_until(lambda: len(vp.output.interruptions) >= 2, timeout=10)
    await node.close()
    print(f"\ncaller heard: {vp.output.spoken_text!r}")
    if server is not None:
        for i, served in enumerate(server.requests):
            state = "completed" if served.completed else f"closed by the client after {served.tokens_sent} tokens"
            print(f"HTTP request {i + 1}: {state}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="an OpenAI-compatible /v1 URL (default: a local fake server)")
    parser.add_argument("--model", default="fake-model")
    args = parser.parse_args([] if "pytest" in sys.modules else None)
    if args.base_url:
        await run(args.base_url, args.model, os.environ.get("OPENAI_API_KEY"), None)
        return
    async with FakeOpenAIServer(replies=[LONG], token_delay_secs=0.05) as server:
        print(f"local OpenAI-compatible server on {server.base_url}\n")
        await run(server.base_url, args.model, None, server)


if __name__ == "__main__":
    asyncio.run(main())
