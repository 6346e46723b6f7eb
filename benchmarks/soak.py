#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Soak: many seeded conversations of random barge-ins; prints the invariants violated.

    python3 dev.py soak                        # 200 conversations x 100 barge-ins
    python3 dev.py soak --conversations 4      # a quick variant (CI)

Each conversation is a real Pipecat voice pipeline with the plugin (controller,
snapshotter repairing the speaking signals and hearing through its hooks, and the flush:
the controller's own in two conversations of three, a `FlushCoordinator` in the third)
and the package's fakes. Its barge-ins are
drawn from a seeded generator: words, interrupt phrases, backchannels, coughs, emergency
stops, barge-ins while the LLM still streams, and barge-ins right as the bot starts or
stops speaking. Replies alternate English and Japanese, and TTS word timestamps on and
off, by conversation. After each conversation it checks:

- every assistant message equals exactly what the output transport played of its reply
  (late chunks included, a resumed remainder in the message it continues), and holds
  nothing else; no two assistant messages in a row;
- the user messages are what the caller said, in order: none lost, none doubled, nothing
  invented (utterances close together may share a turn; a backchannel to a silent bot is
  a turn of its own);
- the snapshot store stayed within its bound; every interruption's flush reached both
  ends of the pipeline; no task outlived the pipeline; the pipeline ended.

Conversations run ``--concurrency`` at a time in one event loop (real time: the fakes play
audio on the clock). The last line is ``violations: N``; the exit code is 1 when N > 0.
"""

import argparse
import asyncio
import itertools
import random
import sys
import time
from dataclasses import dataclass, field

from loguru import logger

logger.remove()
logger.add(sys.stderr, level="ERROR")

from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams  # noqa: E402
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy  # noqa: E402

from pipecat_interrupts import (  # noqa: E402
    EmergencyStopFrame,
    FlushCoordinator,
    InMemorySnapshotStore,
    InterruptionController,
    PhraseInterruptionDetector,
    StateSnapshotter,
    TextInterruptionDetector,
    VADInterruptionDetector,
    controlled_user_turn_strategies,
)
from pipecat_interrupts.testing import (  # noqa: E402
    FakeLLMService,
    FakeTTSService,
    Noise,
    Pause,
    ScriptedUser,
    Utterance,
    build_voice_pipeline,
)
from pipecat_interrupts.testing.truthful_context import (  # noqa: E402
    ReplyRecorder,
    context_violations,
    user_turn_violations,
)

STORE_BOUND = 8
MARKER = " [interrupted]"
ANSWERS = {
    "en": "Answer {n} is short. It has more. Then more again. And it goes on. For a while.",
    "ja": "回答{n}は短いです。まだあります。さらに続きます。もう少しです。しばらく。",
}
KINDS = (
    "words",
    "phrase",
    "backchannel",
    "cough",
    "emergency",
    "while-streaming",
    "at-start",
    "at-stop",
)


@dataclass
class Outcome:
    """One conversation's result."""

    seed: int
    barge_ins: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)


