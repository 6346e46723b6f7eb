#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`OpenAIInterruptionClassifier`: asks an OpenAI-compatible chat endpoint to classify.

Off by default: plug it into a `ModelInterruptionDetector`. It streams
``/chat/completions`` (OpenAI, vLLM, llama.cpp, Ollama, LM Studio...) with a short
prompt and reads one word back. A stream that ends without ``[DONE]`` or a
``finish_reason`` is an error, not an answer; the detector's deadline bounds the call.
"""

import json

import aiohttp

from pipecat_interrupts.detectors.model_detector import ModelLabel, read_label
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_PROMPT = (
    "A caller spoke while a voice assistant was talking. Decide whether the caller is "
    "taking the floor (a request, a question, a correction, asking to repeat, asking the "
    "assistant to stop) or only acknowledging (backchannel: 'mhm', 'yeah', thanks, an "
    "emotional reaction such as 'wow' or 'really?'). The utterance may be in any language. "
    "Answer with exactly one word: interrupt or backchannel."
)


class ClassifierError(Exception):
    """The endpoint's answer could not be read (HTTP status, bad or cut-off stream)."""


class OpenAIInterruptionClassifier:
    """An `InterruptionClassifier` backed by an OpenAI-compatible chat endpoint."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        prompt: str = DEFAULT_PROMPT,
        request_timeout_secs: float = 5.0,
    ):
        """Initialize the classifier.

        Args:
            base_url: The API base (``https://api.openai.com/v1``, ``http://localhost:8000/v1``).
            model: The model name.
            api_key: Sent as a bearer token when given.
            prompt: The system prompt.
            request_timeout_secs: Upper bound of one request (the detector's deadline is
                usually shorter and wins).

        Raises:
            TypeError, ValueError: If an argument has the wrong type or value.
        """
        for name, value in (("base_url", base_url), ("model", model), ("prompt", prompt)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string")
        if api_key is not None and not isinstance(api_key, str):
            raise TypeError("api_key must be a string or None")
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._api_key = api_key
        self._prompt = prompt
        self._timeout = require_positive_secs("request_timeout_secs", request_timeout_secs)
        self._session: aiohttp.ClientSession | None = None
        self.name = f"{type(self).__name__}({model})"

    def __str__(self) -> str:
        return self.name

    async def classify(self, text: str, language: str | None) -> ModelLabel:
        """Ask the endpoint.

        Args:
            text: The utterance.
            language: Its language code, if known (told to the model).

        Returns:
            The label (`ModelLabel.UNSURE` when the reply is neither word).

        Raises:
            ClassifierError: On an HTTP error or a stream that breaks off.
        """
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
        said = f"[{language}] {text}" if language else text
        body = {
            "model": self._model,
            "stream": True,
            "max_tokens": 3,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": self._prompt},
                {"role": "user", "content": said},
            ],
        }
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        async with self._session.post(self._url, json=body, headers=headers) as response:
            if response.status != 200:
                raise ClassifierError(f"{self}: HTTP {response.status}")
            reply = await self._read_stream(response)
        words = reply.strip().strip(".!").lower().split()
        return read_label(words[0]) if words else ModelLabel.UNSURE

    async def _read_stream(self, response: aiohttp.ClientResponse) -> str:
        parts: list[str] = []
        async for raw in response.content:
            line = raw.decode("utf-8", errors="replace").strip()
            if not line or line.startswith(":"):
                continue
            if not line.startswith("data:"):
                raise ClassifierError(f"{self}: not an event line: {line[:80]!r}")
            data = line[5:].strip()
            if data == "[DONE]":
                return "".join(parts)
            try:
                chunk = json.loads(data)
            except json.JSONDecodeError as error:
                raise ClassifierError(f"{self}: bad event: {data[:80]!r}") from error
            if "error" in chunk:
                raise ClassifierError(f"{self}: error event: {str(chunk['error'])[:120]}")
            for choice in chunk.get("choices") or []:
                parts.append((choice.get("delta") or {}).get("content") or "")
                if choice.get("finish_reason"):
                    return "".join(parts)
        raise ClassifierError(f"{self}: the stream ended without [DONE] or a finish_reason")

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
