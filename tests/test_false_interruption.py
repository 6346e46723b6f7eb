"""A cough is not an interruption: the bot resumes where it was cut off."""

import asyncio

import pytest
from pipecat.frames.frames import InterruptionFrame, LLMContextFrame, TTSSpeakFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipeline_helpers import FrameRecorder

from pipecat_interrupts import (
    EmergencyStopFrame,
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
    PushFrame,
    Say,
    ScriptedUser,
    StartSpeaking,
    StopSpeaking,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

pytestmark = pytest.mark.virtual_time

ANSWER = (
    "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen."
)


def voice(steps, *, timeout=0.5, replies=(ANSWER, "Sure."), resume=True, slow=(), before_tts=()):
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
        after_user_aggregator=[FlushCoordinator(), *slow, probe],
        before_tts=before_tts,
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
    assert vp.messages[-2:] == [
        {"role": "user", "content": "stop"},
        {"role": "assistant", "content": "Sure."},
    ]


async def test_a_second_barge_in_during_the_resumed_speech_interrupts_normally():
    vp, snapshotter, probe = voice([WaitForBot(), Pause(0.2), Noise(0.3)])
    resumed = asyncio.Event()
    snapshotter.add_event_handler("on_false_interruption", lambda *_: resumed.set())
    async with vp:
        await vp.start_bot_turn()
        # Wait for the resume itself, not for the bot's speaking state: Pipecat 1.14's
        # output transport may play one more chunk after an interruption and report
        # the bot speaking again, so "stopped, then started" is not a reliable signal.
        async with asyncio.timeout(5):
            await resumed.wait()
        played = len(vp.output.played)
        assert await vp.output.wait_until(lambda: len(vp.output.played) > played + 2, timeout=5)
        await vp.user.perform([Utterance("wait")])
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
    assert (
        StateSnapshotter(false_interruption_timeout_secs=None).recovers_false_interruptions is False
    )


def plain_voice(steps, *, timeout=0.4, replies=(ANSWER, "Sure."), taps=True, **snapshotter_args):
    """No controller: Pipecat's own VAD start strategy interrupts on voice activity."""
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=timeout, **snapshotter_args)
    vp = build_voice_pipeline(
        snapshotter=snapshotter,
        snapshot_taps=taps,
        user=ScriptedUser(steps),
        llm=FakeLLMService(replies=list(replies), token_delay_secs=0.003),
        tts=FakeTTSService(secs_per_word=0.04),
        after_user_aggregator=[FlushCoordinator()],
    )
    return vp, snapshotter


@pytest.mark.parametrize("taps", [True, False], ids=["taps", "observer"])
async def test_without_a_controller_a_cough_is_learnt_from_pipecats_vad_start_and_resumed(taps):
    vp, snapshotter = plain_voice([WaitForBot(), Pause(0.25), Noise(0.2)], taps=taps)
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=8)
    assert len(vp.output.interruptions) == 1
    assert [s.reason for s in snapshotter.store.all()] == ["vad"]
    assert snapshotter.false_interruptions == 1
    assert vp.messages[1:] == [{"role": "assistant", "content": ANSWER}]


@pytest.mark.parametrize("taps", [True, False], ids=["taps", "observer"])
async def test_without_a_controller_words_after_the_voice_start_are_a_real_interruption(taps):
    vp, snapshotter = plain_voice(
        [WaitForBot(), Pause(0.25), Utterance("what about fees")], taps=taps
    )
    async with vp:
        assert snapshotter.uses_taps == taps and snapshotter.observes_pipeline != taps
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=8)
        await vp.user.wait_finished()
    assert snapshotter.false_interruptions == 0
    assert vp.messages[-2:] == [
        {"role": "user", "content": "what about fees"},
        {"role": "assistant", "content": "Sure."},
    ]


async def snapshot_taken(snapshotter) -> asyncio.Event:
    taken = asyncio.Event()
    snapshotter.add_event_handler("on_snapshot", lambda *_: taken.set())
    return taken


async def test_an_emergency_stop_is_never_resumed():
    # No user voice at all: the coordinator interrupts on the frame; nothing may resume it.
    vp, snapshotter = plain_voice(
        [WaitForBot(), Pause(0.25), PushFrame(EmergencyStopFrame(reason="escalation"))]
    )
    taken = await snapshot_taken(snapshotter)
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(5):
            await taken.wait()
        # Wait past the false-interruption timeout: no resumed speech may start.
        assert not await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=0.8)
    assert [s.reason for s in snapshotter.store.all()] == ["emergency_stop"]
    assert snapshotter.false_interruptions == 0
    assert vp.messages[1]["content"].endswith(" [interrupted]")


