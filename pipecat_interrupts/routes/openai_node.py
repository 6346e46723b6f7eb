#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`OpenAICompatibleNode`: streams ``/v1/chat/completions`` with aiohttp, cancellable.

Works with any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, Ollama, LM Studio...).
On cancellation the HTTP response is closed, so the connection is dropped and the server
sees the client go away at once (no more tokens are generated for nobody). Faults (an
HTTP error status, a malformed event line, a refused connection, no event for
``read_timeout_secs`` (SSE keep-alive comments do not count), a stream that ends
without ``data: [DONE]`` or a ``finish_reason``) raise `StreamError`; inside a
`RouteProcessor` they become a non-fatal ``ErrorFrame`` and a warning, and the partial
text is not committed as a reply. The node owns the aiohttp session it opens and closes
it in `close` (a `RouteProcessor` streaming from the node calls it when the pipeline
ends; ``async with node:`` does too).
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, cast

import aiohttp
from loguru import logger
from pipecat.frames.frames import Frame, LLMContextFrame, TextFrame

from pipecat_interrupts.routes.node import InterruptibleNode
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_READ_TIMEOUT_SECS = 10.0

# Server-sent event fields other than ``data`` that carry nothing for us.
_IGNORED_SSE_FIELDS = frozenset({"event", "id", "retry"})


def _error_message(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error)[:200]
    return str(error)[:200]


def _parse_chunk(data: str) -> dict[str, Any]:
    """One ``data:`` payload as a chunk with a ``choices`` list ([] for usage chunks)."""
    try:
        chunk = json.loads(data)
    except ValueError as e:
        raise StreamError(f"malformed event data: {data[:80]!r}") from e
    if not isinstance(chunk, dict):
        raise StreamError(f"malformed event data: {data[:80]!r}")
    choices = chunk.get("choices") or []  # empty: usage or content-filter chunks
    if not isinstance(choices, list):
        raise StreamError(f"malformed event data: {data[:80]!r}")
    chunk["choices"] = choices
    return chunk


class StreamError(Exception):
    """The completion stream failed (HTTP status, bad event, connection, stall)."""


