#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Plain Pipecat versus Pipecat with pipecat-interrupts, in one run, with the same fakes.

    python3 dev.py bench          # full run (about two minutes on 2 cores)
    python3 dev.py bench --quick  # a few seconds; checks the benchmark works (CI)

Prints a table of medians and p95/p99 with the ratio plugin/plain for:

1. barge-in latency: voice-activity start to the `InterruptionFrame` at the output
   transport, and decision to the last audio chunk written;
2. generation cancel latency (decision to the LLM stream's end), and the flush round trip;
3. CPU per 20 ms audio frame of each plugin processor against a pass-through processor;
4. N concurrent conversations in one process: CPU time and memory, with and without.

The plugin side runs the `InterruptionController` configured to decide on voice
activity start (as Pipecat does), so the comparison measures overhead, not policy.
"""

import argparse
import asyncio
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass

from loguru import logger

logger.remove()
logger.add(sys.stderr, level="ERROR")

from pipecat.frames.frames import Frame, InputAudioRawFrame, TextFrame  # noqa: E402
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from pipeline_helpers import FrameRecorder, running_pipeline  # noqa: E402

from pipecat_interrupts import (  # noqa: E402
    FlushCoordinator,
    FlushHookProcessor,
    InterruptionController,
    InterruptionMetricsObserver,
    PhraseInterruptionDetector,
    StateSnapshotter,
    TextInterruptionDetector,
    VADInterruptionDetector,
)
from pipecat_interrupts.metrics import percentile  # noqa: E402
from pipecat_interrupts.testing import (  # noqa: E402
    FakeLLMService,
    FakeTTSService,
    MockOutputTransport,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)
from pipecat_interrupts.testing.mock_transport import default_mock_params  # noqa: E402

ANSWER = " ".join(f"Sentence {n} of the long answer keeps the bot talking." for n in range(6))


class PassThrough(FrameProcessor):
    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


def plugin_parts():
    controller = InterruptionController(
        detectors=[PhraseInterruptionDetector(), TextInterruptionDetector(), VADInterruptionDetector(min_speech_secs=0.2)]
    )
    return controller, FlushCoordinator(), StateSnapshotter()


def output_20ms() -> MockOutputTransport:
    params = default_mock_params()
    params.audio_out_10ms_chunks = 2  # 20 ms output chunks
    return MockOutputTransport(params=params)


@dataclass
class Trial:
    onset_to_output: float
    decision_to_silence: float
    cancel: float | None
    flush: float | None


async def barge_in_trial(with_plugin: bool) -> Trial:
    metrics = InterruptionMetricsObserver(log_summary=False)
    llm = FakeLLMService(replies=[ANSWER, "Okay."], token_delay_secs=0.03)
    kwargs = {}
    if with_plugin:
        controller, coordinator, snapshotter = plugin_parts()
        kwargs = dict(controller=controller, snapshotter=snapshotter, after_user_aggregator=[coordinator])
    vp = build_voice_pipeline(
        user=ScriptedUser([WaitForBot(), Pause(0.25), Utterance("wait", word_secs=0.02)]),
        llm=llm,
        tts=FakeTTSService(secs_per_word=0.05),
        output=output_20ms(),
        observers=[metrics],
        **kwargs,
    )
    async with vp:
        await vp.start_bot_turn()
        await vp.user.wait_finished(10)
        await vp.output.wait_until(lambda: "Okay." in vp.output.spoken_text, timeout=10)
    record = metrics.records[0]
    run = llm.runs[0]
    cancel = run.ended_at - record.decided_at if run.cancelled and run.ended_at else None
    return Trial(record.onset_to_output_secs, record.decision_to_silence_secs, cancel, record.flush_secs)


async def cpu_per_frame(processor_factory, frames: int, repeats: int = 3) -> float:
    """Least process CPU seconds, over ``repeats`` runs, for ``frames`` audio frames."""
    return min([await _cpu_per_frame_once(processor_factory, frames) for _ in range(repeats)])


async def _cpu_per_frame_once(processor_factory, frames: int) -> float:
    """Process CPU seconds for ``frames`` 20 ms audio frames through [P + 9 pass-throughs]."""
    recorder = FrameRecorder(name="sink")
    chain = [processor_factory(), *(PassThrough() for _ in range(9)), recorder]
    audio = b"\x01\x00" * 320
    async with running_pipeline(chain, timeout=60) as worker:
        batch = [InputAudioRawFrame(audio=audio, sample_rate=16000, num_channels=1) for _ in range(frames)]
        gc.collect()
        start = time.process_time()
        await worker.queue_frames(batch)
        await worker.queue_frame(TextFrame("done"))
        await recorder.wait_for(TextFrame, timeout=60)
        return time.process_time() - start


async def conversations(n: int, with_plugin: bool) -> tuple[float, float]:
    """CPU seconds and peak traced memory (bytes) for n concurrent barge-in conversations."""

    def build(i: int):
        kwargs = {}
        if with_plugin:
            controller, coordinator, snapshotter = plugin_parts()
            kwargs = dict(controller=controller, snapshotter=snapshotter, after_user_aggregator=[coordinator])
        return build_voice_pipeline(
            user=ScriptedUser([WaitForBot(), Pause(0.3), Utterance("wait stop", word_secs=0.02)]),
            llm=FakeLLMService(replies=[ANSWER, "Okay."], token_delay_secs=0.01),
            tts=FakeTTSService(secs_per_word=0.05),
            **kwargs,
        )

    async def one(vp):
        async with vp:
            await vp.start_bot_turn()
            await vp.user.wait_finished(30)
            await vp.output.wait_until(lambda: "Okay." in vp.output.spoken_text, timeout=30)

    gc.collect()
    tracemalloc.start()
    start = time.process_time()
    pipelines = [build(i) for i in range(n)]
    await asyncio.gather(*(one(vp) for vp in pipelines))
    cpu = time.process_time() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del pipelines
    gc.collect()
    return cpu, float(peak)


def stats(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), percentile(values, 0.95), percentile(values, 0.99)


def row(name: str, plain: float | None, plugin: float | None, unit: str, target: str = "") -> str:
    def fmt(v):
        return "   n/a" if v is None else f"{v:8.3f}"

    ratio = f"{plugin / plain:6.2f}x" if plain and plugin is not None else "    - "
    return f"  {name:<46} {fmt(plain)} {fmt(plugin)} {unit:<4} {ratio}  {target}"


async def main(quick: bool) -> int:
    trials = 3 if quick else 25
    frames = 500 if quick else 20000
    n_conv = 5 if quick else 100
    print(f"pipecat-interrupts benchmark ({'quick' if quick else 'full'}): {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")

    plain = [await barge_in_trial(False) for _ in range(trials)]
    plugin = [await barge_in_trial(True) for _ in range(trials)]

    def ms(trials_, field):
        return [getattr(t, field) * 1000 for t in trials_ if getattr(t, field) is not None]

    print(f"\n1-2. barge-in ({trials} trials each)          plain   plugin unit  ratio  target")
    for field, label, target in (
        ("onset_to_output", "VAD start -> InterruptionFrame at output", "added <= 0.5 ms median"),
        ("decision_to_silence", "decision -> last audio written", "p99 <= 20 ms (1 chunk)"),
        ("cancel", "decision -> LLM stream cancelled", ""),
    ):
        a, b = ms(plain, field), ms(plugin, field)
        for i, tag in enumerate(("p50", "p95", "p99")):
            pa = stats(a)[i] if a else None
            pb = stats(b)[i] if b else None
            print(row(f"{label} {tag}", pa, pb, "ms", target if i == 0 else ""))
    flush = ms(plugin, "flush")
    if flush:
        print(row("flush round trip p50", None, statistics.median(flush), "ms", "<= 2 ms median"))
    added = statistics.median(ms(plugin, "onset_to_output")) - statistics.median(ms(plain, "onset_to_output"))
    print(f"  added barge-in latency at the median: {added:+.3f} ms")

    print(f"\n3. CPU per 20 ms audio frame ({frames} frames, [P + 9 pass-throughs], best of 3)")
    base = await cpu_per_frame(PassThrough, frames)
    per_pass = base / 10
    print(f"  {'pass-through FrameProcessor':<46} {base / frames * 1e6:8.2f} us/frame for the chain")
    for name, factory in (
        ("InterruptionController", lambda: plugin_parts()[0]),
        ("FlushCoordinator", FlushCoordinator),
        ("StateSnapshotter (with its observer)", StateSnapshotter),
        ("FlushHookProcessor", lambda: FlushHookProcessor(lambda f: None)),
    ):
        cpu = await cpu_per_frame(factory, frames)
        ratio = (cpu - base + per_pass) / per_pass
        print(f"  {name:<46} {cpu / frames * 1e6:8.2f} us/frame   {ratio:5.2f}x a pass-through   target <= 1.2x")

    print(f"\n4. {n_conv} concurrent conversations, one barge-in each")
    cpu_a, mem_a = await conversations(n_conv, False)
    cpu_b, mem_b = await conversations(n_conv, True)
    print(row("CPU time", cpu_a, cpu_b, "s"))
    print(row("peak traced memory", mem_a / 1e6, mem_b / 1e6, "MB"))
    print(f"  extra memory per conversation: {(mem_b - mem_a) / n_conv / 1024:.1f} KB   target <= 100 KB")

    values = [*ms(plain, "onset_to_output"), *ms(plugin, "onset_to_output"), cpu_a, cpu_b, mem_a, mem_b]
    ok = all(v == v and v >= 0 for v in values) and len(plain) == len(plugin) == trials
    print(f"\nbenchmark {'completed' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few seconds, for CI correctness only")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
