#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`OpenAICompatibleNode`: streams ``/v1/chat/completions`` with aiohttp, cancellable.

Works with any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, Ollama, LM Studio...).
On cancellation the HTTP response is closed, so the connection is dropped and the server
sees the client go away at once (no more tokens are generated for nobody). Faults (an
HTTP error status, a malformed event line, a refused connection, a stall past
``read_timeout_secs``) raise `StreamError`; inside a `RouteProcessor` they become a
non-fatal ``ErrorFrame`` and a log line, and the next turn works.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from loguru import logger
from pipecat.frames.frames import Frame, LLMContextFrame, TextFrame

from pipecat_interrupts.node import InterruptibleNode
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_READ_TIMEOUT_SECS = 10.0


class StreamError(Exception):
    """The completion stream failed (HTTP status, bad event, connection, stall)."""


class OpenAICompatibleNode(InterruptibleNode):
    """Streams chat completions from an OpenAI-compatible endpoint.

    The trigger is an ``LLMContextFrame`` (its messages are sent) or any ``TextFrame``
    (sent as one user message after the node's own history).
    """

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        system_prompt: str | None = None,
        read_timeout_secs: float = DEFAULT_READ_TIMEOUT_SECS,
        session: aiohttp.ClientSession | None = None,
        **kwargs,
    ):
        """Initialize the node.

        Args:
            base_url: E.g. ``"https://api.openai.com/v1"`` or ``"http://127.0.0.1:8000/v1"``.
            model: Model name.
            api_key: Bearer token, if the server needs one.
            system_prompt: Prepended for ``TextFrame`` triggers.
            read_timeout_secs: Longest wait for the next chunk of the stream.
            session: An aiohttp session to use (one is created and owned otherwise).
            **kwargs: `InterruptibleNode` arguments.
        """
        super().__init__(**kwargs)
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._api_key = api_key
        self._system_prompt = system_prompt
        self._read_timeout = require_positive_secs("read_timeout_secs", read_timeout_secs)
        self._session = session
        self._owns_session = session is None

    def _messages(self, frame: Frame) -> list[dict[str, Any]]:
        if isinstance(frame, LLMContextFrame):
            return [dict(m) for m in frame.context.get_messages()]
        prefix = [{"role": "system", "content": self._system_prompt}] if self._system_prompt else []
        text = frame.text if isinstance(frame, TextFrame) else str(frame)
        return [*prefix, *self.history, {"role": "user", "content": text}]

    async def process(self, frame: Frame) -> AsyncIterator[Any]:
        """Stream the completion's text deltas.

        Args:
            frame: The trigger frame.

        Yields:
            Text deltas.

        Raises:
            StreamError: On any fault of the stream.
        """
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        body = {"model": self._model, "messages": self._messages(frame), "stream": True}
        try:
            response = await self._session.post(self._url, json=body, headers=headers)
        except aiohttp.ClientError as e:
            raise StreamError(f"cannot reach {self._url}: {e}") from e
        try:
            if response.status != 200:
                detail = (await response.text())[:200]
                raise StreamError(f"HTTP {response.status} from {self._url}: {detail}")
            while True:
                try:
                    async with asyncio.timeout(self._read_timeout):
                        line = await response.content.readline()
                except TimeoutError as e:
                    raise StreamError(f"no data for {self._read_timeout:.1f}s from {self._url}") from e
                if not line:
                    return  # the server closed the stream
                text = line.decode("utf-8", errors="replace").strip()
                if not text or text.startswith(":"):
                    continue
                if not text.startswith("data:"):
                    raise StreamError(f"malformed event line: {text[:80]!r}")
                data = text[5:].strip()
                if data == "[DONE]":
                    return
                try:
                    chunk = json.loads(data)
                    delta = chunk["choices"][0].get("delta", {}).get("content")
                except (ValueError, KeyError, IndexError, TypeError) as e:
                    raise StreamError(f"malformed event data: {data[:80]!r}") from e
                if delta:
                    yield delta
        finally:
            # On cancellation too: drop the connection so the server stops at once.
            response.close()

    async def close(self) -> None:
        """Close the session the node owns."""
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()
        logger.trace(f"{self}: closed")
