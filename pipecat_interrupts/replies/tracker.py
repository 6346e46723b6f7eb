#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`ReplyTracker`: the frames around the output transport, turned into ledger entries.

A plain object (the `StateSnapshotter` adapts frames to it): it feeds the `ReplyLedger`
what the taps saw generated and what the output transport played (judged once by the
`OutputGuard`), keeps the evidence for an interruption's reason, and at an interruption
returns the cut reply with its frozen snapshot and whether to watch it for words.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    AggregatedTextFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    OutputAudioRawFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    TTSTextFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)

from pipecat_interrupts import clocks
from pipecat_interrupts.detectors.base import BackchannelJudge
from pipecat_interrupts.frame_classes import FrameClassSet
from pipecat_interrupts.frames import (
    FLUSH_ID,
    AgentHandoffFrame,
    EmergencyStopFrame,
    audio_secs,
    decision_of,
)
from pipecat_interrupts.reasons import Reason, is_voice_only
from pipecat_interrupts.replies.caller_activity import CallerActivity
from pipecat_interrupts.replies.context_writer import ContextWriter
from pipecat_interrupts.replies.evidence import InterruptionEvidence
from pipecat_interrupts.replies.false_interruption import FalseInterruptionWatch
from pipecat_interrupts.replies.ledger import RESUME_TEXT_TYPE, ReplyLedger
from pipecat_interrupts.replies.output_guard import OutputGuard
from pipecat_interrupts.replies.reply import Reply
from pipecat_interrupts.replies.snapshots import InterruptionSnapshot, snapshot_of
from pipecat_interrupts.replies.text import PlayedText

_NOTED_IDS = 64  # frames several taps may report: each counts once


@dataclass(frozen=True, slots=True)
class Cut:
    """A reply an interruption cut, frozen.

    Parameters:
        reply: The live record (a late chunk may still add to it).
        snapshot: Its frozen view at the interruption.
        watch: Whether to watch for words (a voice-only decision left something unsaid).
    """

    reply: Reply
    snapshot: InterruptionSnapshot
    watch: bool


OBSERVED_FRAMES = FrameClassSet(
    TTSTextFrame,
    AggregatedTextFrame,
    OutputAudioRawFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
    EmergencyStopFrame,
    AgentHandoffFrame,
)
"""The frames `ReplyTracker.observe` reads after the output (the others only pass)."""


