"""Real HTTP streaming from an OpenAI-compatible server, cancelled for real on barge-in."""

from dataclasses import dataclass

import pytest
from pipecat.frames.frames import (
    DataFrame,
    ErrorFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
    TextFrame,
)
from pipecat.processors.aggregators.llm_context import LLMContext
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts.openai_node import OpenAICompatibleNode, StreamError
from pipecat_interrupts.route import RouteProcessor
from pipecat_interrupts.testing.fake_openai_server import FakeOpenAIServer

# Real time, not the `virtual_time` marker: these tests stream over real localhost sockets
# (FakeOpenAIServer). Virtual time does not track sockets, so the clock would jump past
# the read deadlines while a response is still on its way.

TEN_TOKENS = "t1 t2 t3 t4 t5 t6 t7 t8 t9 t10"


@dataclass
class Marker(DataFrame):
    """Queued after a barge-in: travels behind anything the dead stream could still push."""


def text_route(node: OpenAICompatibleNode) -> RouteProcessor:
    router = RouteProcessor()
    router.on(TextFrame).interrupt_on(InterruptionFrame).stream(node.generate).broadcast()
    return router


async def collect(node: OpenAICompatibleNode, frame) -> str:
    return "".join([chunk async for chunk in node.generate(frame)])


async def test_http_stream_is_closed_on_barge_in_and_no_token_follows():
    async with FakeOpenAIServer(replies=[TEN_TOKENS], token_delay_secs=0.05) as server:
        async with OpenAICompatibleNode(base_url=server.base_url, model="fake") as node:
            recorder = FrameRecorder()
            async with running_pipeline([text_route(node), recorder]) as worker:
                await worker.queue_frame(TextFrame("hello"))
                await recorder.wait_for(LLMTextFrame, count=2)
                await worker.queue_frame(InterruptionFrame())
                await recorder.wait_for(InterruptionFrame)
                tokens_at_cut = len(recorder.of_type(LLMTextFrame))
                assert await server.wait_for_disconnect(timeout=5)
                await worker.queue_frame(Marker())
                await recorder.wait_for(Marker)
    served = server.requests[0]
    assert served.disconnected_at is not None and not served.completed
    assert served.tokens_sent < 10
    assert len(recorder.of_type(LLMTextFrame)) == tokens_at_cut  # nothing after the cut
    names = [type(f).__name__ for _, f in recorder.frames]
    assert "LLMFullResponseEndFrame" in names and "AgentGenerationCompleteFrame" not in names  # cut, ended
    assert node.history == [{"role": "user", "content": "hello"}]  # no half reply committed
    assert node.last_interrupted is not None and node.last_interrupted.partial.startswith("t1 t2 ")


async def test_a_session_given_to_the_node_is_reused_and_left_open():
    import aiohttp

    async with FakeOpenAIServer(replies=["one", "two"], token_delay_secs=0.001) as server:
        async with aiohttp.ClientSession() as session:
            async with OpenAICompatibleNode(base_url=server.base_url, model="m", session=session) as node:
                assert await collect(node, TextFrame("a")) == "one "
                assert await collect(node, TextFrame("b")) == "two "
            assert not session.closed
    # The node's own history is the conversation it sends for text triggers.
    assert server.requests[1].body["messages"] == [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "one "},
        {"role": "user", "content": "b"},
    ]


async def test_context_trigger_sends_pipecat_context_messages_and_extra_body():
    context = LLMContext([{"role": "user", "content": "hi"}])
    async with FakeOpenAIServer(replies=["hello there"], token_delay_secs=0.001) as server:
        async with OpenAICompatibleNode(
            base_url=server.base_url,
            model="m",
            api_key="sk-test",
            system_prompt="Be brief.",
            extra_body={"temperature": 0.2, "stream_options": {"include_usage": True}},
        ) as node:
            # include_usage makes the server end with a `choices: []` chunk, like OpenAI.
            assert await collect(node, LLMContextFrame(context=context)) == "hello there "
    body = server.requests[0].body
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert server.requests[0].headers["Authorization"] == "Bearer sk-test"
    assert body["temperature"] == 0.2 and body["stream"] is True and body["model"] == "m"
    # Pipecat's aggregators own a context conversation: the node adds no user message.
    assert node.history == [{"role": "assistant", "content": "hello there "}]


@pytest.mark.parametrize(
    "fault, message",
    [
        ("http_500", "HTTP 500"),
        ("malformed", "malformed event line"),
        ("error_event", "model overloaded"),
        ("stall", "no data for"),
        ("stall_headers", "no response from"),
        ("drop", "broke"),
        ("refused", "cannot reach"),
    ],
)
async def test_server_faults_become_an_error_frame_and_the_next_turn_works(fault, message, log_records):
    async with FakeOpenAIServer(replies=["fine thanks"], token_delay_secs=0.001, faults=[fault]) as server:
        base_url = "http://127.0.0.1:9/v1" if fault == "refused" else server.base_url
        async with OpenAICompatibleNode(base_url=base_url, model="fake", read_timeout_secs=0.3) as node:
            recorder = FrameRecorder()
            upstream = FrameRecorder(name="upstream")
            async with running_pipeline([upstream, text_route(node), recorder]) as worker:
                await worker.queue_frame(TextFrame("first"))
                await upstream.wait_for(ErrorFrame)
                if fault == "refused":
                    node._url = server.base_url + "/chat/completions"  # the server comes back
                await worker.queue_frame(TextFrame("second"))
                await recorder.wait_for(LLMFullResponseEndFrame, count=2 if fault in ("error_event", "drop") else 1)
    error = upstream.of_type(ErrorFrame)[0]
    assert not error.fatal and "stream failed" in error.error and message in error.error
    assert [f.text for f in recorder.of_type(LLMTextFrame)][-2:] == ["fine ", "thanks "]
    assert any("stream failed" in r["message"] and message in r["message"] for r in log_records)
    assert node.generating is False and node.completed_count == 1


