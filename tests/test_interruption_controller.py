"""InterruptionController in a default-configured Pipecat 1.14 voice pipeline."""

import asyncio
from dataclasses import dataclass

import pytest
from pipecat.frames.frames import (
    BotStoppedSpeakingFrame,
    InterruptionFrame,
    SystemFrame,
    TTSSpeakFrame,
    UserBackchannelFrame,
)
from pipeline_helpers import FrameRecorder

from pipecat_interrupts import (
    AgentHandoffFrame,
    EmergencyStopFrame,
    FlushCoordinator,
    InterruptionController,
    InterruptionsControlFrame,
    decision_of,
)
from pipecat_interrupts.conditions import MinBotSpeakingTime
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    PushFrame,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

pytestmark = pytest.mark.virtual_time

ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen."
SECS_PER_WORD = 0.05


def pipeline(steps, *, controller=None, replies=(ANSWER, "Sure."), after_user_aggregator=()):
    controller = controller or InterruptionController()
    user = ScriptedUser(steps)
    probe = FrameRecorder(name="probe")
    vp = build_voice_pipeline(
        controller=controller,
        user=user,
        llm=FakeLLMService(replies=list(replies), token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=SECS_PER_WORD),
        after_user_aggregator=[probe, *after_user_aggregator],
    )
    return vp, controller, probe


async def test_backchannel_while_the_bot_speaks_changes_nothing():
    vp, controller, probe = pipeline([WaitForBot(), Pause(0.2), Utterance("mhm")])
    backchannels = []
    controller.add_event_handler("on_backchannel", lambda _, text: backchannels.append(text))
    aggregator_heard = []
    vp.user_aggregator.add_event_handler(
        "on_user_backchannel", lambda _, message: aggregator_heard.append(message.content)
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER)
    assert vp.output.interruptions == []
    assert probe.of_type(InterruptionFrame) == []
    assert vp.llm.cancelled_runs == []
    assert len(vp.llm.runs) == 1  # no user turn, no second answer
    assert backchannels == ["mhm"] and aggregator_heard == ["mhm"]
    assert len(probe.of_type(UserBackchannelFrame)) == 1
    assert vp.output.played_secs >= SECS_PER_WORD * len(ANSWER.split()) - 0.01
    assert vp.messages[1:] == [{"role": "assistant", "content": ANSWER}]


async def test_a_multi_word_backchannel_streamed_word_by_word_does_not_interrupt():
    # The STT's first interim is "got" (3 characters): TEN's text rule alone would cut
    # the bot off before "got it" is complete.
    vp, controller, probe = pipeline([WaitForBot(), Pause(0.1), Utterance("uh got it")])
    backchannels = []
    controller.add_event_handler("on_backchannel", lambda _, text: backchannels.append(text))
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER)
    assert backchannels == ["uh got it"]
    assert vp.output.interruptions == [] and probe.of_type(InterruptionFrame) == []
    assert len(vp.llm.runs) == 1


async def test_a_hesitation_alone_neither_interrupts_nor_becomes_a_turn():
    vp, controller, probe = pipeline([WaitForBot(), Pause(0.1), Utterance("um")])
    suppressed = []
    controller.add_event_handler("on_interruption_suppressed", lambda *args: suppressed.append(args))
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER)
        await probe.wait_for(BotStoppedSpeakingFrame)
        # Replayed as a user turn, "um" would be answered (and played) within this time.
        assert not await vp.output.wait_until(lambda: len(vp.llm.runs) > 1, timeout=0.5)
    assert vp.output.interruptions == [] and probe.of_type(InterruptionFrame) == []
    assert len(vp.llm.runs) == 1
    assert vp.messages[1:] == [{"role": "assistant", "content": ANSWER}]


async def test_words_after_a_hesitation_interrupt():
    vp, _, probe = pipeline([WaitForBot(), Pause(0.1), Utterance("um"), Pause(0.1), Utterance("how much is it")])
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)
    assert len(probe.of_type(InterruptionFrame)) == 1
    assert [m for m in vp.messages if m["role"] == "user"][-1]["content"] == "um how much is it"


async def test_backchannel_words_do_not_leak_into_the_next_user_turn():
    vp, _, _ = pipeline(
        [WaitForBot(), Pause(0.1), Utterance("yeah yeah"), WaitForBot(speaking=False), Utterance("what next")]
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)
    user_messages = [m["content"] for m in vp.messages if m["role"] == "user"]
    assert user_messages == ["what next"]


async def test_wait_stop_interrupts_and_the_new_turn_proceeds():
    vp, controller, probe = pipeline([WaitForBot(), Pause(0.2), Utterance("wait, stop")])
    decisions = []
    controller.add_event_handler("on_interruption", lambda _, d: decisions.append(d))
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)
    assert len(vp.output.interruptions) == 1
    assert len(probe.of_type(InterruptionFrame)) == 1  # the aggregator did not interrupt again
    assert decisions[0].reason == "phrase"
    carried = decision_of(probe.of_type(InterruptionFrame)[0])
    assert carried is decisions[0] and carried.reason == "phrase" and carried.starts_user_turn
    assert [m["role"] for m in vp.messages] == ["system", "assistant", "user", "assistant"]
    assert vp.messages[2]["content"] == "wait, stop"
    assert vp.output.spoken_text.endswith("Sure.") and ANSWER not in vp.output.spoken_text


