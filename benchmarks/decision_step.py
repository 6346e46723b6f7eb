#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The controller's barge-in step: its time with the CPU caches cold, and its calls.

    .venv/bin/python benchmarks/decision_step.py [--trials N] [--warm]

What plain Pipecat does not do, and the plugin adds to every barge-in, is one step: the
controller takes the voice-activity start, decides, and hands the frame (with its
decision) to the user aggregator. It runs once per barge-in, after the TTS and the
transport have filled the CPU's caches, so its time is mostly cache misses and moves with
the machine's neighbours. This runs section 1's barge-in (`run.bare_trial`, plain and
plugin alternating) and times that step alone. Before each step it sweeps 32 MB of memory,
so the caches are as cold each time whatever the neighbours do (``--warm`` leaves them as
the trial left them). Then it counts the Python calls of one step, and lists the plugin's.
"""

import argparse
import asyncio
import collections
import statistics
import sys
import time
from types import CodeType, FrameType
from typing import Any

import run
from pipecat.frames.frames import Frame, VADUserStartedSpeakingFrame
from pipecat.processors.frame_processor import FrameDirection

from pipecat_interrupts import InterruptionController

_SWEEP = bytes(range(256)) * (128 * 1024)  # 32 MB: more than the machine's caches


async def time_steps(trials: int, cold: bool) -> list[float]:
    """Microseconds of the controller's voice-start step, one per plugin barge-in."""
    steps: list[float] = []
    original = InterruptionController.process_frame

    async def timed(self: InterruptionController, frame: Frame, direction: FrameDirection) -> None:
        if not isinstance(frame, VADUserStartedSpeakingFrame) or not self.arbiter.holds_user_turns:
            return await original(self, frame, direction)
        if cold:
            _SWEEP.count(b"x")
        started = time.perf_counter()
        await original(self, frame, direction)
        steps.append((time.perf_counter() - started) * 1e6)

    InterruptionController.process_frame = timed  # type: ignore[method-assign]
    try:
        for _ in range(trials):
            await run.bare_trial(False)
            await run.bare_trial(True)
    finally:
        InterruptionController.process_frame = original  # type: ignore[method-assign]
    return steps


async def count_calls() -> tuple[int, collections.Counter[CodeType]]:
    """The Python calls of one voice-start step, and those of the plugin's code."""
    calls: list[CodeType] = []
    original = InterruptionController.process_frame

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            calls.append(frame.f_code)

    async def counted(
        self: InterruptionController, frame: Frame, direction: FrameDirection
    ) -> None:
        if calls or not isinstance(frame, VADUserStartedSpeakingFrame):
            return await original(self, frame, direction)
        if not self.arbiter.holds_user_turns:
            return await original(self, frame, direction)
        sys.setprofile(profile)
        try:
            await original(self, frame, direction)
        finally:
            sys.setprofile(None)

    InterruptionController.process_frame = counted  # type: ignore[method-assign]
    try:
        await run.bare_trial(True)
    finally:
        InterruptionController.process_frame = original  # type: ignore[method-assign]
    mine = collections.Counter(c for c in calls if "pipecat_interrupts" in c.co_filename)
    return len(calls), mine


async def main(trials: int, cold: bool) -> None:
    steps = await time_steps(trials, cold)
    total, mine = await count_calls()
    caches = "swept before each step" if cold else "as the trial left them"
    print(f"The controller's voice-start step ({len(steps)} barge-ins, caches {caches})")
    print(f"  median {statistics.median(steps):7.1f} us")
    print(f"  p90    {sorted(steps)[int(len(steps) * 0.9)]:7.1f} us")
    print(f"  min    {min(steps):7.1f} us")
    print(f"Python calls in one step: {total}, {sum(mine.values())} of them the plugin's:")
    for code, n in mine.most_common():
        where = code.co_filename.split("pipecat_interrupts/")[-1]
        print(f"  {n:3d}  {where}:{code.co_name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--warm", action="store_true", help="no cache sweep before each step")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.trials, cold=not arguments.warm))
