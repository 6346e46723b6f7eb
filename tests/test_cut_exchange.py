#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A snapshot keeps the exchange the interruption cut, whatever the length of the call."""

from typing import Any

import pytest
from pipecat.frames.frames import (
    InterruptionFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSTextFrame,
)
from pipecat.processors.aggregators.llm_context import LLMContext

from pipecat_interrupts.detectors import PhraseInterruptionDetector
from pipecat_interrupts.replies import DEFAULT_CONTEXT_WINDOW, ContextWriter, cut_exchange
from pipecat_interrupts.replies.tracker import ReplyTracker

MARKER = " [interrupted]"


class ReadCounting(list[Any]):
    """A message list that counts the messages read one by one."""

    reads = 0

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            self.reads += 1
        return super().__getitem__(index)


def call_of(length: int) -> list[dict[str, Any]]:
    """``length`` messages of an earlier call, taking turns, the bot's last."""
    roles = ("assistant", "user")
    return [{"role": roles[(length - 1 - n) % 2], "content": f"m{n}"} for n in range(length)]


QUESTION = {"role": "user", "content": "What is the weather in Paris?"}
TOOL_CALL = {"role": "assistant", "tool_calls": [{"id": "t1", "function": {"name": "weather"}}]}
TOOL_RESULT = {"role": "tool", "tool_call_id": "t1", "content": "sunny, 21 C"}


@pytest.mark.parametrize("length", [10, 1000])
def test_the_exchange_runs_from_the_question_through_tools_to_the_reply(length):
    reply = {"role": "assistant", "content": "It is sunny" + MARKER}
    messages = ReadCounting([*call_of(length), QUESTION, TOOL_CALL, TOOL_RESULT, reply])
    exchange = cut_exchange(messages, reply, DEFAULT_CONTEXT_WINDOW)
    assert list(exchange) == [QUESTION, TOOL_CALL, TOOL_RESULT, reply]
    # Only the exchange is read, walking back from the end: the same at 10 and 1,000.
    assert messages.reads == 4


def test_a_caller_message_committed_after_the_reply_does_not_hide_the_question():
    reply = {"role": "assistant", "content": "It is sunny" + MARKER}
    next_turn = {"role": "user", "content": "and tomorrow?"}
    messages = [*call_of(10), QUESTION, reply, next_turn]
    assert list(cut_exchange(messages, reply, DEFAULT_CONTEXT_WINDOW)) == [
        QUESTION,
        reply,
        next_turn,
    ]


def test_a_reply_nothing_was_heard_of_starts_at_the_last_caller_message():
    messages = [*call_of(10), QUESTION, TOOL_CALL, TOOL_RESULT]
    assert list(cut_exchange(messages, None, DEFAULT_CONTEXT_WINDOW)) == [
        QUESTION,
        TOOL_CALL,
        TOOL_RESULT,
    ]


def test_when_the_bot_spoke_first_the_exchange_starts_at_the_beginning():
    system = {"role": "system", "content": "You are helpful."}
    greeting = {"role": "assistant", "content": "Hello, how" + MARKER}
    assert list(cut_exchange([system, greeting], greeting, None)) == [system, greeting]
    assert list(cut_exchange([system, greeting], greeting, 16)) == [system, greeting]


def test_a_long_exchange_keeps_its_most_recent_messages_up_to_the_limit():
    tools = [TOOL_CALL, TOOL_RESULT] * 20
    reply = {"role": "assistant", "content": "Done" + MARKER}
    messages = ReadCounting([*call_of(1000), QUESTION, *tools, reply])
    exchange = cut_exchange(messages, reply, 16)
    assert list(exchange) == [*tools[-15:], reply]
    assert messages.reads == 16
    assert list(cut_exchange(messages, reply, None)) == [QUESTION, *tools, reply]


def _cut(context: LLMContext) -> Any:
    tracker = ReplyTracker(
        ContextWriter(context, marker=MARKER),
        PhraseInterruptionDetector(),
        context_window=DEFAULT_CONTEXT_WINDOW,
    )
    start = LLMFullResponseStartFrame()
    tracker.note_frame(start, generated_by_llm=True)
    tracker.note_frame(LLMTextFrame("It is sunny. And warm."), generated_by_llm=True)
    tracker.observe(TTSTextFrame("It is sunny.", text_type="sentence", context_id="c1"))
    cut = tracker.interrupted(
        InterruptionFrame(), conversation_id="c", messages=context.get_messages(), watching=False
    )
    assert cut is not None
    return cut


@pytest.mark.parametrize("length", [10, 1000])
def test_a_snapshot_holds_the_cut_exchange_deep_copied_whatever_the_call_length(length):
    context = LLMContext([*call_of(length), dict(QUESTION)])
    snapshot = _cut(context).snapshot
    assert list(snapshot.context_messages) == [
        QUESTION,
        {"role": "assistant", "content": "It is sunny." + MARKER},
    ]
    messages = context.get_messages()
    messages[-2]["content"] = "changed later"
    messages[-1]["content"] = "rewritten later"
    assert snapshot.context_messages[0]["content"] == QUESTION["content"]
    assert snapshot.context_messages[1]["content"] == "It is sunny." + MARKER
