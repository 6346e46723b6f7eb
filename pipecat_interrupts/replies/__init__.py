#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Replies: one record per bot reply, one writer of the context, snapshots.

- `Reply`: what was generated and played of one reply, its state, the message it owns.
- `ReplyLedger`: owns the records, fed by the taps and by the `StateSnapshotter`.
- `OutputGuard`: the one place that knows Pipecat's late chunk (`played_late`).
- `ContextWriter`: the only writer of the bot's spoken replies in the context.
- `CallerActivity`: the caller's recent voice and words, one record;
  `FalseInterruptionWatch`, `InterruptionEvidence`: recovery and reasons, read from it.
- `InterruptionSnapshot`, `SnapshotStore`, `InMemorySnapshotStore`: frozen views;
  `cut_exchange`: the context messages a snapshot keeps.
- `SnapshotTaker`, `FalseInterruptionRecovery`: what happens at an interruption, and after.
- `StateSnapshotter`, `SnapshotTap`: the thin processors.
"""

from pipecat_interrupts.replies.context_writer import ContextWriter
from pipecat_interrupts.replies.exchange import cut_exchange
from pipecat_interrupts.replies.ledger import RESUME_TEXT_TYPE, ReplyLedger
from pipecat_interrupts.replies.output_guard import LATE_CHUNK, OutputGuard, played_late
from pipecat_interrupts.replies.reply import Reply, ReplyState
from pipecat_interrupts.replies.snapshots import (
    DEFAULT_CONTEXT_WINDOW,
    DEFAULT_CONVERSATION,
    InMemorySnapshotStore,
    InterruptionSnapshot,
    SnapshotStore,
    recovery_message,
    unspoken_remainder,
)
from pipecat_interrupts.replies.snapshotter import StateSnapshotter
from pipecat_interrupts.replies.taps import SnapshotTap
from pipecat_interrupts.replies.text import PlayedText, join_played, unheard_remainder

__all__ = [
    "DEFAULT_CONTEXT_WINDOW",
    "DEFAULT_CONVERSATION",
    "LATE_CHUNK",
    "RESUME_TEXT_TYPE",
    "ContextWriter",
    "InMemorySnapshotStore",
    "InterruptionSnapshot",
    "OutputGuard",
    "PlayedText",
    "Reply",
    "ReplyLedger",
    "ReplyState",
    "SnapshotStore",
    "SnapshotTap",
    "StateSnapshotter",
    "cut_exchange",
    "join_played",
    "played_late",
    "recovery_message",
    "unheard_remainder",
    "unspoken_remainder",
]
