#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`StateSnapshotter`: snapshots, a truthful context, and recovery from false interruptions.

Place it right after the output transport (before the assistant aggregator). It sees
what the transport actually played. What the LLM generated and what the caller said
happen upstream of it; two light taps (`StateSnapshotter.tap()`) report them in band:
one right after the STT (the caller's words) and one right after the LLM (the generated
text). Without taps the snapshotter falls back to a pipeline observer, which is told
about every frame every processor handles: correct, but it costs CPU on every audio
frame, and it learns of each frame a little later than the frame travels. At every
interruption it:

1. freezes an `InterruptionSnapshot` (generated vs spoken, reason, trigger, flush id,
   timings, a deep copy of the context) into its `SnapshotStore` and fires
   ``on_snapshot``;
2. once Pipecat's assistant aggregator has committed the spoken part of the reply to the
   `LLMContext` (it already drops text that was never played), marks that message as
   interrupted (``interrupted_marker``) and optionally adds a note for the model
   (``interruption_note``, off by default);
3. if the interruption was triggered by voice activity and no words follow within
   ``false_interruption_timeout_secs`` (only silence, a cough or a backchannel), resumes:
   the unspoken remainder is spoken (not the whole answer again) and, once played, merged
   into the interrupted message so the context holds the answer once.

