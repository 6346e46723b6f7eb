#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""One call from headless Chromium to the web demo, with a WAV as the microphone.

Used by the end-to-end test and the benchmark. Chromium is Debian's (``/usr/bin/chromium``,
installed by ``.ci/install_web_deps``), driven by Playwright with ``executable_path``:
Playwright's own browser download is never used. The page records the RMS level of the
bot's audio as it arrives and of its microphone, per ~10 ms, on the wall clock.
"""

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
SILENCE_RMS = 0.005
"""Below this RMS (of full scale) the bot's audio counts as silent at the browser."""

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # root on CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # this machine's network is closed
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",  # ICE on 127.0.0.1 only
]


class ChromiumMissingError(RuntimeError):
    """Chromium (or Playwright) is not installed."""


@dataclass(frozen=True)
class Level:
    """The RMS level of one ~10 ms buffer.

    Parameters:
        at: Wall-clock seconds (``time.time()`` scale).
        rms: Root mean square, of full scale.
    """

    at: float
    rms: float


@dataclass(frozen=True)
class CallRecording:
    """What the page measured during one call.

    Parameters:
        mic_started_at: When the microphone (the WAV) started, wall clock.
        bot: The bot's audio levels as received.
        mic: The microphone's levels.
    """

    mic_started_at: float
    bot: list[Level]
    mic: list[Level]

    def loud_spans(self, *, merge_gap_secs: float = 0.5) -> list[tuple[float, float]]:
        """The bot's audible stretches, joining gaps shorter than ``merge_gap_secs``.

        Args:
            merge_gap_secs: Gaps shorter than this join two stretches.

        Returns:
            ``(start, end)`` wall-clock pairs.
        """
        spans: list[tuple[float, float]] = []
        start: float | None = None
        for level in self.bot:
            if level.rms > SILENCE_RMS and start is None:
                start = level.at
            elif level.rms <= SILENCE_RMS and start is not None:
                spans.append((start, level.at))
                start = None
        if start is not None and self.bot:
            spans.append((start, self.bot[-1].at))
        merged: list[tuple[float, float]] = []
        for span in spans:
            if merged and span[0] - merged[-1][1] < merge_gap_secs:
                merged[-1] = (merged[-1][0], span[1])
            else:
                merged.append(span)
        return merged

    def silenced_at(self, onset: float, cut_at: float | None) -> float | None:
        """When the bot's audio that was playing at a barge-in stopped, at the browser.

        The stretch is the last audible one (pauses under 0.5 s, like those between
        sentences, joined) that began before the interruption reached the output
        transport (``cut_at``, or the ``onset`` if unknown); its end is the silence.
        A reply to a later turn starts a new stretch and is not counted.

        Args:
            onset: The caller's speech onset, wall clock.
            cut_at: When the interruption reached the bot's output transport.

        Returns:
            The wall-clock end of that stretch, or None if the bot was silent at the onset.
        """
        anchor = max(onset, cut_at) if cut_at is not None else onset
        playing = [span for span in self.loud_spans(merge_gap_secs=0.5) if span[0] <= anchor]
        if not playing or playing[-1][1] < onset:
            return None
        return playing[-1][1]

    def span_at(self, at: float) -> tuple[float, float] | None:
        """The bot's audible stretch that covers wall-clock time ``at``, if any."""
        for span in self.loud_spans():
            if span[0] <= at <= span[1]:
                return span
        return None


def require_chromium() -> None:
    """Raise `ChromiumMissingError` unless Chromium and Playwright are installed."""
    if not Path(CHROMIUM).exists():
        raise ChromiumMissingError(
            f"{CHROMIUM} not found: install Debian's chromium with `.ci/install_web_deps` (as root)"
        )
    try:
        import playwright.async_api  # noqa: F401
    except ImportError as error:
        raise ChromiumMissingError("playwright is not installed: pip install -e '.[test]'") from error
    if shutil.which("espeak-ng") is None:
        raise ChromiumMissingError("espeak-ng not found: run `.ci/install_web_deps` (as root)")


async def record_call(url: str, wav: Path, secs: float, *, screenshot: Path | None = None) -> CallRecording:
    """Open the demo page in headless Chromium with ``wav`` as the microphone.

    Args:
        url: The demo page's address.
        wav: The caller's audio (played once, from when the page opens the microphone).
        secs: How long to stay on the call after the microphone started.
        screenshot: Where to save a screenshot of the page at the end, if anywhere.

    Returns:
        What the page measured.
    """
    require_chromium()
    from playwright.async_api import async_playwright

    # Playwright gives every launch a fresh, empty --user-data-dir of its own.
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={wav}%noloop"],
        )
        try:
            page = await browser.new_page(viewport={"width": 960, "height": 760})
            await page.goto(url + "?autoconnect=1")
            await page.wait_for_function("window.webloop && window.webloop.micStartedAt", timeout=15000)
            started = await page.evaluate("webloop.micStartedAt")
            await asyncio.sleep(secs)
            data = await page.evaluate("({bot: webloop.bot, mic: webloop.mic})")
            if screenshot is not None:
                await page.screenshot(path=str(screenshot))
            await page.evaluate("webloop.pc && webloop.pc.close()")
        finally:
            await browser.close()
    return CallRecording(
        mic_started_at=started,
        bot=[Level(at, rms) for at, rms in data["bot"]],
        mic=[Level(at, rms) for at, rms in data["mic"]],
    )
