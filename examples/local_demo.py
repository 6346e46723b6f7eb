#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Local barge-in demo: no keys, no network.

A full Pipecat voice pipeline built from the testing kit: the bot starts a long answer,
the scripted caller barges in, and the console prints what happened and when: the bot
speaking, the interruption, the tasks cancelled, the flush reaching both ends of the
pipeline, and what the bot generated versus what the caller actually heard.

Run it with ``python3 dev.py demo`` (or ``python examples/local_demo.py`` in the venv).
"""

import asyncio
import sys
import time

from loguru import logger

logger.remove()  # before Pipecat is imported: keep its banner and debug chatter quiet
logger.add(sys.stderr, level="WARNING")

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    InterruptionFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.transports.base_output import BaseOutputTransport

from pipecat_interrupts import FlushCoordinator
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

LONG_ANSWER = (
    "Sure, here is how the refund works. First we check the order number on your receipt. "
    "Then we confirm the card you paid with. After that the money usually arrives within "
    "five working days. If it does not, call us again and we will chase it for you."
)


class Timeline:
    """Prints numbered, timestamped lines relative to the start of the demo."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def print(self, text: str) -> None:
        print(f"  {(time.monotonic() - self._t0) * 1000:7.0f} ms  {text}", flush=True)


class BotSpeechObserver(BaseObserver):
    """Prints when the output transport starts and stops the bot's speech."""

    def __init__(self, timeline: Timeline, **kwargs):
        super().__init__(**kwargs)
        self._timeline = timeline

    async def on_push_frame(self, data: FramePushed):
        if not isinstance(data.source, BaseOutputTransport) or data.direction.name != "DOWNSTREAM":
            return
        if isinstance(data.frame, BotStartedSpeakingFrame):
            self._timeline.print("bot starts speaking")
        elif isinstance(data.frame, BotStoppedSpeakingFrame):
            self._timeline.print("bot stops speaking")

    async def on_process_frame(self, data):
        if isinstance(data.frame, InterruptionFrame) and isinstance(
            data.processor, BaseOutputTransport
        ):
            self._timeline.print("interruption reaches the output transport: audio is cut")


async def main() -> None:
    timeline = Timeline()
    coordinator = FlushCoordinator()

    @coordinator.event_handler("on_tasks_cancelled")
    async def on_tasks_cancelled(_, report):
        timeline.print(
            f"tasks cancelled for {report.reason!r}: {', '.join(report.cancelled) or 'none'}"
            f" ({report.elapsed_secs * 1000:.2f} ms)"
        )

    @coordinator.event_handler("on_flush_completed")
    async def on_flush_completed(_, report):
        timeline.print(
            f"flush {report.flush_id} reached both ends in {report.elapsed_secs * 1000:.2f} ms "
            f"(upstream {report.upstream_secs * 1000:.2f} ms, "
            f"downstream {report.downstream_secs * 1000:.2f} ms)"
        )

    user = ScriptedUser([WaitForBot(), Pause(1.2), Utterance("wait, I have a question")])

    @user.event_handler("on_step")
    async def on_step(_, step):
        if isinstance(step, Utterance):
            timeline.print(f"caller barges in: {step.text!r}")

    llm = FakeLLMService(
        replies=[LONG_ANSWER, "Of course, go ahead."], token_delay_secs=0.03
    )
    vp = build_voice_pipeline(
        user=user,
        llm=llm,
        tts=FakeTTSService(secs_per_word=0.12),
        after_user_aggregator=[coordinator],
        observers=[BotSpeechObserver(timeline)],
    )

    print("pipecat-interrupts local demo: a long answer, and a caller who barges in\n")
    async with vp:
        # A background prefetch that belongs to this answer: it must die with it.
        async def prefetch_order_details():
            await asyncio.sleep(3600)

        coordinator.task_registry.create_task(prefetch_order_details(), name="prefetch")
        timeline.print("bot turn starts (LLM streaming)")
        await vp.start_bot_turn()
        await vp.output.wait_until(
            lambda: "go ahead" in vp.output.spoken_text, timeout=20
        )

    first = llm.runs[0]
    heard = vp.messages[1]["content"] if len(vp.messages) > 1 else ""
    print("\nWhat the bot generated for its first answer:")
    print(f"  {first.generated_text.strip()!r}")
    print(f"  (LLM stream {'cancelled' if first.cancelled else 'finished'} "
          f"after {len(first.tokens_pushed)} tokens)")
    print("What the caller actually heard (and what the LLM context keeps):")
    print(f"  {heard!r}")
    print("\nFinal LLM context:")
    for message in vp.messages:
        print(f"  {message['role']:>9}: {message['content']}")


if __name__ == "__main__":
    asyncio.run(main())