async def converse(seed: int, barge_ins: int) -> Outcome:
    """Run one seeded conversation and check its invariants."""
    rng = random.Random(seed)
    outcome = Outcome(seed)
    language = "ja" if seed % 2 else "en"
    judge = PhraseInterruptionDetector()
    own_flush = seed % 3 != 0  # the controller's flush, or a coordinator's (every third)
    coordinator = None if own_flush else FlushCoordinator()
    controller = InterruptionController(
        detectors=[
            judge,
            TextInterruptionDetector(),
            VADInterruptionDetector(min_speech_secs=0.05),
        ],
        flush=own_flush,
    )
    snapshotter = StateSnapshotter(
        store=InMemorySnapshotStore(max_per_conversation=STORE_BOUND),
        false_interruption_timeout_secs=0.1,
        backchannel_judge=judge,
    )
    recorder = ReplyRecorder(snapshotter.ledger)
    numbers = itertools.count()
    streaming = {"slow": False}

    def reply(_context) -> str:
        return ANSWERS[language].format(n=next(numbers))

    llm = FakeLLMService(replies=reply, token_delay_secs=0.001)
    user = ScriptedUser(speaking_tick_secs=0.05)
    strategies = controlled_user_turn_strategies(
        controller, stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.05)]
    )
    vp = build_voice_pipeline(
        controller=controller,
        snapshotter=snapshotter,
        user=user,
        llm=llm,
        tts=FakeTTSService(secs_per_word=0.015, word_timestamps=seed % 4 < 2),
        user_params=LLMUserAggregatorParams(user_turn_strategies=strategies, empty_user_turn=None),
        after_user_aggregator=[coordinator] if coordinator is not None else [],
        end_timeout_secs=10,
    )
    said: list[str] = []
    utterances: list[tuple[str, bool]] = []  # (text, must be in the context) in order
    try:
        async with vp:
            await vp.start_bot_turn()
            for i in itertools.count():
                if len(vp.output.interruptions) >= barge_ins:
                    break
                kind = rng.choice(KINDS)
                streaming["slow"] = kind == "while-streaming"
                llm._token_delay_secs = 0.03 if streaming["slow"] else 0.001  # noqa: SLF001 - a soak knob
                try:
                    await user.wait_for_bot(speaking=True, timeout=0.3)
                except TimeoutError:
                    said.append(f"tell me more {i}")
                    utterances.append((said[-1], True))
                    await user.perform([Utterance(said[-1], word_secs=0.005)])
                    await user.wait_for_bot(speaking=True, timeout=5)
                if kind == "at-stop":  # let the reply play out, and speak as the bot stops
                    await user.wait_for_bot(speaking=False, timeout=10)
                outcome.kinds[kind] = outcome.kinds.get(kind, 0) + 1
                pause = Pause(0.0 if kind in ("at-start", "at-stop") else rng.uniform(0.01, 0.15))
                if kind in ("words", "while-streaming", "at-start", "at-stop"):
                    said.append(f"question number {i}")
                    utterances.append((said[-1], True))
                    await user.perform([pause, Utterance(said[-1], word_secs=0.005)])
                elif kind == "phrase":
                    said.append(rng.choice(["stop", "wait", "hold on"]))
                    utterances.append((said[-1], True))
                    await user.perform([pause, Utterance(said[-1], word_secs=0.005)])
                elif kind == "backchannel":
                    utterances.append((rng.choice(["mhm", "yeah", "right"]), False))
                    await user.perform([pause, Utterance(utterances[-1][0], word_secs=0.005)])
                elif kind == "cough":
                    await user.perform([pause, Noise(rng.uniform(0.06, 0.1))])
                else:
                    await user.perform([pause])
                    await vp.queue_frame(EmergencyStopFrame())
                if len(snapshotter.store.all()) > STORE_BOUND:
                    outcome.violations.append("store over its bound")
            await vp.output.wait_until(lambda: not user.bot_speaking, timeout=5)
    except Exception as error:  # a stalled or crashed conversation is a violation too
        outcome.violations.append(f"conversation failed: {error!r}")
    outcome.barge_ins = len(vp.output.interruptions)
    messages = vp.context.get_messages()
    outcome.violations += context_violations(messages, vp.output.spoken, recorder, marker=MARKER)
    outcome.violations += user_turn_violations(messages, utterances)
    if vp.worker.has_finished() is False:
        outcome.violations.append("the pipeline did not end")
    reports = coordinator.reports if coordinator is not None else controller.flush_reports
    if not reports or any(not report.completed for report in reports):
        timed_out = sum(not report.completed for report in reports)
        outcome.violations.append(f"flushes: {len(reports)}, {timed_out} did not reach both ends")
    return outcome


async def soak(
    conversations: int, barge_ins: int, concurrency: int, first_seed: int
) -> list[Outcome]:
    """Run the conversations, ``concurrency`` at a time."""
    outcomes: list[Outcome] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(seed: int) -> None:
        async with gate:
            outcome = await converse(seed, barge_ins)
        outcomes.append(outcome)
        status = "ok" if not outcome.violations else f"{len(outcome.violations)} violation(s)"
        print(f"  conversation seed={seed}: {outcome.barge_ins} barge-ins, {status}", flush=True)
        for line in outcome.violations[:5]:
            print(f"    - {line}", flush=True)

    await asyncio.gather(*(one(first_seed + n) for n in range(conversations)))
    current = asyncio.current_task()
    leaked = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    if leaked:
        outcomes.append(Outcome(-1, violations=[f"{len(leaked)} task(s) outlived their pipelines"]))
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--barge-ins", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started, cpu = time.monotonic(), time.process_time()
    print(
        f"soak: {args.conversations} conversations x {args.barge_ins} barge-ins, "
        f"{args.concurrency} at a time, Python {sys.version.split()[0]}",
        flush=True,
    )
    outcomes = asyncio.run(soak(args.conversations, args.barge_ins, args.concurrency, args.seed))
    kinds: dict[str, int] = {}
    for outcome in outcomes:
        for kind, count in outcome.kinds.items():
            kinds[kind] = kinds.get(kind, 0) + count
    violations = sum(len(o.violations) for o in outcomes)
    print(
        f"barge-ins: {sum(o.barge_ins for o in outcomes)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})"
    )
    print(f"time: {time.monotonic() - started:.0f} s wall, {time.process_time() - cpu:.0f} s CPU")
    print(f"violations: {violations}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
