#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`OutputGuard`: the one place that knows Pipecat 1.14's late chunk.

Pipecat 1.14's `BaseOutputTransport` can play one audio chunk it had taken from its
queue just before an interruption reset that queue: the chunk plays after the
interruption, and the text released with it (a word or a sentence) reaches the
processors after the transport after the `InterruptionFrame`. Such a frame was made
before the interruption (frame ids only grow), is interruptible, and goes to the same
destination.

The guard decides once per frame and stamps the answer on the frame's metadata
(`LATE_CHUNK`), so every reader (the `BotSpeakingGuard`, the reply ledger, metrics)
reads one answer: `played_late(frame)`.
"""

from dataclasses import dataclass

from pipecat.frames.frames import Frame, InterruptionFrame

LATE_CHUNK = "pipecat_interrupts.late_chunk"


def played_late(frame: Frame) -> bool | None:
    """The guard's answer for ``frame``: True if it played after its interruption.

    Args:
        frame: A frame that left the output transport.

    Returns:
        True or False once an `OutputGuard` judged it, None before.
    """
    value = frame.metadata.get(LATE_CHUNK)
    return value if isinstance(value, bool) else None


def queued_before(frame: Frame, interruption_id: int) -> bool:
    """The late-chunk rule: ``frame`` was made (queued) before the interruption.

    Pipecat makes each output chunk when it queues the audio, and frame ids only grow,
    so a chunk or text frame with a lower id than the interruption belongs to the reply
    it cut, even when it plays after it. Uninterruptible frames are never late: they play
    through an interruption by design. Readers that cannot wait for the guard's stamp (a
    pipeline observer sees the transport's push first) apply this same rule.

    Args:
        frame: A frame the output transport pushed.
        interruption_id: The latest interruption's frame id (-1 before any).

    Returns:
        True if the frame is the cut reply's.
    """
    return frame.interruptible and frame.id < interruption_id


@dataclass(slots=True)
class _Destination:
    interruption_id: int = -1  # the latest interruption seen (frame ids grow)


class OutputGuard:
    """Judges which frames leaving the output transport were played late.

    Feed it every downstream frame right after the output transport, in order: it
    notes interruptions and stamps each other frame once. A frame already stamped (by
    a guard earlier in the pipeline) keeps its answer.
    """

    __slots__ = ("_destinations",)

    def __init__(self) -> None:
        """Initialize the guard."""
        self._destinations: dict[str | None, _Destination] = {}

    def note_interruption(self, frame: InterruptionFrame) -> None:
        """An interruption passed the output transport (it applies to every destination).

        Args:
            frame: The interruption.
        """
        if None not in self._destinations:
            self._destinations[None] = _Destination()
        for state in self._destinations.values():
            state.interruption_id = max(state.interruption_id, frame.id)

    def judge(self, frame: Frame) -> bool:
        """Whether ``frame`` was played after the interruption that cut it; stamps it.

        Args:
            frame: A frame pushed downstream by the output transport.

        Returns:
            True for the late chunk (and its text).
        """
        stamped = played_late(frame)
        if stamped is not None:
            return stamped
        late = queued_before(frame, self.interruption_id(frame.transport_destination))
        frame.metadata[LATE_CHUNK] = late
        return late

    def interruption_id(self, destination: str | None) -> int:
        """Id of the latest interruption for ``destination`` (-1 before any)."""
        state = self._destinations.get(destination)
        if state is None:
            default = self._destinations.get(None)
            state = self._destinations[destination] = _Destination(
                default.interruption_id if default else -1
            )
        return state.interruption_id
