"""Conditions that misbehave cannot stall a barge-in (issue 13, the controller's callback site).

Each condition below raises, hangs cooperatively, swallows its cancellation and hangs, or
swallows it and finishes late. In each case the barge-in lands (on the configured default),
the next turn is answered, the pipeline ends on its own, and the warning names the condition.
"""

import asyncio

import pytest

from pipecat_interrupts import InterruptionController
from pipecat_interrupts.conditions import all_of
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

pytestmark = pytest.mark.virtual_time

ANSWER = (
    "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen."
)


def misbehaving(behaviour, release):
    async def stubborn(context):
        if behaviour == "raises":
            raise RuntimeError("bug in a condition")
        if behaviour == "hangs":
            await asyncio.sleep(3600)
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                if behaviour == "swallows_and_finishes_late":
                    await asyncio.sleep(0.3)
                    return False
        return False

    return stubborn


@pytest.mark.parametrize("combined", [False, True], ids=["alone", "inside_all_of"])
@pytest.mark.parametrize(
    "behaviour", ["raises", "hangs", "swallows_and_hangs", "swallows_and_finishes_late"]
)
async def test_a_misbehaving_condition_cannot_stall_the_barge_in(behaviour, combined, log_records):
    release = asyncio.Event()
    condition = misbehaving(behaviour, release)
    controller = InterruptionController(
        conditions=[all_of(lambda c: True, condition) if combined else condition],
        condition_timeout_secs=0.05,
    )
    decisions = []
    controller.add_event_handler("on_interruption", lambda _, decision: decisions.append(decision))
    vp = build_voice_pipeline(
        controller=controller,
        user=ScriptedUser([WaitForBot(), Pause(0.2), Utterance("wait stop")]),
        llm=FakeLLMService(replies=[ANSWER, "Sure."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
    )
    try:
        async with vp:
            await vp.start_bot_turn()
            assert await vp.output.wait_until(
                lambda: "Sure." in vp.output.spoken_text
            )  # next turn answered
    finally:
        release.set()
    assert (
        len(decisions) == 1 and decisions[0].reason == "phrase"
    )  # landed on allow_on_condition_error
    assert vp.output.interruptions and ANSWER not in vp.output.spoken_text
    messages = [r["message"] for r in log_records if r["level"].name == "WARNING"]
    assert any("condition stubborn" in m for m in messages)
    assert not any("did not end within" in m for m in messages)  # the pipeline ended on its own
