#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FakeLLMService`: a network-free streaming LLM for barge-in tests."""

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    Frame,
    FunctionCallFromLLM,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
)
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.llm_service import LLMService
from pipecat.services.settings import LLMSettings

from pipecat_interrupts.testing.virtual_time import monotonic
from pipecat_interrupts.validation import require_name, require_positive_secs, require_text


@dataclass(frozen=True)
class FakeToolCall:
    """A tool call the fake LLM requests after streaming a reply's text.

    Parameters:
        name: The function name (register a handler with ``llm.register_function``).
        arguments: Its arguments.
    """

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_name("name", self.name)
        if not isinstance(self.arguments, dict):
            raise TypeError(f"arguments must be a dict, got {type(self.arguments).__name__}")


@dataclass(frozen=True)
class FakeReply:
    """A scripted reply: text streamed token by token, then tool calls.

    Tool calls go through Pipecat's own ``run_function_calls``, so each function's
    ``cancel_on_interruption`` setting applies.

    Parameters:
        text: The text to stream.
        tool_calls: Tool calls requested once the text has streamed.
    """

    text: str = ""
    tool_calls: tuple[FakeToolCall, ...] = ()

    def __post_init__(self) -> None:
        require_text("text", self.text)
        if not isinstance(self.tool_calls, tuple | list) or not all(
            isinstance(call, FakeToolCall) for call in self.tool_calls
        ):
            raise TypeError(f"tool_calls must be a tuple of FakeToolCall, got {self.tool_calls!r}")
        object.__setattr__(self, "tool_calls", tuple(self.tool_calls))


ReplySource = Sequence[str | FakeReply] | Callable[[LLMContext], str | FakeReply]


@dataclass
class FakeLLMRun:
    """One completion of the fake LLM.

    Parameters:
        reply: The full scripted reply.
        tokens_pushed: Tokens pushed before the run ended.
        started_at: The kit's `monotonic` clock at start (virtual on virtual time).
        ended_at: The same clock at the end, None while running.
        cancelled: True when an interruption cancelled the run.
        tool_calls: Names of the tool calls the run requested (it finished).
    """

    reply: str
    tokens_pushed: list[str] = field(default_factory=list)
    started_at: float = field(default_factory=monotonic)
    ended_at: float | None = None
    cancelled: bool = False
    tool_calls: list[str] = field(default_factory=list)

    @property
    def generated_text(self) -> str:
        """The text streamed before the run ended."""
        return "".join(self.tokens_pushed)


def tokenize(text: str) -> list[str]:
    """Split text into word tokens that keep their trailing spaces.

    Args:
        text: The reply.

    Returns:
        Tokens whose concatenation is ``text`` minus leading spaces.
    """
    return re.findall(r"\S+\s*", text)


class FakeLLMService(LLMService):
    """Streams scripted replies token by token, like a real streaming LLM.

    Each `LLMContextFrame` starts a run that pushes ``LLMFullResponseStartFrame``, one
    ``LLMTextFrame`` per word (after ``token_delay_secs`` each) and
    ``LLMFullResponseEndFrame``. The run happens inside ``process_frame``, as in
    Pipecat's OpenAI service, so an `InterruptionFrame` cancels it; the end frame is
    still pushed, and the run is recorded as cancelled.

    Example::

        llm = FakeLLMService(replies=["Hello there. How can I help?"], token_delay_secs=0.01)
        ...
        assert llm.cancelled_runs == []
    """

    def __init__(
        self,
        *,
        replies: ReplySource = (),
        default_reply: str = "Okay.",
        token_delay_secs: float = 0.02,
        **kwargs: Any,
    ) -> None:
        """Initialize the fake LLM.

        Args:
            replies: Replies used in order, one per run; or a callable that builds the
                reply from the `LLMContext`.
            default_reply: Used when the scripted replies run out.
            token_delay_secs: Delay before each token.
            **kwargs: `LLMService` arguments.

        Raises:
            TypeError: If ``replies`` is neither a sequence of strings nor callable.
            ValueError: If ``token_delay_secs`` is negative.
        """
        super().__init__(
            settings=LLMSettings(
                model="fake-llm",
                system_instruction=None,
                temperature=None,
                max_tokens=None,
                top_p=None,
                top_k=None,
                frequency_penalty=None,
                presence_penalty=None,
                seed=None,
                filter_incomplete_user_turns=False,
                user_turn_completion_config=None,
                use_provider_thinking_default=False,
            ),
            **kwargs,
        )
        if callable(replies):
            self._reply_fn: Callable[[LLMContext], str | FakeReply] | None = replies
            self._replies: list[str | FakeReply] = []
        else:
            if (
                isinstance(replies, str)
                or not isinstance(replies, Iterable)
                or not all(isinstance(r, str | FakeReply) for r in replies)
            ):
                raise TypeError(
                    f"replies must be a list of strings / FakeReply, or a callable, got {replies!r}"
                )
            self._reply_fn = None
            self._replies = list(replies)
        self._default_reply = require_text("default_reply", default_reply)
        self._token_delay_secs = require_positive_secs(
            "token_delay_secs", token_delay_secs, allow_zero=True
        )
        self.runs: list[FakeLLMRun] = []

    @property
    def cancelled_runs(self) -> list[FakeLLMRun]:
        """The runs an interruption cancelled."""
        return [run for run in self.runs if run.cancelled]

    def add_reply(self, reply: str) -> None:
        """Queue one more scripted reply.

        Args:
            reply: The reply text.
        """
        self._replies.append(reply)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Run a completion for each `LLMContextFrame`; forward everything else.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMContextFrame):
            await self._run(frame.context)
        else:
            await self.push_frame(frame, direction)

    def _next_reply(self, context: LLMContext) -> str | FakeReply:
        if self._reply_fn is not None:
            return self._reply_fn(context)
        return self._replies.pop(0) if self._replies else self._default_reply

    async def _run(self, context: LLMContext) -> None:
        reply = self._next_reply(context)
        if isinstance(reply, str):
            reply = FakeReply(text=reply)
        run = FakeLLMRun(reply=reply.text)
        self.runs.append(run)
        logger.debug(f"{self}: run {len(self.runs)} streams {run.reply!r}")
        await self.push_frame(LLMFullResponseStartFrame())
        try:
            for token in tokenize(run.reply):
                await asyncio.sleep(self._token_delay_secs)
                await self._push_llm_text(token)
                run.tokens_pushed.append(token)
        except asyncio.CancelledError:
            run.cancelled = True
            logger.debug(
                f"{self}: run {len(self.runs)} cancelled after {len(run.tokens_pushed)} tokens"
            )
            raise
        finally:
            run.ended_at = monotonic()
            await self.push_frame(LLMFullResponseEndFrame())
        if reply.tool_calls:
            # Only a generation that finished requests its tools: an interrupted one
            # was cancelled above and never gets here.
            run.tool_calls = [c.name for c in reply.tool_calls]
            await self.run_function_calls(
                [
                    FunctionCallFromLLM(
                        function_name=call.name,
                        tool_call_id=f"call_{len(self.runs)}_{i}",
                        arguments=call.arguments,
                        context=context,
                    )
                    for i, call in enumerate(reply.tool_calls)
                ]
            )
