#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Snapshot and context work at an interruption, at 10 and at 1,000 context messages.

    .venv/bin/python benchmarks/snapshot_cost.py

Times `ReplyTracker.interrupted` (the ledger's cut, the context writer's mark, the
snapshot with its copy of the cut exchange) on a reply that played a few sentences and
answers the context's last caller message, with a context of 10, 100 and 1,000
messages, and the memory a full store retains (20 snapshots per conversation) at each
length. A snapshot copies the exchange the interruption cut (`cut_exchange`: the
caller's question and the reply's own message here), found by walking back from the
end of the context, so all should be the same.
"""

import gc
import statistics
import sys
import time
import tracemalloc

from loguru import logger

logger.remove()

from pipecat.frames.frames import (  # noqa: E402
    InterruptionFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSTextFrame,  # noqa: E402
)
from pipecat.processors.aggregators.llm_context import LLMContext  # noqa: E402

from pipecat_interrupts.detectors import PhraseInterruptionDetector  # noqa: E402
from pipecat_interrupts.replies import DEFAULT_CONTEXT_WINDOW, InMemorySnapshotStore  # noqa: E402
from pipecat_interrupts.replies.context_writer import ContextWriter  # noqa: E402
from pipecat_interrupts.replies.tracker import ReplyTracker  # noqa: E402

ANSWER = "Alpha beta gamma delta. Epsilon zeta eta theta. Iota kappa lambda mu."
ROUNDS = 2000
WARMUP = 50


def context_of(length: int) -> LLMContext:
    """A call ``length`` messages long, taking turns, ending with the caller's question."""
    words = " ".join(["word"] * 40)
    roles = ("user", "assistant")
    return LLMContext(
        [{"role": roles[(length - 1 - n) % 2], "content": f"{n} {words}"} for n in range(length)]
    )


def one_cut(tracker: ReplyTracker, context: LLMContext, n: int) -> float:
    start = LLMFullResponseStartFrame()
    tracker.note_frame(start, generated_by_llm=True)
    tracker.note_frame(LLMTextFrame(ANSWER), generated_by_llm=True)
    for sentence in ANSWER.split(". ")[:2]:
        tracker.observe(TTSTextFrame(sentence, text_type="sentence", context_id=f"c{n}"))
    frame = InterruptionFrame()
    began = time.perf_counter()
    cut = tracker.interrupted(
        frame, conversation_id="bench", messages=context.get_messages(), watching=True
    )
    elapsed = time.perf_counter() - began
    assert cut is not None
    assert len(cut.snapshot.context_messages) == 2  # the question and the cut reply
    del context.get_messages()[-1]  # keep the context's length steady
    return elapsed


def measure(length: int, rounds: int = ROUNDS) -> tuple[float, float, int]:
    context = context_of(length)
    tracker = ReplyTracker(
        ContextWriter(context, marker=" [interrupted]"),
        PhraseInterruptionDetector(),
        context_window=DEFAULT_CONTEXT_WINDOW,
    )
    for n in range(WARMUP):  # untimed: first-use costs belong to neither length
        one_cut(tracker, context, -1 - n)
    gc.collect()
    gc.disable()  # a collection's pause is not the snapshot's cost
    try:
        times = [one_cut(tracker, context, n) for n in range(rounds)]
    finally:
        gc.enable()
    store = InMemorySnapshotStore()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(40):  # more than the store keeps
        start = LLMFullResponseStartFrame()
        tracker.note_frame(start, generated_by_llm=True)
        tracker.note_frame(LLMTextFrame(ANSWER), generated_by_llm=True)
        tracker.observe(
            TTSTextFrame("Alpha beta gamma delta.", text_type="sentence", context_id=f"m{n}")
        )
        cut = tracker.interrupted(
            InterruptionFrame(),
            conversation_id="bench",
            messages=context.get_messages(),
            watching=False,
        )
        store.add(cut.snapshot)
        del context.get_messages()[-1]
    retained = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)], retained


def main() -> int:
    print(f"snapshot cost at an interruption ({ROUNDS} cuts each, Python {sys.version.split()[0]})")
    results = {length: measure(length) for length in (10, 100, 1000)}
    for length, (median, p99, retained) in results.items():
        print(
            f"  {length:>5} messages: median {median * 1e6:6.1f} us, p99 {p99 * 1e6:6.1f} us, "
            f"store of 20 snapshots retains {retained / 1024:6.1f} KB"
        )
    print(
        f"  ratio 1,000 / 10 messages (median): {results[1000][0] / results[10][0]:.2f}; "
        f"1,000 / 100: {results[1000][0] / results[100][0]:.2f} (the cut exchange is copied: "
        f"the question and the reply, at most {DEFAULT_CONTEXT_WINDOW} messages)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
