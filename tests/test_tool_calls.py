"""Tool calls and barge-in, through Pipecat's own function-call cancellation.

- A tool requested by a generation that was interrupted never runs: the fake LLM, like
  Pipecat's real services, requests tools only once its stream completes, and the
  interruption cancels the stream first.
- A tool already running is cancelled on interruption with ``cancel_on_interruption=True``
  (Pipecat's default) and allowed to finish with ``cancel_on_interruption=False``.
"""

import asyncio

from pipecat_interrupts import FlushCoordinator, InterruptionController
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeReply,
    FakeToolCall,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

LONG = "Let me look that up for you while we talk about the details of your order. " * 3


def voice(llm, steps):
    return build_voice_pipeline(
        controller=InterruptionController(),
        user=ScriptedUser(steps),
        llm=llm,
        tts=FakeTTSService(secs_per_word=0.03),
        after_user_aggregator=[FlushCoordinator()],
    )


async def test_a_tool_requested_by_an_interrupted_generation_never_runs():
    hung_up = []

    async def end_call(params):
        hung_up.append(params.arguments)
        await params.result_callback({"ok": True})

    llm = FakeLLMService(
        replies=[FakeReply(LONG, (FakeToolCall("end_call"),)), "Sure, I'm still here."],
        token_delay_secs=0.03,  # still streaming when the caller cuts in
    )
    llm.register_function("end_call", end_call)
    vp = voice(llm, [WaitForBot(), Pause(0.1), Utterance("wait, don't hang up")])
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "still here" in vp.output.spoken_text, timeout=8)
    assert llm.runs[0].cancelled and llm.runs[0].tool_calls == []
    assert hung_up == []


async def run_with_slow_tool(cancel_on_interruption: bool):
    started, settled, finished, cancelled = asyncio.Event(), asyncio.Event(), [], []

    async def lookup(params):
        started.set()
        try:
            await asyncio.sleep(0.4)
        except asyncio.CancelledError:
            cancelled.append(params.function_name)
            settled.set()
            raise
        finished.append(params.function_name)
        settled.set()
        await params.result_callback({"balance": 42})

    llm = FakeLLMService(
        replies=[FakeReply("Checking.", (FakeToolCall("lookup"),)), LONG, "Okay."],
        token_delay_secs=0.002,
    )
    llm.register_function("lookup", lookup, cancel_on_interruption=cancel_on_interruption)
    steps = [WaitForBot(), WaitForBot(speaking=False), Pause(0.05), Utterance("stop")]
    vp = voice(llm, steps)
    async with vp:
        await vp.start_bot_turn()
        await asyncio.wait_for(started.wait(), 5)
        assert await vp.user.wait_finished(5)
        await asyncio.wait_for(settled.wait(), 5)
    return finished, cancelled, vp.output.interruptions


async def test_a_running_tool_is_cancelled_on_interruption_by_default():
    finished, cancelled, interruptions = await run_with_slow_tool(cancel_on_interruption=True)
    assert interruptions and cancelled == ["lookup"] and finished == []


async def test_a_running_tool_marked_not_cancellable_finishes():
    finished, cancelled, interruptions = await run_with_slow_tool(cancel_on_interruption=False)
    assert interruptions and finished == ["lookup"] and cancelled == []
