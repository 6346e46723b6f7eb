#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`UpstreamRelay`: an interruption going up leaves the barge-in's critical path.

The controller runs in direct mode: a frame pushed into it is handled in the pushing
processor's task. When the user aggregator broadcasts an interruption, it pushes the copy
going down into the LLM's queue, then the copy going up into the controller, and only
then lets the event loop run the LLM. In plain Pipecat that upstream push is a queue put
into the input transport. With the controller in direct mode it was the controller's
whole handling of the frame (Pipecat's hop for an `InterruptionFrame`, the flush's start),
done before the LLM could cancel its stream: about 90 of the 230 Python calls the plugin
added between the user's voice and the LLM's cancellation
(`benchmarks/critical_path.py`).

So an `InterruptionFrame` going up is not handled in line: the relay keeps it, and a
task of the relay's own, started only then, hands it on once its sibling going down has
reached the output transport (`OutputArrival`), where the caller stops hearing the bot,
or after ``wait_secs`` (a loop timer) if it never shows; at once when there is no output
transport after the controller, or the frame has no sibling. Handing it on one turn of the event loop later
would not do: the LLM's stream ends in a later turn than the one in which the LLM reads
the interruption, and the output's stop later still. Upstream frames that arrive while
the relay holds frames queue behind them, so upstream order is kept; once it is empty,
upstream frames are handled in line again. Nothing upstream is urgent for the caller: it
carries the bot's speaking signals, errors, and the interruption's copy for the input
side.

At the pipeline's end the relay hands on what it holds at once (`finish`, under a
deadline); at a cancel or cleanup it drops it, logged (`close`). `UpstreamRelayMixin`
puts a relay in a direct-mode processor (the controller).
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame, InterruptionFrame
from pipecat.processors.frame_processor import FrameCallback, FrameDirection

from pipecat_interrupts.output_arrival import OutputArrival
from pipecat_interrupts.quiet_hop import QuietHopMixin
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_FINISH_TIMEOUT_SECS = 1.0
DEFAULT_WAIT_SECS = 0.25
"""How long an interruption going up waits for its sibling to reach the output."""


@dataclass(eq=False)
class RelayedFrame:
    """An upstream frame the relay holds, with the callback it came with.

    ``waiting`` while it waits for its sibling going down to reach the output;
    ``on_arrival`` is what the arrival watch calls then, ``deadline`` the timer that stops
    the wait.
    """

    frame: Frame
    callback: FrameCallback | None
    waiting: bool = False
    on_arrival: Callable[[], None] | None = None
    deadline: asyncio.TimerHandle | None = None


