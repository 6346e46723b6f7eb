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
while a frame is awaited, so the audio path pays nothing the rest of the time. Its
callbacks run on the event loop's next turn, not inside the output's hook: the output
handles the frame first (the caller stops hearing the bot), then the parts that waited
start their work (measured in `benchmarks/latency_floor.py`).
"""

import asyncio
from collections.abc import Callable, Sequence

from pipecat.frames.frames import Frame
from pipecat.processors.frame_processor import FrameProcessor

from pipecat_interrupts.event_handlers import listen

_REMEMBERED_ARRIVALS = 16


class OutputArrival:
    """Calls back once an awaited frame reaches one of the output transports.

    Several parts may await the same frame (the controller's `UpstreamRelay`, then its
    flush). A frame that reached an output while awaited is remembered (the last 16), so
    a callback asked for it afterwards runs at once.
    """

    __slots__ = ("_due", "_due_call", "_listening", "_outputs", "_reached", "_waiting")

    def __init__(self) -> None:
        """Create it (it watches nothing until `watch`)."""
        self._outputs: list[FrameProcessor] = []
        self._waiting: dict[int, list[Callable[[], None]]] = {}
        self._reached: list[int] = []
        self._listening = False
        self._due: list[Callable[[], None]] = []  # callbacks of frames that just arrived
        self._due_call: asyncio.Handle | None = None

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
            callback: A quick, synchronous callback: called on the loop's turn after the
                output took the frame in, or now if the frame has already reached an
                output while awaited.
        """
        if frame_id in self._reached:
            callback()
            return
        if not self._listening:
            self._listen(True)
        self._waiting.setdefault(frame_id, []).append(callback)

    def forget(self, frame_id: int, callback: Callable[[], None] | None = None) -> bool:
        """Stop waiting for a frame (for one callback, or for all of them).

        Args:
            frame_id: The frame's id.
            callback: The callback to drop; all of the frame's if None.

        Returns:
            True if it was still awaited.
        """
        callbacks = self._waiting.get(frame_id)
        if callbacks is None:
            return False
        if callback is None or callbacks == [callback]:
            del self._waiting[frame_id]
        elif callback in callbacks:
            callbacks.remove(callback)
        else:
            return False
        self._stop_listening_if_idle()
        return True

    def release(self) -> None:
        """Stop watching (at the pipeline's end); callbacks not yet called are dropped."""
        if self._listening:
            self._listen(False)
        if self._due_call is not None:
            self._due_call.cancel()
            self._due_call = None
        self._due = []
        self._waiting.clear()
        self._reached.clear()
        self._outputs = []

    def _listen(self, on: bool) -> None:
        self._listening = on
        listen(self._outputs, "on_before_process_frame", self._on_frame, on=on)

    def _stop_listening_if_idle(self) -> None:
        if not self._waiting and self._listening:
            self._listen(False)

    async def _on_frame(self, output: FrameProcessor, frame: Frame) -> None:
        callbacks = self._waiting.pop(frame.id, None)
        if callbacks is None:
            return
        self._reached.append(frame.id)
        if len(self._reached) > _REMEMBERED_ARRIVALS:
            del self._reached[0]
        # Not now: the output is about to handle the frame, and Pipecat is going through
        # its handlers (one removed from under it makes it skip the next watch's).
        self._due += callbacks
        if self._due_call is None:
            self._due_call = asyncio.get_running_loop().call_soon(self._call_due)

    def _call_due(self) -> None:
        self._due_call = None
        due, self._due = self._due, []
        self._stop_listening_if_idle()
        for callback in due:
            callback()
