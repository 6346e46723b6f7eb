"""Barge-in latency through the real loop: plain Pipecat 1.14 versus the plugin.

Headless Chromium calls the web demo over WebRTC; its microphone is a WAV in which the
caller says "wait, stop please" every few seconds while the bot reads a long answer
(every answer is long, so the bot is talking again before the next barge-in). The page
records the bot's audio as it arrives. For each barge-in:

    onset -> silence   the caller's speech onset in the WAV to the end of the bot's audio
                       that was playing when the interruption landed, at the browser
                       (a reply to a later turn is not counted)
    VAD window         onset -> Silero's VAD start (Pipecat's start window, 0.2 s)
    decision           VAD start -> the InterruptionFrame reaching the output transport
    transport          that InterruptionFrame -> silence at the browser (queued audio,
                       WebRTC, the browser's jitter buffer)
    STT                onset -> the final transcript (the decision does not wait for it
                       unless the caller's words decide)

Both variants run in the same process, one after the other, on the same WAV.

    python benchmarks/web_loop.py [--barge-ins 10]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "web"))

from browser_call import record_call  # noqa: E402
from caller_audio import Utterance, build_caller_wav  # noqa: E402
from server import DEMO_REPLIES, WebDemoServer  # noqa: E402

FIRST_BARGE_IN_SECS = 5.0
BARGE_IN_EVERY_SECS = 7.0
WAIT_STOP = ROOT / "tests" / "data" / "speech_wait_stop.wav"


@dataclass(frozen=True)
class BargeIn:
    """One measured barge-in (seconds; None where the milestone was not seen)."""

    onset_to_silence: float | None
    vad_window: float | None
    decision: float | None
    transport: float | None
    stt: float | None


def _first_after(timeline: list[dict], kind: str, after: float, within: float = 3.0) -> float | None:
    for event in timeline:
        if event["kind"] == kind and after <= event["at"] <= after + within:
            return event["at"]
    return None


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


async def run_variant(
    plain: bool, wav: Path, onsets: list[float], secs: float, verbose: bool = False
) -> list[BargeIn]:
    replies = [DEMO_REPLIES[0]]  # every answer is the long one
    async with WebDemoServer(port=0, plain=plain, replies=replies, loopback_only=True) as server:
        call = await record_call(server.url, wav, secs)
        state = server.state()
        timeline = state["timeline"]
    if verbose:
        t0 = call.mic_started_at
        print("  bot audio:", [(round(a - t0, 2), round(b - t0, 2)) for a, b in call.loud_spans()])
        print("  decisions:", state["events"])
        print("  timeline:", [(round(e["at"] - t0, 2), e["kind"], e["text"]) for e in timeline])
    results = []
    for onset_secs in onsets:
        onset = call.mic_started_at + onset_secs
        vad = _first_after(timeline, "vad_start", onset)
        cut = _first_after(timeline, "interruption_at_output", onset)
        silent = call.silenced_at(onset, cut)
        if silent is None:  # the bot was not talking: no barge-in to measure
            results.append(BargeIn(None, None, None, None, None))
            continue
        transcript = _first_after(timeline, "transcript", onset, within=6.0)
        results.append(
            BargeIn(_minus(silent, onset), _minus(vad, onset), _minus(cut, vad), _minus(silent, cut),
                    _minus(transcript, onset))
        )
    return results


def _stats(values: list[float | None]) -> str:
    got = sorted(v for v in values if v is not None)
    if not got:
        return "n/a"
    p95 = got[min(len(got) - 1, round(0.95 * (len(got) - 1)))]
    return f"{statistics.median(got) * 1000:.0f} / {p95 * 1000:.0f}"


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--barge-ins", type=int, default=10)
    parser.add_argument("--only", choices=["plain", "plugin"], help="run one variant")
    parser.add_argument("--verbose", action="store_true", help="print every barge-in")
    args = parser.parse_args(argv)
    variants = [("plain Pipecat 1.14", True), ("pipecat-interrupts", False)]
    if args.only:
        variants = [v for v in variants if v[1] == (args.only == "plain")]
    onsets_at = [FIRST_BARGE_IN_SECS + i * BARGE_IN_EVERY_SECS for i in range(args.barge_ins)]
    secs = onsets_at[-1] + 4.0
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "barge_ins.wav"
        placed = build_caller_wav(
            wav, [Utterance(at, "wait, stop please", WAIT_STOP) for at in onsets_at], total_secs=secs
        )
        onsets = [p.onset_secs for p in placed]
        rows = {}
        for name, plain in variants:
            print(f"web_loop: {name}: a {secs:.0f} s call with {args.barge_ins} barge-ins...", flush=True)
            rows[name] = await run_variant(plain, wav, onsets, secs, args.verbose)
            if args.verbose:
                for onset, result in zip(onsets, rows[name], strict=True):
                    print(f"  onset {onset:6.2f} s: {result}")
    print()
    print("| variant | barge-ins cut | onset -> silence at browser (median / p95 ms) "
          "| VAD window | decision | transport | STT final |")
    print("|---|---|---|---|---|---|---|")
    for name, results in rows.items():
        cut = sum(r.onset_to_silence is not None for r in results)
        print(
            f"| {name} | {cut}/{len(results)} | {_stats([r.onset_to_silence for r in results])} "
            f"| {_stats([r.vad_window for r in results])} | {_stats([r.decision for r in results])} "
            f"| {_stats([r.transport for r in results])} | {_stats([r.stt for r in results])} |"
        )
    medians = [[r.onset_to_silence for r in rows[n] if r.onset_to_silence is not None] for n in rows]
    if len(medians) == 2 and all(medians):
        plain, plugin = medians
        print(f"\nplugin / plain, median onset -> silence: "
              f"{statistics.median(plugin) / statistics.median(plain):.2f}x")
    missed = [n for n, results in rows.items() if any(r.onset_to_silence is None for r in results)]
    if missed:
        print(f"web_loop: some barge-ins were not measured in: {', '.join(missed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
