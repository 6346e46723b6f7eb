#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Interruption snapshots and where they are kept.

An `InterruptionSnapshot` freezes, at the moment the bot was cut off, what it had
generated versus what the caller actually heard, why it was cut off, and the context
messages of the exchange it cut (`cut_exchange`), copied at that moment. A
`SnapshotStore` keeps the recent ones per conversation so the next generation can
resume, summarise or apologise.
"""

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pipecat_interrupts import clocks
from pipecat_interrupts.replies.exchange import cut_exchange
from pipecat_interrupts.replies.message_copy import copy_message
from pipecat_interrupts.replies.text import unheard_remainder
from pipecat_interrupts.validation import require_non_negative_int

if TYPE_CHECKING:
    from pipecat_interrupts.replies.reply import Reply

DEFAULT_CONVERSATION = "default"
DEFAULT_CONTEXT_WINDOW = 16
"""Most context messages a snapshot keeps. A snapshot keeps the exchange its reply was
cut in (`cut_exchange`: the caller's message, the bot's tool calls, the reply), whose
size does not grow with the call; this only bounds an unusually long exchange (a chain
of tool calls), keeping its most recent messages."""


def unspoken_remainder(generated: str, spoken: str) -> str:
    """The part of ``generated`` the caller did not hear.

    Aligned by characters (see `unheard_remainder`), so it holds for words, sentences
    and languages written without spaces.

    Args:
        generated: Everything generated for the response.
        spoken: What was played.

    Returns:
        The rest, or "" when everything was heard.
    """
    return unheard_remainder(generated, spoken)


@dataclass(frozen=True, slots=True)
class InterruptionSnapshot:
    """What the bot had generated versus what the caller heard when it was cut off.

    Parameters:
        conversation_id: The conversation this belongs to.
        reason: Why the bot was cut off: the controller's decision (``"phrase"``,
            ``"text"``, ``"vad"``, ``"emergency_stop"``...), or without one what the
            snapshotter saw (``"vad"``: voice activity and no words yet; ``"text"``;
            ``"emergency_stop"``, ``"agent_handoff"``), else ``"interruption"``.
        trigger: Name of the frame behind the decision, if any.
        flush_id: The `FlushCoordinator`'s flush id, if a coordinator is in place.
        generated_text: Everything the LLM (or a `TTSSpeakFrame`) produced for the reply.
        spoken_text: What the output transport played (word level with word-timestamp
            TTS, sentence level otherwise).
        unspoken_text: The generated words the caller never heard.
        user_text: What the caller said to cut in, if known.
        bot_started_at: ``time.monotonic()`` when the bot started this reply, if it did.
        interrupted_at: ``time.monotonic()`` when the interruption reached the recorder.
        spoken_secs: Seconds of audio played for this reply.
        context_messages: Deep copy of the LLM context messages of the exchange the
            interruption cut, at that moment (`cut_exchange`): from the caller's message
            the reply answered (the start of the context if the bot spoke first) to the
            end, the reply's own message included; at most `DEFAULT_CONTEXT_WINDOW` (the
            most recent) by default. Its size does not depend on the call's length.
        created_at: Wall-clock time (``time.time()``).
        generation_complete: False when the interruption also cut the LLM's stream:
            ``generated_text`` (and so ``unspoken_text``) is then only what had been
            generated, not the whole answer the model would have given.
    """

    conversation_id: str
    reason: str
    trigger: str | None
    flush_id: str | None
    generated_text: str
    spoken_text: str
    unspoken_text: str
    user_text: str | None
    bot_started_at: float | None
    interrupted_at: float
    spoken_secs: float
    context_messages: tuple[dict[str, Any], ...] = ()
    created_at: float = field(default_factory=clocks.wall_time)
    generation_complete: bool = True

    @property
    def speaking_secs(self) -> float:
        """How long the bot had been speaking when it was cut off (0 if it had not)."""
        if self.bot_started_at is None:
            return 0.0
        return max(0.0, self.interrupted_at - self.bot_started_at)

    @property
    def fully_heard(self) -> bool:
        """Whether the caller heard everything that was generated."""
        return not self.unspoken_text

    @staticmethod
    def copy_messages(
        messages: Sequence[Any], window: int | None = None
    ) -> tuple[dict[str, Any], ...]:
        """Deep-copy context messages so later edits cannot change the snapshot.

        Args:
            messages: The context's messages.
            window: Keep only the last ``window`` messages (None keeps all).

        Returns:
            The copies.
        """
        if window is not None:
            messages = messages[max(0, len(messages) - window) :]
        return tuple(
            copy_message(dict(m) if isinstance(m, dict) and type(m) is not dict else m)
            for m in messages
        )


@runtime_checkable
class SnapshotStore(Protocol):
    """Where snapshots are kept. Implement it to keep them in your own storage."""

    def add(self, snapshot: InterruptionSnapshot) -> None:
        """Keep a snapshot."""
        ...

    def latest(self, conversation_id: str = DEFAULT_CONVERSATION) -> InterruptionSnapshot | None:
        """The most recent snapshot of a conversation, or None."""
        ...

    def pop(self, conversation_id: str = DEFAULT_CONVERSATION) -> InterruptionSnapshot | None:
        """Remove and return the most recent snapshot of a conversation, or None."""
        ...

    def all(self, conversation_id: str = DEFAULT_CONVERSATION) -> list[InterruptionSnapshot]:
        """A conversation's snapshots, oldest first."""
        ...

    def clear(self, conversation_id: str | None = None) -> None:
        """Forget one conversation's snapshots, or all of them."""
        ...


