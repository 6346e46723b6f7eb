#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Where the snapshotter hears of generation and the caller's words.

Three sources, cheapest first:

- the controller and push hooks: the `InterruptionController`, which sees the caller's
  words first, reports them (`SnapshotSources.hear_through`), and the snapshotter listens
  to what a processor you already have (the LLM; the STT when there is no controller)
  pushes, through Pipecat's ``on_before_push_frame`` event (`SnapshotSources.listen_to`).
  No processor is added; `wiring.interruption_pipeline` does this;
- taps (`SnapshotTap`), processors placed right after the STT and right after the LLM,
  for a pipeline built by hand or an LLM that is a compound processor;
- a pipeline observer (`SnapshotObserver`), the fallback when there is neither: an
  observer is told of every push of every processor, so it costs the most.
"""

from typing import TYPE_CHECKING, Any

from loguru import logger
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.llm_service import LLMService

from pipecat_interrupts.event_handlers import listen
from pipecat_interrupts.quiet_hop import QuietHopMixin

if TYPE_CHECKING:
    from pipecat_interrupts.interruption_controller import InterruptionController
    from pipecat_interrupts.replies.snapshotter import StateSnapshotter

GENERATION_FRAMES = (LLMFullResponseStartFrame, LLMTextFrame, LLMFullResponseEndFrame)
TAPPED_FRAMES = (TTSSpeakFrame, TranscriptionFrame, InterimTranscriptionFrame)


class SnapshotTap(QuietHopMixin):
    """Reports to its `StateSnapshotter`, in band, what passes a point upstream of it.

    Create taps with `StateSnapshotter.tap()`. Place one right after the STT (it hears
    the caller's words) and one right after the LLM (it sees the generated text; the
    snapshotter also pushes a resumed remainder from there, the fewest hops from the
    TTS). Each frame is reported once, however many taps it passes. Frames are
    forwarded unchanged, in the pushing processor's task (direct mode): audio costs one
    type check.
    """

    def __init__(self, snapshotter: "StateSnapshotter", **kwargs: Any):
        """Initialize the tap.

        Args:
            snapshotter: The snapshotter it reports to.
            **kwargs: `FrameProcessor` arguments (``enable_direct_mode`` is always on).

        Raises:
            TypeError: If ``snapshotter`` is not a `StateSnapshotter`.
        """
        from pipecat_interrupts.replies.snapshotter import StateSnapshotter

        if not isinstance(snapshotter, StateSnapshotter):
            raise TypeError(
                f"snapshotter must be a StateSnapshotter, got {type(snapshotter).__name__}"
            )
        kwargs["enable_direct_mode"] = True
        super().__init__(**kwargs)
        self._snapshotter = snapshotter
        self.saw_generation = False

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Report the frame if it matters, then forward it.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if not isinstance(frame, InputAudioRawFrame) and direction == FrameDirection.DOWNSTREAM:
            if isinstance(frame, GENERATION_FRAMES):
                self.saw_generation = True
                self._snapshotter.note_frame(frame, generated_by_llm=True)
            elif isinstance(frame, TAPPED_FRAMES):
                self._snapshotter.note_frame(frame)
        await self.push_frame(frame, direction)


class SnapshotSources:
    """The snapshotter's push hooks, taps and fallback observer."""

    def __init__(self, snapshotter: "StateSnapshotter"):
        """Create the sources.

        Args:
            snapshotter: The snapshotter they report to.
        """
        self._snapshotter = snapshotter
        self.taps: list[SnapshotTap] = []
        self.listened: list[FrameProcessor] = []
        self._generation_source: FrameProcessor | None = None
        self._observer: SnapshotObserver | None = None
        self._reporters: list[InterruptionController] = []
        self._generated: list[Frame] = []

    @property
    def in_band(self) -> bool:
        """Whether taps or push hooks report (no observer needed)."""
        return bool(self.taps or self.listened)

    @property
    def observing(self) -> bool:
        """Whether the fallback observer is attached."""
        return self._observer is not None

    def tap(self, **kwargs: Any) -> SnapshotTap:
        """A new tap reporting to the snapshotter."""
        self.taps.append(SnapshotTap(self._snapshotter, **kwargs))
        return self.taps[-1]

    def listen_to(self, processor: FrameProcessor) -> None:
        """Report what ``processor`` pushes (generation and the caller's words).

        Args:
            processor: A processor of the pipeline (the STT, the LLM).

        Raises:
            TypeError: If ``processor`` is not a `FrameProcessor`.
        """
        if not isinstance(processor, FrameProcessor):
            raise TypeError(f"processor must be a FrameProcessor, got {type(processor).__name__}")
        from pipecat_interrupts.interruption_controller import InterruptionController

        if isinstance(processor, InterruptionController):
            self.hear_through(processor)  # it reports the caller's words: no hook needed
            return
        if any(p is processor for p in self.listened):
            return
        listen([processor], "on_before_push_frame", self._on_pushed, on=True)
        self.listened.append(processor)

    def hear_through(self, controller: "InterruptionController") -> None:
        """Hear the caller's words from the controller, which sees them first (no hook).

        Args:
            controller: The `InterruptionController` before the user aggregator.
        """
        if any(p is controller for p in self.listened):
            return
        controller.report_user_frames(self._on_user_frame)
        self.listened.append(controller)
        self._reporters.append(controller)

    def _on_user_frame(self, frame: Frame) -> None:
        self._snapshotter.note_frame(frame)

    async def _on_pushed(self, processor: FrameProcessor, frame: Frame) -> None:
        # Called in line by Pipecat for every push of a listened processor: audio costs
        # one type check. Pipecat does not say the direction; these frames go downstream.
        # Generation is only kept here (the LLM may be mid-cancellation: its task is the
        # interruption's path) and read in order before the snapshotter's next frame
        # (`drain`); the caller's words count at once (they disarm a false-interruption watch).
        if isinstance(frame, InputAudioRawFrame):
            return
        if isinstance(frame, GENERATION_FRAMES):
            self._generation_source = processor
            self._generated.append(frame)
        elif isinstance(frame, TAPPED_FRAMES):
            self._snapshotter.note_frame(frame)

    def drain(self) -> None:
        """Report the generation kept since the last call, in order."""
        if self._generated:
            generated, self._generated = self._generated, []
            for frame in generated:
                self._snapshotter.note_frame(frame, generated_by_llm=True)

    @property
    def generation_source(self) -> FrameProcessor | None:
        """The processor right after which generated text was last seen (a resume goes there)."""
        if self._generation_source is not None:
            return self._generation_source
        return next((t for t in reversed(self.taps) if t.saw_generation), None)

    def start(self, worker: PipelineWorker | None) -> None:
        """At pipeline start: observe the pipeline when nothing reports in band."""
        if not self.in_band and worker is not None and self._observer is None:
            logger.debug(
                f"{self._snapshotter}: no taps or push hooks; observing the pipeline instead"
            )
            self._observer = SnapshotObserver(self._snapshotter).attach(worker)

    async def stop(self) -> None:
        """At pipeline end: detach the observer."""
        observer, self._observer = self._observer, None
        if observer is not None:
            await observer.detach()

    def release(self) -> None:
        """Stop listening to the processors (at cleanup: they may outlive this pipeline)."""
        listen(self.listened, "on_before_push_frame", self._on_pushed, on=False)
        for controller in self._reporters:
            controller.report_user_frames(self._on_user_frame, stop=True)
        self.listened, self._reporters = [], []


