#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`StateSnapshotter`: a thin processor over the reply ledger.

Place it right after the output transport (before the assistant aggregator), and let
it listen to the STT and the LLM (`listen_to`; `wiring.interruption_pipeline` does both,
and has it repair the bot's speaking signals too, ``guard_speaking``: see
`speaking_signals`). Its `ReplyTracker` feeds the `ReplyLedger` what was generated
(what the LLM pushes) and what was played
(the text the transport releases after its audio, per TTS context); the `ContextWriter`
writes each reply's assistant message from what was played, and spoken `TTSTextFrame`s
leave it with ``append_to_context=False`` (Pipecat's own lever), so the assistant
aggregator never writes a second copy. At every interruption its `SnapshotTaker` stores a
snapshot of the cut reply and, when the decision was voice only, its
`FalseInterruptionRecovery` watches for words: none within
``false_interruption_timeout_secs`` (silence, a cough, a backchannel) resumes the
unheard remainder into the same message.
"""

from typing import Any

from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InterruptionFrame,
    StartFrame,
)
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.detectors.base import BackchannelJudge
from pipecat_interrupts.detectors.phrase_detector import PhraseInterruptionDetector
from pipecat_interrupts.event_handlers import (
    DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
    DeadlineEventHandlersMixin,
)
from pipecat_interrupts.frame_classes import FrameClassSet
from pipecat_interrupts.quiet_hop import QuietHopMixin
from pipecat_interrupts.replies.context_writer import ContextWriter
from pipecat_interrupts.replies.ledger import ReplyLedger
from pipecat_interrupts.replies.recovery import FalseInterruptionRecovery
from pipecat_interrupts.replies.snapshot_taker import SnapshotTaker
from pipecat_interrupts.replies.snapshots import (
    DEFAULT_CONTEXT_WINDOW,
    InMemorySnapshotStore,
    InterruptionSnapshot,
    SnapshotStore,
    conversation_id_of,
)
from pipecat_interrupts.replies.speaking_signals import (
    SIGNAL_FRAMES,
    SpeakingSignals,
    speaking_pair,
)
from pipecat_interrupts.replies.taps import SnapshotSources, SnapshotTap
from pipecat_interrupts.replies.tracker import OBSERVED_FRAMES, ReplyTracker
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_FALSE_INTERRUPTION_TIMEOUT_SECS = 2.0
DEFAULT_INTERRUPTED_MARKER = " [interrupted]"


_READ_FRAMES = OBSERVED_FRAMES | FrameClassSet(
    InterruptionFrame, StartFrame, EndFrame, CancelFrame, *SIGNAL_FRAMES
)
"""Downstream frames the snapshotter reads: the tracker's, its own, the speaking signals'."""


class StateSnapshotter(DeadlineEventHandlersMixin, QuietHopMixin):
    """Snapshots, a truthful context and false-interruption recovery (see the module).

    Runs in direct mode by default: frames are handled in the transport's task, in the
    order they were pushed. Event handlers: ``on_snapshot(snapshotter, snapshot)`` and
    ``on_false_interruption(snapshotter, snapshot)``, each in its own task under
    ``event_handler_timeout_secs`` (`DeadlineEventHandlersMixin`).
    """

    __slots__ = (
        "_conversation_id",
        "_judge",
        "_recovery",
        "_runner",
        "_signals",
        "_sources",
        "_taker",
        "_tracker",
        "_writer",
    )

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
        backchannel_judge: BackchannelJudge | None = None,
        backchannel_detector: BackchannelJudge | None = None,
        context_window: int | None = DEFAULT_CONTEXT_WINDOW,
        guard_speaking: bool = False,
        event_handler_timeout_secs: float = DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
        **kwargs: Any,
    ) -> None:
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
                controller's so both judge alike (a `PhraseInterruptionDetector` by default).
            backchannel_detector: Former name of ``backchannel_judge``.
            context_window: Most messages of the cut exchange a snapshot copies (None: no bound).
            guard_speaking: Also repair the bot's speaking signals after a chunk the
                transport played late (what a `BotSpeakingGuard` does, without its
                processor); `wiring.interruption_pipeline` turns it on.
            event_handler_timeout_secs: Deadline for each event handler.
            **kwargs: `FrameProcessor` arguments; ``enable_direct_mode`` defaults to True.

        Raises:
            TypeError: If an argument has the wrong type.
            ValueError: If the timeout or the window is out of range.
        """
        kwargs.setdefault("enable_direct_mode", True)
        super().__init__(event_handler_timeout_secs=event_handler_timeout_secs, **kwargs)
        if store is not None and not isinstance(store, SnapshotStore):
            raise TypeError(f"store must implement SnapshotStore, got {type(store).__name__}")
        timeout = false_interruption_timeout_secs
        if timeout is not None:
            timeout = require_positive_secs("false_interruption_timeout_secs", timeout)
        self._conversation_id = conversation_id
        writer = ContextWriter(
            context,
            marker=interrupted_marker,
            note=interruption_note,
            note_role=interruption_note_role,
        )
        judge = backchannel_judge or backchannel_detector or PhraseInterruptionDetector()
        self._writer = writer
        self._judge: BackchannelJudge = judge
        self._tracker = ReplyTracker(writer, judge, context_window=context_window)
        self._runner = UserCodeRunner(str(self))
        self._sources = SnapshotSources(self)
        self._signals = SpeakingSignals(str(self)) if guard_speaking else None
        self._recovery = FalseInterruptionRecovery(
            str(self),
            self._tracker,
            self._sources,
            timeout_secs=timeout,
            resume=bool(resume_false_interruptions),
            spawn=lambda coroutine: self.create_task(coroutine, name="false-interruption"),
            cancel=self.cancel_task,
            announce=lambda snapshot: self._call_event_handler("on_false_interruption", snapshot),
            queue_frame=lambda frame: self.processor_setup.pipeline_worker.queue_frame(frame),
        )
        self._taker = SnapshotTaker(
            str(self),
            self._tracker,
            self._sources,
            self._recovery,
            store if store is not None else InMemorySnapshotStore(),
            runner=self._runner,
            announce=lambda snapshot: self._call_event_handler("on_snapshot", snapshot),
        )
        self._register_event_handler("on_snapshot")
        self._register_event_handler("on_false_interruption")

    def attach_context(self, context: LLMContext) -> None:
        """Keep ``context`` truthful (when it was not known at construction)."""
        self._writer.attach(context)

    @property
    def context(self) -> LLMContext | None:
        """The context kept truthful."""
        return self._writer.context

    @property
    def judge(self) -> BackchannelJudge:
        """The backchannel judge deciding which words after a cut are only a backchannel."""
        return self._judge

    @property
    def ledger(self) -> ReplyLedger:
        """The reply ledger (up to date with what the LLM generated)."""
        self._sources.drain()
        return self._tracker.ledger

    @property
    def store(self) -> SnapshotStore:
        """The snapshot store."""
        return self._taker.store

    recovers_false_interruptions = property(
        lambda self: self._recovery.enabled, doc="Watches false ones."
    )
    false_interruptions = property(
        lambda self: self._recovery.count, doc="False interruptions found so far."
    )
    uses_taps = property(
        lambda self: self._sources.in_band, doc="Taps or push hooks report (no observer)."
    )
    observes_pipeline = property(
        lambda self: self._sources.observing, doc="The fallback observer is attached."
    )
    guards_speaking = property(
        lambda self: self._signals is not None, doc="It repairs the speaking signals."
    )

    @property
    def conversation_id(self) -> str:
        """The key this snapshotter stores under: given, else the pipeline worker's."""
        worker = self.processor_setup.pipeline_worker if self.processor_setup else None
        return conversation_id_of(self._conversation_id, worker)

    @property
    def latest_snapshot(self) -> InterruptionSnapshot | None:
        """The most recent snapshot of this conversation."""
        return self._taker.store.latest(self.conversation_id)

    @property
    def sources(self) -> SnapshotSources:
        """Where it hears of generation and the caller's words (hooks, taps, observer)."""
        return self._sources

    def listen_to(self, *processors: FrameProcessor) -> None:
        """Hear the caller's words and what the LLM generates, with no processor added.

        An `InterruptionController` reports the caller's words itself; from any other
        processor (the STT, or the transport input that transcribes; the LLM) the
        snapshotter hears what it pushes (Pipecat's ``on_before_push_frame``).

        Args:
            *processors: The controller (or the STT) and the LLM.

        Raises:
            TypeError: If one is not a `FrameProcessor`.
        """
        for processor in processors:
            self._sources.listen_to(processor)

    def guard_speaking_signals(self) -> None:
        """Repair the bot's speaking signals from now on (as ``guard_speaking=True``)."""
        if self._signals is None:
            self._signals = SpeakingSignals(str(self))

    def tap(self, **kwargs: Any) -> SnapshotTap:
        """A new tap reporting to this snapshotter (see `SnapshotTap` for where it goes)."""
        return self._sources.tap(**kwargs)

    def note_frame(self, frame: Frame, *, generated_by_llm: bool = False) -> None:
        """A frame passed upstream of the snapshotter (a tap saw it); each counts once."""
        self._tracker.note_frame(frame, generated_by_llm=generated_by_llm)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Feed the tracker, snapshot interruptions, forward everything.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if direction != FrameDirection.DOWNSTREAM or frame not in _READ_FRAMES:
            # The hot path: user audio, the bot's speaking ticks, metadata only pass. What
            # the LLM generated meanwhile is read at the next frame that needs it (`drain`).
            await self.push_frame(frame, direction)
        elif self._signals is None:
            await self._handle(frame)
        else:
            repair = self._signals.on_frame(frame)
            if repair.broadcast_before is not None:
                await self._broadcast(repair.broadcast_before, frame)
            if repair.forward:
                await self._handle(frame)
            if repair.broadcast_after is not None:
                await self._broadcast(repair.broadcast_after, frame)

    async def _broadcast(self, frame_cls: type[Frame], like: Frame) -> None:
        downstream, upstream = speaking_pair(frame_cls, like)
        await self._handle(downstream)
        await self.push_frame(upstream, FrameDirection.UPSTREAM)

    async def _handle(self, frame: Frame) -> None:
        self._sources.drain()  # what the LLM generated before this frame left the output
        if isinstance(frame, InterruptionFrame):
            messages = self.context.get_messages() if self.context is not None else ()
            await self._taker.interrupted(
                frame, conversation_id=self.conversation_id, messages=messages
            )
        elif isinstance(frame, StartFrame):
            self._start_observing()
        elif isinstance(frame, (EndFrame, CancelFrame)):
            await self._teardown()
        else:
            self._tracker.observe(frame)
        self._recovery.settle()
        await self.push_frame(frame)

    async def cleanup(self) -> None:
        """Stop the false-interruption watch and abandoned callbacks; stop listening."""
        await super().cleanup()
        await self._teardown()
        self._sources.release()

    def _start_observing(self) -> None:
        self._sources.start(self.processor_setup.pipeline_worker if self.processor_setup else None)

    async def _teardown(self) -> None:
        await self._recovery.close()
        await self._runner.close()
        await self._sources.stop()
