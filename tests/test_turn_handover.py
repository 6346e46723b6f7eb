"""The user aggregator broadcasts a user turn's interruption itself, carrying the decision."""

import asyncio
import sys

import pytest
from pipecat.frames.frames import (
    Frame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    TranscriptionFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipeline_helpers import FrameRecorder

from pipecat_interrupts import EmergencyStopFrame, InterruptionController, decision_of
from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.frames import HELD_BY_CONTROLLER, TURN_DECISION, InterruptionDecision
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
from pipecat_interrupts.turn_handover import TurnHandover

pytestmark = pytest.mark.virtual_time

ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen."


def voice(steps, controller=None):
    probe = FrameRecorder(name="probe", enable_direct_mode=True)
    top = FrameRecorder(name="top", enable_direct_mode=True)
    vp = build_voice_pipeline(
        before_user_aggregator=[top],
        controller=controller or InterruptionController(),
        user=ScriptedUser(steps),
        llm=FakeLLMService(replies=[ANSWER, "Sure."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        after_user_aggregator=[probe],
    )
    processed: list[Frame] = []

    async def record(_, frame):
        processed.append(frame)

    vp.user_aggregator.add_event_handler("on_before_process_frame", record)
    vp.top = top
    return vp, probe, processed


async def test_the_aggregator_broadcasts_the_interruption_with_the_decision():
    vp, probe, processed = voice([WaitForBot(), Pause(0.3), Utterance("wait, stop")])
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)
    # It took in no interruption from the controller: it made the one that went on.
    assert not [f for f in processed if isinstance(f, InterruptionFrame)]
    down = [
        f
        for d, f in probe.frames
        if isinstance(f, InterruptionFrame) and d == FrameDirection.DOWNSTREAM
    ]
    assert len(down) == 1
    decision = decision_of(down[0])
    assert decision is not None and decision.reason == "phrase" and decision.starts_user_turn
    # Its upstream sibling carries the same decision.
    up = [
        f
        for d, f in vp.top.frames
        if isinstance(f, InterruptionFrame) and d == FrameDirection.UPSTREAM
    ]
    assert [decision_of(f) for f in up] == [decision]
    assert [m["content"] for m in vp.messages if m["role"] == "user"] == ["wait, stop"]


async def test_held_words_reach_the_aggregator_and_only_the_last_starts_the_turn():
    # "um" is held; "how much is it" decides: both reach the context, one interruption.
    vp, probe, processed = voice(
        [WaitForBot(), Pause(0.1), Utterance("um"), Pause(0.1), Utterance("how much is it")]
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)
    carried = [f for f in processed if f.metadata.get(TURN_DECISION) is not None]
    assert len(carried) == 1 and isinstance(
        carried[0], (InterimTranscriptionFrame, TranscriptionFrame)
    )
    words = (InterimTranscriptionFrame, TranscriptionFrame)
    before = [f for f in processed[: processed.index(carried[0])] if isinstance(f, words)]
    # The held "um" went in first, marked held: aggregated, but it started no turn.
    assert [f.text for f in before if isinstance(f, TranscriptionFrame)] == ["um"]
    assert all(f.metadata.get(HELD_BY_CONTROLLER) for f in before)
    assert len(probe.of_type(InterruptionFrame)) == 1
    assert [m for m in vp.messages if m["role"] == "user"][-1]["content"] == "um how much is it"


async def test_an_event_is_still_broadcast_by_the_controller():
    vp, probe, processed = voice([WaitForBot(), Pause(0.3), PushFrame(EmergencyStopFrame())])
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished()
        await probe.wait_for(InterruptionFrame)
    taken_in = [f for f in processed if isinstance(f, InterruptionFrame)]
    assert len(taken_in) == 1 and decision_of(taken_in[0]).reason == "emergency_stop"


class SilentAdapter:
    """An adapter whose aggregator already has a user turn: it broadcasts nothing."""

    async def trigger_user_turn_started(self, **kwargs):
        self.kwargs = kwargs


async def test_when_the_aggregator_broadcasts_nothing_the_controller_does():
    broadcast: list[InterruptionDecision] = []

    async def controller_broadcast(decision):
        broadcast.append(decision)

    handover = TurnHandover("controller", controller_broadcast)
    decision = InterruptionDecision(reason="phrase", starts_user_turn=True)
    adapter = SilentAdapter()
    await handover.start_turn(adapter, decision)
    assert adapter.kwargs == {"enable_interruptions": True}
    assert broadcast == [decision]


def test_no_hand_over_without_a_live_adapter_or_a_user_frame_last():
    handover = TurnHandover("controller", lambda d: asyncio.sleep(0))
    decision = InterruptionDecision(reason="phrase", starts_user_turn=True)
    frame = TranscriptionFrame("stop", "user", "")
    assert not handover.offer(decision, [], frame)  # no adapter set up anywhere
    adapter, aggregator = object(), FrameRecorder(name="aggregator")
    handover.adapter_started(adapter)
    handover.listen_to([aggregator])
    assert not handover.offer(decision, [frame], InterruptionFrame())  # last is no user frame
    assert not handover.offer(InterruptionDecision(reason="emergency_stop"), [], frame)
    assert handover.offer(decision, [], frame) and frame.metadata[TURN_DECISION] is decision
    handover.adapter_stopped(adapter)
    assert not handover.live
    handover.release()


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks came with Python 3.12")
async def test_a_coroutine_that_does_not_suspend_costs_no_loop_iteration():
    ran_between: list[bool] = []
    asyncio.get_running_loop().call_soon(ran_between.append, True)

    async def condition(_):
        return True

    result = await UserCodeRunner("owner").call(condition, None, deadline_secs=1.0)
    assert result.ok and result.value is True
    assert ran_between == []  # nothing else ran: the answer came in the caller's turn


async def test_a_decision_on_voice_activity_reported_upstream_is_broadcast_by_the_controller():
    # Pipecat's user aggregator with its own VAD reports voice activity upstream to the
    # controller: that frame never reaches the aggregator, so it cannot carry the decision.
    from pipecat.frames.frames import BotStartedSpeakingFrame, VADUserStartedSpeakingFrame
    from pipecat.processors.aggregators.llm_context import LLMContext
    from pipecat.processors.aggregators.llm_response_universal import (
        LLMContextAggregatorPair,
        LLMUserAggregatorParams,
    )
    from pipeline_helpers import running_pipeline

    from pipecat_interrupts import VADInterruptionDetector
    from pipecat_interrupts.testing import fast_user_turn_strategies
    from pipecat_interrupts.turn_strategies import controlled_user_turn_strategies

    controller = InterruptionController(detectors=[VADInterruptionDetector(min_speech_secs=0.2)])
    strategies = fast_user_turn_strategies()
    aggregator = LLMContextAggregatorPair(
        LLMContext(),
        user_params=LLMUserAggregatorParams(
            user_turn_strategies=controlled_user_turn_strategies(
                controller, start=strategies.start, stop=strategies.stop
            )
        ),
    ).user()
    below = FrameRecorder(name="below", enable_direct_mode=True)
    async with running_pipeline([controller, aggregator, below]) as worker:
        assert controller.handover.live
        await worker.queue_frame(BotStartedSpeakingFrame())
        await below.wait_for(BotStartedSpeakingFrame)
        await aggregator.push_frame(
            VADUserStartedSpeakingFrame(start_secs=0.3), FrameDirection.UPSTREAM
        )
        await below.wait_for(InterruptionFrame)
    (interruption,) = below.of_type(InterruptionFrame)
    assert decision_of(interruption) is not None and decision_of(interruption).reason == "vad"
