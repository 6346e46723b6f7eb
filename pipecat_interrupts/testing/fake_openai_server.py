#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FakeOpenAIServer`: a real aiohttp server on 127.0.0.1 speaking the streaming chat API.

It streams a scripted reply token by token as server-sent events, slowly if asked, and
records when each client went away, so tests can check that a barge-in really closed
the HTTP stream. Faults can be scripted per request: an HTTP error, a malformed event
line, or a stall.

Example::

    async with FakeOpenAIServer(replies=["Hello there."], token_delay_secs=0.05) as server:
        node = OpenAICompatibleNode(base_url=server.base_url, model="fake")
"""

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class ServedRequest:
    """One request the server handled.

    Parameters:
        body: The JSON body received.
        tokens_sent: Tokens written before the request ended.
        disconnected_at: ``time.monotonic()`` when the client went away mid-stream.
        completed: Whether the whole reply was sent.
    """

    body: dict
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
                ``"malformed"`` or ``"stall"``.
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
        self.port = site._server.sockets[0].getsockname()[1]  # aiohttp exposes no public getter
        return self

    async def __aexit__(self, *exc) -> None:
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
        try:
            async with asyncio.timeout(timeout):
                await self.requests[index].done.wait()
        except TimeoutError:
            return False
        return True

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        served = ServedRequest(body=await request.json())
        self.requests.append(served)
        n = len(self.requests) - 1
        fault = self._faults[n] if n < len(self._faults) else None
        reply = self._replies[min(n, len(self._replies) - 1)]
        try:
            if fault == "http_500":
                return web.Response(status=500, text="internal error")
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await response.prepare(request)
            if fault == "malformed":
                await response.write(b"this is not an event line\n\n")
                return response
            if fault == "stall":
                await asyncio.sleep(3600)
            for token in reply.split(" "):
                await asyncio.sleep(self._delay)
                chunk = {"choices": [{"index": 0, "delta": {"content": token + " "}}]}
                await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
                served.tokens_sent += 1
            await response.write(b"data: [DONE]\n\n")
            served.completed = True
            return response
        except (asyncio.CancelledError, ConnectionResetError):
            served.disconnected_at = time.monotonic()  # aiohttp cancels the handler on disconnect
            raise
        finally:
            served.done.set()
