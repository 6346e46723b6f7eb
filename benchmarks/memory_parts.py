#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Where the plugin's bytes per conversation go: each part as built, measured alone.

    .venv/bin/python benchmarks/memory_parts.py

Builds many copies of each part the plugin allocates per conversation and prints the
traced bytes each copy keeps (tracemalloc), so the README's "where the bytes go" note
can name them. Parts shared by every conversation (phrase tables, language data, the
classes themselves) are built once before measuring and are not counted. The processors
are given beside Pipecat's bare `FrameProcessor`, and a direct-mode one whose two frame
queues are built only on first use (`unused_queues`), as the plugin's direct-mode
processors are: their own bytes are counted beyond that base. The plain objects inside
them are measured alone. A processor also pays for its instance dict: past a few
attributes of its own it grows from about 0.3 to 1.6 KB, which ``__slots__`` avoid.
"""

import asyncio
import gc
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

from loguru import logger

logger.remove()

from pipecat.processors.aggregators.llm_context import LLMContext  # noqa: E402
from pipecat.processors.frame_processor import (  # noqa: E402
    FrameProcessor,
    FrameProcessorQueue,
    FrameQueue,
)

from pipecat_interrupts import (  # noqa: E402
    FlushCoordinator,
    InterruptionController,
    InterruptionMetricsObserver,
    StateSnapshotter,
)
from pipecat_interrupts._deadlines import UserCodeRunner  # noqa: E402
from pipecat_interrupts.bot_speaking_guard import BotSpeakingGuard  # noqa: E402
from pipecat_interrupts.conditions import (  # noqa: E402
    ConditionChecker,
    InterruptionsEnabled,
    UninterruptibleSegments,
)
from pipecat_interrupts.detectors import (  # noqa: E402
    PhraseInterruptionDetector,
    TextInterruptionDetector,
    VADInterruptionDetector,
    default_detectors,
)
from pipecat_interrupts.observability.tracing import InterruptionTracer  # noqa: E402
from pipecat_interrupts.replies.caller_activity import CallerActivity  # noqa: E402
from pipecat_interrupts.replies.context_writer import ContextWriter  # noqa: E402
from pipecat_interrupts.replies.evidence import InterruptionEvidence  # noqa: E402
from pipecat_interrupts.replies.false_interruption import FalseInterruptionWatch  # noqa: E402
from pipecat_interrupts.replies.ledger import ReplyLedger  # noqa: E402
from pipecat_interrupts.replies.output_guard import OutputGuard  # noqa: E402
from pipecat_interrupts.replies.reply import Reply  # noqa: E402
from pipecat_interrupts.replies.snapshots import InMemorySnapshotStore  # noqa: E402
from pipecat_interrupts.replies.text import PlayedText  # noqa: E402
from pipecat_interrupts.replies.tracker import ReplyTracker  # noqa: E402
from pipecat_interrupts.task_registry import InterruptibleTaskRegistry  # noqa: E402
from pipecat_interrupts.unused_queues import release_unused_queues

COPIES = 200

JUDGE = PhraseInterruptionDetector()  # one judge, shared as the wiring shares it


def bytes_per_copy(build: Callable[[], Any], copies: int = COPIES) -> float:
    """Traced bytes each of ``copies`` objects from ``build`` keeps alive.

    Args:
        build: Makes one object.
        copies: How many to keep while measuring.

    Returns:
        Bytes per object.
    """
    build()  # first-use caches (tables, compiled patterns) are shared, not per copy
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [build() for _ in range(copies)]
    gc.collect()
    size = (tracemalloc.get_traced_memory()[0] - before) / copies
    tracemalloc.stop()
    del kept
    return size


def controller() -> InterruptionController:
    return InterruptionController(
        detectors=[
            PhraseInterruptionDetector(),
            TextInterruptionDetector(),
            VADInterruptionDetector(min_speech_secs=0.2),
        ]
    )


def snapshotter() -> StateSnapshotter:
    return StateSnapshotter(context=LLMContext(), backchannel_judge=JUDGE)


def played_reply() -> Reply:
    reply = Reply(1, response=1, generated=["One two."], context_ids={"c1"})
    reply.played.append(PlayedText("One two.", "c1", False, False))
    return reply


def base_queues() -> tuple[Any, ...]:
    """What Pipecat's FrameProcessor builds for queued mode: its input and process queues,
    and its setup Event (a direct-mode processor, as the plugin's are, uses the Event)."""
    return FrameProcessorQueue(), FrameQueue(frame_getter=lambda item: item[0]), asyncio.Event()


def arbiter_parts() -> tuple[Any, ...]:
    runner = UserCodeRunner("controller")
    checker = ConditionChecker(runner, timeout_secs=0.5, on_error=True)
    return runner, checker, InterruptionsEnabled(), UninterruptibleSegments()


def direct_mode_base() -> FrameProcessor:
    """A bare direct-mode processor with the plugin's queues-on-first-use."""
    processor = FrameProcessor(enable_direct_mode=True)
    release_unused_queues(processor)
    return processor


QUEUED = {"FlushCoordinator"}
"""Processors that keep Pipecat's queues (not in direct mode, or not the plugin's mixin)."""

PROCESSORS: dict[str, Callable[[], Any]] = {
    "InterruptionController (3 detectors)": controller,
    "StateSnapshotter": snapshotter,
    "FlushCoordinator": FlushCoordinator,
    "BotSpeakingGuard": BotSpeakingGuard,
}

PLAIN: dict[str, Callable[[], Any]] = {
    "  of it, its two frame queues and an Event": base_queues,
    "controller: default detectors (phrase, text, VAD)": default_detectors,
    "  PhraseInterruptionDetector": PhraseInterruptionDetector,
    "  TextInterruptionDetector": TextInterruptionDetector,
    "  VADInterruptionDetector": lambda: VADInterruptionDetector(min_speech_secs=0.2),
    "controller: runner, checker, built-in conditions": arbiter_parts,
    "UserCodeRunner (one per processor and per handler set)": lambda: UserCodeRunner("x"),
    "snapshotter: ReplyTracker (ledger, guard, caller record, evidence, watch)": lambda: ReplyTracker(
        ContextWriter(None), JUDGE, context_window=16
    ),
    "  ReplyLedger": lambda: ReplyLedger(ContextWriter(None)),
    "  OutputGuard": OutputGuard,
    "  CallerActivity": CallerActivity,
    "  InterruptionEvidence": lambda: InterruptionEvidence(CallerActivity()),
    "  FalseInterruptionWatch": lambda: FalseInterruptionWatch(JUDGE, CallerActivity()),
    "  ContextWriter": lambda: ContextWriter(None),
    "snapshotter: InMemorySnapshotStore (empty)": InMemorySnapshotStore,
    "Reply (one per bot reply; the ledger keeps the last 64)": played_reply,
    "coordinator: InterruptibleTaskRegistry": lambda: InterruptibleTaskRegistry(name="flush"),
    "InterruptionTracer": InterruptionTracer,
    "InterruptionMetricsObserver": lambda: InterruptionMetricsObserver(log_summary=False),
}


def main() -> int:
    print(f"bytes per conversation, part by part (tracemalloc, Python {sys.version.split()[0]})")
    base = bytes_per_copy(FrameProcessor)
    direct = bytes_per_copy(direct_mode_base)
    print("processors as built, and their own bytes beyond the FrameProcessor base they pay:")
    print(f"  {'FrameProcessor (Pipecat, for scale)':<62} {base:8.0f} B")
    print(f"  {'  in direct mode, its queues built on first use (the plugin)':<62} {direct:8.0f} B")
    for name, build in PROCESSORS.items():
        size = bytes_per_copy(build)
        own = size - (base if name in QUEUED else direct)
        print(f"  {name:<62} {size:8.0f} B {own:8.0f} B own")
    print("parts, alone:")
    for name, build in PLAIN.items():
        print(f"  {name:<62} {bytes_per_copy(build):8.0f} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
