#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`StateSnapshotter`: a thin processor over the reply ledger.

Place it right after the output transport (after a `BotSpeakingGuard`, before the
assistant aggregator), with one tap right after the STT and one right after the LLM.
It feeds the `ReplyLedger` what was generated (taps) and what was played (the text the
transport releases after its audio, per TTS context); the `ContextWriter` writes each
reply's assistant message from what was played. It takes every spoken `TTSTextFrame`
out of the assistant aggregator's hands (``append_to_context=False``, Pipecat's own
lever), so there is one writer. At every interruption it freezes an
`InterruptionSnapshot` of the cut reply into its store and, when the decision is voice
only, watches for words: none within ``false_interruption_timeout_secs`` (silence, a
cough, a backchannel) resumes the unheard remainder into the same message.
"""

import asyncio
import time

from loguru import logger
from pipecat.frames.frames import (
    AggregatedTextFrame, BotStartedSpeakingFrame, BotStoppedSpeakingFrame, CancelFrame, EndFrame, Frame, InputAudioRawFrame, InterimTranscriptionFrame,
    InterruptionFrame, LLMFullResponseEndFrame, LLMFullResponseStartFrame, LLMTextFrame, OutputAudioRawFrame,
    StartFrame, TranscriptionFrame, TTSSpeakFrame, TTSTextFrame, VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.detectors.base import BackchannelJudge
from pipecat_interrupts.detectors.phrase_detector import PhraseInterruptionDetector
from pipecat_interrupts.frames import FLUSH_ID, AgentHandoffFrame, EmergencyStopFrame, audio_secs, decision_of
from pipecat_interrupts.reasons import Reason, is_voice_only
from pipecat_interrupts.replies.context_writer import ContextWriter
from pipecat_interrupts.replies.evidence import InterruptionEvidence
from pipecat_interrupts.replies.false_interruption import FalseInterruptionWatch
from pipecat_interrupts.replies.ledger import RESUME_TEXT_TYPE, ReplyLedger
from pipecat_interrupts.replies.output_guard import OutputGuard
from pipecat_interrupts.replies.reply import Reply
from pipecat_interrupts.replies.snapshots import (
    DEFAULT_CONTEXT_WINDOW, DEFAULT_CONVERSATION, InMemorySnapshotStore, InterruptionSnapshot, SnapshotStore,
    snapshot_of,
)
from pipecat_interrupts.replies.taps import SnapshotObserver, SnapshotTap
from pipecat_interrupts.replies.text import PlayedText
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_FALSE_INTERRUPTION_TIMEOUT_SECS = 2.0
DEFAULT_INTERRUPTED_MARKER = " [interrupted]"
STORE_DEADLINE_SECS = 0.2


class StateSnapshotter(FrameProcessor):
    """Snapshots, a truthful context and false-interruption recovery (see the module).

    Runs in direct mode by default: frames are handled in the transport's task, in the
    order they were pushed. Event handlers: ``on_snapshot(snapshotter, snapshot)`` and
    ``on_false_interruption(snapshotter, snapshot)``.
    """

    def __init__(
        self, *, context: LLMContext | None = None, store: SnapshotStore | None = None,
        conversation_id: str | None = None, interrupted_marker: str = DEFAULT_INTERRUPTED_MARKER,
        interruption_note: str | None = None, interruption_note_role: str = "system",
        false_interruption_timeout_secs: float | None = DEFAULT_FALSE_INTERRUPTION_TIMEOUT_SECS,
        resume_false_interruptions: bool = True, backchannel_judge: BackchannelJudge | None = None,
        backchannel_detector: BackchannelJudge | None = None, context_window: int | None = DEFAULT_CONTEXT_WINDOW,
        **kwargs,
    ):
        """Initialize the snapshotter.

        Args:
            context: The `LLMContext` shared with the aggregators (or attached later).
            store: Where snapshots go; a bounded `InMemorySnapshotStore` by default.
            conversation_id: Key in the store; by default the pipeline worker's
                ``conversation_id`` (or ``"default"``).
            interrupted_marker: Appended to a cut reply's message ("" for none).
            interruption_note: A message placed after it telling the model it was cut off.
            interruption_note_role: That message's role.
            false_interruption_timeout_secs: How long to wait for words after a voice-only
                interruption before calling it false (None disables).
            resume_false_interruptions: Speak the unheard remainder after a false one.
            backchannel_judge: Decides which words are only a backchannel; pass the
                controller's, so both judge alike (a `PhraseInterruptionDetector` by default).
            backchannel_detector: Former name of ``backchannel_judge``.
            context_window: Recent context messages a snapshot copies (None for all).
            **kwargs: `FrameProcessor` arguments; ``enable_direct_mode`` defaults to True.

        Raises:
            TypeError: If an argument has the wrong type.
            ValueError: If the timeout is not positive and finite.
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
        if context_window is not None and (not isinstance(context_window, int) or context_window < 0):
            raise ValueError(f"context_window must be a non-negative int or None, got {context_window!r}")
        self._store: SnapshotStore = store if store is not None else InMemorySnapshotStore()
        self._conversation_id = conversation_id
        self._false_timeout = (
            None if false_interruption_timeout_secs is None
            else require_positive_secs("false_interruption_timeout_secs", false_interruption_timeout_secs)
        )
        self._resume = bool(resume_false_interruptions)
        self._context_window = context_window
        writer = ContextWriter(context, marker=interrupted_marker, note=interruption_note, note_role=interruption_note_role)
        self._ledger = ReplyLedger(writer)
        self._guard = OutputGuard()
        self._evidence = InterruptionEvidence()
        self._watch = FalseInterruptionWatch(backchannel_judge or backchannel_detector or PhraseInterruptionDetector())
        self._runner = UserCodeRunner(str(self))
        self._taps: list[SnapshotTap] = []
        self._observer: SnapshotObserver | None = None
        self._noted_ids: dict[int, None] = {}
        self._watch_task: asyncio.Task | None = None
        self._warned_no_generation = False
        self.false_interruptions = 0
        self._register_event_handler("on_snapshot")
        self._register_event_handler("on_false_interruption")

    def attach_context(self, context: LLMContext) -> None:
        """Keep ``context`` truthful (when it was not known at construction)."""
        if not isinstance(context, LLMContext):
            raise TypeError(f"context must be an LLMContext, got {type(context).__name__}")
        self._ledger.writer.attach(context)

    @property
    def context(self) -> LLMContext | None:
        """The context this snapshotter keeps truthful."""
        return self._ledger.writer.context

    @property
    def ledger(self) -> ReplyLedger:
        """The reply ledger."""
        return self._ledger

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
        """The key this snapshotter stores under: given, else the pipeline worker's."""
        if self._conversation_id:
            return self._conversation_id
        worker = self.processor_setup.pipeline_worker if self.processor_setup else None
        # Pipecat 1.14's PipelineWorker takes ``conversation_id=`` but keeps it private.
        worker_id = getattr(worker, "conversation_id", None) or getattr(worker, "_conversation_id", None)
        return worker_id if isinstance(worker_id, str) and worker_id else DEFAULT_CONVERSATION

    @property
    def latest_snapshot(self) -> InterruptionSnapshot | None:
        """The most recent snapshot of this conversation."""
        return self._store.latest(self.conversation_id)

    def tap(self, **kwargs) -> SnapshotTap:
        """A new tap reporting to this snapshotter (see `SnapshotTap` for where it goes)."""
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

    def note_frame(self, frame: Frame, *, generated_by_llm: bool = False) -> None:
        """A frame passed upstream of the snapshotter (a tap saw it); each counts once."""
        if frame.id in self._noted_ids:
            return
        self._noted_ids[frame.id] = None
        if len(self._noted_ids) > 64:
            del self._noted_ids[next(iter(self._noted_ids))]
        if isinstance(frame, LLMFullResponseStartFrame):
            self._ledger.generation_started(frame.id)
            self._watch_disarm("the LLM started a new response")
        elif isinstance(frame, LLMTextFrame) and generated_by_llm:
            self._ledger.generated(frame.id, frame.text)
        elif isinstance(frame, LLMFullResponseEndFrame):
            self._ledger.generation_ended(frame.id)
        elif isinstance(frame, TTSSpeakFrame):
            if frame.text_type != RESUME_TEXT_TYPE:
                self._ledger.speak_requested(frame.id, frame.text)
        elif isinstance(frame, (TranscriptionFrame, InterimTranscriptionFrame)):
            self.note_user_words(frame.text, getattr(frame, "language", None))

    def note_user_words(self, text: object, language: object = None) -> None:
        """The caller said something (interim or final transcript); odd text is logged."""
        if not isinstance(text, str):
            logger.warning(f"{self}: a transcript with text {text!r} ({type(text).__name__}); not counted as words")
            return
        if self._watch.takes_the_floor(text, str(language) if language else None):
            self._evidence.words()
            self._watch_disarm(f"the caller said {text!r}")

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Feed the ledger, snapshot interruptions, forward everything.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame) or direction != FrameDirection.DOWNSTREAM:
            pass  # the hot path: user audio only passes through
        elif isinstance(frame, TTSTextFrame):
            self._on_played(frame)
        elif isinstance(frame, AggregatedTextFrame) and frame.text_type == RESUME_TEXT_TYPE:
            self._ledger.resume_announced(frame.context_id)
        elif isinstance(frame, OutputAudioRawFrame):
            self._ledger.audio_played(audio_secs(frame), late=self._guard.judge(frame))
        elif isinstance(frame, InterruptionFrame):
            self._guard.note_interruption(frame)
            await self._on_interruption(frame)
        elif isinstance(frame, BotStartedSpeakingFrame):
            self._ledger.bot_started()
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._ledger.bot_stopped()
        elif isinstance(frame, VADUserStartedSpeakingFrame):
            self._evidence.vad_started()
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._evidence.vad_stopped()
        elif isinstance(frame, EmergencyStopFrame):
            self._evidence.event(Reason.EMERGENCY_STOP)
        elif isinstance(frame, AgentHandoffFrame):
            self._evidence.event(Reason.AGENT_HANDOFF)
        elif isinstance(frame, StartFrame):
            self._start_observing()
        elif isinstance(frame, (EndFrame, CancelFrame)):
            await self._teardown()
        await self.push_frame(frame, direction)

    async def cleanup(self):
        """Stop the false-interruption watch and abandoned callbacks."""
        await super().cleanup()
        await self._teardown()

    def _on_played(self, frame: TTSTextFrame) -> None:
        in_context = frame.append_to_context
        if in_context and self.context is not None:
            frame.append_to_context = False  # the ContextWriter writes it, from the ledger
        part = PlayedText(frame.text, frame.context_id, frame.includes_inter_frame_spaces, self._guard.judge(frame))
        self._ledger.played(part, text_type=str(frame.text_type), in_context=in_context)

    async def _on_interruption(self, frame: InterruptionFrame) -> None:
        self._watch_disarm("a new interruption")
        reply = self._ledger.interrupted(frame.id)
        if reply is None:
            return  # nothing was being said
        decision = decision_of(frame)
        if reply.played and not reply.generated and self._taps and not self._warned_no_generation:
            self._warned_no_generation = True
            logger.warning(f"{self}: the bot said {reply.heard_text!r} but no tap saw it generated; "
                           f"place snapshotter.tap() right after the LLM")
        snapshot = snapshot_of(
            reply, conversation_id=self.conversation_id,
            reason=decision.reason if decision else self._evidence.infer(),
            trigger=decision.trigger if decision else frame.name, flush_id=frame.metadata.get(FLUSH_ID),
            user_text=decision.text if decision else None, interrupted_at=time.monotonic(),
            context_messages=self.context.get_messages() if self.context else (), context_window=self._context_window,
        )
        logger.debug(f"{self}: snapshot ({snapshot.reason}): heard {snapshot.spoken_text!r}, "
                     f"not heard {snapshot.unspoken_text!r}")
        await self._runner.call(self._store.add, snapshot, deadline_secs=STORE_DEADLINE_SECS, name="snapshot store add")
        await self._call_event_handler("on_snapshot", snapshot)
        voice_only = decision.voice_only if decision else is_voice_only(snapshot.reason)
        if self._false_timeout is not None and snapshot.unspoken_text and voice_only:
            self._watch.arm(reply)
            self._watch_task = self.create_task(self._await_words(reply, snapshot), name="false-interruption")

    def _watch_disarm(self, why: str) -> None:
        if self._watch.disarm(why):
            task, self._watch_task = self._watch_task, None
            if task is not None and task is not asyncio.current_task():
                task.cancel(msg="false-interruption watch disarmed")

    async def _await_words(self, reply: Reply, snapshot: InterruptionSnapshot) -> None:
        await asyncio.sleep(self._false_timeout or 0)
        if not self._watch.expire(reply):
            return
        self._watch_task = None
        self.false_interruptions += 1
        logger.debug(f"{self}: false interruption ({snapshot.reason}): no words within {self._false_timeout:g}s")
        await self._call_event_handler("on_false_interruption", snapshot)
        resumed = self._ledger.resume(reply) if self._resume else None
        if resumed is None:
            return
        speak = TTSSpeakFrame(resumed.generated_text, text_type=RESUME_TEXT_TYPE)
        tap = next((t for t in reversed(self._taps) if t.saw_generation), None)
        if tap is not None:
            await tap.push_frame(speak)  # right after the LLM: the fewest hops to the TTS
        else:
            await self.processor_setup.pipeline_worker.queue_frame(speak)

    def _start_observing(self) -> None:
        worker = self.processor_setup.pipeline_worker if self.processor_setup else None
        if self._taps or worker is None or self._observer is not None:
            return
        logger.debug(f"{self}: no taps; observing the pipeline instead (see StateSnapshotter.tap())")
        self._observer = SnapshotObserver(self)
        worker.add_observer(self._observer)

    async def _teardown(self) -> None:
        self._watch.disarm("the pipeline ended")
        task, self._watch_task = self._watch_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            await self.cancel_task(task)
        await self._runner.close()
        worker = self.processor_setup.pipeline_worker if self.processor_setup else None
        observer, self._observer = self._observer, None
        if worker is not None and observer is not None:
            try:
                await worker.remove_observer(observer)
            except Exception as e:  # the worker may already have dropped its observers
                logger.trace(f"{self}: observer removal: {e}")