class OpenAICompatibleNode(InterruptibleNode):
    """Streams chat completions from an OpenAI-compatible endpoint.

    The trigger is an ``LLMContextFrame`` (its messages are sent, converted by Pipecat's
    OpenAI adapter) or any ``TextFrame`` (sent as one user message after the node's own
    history, which keeps user messages and completed replies only).

    The node streams text. Tool calls the model asks for are not run (a warning is
    logged): use a Pipecat LLM service, whose function calls follow each tool's
    ``cancel_on_interruption`` setting, when the bot needs tools.
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
        extra_body: dict[str, Any] | None = None,
        **kwargs: Any,
    ):
        """Initialize the node.

        Args:
            base_url: E.g. ``"https://api.openai.com/v1"`` or ``"http://127.0.0.1:8000/v1"``.
            model: Model name.
            api_key: Bearer token, if the server needs one.
            system_prompt: The system message (Pipecat's ``system_instruction``).
            read_timeout_secs: Longest wait for the next chunk of the stream.
            session: An aiohttp session to use (one is created and owned otherwise; the
                node closes only a session it created).
            extra_body: More request fields (``temperature``, ``max_tokens``...).
            **kwargs: `InterruptibleNode` arguments.
        """
        super().__init__(**kwargs)
        if not isinstance(model, str) or not model:
            raise TypeError(f"model must be a non-empty string, got {model!r}")
        if api_key is not None and not isinstance(api_key, str):
            raise TypeError(f"api_key must be a string, got {type(api_key).__name__}")
        if system_prompt is not None and not isinstance(system_prompt, str):
            raise TypeError(f"system_prompt must be a string, got {type(system_prompt).__name__}")
        if extra_body is not None and not isinstance(extra_body, dict):
            raise TypeError(f"extra_body must be a dict, got {type(extra_body).__name__}")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise TypeError(
                f"session must be an aiohttp.ClientSession, got {type(session).__name__}"
            )
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._api_key = api_key
        self._system_prompt = system_prompt
        self._read_timeout = require_positive_secs("read_timeout_secs", read_timeout_secs)
        self._session = session
        self._owns_session = session is None
        self._extra_body = dict(extra_body or {})
        # Imported here: Pipecat's OpenAI adapter loads the `openai` package's types, 80% of
        # `import pipecat_interrupts` (0.4 of 0.5 s), which a bot without this node never needs.
        from pipecat.adapters.llm.services.open_ai_adapter import OpenAILLMAdapter

        self._adapter = OpenAILLMAdapter()  # type: ignore[no-untyped-call]  # Pipecat's, untyped

    async def _messages(self, frame: Frame) -> list[dict[str, Any]]:
        if isinstance(frame, LLMContextFrame):
            # Pipecat's own conversion: universal context -> OpenAI chat messages.
            params = await self._adapter.get_llm_invocation_params(
                frame.context,
                system_instruction=self._system_prompt,
                convert_developer_to_user=False,
            )
            return cast(list[dict[str, Any]], list(params["messages"]))
        user = self.user_message(frame)
        return [*self._prefix(), *self.history, *([user] if user is not None else [])]

    def _prefix(self) -> list[dict[str, Any]]:
        return [{"role": "system", "content": self._system_prompt}] if self._system_prompt else []

    def user_message(self, frame: Frame) -> dict[str, Any] | None:
        """The user message a ``TextFrame`` trigger adds to the node's history.

        Args:
            frame: The trigger frame.

        Returns:
            ``{"role": "user", ...}``, or None for an ``LLMContextFrame`` (Pipecat's
            aggregators own that conversation).
        """
        if isinstance(frame, LLMContextFrame):
            return None
        text = frame.text if isinstance(frame, TextFrame) else str(frame)
        return {"role": "user", "content": text}

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
        body = {
            "model": self._model,
            "messages": await self._messages(frame),
            "stream": True,
            **self._extra_body,
        }
        try:
            # Connecting and the response headers share the read deadline: a server that
            # accepts the connection and then says nothing is a stall too.
            async with asyncio.timeout(self._read_timeout):
                response = await self._session.post(self._url, json=body, headers=headers)
        except TimeoutError as e:
            raise StreamError(
                f"no response from {self._url} within {self._read_timeout:.1f}s"
            ) from e
        except aiohttp.ClientError as e:
            raise StreamError(f"cannot reach {self._url}: {e}") from e
        try:
            if response.status != 200:
                raise StreamError(
                    f"HTTP {response.status} from {self._url}: {await self._error_detail(response)}"
                )
            warned_tools = False
            finished = False
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self._read_timeout
            while True:
                line = await self._read_line(response, deadline)
                if not line:
                    if finished:
                        return  # the server closed the stream after the model finished
                    raise StreamError(
                        f"stream from {self._url} ended before [DONE] or a finish_reason"
                    )
                text = line.decode("utf-8", errors="replace").strip()
                if not text or text.startswith(":"):
                    continue  # event separator or SSE comment (keep-alive): the deadline stands
                field, _, value = text.partition(":")
                if field in _IGNORED_SSE_FIELDS:
                    continue
                if field != "data":
                    raise StreamError(f"malformed event line: {text[:80]!r}")
                deadline = loop.time() + self._read_timeout  # an event: the server is alive
                data = value.strip()
                if data == "[DONE]":
                    return
                chunk = _parse_chunk(data)
                if chunk.get("error"):
                    raise StreamError(f"server error in stream: {_error_message(chunk['error'])}")
                for choice in chunk["choices"]:
                    if not isinstance(choice, dict):
                        continue
                    finished = finished or bool(choice.get("finish_reason"))
                    delta = choice.get("delta")
                    if not isinstance(delta, dict):
                        continue
                    if delta.get("tool_calls") and not warned_tools:
                        warned_tools = True
                        logger.warning(
                            f"{self}: the model asked for tool calls; this node streams text only "
                            "(use a Pipecat LLM service for tools)"
                        )
                    content = delta.get("content")
                    if isinstance(content, str) and content:
                        yield content
        finally:
            # On cancellation too: drop the connection so the server stops at once.
            response.close()

    async def _read_line(self, response: aiohttp.ClientResponse, deadline: float) -> bytes:
        """The next line, or `StreamError` once ``deadline`` (loop time) has passed."""
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(max(remaining, 0.0)):
                return await response.content.readline()
        except TimeoutError as e:
            raise StreamError(f"no data for {self._read_timeout:.1f}s from {self._url}") from e
        except ValueError as e:  # aiohttp: a line longer than its buffer limit
            raise StreamError(f"event line too long from {self._url}") from e
        except aiohttp.ClientError as e:  # the server dropped the connection mid-stream
            raise StreamError(f"stream from {self._url} broke: {e}") from e

    async def _error_detail(self, response: aiohttp.ClientResponse) -> str:
        try:
            async with asyncio.timeout(self._read_timeout):
                return (await response.text(errors="replace"))[:200]
        except (TimeoutError, aiohttp.ClientError):
            return "(no body)"

    async def __aenter__(self) -> "OpenAICompatibleNode":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session the node owns."""
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()
        logger.trace(f"{self}: closed")
