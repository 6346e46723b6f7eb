#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""How much of section 4's CPU is Python's garbage collector, plain Pipecat versus the plugin.

    .venv/bin/python benchmarks/gc_cost.py [--conversations N] [--rounds N]

Runs section 4's concurrent conversations (`run.conversation`, one barge-in each, all
alive until the last ends) and times every collection the collector starts inside the
measured span, by generation, with ``gc.callbacks``. A full (generation 2) collection
visits every object the collector tracks: Pipecat's own (about 140,000 after import) and
every live pipeline's, so at high concurrency its cost per collection grows with the
objects each conversation keeps. Printed per side: CPU, the collector's share, each
generation's collections and mean time, CPU outside the collector, and the tracked
objects per conversation while all are alive (after a collection, so only live ones).
Rounds alternate which side runs first; the figures are the rounds' medians.
"""

import argparse
import asyncio
import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import run  # also sets loguru to errors only, as the benchmark does


@dataclass
class Side:
    """One side's run: CPU, the collector's time by generation, objects per conversation."""

    cpu: float = 0.0
    collections: list[int] = field(default_factory=lambda: [0, 0, 0])
    collecting: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    objects: float = 0.0

    @property
    def in_collector(self) -> float:
        return sum(self.collecting)


async def measure(n: int, with_plugin: bool) -> Side:
    """``n`` concurrent conversations on one side, the collector timed inside the span."""
    side = Side()
    started = [0.0]

    def timed(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.process_time()
        else:
            generation = info["generation"]
            side.collections[generation] += 1
            side.collecting[generation] += time.process_time() - started[0]

    gc.collect()
    base = len(gc.get_objects())
    gc.callbacks.append(timed)
    try:
        start = time.process_time()
        pipelines = [run.conversation(with_plugin) for _ in range(n)]
        await asyncio.gather(*(run.converse(vp) for vp in pipelines))
        side.cpu = time.process_time() - start
    finally:
        gc.callbacks.remove(timed)
    gc.collect()  # only what the live pipelines keep
    side.objects = (len(gc.get_objects()) - base) / n
    del pipelines
    gc.collect()
    return side


def line(label: str, plain: list[Side], plugin: list[Side], value: Any, unit: str) -> str:
    a = statistics.median(value(s) for s in plain)
    b = statistics.median(value(s) for s in plugin)
    return f"  {label:<44} {a:10.2f} {b:10.2f} {unit:<5} {b / a if a else float('nan'):6.2f}x"


async def main(n: int, rounds: int) -> None:
    await run.converse(run.conversation(False))  # first-use costs, both sides
    await run.converse(run.conversation(True))
    plain: list[Side] = []
    plugin: list[Side] = []
    for index in range(rounds):
        order = (False, True) if index % 2 == 0 else (True, False)
        for with_plugin in order:
            (plugin if with_plugin else plain).append(await measure(n, with_plugin))

    print(f"The collector's share of {n} concurrent conversations (medians of {rounds} rounds)")
    print(f"  {'':<44} {'plain':>10} {'plugin':>10}")
    print(line("CPU", plain, plugin, lambda s: s.cpu, "s"))
    print(line("  in the collector", plain, plugin, lambda s: s.in_collector, "s"))
    print(line("  outside it", plain, plugin, lambda s: s.cpu - s.in_collector, "s"))
    print(
        line("collector's share of CPU", plain, plugin, lambda s: 100 * s.in_collector / s.cpu, "%")
    )
    for generation in range(3):
        print(
            line(
                f"generation {generation}: collections",
                plain,
                plugin,
                lambda s, g=generation: s.collections[g],
                "",
            )
        )
        print(
            line(
                "  mean time each",
                plain,
                plugin,
                lambda s, g=generation: 1000 * s.collecting[g] / max(s.collections[g], 1),
                "ms",
            )
        )
    print(line("tracked objects per live conversation", plain, plugin, lambda s: s.objects, ""))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.conversations, arguments.rounds))
