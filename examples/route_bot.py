#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Cartesia Line's interruption examples, one scenario each, as Pipecat voice bots (no keys).

Each scenario is one example of the seed page, on Pipecat frames: a user turn
(``LLMContextFrame``) starts the node's generation, an interruption (``InterruptionFrame``,
plus ``EmergencyStopFrame`` and ``AgentHandoffFrame`` for "multiple events") cuts it, then
the handler runs with a `RouteInterruption` (what was generated, what the caller heard,
why). A scripted caller talks to a real Pipecat pipeline with a fake TTS and a mock output
transport; each scenario prints what the caller heard and what the handler received.

    python examples/route_bot.py                # all six scenarios, offline
    python examples/route_bot.py --base-url https://api.openai.com/v1 --model gpt-4o-mini
    # the basic scenario then streams from that server (key from OPENAI_API_KEY); by
    # default it streams from a local FakeOpenAIServer over real HTTP.
"""

import argparse
import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from loguru import logger

logger.remove()
logger.add(sys.stderr, level="WARNING")

from pipecat.frames.frames import InterruptionFrame, LLMContextFrame

from pipecat_interrupts import (
    AgentHandoffFrame,
    AgentResponse,
    EmergencyStopFrame,
    InterruptibleNode,
    InterruptionController,
    OpenAICompatibleNode,
    RouteInterruption,
    RouteProcessor,
    StateSnapshotter,
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

ANSWER = "Your order shipped on Monday. It should arrive on Thursday. The driver will call before delivery."
MIN_SPEAK_TIME = 1.5


def last_user_text(context_frame: Any) -> str:
    """The caller's latest words in an ``LLMContextFrame``."""
    messages = context_frame.context.get_messages()
    users = [m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    return str(users[-1]) if users else ""


class ReasoningNode(InterruptibleNode):
    """Stands in for the seed's LLM-backed node: answers the question word by word."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.generation_started_at = 0.0

    async def generate_response(self, context: Any) -> AsyncIterator[str]:
        self.generation_started_at = time.monotonic()
        reply = "Okay." if "stop" in last_user_text(context) else ANSWER
        for word in reply.split():
            await asyncio.sleep(0.12)
            yield word + " "

    async def process_context(self, context: Any) -> AsyncIterator[Any]:  # the seed's name
        try:
            async for chunk in self.generate_response(context):
                yield AgentResponse(content=chunk)
        except asyncio.CancelledError:
            print("   node: generation cancelled")
            raise


def describe(interruption: RouteInterruption | None) -> str:
    if interruption is None:
        return "(no record)"
    return (
        f"reason={interruption.reason}, generated={interruption.generated.strip()!r}, "
        f"heard={interruption.heard!r}"
    )


async def converse(
    title: str,
    router: RouteProcessor,
    snapshotter: StateSnapshotter,
    steps: list[Any],
    *,
    controller: InterruptionController | None = None,
    until: Callable[[], Awaitable[Any]] | None = None,
    heard_until: str | None = None,
) -> str:
    """Run one scenario; print and return what the caller heard."""
    print(f"\n== {title} ==")
    user = ScriptedUser(steps)
    user.add_event_handler("on_step", lambda _, step: print(f"caller: {step.describe()}"))
    vp = build_voice_pipeline(
        controller=controller or InterruptionController(),
        snapshotter=snapshotter,
        user=user,
        llm=router,
        tts=FakeTTSService(secs_per_word=0.05),
        system_prompt=None,  # a node takes its system prompt itself (Pipecat 1.14's style)
    )
    async with vp:
        await user.wait_finished(30)
        if until is not None:
            await asyncio.wait_for(until(), 10)
        if heard_until is not None:
            await vp.output.wait_until(lambda: vp.output.spoken_text.endswith(heard_until), timeout=10)
        await vp.output.wait_until(lambda: False, timeout=0.6)  # let the last words play
    print(f"caller heard: {vp.output.spoken_text!r}")
    return vp.output.spoken_text


BARGE_IN = [Utterance("where is my order"), WaitForBot(), Pause(0.6), Utterance("wait, stop")]


async def basic(base_url: str, model: str, api_key: str | None) -> None:
    node = OpenAICompatibleNode(
        base_url=base_url, model=model, api_key=api_key, system_prompt="You are a delivery assistant."
    )
    snapshotter = StateSnapshotter()
    router = RouteProcessor(heard_text=snapshotter)  # handlers learn what the caller heard
    router.on(LLMContextFrame).interrupt_on(InterruptionFrame).max_concurrent_tasks(1).stream(
        node.generate
    ).broadcast()
    await converse("1. basic: interrupt_on(UserStartedSpeaking)", router, snapshotter, BARGE_IN)
    # The route closed the node's HTTP session when the pipeline ended.


async def custom_handler() -> None:
    node = ReasoningNode()
    done = asyncio.Event()

    async def handle_interrupt(message: Any, interruption: RouteInterruption) -> None:
        print(f"   handler received {message.name}: {describe(interruption)}")
        done.set()

    snapshotter = StateSnapshotter()
    router = RouteProcessor(heard_text=snapshotter)  # handlers learn what the caller heard
    (
        router.on(LLMContextFrame)
        .interrupt_on(InterruptionFrame, handler=handle_interrupt)
        .max_concurrent_tasks(1)
        .stream(node.generate)
        .broadcast()
    )
    await converse("2. custom handler", router, snapshotter, BARGE_IN, until=done.wait)


class InterruptAwareNode(ReasoningNode):
    def __init__(self) -> None:
        super().__init__()
        self.handled = asyncio.Event()

    def on_interrupt_generate(self, message: Any = None, interruption: RouteInterruption | None = None) -> None:
        print(f"   node handler: generation interrupted ({describe(interruption)})")
        self.handled.set()


async def node_level() -> None:
    node = InterruptAwareNode()
    snapshotter = StateSnapshotter()
    router = RouteProcessor(heard_text=snapshotter)  # handlers learn what the caller heard
    (
        router.on(LLMContextFrame)
        .interrupt_on(InterruptionFrame, handler=node.on_interrupt_generate)
        .max_concurrent_tasks(1)
        .stream(node.generate)
        .broadcast()
    )
    await converse("3. node-level handler", router, snapshotter, BARGE_IN, until=node.handled.wait)


async def conditional() -> None:
    node = ReasoningNode()

    said: list[bool] = []

    def can_interrupt(message: Any) -> bool:
        spoken_for = time.monotonic() - node.generation_started_at
        allowed = spoken_for > MIN_SPEAK_TIME
        if not said or said[-1] != allowed:  # print changes only (the controller re-asks)
            print(f"   condition after {spoken_for:.1f} s: {'allow' if allowed else 'not yet, keep talking'}")
        said.append(allowed)
        return allowed

    snapshotter = StateSnapshotter()
    router = RouteProcessor(heard_text=snapshotter)  # handlers learn what the caller heard
    route = (
        router.on(LLMContextFrame)
        .interrupt_on(InterruptionFrame, condition=can_interrupt)
        .max_concurrent_tasks(1)
        .stream(node.generate)
        .broadcast()
    )
    # One decision: the controller asks the route's condition before it cuts the audio.
    controller = InterruptionController(conditions=[route.interruption_condition()])
    steps = [
        Utterance("where is my order"),
        WaitForBot(),
        Pause(0.2),
        Utterance("hmm and when exactly"),
    ]
    await converse(
        f"4. conditional interruption (after {MIN_SPEAK_TIME} s)", router, snapshotter, steps, controller=controller, heard_until="delivery."
    )


async def multiple_events() -> None:
    node = ReasoningNode()
    done = asyncio.Event()

    def on_any(message: Any, interruption: RouteInterruption) -> None:
        print(f"   handler received {message.name}: {describe(interruption)}")
        done.set()

    snapshotter = StateSnapshotter()
    router = RouteProcessor(heard_text=snapshotter)  # handlers learn what the caller heard
    (
        router.on(LLMContextFrame)
        .interrupt_on([InterruptionFrame, EmergencyStopFrame, AgentHandoffFrame], handler=on_any)
        .max_concurrent_tasks(1)
        .stream(node.generate)
        .broadcast()
    )
    steps = [Utterance("where is my order"), WaitForBot(), Pause(0.6), PushFrame(EmergencyStopFrame(reason="operator"))]
    await converse("5. multiple events (an emergency stop)", router, snapshotter, steps, until=done.wait)


class StatefulInterruptNode(ReasoningNode):
    def __init__(self) -> None:
        super().__init__()
        self.generation_state: dict[str, Any] | None = None
        self.resumed = asyncio.Event()

    def on_interrupt_generate(self, message: Any = None, interruption: RouteInterruption | None = None) -> None:
        if interruption is None or not interruption.generated.strip():
            return  # nothing of the answer was cut (the caller cut in before a word)
        self.generation_state = {
            "interrupted_at": time.time(),
            "partial_response": interruption.generated,
            "heard": interruption.heard,
            "unheard": interruption.unheard,
            "reason": interruption.reason,
        }
        print(f"   saved state: heard={interruption.heard!r}, unheard={interruption.unheard!r}")

    async def process_context(self, context: Any) -> AsyncIterator[Any]:
        if self.generation_state and "go on" in last_user_text(context):
            state, self.generation_state = self.generation_state, None
            # Resume from what the caller heard, not from what had been generated.
            rest = ANSWER.split()[len((state["heard"] or "").split()) :]
            print(f"   resuming after the {len(ANSWER.split()) - len(rest)} words the caller heard")
            yield AgentResponse(content="Sure. As I was saying: ")
            for word in rest:
                await asyncio.sleep(0.03)
                yield AgentResponse(content=word + " ")
            self.resumed.set()
            return
        async for item in super().process_context(context):
            yield item


async def state_save_and_resume() -> None:
    node = StatefulInterruptNode()
    snapshotter = StateSnapshotter()
    router = RouteProcessor(heard_text=snapshotter)  # handlers learn what the caller heard
    (
        router.on(LLMContextFrame)
        .interrupt_on(InterruptionFrame, handler=node.on_interrupt_generate)
        .max_concurrent_tasks(1)
        .stream(node.generate)
        .broadcast()
    )
    steps = [*BARGE_IN, Pause(0.3), Utterance("sorry, go on")]
    await converse("6. state save and resume", router, snapshotter, steps, until=node.resumed.wait)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="an OpenAI-compatible /v1 URL (default: a local fake server)")
    parser.add_argument("--model", default="fake-model")
    args = parser.parse_args([] if "pytest" in sys.modules else None)
    if args.base_url:
        await basic(args.base_url, args.model, os.environ.get("OPENAI_API_KEY"))
    else:
        async with FakeOpenAIServer(replies=[ANSWER, "Okay."], token_delay_secs=0.12) as server:
            await basic(server.base_url, args.model, None)
            served = server.requests[0]
            print(f"   HTTP: {'completed' if served.completed else f'closed after {served.tokens_sent} tokens'}")
    await custom_handler()
    await node_level()
    await conditional()
    await multiple_events()
    await state_save_and_resume()


if __name__ == "__main__":
    asyncio.run(main())
