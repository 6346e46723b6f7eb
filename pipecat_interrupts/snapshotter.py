#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`StateSnapshotter` and its taps (moved to `pipecat_interrupts.replies`)."""

from pipecat_interrupts.replies.snapshotter import (
    DEFAULT_FALSE_INTERRUPTION_TIMEOUT_SECS,
    DEFAULT_INTERRUPTED_MARKER,
    StateSnapshotter,
)
from pipecat_interrupts.replies.taps import SnapshotTap

__all__ = [
    "DEFAULT_FALSE_INTERRUPTION_TIMEOUT_SECS",
    "DEFAULT_INTERRUPTED_MARKER",
    "SnapshotTap",
    "StateSnapshotter",
]
