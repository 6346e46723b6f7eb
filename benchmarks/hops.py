#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Where the microseconds of a barge-in go, hop by hop (section 6 of ``benchmarks/run.py``).

The same barge-in as section 1 (`run.bare_trial`), with every processor's ``queue_frame``
and ``process_frame`` stamped (the plugin's quiet hop's too) for the voice-activity start and the downstream
`InterruptionFrame`: when each processor was handed the frame (queued, or called directly
in direct mode) and when it began processing it. Times are medians over the trials, from
the moment the scripted user pushed ``VADUserStartedSpeakingFrame``. The stamps are
installed only while this section runs; they add about a microsecond per stamped frame
on both sides alike.
"""

import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pipecat.frames.frames import Frame, InterruptionFrame, VADUserStartedSpeakingFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from pipecat_interrupts.quiet_hop import QuietHopMixin

STAMPED = (InterruptionFrame, VADUserStartedSpeakingFrame)


@dataclass
class Stamp:
    """One stamped moment: a processor was handed (``queued``) or began (``processing``) a frame."""

    at: float
    processor: FrameProcessor
    frame: str
    processing: bool


@dataclass
class HopTimeline:
    """Median times (ms after the voice-activity start) per hop, in pipeline order."""

    rows: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    order: list[str] = field(default_factory=list)

    def add(self, key: str, ms: float) -> None:
        if key not in self.rows:
            self.order.append(key)
        self.rows[key].append(ms)

    def medians(self) -> list[tuple[str, float]]:
        return sorted(((k, statistics.median(self.rows[k])) for k in self.order), key=lambda kv: kv[1])


class _Stamper:
    """Stamps ``queue_frame`` and ``process_frame`` while installed.

    Pipecat's `FrameProcessor`'s, and the plugin's `QuietHopMixin`'s, which a frame crossing
    a plugin processor quietly takes instead (the first stamp of a processor and frame counts).
    """

    def __init__(self) -> None:
        self.stamps: list[Stamp] = []
        self._saved: list[tuple[type, Callable[..., Awaitable[None]], Callable[..., Awaitable[None]]]] = []

    def install(self) -> None:
        for cls in (FrameProcessor, QuietHopMixin):
            self._stamp(cls)

    def _stamp(self, cls: type) -> None:
        queue_frame, process_frame = cls.__dict__["queue_frame"], cls.__dict__["process_frame"]
        self._saved.append((cls, queue_frame, process_frame))
        stamps = self.stamps

        async def stamped_queue(self_: FrameProcessor, frame: Frame, direction=FrameDirection.DOWNSTREAM, callback=None):
            if direction == FrameDirection.DOWNSTREAM and isinstance(frame, STAMPED):
                stamps.append(Stamp(time.perf_counter(), self_, type(frame).__name__, False))
            await queue_frame(self_, frame, direction, callback)

        async def stamped_process(self_: FrameProcessor, frame: Frame, direction: FrameDirection):
            if direction == FrameDirection.DOWNSTREAM and isinstance(frame, STAMPED):
                stamps.append(Stamp(time.perf_counter(), self_, type(frame).__name__, True))
            await process_frame(self_, frame, direction)

        cls.queue_frame = stamped_queue  # type: ignore[attr-defined]
        cls.process_frame = stamped_process  # type: ignore[attr-defined]

    def uninstall(self) -> None:
        for cls, queue_frame, process_frame in reversed(self._saved):
            cls.queue_frame = queue_frame  # type: ignore[attr-defined]
            cls.process_frame = process_frame  # type: ignore[attr-defined]
        self._saved = []


def _timeline_of(stamps: list[Stamp], timeline: HopTimeline) -> None:
    start = next((s.at for s in stamps if s.frame == "VADUserStartedSpeakingFrame" and not s.processing), None)
    if start is None:
        return
    names: dict[int, str] = {}
    seen: set[tuple[int, str, bool]] = set()
    counts: dict[str, int] = defaultdict(int)
    for s in stamps:
        if s.at < start:
            continue
        key = (id(s.processor), s.frame, s.processing)
        if key in seen:
            continue
        seen.add(key)
        if id(s.processor) not in names:
            kind = type(s.processor).__name__
            counts[kind] += 1
            names[id(s.processor)] = kind if counts[kind] == 1 else f"{kind} #{counts[kind]}"
        what = "IF" if s.frame == "InterruptionFrame" else "VAD"
        timeline.add(f"{what} {'processing at' if s.processing else 'handed to'} {names[id(s.processor)]}", (s.at - start) * 1e3)


async def hop_timelines(trials: int, trial: Callable[[bool], Awaitable[object]]) -> dict[bool, HopTimeline]:
    """Stamp ``trials`` barge-ins per side (interleaved) and return their timelines.

    Args:
        trials: Barge-ins per side.
        trial: ``trial(with_plugin)`` runs one barge-in (`run.bare_trial`).

    Returns:
        The timelines, plain (False) and with the plugin (True).
    """
    timelines = {False: HopTimeline(), True: HopTimeline()}
    stamper = _Stamper()
    stamper.install()
    try:
        for _ in range(trials):
            for side in (False, True):
                stamper.stamps.clear()
                await trial(side)
                _timeline_of(stamper.stamps, timelines[side])
    finally:
        stamper.uninstall()
    return timelines


def print_timelines(timelines: dict[bool, HopTimeline], trials: int) -> None:
    """Print each side's hops with the step from the previous one."""
    for side, label in ((False, "plain Pipecat"), (True, "with the plugin")):
        print(f"  {label} ({trials} barge-ins; ms after the user pushed VAD start, median; step from the row above)")
        rows = timelines[side].medians()
        first_interruption = min((ms for key, ms in rows if key.startswith("IF")), default=0.0)
        previous = 0.0
        for key, ms in rows:
            # The voice-activity frame until the interruption exists; then the interruption.
            if key.startswith("IF") or ms <= first_interruption:
                print(f"    {ms:7.3f}  {ms - previous:+7.3f}  {key}")
                previous = ms
