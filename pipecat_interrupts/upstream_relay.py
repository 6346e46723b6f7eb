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

So an `InterruptionFrame` going up is not handled in line: the relay keeps it, and the
controller's own task hands it on once the event loop runs again, after the tasks already
woken (the LLM's among them). Upstream frames that arrive while the relay holds frames
queue behind them, so upstream order is kept; once it is empty, upstream frames are
handled in line again. Nothing upstream is latency-critical for the caller: it carries
the bot's speaking signals, errors, and the interruption's copy for the input side, whose
own handling in plain Pipecat waits for its task too.

At the pipeline's end the relay hands on what it holds (`finish`, under a deadline); at
a cancel or cleanup it drops it, logged (`close`).
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame
from pipecat.processors.frame_processor import FrameCallback

DEFAULT_FINISH_TIMEOUT_SECS = 1.0


@dataclass(frozen=True)
class RelayedFrame:
    """An upstream frame the relay holds, with the callback it came with."""

    frame: Frame
    callback: FrameCallback | None


class UpstreamRelay:
    """Holds upstream frames behind an interruption and hands them on from a task of its own."""

    __slots__ = ("_frames", "_hand_on", "_name", "_spawn", "_task")

    def __init__(
        self,
        name: str,
        hand_on: Callable[[Frame, FrameCallback | None], Awaitable[None]],
        spawn: Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"],
    ) -> None:
        """Create the relay.

        Args:
            name: The controller's name, for logs.
            hand_on: Handles one upstream frame as the controller does in line.
            spawn: Starts the relay's task (the controller's ``create_task``).
        """
        self._name = name
        self._hand_on = hand_on
        self._spawn = spawn
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
        self._frames.append(RelayedFrame(frame, callback))
        if self._task is None:
            self._task = self._spawn(self._relay())

    async def finish(self, timeout_secs: float = DEFAULT_FINISH_TIMEOUT_SECS) -> None:
        """Hand on what the relay holds (the pipeline ends); drop the rest after a deadline.

        Args:
            timeout_secs: How long to wait for the relay's task.
        """
        task = self._task
        if task is None or task is asyncio.current_task():
            if task is None and self._frames:
                await self.close()  # its task was cancelled from outside
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
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=DEFAULT_FINISH_TIMEOUT_SECS)
        if self._frames:
            names = ", ".join(held.frame.name for held in self._frames)
            logger.debug(f"{self._name}: pipeline ending; upstream frame(s) dropped: {names}")
            self._frames.clear()

    async def _relay(self) -> None:
        frames = self._frames
        try:
            while frames:
                held = frames[0]
                try:
                    await self._hand_on(held.frame, held.callback)
                except Exception as error:  # Pipecat's hop reports its own; this is a last guard
                    logger.warning(f"{self._name}: handing {held.frame} upstream failed: {error}")
                if frames and frames[0] is held:
                    del frames[0]
        finally:
            self._task = None
