#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Local barge-in demo: no keys, no network.

A full Pipecat voice pipeline from the testing kit with every pipecat-interrupts piece in
place: the `InterruptionController` (running the flush chain itself: ``flush=True``), the
`StateSnapshotter` and the `InterruptionMetricsObserver`. One scripted call shows:

1. a backchannel ("mhm") that does not interrupt;
2. "hold on" held back by a condition (the bot must speak 1.5 s first), then let through:
   tasks cancelled, the flush reaching both ends, a snapshot of generated versus heard;
3. a cough during the next answer: a false interruption, and the bot resumes with the
   words the caller did not hear;
4. the metrics summary and the final LLM context.

Run it with ``python3 dev.py demo``.
"""

import asyncio
import sys
import time

from loguru import logger

logger.remove()  # before Pipecat is imported: keep its banner and debug chatter quiet
logger.add(sys.stderr, level="WARNING")

from pipecat.frames.frames import BotStartedSpeakingFrame, BotStoppedSpeakingFrame
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.processors.frame_processor import FrameDirection
from pipecat.transports.base_output import BaseOutputTransport

from pipecat_interrupts import (
    InterruptionController,
    InterruptionMetricsObserver,
    MinBotSpeakingTime,
    PhraseInterruptionDetector,
    StateSnapshotter,
    TextInterruptionDetector,
    VADInterruptionDetector,
)
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Noise,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

REFUND = (
    "Sure, here is how the refund works. First we check the order number on your receipt. "
    "Then we confirm the card you paid with. The money usually arrives within five working days."
)
ROAMING = (
    "Roaming is included in your plan. You can use your minutes and data in forty countries. "
    "Calls to local numbers abroad cost the same as at home."
)


class Timeline:
    """Prints timestamped lines relative to the start of the call."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def print(self, text: str) -> None:
        print(f"  {(time.monotonic() - self._t0) * 1000:7.0f} ms  {text}", flush=True)


class BotSpeech(BaseObserver):
    """Prints when the output transport starts and stops the bot's speech."""

    def __init__(self, timeline: Timeline):
        super().__init__(observe_every_push=False)
        self._timeline = timeline

    async def on_push_frame(self, data: FramePushed):
        if isinstance(data.source, BaseOutputTransport) and data.direction == FrameDirection.DOWNSTREAM:
            if isinstance(data.frame, BotStartedSpeakingFrame):
                self._timeline.print("bot starts speaking")
            elif isinstance(data.frame, BotStoppedSpeakingFrame):
                self._timeline.print("bot stops speaking")


def wire_events(timeline, user, controller, snapshotter) -> None:
    user.add_event_handler(
        "on_step",
        lambda _, step: timeline.print(f"caller: {step.describe()}")
        if type(step).__name__ in ("Utterance", "Noise")
        else None,
    )
    controller.add_event_handler(
        "on_backchannel", lambda _, text: timeline.print(f"  backchannel {text!r}: the bot keeps talking")
    )
    controller.add_event_handler(
        "on_interruption_suppressed",
        lambda _, d, name: timeline.print(f"  held back by {name} ({d.reason} {d.detail!r})"),
    )
    controller.add_event_handler(
        "on_interruption",
        lambda _, d: timeline.print(
            f"  interruption decided: {d.reason}{f' on {d.text!r}' if d.text else ''}, "
            f"{(d.decided_at - d.detected_at) * 1000:.0f} ms after detection"
        ),
    )
    controller.add_event_handler(
        "on_tasks_cancelled",
        lambda _, r: timeline.print(f"  tasks cancelled: {', '.join(r.cancelled) or 'none'}")
        if r.cancelled
        else None,
    )
    controller.add_event_handler(
        "on_flush_completed",
        lambda _, r: timeline.print(
            f"  flush {r.flush_id} ({r.reason}) reached both ends in {r.elapsed_secs * 1000:.2f} ms"
        ),
    )
    snapshotter.add_event_handler(
        "on_snapshot",
        lambda _, s: timeline.print(
            f"  snapshot: generated {len(s.generated_text)} chars, heard {s.spoken_text!r}"
        ),
    )
    snapshotter.add_event_handler(
        "on_false_interruption",
        lambda _, s: timeline.print(f"  false interruption: no words followed; resuming {s.unspoken_text!r}"),
    )


async def main() -> None:
    timeline = Timeline()
    controller = InterruptionController(
        detectors=[PhraseInterruptionDetector(), TextInterruptionDetector(), VADInterruptionDetector(min_speech_secs=0.5)],
        conditions=[MinBotSpeakingTime(1.5)],
        flush=True,  # your tasks cancelled and a FlushFrame both ways at each interruption
    )
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=1.0)
    metrics = InterruptionMetricsObserver(log_summary=False)
    metrics.watch_snapshotter(snapshotter)
    user = ScriptedUser(
        [
            WaitForBot(),
            Pause(0.4),
            Utterance("mhm"),
            Pause(0.2),
            Utterance("hold on"),
            WaitForBot(speaking=False),  # the held-back interruption lands
            WaitForBot(speaking=True),  # "Of course, go ahead."
            WaitForBot(speaking=False),
            Utterance("do you cover roaming?"),
            WaitForBot(),
            Pause(1.6),
            Noise(0.7),
        ]
    )
    llm = FakeLLMService(
        replies=[REFUND, "Of course, go ahead.", ROAMING], token_delay_secs=0.02
    )
    vp = build_voice_pipeline(
        controller=controller,
        snapshotter=snapshotter,
        user=user,
        llm=llm,
        tts=FakeTTSService(secs_per_word=0.1, word_timestamps=True),
        observers=[metrics, BotSpeech(timeline)],
    )
    wire_events(timeline, user, controller, snapshotter)

    print("pipecat-interrupts local demo: one call, every piece in place\n")
    async with vp:
        # A background prefetch that belongs to the first answer: it must die with it.
        async def prefetch_order_details():
            await asyncio.sleep(3600)

        assert controller.flush_runner is not None
        registry = controller.flush_runner.task_registry
        registry.create_task(prefetch_order_details(), name="prefetch")
        timeline.print("bot turn starts (LLM streaming)")
        await vp.start_bot_turn()
        await user.wait_finished(30)
        await vp.output.wait_until(lambda: vp.output.spoken_text.endswith("at home."), timeout=30)

    first = snapshotter.store.all()[0]
    print("\nFirst answer, generated versus heard:")
    print(f"  generated: {first.generated_text!r}")
    print(f"  heard:     {first.spoken_text!r}")
    print("\nFinal LLM context (only what the caller heard):")
    for message in vp.messages[1:]:
        print(f"  {message['role']:>9}: {message['content']}")
    summary = metrics.summary()
    print("\nInterruption metrics:")
    print(f"  interruptions by reason: {summary['by_reason']}; false interruptions: {summary['false_interruptions']}")
    for key in ("detection_to_decision_ms", "decision_to_output_ms", "decision_to_silence_ms", "flush_ms"):
        if key in summary:
            print(f"  {key:<26} p50 {summary[key]['p50']:8.2f}  p95 {summary[key]['p95']:8.2f}")
    print(f"  generated {summary['generated_chars']} chars, heard {summary['spoken_chars']} chars at the interruptions")


if __name__ == "__main__":
    asyncio.run(main())