class SnapshotObserver(BaseObserver):
    """The fallback without taps: the same reports, from a pipeline observer."""

    def __init__(self, snapshotter: "StateSnapshotter"):
        """Initialize the observer.

        Args:
            snapshotter: The snapshotter it reports to.
        """
        super().__init__(observe_every_push=False)  # everything it needs is on a first push
        self._snapshotter = snapshotter
        self._worker: PipelineWorker | None = None

    def attach(self, worker: PipelineWorker) -> "SnapshotObserver":
        """Observe ``worker``'s pipeline; returns itself."""
        self._worker = worker
        worker.add_observer(self)
        return self

    async def detach(self) -> None:
        """Stop observing (the worker may already have dropped its observers)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            try:
                await worker.remove_observer(self)
            except Exception as e:  # noqa: BLE001 - teardown goes on whatever the worker says
                logger.trace(f"{self}: observer removal: {e}")

    async def on_push_frame(self, data: FramePushed) -> None:
        """Report a frame pushed downstream.

        Args:
            data: The push.
        """
        frame = data.frame
        if data.direction != FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, GENERATION_FRAMES):
            if isinstance(data.source, LLMService):
                self._snapshotter.note_frame(frame, generated_by_llm=True)
        elif isinstance(frame, TAPPED_FRAMES) and data.first_push:
            self._snapshotter.note_frame(frame)
