"""`InterruptionArbiter` on its own: no pipeline, a fake clock, every verdict path."""

import asyncio

import pytest
from pipecat.frames.frames import BotStartedSpeakingFrame, TranscriptionFrame, TTSSpeakFrame
from pipecat.processors.frame_processor import FrameDirection
from pipecat.transcriptions.language import Language

from pipecat_interrupts import (
    AgentHandoffFrame,
    EmergencyStopFrame,
    InterruptionController,
    InterruptionsControlFrame,
)
from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.arbitration import (
    ArbiterState,
    Backchannel,
    Dropped,
    EventTrigger,
    Hold,
    Interrupt,
    InterruptionArbiter,
    ReleaseHeldTurn,
)
from pipecat_interrupts.conditions import (
    ConditionChecker,
    InterruptionsEnabled,
    MinBotSpeakingTime,
    UninterruptibleSegments,
    all_of,
)
from pipecat_interrupts.detectors import (
    BaseInterruptionDetector,
    Detection,
    PhraseInterruptionDetector,
    UserActivity,
    Verdict,
    default_detectors,
)
from pipecat_interrupts.reasons import Reason

pytestmark = pytest.mark.virtual_time


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(conditions=(), *, on_error=True, timeout=0.05, hold=2.0, runner=None):
    clock = FakeClock()
    runner = runner or UserCodeRunner("arbiter-test", clock=clock)
    checker = ConditionChecker(runner, timeout_secs=timeout, on_error=on_error)
    arbiter = InterruptionArbiter(
        detectors=default_detectors(),
        conditions=list(conditions),
        checker=checker,
        judge=PhraseInterruptionDetector(),
        hold_timeout_secs=hold,
        clock=clock,
        runner=runner,
    )
    return arbiter, clock


def kinds(decisions):
    return [type(d).__name__ for d in decisions]


async def say(arbiter, text, *, final=True, item=None):
    return await arbiter.transcript(text, final=final, item=item or text)


async def test_with_the_bot_silent_nothing_is_held_or_decided():
    arbiter, _ = make()
    assert await say(arbiter, "wait stop") == []
    assert arbiter.pending is None and arbiter.next_recheck_at is None


async def test_a_backchannel_is_consumed_and_the_bot_keeps_talking():
    arbiter, _ = make()
    await arbiter.bot_started()
    decisions = await say(arbiter, "mhm")
    assert decisions == [Hold("mhm"), Backchannel("mhm")]
    assert arbiter.state is ArbiterState.BOT_SPEAKING and arbiter.pending is None


async def test_a_backchannel_streamed_word_by_word_never_interrupts():
    arbiter, _ = make()
    await arbiter.bot_started()
    seen = []
    for interim in ("uh", "uh got"):
        seen += await say(arbiter, interim, final=False)
    seen += await say(arbiter, "uh got it")
    assert kinds(seen) == ["Hold", "Hold", "Hold", "Backchannel"]
    assert seen[-1] == Backchannel("uh got it")


async def test_an_interrupt_phrase_interrupts_and_releases_what_was_held():
    arbiter, clock = make()
    await arbiter.bot_started()
    clock.now += 1.0
    first = await say(arbiter, "wait", final=False, item="interim")
    assert kinds(first) == ["Hold", "Interrupt"]
    interrupt = first[1]
    assert interrupt.released == ("interim",)
    assert interrupt.decision.reason == Reason.PHRASE and interrupt.decision.starts_user_turn
    assert interrupt.decision.decided_at == clock.now and not interrupt.decision.voice_only
    assert arbiter.state is ArbiterState.USER_TURN and not arbiter.holds_user_turns
    assert await say(arbiter, "wait stop") == []  # the turn is through: transparent


async def test_not_yet_keeps_listening_with_the_words_held():
    arbiter, clock = make()
    await arbiter.bot_started()
    assert kinds(await say(arbiter, "um", final=False)) == ["Hold"]
    assert arbiter.pending is not None and arbiter.next_recheck_at == clock.now + 0.1


async def test_voice_alone_interrupts_then_a_backchannel_transcript_is_a_backchannel():
    arbiter, clock = make()
    await arbiter.bot_started()
    assert await arbiter.voice_started(start_secs=0.2) == []
    clock.now += 0.5
    (interrupt,) = await arbiter.voice_continues()
    assert isinstance(interrupt, Interrupt) and interrupt.decision.reason == Reason.VAD
    assert interrupt.decision.voice_only
    assert arbiter.state is ArbiterState.VOICE_ONLY_TURN
    await arbiter.voice_stopped()
    await arbiter.bot_stopped()
    assert arbiter.state is ArbiterState.VOICE_ONLY_TURN
    assert await say(arbiter, "mhm") == [Backchannel("mhm")]
    arbiter.user_turn_stopped()
    assert arbiter.state is ArbiterState.BOT_SILENT


