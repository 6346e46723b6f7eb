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

EVIDENCE_SECS = 0.5
"""A VAD stop or an event frame this recent still explains an interruption."""


_KEPT_TEXTS = 8


@dataclass(slots=True)
class _Event:
    reason: str
    at: float


class InterruptionEvidence:
    """Remembers the caller's voice activity and event frames, and infers a reason.

    An event frame (emergency stop, handoff) just before explains an interruption;
    otherwise the caller's voice does if the VAD reported speech at that moment:
    `Reason.VAD` before any words (plain Pipecat's VAD start strategy), `Reason.TEXT`
    once words were heard. Anything else is an unexplained `Reason.INTERRUPTION`.
    """

    __slots__ = ("_clock", "_event", "_takes_the_floor", "_texts", "_vad_active", "_vad_stopped_at")

    def __init__(
        self,
        clock: Callable[[], float] = clocks.monotonic,
        takes_the_floor: Callable[[str, str | None], bool] = lambda text, language: True,
    ):
        """Initialize the evidence.

        Args:
            clock: The clock (seconds).
            takes_the_floor: Says whether a transcript is words (not only a backchannel);
                asked only when an interruption must be explained.
        """
        self._clock = clock
        self._takes_the_floor = takes_the_floor
        self._vad_active = False
        self._vad_stopped_at: float | None = None
        self._texts: list[tuple[str, str | None]] = []  # since the VAD start, the last few
        self._event: _Event | None = None

    def vad_started(self) -> None:
        """The VAD heard the caller start speaking."""
        self._vad_active, self._vad_stopped_at = True, None
        self._texts.clear()

    def vad_stopped(self) -> None:
        """The VAD heard the caller stop."""
        self._vad_active, self._vad_stopped_at = False, self._clock()

    def words(self, text: str, language: str | None = None) -> None:
        """The caller said something: judged (words or a backchannel) only if needed.

        Args:
            text: The transcript.
            language: Its language code, if known.
        """
        texts = self._texts
        texts.append((text, language))
        if len(texts) > _KEPT_TEXTS:
            del texts[0]  # interims grow: the last few say what the caller said

    def event(self, reason: str) -> None:
        """An event frame (emergency stop, handoff) passed."""
        self._event = _Event(reason, self._clock())

    def infer(self) -> str:
        """The reason for an interruption that carries no decision; forgets the event."""
        now = self._clock()
        event, self._event = self._event, None
        if event is not None and now - event.at <= EVIDENCE_SECS:
            return event.reason
        voice = self._vad_active or (
            self._vad_stopped_at is not None and now - self._vad_stopped_at <= EVIDENCE_SECS
        )
        if voice:
            words = any(self._takes_the_floor(text, language) for text, language in self._texts)
            return Reason.TEXT if words else Reason.VAD
        return Reason.INTERRUPTION
