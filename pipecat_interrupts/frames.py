#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Frames added by pipecat-interrupts.

All of them are `SystemFrame`s: they act at once, are never queued behind audio and are
never dropped by an interruption. Stock Pipecat processors forward frames they do not
know, so these travel through a standard voice pipeline untouched.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from pipecat.frames.frames import AudioRawFrame, Frame, SystemFrame

from pipecat_interrupts import clocks
from pipecat_interrupts.reasons import is_voice_only

HANDLED_BY_CONTROLLER = "pipecat_interrupts.handled_by_controller"
"""Metadata key set on an event frame the `InterruptionController` already turned into an
interruption: a `FlushCoordinator` then neither interrupts nor flushes for it again."""

HELD_BY_CONTROLLER = "pipecat_interrupts.held"
"""Metadata key set on voice-activity frames the controller forwarded while it was still
deciding: the adapter start strategy keeps them from starting a user turn."""

FLUSH_ID = "pipecat_interrupts.flush_id"
"""Metadata key a `FlushCoordinator` sets on the `InterruptionFrame` it flushes for."""

DECISION = "pipecat_interrupts.decision"
"""Metadata key of the `InterruptionDecision` the controller puts on the `InterruptionFrame`
it broadcasts (read it with `decision_of()`)."""


def audio_secs(frame: AudioRawFrame) -> float:
    """Duration of a 16-bit PCM audio frame, in seconds.

    Args:
        frame: Any Pipecat audio frame (input, output or TTS).

    Returns:
        The audio's duration.
    """
    return len(frame.audio) / (frame.sample_rate * 2 * frame.num_channels)


def new_flush_id() -> str:
    """Return a new, unique flush id (12 hex characters)."""
    return uuid.uuid4().hex[:12]


@dataclass
class FlushStep:
    """One processor's cleanup, as recorded on the `FlushFrame` that passed it.

    Parameters:
        processor: Name of the processor that ran its flush cleanup.
        outcome: ``"ok"``, ``"timeout"`` or ``"error"``.
        elapsed_secs: How long the cleanup took.
        error: The error message when ``outcome`` is ``"error"``.
    """

    processor: str
    outcome: str
    elapsed_secs: float
    error: str | None = None


@dataclass
class FlushFrame(SystemFrame):
    """Tells every processor on its way to drop the state of interrupted work.

    A `FlushCoordinator` pushes one copy upstream and one downstream per interruption.
    Processors that implement the flush protocol (see `FlushableMixin`) clean their own
    state first, then forward the frame; the others forward it untouched. Each copy
    records the cleanups it passed in ``trail``.

    Parameters:
        flush_id: Correlates the two copies and the completion report.
        reason: Why the flush happened (``"interruption"``, ``"emergency_stop"``, ...).
        origin: Name of the processor that started the flush.
        trigger: Name of the frame that caused it.
        created_at: ``time.monotonic()`` when the flush started.
        trail: Cleanups run on the way, in order.
    """

    flush_id: str = field(default_factory=new_flush_id)
    reason: str = "interruption"
    origin: str = ""
    trigger: str | None = None
    created_at: float = field(default_factory=clocks.monotonic)
    trail: list[FlushStep] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.name}(flush_id: {self.flush_id}, reason: {self.reason})"


@dataclass
class FlushCompletedFrame(SystemFrame):
    """Pushed downstream by a `FlushCoordinator` once a flush is settled.

    Parameters:
        flush_id: The flush this reports on.
        reason: The flush's reason.
        completed: True when the flush reached both ends of the pipeline in time.
        elapsed_secs: Seconds from the start of the flush to the last end reached (or to
            the deadline when ``completed`` is False).
    """

    flush_id: str = ""
    reason: str = ""
    completed: bool = True
    elapsed_secs: float = 0.0


@dataclass
class EmergencyStopFrame(SystemFrame):
    """Stops the bot at once: interrupts and flushes, bypassing every condition.

    Parameters:
        reason: Free text for logs and snapshots.
    """

    reason: str = "emergency stop"


@dataclass
class AgentHandoffFrame(SystemFrame):
    """Announces a hand-off to another agent: the current generation must stop.

    Parameters:
        target: Name of the agent taking over, if known.
        reason: Free text for logs and snapshots.
    """

    target: str | None = None
    reason: str = "agent handoff"


@dataclass
class InterruptionsControlFrame(SystemFrame):
    """Switches user interruptions off or on for a phase of the call.

    Emergency stops are never affected.

    Parameters:
        enabled: False to hold interruptions back, True to allow them again.
        reason: Why (shown in logs and in suppression reasons).
    """

    enabled: bool = True
    reason: str = ""


@dataclass
class InterruptionDecision:
    """Why and when the `InterruptionController` cut the bot off.

    It travels on the `InterruptionFrame` itself (both broadcast siblings), under the
    metadata key `DECISION`: processors and observers read it with `decision_of()`, and
    no extra frame is pushed ahead of the interruption.

    Parameters:
        reason: Short machine-readable reason (``"phrase"``, ``"vad"``, ``"text"``,
            ``"emergency_stop"``, ...).
        trigger: Name of the frame that triggered the decision.
        detected_at: ``time.monotonic()`` when the user's attempt was first detected.
        decided_at: ``time.monotonic()`` when the decision was taken.
        text: The user text behind the decision, if any.
        starts_user_turn: True when the decision lets the user's turn through (the
            adapter start strategy starts it without a second interruption).
        details: Free-form extra data.
        voice_only: Whether the evidence was voice activity without words (from the
            detection; defaults from the reason): the echo guard and the
            false-interruption recovery read this, never a list of reasons.
    """

    reason: str = ""
    trigger: str | None = None
    detected_at: float = field(default_factory=clocks.monotonic)
    decided_at: float = field(default_factory=clocks.monotonic)
    text: str | None = None
    starts_user_turn: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    voice_only: bool | None = None

    def __post_init__(self) -> None:
        if self.voice_only is None:
            self.voice_only = is_voice_only(self.reason)


def decision_of(frame: Frame) -> InterruptionDecision | None:
    """The controller's decision carried by an `InterruptionFrame`, if any.

    Args:
        frame: Any frame.

    Returns:
        The decision, or None (a frame without one: Pipecat's own interruptions, yours).
    """
    decision = frame.metadata.get(DECISION)
    return decision if isinstance(decision, InterruptionDecision) else None