class InMemorySnapshotStore:
    """A bounded in-memory `SnapshotStore`.

    Keeps the last ``max_per_conversation`` snapshots of each conversation and the last
    ``max_conversations`` conversations (least recently updated are forgotten first).
    """

    __slots__ = ("_by_conversation", "_max_conversations", "_max_per")

    def __init__(self, *, max_per_conversation: int = 20, max_conversations: int = 1000):
        """Initialize the store.

        Args:
            max_per_conversation: Snapshots kept per conversation.
            max_conversations: Conversations kept.

        Raises:
            TypeError, ValueError: If a bound is not a positive int.
        """
        self._max_per = require_non_negative_int("max_per_conversation", max_per_conversation)
        self._max_conversations = require_non_negative_int("max_conversations", max_conversations)
        if self._max_per == 0:
            raise ValueError("max_per_conversation must be >= 1")
        if self._max_conversations == 0:
            raise ValueError("max_conversations must be >= 1")
        # Least recently updated first.
        self._by_conversation: dict[str, deque[InterruptionSnapshot]] = {}

    @property
    def max_per_conversation(self) -> int:
        """The per-conversation bound."""
        return self._max_per

    def add(self, snapshot: InterruptionSnapshot) -> None:
        """Keep a snapshot, forgetting the oldest past the bounds.

        Args:
            snapshot: The snapshot.
        """
        key = snapshot.conversation_id
        snapshots = self._by_conversation.pop(key, None) or deque(maxlen=self._max_per)
        snapshots.append(snapshot)
        self._by_conversation[key] = snapshots
        while len(self._by_conversation) > self._max_conversations:
            del self._by_conversation[next(iter(self._by_conversation))]

    def latest(self, conversation_id: str = DEFAULT_CONVERSATION) -> InterruptionSnapshot | None:
        """The most recent snapshot of a conversation, or None."""
        snapshots = self._by_conversation.get(conversation_id)
        return snapshots[-1] if snapshots else None

    def pop(self, conversation_id: str = DEFAULT_CONVERSATION) -> InterruptionSnapshot | None:
        """Remove and return the most recent snapshot of a conversation, or None."""
        snapshots = self._by_conversation.get(conversation_id)
        return snapshots.pop() if snapshots else None

    def all(self, conversation_id: str = DEFAULT_CONVERSATION) -> list[InterruptionSnapshot]:
        """A conversation's snapshots, oldest first."""
        return list(self._by_conversation.get(conversation_id, ()))

    def clear(self, conversation_id: str | None = None) -> None:
        """Forget one conversation's snapshots, or all of them."""
        if conversation_id is None:
            self._by_conversation.clear()
        else:
            self._by_conversation.pop(conversation_id, None)

    def __len__(self) -> int:
        return sum(len(s) for s in self._by_conversation.values())


