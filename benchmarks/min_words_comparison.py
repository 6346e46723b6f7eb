#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`MinWordsUserTurnStartStrategy` alone versus with the `InterruptionController`, in one run.

    .venv/bin/python benchmarks/min_words_comparison.py

Each utterance is said once while the bot speaks, in a fresh voice pipeline (fake LLM, TTS
and transport), under three configurations: plain Pipecat with MinWords(3) as the start
strategy; the controller with MinWords(3) (consulted while the bot speaks, after the
phrases); the controller with its default detectors. Prints whether each interrupted the bot
and the score against the expected answer (backchannels must not interrupt; interrupt
phrases and questions of three words or more must). Two-word questions are a policy choice
and are printed but not scored.
"""

import asyncio
import sys

from loguru import logger
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams
from pipecat.turns.user_start import MinWordsUserTurnStartStrategy
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from pipecat_interrupts import InterruptionController
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen."
CASES = [  # (utterance, should interrupt; None: not scored)
    ("uh-huh yeah okay", False),
    ("mhm", False),
    ("yeah right", False),
    ("okay got it", False),
    ("stop", True),
    ("wait", True),
    ("hold on", True),
    ("no no no", True),
    ("what about the price", True),
    ("can you repeat that", True),
    ("the price", None),
    ("which one", None),
]


def user_params(min_words: bool) -> LLMUserAggregatorParams:
    stop = [SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.2)]
    start = [MinWordsUserTurnStartStrategy(min_words=3)] if min_words else None
    return LLMUserAggregatorParams(user_turn_strategies=UserTurnStrategies(start=start, stop=stop))


async def interrupted(text: str, *, controller: bool, min_words: bool) -> bool:
    vp = build_voice_pipeline(
        controller=InterruptionController() if controller else None,
        user=ScriptedUser([WaitForBot(), Pause(0.2), Utterance(text)]),
        llm=FakeLLMService(replies=[ANSWER, "Sure."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        user_params=user_params(min_words),
    )
    async with vp:
        await vp.start_bot_turn()
        await vp.user.wait_finished()
        await vp.output.wait_until(lambda: ANSWER in vp.output.spoken_text or "Sure." in vp.output.spoken_text)
    return ANSWER not in vp.output.spoken_text


async def main() -> None:
    configs = {
        "MinWords(3) alone": dict(controller=False, min_words=True),
        "controller + MinWords(3)": dict(controller=True, min_words=True),
        "controller (defaults)": dict(controller=True, min_words=False),
    }
    results = {name: [await interrupted(text, **kw) for text, _ in CASES] for name, kw in configs.items()}
    print(f"{'utterance':<24}{'expected':<10}" + "".join(f"{name:<27}" for name in configs))
    for i, (text, expected) in enumerate(CASES):
        shown = "-" if expected is None else ("cut" if expected else "keep")
        row = "".join(f"{('cut' if results[name][i] else 'keep'):<27}" for name in configs)
        print(f"{text!r:<24}{shown:<10}{row}")
    scored = [(i, e) for i, (_, e) in enumerate(CASES) if e is not None]
    print(f"{'correct':<34}" + "".join(f"{sum(results[n][i] == e for i, e in scored)}/{len(scored):<25}" for n in configs))


if __name__ == "__main__":
    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    asyncio.run(main())
