#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FakeOpenAIServer`: a real aiohttp server on 127.0.0.1 speaking the streaming chat API.

It streams a scripted reply token by token as server-sent events, slowly if asked, and
records when each client went away, so tests can check that a barge-in really closed
the HTTP stream. The stream looks like OpenAI's: a ``role`` chunk first, one chunk per
token, a ``finish_reason`` chunk, a ``choices: []`` chunk with a complete usage object when the request asks
for ``stream_options.include_usage``, then ``data: [DONE]``. Faults can be scripted per
request: an HTTP error, a malformed event line, an error event, a stall before or
after the response headers, or a dropped connection.

Example::

    async with FakeOpenAIServer(replies=["Hello there."], token_delay_secs=0.05) as server:
        node = OpenAICompatibleNode(base_url=server.base_url, model="fake")
"""

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from pipecat_interrupts.testing.waiting import wait_for_event


def _prompt_tokens(body: dict[str, Any]) -> int:
    """Count the request's prompt as whitespace-separated words of its text contents."""
    count = 0
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            count += len(content.split())
        elif isinstance(content, list):
            count += sum(
                len(str(part.get("text", "")).split()) for part in content if isinstance(part, dict)
            )
    return count


def usage_object(body: dict[str, Any], completion_tokens: int) -> dict[str, Any]:
    """An OpenAI-shaped ``usage`` object for a streamed reply.

    Every field OpenAI sends is present (clients such as Pipecat's `OpenAILLMService`
    validate ``prompt_tokens`` and ``total_tokens``); prompt tokens are counted as the
    words of the request's messages, completion tokens as the tokens streamed.

    Args:
        body: The request's JSON body.
        completion_tokens: Tokens streamed.

    Returns:
        The usage object.
    """
    prompt_tokens = _prompt_tokens(body)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


@dataclass
class ServedRequest:
    """One request the server handled.

    Parameters:
        body: The JSON body received.
        headers: The request headers.
        tokens_sent: Tokens written before the request ended.
        disconnected_at: ``time.monotonic()`` when the client went away mid-stream.
        completed: Whether the whole reply was sent.
    """

    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    tokens_sent: int = 0
    disconnected_at: float | None = None
    completed: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


class FakeOpenAIServer:
    """A scripted ``/v1/chat/completions`` streaming server on 127.0.0.1."""

    def __init__(
        self,
        *,
        replies: Sequence[str] = ("Okay.",),
        token_delay_secs: float = 0.02,
        faults: Sequence[str | None] = (),
    ):
        """Initialize the server.

        Args:
            replies: Replies used in order (the last one repeats).
            token_delay_secs: Delay before each token.
            faults: Per request, in order: None (normal), ``"http_500"``,
                ``"malformed"`` (a line that is not an event), ``"error_event"`` (a
                ``data: {"error": ...}`` event after the first token), ``"stall"``
                (headers, then silence), ``"stall_headers"`` (no response at all) or
                ``"drop"`` (the connection is closed after the first token).
        """
        self._replies = list(replies)
        self._delay = token_delay_secs
        self._faults = list(faults)
        self.requests: list[ServedRequest] = []
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        """The ``/v1`` base URL to give a client."""
        return f"http://127.0.0.1:{self.port}/v1"

    async def __aenter__(self) -> "FakeOpenAIServer":
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        # Cancel a handler when its client goes away (a stalled one included), and never
        # wait long for handlers at shutdown.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server  # aiohttp exposes no public getter for the bound port
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for_disconnect(self, index: int = -1, timeout: float = 5.0) -> bool:
        """Wait until request ``index`` has ended.

        Args:
            index: Which request.
            timeout: Deadline.

        Returns:
            True if it ended in time.
        """
        return await wait_for_event(self.requests[index].done, timeout=timeout)

    @staticmethod
    async def _event(
        response: web.StreamResponse, delta: dict[str, Any], finish_reason: str | None = None
    ) -> None:
        chunk = {
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
        await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        served = ServedRequest(body=await request.json(), headers=dict(request.headers))
        self.requests.append(served)
        n = len(self.requests) - 1
        fault = self._faults[n] if n < len(self._faults) else None
        reply = self._replies[min(n, len(self._replies) - 1)]
        try:
            if fault == "http_500":
                return web.Response(status=500, text="internal error")
            if fault == "stall_headers":
                await asyncio.sleep(3600)
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await response.prepare(request)
            if fault == "malformed":
                await response.write(b"this is not an event line\n\n")
                return response
            if fault == "stall":
                await asyncio.sleep(3600)
            await response.write(b": keep-alive\n\n")
            await self._event(response, {"role": "assistant", "content": ""})
            for token in reply.split(" "):
                await asyncio.sleep(self._delay)
                await self._event(response, {"content": token + " "})
                served.tokens_sent += 1
                if fault == "error_event":
                    error = {"error": {"message": "model overloaded", "type": "server_error"}}
                    await response.write(f"data: {json.dumps(error)}\n\n".encode())
                    return response
                if fault == "drop":
                    if request.transport is not None:
                        request.transport.close()
                    return response
            await self._event(response, {}, finish_reason="stop")
            if (served.body.get("stream_options") or {}).get("include_usage"):
                usage = {"choices": [], "usage": usage_object(served.body, served.tokens_sent)}
                await response.write(f"data: {json.dumps(usage)}\n\n".encode())
            await response.write(b"data: [DONE]\n\n")
            served.completed = True
            return response
        except asyncio.CancelledError:
            served.disconnected_at = time.monotonic()  # aiohttp cancels the handler on disconnect
            raise
        except ConnectionResetError:  # a write found the client gone
            served.disconnected_at = time.monotonic()
            return web.Response(status=499)  # never sent: the connection is closed
        finally:
            served.done.set()
