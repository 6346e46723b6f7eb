#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The barge-in's critical path in Python calls (section 7 of ``benchmarks/run.py``).

    .venv/bin/python benchmarks/critical_path.py [--trials N] [--detail]

The event loop runs one task at a time, so everything that runs between the user's
voice-activity start and the `InterruptionFrame`'s arrival at the LLM (its stream
cancelled) or at the output transport (the caller stops hearing the bot) delays that
arrival: the processors' hops, and whatever else the loop runs in between. This counts
the Python calls made in that window, in every task, for section 1's barge-in
(`run.bare_trial`), plain and plugin alternating. Unlike the times, which move with the
machine's neighbours (plain Pipecat's own barge-in took 1.4 ms on a calm hour and 4 to 5
ms on a loaded one), the count moves only with the code and with which other task's
steps happen to fall in the window (a few dozen calls). ``--detail`` lists the calls the
plugin adds, by function.
"""

import argparse
import asyncio
import collections
import statistics
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from pipecat.frames.frames import InterruptionFrame

import run
from pipecat_interrupts.testing import fake_llm
from pipecat_interrupts.testing.fake_llm import FakeLLMService
from pipecat_interrupts.testing.mock_transport import MockOutputTransport


@dataclass
class Window:
    """Python calls from the voice-activity start to the interruption at the LLM and the output."""

    calls: int = 0
    at_llm: int | None = None
    at_llm_end: int | None = None
    at_output: int | None = None
    by_function: collections.Counter[str] = field(default_factory=collections.Counter)
    to_llm_by_function: collections.Counter[str] = field(default_factory=collections.Counter)


class _Counter:
    """Counts calls while installed, from the first voice start to the output's interruption."""

    def __init__(self, detail: bool) -> None:
        self.detail = detail
        self.window: Window | None = None
        self._originals: list[tuple[Any, str, Any]] = []

    def _profile(self, frame: FrameType, event: str, arg: object) -> None:
        if event != "call" or self.window is None:
            return
        self.window.calls += 1
        if self.detail:
            code = frame.f_code
            path = code.co_filename
            short = path.split("site-packages/")[-1].split("/lib/python3")[-1]
            self.window.by_function[f"{short.split('/work/main/')[-1]}:{code.co_name}"] += 1

    def _wrap(self, cls: Any, name: str, wrapper: Callable[..., Any]) -> None:
        self._originals.append((cls, name, getattr(cls, name)))
        setattr(cls, name, wrapper(getattr(cls, name)))

    def install(self, user_class: type) -> None:
        counter = self

        def speaking(original: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
            async def start_speaking(user: Any, **kwargs: Any) -> None:
                if not user.speech_started_at and counter.window is None:
                    counter.window = Window()
                    sys.setprofile(counter._profile)
                await original(user, **kwargs)

            return start_speaking

        def at(
            side: str,
        ) -> Callable[[Callable[..., Awaitable[None]]], Callable[..., Awaitable[None]]]:
            def wrap(original: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
                async def process_frame(processor: Any, frame: Any, direction: Any) -> None:
                    window = counter.window
                    if isinstance(frame, InterruptionFrame) and window is not None:
                        if side == "llm" and window.at_llm is None:
                            window.at_llm = window.calls
                            window.to_llm_by_function = collections.Counter(window.by_function)
                        elif side == "output" and window.at_output is None:
                            window.at_output = window.calls
                            sys.setprofile(None)
                    await original(processor, frame, direction)

                return process_frame

            return wrap

        def clock(original: Callable[[], float]) -> Callable[[], float]:
            def monotonic() -> float:  # the fake LLM stamps its run's end with it
                window = counter.window
                if window is not None and window.at_llm is not None and window.at_llm_end is None:
                    window.at_llm_end = window.calls
                return original()

            return monotonic

        self._wrap(user_class, "start_speaking", speaking)
        self._wrap(fake_llm, "monotonic", clock)
        self._wrap(FakeLLMService, "process_frame", at("llm"))
        self._wrap(MockOutputTransport, "process_frame", at("output"))

    def uninstall(self) -> None:
        sys.setprofile(None)
        for cls, name, original in reversed(self._originals):
            setattr(cls, name, original)
        self._originals.clear()


@dataclass
class CriticalPath:
    """Median calls to the LLM's and the output's interruption, per side."""

    plain: list[Window]
    plugin: list[Window]

    @staticmethod
    def median(windows: list[Window], attr: str) -> float:
        return statistics.median(getattr(w, attr) for w in windows if getattr(w, attr) is not None)


async def critical_path(
    trials: int, trial: Callable[[bool], Awaitable[Any]], *, detail: bool = False
) -> CriticalPath:
    """Count the critical path's calls of ``trials`` barge-ins a side, alternating."""
    counter = _Counter(detail)
    result = CriticalPath([], [])
    await trial(False), await trial(True)  # first-use costs (imports, phrase tables)
    # The trial's own module's user class (``run`` may run as ``__main__``).
    counter.install(sys.modules[trial.__module__].TimedUser)
    try:
        for _ in range(trials):
            for with_plugin, windows in ((False, result.plain), (True, result.plugin)):
                counter.window = None
                await trial(with_plugin)
                sys.setprofile(None)
                if counter.window is not None and counter.window.at_output is not None:
                    windows.append(counter.window)
    finally:
        counter.uninstall()
    return result


def print_critical_path(result: CriticalPath) -> None:
    for attr, label in (
        ("at_llm", "VAD start -> InterruptionFrame at the LLM"),
        ("at_llm_end", "VAD start -> LLM stream cancelled"),
        ("at_output", "VAD start -> InterruptionFrame at output"),
    ):
        plain, plugin = (
            CriticalPath.median(result.plain, attr),
            CriticalPath.median(result.plugin, attr),
        )
        print(
            f"  {label + ', Python calls':<58} {plain:8.0f} {plugin:8.0f}  {plugin / plain:.2f}x (+{plugin - plain:.0f})"
        )


def print_detail(result: CriticalPath, attr: str, top: int = 40) -> None:
    def total(windows: list[Window]) -> collections.Counter[str]:
        summed: collections.Counter[str] = collections.Counter()
        for w in windows:
            summed += w.to_llm_by_function if attr == "to_llm_by_function" else w.by_function
        return summed

    plain, plugin = total(result.plain), total(result.plugin)
    n_plain, n_plugin = len(result.plain), len(result.plugin)
    added = sorted(
        ((plugin[k] / n_plugin - plain[k] / n_plain, k) for k in set(plain) | set(plugin)),
        reverse=True,
    )
    for calls, name in added[:top]:
        if calls >= 0.5:
            print(f"    {calls:+6.1f}  {name}")


async def main(trials: int, detail: bool) -> None:
    result = await critical_path(trials, run.bare_trial, detail=detail)
    print(
        f"The barge-in's critical path in Python calls (medians of {trials} a side)    plain   plugin"
    )
    print_critical_path(result)
    if detail:
        print("  calls the plugin adds before the LLM's InterruptionFrame, by function (per barge-in):")
        print_detail(result, "to_llm_by_function")
        print("  ... and before the output's interruption:")
        print_detail(result, "by_function")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--detail", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.trials, args.detail))
