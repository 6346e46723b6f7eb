"""Examples stay runnable: the demo and the TEN chain run; the real-services bot builds."""

import contextlib
import importlib.util
import io
import sys
from pathlib import Path

import pytest
from pipecat.services.openai.llm import OpenAILLMService

pytestmark = pytest.mark.virtual_time

EXAMPLES = Path(__file__).parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def run_main(name: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        await load(name).main()
    return out.getvalue()


async def test_ten_chain_example_cleans_every_stage_in_order():
    output = await run_main("ten_chain")
    assert "order: llm-stage -> tts-stage -> rtc-stage" in output
    assert "before the interruption: [2, 2, 2]" in output
    assert "state after the flush: [0, 0, 0]" in output


async def test_local_demo_shows_every_piece():
    output = await run_main("local_demo")
    for expected in (
        "backchannel 'mhm': the bot keeps talking",
        "held back by min_bot_speaking_time(1.5s)",
        "interruption decided: phrase on 'hold on'",
        "tasks cancelled: prefetch",
        "reached both ends in",
        "false interruption: no words followed; resuming",
        "Interruption metrics:",
    ):
        assert expected in output, expected
    assert "[interrupted]" in output


def test_real_services_bot_builds_without_network():
    module = load("real_services_bot")
    llm = module.ServiceEndpoint(url="http://127.0.0.1:9/v1", api_key="sk-test-not-used")
    openai = module.ServiceEndpoint(api_key="sk-test-not-used")
    worker, parts = module.build_real_services_bot(llm=llm, stt=openai, tts=openai)
    assert isinstance(parts["llm"], OpenAILLMService)
    assert parts["llm"].settings.model == "gpt-4o-mini"
    names = [type(p).__name__ for p in parts["pipeline"].processors]
    assert names.index("InterruptionController") < names.index("LLMUserAggregator")
    assert names.index("StateSnapshotter") == names.index("LLMAssistantAggregator") - 1
