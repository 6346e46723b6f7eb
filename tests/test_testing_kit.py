"""The testing kit is product: these tests pin down what users can rely on.

They run on the kit's virtual time (the ``virtual_time`` marker): scripted pauses, token
delays and audio playout cost no wall time, and the order of events is real time's.
"""

import asyncio
import threading
import time
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from conftest import pending_tasks
from pipecat.clocks.system_clock import SystemClock
from pipecat.frames.frames import (
    BotSpeakingFrame,
    InterimTranscriptionFrame,
    LLMFullResponseEndFrame,
    TranscriptionFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameProcessor
from pipeline_helpers import FrameRecorder

from pipecat_interrupts._deadlines import CallOutcome, UserCodeRunner
from pipecat_interrupts.frames import InterruptionDecision
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    MockOutputTransport,
    Noise,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
    virtual_time,
)
from pipecat_interrupts.testing.virtual_time import VirtualTimeLoop, monotonic, run_virtual
from pipecat_interrupts.testing.waiting import holds_for, wait_for_event

pytestmark = pytest.mark.virtual_time

ANSWER = "Alpha beta gamma delta. Epsilon zeta eta theta. Iota kappa lambda mu."


async def test_bot_answers_in_full_when_nobody_interrupts():
    vp = build_voice_pipeline(
        llm=FakeLLMService(replies=[ANSWER], token_delay_secs=0.002),
        tts=FakeTTSService(secs_per_word=0.02),
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=5)
    assert vp.llm.cancelled_runs == []
    assert vp.messages[-1] == {"role": "assistant", "content": ANSWER}
    assert vp.output.played_secs == pytest.approx(0.02 * len(ANSWER.split()), abs=0.03)


