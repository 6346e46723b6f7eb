#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`OutputArrival`: tells when a frame reaches the output transport.

A flush (`FlushRunner`) uses it to keep the work of a flush (cancelling your tasks, the
upstream `FlushFrame`, the bookkeeping) off the interruption's critical path: that work
waits until the `InterruptionFrame` has reached the output transport, where the caller
stops hearing the bot. Until then every trip of the event loop it takes would delay the
LLM's cancellation and the output's stop (measured: about 0.2 ms of a 1.5 ms barge-in).

It listens to the output transports' ``on_before_process_frame`` event (Pipecat's) only
while a frame is awaited, so the audio path pays nothing the rest of the time.
"""

from collections.abc import Callable, Sequence

from pipecat.frames.frames import Frame
from pipecat.processors.frame_processor import FrameProcessor

from pipecat_interrupts.event_handlers import listen


class OutputArrival:
    """Calls back once an awaited frame reaches one of the output transports."""

    def __init__(self) -> None:
        """Create it (it watches nothing until `watch`)."""
        self._outputs: list[FrameProcessor] = []
        self._waiting: dict[int, Callable[[], None]] = {}

    @property
    def watching(self) -> bool:
        """Whether there is an output transport to watch."""
        return bool(self._outputs)

    def watch(self, outputs: Sequence[FrameProcessor]) -> None:
        """The output transports to watch (those after the one that waits).

        Args:
            outputs: The output transports.
        """
        self._outputs = list(outputs)

    def when_reached(self, frame_id: int, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the frame with this id reaches an output transport.

        Args:
            frame_id: The awaited frame's id (the same object travels the pipeline).
            callback: A quick, synchronous callback.
        """
        if not self._waiting:
            self._listen(True)
        self._waiting[frame_id] = callback

    def forget(self, frame_id: int) -> bool:
        """Stop waiting for a frame.

        Args:
            frame_id: The awaited frame's id.

        Returns:
            True if it was still awaited.
        """
        waited = self._waiting.pop(frame_id, None) is not None
        if waited and not self._waiting:
            self._listen(False)
        return waited

    def release(self) -> None:
        """Stop watching (at the pipeline's end)."""
        if self._waiting:
            self._listen(False)
        self._waiting.clear()
        self._outputs = []

    def _listen(self, on: bool) -> None:
        listen(self._outputs, "on_before_process_frame", self._on_frame, on=on)

    async def _on_frame(self, output: FrameProcessor, frame: Frame) -> None:
        callback = self._waiting.get(frame.id)
        if callback is not None:
            self.forget(frame.id)
            callback()