async def test_an_interruption_queued_by_the_application_is_not_guessed_to_be_voice():
    vp, snapshotter = plain_voice([WaitForBot(), Pause(0.25), PushFrame(InterruptionFrame())])
    taken = await snapshot_taken(snapshotter)
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(5):
            await taken.wait()
        assert not await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=0.8)
    assert [s.reason for s in snapshotter.store.all()] == ["interruption"]
    assert snapshotter.false_interruptions == 0


async def test_a_cough_before_a_word_of_a_second_reply_keeps_the_replies_apart():
    # The first reply plays to the end; a second one (no user turn between) is cut by a
    # cough before its first sentence was heard, and is resumed from its start.
    first, second = (
        "Short first reply.",
        "The second reply has a long first sentence to cut. And more.",
    )
    vp, snapshotter = plain_voice([], timeout=0.3, replies=[first, second])
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == first, timeout=5)
        await vp.user.wait_for_bot(speaking=False, timeout=5)
        await vp.start_bot_turn()
        # The LLM has finished (12 tokens, 3 ms each); the first sentence is still playing.
        await vp.user.perform([WaitForBot(), Pause(0.1), Noise(0.1)])
        assert await vp.output.wait_until(
            lambda: vp.output.spoken_text == f"{first} {second}", timeout=5
        )
    assert snapshotter.false_interruptions == 1
    assert snapshotter.latest_snapshot.spoken_text == ""
    assert snapshotter.latest_snapshot.generation_complete
    assert vp.messages[1:] == [
        {"role": "assistant", "content": first},
        {"role": "assistant", "content": second},
    ]


async def test_with_a_note_a_fully_resumed_answer_drops_the_note():
    note = "You were interrupted; the user did not hear the rest."
    vp, snapshotter = plain_voice(
        [WaitForBot(), Pause(0.25), Noise(0.1)], timeout=0.3, interruption_note=note
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=5)
    assert snapshotter.false_interruptions == 1
    assert vp.messages[1:] == [{"role": "assistant", "content": ANSWER}]


@pytest.mark.parametrize("taps", [True, False], ids=["taps", "observer"])
async def test_a_cough_that_also_cut_the_llm_resumes_what_had_been_generated(taps):
    # A slow LLM: the cough lands while it is still streaming, so the stream is cancelled
    # and only the generated part can be resumed; the snapshot says so. (After the LLM, a
    # tap sees the cut stream's end frame before the interruption: ids tell them apart.)
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=0.3)
    vp = build_voice_pipeline(
        snapshotter=snapshotter,
        snapshot_taps=taps,
        user=ScriptedUser([WaitForBot(), Pause(0.1), Noise(0.1)]),
        llm=FakeLLMService(replies=[ANSWER], token_delay_secs=0.05),
        tts=FakeTTSService(secs_per_word=0.04, word_timestamps=True),
        after_user_aggregator=[FlushCoordinator()],
    )
    resumed = asyncio.Event()
    snapshotter.add_event_handler("on_false_interruption", lambda *_: resumed.set())
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(5):
            await resumed.wait()
        snapshot = snapshotter.latest_snapshot
        assert await vp.output.wait_until(
            lambda: vp.output.spoken_text == snapshot.generated_text, timeout=5
        )
    assert vp.llm.cancelled_runs and not snapshot.generation_complete
    assert ANSWER.startswith(snapshot.generated_text) and snapshot.generated_text != ANSWER
    assert vp.messages[1:] == [{"role": "assistant", "content": snapshot.generated_text}]


async def test_the_resumed_remainder_is_pushed_right_after_the_llm_not_from_the_top():
    # The fewest hops to the TTS: from the tap after the LLM, not through the user side.
    controller = InterruptionController(
        detectors=[
            PhraseInterruptionDetector(),
            TextInterruptionDetector(),
            VADInterruptionDetector(min_speech_secs=0.15),
        ]
    )
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=0.3)
    upstream_of_llm, before_tts = (
        FrameRecorder(name="upstream-of-llm"),
        FrameRecorder(name="before-tts"),
    )
    vp = build_voice_pipeline(
        controller=controller,
        snapshotter=snapshotter,
        user=ScriptedUser([WaitForBot(), Pause(0.2), Noise(0.3)]),
        llm=FakeLLMService(replies=[ANSWER], token_delay_secs=0.003),
        tts=FakeTTSService(secs_per_word=0.04),
        after_user_aggregator=[FlushCoordinator(), upstream_of_llm],
        before_tts=[before_tts],
    )
    async with vp:
        await vp.start_bot_turn()
        await before_tts.wait_for(TTSSpeakFrame, timeout=5)
    assert snapshotter.false_interruptions == 1
    assert [f.text for f in before_tts.of_type(TTSSpeakFrame)] == [
        snapshotter.latest_snapshot.unspoken_text
    ]
    assert upstream_of_llm.of_type(TTSSpeakFrame) == []