async def test_a_condition_suppresses_once_then_lets_it_through_on_recheck():
    arbiter, clock = make([MinBotSpeakingTime(1.0)])
    await arbiter.bot_started()
    clock.now += 0.3
    first = await say(arbiter, "hold on", final=False)
    assert kinds(first) == ["Hold", "Suppressed"]
    assert first[1].condition_name == "min_bot_speaking_time(1s)"
    assert await arbiter.recheck() == []  # still held, reported once
    clock.now += 0.7
    (interrupt,) = await arbiter.recheck()
    assert isinstance(interrupt, Interrupt) and interrupt.released == ("hold on",)


@pytest.mark.parametrize(("on_error", "expected"), [(True, "Interrupt"), (False, "Suppressed")])
async def test_a_raising_condition_takes_the_configured_default(on_error, expected, log_records):
    def broken(context):
        raise RuntimeError("bug")

    arbiter, _ = make([broken], on_error=on_error)
    await arbiter.bot_started()
    decisions = await say(arbiter, "wait stop")
    assert kinds(decisions) == ["Hold", expected]
    assert any("condition broken raised" in r["message"] for r in log_records)


def overrunning_condition(behaviour: str, release: asyncio.Event):
    """A condition that overruns its deadline the way ``behaviour`` says."""

    async def stuck(context):
        if behaviour == "hangs":
            await asyncio.sleep(10)
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                if behaviour == "swallows_and_finishes_late":
                    await asyncio.sleep(0.05)
                    return True
                # swallows_and_hangs: keeps waiting until the test lets it go
        return True

    return stuck


@pytest.mark.parametrize("behaviour", ["hangs", "swallows_and_hangs", "swallows_and_finishes_late"])
@pytest.mark.parametrize(("on_error", "expected"), [(True, "Interrupt"), (False, "Suppressed")])
async def test_a_condition_that_overruns_takes_the_configured_default(
    behaviour, on_error, expected, log_records
):
    release = asyncio.Event()
    runner = UserCodeRunner("arbiter-test")
    arbiter, _ = make(
        [overrunning_condition(behaviour, release)], on_error=on_error, timeout=0.01, runner=runner
    )
    await arbiter.bot_started()
    decisions = await say(arbiter, "wait stop")
    # Decided without waiting for the condition: it is still running, abandoned.
    assert runner.abandoned == 1
    assert kinds(decisions) == ["Hold", expected]
    if expected == "Suppressed":
        assert decisions[1].condition_name == "stuck"
    assert any("condition stuck overran its 0.01 s deadline" in r["message"] for r in log_records)
    release.set()
    assert await runner.close(grace_secs=1.0) == []  # nothing outlives the test


async def test_combined_children_each_get_the_deadline(log_records):
    async def slow_child(context):
        await asyncio.sleep(10)
        return False

    arbiter, _ = make([all_of(lambda c: True, slow_child)], timeout=0.01)
    await arbiter.bot_started()
    assert kinds(await say(arbiter, "wait stop")) == ["Hold", "Interrupt"]
    assert any("condition slow_child overran" in r["message"] for r in log_records)


async def test_an_emergency_stop_bypasses_every_condition():
    switch = InterruptionsEnabled()
    arbiter, _ = make([switch])
    await arbiter.evaluator.observe_frame(
        InterruptionsControlFrame(enabled=False), FrameDirection.DOWNSTREAM
    )
    await arbiter.bot_started()
    assert kinds(await say(arbiter, "stop")) == ["Hold", "Suppressed"]
    stop = EmergencyStopFrame()
    decisions = await arbiter.event(EventTrigger(stop, Reason.EMERGENCY_STOP, True), "stop-frame")
    assert kinds(decisions) == ["Hold", "Dropped", "Interrupt"]
    assert decisions[-1].decision.reason == Reason.EMERGENCY_STOP
    assert decisions[-1].released == ("stop-frame",)  # the user's held words are dropped


async def test_an_event_held_by_a_condition_lands_when_the_bot_stops():
    segments = UninterruptibleSegments()
    arbiter, _ = make([segments])
    speak = TTSSpeakFrame("disclaimer")
    speak.interruptible = False
    await arbiter.evaluator.observe_frame(speak, FrameDirection.DOWNSTREAM)
    await arbiter.evaluator.observe_frame(BotStartedSpeakingFrame(), FrameDirection.UPSTREAM)
    await arbiter.bot_started()
    handoff = EventTrigger(AgentHandoffFrame(), Reason.AGENT_HANDOFF)
    assert kinds(await arbiter.event(handoff, "handoff")) == ["Hold", "Suppressed"]
    (interrupt,) = await arbiter.bot_stopped()
    assert isinstance(interrupt, Interrupt) and interrupt.released == ("handoff",)
    assert not interrupt.decision.starts_user_turn


