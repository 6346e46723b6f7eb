#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Checks that a conversation's context holds exactly what the caller heard.

The truth is the `MockOutputTransport`'s record: the text it released after playing
each chunk, by TTS context, in playout order (late chunks included). A `ReplyRecorder`
notes which TTS contexts belong to which reply (a resumed remainder continues its
reply); `context_violations` compares every assistant message with the transport's
record of its reply's contexts.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipecat_interrupts.replies.ledger import ReplyLedger
from pipecat_interrupts.replies.reply import Reply
from pipecat_interrupts.replies.text import PlayedText, join_played
from pipecat_interrupts.testing.mock_transport import SpokenText


@dataclass
class ReplyRecorder:
    """Remembers, for every TTS context the ledger heard, the reply whose message it feeds.

    Parameters:
        ledger: The ledger to listen to (a `StateSnapshotter`'s ``ledger``).
    """

    ledger: ReplyLedger
    roots: dict[str, Reply] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ledger.bound_listeners.append(self._bound)

    def _bound(self, reply: Reply, context_id: str) -> None:
        self.roots[context_id] = reply.root


def context_violations(
    messages: Sequence[Any],
    spoken: Sequence[SpokenText],
    recorder: ReplyRecorder,
    *,
    marker: str = "",
    said: Sequence[str] | None = None,
) -> list[str]:
    """Every way the context differs from what was heard (empty when it is truthful).

    Args:
        messages: The context's messages at the end.
        spoken: The transport's record (``MockOutputTransport.spoken``).
        recorder: Which contexts belong to which reply.
        marker: The interrupted marker a message may end with.
        said: What the caller said, in order (checked against the user messages).

    Returns:
        One line per violation.
    """
    violations: list[str] = []
    heard: dict[int, list[PlayedText]] = {}
    roots: dict[int, Reply] = {}
    for item in spoken:
        if not item.append_to_context or item.context_id is None:
            continue
        root = recorder.roots.get(item.context_id)
        if root is None:
            violations.append(
                f"played text {item.text!r} in context {item.context_id} belongs to no reply"
            )
            continue
        roots[id(root)] = root
        heard.setdefault(id(root), []).append(
            PlayedText(item.text, item.context_id, item.includes_inter_frame_spaces)
        )
    owned: set[int] = set()
    for key, parts in heard.items():
        expected = join_played(parts)
        message = roots[key].message
        if not expected:
            continue
        if message is None or not any(m is message for m in messages):
            violations.append(f"heard {expected!r} but no message in the context holds it")
            continue
        owned.add(id(message))
        content = message.get("content")
        text = content.removesuffix(marker) if marker and isinstance(content, str) else content
        if text != expected:
            violations.append(f"message {content!r} != heard {expected!r}")
    roles = [m.get("role") for m in messages if isinstance(m, dict)]
    for i, m in enumerate(messages):
        if (
            isinstance(m, dict)
            and m.get("role") == "assistant"
            and isinstance(m.get("content"), str)
        ):
            if id(m) not in owned:
                violations.append(f"assistant message {m['content']!r} matches no heard reply")
            if i > 0 and roles[i - 1] == "assistant":
                before = messages[i - 2]["content"] if i > 1 else None
                violations.append(
                    f"two assistant messages in a row at {i}: {before!r:.40} / "
                    f"{messages[i - 1]['content']!r:.60} / {m['content']!r:.60}"
                )
    if said is not None:
        users = [
            m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"
        ]
        if users != list(said):
            at = next(
                (i for i, (u, s) in enumerate(zip(users, said, strict=False)) if u != s),
                min(len(users), len(said)),
            )
            violations.append(
                f"user messages differ from what was said at #{at}: {users[at : at + 3]!r} != {list(said)[at : at + 3]!r} "
                f"({len(users)} messages, {len(said)} said)"
            )
    return violations


def user_turn_violations(messages: Sequence[Any], said: Sequence[tuple[str, bool]]) -> list[str]:
    """Whether the user messages hold what the caller said: in order, none lost or doubled.

    Pipecat may join utterances that follow each other quickly into one user turn, and a
    backchannel ("mhm") is a turn of its own when the bot was silent: so the user
    messages, read as one text, must be what was said in order, every required
    utterance present, an optional one (a backchannel) present or not, nothing else.

    Args:
        messages: The context's messages.
        said: ``(text, required)`` for every utterance, in the order spoken.

    Returns:
        One line per violation (at most one: where the first difference is).
    """
    heard = " ".join(
        m["content"]
        for m in messages
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)
    ).split()
    position = 0
    for text, required in said:
        words = text.split()
        if heard[position : position + len(words)] == words:
            position += len(words)
        elif required:
            return [
                f"the caller's {text!r} is missing from the user messages at word {position}: {heard[position : position + 6]!r}"
            ]
    if position != len(heard):
        return [f"user messages hold words nobody said: {heard[position : position + 6]!r}"]
    return []
