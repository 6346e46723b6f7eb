#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The web demo's server: a page, WebRTC signalling, and a bot per connection.

    python3 dev.py web                      # or: python examples/web/server.py
    python3 dev.py web --llm-url http://127.0.0.1:8080/v1   # a real local LLM server

It serves ``index.html`` on 127.0.0.1, answers the page's WebRTC offer with Pipecat's
`SmallWebRTCConnection`, and runs ``run_bot`` on a `SmallWebRTCTransport` for it. With
no ``--llm-url`` the LLM is Pipecat's real `OpenAILLMService` talking to the testing
kit's `FakeOpenAIServer` on 127.0.0.1, which streams scripted, long answers. No keys,
no network: Silero VAD ships in Pipecat, the Whisper model in a wheel, espeak-ng in
Debian.

``GET /api/state`` returns the latest conversation (the LLM context, the controller's
decisions and the loop's timeline) as JSON: the page shows it, the tests read it.
"""

import argparse
import asyncio
import contextlib
import dataclasses
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import aioice.ice
from aiohttp import web
from loguru import logger
from pipecat.transports.base_transport import TransportParams
from pipecat.transports.smallwebrtc.connection import SmallWebRTCConnection
from pipecat.transports.smallwebrtc.transport import SmallWebRTCTransport

from pipecat_interrupts.testing import FakeOpenAIServer

sys.path.insert(0, str(Path(__file__).parent))
from bot import WebBot, WebBotOptions, build_web_bot, run_web_bot  # noqa: E402

PAGE = Path(__file__).parent / "index.html"

DEMO_REPLIES = (
    "Hello, and thanks for calling the shop. Here is how our refund policy works. "
    "You can return any item within thirty days of delivery. The item should be unused "
    "and in its original packaging. Once we receive it, we check it within two working "
    "days. Then the refund goes back to the card you paid with. Your bank may take "
    "another three to five days to show it. If the item arrived damaged, we also pay for "
    "the return shipping. Just keep the receipt, and write the order number on the box. "
    "Is there anything else I can help you with today?",
    "Okay, I stopped. What would you like to know?",
    "We open at nine tomorrow morning, and we close at six in the evening.",
)
"""The scripted LLM's answers, in order (the last one repeats)."""

_CANDIDATE_LINE = re.compile(r"^a=candidate:\S+ \d+ \S+ \d+ (\S+) ", re.MULTILINE)


def keep_loopback_candidates(sdp: str) -> str:
    """Drop every ICE candidate of ``sdp`` that is not on 127.0.0.1.

    Args:
        sdp: An SDP offer.

    Returns:
        The offer with loopback candidates only.
    """
    lines = [
        line for line in sdp.split("\r\n")
        if not (m := _CANDIDATE_LINE.match(line)) or m.group(1) == "127.0.0.1"
    ]
    return "\r\n".join(lines)


@contextlib.contextmanager
def loopback_ice():
    """Make aiortc gather its ICE candidates on 127.0.0.1 only, while the block runs.

    aiortc (through aioice) leaves out the loopback interface; a browser on the same
    machine reaches it there, and nothing leaves the machine.
    """
    original = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    try:
        yield
    finally:
        aioice.ice.get_host_addresses = original


class WebDemoServer:
    """Serves the page and runs one bot per WebRTC connection.

    Use it as an async context manager; ``bots`` lists the bots in order of connection.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 7860,
        llm_url: str | None = None,
        llm_model: str = "local",
        plain: bool = False,
        replies: Sequence[str] = DEMO_REPLIES,
        loopback_only: bool = False,
    ):
        """Initialize the server.

        Args:
            host: Interface to bind.
            port: TCP port (0 for any free one).
            llm_url: An OpenAI-compatible ``/v1`` URL; None starts the scripted one.
            llm_model: Model name sent to the LLM server.
            plain: Run plain Pipecat instead of the plugin (for comparisons).
            replies: The scripted LLM's answers when ``llm_url`` is None.
            loopback_only: Keep WebRTC traffic on 127.0.0.1. A browser gathers no loopback
                candidates unless told to (Chromium: ``--allow-loopback-in-peer-connection``,
                as the tests do); a browser on your desktop connects without it.
        """
        self._host = host
        self._port = port
        self._llm_url = llm_url
        self._llm_model = llm_model
        self._plain = plain
        self._replies = list(replies)
        self._loopback_only = loopback_only
        self.llm_server: FakeOpenAIServer | None = None
        self.bots: list[WebBot] = []
        self._runner: web.AppRunner | None = None
        self._bot_tasks: set[asyncio.Task] = set()
        self._stack = contextlib.AsyncExitStack()

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://{self._host}:{self._port}/"

    async def __aenter__(self) -> "WebDemoServer":
        if self._loopback_only:
            self._stack.enter_context(loopback_ice())
        if self._llm_url is None:
            server = FakeOpenAIServer(replies=self._replies, token_delay_secs=0.01)
            self.llm_server = await self._stack.enter_async_context(server)
            self._llm_url = server.base_url
        app = web.Application()
        app.router.add_get("/", self._page)
        app.router.add_post("/api/offer", self._offer)
        app.router.add_get("/api/state", self._state)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # aiohttp has no public getter
        return self

    async def __aexit__(self, *exc) -> None:
        for bot in self.bots:
            await bot.worker.cancel()
        if self._bot_tasks:
            _, pending = await asyncio.wait(self._bot_tasks, timeout=10.0)
            for task in pending:
                logger.warning(f"web demo: a bot did not end in 10 s, cancelling {task}")
                task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
        await self._stack.aclose()

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE.read_text(), content_type="text/html")

    async def _offer(self, request: web.Request) -> web.Response:
        offer = await request.json()
        sdp = offer["sdp"]
        if self._loopback_only:
            sdp = keep_loopback_candidates(sdp)
        connection = SmallWebRTCConnection()
        await connection.initialize(sdp=sdp, type=offer["type"])
        transport = SmallWebRTCTransport(
            webrtc_connection=connection,
            params=TransportParams(audio_in_enabled=True, audio_out_enabled=True),
        )
        assert self._llm_url is not None
        bot = build_web_bot(
            transport,
            WebBotOptions(llm_base_url=self._llm_url, llm_model=self._llm_model, plain=self._plain),
        )
        self.bots.append(bot)
        task = asyncio.create_task(self._run(bot))
        self._bot_tasks.add(task)
        task.add_done_callback(self._bot_tasks.discard)
        return web.json_response(connection.get_answer())

    async def _run(self, bot: WebBot) -> None:
        await run_web_bot(bot)

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(self.state())

    def state(self) -> dict:
        """The latest conversation as plain data.

        Returns:
            ``{"messages", "events", "timeline", "sentences", "llm_requests"}``.
        """
        if not self.bots:
            return {"messages": [], "events": [], "timeline": [], "sentences": [], "llm_requests": 0}
        bot = self.bots[-1]
        return {
            "messages": json.loads(json.dumps(bot.context.get_messages(), default=str)),
            "events": list(bot.events),
            "timeline": [dataclasses.asdict(e) for e in bot.timeline.events],
            "sentences": [dataclasses.asdict(s) for s in bot.tts.sentences],
            "llm_requests": len(self.llm_server.requests) if self.llm_server else None,
        }


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="pipecat-interrupts web demo")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--llm-url", default=None, help="OpenAI-compatible /v1 URL (default: scripted)")
    parser.add_argument("--llm-model", default="local")
    parser.add_argument("--plain", action="store_true", help="plain Pipecat, without the plugin")
    parser.add_argument(
        "--loopback-only", action="store_true",
        help="WebRTC on 127.0.0.1 only (needs Chromium's --allow-loopback-in-peer-connection)",
    )
    args = parser.parse_args(argv)
    async with WebDemoServer(
        host=args.host, port=args.port, llm_url=args.llm_url, llm_model=args.llm_model,
        plain=args.plain, loopback_only=args.loopback_only,
    ) as server:
        print(f"web demo: open {server.url} in a browser (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
