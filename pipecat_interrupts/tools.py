#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`SpeechGate`: a tool runs only once the reply that asked for it has been heard.

Pipecat runs a function call as soon as the LLM's stream ends, while the TTS is still
speaking the text that came before it. If the caller barges in during that speech, the
reply is cut off, but the call has already run: a hallucinated ``end_call`` hangs up on
a caller who is still talking (pipecat#4997). Pipecat's per-tool setting only covers a
call still *running* at the interruption:

- ``register_function(name, handler, cancel_on_interruption=True)`` (the default): the
  LLM service cancels the running call on an ``InterruptionFrame``;
- ``cancel_on_interruption=False``: the call runs to completion (an "async" tool).

The gate closes the remaining hole for tools with side effects. Place it right after
``transport.output()``; wrap a handler with `SpeechGate.guard`::

    gate = SpeechGate()
    llm.register_function("end_call", gate.guard(end_call))   # cancel_on_interruption default
    pipeline = Pipeline([..., llm, tts, transport.output(), gate, assistant_aggregator])

A guarded handler first waits until the call's ``FunctionCallInProgressFrame`` (which
Pipecat pushes downstream, in order behind the reply's text, just before invoking the
handler) comes out of the output transport, i.e. until the text before the call has
been played. If an ``InterruptionFrame`` passes first, the handler never runs: with
``cancel_on_interruption=True`` Pipecat cancels the waiting call itself; with ``False``
the gate reports ``{"status": "not_run", ...}`` as the call's result so it does not stay
"in progress". Past ``max_wait_secs`` (a misplaced gate), the handler runs with a
warning, as it would without the gate.
"""

import asyncio
import functools
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame, FunctionCallInProgressFrame, InterruptionFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from pipecat_interrupts.event_handlers import (
    DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
    DeadlineEventHandlersMixin,
)
from pipecat_interrupts.validation import require_callable, require_positive_secs

DEFAULT_MAX_WAIT_SECS = 30.0

NOT_RUN_RESULT = {
    "status": "not_run",
    "reason": "the user interrupted before this reply was heard; the tool was not run",
}


class SpeechGate(DeadlineEventHandlersMixin, FrameProcessor):
    """Holds guarded tools until the reply that requested them has been played.

    Event handlers available:

    - on_tool_skipped(gate, function_name: str, tool_call_id: str)

    Handlers run under ``event_handler_timeout_secs`` each (`DeadlineEventHandlersMixin`).
    """

    def __init__(
        self,
        *,
        max_wait_secs: float = DEFAULT_MAX_WAIT_SECS,
        event_handler_timeout_secs: float = DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
        **kwargs: Any,
    ) -> None:
        """Initialize the gate.

        Args:
            max_wait_secs: Longest wait for a reply to be played before running anyway.
            event_handler_timeout_secs: Deadline for each ``on_tool_skipped`` handler.
            **kwargs: `FrameProcessor` arguments.

        Raises:
            ValueError: If a duration is not finite and positive.
            TypeError: If a duration is not a number.
        """
        max_wait = require_positive_secs("max_wait_secs", max_wait_secs)
        super().__init__(event_handler_timeout_secs=event_handler_timeout_secs, **kwargs)
        self._max_wait = max_wait
        self._played: deque[str] = deque(maxlen=256)  # tool_call_ids already out
        self._interruptions = 0
        self._changed = asyncio.Event()
        self._register_event_handler("on_tool_skipped")

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Note calls whose reply was played and interruptions; forward everything.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if direction == FrameDirection.DOWNSTREAM:
            if isinstance(frame, FunctionCallInProgressFrame):
                self._played.append(frame.tool_call_id)
                self._notify()
            elif isinstance(frame, InterruptionFrame):
                self._interruptions += 1
                self._notify()
        await self.push_frame(frame, direction)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def guard(self, handler: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
        """Wrap a Pipecat function-call handler so it runs only after its reply was heard.

        Args:
            handler: ``async def handler(params: FunctionCallParams)``.

        Returns:
            The guarded handler, to pass to ``llm.register_function``.
        """
        require_callable("handler", handler)

        @functools.wraps(handler)
        async def guarded(params: Any) -> None:
            if await self._wait_until_heard(params.tool_call_id):
                await handler(params)
                return
            logger.info(f"{self}: {params.function_name} not run: the user interrupted its reply")
            await self._call_event_handler(
                "on_tool_skipped", params.function_name, params.tool_call_id
            )
            await params.result_callback(dict(NOT_RUN_RESULT))

        return guarded

    async def _wait_until_heard(self, tool_call_id: str) -> bool:
        interruptions = self._interruptions
        try:
            async with asyncio.timeout(self._max_wait):
                while True:
                    if self._interruptions != interruptions:
                        return False
                    if tool_call_id in self._played:
                        return True
                    await self._changed.wait()
        except TimeoutError:
            logger.warning(
                f"{self}: reply of call {tool_call_id} not played within {self._max_wait:.1f}s "
                "(is the gate right after transport.output()?); running the tool"
            )
            return True
