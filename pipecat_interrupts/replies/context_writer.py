#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`ContextWriter`: the only writer of the bot's spoken replies in the LLM context.

Each reply (with its resumed remainders) owns one assistant message. The message is
added to the context when the first text of the reply plays, and from then on updated
by reference (the same dict) as more plays, late chunk included: it always holds
exactly what the output transport played, never text matched against another
processor's commit. A reply cut with something unsaid ends with the interrupted marker
(and, optionally, a note message after it) until a resumed remainder finishes it.
"""

from typing import Any

from loguru import logger
from pipecat.processors.aggregators.llm_context import LLMContext

from pipecat_interrupts.replies.reply import Reply, ReplyState
from pipecat_interrupts.replies.text import join_played


class ContextWriter:
    """Writes each reply's assistant message from what was played."""

    __slots__ = ("_context", "_marker", "_note", "_note_role")

    def __init__(
        self,
        context: LLMContext | None = None,
        *,
        marker: str = "",
        note: str | None = None,
        note_role: str = "system",
    ):
        """Initialize the writer.

        Args:
            context: The context to write to (may be attached later).
            marker: Appended to a cut reply's message ("" for none).
            note: A message placed after a cut reply's message, if any.
            note_role: That message's role.

        Raises:
            TypeError: If an argument has the wrong type.
        """
        if context is not None and not isinstance(context, LLMContext):
            raise TypeError(f"context must be an LLMContext, got {type(context).__name__}")
        if not isinstance(marker, str):
            raise TypeError("interrupted_marker must be a string")
        if note is not None and not isinstance(note, str):
            raise TypeError("interruption_note must be a string or None")
        self._context = context
        self._marker = marker
        self._note = note
        self._note_role = note_role

    @property
    def context(self) -> LLMContext | None:
        """The context written to."""
        return self._context

    def attach(self, context: LLMContext) -> None:
        """Write to ``context`` from now on.

        Raises:
            TypeError: If ``context`` is not an `LLMContext`.
        """
        if not isinstance(context, LLMContext):
            raise TypeError(f"context must be an LLMContext, got {type(context).__name__}")
        self._context = context

    def write(self, reply: Reply) -> None:
        """(Re)write the message of ``reply``'s answer from what was played of it."""
        if self._context is None:
            return
        chain = reply.chain
        root = chain[0]
        heard = join_played([part for r in chain for part in r.played])
        if not heard:
            return
        marked = chain[-1].state is not ReplyState.FINISHED and any(r.still_cut for r in chain)
        content = heard + self._marker if marked else heard
        if root.message is None:
            root.message = {"role": "assistant", "content": content}
            self._place(root)
        else:
            root.message["content"] = content
        if marked and self._note and root.note is None:
            self._insert_note(root)
        elif not marked and root.note is not None:
            self._remove(root.note)
            root.note = None

    def interrupted(self, reply: Reply) -> None:
        """``reply`` was cut: mark its message, or note where it goes if a late chunk plays.

        A reply cut before any of it was heard can still have its first words played
        late (Pipecat's late chunk); they were heard by the interruption, before the
        caller's turn that follows was committed, so its message goes where the context
        ended then (or earlier, where its audio started).
        """
        self.starts_playing(reply)
        self.write(reply)

    def starts_playing(self, reply: Reply) -> None:
        """``reply``'s audio starts (or it was cut): its message goes where the context ends now.

        With sentence-level TTS a reply's first text is released only after its first
        sentence played; a caller's turn committed meanwhile came after it started.
        """
        root = reply.root
        if root.message is None and root.place_after is None and self._context is not None:
            messages = self._messages()
            root.place_after = (messages[-1] if messages else None,)

    def _place(self, root: Reply) -> None:
        assert self._context is not None and root.message is not None
        messages = self._messages()
        if root.place_after is not None:
            (after,) = root.place_after
            index = 0 if after is None else _index_of(messages, after)
            if index is not None:
                position = index if after is None else index + 1
                messages.insert(position, root.message)
                logger.trace(
                    f"ContextWriter: {root}'s message goes where it started, at {position}"
                )
                return
        self._context.add_message(root.message)  # type: ignore[arg-type]
        logger.trace(f"ContextWriter: {root} owns a new assistant message")

    def _insert_note(self, root: Reply) -> None:
        messages = self._messages()
        index = _index_of(messages, root.message)
        if index is None:
            return
        root.note = {"role": self._note_role, "content": self._note}
        messages.insert(index + 1, root.note)

    def _remove(self, message: dict[str, Any]) -> None:
        messages = self._messages()
        index = _index_of(messages, message)
        if index is not None:
            del messages[index]

    def _messages(self) -> list[Any]:
        # LLMContext keeps its list and hands it out; edits by identity keep everyone's
        # references (the aggregators', ours) valid.
        assert self._context is not None
        return self._context.messages


def _index_of(messages: list[Any], message: object) -> int | None:
    for i in range(len(messages) - 1, -1, -1):
        if messages[i] is message:
            return i
    return None
