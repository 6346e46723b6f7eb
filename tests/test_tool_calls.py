"""Tool calls and barge-in, through Pipecat's own function-call cancellation.

- A tool requested by a generation that was interrupted never runs: the fake LLM, like
  Pipecat's real services, requests tools only once its stream completes, and the
  interruption cancels the stream first.
- A tool already running is cancelled on interruption with ``cancel_on_interruption=True``
  (Pipecat's default) and allowed to finish with ``cancel_on_interruption=False``.
- pipecat#4997: when the stream had already *finished* (the tool was requested while the
  bot was still speaking the reply), only `SpeechGate.guard` keeps the tool from running
  if the caller cuts in before the reply was heard.
"""

import asyncio

import pytest
from faults import FAULTS, faulty, settle_orphans

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
from pipecat_interrupts.tools import SpeechGate

pytestmark = pytest.mark.virtual_time

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


GOODBYE = "Thank you for calling, it was a pleasure to help you today. Goodbye and have a great day."


async def run_goodbye(*, gated: bool, cancel_on_interruption: bool, interrupt: bool, gate: SpeechGate | None = None):
    """The pipecat#4997 sequence: the reply's stream (text + end_call) has *finished* and
    the tool was requested while the bot is still saying goodbye; then the caller talks."""
    hung_up, spoken_when_called = [], []
    gate = gate or SpeechGate()
    llm = FakeLLMService(
        replies=[FakeReply(GOODBYE, (FakeToolCall("end_call"),)), "Sure, go ahead."],
        token_delay_secs=0.001,  # the stream ends long before the speech does
    )
    vp = None

    async def end_call(params):
        hung_up.append(params.function_name)
        spoken_when_called.append(vp.output.spoken_text)
        await params.result_callback({"ok": True})

    llm.register_function(
        "end_call", gate.guard(end_call) if gated else end_call, cancel_on_interruption=cancel_on_interruption
    )
    steps = [WaitForBot(), Pause(0.15), Utterance("wait, one more thing")] if interrupt else []
    vp = build_voice_pipeline(
        controller=InterruptionController(),
        user=ScriptedUser(steps),
        llm=llm,
        tts=FakeTTSService(secs_per_word=0.04),
        after_user_aggregator=[FlushCoordinator()],
        after_output=[gate],
    )
    async with vp:
        await vp.start_bot_turn()
        if interrupt:
            assert await vp.output.wait_until(lambda: "go ahead" in vp.output.spoken_text, timeout=8)
        else:
            assert await vp.output.wait_until(lambda: bool(hung_up), timeout=8)
    return llm, hung_up, spoken_when_called, vp


async def test_without_the_gate_an_interrupted_goodbye_still_hangs_up():
    # The control case: this is the bug the gate exists for.
    llm, hung_up, _, vp = await run_goodbye(gated=False, cancel_on_interruption=True, interrupt=True)
    assert not llm.runs[0].cancelled and vp.output.interruptions  # the stream had finished
    assert hung_up == ["end_call"]


async def test_a_gated_end_call_never_runs_when_the_caller_cuts_in_during_the_goodbye():
    llm, hung_up, _, vp = await run_goodbye(gated=True, cancel_on_interruption=True, interrupt=True)
    assert not llm.runs[0].cancelled and vp.output.interruptions
    assert hung_up == []  # Pipecat cancelled the waiting call on the interruption


async def test_a_gated_non_cancellable_tool_is_skipped_and_reported_not_run():
    _, hung_up, _, vp = await run_goodbye(gated=True, cancel_on_interruption=False, interrupt=True)
    assert hung_up == []
    results = [m for m in vp.messages if m.get("role") == "tool"]
    assert results and "not_run" in results[0]["content"]  # the call did not stay in progress


async def test_a_gated_end_call_runs_once_the_goodbye_was_heard():
    _, hung_up, spoken_when_called, _ = await run_goodbye(gated=True, cancel_on_interruption=True, interrupt=False)
    assert hung_up == ["end_call"]
    assert "have a great day" in spoken_when_called[0]  # after the whole goodbye played


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_broken_on_tool_skipped_handler_holds_neither_the_result_nor_the_end(fault, log_records):
    release = asyncio.Event()
    gate = SpeechGate(event_handler_timeout_secs=0.1)
    gate.add_event_handler("on_tool_skipped", faulty(fault, "page_the_supervisor", release))
    _, hung_up, _, vp = await run_goodbye(gated=True, cancel_on_interruption=False, interrupt=True, gate=gate)
    assert hung_up == []
    results = [m for m in vp.messages if m.get("role") == "tool"]
    assert results and "not_run" in results[0]["content"]  # reported though the handler is broken
    warnings = [r["message"] for r in log_records if r["level"].name == "WARNING"]
    assert any("on_tool_skipped handler page_the_supervisor" in m for m in warnings), warnings
    assert not any("did not end" in m for m in warnings)
    await settle_orphans(release)