RECOVERY_TEMPLATES: dict[str, str] = {
    "resume": (
        'You were interrupted. The user heard: "{spoken}". They did not hear: "{unspoken}". '
        "If it is still relevant after their reply, continue from where they stopped hearing you."
    ),
    "summarise": (
        'You were interrupted before finishing. The user did not hear: "{unspoken}". '
        "If it still matters, summarise it in one short sentence."
    ),
    "apologise": (
        'You were interrupted while saying: "{spoken}". Briefly acknowledge the interruption '
        "and answer what the user said."
    ),
}


def recovery_message(
    snapshot: InterruptionSnapshot, mode: str = "resume", *, role: str = "system"
) -> dict[str, str]:
    """A context message that helps the next generation recover from an interruption.

    Example::

        snapshot = snapshotter.store.pop(conversation_id)
        if snapshot and not snapshot.fully_heard:
            context.add_message(recovery_message(snapshot, "summarise"))

    Args:
        snapshot: The interruption to recover from.
        mode: ``"resume"``, ``"summarise"`` or ``"apologise"``, or your own template
            with ``{spoken}`` and ``{unspoken}`` fields.
        role: The message role.

    Returns:
        The message.
    """
    template = RECOVERY_TEMPLATES.get(mode, mode)
    return {
        "role": role,
        "content": template.format(spoken=snapshot.spoken_text, unspoken=snapshot.unspoken_text),
    }


def snapshot_of(
    reply: "Reply",
    *,
    conversation_id: str,
    reason: str,
    trigger: str | None,
    flush_id: str | None,
    user_text: str | None,
    interrupted_at: float,
    context_messages: Sequence[Any],
    context_window: int | None,
) -> InterruptionSnapshot:
    """A frozen view of ``reply`` at the moment it was cut.

    Args:
        reply: The cut reply.
        conversation_id: The conversation.
        reason: Why it was cut.
        trigger: The frame behind the decision, if any.
        flush_id: The flush id, if any.
        user_text: What the caller said, if known.
        interrupted_at: Clock time of the interruption.
        context_messages: The context's messages (only the cut exchange is read and
            copied: `cut_exchange`).
        context_window: Most messages of the exchange to copy (None: no bound).

    Returns:
        The snapshot.
    """
    heard = reply.heard_text
    generated = reply.generated_text
    return InterruptionSnapshot(
        conversation_id=conversation_id,
        reason=reason,
        trigger=trigger,
        flush_id=flush_id,
        generated_text=generated,
        spoken_text=heard,
        unspoken_text=unspoken_remainder(generated, heard),
        user_text=user_text,
        bot_started_at=reply.started_at,
        interrupted_at=interrupted_at,
        spoken_secs=reply.spoken_secs,
        context_messages=InterruptionSnapshot.copy_messages(
            cut_exchange(context_messages, reply.root.message, context_window)
        ),
        generation_complete=not reply.cut_while_generating,
    )


def conversation_id_of(given: str | None, worker: object | None) -> str:
    """The key a snapshot is stored under: the one given, else the pipeline worker's.

    Args:
        given: The ``conversation_id`` given to the snapshotter, or None.
        worker: The pipeline worker, if known.

    Returns:
        The conversation id (`DEFAULT_CONVERSATION` when none is known).
    """
    # Pipecat 1.14's PipelineWorker takes ``conversation_id=`` but keeps it private.
    found = (
        given
        or getattr(worker, "conversation_id", None)
        or getattr(worker, "_conversation_id", None)
    )
    return found if isinstance(found, str) and found else DEFAULT_CONVERSATION
