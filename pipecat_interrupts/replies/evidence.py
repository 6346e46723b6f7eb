#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`InterruptionEvidence`: why the bot was cut off when no controller said so."""

from collections.abc import Callable
from dataclasses import dataclass

from pipecat_interrupts import clocks
from pipecat_interrupts.reasons import Reason
from pipecat_interrupts.replies.caller_activity import CallerActivity

EVIDENCE_SECS = 0.5
"""A VAD stop or an event frame this recent still explains an interruption."""


@dataclass(slots=True)
class _Event:
    reason: str
    at: float


class InterruptionEvidence:
    """Reads the caller's record and the last event frame, and infers a reason.

    An event frame (emergency stop, handoff) just before explains an interruption;
    otherwise the caller's voice does if the VAD reported speech at that moment:
    `Reason.VAD` before any words (plain Pipecat's VAD start strategy), `Reason.TEXT`
    once words were heard in the current utterance. Anything else is an unexplained
    `Reason.INTERRUPTION`. The caller's voice and words come from the `CallerActivity`
    record (its writer feeds it); the evidence keeps only the last event frame.
    """

    __slots__ = ("_activity", "_clock", "_event", "_takes_the_floor")

    def __init__(
        self,
        activity: CallerActivity,
        takes_the_floor: Callable[[str, str | None], bool] = lambda text, language: True,
        clock: Callable[[], float] = clocks.monotonic,
    ):
        """Initialize the evidence.

        Args:
            activity: The caller's voice activity and words (read, never written here).
            takes_the_floor: Says whether a transcript is words (not only a backchannel);
                asked only when an interruption must be explained.
            clock: The clock (seconds), the one ``activity`` is stamped with.
        """
        self._activity = activity
        self._clock = clock
        self._takes_the_floor = takes_the_floor
        self._event: _Event | None = None

    def event(self, reason: str) -> None:
        """An event frame (emergency stop, handoff) passed."""
        self._event = _Event(reason, self._clock())

    def infer(self) -> str:
        """The reason for an interruption that carries no decision; forgets the event."""
        now = self._clock()
        event, self._event = self._event, None
        if event is not None and now - event.at <= EVIDENCE_SECS:
            return event.reason
        activity = self._activity
        stopped_at = activity.stopped_at
        if activity.speaking or (stopped_at is not None and now - stopped_at <= EVIDENCE_SECS):
            words = any(
                self._takes_the_floor(heard.text, heard.language)
                for heard in activity.utterance_words()
            )
            return Reason.TEXT if words else Reason.VAD
        return Reason.INTERRUPTION