class ReplyTracker:
    """Feeds the ledger from frames; freezes a snapshot at each interruption."""

    __slots__ = (
        "_clock",
        "_noted",
        "_window",
        "activity",
        "evidence",
        "generation_seen",
        "guard",
        "ledger",
        "watch",
    )

    def __init__(
        self,
        writer: ContextWriter,
        judge: BackchannelJudge,
        *,
        context_window: int | None,
        clock: Callable[[], float] = clocks.monotonic,
    ):
        """Initialize the tracker.

        Args:
            writer: The context writer.
            judge: The shared backchannel judge.
            context_window: Most context messages a snapshot copies of the exchange the
                interruption cut (`cut_exchange`); None for no bound.
            clock: The clock (seconds).

        Raises:
            ValueError: If ``context_window`` is not a non-negative int or None.
        """
        if context_window is not None and (type(context_window) is not int or context_window < 0):
            raise ValueError(
                f"context_window must be a non-negative int or None, got {context_window!r}"
            )
        self.ledger = ReplyLedger(writer, clock=clock)
        self.guard = OutputGuard()
        self.activity = CallerActivity(clock)  # written here only; read by both below
        self.watch = FalseInterruptionWatch(judge, self.activity)
        self.evidence = InterruptionEvidence(self.activity, self.watch.takes_the_floor, clock)
        self._window = context_window
        self._clock = clock
        self._noted: dict[int, None] = {}
        self.generation_seen = False

    def note_frame(self, frame: Frame, *, generated_by_llm: bool = False) -> None:
        """A frame upstream of the output (a tap saw it); each frame counts once."""
        if frame.id in self._noted:
            return
        self._noted[frame.id] = None
        if len(self._noted) > _NOTED_IDS:
            del self._noted[next(iter(self._noted))]
        if isinstance(frame, LLMFullResponseStartFrame):
            self.generation_seen = True
            self.ledger.generation_started(frame.id)
            self.watch.disarm("the LLM started a new response")
        elif isinstance(frame, LLMTextFrame) and generated_by_llm:
            self.ledger.generated(frame.id, frame.text)
        elif isinstance(frame, LLMFullResponseEndFrame):
            self.ledger.generation_ended(frame.id)
        elif isinstance(frame, TTSSpeakFrame):
            if frame.text_type != RESUME_TEXT_TYPE:
                self.ledger.speak_requested(frame.id, frame.text)
        elif isinstance(frame, (TranscriptionFrame, InterimTranscriptionFrame)):
            self.note_user_words(frame.text, frame.language)

    def note_user_words(self, text: object, language: object = None) -> None:
        """The caller said something; odd text (None, a number) is logged, not counted."""
        if not isinstance(text, str):
            logger.warning(
                f"ReplyTracker: a transcript with text {text!r} ({type(text).__name__}); not counted"
            )
            return
        self.watch.heard(self.activity.heard(text, str(language) if language else None))

    def observe(self, frame: Frame) -> None:
        """A downstream frame right after the output transport (not an interruption)."""
        if isinstance(frame, TTSTextFrame):
            in_context = frame.append_to_context
            if (
                in_context
                and self.ledger.writer is not None
                and self.ledger.writer.context is not None
            ):
                frame.append_to_context = False  # one writer: the ContextWriter, from the ledger
            late = self.guard.judge(frame)
            part = PlayedText(frame.text, frame.context_id, frame.includes_inter_frame_spaces, late)
            self.ledger.played(part, text_type=str(frame.text_type), in_context=in_context)
        elif isinstance(frame, AggregatedTextFrame) and frame.text_type == RESUME_TEXT_TYPE:
            self.ledger.resume_announced(frame.context_id)
        elif isinstance(frame, OutputAudioRawFrame):
            self.ledger.audio_played(audio_secs(frame), late=self.guard.judge(frame))
        elif isinstance(frame, BotStartedSpeakingFrame):
            self.ledger.bot_started()
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self.ledger.bot_stopped()
        elif isinstance(frame, VADUserStartedSpeakingFrame):
            self.activity.voice_started()
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self.activity.voice_stopped()
        elif isinstance(frame, EmergencyStopFrame):
            self.evidence.event(Reason.EMERGENCY_STOP)
        elif isinstance(frame, AgentHandoffFrame):
            self.evidence.event(Reason.AGENT_HANDOFF)

    def interrupted(
        self,
        frame: InterruptionFrame,
        *,
        conversation_id: str,
        messages: Sequence[Any],
        watching: bool,
    ) -> Cut | None:
        """An interruption reached the output: the cut reply and its snapshot, if any.

        Args:
            frame: The interruption.
            conversation_id: The conversation the snapshot belongs to.
            messages: The context's messages (the cut exchange is copied).
            watching: Whether false interruptions are watched for at all.

        Returns:
            The cut, or None when nothing was being said.
        """
        self.watch.disarm("a new interruption")
        self.guard.note_interruption(frame)
        reply = self.ledger.interrupted(frame.id)
        if reply is None:
            return None
        decision = decision_of(frame)
        snapshot = snapshot_of(
            reply,
            conversation_id=conversation_id,
            reason=decision.reason if decision else self.evidence.infer(),
            trigger=decision.trigger if decision else frame.name,
            flush_id=frame.metadata.get(FLUSH_ID),
            user_text=decision.text if decision else None,
            interrupted_at=self._clock(),
            context_messages=messages,
            context_window=self._window,
        )
        voice_only = decision.voice_only if decision else is_voice_only(snapshot.reason)
        watch = bool(watching and snapshot.unspoken_text and voice_only)
        if watch:
            # Words that reached us before this interruption did still count.
            watch = self.watch.arm(reply, since=decision.detected_at if decision else None)
        return Cut(reply, snapshot, watch)
