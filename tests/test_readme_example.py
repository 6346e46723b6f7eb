# This file is the README's "Test your own bot's barge-in" snippet, verbatim: it must keep working.
import pytest

from pipecat_interrupts import FlushCoordinator
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)


@pytest.mark.virtual_time
async def test_caller_can_cut_the_bot_off():
    user = ScriptedUser([WaitForBot(), Pause(0.5), Utterance("wait, stop")])
    vp = build_voice_pipeline(
        user=user,
        llm=FakeLLMService(replies=["First point. Second point. Third point takes a while to say.", "Sure."]),
        tts=FakeTTSService(secs_per_word=0.1),
        after_user_aggregator=[FlushCoordinator()],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)

    assert len(vp.output.interruptions) == 1
    # The context keeps only what the caller heard before cutting in.
    assert vp.messages[1] == {"role": "assistant", "content": "First point. Second point."}
    assert vp.messages[2] == {"role": "user", "content": "wait, stop"}


# The README's "Where each processor goes" snippet, with the fakes in place of real services.
@pytest.mark.virtual_time
async def test_the_wiring_helper_snippet_runs_a_barge_in():
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.worker import PipelineParams, PipelineWorker
    from pipecat.processors.aggregators.llm_context import LLMContext

    from pipecat_interrupts import InterruptionController, MinBotSpeakingTime
    from pipecat_interrupts.testing import (
        MockOutputTransport,
        VoicePipeline,
        fast_user_turn_strategies,
    )
    from pipecat_interrupts.wiring import interruption_pipeline

    context = LLMContext([{"role": "system", "content": "Be brief."}])
    caller = ScriptedUser([WaitForBot(), Pause(0.5), Utterance("hold on")])  # transport input + STT
    llm = FakeLLMService(replies=["First point. Second point. Third point takes a while to say.", "Sure."])
    tts, output = FakeTTSService(secs_per_word=0.1), MockOutputTransport()

    wiring = interruption_pipeline(
        context=context,
        transport_input=caller, llm=llm, tts=tts,
        transport_output=output,
        controller=InterruptionController(conditions=[MinBotSpeakingTime(1.0)]),
        after_user_aggregator=[FlushCoordinator()],
        user_turn_strategies=fast_user_turn_strategies(),  # scripted callers send no audio
    )
    pipeline = Pipeline(wiring.processors)

    worker = PipelineWorker(pipeline, params=PipelineParams(), enable_rtvi=False, idle_timeout_secs=None)
    vp = VoicePipeline(
        pipeline=pipeline, worker=worker, context=context, user=caller, user_aggregator=wiring.user_aggregator,
        llm=llm, tts=tts, output=output, assistant_aggregator=wiring.assistant_aggregator,
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text)
    assert len(vp.output.interruptions) == 1
    assert vp.messages[-2:] == [{"role": "user", "content": "hold on"}, {"role": "assistant", "content": "Sure."}]