async def test_a_condition_holds_the_interruption_back_then_lets_it_through():
    clock_at_start = []
    controller = InterruptionController(conditions=[MinBotSpeakingTime(0.6)])
    suppressed, decided = [], []
    controller.add_event_handler(
        "on_interruption_suppressed", lambda _, detection, name: suppressed.append(name)
    )
    controller.add_event_handler("on_interruption", lambda _, d: decided.append(d))
    vp, _, _ = pipeline([WaitForBot(), Utterance("hold on")], controller=controller)

    @vp.user.event_handler("on_step")
    async def on_step(user, step):
        if not clock_at_start:
            clock_at_start.append(asyncio.get_running_loop().time())

    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)
    assert suppressed == ["min_bot_speaking_time(0.6s)"]
    assert len(decided) == 1 and len(vp.output.interruptions) == 1
    # The attempt was held, then decided once the bot had spoken long enough.
    assert decided[0].decided_at - decided[0].detected_at > 0.3
    assert vp.messages[2] == {"role": "user", "content": "hold on"}


async def test_uninterruptible_disclaimer_finishes_before_the_user_turn_lands():
    disclaimer = "This call is recorded for quality and training purposes."
    speak = TTSSpeakFrame(disclaimer)
    speak.interruptible = False
    vp, controller, probe = pipeline(
        [PushFrame(speak), WaitForBot(), Pause(0.15), Utterance("wait stop")], replies=["Sure."]
    )
    suppressed = []
    controller.add_event_handler("on_interruption_suppressed", lambda _, d, name: suppressed.append(name))
    async with vp:
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)
    assert suppressed == ["uninterruptible_segment"]
    assert vp.output.spoken_text == f"{disclaimer} Sure."  # every word of it, then the answer
    disclaimer_heard_at = vp.output.spoken[0].at
    # Pipecat interrupts (an already silent bot) when the replayed user turn starts.
    assert all(t >= disclaimer_heard_at for t in vp.output.interruptions)
    assert [m["role"] for m in vp.messages[-2:]] == ["user", "assistant"]
    assert vp.messages[-2]["content"] == "wait stop"


async def test_with_the_bot_silent_a_user_turn_is_unchanged():
    async def run(with_controller: bool):
        user = ScriptedUser([Utterance("what are your opening hours")])
        vp = build_voice_pipeline(
            controller=InterruptionController() if with_controller else None,
            user=user,
            llm=FakeLLMService(replies=["Nine to five."], token_delay_secs=0.005),
            tts=FakeTTSService(secs_per_word=SECS_PER_WORD),
        )
        async with vp:
            assert await vp.output.wait_until(lambda: "five." in vp.output.spoken_text)
        return vp.messages, len(vp.output.interruptions)

    assert await run(True) == await run(False)


async def test_emergency_stop_bypasses_a_phase_that_disabled_interruptions():
    coordinator = FlushCoordinator()
    reports = []
    coordinator.add_event_handler("on_flush_completed", lambda _, r: reports.append(r.reason))
    vp, controller, probe = pipeline(
        [
            PushFrame(InterruptionsControlFrame(enabled=False, reason="reading terms")),
            WaitForBot(),
            Utterance("stop"),
            PushFrame(EmergencyStopFrame()),
        ],
        replies=[ANSWER],
        after_user_aggregator=[coordinator],
    )
    suppressed = []
    controller.add_event_handler("on_interruption_suppressed", lambda _, d, name: suppressed.append(name))
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished()
        assert await vp.output.wait_until(lambda: vp.output.interruptions)
        assert await vp.output.wait_until(lambda: reports)
    assert suppressed == ["interruptions_disabled"]
    assert len(vp.output.interruptions) == 1
    assert reports == ["emergency_stop"]  # one flush, with the decision's reason
    assert vp.output.spoken_text != ANSWER


@dataclass
class SupervisorTakeoverFrame(SystemFrame):
    """An application's own interrupt event."""


async def test_user_defined_event_frames_interrupt_subject_to_conditions():
    controller = InterruptionController(
        interrupt_event_types=[EmergencyStopFrame, SupervisorTakeoverFrame],
        conditions=[MinBotSpeakingTime(0.3)],
    )
    decided = []
    controller.add_event_handler("on_interruption", lambda _, d: decided.append(d))
    vp, _, probe = pipeline(
        [WaitForBot(), PushFrame(SupervisorTakeoverFrame())], controller=controller, replies=[ANSWER]
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.interruptions)
    assert decided[0].reason == "supervisor_takeover"
    assert decided[0].decided_at - decided[0].detected_at > 0.2  # held until 0.3 s of speech
    assert len(probe.of_type(SupervisorTakeoverFrame)) == 1  # forwarded once released
    assert len(vp.llm.runs) == 1  # no user turn was started for an event


async def test_an_event_held_by_a_condition_lands_when_the_bot_stops_and_passes_at_once_while_silent():
    controller = InterruptionController(
        interrupt_event_types=[AgentHandoffFrame, SupervisorTakeoverFrame],
        conditions=[MinBotSpeakingTime(5.0)],  # never satisfied by this short answer
    )
    suppressed, decided = [], []
    controller.add_event_handler("on_interruption_suppressed", lambda _, d, name: suppressed.append(d.reason))
    controller.add_event_handler("on_interruption", lambda _, d: decided.append(d.reason))
    vp, _, probe = pipeline(
        [
            WaitForBot(),
            PushFrame(SupervisorTakeoverFrame()),
            WaitForBot(speaking=False),
            Pause(0.05),
            PushFrame(AgentHandoffFrame(target="billing")),
        ],
        controller=controller,
        replies=["One moment please."],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished()
        await probe.wait_for(AgentHandoffFrame)
    assert suppressed == ["supervisor_takeover"]
    assert decided == ["supervisor_takeover", "agent_handoff"]
    # Neither event frame was swallowed: each reached the rest of the pipeline once.
    assert len(probe.of_type(SupervisorTakeoverFrame)) == 1
    assert len(probe.of_type(AgentHandoffFrame)) == 1
    assert vp.output.spoken_text == "One moment please."  # the held event did not cut it off