async def test_tool_call_deltas_are_not_run_and_are_logged(log_records):
    from aiohttp import web

    async def handler(request):
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        call = {"index": 0, "id": "c1", "function": {"name": "end_call", "arguments": "{}"}}
        await response.write(b'data: {"choices": [{"delta": {"tool_calls": [%s]}}]}\n\n' % str(call).replace("'", '"').encode())
        await response.write(b"data: [DONE]\n\n")
        return response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with OpenAICompatibleNode(base_url=f"http://127.0.0.1:{port}/v1", model="m") as node:
            assert await collect(node, TextFrame("bye")) == ""
    finally:
        await runner.cleanup()
    assert any("tool calls" in r["message"] for r in log_records)


async def test_stream_error_is_raised_to_a_direct_caller():
    async with FakeOpenAIServer(faults=["http_500"]) as server:
        async with OpenAICompatibleNode(base_url=server.base_url, model="m") as node:
            with pytest.raises(StreamError, match="HTTP 500"):
                await collect(node, TextFrame("x"))
    assert node.history == [{"role": "user", "content": "x"}] and not node.generating


def test_bad_node_configuration_fails_naming_the_parameter():
    with pytest.raises(ValueError, match="read_timeout_secs"):
        OpenAICompatibleNode(base_url="http://x/v1", model="m", read_timeout_secs=0)
    with pytest.raises(ValueError, match="base_url"):
        OpenAICompatibleNode(base_url="ftp://x", model="m")


class ScriptedSSEServer:
    """A bare SSE server writing the given lines, then closing (or idling on comments)."""

    def __init__(self, lines: list[bytes], *, keepalive_forever: bool = False):
        self.lines = lines
        self.keepalive_forever = keepalive_forever

    async def _handle(self, request):
        import asyncio

        from aiohttp import web

        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for line in self.lines:
            await response.write(line)
        while self.keepalive_forever:
            await asyncio.sleep(0.05)
            await response.write(b": keep-alive\n\n")
        return response

    async def __aenter__(self):
        from aiohttp import web

        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self.runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/v1"
        return self

    async def __aexit__(self, *exc):
        await self.runner.cleanup()


def content_event(text: str, finish_reason=None) -> bytes:
    import json

    chunk = {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish_reason}]}
    return f"data: {json.dumps(chunk)}\n\n".encode()


async def test_a_stream_that_ends_early_is_an_error_frame_and_no_reply_is_committed(log_records):
    async with ScriptedSSEServer([content_event("Half "), content_event("an answer")]) as server:
        async with OpenAICompatibleNode(base_url=server.base_url, model="m") as node:
            recorder = FrameRecorder()
            upstream = FrameRecorder(name="upstream")
            async with running_pipeline([upstream, text_route(node), recorder]) as worker:
                await worker.queue_frame(TextFrame("question"))
                await upstream.wait_for(ErrorFrame)
    assert "ended before [DONE] or a finish_reason" in upstream.of_type(ErrorFrame)[0].error
    assert node.history == [{"role": "user", "content": "question"}] and node.completed_count == 0
    assert any("ended before" in r["message"] and r["level"].name == "WARNING" for r in log_records)


async def test_a_stream_with_a_finish_reason_and_no_done_line_is_complete():
    async with ScriptedSSEServer([content_event("All "), content_event("done.", finish_reason="stop")]) as server:
        async with OpenAICompatibleNode(base_url=server.base_url, model="m") as node:
            assert await collect(node, TextFrame("q")) == "All done."
    assert node.completed_count == 1


async def test_keep_alive_comments_do_not_reset_the_read_deadline():
    async with ScriptedSSEServer([content_event("Hello ")], keepalive_forever=True) as server:
        async with OpenAICompatibleNode(base_url=server.base_url, model="m", read_timeout_secs=0.3) as node:
            with pytest.raises(StreamError, match="no data for 0.3s"):
                await collect(node, TextFrame("q"))


async def test_the_route_closes_the_nodes_session_at_pipeline_end_without_an_unclosed_warning(recwarn):
    import gc

    async with FakeOpenAIServer(replies=["fine"], token_delay_secs=0.001) as server:
        node = OpenAICompatibleNode(base_url=server.base_url, model="m")  # never closed by hand
        recorder = FrameRecorder()
        async with running_pipeline([text_route(node), recorder]) as worker:
            await worker.queue_frame(TextFrame("hi"))
            await recorder.wait_for(LLMFullResponseEndFrame)
        assert node._session is not None and node._session.closed
    gc.collect()
    assert not [w for w in recwarn if "Unclosed client session" in str(w.message)]


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        ({"model": None}, "model"),
        ({"api_key": 12}, "api_key"),
        ({"system_prompt": ["be brief"]}, "system_prompt"),
        ({"extra_body": "temperature=0"}, "extra_body"),
        ({"session": "a session"}, "session"),
        ({"read_timeout_secs": float("inf")}, "read_timeout_secs"),
        ({"name": 3}, "name"),
    ],
)
def test_wrong_values_fail_at_construction_naming_the_parameter(kwargs, parameter):
    with pytest.raises((TypeError, ValueError), match=parameter):
        OpenAICompatibleNode(**{"base_url": "http://x/v1", "model": "m", **kwargs})
