#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Memory per interruption over one long call (``python3 dev.py bench --memory-soak``).

One real Pipecat pipeline lives for the whole call and takes ``n`` interruptions (1,000 by
default). For each one the bot starts speaking (a `BotStartedSpeakingFrame` the output
transport pushes on), an `InterruptionFrame` travels the pipeline and the bot stops; the
plugin side has a `FlushCoordinator` (with a task registered in its shared registry and an
event handler), a `FlushHookProcessor`, a `SpeechGate` and an `InterruptionMetricsObserver`,
and waits for each flush to complete; the plain side has as many pass-through processors
and no observer. Traced memory (``tracemalloc``, after a garbage collection) is sampled
every ``n / 10`` interruptions.

Reported: bytes per interruption over the whole call, and over its second half (the trend:
the plugin's per-call state is a set of bounded windows, 256 records and reports at most,
so once they are full it should stay near the plain pipeline's).
"""

import asyncio
import gc
import sys
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InterruptionFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from pipecat_interrupts import (
    FlushCompletedFrame,
    FlushCoordinator,
    FlushHookProcessor,
    InterruptibleTaskRegistry,
)
from pipecat_interrupts.metrics import InterruptionMetricsObserver
from pipecat_interrupts.testing import MockOutputTransport, running_pipeline
from pipecat_interrupts.tools import SpeechGate


class _Counter(FrameProcessor):
    """The pipeline's last processor: counts the frames a round waits for."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.counts: dict[type[Frame], int] = {}
        self.changed = asyncio.Event()

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        self.counts[type(frame)] = self.counts.get(type(frame), 0) + 1
        self.changed.set()
        await self.push_frame(frame, direction)

    async def wait_count(self, frame_type: type[Frame], count: int, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while self.counts.get(frame_type, 0) < count:
                self.changed.clear()
                await self.changed.wait()


class _PassThrough(FrameProcessor):
    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


@dataclass(frozen=True)
class SoakResult:
    """Traced memory along one call.

    Parameters:
        samples: (interruptions so far, traced bytes) pairs, the first at 0.
    """

    samples: tuple[tuple[int, int], ...]

    def bytes_per_interruption(self, start: int = 0) -> float:
        """Growth per interruption from the sample at ``start`` to the last one."""
        first = next((n, b) for n, b in self.samples if n >= start)
        last = self.samples[-1]
        return (last[1] - first[1]) / max(1, last[0] - first[0])


async def _soak(n: int, with_plugin: bool) -> SoakResult:
    counter = _Counter()
    observers: list = []
    registry = InterruptibleTaskRegistry(name="soak-tasks")
    processors: Sequence[FrameProcessor]
    if with_plugin:
        coordinator = FlushCoordinator(task_registry=registry)
        coordinator.add_event_handler("on_flush_completed", lambda _c, _report: None)
        processors = [coordinator, FlushHookProcessor(lambda _flush: None, name="cache"), SpeechGate()]
        observers = [InterruptionMetricsObserver(log_summary=False)]
    else:
        processors = [_PassThrough(), _PassThrough(), _PassThrough()]
    output = MockOutputTransport()
    samples: list[tuple[int, int]] = []
    step = max(1, n // 10)
    async with running_pipeline(
        [*processors, output, counter], observers=observers, timeout=10.0
    ) as worker:
        for i in range(n + 1):
            if i % step == 0:
                gc.collect()
                samples.append((i, tracemalloc.get_traced_memory()[0]))
            if i == n:
                break
            if with_plugin:
                registry.create_task(asyncio.sleep(3600), name=f"prefetch-{i}")
            await worker.queue_frame(BotStartedSpeakingFrame())
            await worker.queue_frame(InterruptionFrame())
            await worker.queue_frame(BotStoppedSpeakingFrame())
            await counter.wait_count(BotStoppedSpeakingFrame, i + 1)
            if with_plugin:
                await counter.wait_count(FlushCompletedFrame, i + 1)
    return SoakResult(tuple(samples))


async def memory_soak(n: int) -> int:
    """Run the soak on both sides and print bytes per interruption.

    Args:
        n: Interruptions in the call.

    Returns:
        The exit status.
    """
    print(f"memory soak: one call, {n} interruptions (traced memory after gc, sampled every {max(1, n // 10)})")
    results: dict[str, SoakResult] = {}
    for name, with_plugin in (("plain Pipecat", False), ("with plugin", True)):
        tracemalloc.start()
        try:
            results[name] = await _soak(n, with_plugin)
        finally:
            tracemalloc.stop()
    print(f"  {'':<16} {'B/interruption (whole call)':>28} {'B/interruption (2nd half)':>26}")
    for name, result in results.items():
        print(f"  {name:<16} {result.bytes_per_interruption():>28.1f} {result.bytes_per_interruption(n // 2):>26.1f}")
    plain, plugin = results["plain Pipecat"], results["with plugin"]
    extra_half = plugin.bytes_per_interruption(n // 2) - plain.bytes_per_interruption(n // 2)
    print(f"  plugin minus plain, 2nd half: {extra_half:.1f} B/interruption")
    print("  samples (interruptions: plain KB / plugin KB):")
    for (i, a), (_, b) in zip(plain.samples, plugin.samples, strict=True):
        print(f"    {i:>6}: {a / 1024:9.1f} / {b / 1024:9.1f}")
    ok = len(plain.samples) == len(plugin.samples) >= 2
    print(f"\nmemory soak {'completed' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit("run it through benchmarks/run.py --memory-soak")
