#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""What the barge-in's added latency would be without each of the plugin's parts on its path.

    .venv/bin/python benchmarks/latency_floor.py [--trials N]

A measuring tool, not a configuration: it replaces parts of the plugin in this process
only, to show how much of the added latency each one is (issue 16's "floor"). Section 1's
barge-in (`run.bare_trial`, the collector's young generations emptied first) runs for plain
Pipecat and four versions of the plugin:

- as it is;
- with a ready decision: the arbiter's in-line decision (`decide_voice_start`) returns the
  decision it took in the first barge-in, with the same state change, so none of its cold
  work (attempt, detectors, conditions, the decision's record and debug line) runs;
- the same, and the aggregator's broadcast without the hand-over's push hooks (the
  `InterruptionFrame`s then carry no decision: after the output the flush and the
  snapshotter treat them as an interruption from elsewhere; the figures before it hold);
- the same, and the controller's relay holding the copy going up without watching for its
  sibling (it is handed on when the pipeline ends).

Each version runs its pairs (plain Pipecat, then the plugin, at the same point of the
chunk) in blocks, the versions taking turns, and is replaced in only while its block runs
(replaced before every single trial, the four versions measured alike, probably because
replacing a class's method resets what the interpreter had specialised for it). Printed per
version: the median of its pairs' differences at the output and at the LLM's
cancellation, with a 90% bootstrap interval.
"""

import argparse
import asyncio
import random
import statistics
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import run
from run import BareTrial

from pipecat_interrupts.arbitration.arbiter import ArbiterState, InterruptionArbiter
from pipecat_interrupts.frames import InterruptionDecision
from pipecat_interrupts.turn_handover import TurnHandover
from pipecat_interrupts.upstream_relay import RelayedFrame, UpstreamRelay


@contextmanager
def _replaced(owner: type, name: str, replacement: Callable[..., Any]) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        setattr(owner, name, original)


def ready_decision() -> Any:
    """The arbiter's in-line decision replaced by the first one it took."""
    original = InterruptionArbiter.decide_voice_start
    taken: list[InterruptionDecision] = []

    def decide(self: InterruptionArbiter, start_secs: float = 0.0) -> InterruptionDecision | None:
        if not taken:
            decision = original(self, start_secs)
            if decision is not None:
                taken.append(decision)
            return decision
        if self._state is not ArbiterState.BOT_SPEAKING or self._muted or self._attempt is not None:
            return None
        self._user_speaking, self._state = True, ArbiterState.VOICE_ONLY_TURN
        return taken[0]

    return _replaced(InterruptionArbiter, "decide_voice_start", decide)


def no_push_hooks() -> Any:
    """The hand-over starts the turn without listening to the aggregator's pushes."""

    async def start_turn(self: TurnHandover, adapter: Any, decision: InterruptionDecision) -> None:
        await adapter.trigger_user_turn_started(enable_interruptions=True)

    return _replaced(TurnHandover, "start_turn", start_turn)


def no_relay_watch() -> Any:
    """The relay holds the copy going up without watching for its sibling at the output."""

    def hold(self: UpstreamRelay, frame: Any, callback: Any = None) -> None:
        self._frames.append(RelayedFrame(frame, callback, waiting=True))

    return _replaced(UpstreamRelay, "hold", hold)


VERSIONS: dict[str, tuple[Callable[[], Any], ...]] = {
    "the plugin as it is": (),
    "a ready decision": (ready_decision,),
    "  and no push hooks": (ready_decision, no_push_hooks),
    "  and no relay watch": (ready_decision, no_push_hooks, no_relay_watch),
}


async def pairs(version: str, phases: list[float]) -> list[tuple[BareTrial, BareTrial]]:
    """Plain Pipecat, then this version of the plugin, at each phase (replaced once)."""
    with ExitStack() as stack:
        for replace in VERSIONS[version]:
            stack.enter_context(replace())
        done = []
        for phase in phases:
            done.append((await run.bare_trial(False, phase), await run.bare_trial(True, phase)))
        return done


async def main(trials: int, block: int) -> None:
    results: dict[str, list[tuple[BareTrial, BareTrial]]] = {version: [] for version in VERSIONS}
    for version in VERSIONS:  # first-use costs, and the ready decision taken
        await pairs(version, [0.0])
    phases = run.chunk_phases(trials)
    for start in range(0, trials, block):  # versions take turns, a block of pairs each
        for version in VERSIONS:
            results[version] += await pairs(version, phases[start : start + block])

    print(f"Added barge-in latency against plain Pipecat, median of {trials} pairs' shifts, ms")
    print(f"  {'':<24} {'at the output':>26} {'LLM cancelled':>26}")
    for version, done in results.items():
        cells = []
        for field in ("onset_to_output", "onset_to_cancel"):
            shifts = [
                (getattr(plugin, field) - getattr(plain, field)) * 1000
                for plain, plugin in done
                if getattr(plugin, field) is not None and getattr(plain, field) is not None
            ]
            low, high = median_interval(shifts)
            cells.append(f"{statistics.median(shifts):+.3f} ({low:+.2f} to {high:+.2f})")
        print(f"  {version:<24} {cells[0]:>26} {cells[1]:>26}")


def median_interval(values: list[float], rounds: int = 2000) -> tuple[float, float]:
    """A 90% bootstrap interval of the median (fixed seed)."""
    rng = random.Random(16)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(rounds))
    return medians[int(rounds * 0.05)], medians[int(rounds * 0.95)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40, help="pairs per version")
    parser.add_argument("--block", type=int, default=10, help="pairs per version's turn")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.trials, arguments.block))