async def test_held_words_become_a_user_turn_when_the_bot_stops():
    arbiter, _ = make([MinBotSpeakingTime(5.0)])
    await arbiter.bot_started()
    await say(arbiter, "wait", final=False, item=1)
    await say(arbiter, "wait stop", item=2)
    (release,) = await arbiter.bot_stopped()
    assert isinstance(release, ReleaseHeldTurn) and release.released == (1, 2)
    assert release.decision.starts_user_turn and release.decision.reason == Reason.PHRASE
    assert release.decision.details["released"] is True
    assert arbiter.pending is None


async def test_fillers_alone_are_dropped_when_the_bot_stops():
    arbiter, _ = make()
    await arbiter.bot_started()
    await say(arbiter, "um")
    assert kinds(await arbiter.bot_stopped()) == ["Dropped"]


async def test_a_held_attempt_is_dropped_after_hold_timeout_of_silence():
    arbiter, clock = make([MinBotSpeakingTime(60.0)], hold=2.0)
    await arbiter.bot_started()
    await arbiter.voice_started()
    await say(arbiter, "hold on")
    await arbiter.voice_stopped()
    clock.now += 1.9
    assert await arbiter.recheck() == []
    clock.now += 0.1
    (dropped,) = await arbiter.recheck()
    assert isinstance(dropped, Dropped) and dropped.text == "hold on"
    assert arbiter.pending is None and arbiter.next_recheck_at is None


async def test_a_muted_user_never_interrupts_but_events_still_do():
    arbiter, _ = make()
    await arbiter.bot_started()
    assert kinds(await say(arbiter, "um", final=False)) == ["Hold"]
    assert kinds(arbiter.set_muted(True)) == ["Dropped"]
    assert await say(arbiter, "wait stop") == []
    assert await arbiter.voice_started() == [] and arbiter.pending is None
    stop = EventTrigger(EmergencyStopFrame(), Reason.EMERGENCY_STOP, True)
    assert kinds(await arbiter.event(stop, "stop")) == ["Hold", "Interrupt"]


class LanguageSeen(BaseInterruptionDetector):
    """Records the language detectors are given; decides nothing."""

    def __init__(self) -> None:
        self.languages: list[str | None] = []

    def detect(self, activity: UserActivity) -> Detection:
        self.languages.append(activity.language)
        return Detection(Verdict.NOT_YET, Reason.NONE)


def with_detectors(detectors, clock: FakeClock) -> InterruptionArbiter:
    """An arbiter asking only these detectors, with no conditions."""
    runner = UserCodeRunner("arbiter-test", clock=clock)
    return InterruptionArbiter(
        detectors=detectors,
        conditions=[],
        checker=ConditionChecker(runner),
        judge=PhraseInterruptionDetector(),
        clock=clock,
        runner=runner,
    )


async def test_detectors_read_the_transcripts_language():
    seen = LanguageSeen()
    arbiter = with_detectors([seen], FakeClock())
    await arbiter.bot_started()
    await arbiter.transcript("espera", final=False, item=1, language="es")
    await arbiter.transcript("espera un momento", final=True, item=2)
    assert seen.languages == ["es", "es"]  # a later frame without one keeps the attempt's


async def test_the_controller_fills_the_language_from_pipecats_transcription_frames():
    seen = LanguageSeen()
    controller = InterruptionController(detectors=[seen])
    await controller.arbiter.bot_started()
    frame = TranscriptionFrame("espera", "caller", "2026-01-01T00:00:00", language=Language.ES)
    await controller._feed._dispatch(frame, FrameDirection.DOWNSTREAM)  # the arbiter's input, no pipeline
    assert seen.languages == ["es"]


async def test_a_vad_start_at_the_threshold_interrupts_at_once_whatever_the_clock_reads():
    # The VAD reports 0.2 s of speech; the detector wants 0.2 s. Counted through the clock
    # (now - (now - 0.2)) it is one rounding away from 0.2 for many clock readings, and the
    # barge-in then waited for the next frame or the re-check timer.
    import random

    from pipecat_interrupts.detectors import VADInterruptionDetector

    readings = random.Random(7)
    late = []
    for _ in range(200):
        clock = FakeClock()
        clock.now = readings.uniform(1_000.0, 1_000_000.0)  # a machine's monotonic clock
        arbiter = with_detectors([VADInterruptionDetector(min_speech_secs=0.2)], clock)
        await arbiter.bot_started()
        if kinds(await arbiter.voice_started(0.2)) != ["Interrupt"]:
            late.append(clock.now)
    assert late == []
