"""Line-style routes, interruptible nodes, and real HTTP streaming cancelled on barge-in."""

import asyncio

import pytest
from pipecat.frames.frames import (
    ErrorFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TextFrame,
)
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import AgentHandoffFrame, EmergencyStopFrame
from pipecat_interrupts.node import InterruptibleNode
from pipecat_interrupts.openai_node import OpenAICompatibleNode
from pipecat_interrupts.route import RouteProcessor
from pipecat_interrupts.testing.fake_openai_server import FakeOpenAIServer


class ScriptedNode(InterruptibleNode):
    """Yields words one by one; ``gate`` lets a test stop it at a chosen yield point."""

    def __init__(self, words, **kwargs):
        super().__init__(**kwargs)
        self.words = words
        self.yielded = 0
        self.reached = asyncio.Event()
        self.stop_at: int | None = None

    async def process(self, frame):
        for i, word in enumerate(self.words):
            if self.stop_at == i:
                self.reached.set()
                await asyncio.sleep(3600)  # parked: the test interrupts here
            self.yielded += 1
            yield word + " "
            await asyncio.sleep(0.001)


async def test_trigger_streams_text_inside_a_full_response():
    node = ScriptedNode(["one", "two", "three"])
    router = RouteProcessor()
    router.on(TextFrame).interrupt_on(InterruptionFrame).stream(node.generate).broadcast()
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(TextFrame("go"))
        await recorder.wait_for(LLMFullResponseEndFrame)
    kinds = [type(f).__name__ for _, f in recorder.frames if not isinstance(f, TextFrame) or isinstance(f, LLMTextFrame)]
    start = kinds.index("LLMFullResponseStartFrame")
    assert kinds[start : start + 5] == [
        "LLMFullResponseStartFrame", "LLMTextFrame", "LLMTextFrame", "LLMTextFrame", "LLMFullResponseEndFrame"
    ]
    assert node.history == [{"role": "assistant", "content": "one two three "}]


async def test_interrupt_cancels_awaits_then_calls_the_handler_once():
    node = ScriptedNode(["a", "b", "c", "d"])
    node.stop_at = 2
    calls = []

    async def handler(event):
        calls.append((type(event).__name__, node.generating))  # tasks already awaited

    router = RouteProcessor()
    router.on(TextFrame).interrupt_on([InterruptionFrame, EmergencyStopFrame], handler=handler).stream(
        node.generate
    ).broadcast()
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(TextFrame("go"))
        await asyncio.wait_for(node.reached.wait(), 5)
        await worker.queue_frame(EmergencyStopFrame())
        await recorder.wait_for(EmergencyStopFrame)
        await worker.queue_frame(InterruptionFrame())  # nothing is running any more
        await recorder.wait_for(InterruptionFrame)
    assert calls == [("EmergencyStopFrame", False)]
    assert router.active_tasks == 0
    texts = [f.text for f in recorder.of_type(LLMTextFrame)]
    assert texts == ["a ", "b "]
    assert len(recorder.of_type(LLMFullResponseEndFrame)) == 1  # the cut response still ends


async def test_condition_sync_or_async_decides_and_handlers_are_contained(log_records):
    node = ScriptedNode(["x", "y"])
    node.stop_at = 1

    async def only_billing(event):
        return event.target == "billing"

    def broken_handler():
        raise RuntimeError("handler bug")

    router = RouteProcessor(handler_timeout_secs=0.05)
    router.on(TextFrame).interrupt_on(AgentHandoffFrame, handler=broken_handler, condition=only_billing).stream(
        node.generate
    ).broadcast()
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(TextFrame("go"))
        await asyncio.wait_for(node.reached.wait(), 5)
        await worker.queue_frame(AgentHandoffFrame(target="sales"))
        await recorder.wait_for(AgentHandoffFrame)
        assert router.active_tasks == 1  # condition false: still running
        await worker.queue_frame(AgentHandoffFrame(target="billing"))
        await recorder.wait_for(AgentHandoffFrame, count=2)
        assert router.active_tasks == 0
        node.stop_at = None
        await worker.queue_frame(TextFrame("again"))  # the route still works
        await recorder.wait_for(LLMFullResponseEndFrame, count=2)
    assert any("handler failed" in r["message"] for r in log_records)
    assert node.history == [{"role": "assistant", "content": "x y "}]


