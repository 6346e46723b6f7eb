#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""What the plugin's parts keep per conversation before any barge-in: no preallocated windows.

Bounds in traced bytes per object (tracemalloc, averaged over many copies), with a wide
margin over what each part keeps on Python 3.11 to 3.13 (``benchmarks/memory_parts.py``
prints the figures); each was at least half as large again with an empty deque, set or
Event per window.
"""

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from pipecat.frames.frames import Frame, TextFrame
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.utils.frame_queue import FrameQueue

from pipecat_interrupts import (
    BotSpeakingGuard,
    FlushCoordinator,
    InterruptionController,
    InterruptionMetricsObserver,
    StateSnapshotter,
)
from pipecat_interrupts.detectors import PhraseInterruptionDetector
from pipecat_interrupts.replies import ContextWriter
from pipecat_interrupts.replies.tracker import ReplyTracker
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)
from pipecat_interrupts.unused_queues import QueueOnFirstUse, release_unused_queues

COPIES = 40
JUDGE = PhraseInterruptionDetector()


def bytes_per_copy(build: Callable[[], Any]) -> float:
    build()  # first-use caches are shared, not per copy
    # The collection after the build visits only the copies and their garbage, not the
    # worker's whole heap (a full collection took 0.1 to 0.2 s in the suite, two a part).
    gc.freeze()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [build() for _ in range(COPIES)]
        gc.collect()
        size = (tracemalloc.get_traced_memory()[0] - before) / COPIES
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    assert len(kept) == COPIES
    return size


@pytest.mark.parametrize(
    ("part", "build", "bound"),
    [
        # 2.8 KB with a deque of waiting units, an OrderedDict and an asyncio.Event.
        ("reply tracker", lambda: ReplyTracker(ContextWriter(None), JUDGE, context_window=16), 1500),
        # 3.5 KB with two 256-record windows and six latency aggregates made up front.
        ("metrics observer", lambda: InterruptionMetricsObserver(log_summary=False), 2000),
    ],
)
def test_a_part_keeps_no_preallocated_window(part, build, bound):
    size = bytes_per_copy(build)
    assert size < bound, f"{part}: {size:.0f} B"


def test_the_flush_coordinator_keeps_little_beyond_pipecats_processor():
    # 4.5 KB of its own with two deques, a set and its state in the instance dict.
    own = bytes_per_copy(FlushCoordinator) - bytes_per_copy(FrameProcessor)
    assert own < 3000, f"{own:.0f} B"


def test_the_plugins_direct_mode_processors_build_no_frame_queue_until_one_is_used():
    # Pipecat's two frame queues are 6 KB of a processor, and direct mode never reads them.
    plain = bytes_per_copy(lambda: FrameProcessor(enable_direct_mode=True))
    guard = bytes_per_copy(BotSpeakingGuard)  # the mixin and little else
    assert guard < plain - 5000, f"{guard:.0f} B against {plain:.0f} B"


def test_a_stand_in_still_held_reaches_the_queue_it_built():
    controller = InterruptionController()
    stand_in = controller._FrameProcessor__input_queue
    assert isinstance(stand_in, QueueOnFirstUse)
    stand_in.put_nowait("first")  # builds the queue and puts it in place
    assert stand_in.qsize() == 1  # the same queue, not a second one
    assert controller._FrameProcessor__input_queue.get_nowait() == "first"


async def test_a_frame_queue_is_built_when_pipecat_does_ask_for_it():
    controller = InterruptionController()
    assert isinstance(controller._FrameProcessor__process_queue, QueueOnFirstUse)
    assert not controller.has_queued_frame(TextFrame)  # Pipecat's own question still works
    assert isinstance(controller._FrameProcessor__process_queue, FrameQueue)  # built now
    queued = FrameProcessor()  # not in direct mode: Pipecat's queues, untouched
    assert release_unused_queues(queued) == 0


@pytest.mark.virtual_time
async def test_a_barge_in_leaves_nothing_of_the_plugins_to_the_collector():
    # The relay's held frame and a flush's record each referred to themselves through
    # their arrival callback and deadline timer: every barge-in left 25 objects, its
    # InterruptionFrame and FlushFrames among them, for the cyclic collector to find
    # (plain Pipecat leaves none). Now they are freed when done with.
    controller = InterruptionController(flush=True)
    vp = build_voice_pipeline(
        user=ScriptedUser([WaitForBot(), Pause(0.3), Utterance("wait stop", word_secs=0.02)]),
        llm=FakeLLMService(replies=["One two three four five six seven eight.", "Sure."]),
        tts=FakeTTSService(secs_per_word=0.05),
        controller=controller,
        snapshotter=StateSnapshotter(backchannel_judge=controller.judge),
    )
    gc.collect()
    gc.disable()
    try:
        async with vp:
            await vp.start_bot_turn()
            assert await vp.user.wait_finished(10)
            assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=10)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = sorted(
            type(o).__name__
            for o in gc.garbage
            if isinstance(o, Frame) or type(o).__module__.startswith("pipecat_interrupts")
        )
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()
    assert len(vp.output.interruptions) == 1 and len(controller.flush_reports) == 1
    assert left == []
