#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Conditional interruption in a default Pipecat 1.14 voice pipeline (no keys, no network).

Three short calls on the testing kit:

1. the caller says "mhm" while the bot talks: a backchannel, the bot keeps going;
2. the bot reads an uninterruptible disclaimer; "wait" is held back until it ends;
3. the caller says "hold on" 0.2 s into the answer: ``MinBotSpeakingTime(0.8)`` holds it
   back, then lets it through.

For your own bot, the only changes to a standard pipeline are the two lines marked
``# <-``: the controller before the user aggregator, and its start strategy in the
aggregator's parameters.
"""

import asyncio
import sys

from loguru import logger

logger.remove()
logger.add(sys.stderr, level="WARNING")

from pipecat.frames.frames import TTSSpeakFrame
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from pipecat_interrupts import InterruptionController, MinBotSpeakingTime
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    PushFrame,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

ANSWER = "Your order shipped on Monday. It should arrive by Thursday. You will get a text first."


async def call(title: str, steps, controller: InterruptionController, replies) -> None:
    print(f"\n== {title}")
    controller.add_event_handler("on_backchannel", lambda _, text: print(f"   backchannel: {text!r} (bot keeps talking)"))
    controller.add_event_handler(
        "on_interruption_suppressed",
        lambda _, detection, name: print(f"   held back by {name}: {detection.reason} {detection.detail!r}"),
    )
    controller.add_event_handler(
        "on_interruption",
        lambda _, d: print(f"   interruption: {d.reason} on {d.text!r}, decided {(d.decided_at - d.detected_at) * 1000:.0f} ms after detection"),
    )
    # The wiring helper (interruption_pipeline, which build_voice_pipeline uses) places the
    # controller before the user aggregator and puts its adapter first in these strategies.
    user_params = LLMUserAggregatorParams(
        user_turn_strategies=UserTurnStrategies(stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.3)])
    )
    vp = build_voice_pipeline(
        user=ScriptedUser(steps),
        controller=controller,  # <-
        user_params=user_params,
        llm=FakeLLMService(replies=replies, token_delay_secs=0.01),
        tts=FakeTTSService(secs_per_word=0.08),
    )
    async with vp:
        if not isinstance(steps[0], PushFrame):
            await vp.start_bot_turn()
        await vp.user.wait_finished(10)
        await vp.output.wait_until(lambda: vp.output.spoken_text.endswith(replies[-1]), timeout=10)
    print(f"   caller heard: {vp.output.spoken_text!r}")
    print(f"   context: {[(m['role'], m['content']) for m in vp.messages[1:]]}")


async def main() -> None:
    await call(
        "a backchannel is not an interruption",
        [WaitForBot(), Pause(0.4), Utterance("mhm")],
        InterruptionController(),
        [ANSWER],
    )
    disclaimer = TTSSpeakFrame("This call is recorded for quality purposes.")
    disclaimer.interruptible = False
    await call(
        "an uninterruptible disclaimer finishes first",
        [PushFrame(disclaimer), WaitForBot(), Pause(0.3), Utterance("wait")],
        InterruptionController(),
        ["Yes, how can I help?"],
    )
    await call(
        "a condition holds the interruption back, then lets it through",
        [WaitForBot(), Pause(0.2), Utterance("hold on")],
        InterruptionController(conditions=[MinBotSpeakingTime(0.8)]),
        [ANSWER, "Sure, take your time."],
    )


if __name__ == "__main__":
    asyncio.run(main())
