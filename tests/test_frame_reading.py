"""Frames only pass where nothing reads them: `FrameClassSet`, and conditions that say which
frames their ``process_frame`` reads (``reads_frames``)."""

import pytest
from pipecat.frames.frames import (
    BotSpeakingFrame,
    BotStartedSpeakingFrame,
    Frame,
    TextFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
)

from pipecat_interrupts import InterruptionController
from pipecat_interrupts.conditions import InterruptionCondition
from pipecat_interrupts.frame_classes import FrameClassSet
from pipecat_interrupts.testing import FakeLLMService, FakeTTSService, build_voice_pipeline

pytestmark = pytest.mark.virtual_time


def test_membership_counts_subclasses_and_is_answered_per_class():
    audio = FrameClassSet(TTSAudioRawFrame)
    frame = TTSAudioRawFrame(audio=b"\0\0", sample_rate=16000, num_channels=1)
    assert frame in audio and TextFrame("hi") not in audio
    assert FrameClassSet(Frame).classes == (Frame,)
    both = audio | FrameClassSet(TextFrame, TTSAudioRawFrame)
    assert both.classes == (TTSAudioRawFrame, TextFrame)
    assert TextFrame("x") in both and BotSpeakingFrame() not in both


class Seen(InterruptionCondition):
    def __init__(self, name: str, reads: tuple[type[Frame], ...] | None) -> None:
        self.name = name
        self.reads_frames = reads
        self.frames: list[str] = []

    def process_frame(self, frame, direction):
        self.frames.append(type(frame).__name__)

    def allows(self, context):
        return True


async def bot_says(controller: InterruptionController, reply: str):
    """One bot turn through a pipeline with ``controller``, until its last word played."""
    vp = build_voice_pipeline(
        controller=controller,
        llm=FakeLLMService(replies=[reply], token_delay_secs=0.01),
        tts=FakeTTSService(secs_per_word=0.05),
    )
    last_word = reply.rstrip(".").split()[-1]
    async with vp:
        await vp.start_bot_turn()
        await vp.output.wait_until(lambda: last_word in vp.output.spoken_text, timeout=10)
    return vp


async def test_a_condition_sees_the_frames_it_reads_and_one_that_reads_all_sees_everything():
    picky = Seen("picky", (BotStartedSpeakingFrame, TTSSpeakFrame))
    curious = Seen("curious", None)
    await bot_says(
        InterruptionController(conditions=[picky, curious]), "One two three four five six."
    )
    assert "BotStartedSpeakingFrame" in picky.frames
    assert set(picky.frames) <= {"BotStartedSpeakingFrame", "TTSSpeakFrame"}
    assert "BotSpeakingFrame" in curious.frames  # None: every frame the controller sees


async def test_with_only_picky_readers_a_frame_nobody_reads_passes_untouched():
    picky = Seen("picky", (TTSSpeakFrame,))
    controller = InterruptionController(conditions=[picky])
    assert controller.arbiter.evaluator.hook_frames is not None
    vp = await bot_says(controller, "One two three.")
    assert picky.frames == []  # no TTSSpeakFrame passed the controller in this call
    assert "One two three." in vp.output.spoken_text