@pytest.mark.parametrize("cut_at", range(5))
async def test_node_state_is_consistent_after_an_interruption_at_every_yield_point(cut_at):
    node = ScriptedNode(["w0", "w1", "w2", "w3", "w4"])
    router = RouteProcessor()
    router.on(TextFrame).interrupt_on(InterruptionFrame, handler=node.on_interrupt).stream(node.generate).broadcast()
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        node.stop_at = cut_at
        await worker.queue_frame(TextFrame("first"))
        await asyncio.wait_for(node.reached.wait(), 5)
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(InterruptionFrame)
        # Consistent: nothing half-committed, no flag left set, ready for the next turn.
        assert (node.history, node.generating, node.partial, node.interrupted_count) == ([], False, "", 1)
        node.stop_at = None
        await worker.queue_frame(TextFrame("second"))
        await recorder.wait_for(LLMFullResponseEndFrame, count=1 + (cut_at > 0))
    assert node.history == [{"role": "assistant", "content": "w0 w1 w2 w3 w4 "}]
    assert node.completed_count == 1


async def test_http_stream_is_closed_on_barge_in_and_no_token_follows():
    async with FakeOpenAIServer(replies=["t1 t2 t3 t4 t5 t6 t7 t8 t9 t10"], token_delay_secs=0.05) as server:
        node = OpenAICompatibleNode(base_url=server.base_url, model="fake")
        router = RouteProcessor()
        router.on(TextFrame).interrupt_on(InterruptionFrame).stream(node.generate).broadcast()
        recorder = FrameRecorder()
        async with running_pipeline([router, recorder]) as worker:
            await worker.queue_frame(TextFrame("hello"))
            await recorder.wait_for(LLMTextFrame, count=2)
            await worker.queue_frame(InterruptionFrame())
            await recorder.wait_for(InterruptionFrame)
            tokens_at_cut = len(recorder.of_type(LLMTextFrame))
            assert await server.wait_for_disconnect(timeout=5)
            await worker.queue_frame(TextFrame("marker"))
            await recorder.wait_for(TextFrame, count=2 + tokens_at_cut)
        await node.close()
    served = server.requests[0]
    assert served.disconnected_at is not None and not served.completed
    assert served.tokens_sent < 10
    assert len(recorder.of_type(LLMTextFrame)) == tokens_at_cut  # nothing after the cut
    assert server.requests[0].body["messages"][-1] == {"role": "user", "content": "hello"}


@pytest.mark.parametrize("fault", ["http_500", "malformed", "stall", "refused"])
async def test_server_faults_become_an_error_frame_and_the_next_turn_works(fault, log_records):
    async with FakeOpenAIServer(replies=["fine thanks"], token_delay_secs=0.001, faults=[fault]) as server:
        base_url = "http://127.0.0.1:9/v1" if fault == "refused" else server.base_url
        node = OpenAICompatibleNode(base_url=base_url, model="fake", read_timeout_secs=0.2)
        router = RouteProcessor()
        router.on(TextFrame).interrupt_on(InterruptionFrame).stream(node.generate).broadcast()
        recorder = FrameRecorder()
        upstream = FrameRecorder(name="upstream")
        async with running_pipeline([upstream, router, recorder]) as worker:
            await worker.queue_frame(TextFrame("first"))
            await upstream.wait_for(ErrorFrame)
            if fault == "refused":
                node._url = server.base_url + "/chat/completions"  # the server comes back
            await worker.queue_frame(TextFrame("second"))
            await recorder.wait_for(LLMFullResponseEndFrame)
        await node.close()
    error = upstream.of_type(ErrorFrame)[0]
    assert not error.fatal and "stream failed" in error.error
    assert [f.text for f in recorder.of_type(LLMTextFrame)] == ["fine ", "thanks "]
    assert any("stream failed" in r["message"] for r in log_records)


def test_bad_route_configuration_fails_naming_the_parameter():
    router = RouteProcessor()
    with pytest.raises(TypeError, match="trigger"):
        router.on("TextFrame")
    with pytest.raises(TypeError, match="events"):
        router.on(TextFrame).interrupt_on([str])
    with pytest.raises(TypeError, match="handler"):
        router.on(TextFrame).interrupt_on(InterruptionFrame, handler="not callable")
    with pytest.raises(ValueError, match="stream"):
        router.on(TextFrame).broadcast()
    with pytest.raises(ValueError, match="read_timeout_secs"):
        OpenAICompatibleNode(base_url="http://x/v1", model="m", read_timeout_secs=0)
    with pytest.raises(ValueError, match="base_url"):
        OpenAICompatibleNode(base_url="ftp://x", model="m")
