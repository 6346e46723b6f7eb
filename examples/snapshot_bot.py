#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Snapshots, a truthful context and false-interruption recovery (no keys, no network).

Two calls on the testing kit:

1. the caller coughs while the bot talks: the bot is cut off, no words follow, and after
   ``false_interruption_timeout_secs`` it resumes with the part the caller did not hear;
2. the caller says "stop, what about fees?": a real interruption; the snapshot shows what
   was generated versus heard, and the next generation is told what was missed.
"""

import asyncio
import sys

from loguru import logger

logger.remove()
logger.add(sys.stderr, level="WARNING")

from pipecat_interrupts import (
    FlushCoordinator,
    InterruptionController,
    PhraseInterruptionDetector,
    StateSnapshotter,
    TextInterruptionDetector,
    VADInterruptionDetector,
)
from pipecat_interrupts.snapshot import recovery_message
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Noise,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

ANSWER = "Your plan includes ten gigabytes. Extra data costs two dollars per gigabyte. Roaming is free in Europe."


async def call(title: str, steps, replies) -> StateSnapshotter:
    print(f"\n== {title}")
    judge = PhraseInterruptionDetector()  # one backchannel judge, shared by both
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=1.0, backchannel_judge=judge)
    snapshotter.add_event_handler(
        "on_snapshot",
        lambda _, s: print(
            f"   snapshot ({s.reason}, flush {s.flush_id}): heard {s.spoken_text!r}, "
            f"not heard {s.unspoken_text!r}, spoke {s.speaking_secs:.2f}s"
        ),
    )
    snapshotter.add_event_handler(
        "on_false_interruption", lambda _, s: print(f"   false interruption: resuming {s.unspoken_text!r}")
    )
    controller = InterruptionController(
        detectors=[judge, TextInterruptionDetector(), VADInterruptionDetector(min_speech_secs=0.3)]
    )
    vp = build_voice_pipeline(
        controller=controller,
        snapshotter=snapshotter,
        user=ScriptedUser(steps),
        llm=FakeLLMService(replies=replies, token_delay_secs=0.01),
        tts=FakeTTSService(secs_per_word=0.08, word_timestamps=True),
        after_user_aggregator=[FlushCoordinator()],
    )
    async with vp:
        await vp.start_bot_turn()
        await vp.user.wait_finished(10)
        await vp.output.wait_until(lambda: vp.output.spoken_text.endswith(replies[-1].split()[-1]), timeout=10)
    print(f"   caller heard: {vp.output.spoken_text!r}")
    for message in vp.messages[1:]:
        print(f"   {message['role']:>9}: {message['content']}")
    return snapshotter


async def main() -> None:
    await call("a cough: the bot resumes where the caller stopped hearing it",
               [WaitForBot(), Pause(0.8), Noise(0.5)], [ANSWER])
    snapshotter = await call("a real interruption: the snapshot drives the next generation",
                             [WaitForBot(), Pause(0.5), Utterance("stop, what about fees?")],
                             [ANSWER, "There are no other fees."])
    snapshot = snapshotter.store.latest()
    print(f"\n   message for the next generation: {recovery_message(snapshot, 'summarise')}")


if __name__ == "__main__":
    asyncio.run(main())
