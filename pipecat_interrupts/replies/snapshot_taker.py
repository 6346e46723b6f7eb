#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`SnapshotTaker`: what happens when an interruption reaches the output.

The `ReplyTracker` freezes the cut reply (`Cut`); the taker stores the snapshot (your
`SnapshotStore` runs as user code, under a deadline), announces it, and hands a cut that
may be false to the `FalseInterruptionRecovery`. It also says, once, when the bot spoke
words that nothing the snapshotter listens to generated (a wiring mistake).
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from loguru import logger
from pipecat.frames.frames import InterruptionFrame

from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.replies.recovery import FalseInterruptionRecovery
from pipecat_interrupts.replies.snapshots import InterruptionSnapshot, SnapshotStore
from pipecat_interrupts.replies.taps import SnapshotSources
from pipecat_interrupts.replies.tracker import ReplyTracker

STORE_DEADLINE_SECS = 0.2
"""How long the snapshot store's ``add`` may take before it is abandoned."""


class SnapshotTaker:
    """Stores, announces and watches the snapshot of each interrupted reply."""

    __slots__ = (
        "_announce",
        "_name",
        "_recovery",
        "_runner",
        "_sources",
        "_store",
        "_tracker",
        "_warned_no_generation",
    )

    def __init__(
        self,
        name: str,
        tracker: ReplyTracker,
        sources: SnapshotSources,
        recovery: FalseInterruptionRecovery,
        store: SnapshotStore,
        *,
        runner: UserCodeRunner,
        announce: Callable[[InterruptionSnapshot], Awaitable[None]],
    ):
        """Initialize the taker.

        Args:
            name: Its processor's name, for the log.
            tracker: Freezes the cut reply.
            sources: What the snapshotter listens to (for the wiring warning).
            recovery: Watches a voice-only cut for words.
            store: Where snapshots go.
            runner: Runs the store's ``add`` under its deadline.
            announce: Tells of a new snapshot (the processor's event).
        """
        self._name = name
        self._tracker = tracker
        self._sources = sources
        self._recovery = recovery
        self._store = store
        self._runner = runner
        self._announce = announce
        self._warned_no_generation = False

    @property
    def store(self) -> SnapshotStore:
        """Where snapshots go."""
        return self._store

    async def interrupted(
        self, frame: InterruptionFrame, *, conversation_id: str, messages: Sequence[Any]
    ) -> None:
        """An interruption reached the output: snapshot what it cut, if anything.

        Args:
            frame: The interruption.
            conversation_id: The conversation the snapshot belongs to.
            messages: The context's messages (the cut exchange is copied).
        """
        cut = self._tracker.interrupted(
            frame,
            conversation_id=conversation_id,
            messages=messages,
            watching=self._recovery.enabled,
        )
        self._recovery.stop()
        if cut is None:
            return  # nothing was being said
        snapshot = cut.snapshot
        if (
            cut.reply.played
            and not self._tracker.generation_seen
            and self._sources.in_band
            and not self._warned_no_generation
        ):
            self._warned_no_generation = True
            logger.warning(
                f"{self._name}: the bot said {snapshot.spoken_text!r} but nothing it listens "
                f"to generated it; listen_to(llm), or place snapshotter.tap() right after the LLM"
            )
        logger.debug(
            f"{self._name}: snapshot ({snapshot.reason}): heard {snapshot.spoken_text!r}, "
            f"not heard {snapshot.unspoken_text!r}"
        )
        await self._runner.call(
            self._store.add, snapshot, deadline_secs=STORE_DEADLINE_SECS, name="snapshot store add"
        )
        await self._announce(snapshot)
        if cut.watch:
            self._recovery.watch(cut)
