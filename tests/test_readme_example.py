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
