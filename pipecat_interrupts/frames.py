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

import itertools
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from pipecat.frames.frames import AudioRawFrame, ControlFrame, Frame, SystemFrame

from pipecat_interrupts import clocks
from pipecat_interrupts.reasons import is_voice_only
from pipecat_interrupts.validation import (
    require_bool,
    require_choice,
    require_name,
    require_optional_name,
    require_positive_secs,
    require_text,
)

FLUSH_STEP_OUTCOMES = ("ok", "timeout", "error")
"""The outcomes a `FlushStep` records."""

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

TURN_DECISION = "pipecat_interrupts.turn_decision"
"""Metadata key: a decision that starts a user turn, riding on the user frame it was taken
on (voice activity, a transcript) to the user aggregator, which starts the turn and
broadcasts the interruption itself (`turn_handover`)."""


def audio_secs(frame: AudioRawFrame) -> float:
    """Duration of a 16-bit PCM audio frame, in seconds.

    Args:
        frame: Any Pipecat audio frame (input, output or TTS).

    Returns:
        The audio's duration.
    """
    return len(frame.audio) / (frame.sample_rate * 2 * frame.num_channels)


_FLUSH_ID_PREFIX = uuid.uuid4().hex[:6]  # this process's
_flush_counter = itertools.count(1)


def new_flush_id() -> str:
    """Return a new flush id, unique in this process (12 or more hex characters).

    A process-wide random prefix and a counter: it is taken on the barge-in's own path
    (the user aggregator's step), where a fresh UUID's system call would cost more.
    """
    return f"{_FLUSH_ID_PREFIX}{next(_flush_counter):06x}"


@dataclass(slots=True)
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

    def __post_init__(self) -> None:
        require_name("processor", self.processor)
        require_choice("outcome", self.outcome, FLUSH_STEP_OUTCOMES)
        require_positive_secs("elapsed_secs", self.elapsed_secs, allow_zero=True)
        if self.error is not None:
            require_text("error", self.error)


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

    def __post_init__(self) -> None:
        super().__post_init__()  # type: ignore[no-untyped-call]
        require_name("flush_id", self.flush_id)
        require_name("reason", self.reason)
        require_text("origin", self.origin)
        require_optional_name("trigger", self.trigger)
        _require_finite_time("created_at", self.created_at)

    def __str__(self) -> str:
        return f"{self.name}(flush_id: {self.flush_id}, reason: {self.reason})"


@dataclass
class FlushCompletedFrame(SystemFrame):
    """Pushed by the flush's host once a flush is settled, for observers.

    A `FlushCoordinator` pushes it downstream; an `InterruptionController` running the
    flush (``flush=``) upstream, toward the nearer end.

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

    def __post_init__(self) -> None:
        super().__post_init__()  # type: ignore[no-untyped-call]
        require_text("flush_id", self.flush_id)
        require_text("reason", self.reason)
        require_bool("completed", self.completed)
        require_positive_secs("elapsed_secs", self.elapsed_secs, allow_zero=True)


@dataclass
class EmergencyStopFrame(SystemFrame):
    """Stops the bot at once: interrupts and flushes, bypassing every condition.

    Parameters:
        reason: Free text for logs and snapshots.
    """

    reason: str = "emergency stop"

    def __post_init__(self) -> None:
        super().__post_init__()  # type: ignore[no-untyped-call]
        require_text("reason", self.reason)


@dataclass
class AgentHandoffFrame(SystemFrame):
    """Announces a hand-off to another agent: the current generation must stop.

    Parameters:
        target: Name of the agent taking over, if known.
        reason: Free text for logs and snapshots.
    """

    target: str | None = None
    reason: str = "agent handoff"

    def __post_init__(self) -> None:
        super().__post_init__()  # type: ignore[no-untyped-call]
        require_optional_name("target", self.target)
        require_text("reason", self.reason)


@dataclass
class AgentGenerationCompleteFrame(ControlFrame):
    """A route's generation ran to its end (Cartesia Line's ``AgentGenerationComplete``).

    Pushed by a `RouteProcessor`, in the route's direction, after the last text of a
    stream that completed and right before its ``LLMFullResponseEndFrame``. A generation
    that was cut (interrupted, replaced or failed) ends with the ``LLMFullResponseEndFrame``
    alone, so the two are told apart by this frame. Unlike the other frames here it is a
    `ControlFrame`: it keeps its place behind the text it completes (and, like that text,
    is dropped by an interruption while still queued).

    Parameters:
        text: The whole text the generation produced.
        route: Name of the route that ran it.
    """

    text: str = ""
    route: str = ""


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

    def __post_init__(self) -> None:
        super().__post_init__()  # type: ignore[no-untyped-call]
        require_bool("enabled", self.enabled)
        require_text("reason", self.reason)


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
        require_text("reason", self.reason)
        require_optional_name("trigger", self.trigger)
        _require_finite_time("detected_at", self.detected_at)
        _require_finite_time("decided_at", self.decided_at)
        if self.text is not None:
            require_text("text", self.text)
        require_bool("starts_user_turn", self.starts_user_turn)
        if not isinstance(self.details, dict):
            raise TypeError(f"details must be a dict, got {type(self.details).__name__}")
        if self.voice_only is None:
            self.voice_only = is_voice_only(self.reason)
        else:
            require_bool("voice_only", self.voice_only)


def _require_finite_time(parameter: str, value: object) -> None:
    """A ``time.monotonic()`` reading: a finite number (it may be zero or negative)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{parameter} must be a finite time.monotonic() reading, got {value!r}")


def decision_of(frame: Frame) -> InterruptionDecision | None:
    """The controller's decision carried by an `InterruptionFrame`, if any.

    Args:
        frame: Any frame.

    Returns:
        The decision, or None (a frame without one: Pipecat's own interruptions, yours).
    """
    decision = frame.metadata.get(DECISION)
    return decision if isinstance(decision, InterruptionDecision) else None