async def test_interrupted_llm_run_is_recorded_and_still_ends_its_response():
    recorder = FrameRecorder(name="after-llm")
    llm = FakeLLMService(replies=[ANSWER, "Yes?"], token_delay_secs=0.03)
    user = ScriptedUser([WaitForBot(), Utterance("wait")])
    vp = build_voice_pipeline(
        user=user, llm=llm, tts=FakeTTSService(secs_per_word=0.05), before_tts=[recorder]
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Yes?" in vp.output.spoken_text, timeout=5)
    run = llm.runs[0]
    assert run.cancelled
    assert 0 < len(run.tokens_pushed) < len(ANSWER.split())
    assert ANSWER.startswith(run.generated_text)
    assert len(recorder.of_type(LLMFullResponseEndFrame)) == 2  # the cancelled run ended too


@pytest.mark.parametrize("word_timestamps", [False, True])
async def test_context_holds_only_what_was_played(word_timestamps):
    user = ScriptedUser([WaitForBot(), Pause(0.6), Utterance("stop")])
    vp = build_voice_pipeline(
        user=user,
        llm=FakeLLMService(replies=[ANSWER, "Okay."], token_delay_secs=0.002),
        tts=FakeTTSService(secs_per_word=0.1, word_timestamps=word_timestamps),
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Okay." in vp.output.spoken_text, timeout=5)
    roles = [m["role"] for m in vp.messages]
    assert roles == ["system", "assistant", "user", "assistant"]
    spoken = vp.messages[1]["content"]
    assert spoken and ANSWER.startswith(spoken.rstrip(".")) and spoken != ANSWER
    if word_timestamps:
        # ~6 words played in 0.6 s: the context is cut mid-sentence.
        assert not spoken.endswith(".")
    else:
        assert spoken.endswith(".")  # sentence level: whole sentences only


async def test_scripted_user_pushes_vad_and_transcripts_in_order():
    recorder = FrameRecorder(name="probe")
    user = ScriptedUser([Utterance("hello there"), Noise(0.05)], autostart=True)
    vp = build_voice_pipeline(user=user, before_user_aggregator=[recorder])
    async with vp:
        assert await user.wait_finished(5)
    kinds = [
        type(f).__name__
        for _, f in recorder.frames
        if isinstance(
            f,
            (
                VADUserStartedSpeakingFrame,
                VADUserStoppedSpeakingFrame,
                InterimTranscriptionFrame,
                TranscriptionFrame,
            ),
        )
    ]
    assert kinds == [
        "VADUserStartedSpeakingFrame",
        "InterimTranscriptionFrame",
        "InterimTranscriptionFrame",
        "TranscriptionFrame",
        "VADUserStoppedSpeakingFrame",
        "VADUserStartedSpeakingFrame",
        "VADUserStoppedSpeakingFrame",
    ]
    assert [f.text for f in recorder.of_type(InterimTranscriptionFrame)] == ["hello", "hello there"]
    assert [step for _, step in user.timeline] == [
        "user says 'hello there'",
        "noise for 0.05s (voice activity, no words)",
    ]


async def test_wait_until_gives_up_at_its_deadline():
    output = MockOutputTransport()
    assert await output.wait_until(lambda: False, timeout=0.01) is False
    assert await output.wait_until(lambda: True, timeout=0.01) is True


def test_bad_kit_configuration_fails_naming_the_parameter():
    with pytest.raises(ValueError, match="secs_per_word"):
        FakeTTSService(secs_per_word=0)
    with pytest.raises(TypeError, match="replies"):
        FakeLLMService(replies="one string")
    with pytest.raises(ValueError, match="token_delay_secs"):
        FakeLLMService(token_delay_secs=-1)
    with pytest.raises(ValueError, match="playback_speed"):
        MockOutputTransport(playback_speed=0)
    with pytest.raises(TypeError, match="steps"):
        ScriptedUser(["say hello"])
    with pytest.raises(ValueError, match="speaking_tick_secs"):
        ScriptedUser(speaking_tick_secs=-1)


async def test_wait_for_bot_times_out_when_the_bot_never_speaks():
    user = ScriptedUser()
    with pytest.raises(TimeoutError):
        await user.wait_for_bot(speaking=True, timeout=0.01)
    await asyncio.sleep(0)


async def test_wait_for_event_answers_by_the_deadline_and_lets_cancellation_through():
    changed = asyncio.Event()
    state = {"n": 0}

    async def bump():
        for _ in range(3):
            await asyncio.sleep(0.01)
            state["n"] += 1
            changed.set()

    bumper = asyncio.create_task(bump())
    assert await wait_for_event(changed, until=lambda: state["n"] == 3, timeout=2)
    await bumper
    assert not await wait_for_event(asyncio.Event(), timeout=0.01)  # never set
    assert await wait_for_event(changed, timeout=0.01)  # already set
    waiter = asyncio.create_task(wait_for_event(asyncio.Event(), timeout=10))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter


HANG_GUARD_WALL_SECS = 30  # only a failing run waits this long: the guard against a hang


def run_like_a_script(main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run ``main()`` the way a plain script would (its own loop, to completion), in a
    thread, so that a loop that never returns fails the test instead of hanging it."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = run_virtual(main())
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="script", daemon=True)
    thread.start()
    thread.join(HANG_GUARD_WALL_SECS)
    assert not thread.is_alive(), "the script's event loop never returned"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_leaving_the_block_with_a_long_reply_queued_ends_within_the_end_timeout():
    long_reply = " ".join(["word"] * 120)  # 12 s of audio at 0.1 s a word
    end_timeout = 2.0

    async def main() -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        vp = build_voice_pipeline(
            llm=FakeLLMService(replies=[long_reply], token_delay_secs=0),
            tts=FakeTTSService(secs_per_word=0.1),
            end_timeout_secs=end_timeout,
        )
        async with vp:
            await vp.start_bot_turn()
            assert await vp.output.wait_for_audio(0.5, timeout=5)
            left_at = loop.time()
        exit_secs = loop.time() - left_at
        assert pending_tasks() == []  # ended, not abandoned
        return exit_secs, vp.output.played_secs

    exit_secs, played_secs = run_like_a_script(main)
    assert exit_secs <= end_timeout + 0.05
    assert played_secs < 12  # the queued reply was cut, not played out


async def test_a_long_conversation_plays_out_on_the_loops_clock():
    assert isinstance(asyncio.get_running_loop(), VirtualTimeLoop)
    loop = asyncio.get_running_loop()
    vp = build_voice_pipeline(
        llm=FakeLLMService(replies=[ANSWER], token_delay_secs=0.05),
        tts=FakeTTSService(secs_per_word=1.0),  # 12 s of audio: the test's 60 s timeout is wall time
        after_output=[recorder := FrameRecorder(name="after-output")],
    )
    started = loop.time()
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=30)
    assert loop.time() - started >= 12
    chunks = vp.output.played
    # Each chunk took its own duration on the clock the kit and Pipecat share.
    assert all(c.ended_at - c.started_at == pytest.approx(c.audio_secs) for c in chunks)
    assert chunks[-1].ended_at - chunks[0].started_at == pytest.approx(12, abs=0.1)
    # Pipecat's output transport paces BotSpeakingFrame with time.time(): one per 0.2 s
    # (checked at 20 ms chunk boundaries, so every 0.20 to 0.22 s), as in real time. With
    # only loop.time() virtual, time.time() would barely move: one or two frames.
    assert 12 / 0.22 - 1 <= len(recorder.of_type(BotSpeakingFrame)) <= 12 / 0.2 + 1


async def test_pipecat_and_kit_clocks_agree_with_the_loop_and_threads_keep_real_time():
    loop = asyncio.get_running_loop()
    clock = SystemClock()  # Pipecat's pipeline clock: time.monotonic_ns()
    clock.start()
    before = (loop.time(), time.monotonic(), time.perf_counter(), time.time(), monotonic())
    await asyncio.sleep(3600)
    after = (loop.time(), time.monotonic(), time.perf_counter(), time.time(), monotonic())
    assert [b - a for a, b in zip(before, after, strict=True)] == pytest.approx([3600] * 5, abs=1e-3)
    assert clock.get_time() / 1e9 == pytest.approx(3600, abs=1e-3)
    # Another thread reads the real clocks while this loop runs.
    start, end = await asyncio.to_thread(lambda: (time.monotonic(), time.monotonic()))
    assert abs(start - loop.time()) > 3000 and 0 <= end - start < 1


async def test_work_in_a_thread_is_waited_for_in_real_time_before_later_timers_fire():
    loop = asyncio.get_running_loop()
    order: list[str] = []
    timer = loop.call_later(5.0, order.append, "timer at +5 s")
    started = loop.time()
    await asyncio.to_thread(time.sleep, 0.05)  # real work: the clock must not jump past it
    order.append("thread done")
    assert 0.04 <= loop.time() - started < 5.0
    await asyncio.sleep(5.0)
    assert order == ["thread done", "timer at +5 s"]
    assert timer.cancelled() is False


def test_the_time_module_is_real_again_once_no_virtual_loop_runs():
    real = time.monotonic

    async def main() -> tuple[bool, float]:
        await asyncio.sleep(100)
        await asyncio.to_thread(time.sleep, 0.01)  # the default executor is joined at the end
        return time.monotonic is not real, time.monotonic()

    with warnings.catch_warnings():
        # Joining the executor's threads waits in real time: its 300 s deadline must not pass.
        warnings.simplefilter("error", RuntimeWarning)
        patched, virtual_now = run_virtual(main())
    assert patched
    assert time.monotonic is real
    assert virtual_now - time.monotonic() > 90  # the script lived 100 s of virtual time
    assert not virtual_time.is_virtual_time()


async def test_holds_for_fails_as_soon_as_the_condition_breaks_and_waits_on_the_loop_clock():
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()
    state = {"speaking": False}

    def resume_later() -> None:
        state["speaking"] = True
        changed.set()

    loop.call_later(3.0, resume_later)
    started = loop.time()
    assert not await holds_for(changed, condition=lambda: not state["speaking"], secs=10)
    assert loop.time() - started == pytest.approx(3.0)  # at the change, not at the deadline
    started = loop.time()
    assert await holds_for(changed, condition=lambda: state["speaking"], secs=10)
    assert loop.time() - started == pytest.approx(10.0)
    assert not await holds_for(changed, condition=lambda: False, secs=10)
    with pytest.raises(ValueError, match="secs"):
        await holds_for(changed, condition=lambda: True, secs=-1)


async def test_bot_stays_silent_after_a_stop_and_is_caught_when_it_speaks():
    user = ScriptedUser([WaitForBot(), Pause(0.3), Utterance("stop")])
    vp = build_voice_pipeline(
        user=user,
        llm=FakeLLMService(replies=[ANSWER, ""], token_delay_secs=0.01),  # nothing to say after
        tts=FakeTTSService(secs_per_word=0.1),
    )
    async with vp:
        await vp.start_bot_turn()
        assert await user.wait_finished(10)
        await user.wait_for_bot(speaking=False, timeout=5)
        assert await user.bot_stays(speaking=False, secs=5.0)
        vp.llm.add_reply("Back again.")
        loop = asyncio.get_running_loop()
        asked = loop.time()
        await vp.start_bot_turn()
        assert not await user.bot_stays(speaking=False, secs=5.0)
        assert loop.time() - asked < 1.0


async def test_leaving_the_block_after_an_error_cancels_whatever_is_queued():
    loop = asyncio.get_running_loop()
    vp = build_voice_pipeline(
        llm=FakeLLMService(replies=[" ".join(["word"] * 120)], token_delay_secs=0),
        tts=FakeTTSService(secs_per_word=0.1),
        end_timeout_secs=2,
    )
    with pytest.raises(RuntimeError, match="boom"):
        async with vp:
            await vp.start_bot_turn()
            assert await vp.output.wait_for_audio(0.5, timeout=5)
            left_at = loop.time()
            raise RuntimeError("boom")
    assert loop.time() - left_at < 0.5  # cancelled at once: no graceful share
    assert vp.output.played_secs < 2
    assert pending_tasks() == []


async def test_the_packages_default_clocks_follow_virtual_time():
    # Defaults built on the clocks module read time.monotonic() at call time, so the kit
    # reaches them; a default bound to time.monotonic itself would stay on real time.
    loop = asyncio.get_running_loop()
    await asyncio.sleep(1000)
    assert InterruptionDecision(reason="phrase").detected_at == pytest.approx(loop.time())
    runner = UserCodeRunner("kit-test")
    result = await runner.call(asyncio.sleep, 5, deadline_secs=10)
    assert result.outcome is CallOutcome.COMPLETED
    assert result.elapsed_secs == pytest.approx(5, abs=0.01)
    await runner.close()


class SetupThatNeverEnds(FrameProcessor):
    async def setup(self, setup):
        await super().setup(setup)
        await asyncio.Event().wait()


async def test_a_pipeline_that_cannot_start_is_torn_down_when_entering_fails():
    loop = asyncio.get_running_loop()
    vp = build_voice_pipeline(before_tts=[SetupThatNeverEnds()], end_timeout_secs=1)
    started = loop.time()
    with pytest.raises(TimeoutError):
        async with vp:
            pytest.fail("the block must not run")
    assert loop.time() - started <= 2.0
    assert pending_tasks() == []  # the runner and the worker's tasks are gone too
