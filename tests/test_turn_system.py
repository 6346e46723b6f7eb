"""A good citizen of Pipecat's turn system: service recommendations, your start strategies, mute.

Modelled on Pipecat's own user-aggregator tests: a fake STT service recommends external
turn strategies on its `STTMetadataFrame`; `MinWordsUserTurnStartStrategy` as the user's
own start strategy; `FunctionCallUserMuteStrategy` during a tool call.
"""

import asyncio

import pytest
from pipecat.frames.frames import (
    Frame,
    InterruptionFrame,
    ProposedUserStartedSpeakingFrame,
    ProposedUserStoppedSpeakingFrame,
    StartFrame,
    STTMetadataFrame,
)
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.turns.user_mute import FunctionCallUserMuteStrategy
from pipecat.turns.user_start import ExternalUserTurnStartStrategy, MinWordsUserTurnStartStrategy
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import ExternalUserTurnStrategies, UserTurnStrategies
from pipeline_helpers import FrameRecorder

from pipecat_interrupts import InterruptionController
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeReply,
    FakeToolCall,
    FakeTTSService,
    Pause,
    PushFrame,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)
from pipecat_interrupts.turn_strategies import ControlledUserTurnStartStrategy

pytestmark = pytest.mark.virtual_time

ANSWER = (
    "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen."
)


class ExternalTurnsSTT(FrameProcessor):
    """A fake STT with its own turn detection: it recommends `ExternalUserTurnStrategies`."""

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, StartFrame):
            await self.broadcast_frame(
                STTMetadataFrame,
                service_name="stt",
                ttfs_p99_latency=0.1,
                user_turn_strategies=ExternalUserTurnStrategies(),
            )


def external_turn(text):
    """The user's turn as an STT with its own turn detection reports it."""
    return [
        PushFrame(ProposedUserStartedSpeakingFrame()),
        Utterance(text),
        PushFrame(ProposedUserStoppedSpeakingFrame()),
    ]


async def test_strategies_a_service_recommends_keep_working_wrapped_by_the_adapter(log_records):
    controller = InterruptionController()
    steps = [
        WaitForBot(),
        Pause(0.1),
        *external_turn("mhm"),
        WaitForBot(speaking=False),
        *external_turn("what next"),
    ]
    vp = build_voice_pipeline(
        controller=controller,
        user=ScriptedUser(steps),
        llm=FakeLLMService(replies=[ANSWER, "Sure."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.03),
        before_user_aggregator=[ExternalTurnsSTT()],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)
        active = (
            vp.user_aggregator._user_turn_controller.user_turn_strategies.start
        )  # what Pipecat runs
    assert [type(s) for s in active] == [
        ControlledUserTurnStartStrategy,
        ExternalUserTurnStartStrategy,
    ]
    assert not any(
        "ignoring user turn strategies recommended by `stt`" in r["message"] for r in log_records
    )
    assert ANSWER in vp.output.spoken_text  # "mhm" while the bot spoke cut nothing off
    assert [m["content"] for m in vp.messages if m["role"] == "user"] == ["what next"]


async def test_without_the_announcer_pipecat_ignores_the_services_recommendation(log_records):
    # The 0.1 way (final strategies handed to the aggregator), for contrast.
    vp = build_voice_pipeline(
        controller=InterruptionController(),
        before_user_aggregator=[ExternalTurnsSTT()],
        follow_service_recommendations=False,
    )
    async with vp:
        pass
    assert any(
        "ignoring user turn strategies recommended by `stt`" in r["message"] for r in log_records
    )


def min_words_params():
    strategies = UserTurnStrategies(
        start=[MinWordsUserTurnStartStrategy(min_words=3)],
        stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.2)],
    )
    return LLMUserAggregatorParams(user_turn_strategies=strategies)


async def barge_in(text, *, controller):
    vp = build_voice_pipeline(
        controller=controller,
        user=ScriptedUser([WaitForBot(), Pause(0.2), Utterance(text)]),
        llm=FakeLLMService(replies=[ANSWER, "Sure."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        user_params=min_words_params(),
    )
    async with vp:
        await vp.start_bot_turn()
        await vp.user.wait_finished()
        await vp.output.wait_until(
            lambda: ANSWER in vp.output.spoken_text or "Sure." in vp.output.spoken_text
        )
    return bool(vp.output.interruptions)


async def test_min_words_alone_lets_a_backchannel_interrupt_and_ignores_stop():
    assert await barge_in("uh-huh yeah okay", controller=None) is True
    assert await barge_in("stop", controller=None) is False


async def test_with_the_controller_min_words_is_consulted_while_the_bot_speaks():
    assert await barge_in("uh-huh yeah okay", controller=InterruptionController()) is False
    assert await barge_in("stop", controller=InterruptionController()) is True
    # Two words: TEN's text rule alone would interrupt; the user's MinWords(3) holds it back.
    assert await barge_in("the price", controller=InterruptionController()) is False
    assert await barge_in("what about the price", controller=InterruptionController()) is True


LONG = "Let me look that up for you while we talk about the details of your order. " * 2


async def test_a_muted_user_never_interrupts_during_a_tool_call():
    lookup_started, lookup_done = asyncio.Event(), asyncio.Event()

    async def lookup(params):
        lookup_started.set()
        await asyncio.sleep(0.8)
        lookup_done.set()
        await params.result_callback({"order": "shipped"})

    llm = FakeLLMService(
        replies=[FakeReply(LONG, (FakeToolCall("lookup"),)), "It has shipped."],
        token_delay_secs=0.002,
    )
    llm.register_function("lookup", lookup, cancel_on_interruption=False)
    controller = InterruptionController()
    decisions = []
    controller.add_event_handler("on_interruption", lambda _, decision: decisions.append(decision))
    probe = FrameRecorder(name="probe")
    params = min_words_params()
    params.user_turn_strategies = None  # Pipecat's default strategies
    params.user_mute_strategies = [FunctionCallUserMuteStrategy()]
    vp = build_voice_pipeline(
        controller=controller,
        user=ScriptedUser([WaitForBot(), Pause(0.1), Utterance("wait stop")]),
        llm=llm,
        tts=FakeTTSService(secs_per_word=0.03),
        user_params=params,
        before_user_aggregator=[probe],
    )
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(5):
            await lookup_started.wait()
            await vp.user.wait_finished()
        assert not lookup_done.is_set()  # the words came while the tool ran: the user was muted
        async with asyncio.timeout(5):
            await lookup_done.wait()
    assert decisions == []
    assert [
        f
        for d, f in probe.frames
        if isinstance(f, InterruptionFrame) and d == FrameDirection.UPSTREAM
    ] == []
