#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Snapshot taps: the snapshotter's in-band view of generation and the caller's words."""

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

if TYPE_CHECKING:
    from pipecat_interrupts.replies.snapshotter import StateSnapshotter

GENERATION_FRAMES = (LLMFullResponseStartFrame, LLMTextFrame, LLMFullResponseEndFrame)
TAPPED_FRAMES = (TTSSpeakFrame, TranscriptionFrame, InterimTranscriptionFrame)


class SnapshotTap(FrameProcessor):
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
