#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""What a route's interrupt handler (and a node's ``on_interrupt``) is told about the cut.

`RouteInterruption` is the record: the event, why it happened, what the cut generation
had produced and what the caller heard of it. "Heard" comes from a `HeardTextSource`:
the route asks one after the interruption has been forwarded (never before: the audio
cut does not wait for it). `SnapshotHeardText` is the one shipped: it reads the
`StateSnapshotter`'s snapshot of the same interruption.
"""

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from loguru import logger
from pipecat.frames.frames import Frame

from pipecat_interrupts.snapshot import InterruptionSnapshot, unspoken_remainder
from pipecat_interrupts.snapshotter import StateSnapshotter
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_SNAPSHOT_WAIT_SECS = 0.5


@dataclass(frozen=True)
class RouteInterruption:
    """One interruption of a route's work, as its handler receives it.

    Parameters:
        event: The interrupt event frame (an ``InterruptionFrame``, an
            `EmergencyStopFrame`...).
        reason: Why: the controller's decision reason (``"phrase"``, ``"text"``,
            ``"vad"``...) when the event carries one, else the event's own
            (``"emergency_stop"``, ``"agent_handoff"``, ``"interruption"``).
        trigger: Name of the frame behind the decision (or the event's name).
        generated: The text the cut generation had yielded (the latest one if several
            streams were cut).
        heard: What the caller heard of it, from the route's `HeardTextSource`; None
            when no source is configured or it did not know in time.
        started_by: What the cut generation was started with (the trigger frame, or
            what the route's ``map`` steps made of it).
        cancelled: How many streams the interruption cut.
        interrupted_at: ``time.monotonic()`` when the route handled the event.
    """

    event: Frame
    reason: str
    trigger: str | None
    generated: str
    heard: str | None = None
    started_by: Any = None
    cancelled: int = 1
    interrupted_at: float = 0.0

    @property
    def unheard(self) -> str:
        """The generated words the caller did not hear (all of them if ``heard`` is unknown)."""
        if self.heard is None:
            return self.generated
        return unspoken_remainder(self.generated, self.heard)


@runtime_checkable
class HeardTextSource(Protocol):
    """Where a route learns what the caller heard of the reply an event cut.

    The reply ledger implements this: it finds the reply the event cut (an
    ``InterruptionFrame`` by its id or its broadcast sibling's; another event by the
    reply playing when it arrived) and returns its played text once playout settled.
    The route calls it under a deadline (``heard_timeout_secs``), after the event was
    forwarded.
    """

    async def heard_text(self, event: Frame, *, since: float) -> str | None:
        """What the caller heard of the reply ``event`` cut.

        Args:
            event: The interrupt event, as the route received it.
            since: ``time.monotonic()`` when the route handled it.

        Returns:
            The heard text ("" for nothing), or None if unknown.
        """
        ...


class SnapshotHeardText:
    """Heard text from a `StateSnapshotter`: the snapshot of the same interruption.

    The snapshotter sits after the output transport, so its snapshot of an interruption
    is made a little after the route handled it; `heard_text` waits for the first
    snapshot taken at or after ``since``, at most ``wait_secs``. No snapshot by then (the
    snapshotter makes none when nothing was generated or spoken) means None.
    """

    def __init__(
        self, snapshotter: StateSnapshotter, *, wait_secs: float = DEFAULT_SNAPSHOT_WAIT_SECS
    ):
        """Listen to ``snapshotter``'s snapshots.

        Args:
            snapshotter: The pipeline's snapshotter.
            wait_secs: Longest wait for the snapshot (keep it below the route's
                ``heard_timeout_secs``).

        Raises:
            TypeError: If ``snapshotter`` is not a `StateSnapshotter`.
            ValueError: If ``wait_secs`` is not finite and positive.
        """
        if not isinstance(snapshotter, StateSnapshotter):
            raise TypeError(
                f"snapshotter must be a StateSnapshotter, got {type(snapshotter).__name__}"
            )
        self._wait_secs = require_positive_secs("wait_secs", wait_secs)
        self._snapshotter = snapshotter
        self._changed = asyncio.Event()
        snapshotter.add_event_handler("on_snapshot", self._on_snapshot)

    def __str__(self) -> str:
        return f"SnapshotHeardText({self._snapshotter})"

    async def _on_snapshot(
        self, _snapshotter: StateSnapshotter, _snapshot: InterruptionSnapshot
    ) -> None:
        self._changed.set()

    def _snapshot_since(self, since: float) -> InterruptionSnapshot | None:
        latest = self._snapshotter.latest_snapshot
        return latest if latest is not None and latest.interrupted_at >= since else None

    async def heard_text(self, event: Frame, *, since: float) -> str | None:
        """The spoken text of the first snapshot taken at or after ``since``.

        Args:
            event: The interrupt event (unused: the snapshotter keys nothing by it).
            since: When the route handled the event.

        Returns:
            The snapshot's ``spoken_text``, or None if none came within ``wait_secs``.
        """
        try:
            async with asyncio.timeout(self._wait_secs):
                while (snapshot := self._snapshot_since(since)) is None:
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            logger.debug(f"{self}: no snapshot within {self._wait_secs:g} s; heard text unknown")
            return None
        return snapshot.spoken_text