async def test_the_window_counts_from_when_the_caller_stops_not_from_the_interruption():
    # A slow STT (Whisper) transcribes a long utterance only after the caller stops: the
    # 2 s window must not expire while they are still talking.
    steps = [
        WaitForBot(),
        Pause(0.25),
        StartSpeaking(),
        Pause(2.5),  # voice activity, no transcript yet; the VAD rule interrupts at 0.15 s
        StopSpeaking(),
        Pause(0.8),
        Say("wait, stop please", interim=False),
    ]
    vp, snapshotter, _ = voice(steps, timeout=2.0)
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=10)
    assert snapshotter.false_interruptions == 0
    assert len(vp.output.interruptions) == 1
    assert [m["content"] for m in vp.messages if m["role"] == "user"] == ["wait, stop please"]


async def test_the_watch_timer_waits_for_the_caller_to_stop_and_restarts_on_speech(virtual_time):
    # The watch makes its asyncio.Event only when something waits on it: speech that
    # started before (and changes during) the wait must still hold the timer.
    from pipecat_interrupts.replies.caller_activity import CallerActivity

    caller = CallerActivity()
    caller.voice_started()  # the caller is speaking before anything waits
    began = virtual_time()
    quiet = asyncio.create_task(caller.quiet_for(2.0, 60.0))
    await asyncio.sleep(1.0)
    assert not quiet.done()
    caller.voice_stopped()  # the window counts from here: 1.0
    await asyncio.sleep(1.5)
    caller.voice_started()  # speech inside the window starts it again
    await asyncio.sleep(0.5)
    caller.voice_stopped()  # from here: 3.0
    await asyncio.wait_for(quiet, timeout=10)
    assert virtual_time() - began == pytest.approx(5.0, abs=0.01)
    assert caller.caller_quiet.is_set()


LONG_ANSWER = " ".join([ANSWER] * 4)  # about 2.5 s of speech: still playing when cut


class _Holds(FrameProcessor):
    """Hands frames of some kinds on only after a while: a loaded loop, a slow service."""

    def __init__(self, kinds, secs: float):
        super().__init__()
        self._kinds, self._secs = kinds, secs

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, self._kinds) and direction == FrameDirection.DOWNSTREAM:
            await asyncio.sleep(self._secs)
        await self.push_frame(frame, direction)


async def test_words_that_arrive_before_the_interruption_reaches_the_output_still_count():
    # The caller's words reach the snapshotter from the controller as they come, the
    # interruption only once it crossed the output. Here the interruption is 1 s late and
    # the answer to "stop" later still (as on a loaded loop): the caller's "stop" came
    # first, and must not be taken for silence after a cough.
    vp, snapshotter, _ = voice(
        [WaitForBot(), Pause(0.25), Noise(0.3), Utterance("stop")],
        replies=(LONG_ANSWER, "Sure."),
        slow=[_Holds(LLMContextFrame, 2.0)],
        before_tts=[_Holds(InterruptionFrame, 1.0)],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=8)
        await vp.user.wait_finished()
    (snapshot,) = snapshotter.store.all()
    assert snapshot.reason == "vad"  # a voice-only decision: the watch's case
    assert snapshotter.false_interruptions == 0
    assert LONG_ANSWER not in vp.output.spoken_text  # no resumed answer over the caller
    assert vp.messages[-2:] == [
        {"role": "user", "content": "stop"},
        {"role": "assistant", "content": "Sure."},
    ]


def test_the_watch_is_not_armed_when_words_taking_the_floor_came_first():
    from pipecat_interrupts.replies.caller_activity import CallerActivity
    from pipecat_interrupts.replies.false_interruption import FalseInterruptionWatch
    from pipecat_interrupts.replies.reply import Reply

    now = [0.0]
    caller = CallerActivity(lambda: now[0])
    watch = FalseInterruptionWatch(PhraseInterruptionDetector(), caller)

    def say(text: str, at: float) -> None:  # as the tracker does: the record, then the watch
        now[0] = at
        watch.heard(caller.heard(text, "en"))

    say("stop", at=10.0)
    assert not watch.arm(Reply(1), since=9.5)  # said after the attempt began
    assert watch.armed is None
    say("mhm", at=11.0)  # only a backchannel: the watch is still wanted
    assert watch.arm(Reply(2), since=10.5)
    watch.disarm("reset")
    assert watch.arm(Reply(3), since=12.0)  # words from before this attempt do not count
    say("wait, a question", at=12.5)  # later words disarm it, as before
    assert watch.armed is None
