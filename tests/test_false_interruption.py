"""A cough is not an interruption: the bot resumes where it was cut off."""

import asyncio

from pipecat.frames.frames import InterruptionFrame
from pipeline_helpers import FrameRecorder

from pipecat_interrupts import (
    FlushCoordinator,
    InterruptionController,
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

ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen."


def voice(steps, *, timeout=0.5, replies=(ANSWER, "Sure."), resume=True):
    controller = InterruptionController(
        detectors=[
            PhraseInterruptionDetector(),
            TextInterruptionDetector(),
            VADInterruptionDetector(min_speech_secs=0.15),
        ]
    )
    snapshotter = StateSnapshotter(
        false_interruption_timeout_secs=timeout, resume_false_interruptions=resume
    )
    probe = FrameRecorder(name="probe")
    vp = build_voice_pipeline(
        controller=controller,
        snapshotter=snapshotter,
        user=ScriptedUser(steps),
        llm=FakeLLMService(replies=list(replies), token_delay_secs=0.003),
        tts=FakeTTSService(secs_per_word=0.04),
        after_user_aggregator=[FlushCoordinator(), probe],
    )
    return vp, snapshotter, probe


async def test_a_cough_makes_the_bot_resume_and_the_caller_hears_the_answer_once():
    vp, snapshotter, _ = voice([WaitForBot(), Pause(0.25), Noise(0.3)])
    false_alarms = []
    snapshotter.add_event_handler("on_false_interruption", lambda _, s: false_alarms.append(s))
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=8)
    assert len(vp.output.interruptions) == 1  # it really was cut off
    assert len(false_alarms) == 1 and false_alarms[0].reason == "vad"
    assert vp.output.spoken_text == ANSWER  # every word exactly once: the remainder, not a replay
    assert vp.messages[1:] == [{"role": "assistant", "content": ANSWER}]
    assert len(vp.llm.runs) == 1  # no new generation was needed


async def test_a_backchannel_after_a_voice_interruption_also_resumes():
    vp, snapshotter, _ = voice([WaitForBot(), Pause(0.25), Noise(0.3), Utterance("mhm")])
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=8)
    assert snapshotter.false_interruptions == 1
    assert [m["role"] for m in vp.messages] == ["system", "assistant"]


async def test_stop_is_a_real_interruption_and_does_not_resume():
    vp, snapshotter, _ = voice([WaitForBot(), Pause(0.25), Noise(0.3), Utterance("stop")])
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=8)
        await vp.user.wait_finished()
    assert snapshotter.false_interruptions == 0
    assert ANSWER not in vp.output.spoken_text
    assert vp.messages[-2:] == [{"role": "user", "content": "stop"}, {"role": "assistant", "content": "Sure."}]


async def test_a_second_barge_in_during_the_resumed_speech_interrupts_normally():
    steps = [WaitForBot(), Pause(0.2), Noise(0.3), WaitForBot(speaking=False), WaitForBot(), Pause(0.15), Utterance("wait")]
    vp, snapshotter, probe = voice(steps)
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=8)
    assert snapshotter.false_interruptions == 1
    assert len(probe.of_type(InterruptionFrame)) == 2
    snapshots = snapshotter.store.all()
    # VAD decides first (0.15 s of speech); the words that follow make it a real one.
    assert [s.reason for s in snapshots] == ["vad", "vad"]
    # The second snapshot is about the resumed remainder.
    assert snapshots[1].generated_text == snapshots[0].unspoken_text
    assistant = [m["content"] for m in vp.messages if m["role"] == "assistant"]
    # One message for the answer (first part + heard part of the remainder), then "Sure."
    assert len(assistant) == 2 and assistant[1] == "Sure."
    heard = vp.output.spoken_text.removesuffix(" Sure.")
    assert assistant[0] == heard + " [interrupted]"
    assert ANSWER.startswith(heard)


async def test_resuming_can_be_switched_off():
    vp, snapshotter, _ = voice([WaitForBot(), Pause(0.25), Noise(0.3)], timeout=0.3, resume=False)
    detected = asyncio.Event()
    snapshotter.add_event_handler("on_false_interruption", lambda *_: detected.set())
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(5):
            await detected.wait()
    assert snapshotter.false_interruptions == 1
    assert vp.output.spoken_text != ANSWER  # detected and logged, not resumed
    assert StateSnapshotter(false_interruption_timeout_secs=None).recovers_false_interruptions is False
