#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Interruption snapshots and where they are kept (moved to `pipecat_interrupts.replies`)."""

from pipecat_interrupts.replies.snapshots import (
    DEFAULT_CONTEXT_WINDOW,
    DEFAULT_CONVERSATION,
    RECOVERY_TEMPLATES,
    InMemorySnapshotStore,
    InterruptionSnapshot,
    SnapshotStore,
    recovery_message,
    unspoken_remainder,
)

__all__ = [
    "DEFAULT_CONTEXT_WINDOW",
    "DEFAULT_CONVERSATION",
    "RECOVERY_TEMPLATES",
    "InMemorySnapshotStore",
    "InterruptionSnapshot",
    "SnapshotStore",
    "recovery_message",
    "unspoken_remainder",
]