"Triggered by voice activity" means a controller decision with reason ``"vad"`` or,
without a controller, a Pipecat `VADUserStartedSpeakingFrame` with the caller still
speaking and no words yet when the `InterruptionFrame` arrived. Anything else (words, an
`EmergencyStopFrame`, an `InterruptionFrame` queued by the application) is never resumed.
If the interruption also cancelled the LLM's stream, only what had been generated can be
resumed (``snapshot.generation_complete`` is False); handle ``on_false_interruption`` to
ask for the rest if you need it.
"""

import asyncio
import time
from collections import deque
from dataclasses import dataclass

from loguru import logger
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMContextAssistantTurnFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    OutputAudioRawFrame,
    StartFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    TTSTextFrame,
    UserBackchannelFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.llm_service import LLMService

from pipecat_interrupts.detectors import PhraseInterruptionDetector
from pipecat_interrupts.flush_coordinator import reason_for
from pipecat_interrupts.frames import (
    FLUSH_ID,
    AgentHandoffFrame,
    EmergencyStopFrame,
    audio_secs,
    decision_of,
)
from pipecat_interrupts.snapshot import (
    DEFAULT_CONVERSATION,
    InMemorySnapshotStore,
    InterruptionSnapshot,
    SnapshotStore,
    unspoken_remainder,
)
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_FALSE_INTERRUPTION_TIMEOUT_SECS = 2.0
DEFAULT_INTERRUPTED_MARKER = " [interrupted]"
# Only an interruption known to come from voice activity can be a false one. Without a
# controller's decision, "vad" is inferred from Pipecat's own VAD frames (see
# `StateSnapshotter._infer_reason`); an unexplained interruption (an application's
# `InterruptionFrame`, an emergency stop) is never resumed.
VOICE_TRIGGERED_REASONS = frozenset({"vad"})
# A VAD stop or an event frame this recent still explains an interruption.
_EVIDENCE_SECS = 0.5


@dataclass
class _PendingMark:
    snapshot: InterruptionSnapshot
    merge_into: int | None = None  # index of the message a resumed reply continues
    merge_prefix: str = ""


_GENERATION_FRAMES = (LLMFullResponseStartFrame, LLMTextFrame, LLMFullResponseEndFrame)
_TAPPED_FRAMES = (InterruptionFrame, TTSSpeakFrame, TranscriptionFrame, InterimTranscriptionFrame)


class SnapshotTap(FrameProcessor):
    """Reports to its `StateSnapshotter`, in band, what passes a point upstream of it.

    Create taps with `StateSnapshotter.tap()`. Place one right after the STT (it hears
    the caller's words) and one right after the LLM (it sees the generated text, and
    whether the stream was still open when an interruption came through). Each frame is
    reported once, however many taps it passes. Frames are forwarded unchanged, in the
    pushing processor's task (direct mode): audio costs one type check.
    """

    def __init__(self, snapshotter: "StateSnapshotter", **kwargs):
        """Initialize the tap.

        Args:
            snapshotter: The snapshotter it reports to.
            **kwargs: `FrameProcessor` arguments (``enable_direct_mode`` is always on).
        """
        if not isinstance(snapshotter, StateSnapshotter):
            raise TypeError(f"snapshotter must be a StateSnapshotter, got {type(snapshotter).__name__}")
        kwargs["enable_direct_mode"] = True
        super().__init__(**kwargs)
        self._snapshotter = snapshotter

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Report the frame if it matters, then forward it.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if not isinstance(frame, InputAudioRawFrame) and direction == FrameDirection.DOWNSTREAM:
            if isinstance(frame, _GENERATION_FRAMES):
                self._snapshotter.note_frame(frame, generated_by_llm=True)
            elif isinstance(frame, _TAPPED_FRAMES):
                self._snapshotter.note_frame(frame)
        await self.push_frame(frame, direction)


class _PipelineObserver(BaseObserver):
    """The fallback without taps: the same reports, from a pipeline observer."""

    def __init__(self, snapshotter: "StateSnapshotter"):
        # Everything it needs is visible on a frame's first push.
        super().__init__(observe_every_push=False)
        self._snapshotter = snapshotter

    async def on_push_frame(self, data: FramePushed):
        frame = data.frame
        if data.direction != FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, _GENERATION_FRAMES):
            if isinstance(data.source, LLMService):
                self._snapshotter.note_frame(frame, generated_by_llm=True)
        elif isinstance(frame, _TAPPED_FRAMES) and data.first_push:
            self._snapshotter.note_frame(frame)


class StateSnapshotter(FrameProcessor):
    """Records interruption snapshots, keeps the context truthful, resumes after false alarms.

    It runs in Pipecat's direct mode by default: frames are handled in the pushing
    processor's task, in the order they were pushed. A queued processor would take the
    interruption ahead of a word played just before it, and its interruption would drop
    that word from its queue; the snapshot would say the caller never heard it. Its only
    inline wait is bounded: stopping the false-interruption watch (at most 1 s).

    Event handlers available:

    - on_snapshot(snapshotter, snapshot: InterruptionSnapshot)
    - on_false_interruption(snapshotter, snapshot: InterruptionSnapshot)

    Example::

        snapshotter = StateSnapshotter(context=context)
        pipeline = Pipeline([..., tts, transport.output(), snapshotter, assistant_aggregator])

        @snapshotter.event_handler("on_snapshot")
        async def on_snapshot(snapshotter, snapshot):
            logger.info(f"heard {snapshot.spoken_text!r}, lost {snapshot.unspoken_text!r}")
    """

    def __init__(
        self,
        *,
        context: LLMContext | None = None,
        store: SnapshotStore | None = None,
        conversation_id: str | None = None,
        interrupted_marker: str = DEFAULT_INTERRUPTED_MARKER,
        interruption_note: str | None = None,
        interruption_note_role: str = "system",
        false_interruption_timeout_secs: float | None = DEFAULT_FALSE_INTERRUPTION_TIMEOUT_SECS,
        resume_false_interruptions: bool = True,
        backchannel_detector: PhraseInterruptionDetector | None = None,
        **kwargs,
    ):
        """Initialize the snapshotter.

        Args:
            context: The `LLMContext` shared with the aggregators; needed for context
                copies, marking and resume merging.
            store: Where snapshots go; an `InMemorySnapshotStore` by default.
            conversation_id: Key in the store; the worker's conversation id (or
                ``"default"``) if None.
            interrupted_marker: Appended to the interrupted assistant message ("" for none).
            interruption_note: If set, added after it as a message telling the model it
                was interrupted (e.g. "The user interrupted you; they did not hear the
                rest of your answer.").
            interruption_note_role: Role of that note.
            false_interruption_timeout_secs: How long to wait for words after a
                voice-triggered interruption before calling it false (None disables).
            resume_false_interruptions: Speak the unspoken remainder after a false one.
            backchannel_detector: Decides which words are "only a backchannel".
            **kwargs: `FrameProcessor` arguments; ``enable_direct_mode`` defaults to True.

        Raises:
            TypeError: If ``context`` or ``store`` has the wrong type, or a text argument
                is not a string.
            ValueError: If the timeout is not positive.
        """
        kwargs.setdefault("enable_direct_mode", True)
        super().__init__(**kwargs)
        if context is not None and not isinstance(context, LLMContext):
            raise TypeError(f"context must be an LLMContext, got {type(context).__name__}")
        if store is not None and not isinstance(store, SnapshotStore):
            raise TypeError(f"store must implement SnapshotStore, got {type(store).__name__}")
        if not isinstance(interrupted_marker, str):
            raise TypeError("interrupted_marker must be a string")
        if interruption_note is not None and not isinstance(interruption_note, str):
            raise TypeError("interruption_note must be a string or None")
        self._context = context
        self._store: SnapshotStore = store if store is not None else InMemorySnapshotStore()
        self._conversation_id = conversation_id
        self._marker = interrupted_marker
        self._note = interruption_note
        self._note_role = interruption_note_role
        self._false_timeout = (
            None
            if false_interruption_timeout_secs is None
            else require_positive_secs("false_interruption_timeout_secs", false_interruption_timeout_secs)
        )
        self._resume = bool(resume_false_interruptions)
        self._backchannels = backchannel_detector or PhraseInterruptionDetector()
        self._taps: list[SnapshotTap] = []
        self._observer: _PipelineObserver | None = None
        self._noted_ids: deque[int] = deque(maxlen=64)
        self._warned_no_generation = False

        self._generated: list[str] = []
        self._spoken: list[str] = []
        self._spoken_contexts: set[str | None] = set()
        # The last interrupted reply (snapshot, its TTS contexts) and words of it that
        # played after the interruption, by snapshot.
        self._late_reply: tuple[InterruptionSnapshot, set[str | None]] | None = None
        self._late: dict[int, str] = {}
        self._marked: tuple[int, int] | None = None  # (snapshot id, message index) last marked
        # Heard words of a cut reply missing from its commit (played late, or overtaken by
        # the interruption): Pipecat's assistant aggregator may put them at the start of
        # the commit after that reply's own one.
        self._strip_next: tuple[InterruptionSnapshot, list[str]] | None = None
        self._spoken_secs = 0.0
        self._bot_started_at: float | None = None
        self._llm_open = False
        self._llm_end_id: int | None = None
        # Whether the LLM was still streaming when each recent interruption was pushed.
        self._llm_open_at: dict[int, bool] = {}
        self._pending_marks: list[_PendingMark] = []
        self._resume_merge: tuple[int, str] | None = None
        self._unheard_merge: tuple[InterruptionSnapshot, tuple[int, str]] | None = None
        self._watch: InterruptionSnapshot | None = None
        self._heard_words = False
        self._watch_task: asyncio.Task | None = None
        # Evidence for an interruption without a controller's decision.
        self._vad_active = False
        self._vad_stopped_at: float | None = None
        self._words_since_vad = False
        self._event: tuple[str, float] | None = None
        self.false_interruptions = 0

        self._register_event_handler("on_snapshot")
        self._register_event_handler("on_false_interruption")

    def attach_context(self, context: LLMContext) -> None:
        """Use ``context`` (when it was not known at construction).

        Args:
            context: The `LLMContext` shared with the aggregators.

        Raises:
            TypeError: If ``context`` is not an `LLMContext`.
        """
        if not isinstance(context, LLMContext):
            raise TypeError(f"context must be an LLMContext, got {type(context).__name__}")
        self._context = context

    @property
    def context(self) -> LLMContext | None:
        """The context this snapshotter keeps truthful."""
        return self._context

    @property
    def recovers_false_interruptions(self) -> bool:
        """Whether false interruptions are detected (and possibly resumed)."""
        return self._false_timeout is not None

    @property
    def store(self) -> SnapshotStore:
        """The snapshot store."""
        return self._store

    @property
    def conversation_id(self) -> str:
        """The key this snapshotter stores under."""
        if self._conversation_id:
            return self._conversation_id
        worker = self.processor_setup.pipeline_worker if self.processor_setup else None
        return getattr(worker, "conversation_id", None) or DEFAULT_CONVERSATION

    @property
    def latest_snapshot(self) -> InterruptionSnapshot | None:
        """The most recent snapshot of this conversation."""
        return self._store.latest(self.conversation_id)

    def tap(self, **kwargs) -> SnapshotTap:
        """A new tap reporting to this snapshotter; see `SnapshotTap` for where it goes.

        Args:
            **kwargs: `FrameProcessor` arguments (a ``name``, for instance).

        Returns:
            The tap, to place in the pipeline.
        """
        tap = SnapshotTap(self, **kwargs)
        self._taps.append(tap)
        return tap

    @property
    def uses_taps(self) -> bool:
        """True when taps report to this snapshotter (no pipeline observer is added)."""
        return bool(self._taps)

    @property
    def observes_pipeline(self) -> bool:
        """True while the fallback pipeline observer is attached (no taps)."""
        return self._observer is not None

    # Fed by the taps (or the observer)

    def note_frame(self, frame: Frame, *, generated_by_llm: bool = False) -> None:
        """A frame passed upstream of the snapshotter; each frame counts once.

        Args:
            frame: An LLM response frame, `InterruptionFrame`, `TTSSpeakFrame` or transcript.
            generated_by_llm: True for LLM response frames (start, text, end).
        """
        if frame.id in self._noted_ids:
            return
        self._noted_ids.append(frame.id)
        if generated_by_llm:
            if isinstance(frame, LLMFullResponseStartFrame):
                self.note_generation_started()
            elif isinstance(frame, LLMTextFrame):
                self.note_generated(frame.text)
            else:
                self._llm_end_id = frame.id
                self.note_generation_ended()
        elif isinstance(frame, InterruptionFrame):
            self.note_interruption_pushed(frame)
        elif isinstance(frame, TTSSpeakFrame):
            self.note_generated(frame.text + " ")
        elif isinstance(frame, (TranscriptionFrame, InterimTranscriptionFrame)):
            self.note_user_words(frame.text)

    def note_generation_started(self) -> None:
        """A new LLM response started."""
        if not self._llm_open and not self._spoken:
            self._generated.clear()
        self._llm_open = True
        self._disarm("the LLM started a new response")

    def note_generated(self, text: str) -> None:
        """Text was generated for the current reply."""
        self._generated.append(text)

    def note_generation_ended(self) -> None:
        """The LLM response ended."""
        self._llm_open = False

    def note_interruption_pushed(self, frame: InterruptionFrame) -> None:
        """An interruption left the processor that raised it (before it cut the LLM)."""
        if len(self._llm_open_at) > 16:
            self._llm_open_at.clear()
        self._llm_open_at.setdefault(frame.id, self._llm_open_when(frame))

    def _llm_open_when(self, frame: InterruptionFrame) -> bool:
        # A stream cut by the interruption can end (LLMFullResponseEndFrame) before the
        # interruption passes a tap after the LLM: an end frame made after the
        # interruption frame (ids only grow) means the stream was still open.
        cut = self._llm_end_id is not None and self._llm_end_id > frame.id
        return self._llm_open or cut

    def note_user_words(self, text: str) -> None:
        """The caller said something (interim or final transcript)."""
        if not text.strip() or self._backchannels.is_backchannel(text):
            return
        self._words_since_vad = True
        if self._watch is None:
            return
        self._heard_words = True
        self._disarm(f"the caller said {text!r}")

    # Frames

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Process a frame.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)

        if isinstance(frame, InputAudioRawFrame):
            pass  # the hot path: user audio only passes through
        elif isinstance(frame, StartFrame):
            self._start_observing()
        elif isinstance(frame, (EndFrame, CancelFrame)):
            await self._teardown()
        elif direction == FrameDirection.DOWNSTREAM:
            await self._downstream(frame)
        elif isinstance(frame, LLMContextAssistantTurnFrame):
            self._on_assistant_committed()
        await self.push_frame(frame, direction)

    async def cleanup(self):
        """Stop the false-interruption watch."""
        await super().cleanup()
        await self._teardown()

    def _start_observing(self) -> None:
        if self._taps:
            logger.debug(f"{self}: {len(self._taps)} tap(s) report generation and words")
            return
        worker = self.processor_setup.pipeline_worker if self.processor_setup else None
        if worker is None:
            logger.warning(f"{self}: no taps and no pipeline worker; generated text cannot be observed")
            return
        if self._observer is None:
            logger.debug(f"{self}: no taps; observing the pipeline instead (see StateSnapshotter.tap())")
            self._observer = _PipelineObserver(self)
            worker.add_observer(self._observer)

    async def _downstream(self, frame: Frame) -> None:
        if isinstance(frame, BotStartedSpeakingFrame):
            if self._bot_started_at is None:
                self._bot_started_at = time.monotonic()
        elif isinstance(frame, TTSTextFrame):
            if self._late_reply is not None and frame.context_id in self._late_reply[1]:
                self._note_late_word(frame.text)
            else:
                self._spoken.append(frame.text)
                self._spoken_contexts.add(frame.context_id)
        elif isinstance(frame, OutputAudioRawFrame):
            self._spoken_secs += audio_secs(frame)
        elif isinstance(frame, VADUserStartedSpeakingFrame):
            self._vad_active, self._vad_stopped_at, self._words_since_vad = True, None, False
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._vad_active, self._vad_stopped_at = False, time.monotonic()
        elif isinstance(frame, (EmergencyStopFrame, AgentHandoffFrame)):
            self._event = (reason_for(frame), time.monotonic())
        elif isinstance(frame, InterruptionFrame):
            await self._on_interruption(frame)
        elif isinstance(frame, UserBackchannelFrame):
            logger.trace(f"{self}: backchannel {frame.text!r} does not count as words")
        elif isinstance(frame, LLMFullResponseEndFrame) or (
            isinstance(frame, BotStoppedSpeakingFrame) and not self._llm_open
        ):
            self._reset_reply()

    def _note_late_word(self, text: str) -> None:
        # Pipecat's output transport can still play the chunk it had taken from its queue
        # when the interruption came: its words were heard, after the snapshot was taken.
        # They reach Pipecat's assistant aggregator after the interruption made it commit,
        # so it puts them at the start of its next commit: they are taken off there.
        snapshot, word = self._late_reply[0], text.strip()
        late = f"{self._late.get(id(snapshot), '')} {word}".strip()
        self._late = {id(snapshot): late}
        logger.debug(f"{self}: {word!r} played after the interruption; counted as heard")
        if self._marked is None or self._marked[0] != id(snapshot) or self._context is None:
            # Not committed yet: the mark will use the heard text, late words included,
            # and expect the words missing from the commit at the start of the next one.
            return
        # Already committed and marked: the word belongs to that message, not the next.
        if self._strip_next is None or self._strip_next[0] is not snapshot:
            self._strip_next = (snapshot, [])
        self._strip_next[1].extend(word.split())
        messages = list(self._context.get_messages())
        index = self._marked[1]
        if index < len(messages) and messages[index].get("role") == "assistant":
            base = _strip_marker(messages[index].get("content") or "", self._marker)
            messages[index] = {**messages[index], "content": f"{base} {word}".strip() + self._marker}
            self._context.set_messages(messages)

    def _heard(self, snapshot: InterruptionSnapshot) -> str:
        """What the caller heard of ``snapshot``'s reply, late-played words included."""
        late = self._late.get(id(snapshot))
        return f"{snapshot.spoken_text} {late}".strip() if late else snapshot.spoken_text

    def _unheard(self, snapshot: InterruptionSnapshot) -> str:
        """What the caller never heard of ``snapshot``'s reply."""
        if id(snapshot) not in self._late:
            return snapshot.unspoken_text
        return unspoken_remainder(snapshot.generated_text, self._heard(snapshot))

    def _reset_reply(self) -> None:
        self._spoken_contexts = set()
        self._generated.clear()
        self._spoken.clear()
        self._spoken_secs = 0.0
        self._bot_started_at = None

    async def _on_interruption(self, frame: InterruptionFrame) -> None:
        decision = decision_of(frame)
        llm_open = self._llm_open_at.pop(frame.id, None)
        if llm_open is None:
            llm_open = self._llm_open_when(frame)
        generated = "".join(self._generated).strip()
        spoken = _join_spoken(self._spoken)
        if not generated and not spoken:
            return  # nothing was being said
        if spoken and not generated and self._taps and not self._warned_no_generation:
            self._warned_no_generation = True
            logger.warning(
                f"{self}: the bot said {spoken!r} but no tap saw it generated; place "
                f"snapshotter.tap() right after the LLM"
            )
        snapshot = InterruptionSnapshot(
            conversation_id=self.conversation_id,
            reason=decision.reason if decision else self._infer_reason(),
            trigger=decision.trigger if decision else frame.name,
            flush_id=frame.metadata.get(FLUSH_ID),
            generated_text=generated,
            spoken_text=spoken,
            unspoken_text=unspoken_remainder(generated, spoken),
            user_text=decision.text if decision else None,
            bot_started_at=self._bot_started_at,
            interrupted_at=time.monotonic(),
            spoken_secs=self._spoken_secs,
            context_messages=InterruptionSnapshot.copy_messages(
                self._context.get_messages() if self._context else ()
            ),
            generation_complete=not llm_open,
        )
        self._event = None
        contexts = self._spoken_contexts - {None}
        self._late_reply = (snapshot, contexts) if spoken and contexts else None
        self._late = {}
        self._reset_reply()
        self._llm_open = False
        self._store.add(snapshot)
        logger.debug(
            f"{self}: snapshot ({snapshot.reason}): heard {snapshot.spoken_text!r}, "
            f"not heard {snapshot.unspoken_text!r}"
        )
        merge = self._resume_merge
        self._resume_merge = None
        if spoken:
            # The assistant aggregator commits what was heard right after this frame; the
            # mark (and a merge into the message a resumed reply continues) waits for it.
            self._pending_marks.append(_PendingMark(snapshot, *(merge if merge else (None, ""))))
        else:
            # Nothing of this reply was heard, so it has no message of its own; a resumed
            # remainder cut again still belongs to the message it continues.
            self._unheard_merge = (snapshot, merge) if merge else None
        await self._call_event_handler("on_snapshot", snapshot)
        await self._disarm_async("a new interruption")
        if (
            self._false_timeout is not None
            and snapshot.unspoken_text
            and snapshot.reason in VOICE_TRIGGERED_REASONS
        ):
            self._arm(snapshot)

    def _infer_reason(self) -> str:
        """Why the bot was cut off, when no controller said so.

        An event frame (emergency stop, handoff) just before explains it; otherwise the
        caller's voice activity does if Pipecat's VAD reported speech at that moment:
        ``"vad"`` before any words (plain Pipecat's VAD start strategy), ``"text"`` once
        words were heard. Anything else is an unexplained ``"interruption"``.
        """
        now = time.monotonic()
        if self._event is not None and now - self._event[1] <= _EVIDENCE_SECS:
            return self._event[0]
        voice = self._vad_active or (
            self._vad_stopped_at is not None and now - self._vad_stopped_at <= _EVIDENCE_SECS
        )
        if voice:
            return "text" if self._words_since_vad else "vad"
        return "interruption"

    # Truthful context

    def _on_assistant_committed(self) -> None:
        if self._context is None:
            self._pending_marks.clear()
            return
        messages = list(self._context.get_messages())
        latest = _last_assistant_index(messages)
        if (
            self._strip_next is not None
            and latest is not None
            and self._marked is not None
            and self._marked[0] == id(self._strip_next[0])
        ):
            # The cut reply's own commit has been marked: this is the next one.
            messages, latest = self._strip_late_words(messages, latest)
        committed = messages[latest].get("content") if latest is not None else None
        mark = self._match_mark(committed)
        if mark is not None:
            index = latest
            # What the caller heard is the snapshot's text. Pipecat's aggregator may have
            # committed fewer words (an interruption overtakes text frames still queued
            # in it), never more: the heard text is the truth to keep.
            heard = self._heard(mark.snapshot)
            held_back = heard.split()[len(committed.split()) :]
            if held_back:
                # The overtaken words were either dropped from the aggregator's queue or,
                # still waiting behind the interruption, open its next commit (as words
                # played late do, and any noted so far are among them).
                self._strip_next = (mark.snapshot, held_back)
            messages[index] = {**messages[index], "content": heard}
            if mark.merge_into is not None:
                messages, index = self._drop_notes(messages, mark.merge_into, index)
                messages, index = _merge_into(messages, mark.merge_into, mark.merge_prefix, index)
            if index is not None and self._marker:
                messages[index] = {**messages[index], "content": messages[index]["content"] + self._marker}
            self._marked = (id(mark.snapshot), index) if index is not None else None
            if index is not None and self._note:
                messages.insert(index + 1, {"role": self._note_role, "content": self._note})
            self._context.set_messages(messages)
        elif self._resume_merge is not None and self._watch is None:
            # The resumed remainder played to the end: one message holds the whole answer.
            target, prefix = self._resume_merge
            self._resume_merge = None
            messages, latest = self._drop_notes(messages, target, latest)
            messages, _ = _merge_into(messages, target, prefix, latest)
            self._context.set_messages(messages)

    def _strip_late_words(self, messages: list, latest: int) -> tuple[list, int | None]:
        """Take words of the previous reply (played late, or overtaken) off the start of this one."""
        late, self._strip_next = self._strip_next[1], None
        content = messages[latest].get("content") or ""
        words = content.split()
        if words[: len(late)] != late:
            return messages, latest
        rest = " ".join(words[len(late) :])
        logger.debug(f"{self}: {' '.join(late)!r} moved back to the reply it was played in")
        messages = list(messages)
        if rest:
            messages[latest] = {**messages[latest], "content": rest}
        else:
            del messages[latest]
            latest = _last_assistant_index(messages)
        self._context.set_messages(messages)
        return messages, latest

    def _drop_notes(self, messages: list, target: int, latest: int | None) -> tuple[list, int | None]:
        """Remove our interruption notes between ``target`` and ``latest``.

        They were about the interruption a resumed reply has just continued past.
        """
        if not self._note or latest is None or latest <= target:
            return messages, latest
        note = {"role": self._note_role, "content": self._note}
        between = [m for m in messages[target + 1 : latest] if m != note]
        dropped = (latest - target - 1) - len(between)
        return [*messages[: target + 1], *between, *messages[latest:]], latest - dropped

    def _match_mark(self, committed: object) -> _PendingMark | None:
        """The newest pending mark whose heard text the committed text begins; older ones go."""
        if not isinstance(committed, str) or not committed.strip():
            return None
        words = committed.split()
        for i in range(len(self._pending_marks) - 1, -1, -1):
            heard = self._heard(self._pending_marks[i].snapshot).split()
            if heard[: len(words)] == words:
                mark = self._pending_marks[i]
                stale = self._pending_marks[:i]
                if stale:
                    logger.debug(f"{self}: {len(stale)} interruption(s) had nothing committed to mark")
                del self._pending_marks[: i + 1]
                return mark
        return None

    # False interruptions

    def _arm(self, snapshot: InterruptionSnapshot) -> None:
        self._watch = snapshot
        self._heard_words = False
        self._watch_task = self.create_task(self._watch_for_words(snapshot), name="false-interruption")

    def _disarm(self, why: str) -> None:
        if self._watch is None:
            return
        logger.debug(f"{self}: not a false interruption: {why}")
        self._watch = None
        task, self._watch_task = self._watch_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel(msg="false-interruption watch disarmed")

    async def _disarm_async(self, why: str) -> None:
        task = self._watch_task
        self._disarm(why)
        if task is not None and task is not asyncio.current_task():
            await asyncio.wait([task], timeout=1.0)

    async def _watch_for_words(self, snapshot: InterruptionSnapshot) -> None:
        await asyncio.sleep(self._false_timeout or 0)
        if self._watch is not snapshot or self._heard_words:
            return
        self._watch = None
        self._watch_task = None
        self.false_interruptions += 1
        logger.debug(
            f"{self}: false interruption ({snapshot.reason}): no words within "
            f"{self._false_timeout:.2f}s; "
            f"{'resuming' if self._resume else 'not resuming'} {self._unheard(snapshot)!r}"
        )
        await self._call_event_handler("on_false_interruption", snapshot)
        if not self._resume:
            return
        messages = list(self._context.get_messages()) if self._context else []
        unheard, self._unheard_merge = self._unheard_merge, None
        if snapshot.spoken_text:
            # The interrupted reply's heard part is the last assistant message.
            target = _last_assistant_index(messages)
            if target is not None:
                prefix = _strip_marker(messages[target].get("content") or "", self._marker)
                self._resume_merge = (target, prefix)
        elif unheard is not None and unheard[0] is snapshot:
            self._resume_merge = unheard[1]
        # Otherwise nothing was heard: the resumed reply becomes a message of its own.
        worker = self.processor_setup.pipeline_worker
        remainder = self._unheard(snapshot)
        if not remainder:
            logger.debug(f"{self}: the rest was played after the interruption; nothing to resume")
            self._resume_merge = None
            return
        await worker.queue_frame(TTSSpeakFrame(remainder))

    async def _teardown(self) -> None:
        task, self._watch_task = self._watch_task, None
        self._watch = None
        if task is not None and not task.done() and task is not asyncio.current_task():
            await self.cancel_task(task)
        worker = self.processor_setup.pipeline_worker if self.processor_setup else None
        observer, self._observer = self._observer, None
        if worker is not None and observer is not None:
            try:
                await worker.remove_observer(observer)
            except Exception as e:  # the worker may already have dropped its observers
                logger.trace(f"{self}: observer removal: {e}")


def _join_spoken(parts: list[str]) -> str:
    return " ".join(p.strip() for p in parts if p.strip())


def _last_assistant_index(messages: list) -> int | None:
    for i in range(len(messages) - 1, -1, -1):
        if isinstance(messages[i], dict) and messages[i].get("role") == "assistant":
            return i
    return None


def _strip_marker(content: str, marker: str) -> str:
    return content[: -len(marker)] if marker and content.endswith(marker) else content


def _merge_into(
    messages: list, target: int, prefix: str, latest: int | None
) -> tuple[list, int | None]:
    """Fold the latest assistant message (a resumed remainder) into ``target``."""
    if latest is None or latest <= target or target >= len(messages):
        return messages, latest
    between = messages[target + 1 : latest]
    if any(isinstance(m, dict) and m.get("role") in ("user", "assistant") for m in between):
        return messages, latest  # the conversation moved on: keep both messages
    continuation = messages[latest].get("content") or ""
    merged = {**messages[target], "content": f"{prefix} {continuation}".strip()}
    result = [*messages[:target], merged, *between, *messages[latest + 1 :]]
    return result, target