class UpstreamRelay:
    """Holds upstream frames behind an interruption and hands them on from a task of its own.

    The task starts only once the first frame it holds may go: nothing of the relay runs
    on the event loop while the interruption's sibling is on its way to the output.
    """

    __slots__ = ("_arrival", "_frames", "_hand_on", "_name", "_spawn", "_task", "_wait_secs")

    def __init__(
        self,
        name: str,
        hand_on: Callable[[Frame, FrameCallback | None], Awaitable[None]],
        spawn: Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"],
        arrival: OutputArrival | None = None,
        *,
        wait_secs: float = DEFAULT_WAIT_SECS,
    ) -> None:
        """Create the relay.

        Args:
            name: The controller's name, for logs.
            hand_on: Handles one upstream frame as the controller does in line.
            spawn: Starts the relay's task.
            arrival: The watch on the output transports after the controller (None: an
                interruption going up waits for nothing).
            wait_secs: The longest an interruption going up waits for its sibling.
        """
        self._name = name
        self._hand_on = hand_on
        self._spawn = spawn
        self._arrival = arrival
        self._wait_secs = require_positive_secs("wait_secs", wait_secs)
        self._frames: list[RelayedFrame] = []  # a few at most; a deque is 10x the size
        self._task: asyncio.Task[None] | None = None

    @property
    def holding(self) -> bool:
        """Whether frames wait in the relay (upstream frames then queue behind them)."""
        return bool(self._frames)

    def hold(self, frame: Frame, callback: FrameCallback | None = None) -> None:
        """Keep an upstream frame; the relay's task hands it on, in order.

        Args:
            frame: The frame.
            callback: The callback it was queued with (Pipecat's), if any.
        """
        held = RelayedFrame(frame, callback)
        self._frames.append(held)
        sibling = frame.broadcast_sibling_id if isinstance(frame, InterruptionFrame) else None
        arrival = self._arrival
        if sibling is not None and arrival is not None and arrival.watching:
            held.waiting = True
            held.on_arrival = partial(self._arrived, held)
            held.deadline = asyncio.get_running_loop().call_later(
                self._wait_secs, self._gave_up, held
            )
            arrival.when_reached(sibling, held.on_arrival)  # at once if it already did
        self._start_when_ready()

    async def finish(self, timeout_secs: float = DEFAULT_FINISH_TIMEOUT_SECS) -> None:
        """Hand on what the relay holds (the pipeline ends); drop the rest after a deadline.

        Args:
            timeout_secs: How long to wait for the relay's task.
        """
        if self._task is asyncio.current_task():
            return
        for held in self._frames:
            self._stop_waiting(held)  # nothing waits for the output any more
        self._start_when_ready()
        task = self._task
        if task is None:
            return
        done, _ = await asyncio.wait({task}, timeout=timeout_secs)
        if not done:
            logger.warning(
                f"{self._name}: upstream frames still held after {timeout_secs:.3f}s; "
                f"dropping {len(self._frames)}"
            )
            await self.close()

    async def close(self) -> None:
        """Stop the relay's task and drop what it holds (logged): cancel or cleanup."""
        for held in self._frames:
            self._stop_waiting(held)
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=DEFAULT_FINISH_TIMEOUT_SECS)
        if self._frames:
            names = ", ".join(held.frame.name for held in self._frames)
            logger.debug(f"{self._name}: pipeline ending; upstream frame(s) dropped: {names}")
            self._frames.clear()

    def _start_when_ready(self) -> None:
        frames = self._frames
        if self._task is None and frames and not frames[0].waiting:
            self._task = self._spawn(self._relay())

    def _arrived(self, held: RelayedFrame) -> None:
        self._stop_waiting(held)
        self._start_when_ready()

    def _gave_up(self, held: RelayedFrame) -> None:
        if not held.waiting:
            return
        self._stop_waiting(held)
        logger.debug(
            f"{self._name}: {held.frame}'s sibling did not reach the output within "
            f"{self._wait_secs:.3f}s; handing it upstream now"
        )
        self._start_when_ready()

    def _stop_waiting(self, held: RelayedFrame) -> None:
        if not held.waiting:
            return
        held.waiting = False
        if held.deadline is not None:
            held.deadline.cancel()
        sibling = held.frame.broadcast_sibling_id
        if self._arrival is not None and sibling is not None and held.on_arrival is not None:
            self._arrival.forget(sibling, held.on_arrival)
        # Both refer back to `held`: cleared, it is freed once handed on, not left as a
        # cycle (with its frame) for the collector.
        held.on_arrival = held.deadline = None

    async def _relay(self) -> None:
        # Hands on frames from the first until one still waits for its sibling; that
        # one's arrival (or deadline) starts the task again.
        frames = self._frames
        try:
            while frames and not frames[0].waiting:
                held = frames[0]
                try:
                    await self._hand_on(held.frame, held.callback)
                except Exception as error:  # Pipecat's hop reports its own; this is a last guard
                    logger.warning(f"{self._name}: handing {held.frame} upstream failed: {error}")
                if frames and frames[0] is held:
                    del frames[0]
        finally:
            self._task = None


class UpstreamRelayMixin(QuietHopMixin):
    """A direct-mode plugin processor that hands interruptions going up on from a relay."""

    upstream_relay: UpstreamRelay
    """Holds upstream frames behind an interruption going up (`relay_upstream` makes it)."""

    def relay_upstream(self, arrival: OutputArrival | None) -> None:
        """Make the processor's relay (in its constructor).

        Args:
            arrival: The watch on the output transports after the processor.
        """
        self.upstream_relay = UpstreamRelay(self.name, self._hand_on_upstream, self._spawn, arrival)

    async def queue_frame(
        self,
        frame: Frame,
        direction: FrameDirection = FrameDirection.DOWNSTREAM,
        callback: FrameCallback | None = None,
    ) -> None:
        """Handle a frame in line (direct mode), but an interruption going up from the relay.

        Args:
            frame: The frame.
            direction: Its direction.
            callback: Called once processed (Pipecat's).
        """
        if direction is FrameDirection.UPSTREAM and (
            self.upstream_relay.holding
            or (isinstance(frame, InterruptionFrame) and self._enable_direct_mode)
        ):
            self.upstream_relay.hold(frame, callback)
            return
        await super().queue_frame(frame, direction, callback)

    async def _hand_on_upstream(self, frame: Frame, callback: FrameCallback | None) -> None:
        await super().queue_frame(frame, FrameDirection.UPSTREAM, callback)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
        # The relay's own task (it stops it at the pipeline's end): started where the
        # barge-in's critical path runs, so with asyncio's plain call, not Pipecat's.
        return asyncio.get_running_loop().create_task(coroutine, name=f"{self}::upstream")
