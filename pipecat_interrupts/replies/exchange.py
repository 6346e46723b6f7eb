#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`cut_exchange`: the context messages of the exchange an interruption cut.

A snapshot keeps the context its reply was cut in, for the next generation to resume,
summarise or apologise: the caller's message the reply answered, what the bot did for
it (tool calls and their results) and the reply's own message, already holding only
what was heard, marked. That is what a recovery needs, and its size is set by the
exchange, not by how long the call has been going: found by walking back from the end
of the context, never by reading the whole of it, so a snapshot costs the same at 10
and at 1,000 messages.
"""

from collections.abc import Sequence
from typing import Any


def is_caller_message(message: object) -> bool:
    """Whether ``message`` is a standard context message from the caller (``"user"``)."""
    return isinstance(message, dict) and message.get("role") == "user"


def cut_exchange(
    messages: Sequence[Any], reply_message: object | None, limit: int | None
) -> Sequence[Any]:
    """The messages of the exchange an interruption cut, the most recent at most ``limit``.

    The exchange runs from the caller's message before the cut reply's own message (the
    question it answered) to the end of the context (the reply's message, an
    interruption note, and the caller's next message if it was already committed). A
    reply nothing was heard of has no message: the exchange then starts at the context's
    last caller message. When the bot spoke first (no caller message before the reply),
    it starts at the beginning of the context. Only the messages walked over are read.

    Args:
        messages: The context's messages, oldest first.
        reply_message: The cut reply's message (compared by identity), or None.
        limit: Most messages returned (the most recent ones); None for no bound.

    Returns:
        A slice of ``messages`` (not copied).
    """
    end = len(messages)
    floor = 0 if limit is None else max(0, end - limit)
    reply_seen = reply_message is None
    for index in range(end - 1, floor - 1, -1):
        message = messages[index]
        if message is reply_message:
            reply_seen = True
        elif reply_seen and is_caller_message(message):
            return messages[index:end]
    return messages[floor:end]
