"""The bot's speaking signals stay truthful around a late-played chunk.

Each test runs twice: with the `BotSpeakingGuard` processor, and with a `StateSnapshotter`
repairing the signals itself (``guard_speaking=True``, as `interruption_pipeline` wires it).
"""

import pytest
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    TextFrame,
    TTSAudioRawFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import BotSpeakingGuard, StateSnapshotter

pytestmark = pytest.mark.virtual_time

CHUNK = b"\x10\x00" * 320  # 20 ms of non-silent 16 kHz audio


def speech(**kwargs) -> TTSAudioRawFrame:
    return TTSAudioRawFrame(audio=CHUNK, sample_rate=16000, num_channels=1, **kwargs)


class Harness:
    """above -> guard -> below; frames are sent one at a time, in order."""

    def __init__(self, worker, guard: BotSpeakingGuard, above: FrameRecorder, below: FrameRecorder):
        self.worker, self.guard, self.above, self.below = worker, guard, above, below

    async def send(self, frame) -> None:
        marker = TextFrame("sent")  # also passes when the guard drops ``frame``
        seen = len(self.below.of_type(TextFrame))
        await self.worker.queue_frame(frame)
        await self.worker.queue_frame(marker)
        await self.below.wait_for(TextFrame, count=seen + 1)

    def below_speaking(self) -> list[str]:
        return _speaking(f for d, f in self.below.frames if d == FrameDirection.DOWNSTREAM)

    def above_speaking(self) -> list[str]:
        return _speaking(f for d, f in self.above.frames if d == FrameDirection.UPSTREAM)


def _speaking(frames) -> list[str]:
    names = {BotStartedSpeakingFrame: "started", BotStoppedSpeakingFrame: "stopped"}
    return [names[type(f)] for f in frames if type(f) in names]


class SnapshotterAsGuard(StateSnapshotter):
    """The snapshotter carrying the repair, with the guard's ``repairs`` count."""

    @property
    def repairs(self) -> int:
        return self._signals.repairs


@pytest.fixture(params=["guard", "snapshotter"])
async def harness(request):
    guard = BotSpeakingGuard() if request.param == "guard" else SnapshotterAsGuard(guard_speaking=True)
    above, below = FrameRecorder(name="above", enable_direct_mode=True), FrameRecorder(name="below", enable_direct_mode=True)
    async with running_pipeline([above, guard, below]) as worker:
        yield Harness(worker, guard, above, below)


async def test_a_chunk_played_after_the_interruption_is_followed_by_a_stop(harness):
    await harness.send(BotStartedSpeakingFrame())
    await harness.send(speech())
    late = speech()  # queued in the transport before the interruption
    await harness.send(InterruptionFrame())
    await harness.send(BotStoppedSpeakingFrame())  # the transport's stop at the interruption
    await harness.send(BotStartedSpeakingFrame())  # ...and its start again for the late chunk
    await harness.send(late)
    assert harness.below_speaking() == ["started", "stopped", "started", "stopped"]
    assert harness.above_speaking() == ["stopped"]  # the repaired stop also went upstream
    assert harness.guard.repairs == 1

    # The transport never saw itself stop, so it reports no start for the next reply:
    # the guard does, ahead of the first new chunk, both ways.
    await harness.send(speech())
    await harness.send(speech())
    assert harness.below_speaking()[-1] == "started"
    assert harness.above_speaking() == ["stopped", "started"]
    kinds = [type(f) for d, f in harness.below.frames if d == FrameDirection.DOWNSTREAM and type(f) is not TextFrame]
    assert kinds[-3:] == [BotStartedSpeakingFrame, TTSAudioRawFrame, TTSAudioRawFrame]

    # The transport's own stop at the end of that reply passes; a repeat is dropped.
    await harness.send(BotStoppedSpeakingFrame())
    await harness.send(BotStoppedSpeakingFrame())
    assert harness.below_speaking() == ["started", "stopped", "started", "stopped", "started", "stopped"]


async def test_the_chunk_playing_when_the_interruption_came_changes_nothing(harness):
    # The usual order: the chunk in flight finishes after the interruption, with no new
    # start: nothing to repair.
    await harness.send(BotStartedSpeakingFrame())
    in_flight = speech()
    await harness.send(InterruptionFrame())
    await harness.send(BotStoppedSpeakingFrame())
    await harness.send(in_flight)
    await harness.send(BotStartedSpeakingFrame())  # the next reply
    await harness.send(speech())
    await harness.send(BotStoppedSpeakingFrame())
    assert harness.below_speaking() == ["started", "stopped", "started", "stopped"]
    assert harness.above_speaking() == []
    assert harness.guard.repairs == 0


async def test_uninterruptible_audio_is_never_late(harness):
    await harness.send(BotStartedSpeakingFrame())
    kept = speech()
    kept.interruptible = False  # e.g. a disclaimer the bot must finish
    await harness.send(InterruptionFrame())
    await harness.send(BotStoppedSpeakingFrame())
    await harness.send(BotStartedSpeakingFrame())
    await harness.send(kept)
    assert harness.below_speaking() == ["started", "stopped", "started"]
    assert harness.guard.repairs == 0


async def test_silence_and_other_audio_pass_untouched(harness):
    await harness.send(InterruptionFrame())
    await harness.send(OutputAudioRawFrame(audio=b"\x00\x00" * 320, sample_rate=16000, num_channels=1))
    await harness.send(TextFrame("hello"))
    assert harness.below_speaking() == []
    assert len(harness.below.of_type(OutputAudioRawFrame)) == 1


async def test_destinations_are_tracked_apart(harness):
    def on(frame, destination):
        frame.transport_destination = destination
        return frame

    await harness.send(on(BotStartedSpeakingFrame(), "left"))
    late = on(speech(), "left")
    await harness.send(InterruptionFrame())
    await harness.send(on(BotStoppedSpeakingFrame(), "left"))
    await harness.send(on(BotStartedSpeakingFrame(), "left"))
    await harness.send(on(BotStartedSpeakingFrame(), "right"))  # a fresh start elsewhere
    await harness.send(on(speech(), "right"))
    await harness.send(late)
    stops = [f for d, f in harness.below.frames if isinstance(f, BotStoppedSpeakingFrame)]
    assert [f.transport_destination for f in stops] == ["left", "left"]
    assert harness.guard.repairs == 1
