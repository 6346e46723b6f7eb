#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The flush protocol: processors clean their own state, then pass the flush on.

This is TEN Agent's chain of ``flush`` commands, on Pipecat frames. A processor opts in by
mixing in `FlushableMixin` and overriding `on_flush`; the mixin runs the hook when a
`FlushFrame` arrives, *before* the frame moves on in its own direction, under a deadline.
The hook runs in its own task through a `UserCodeRunner`: an exception, a hang, or a
hook that swallows its cancellation is cut off at the deadline, named in a warning and
recorded on the frame's ``trail``, and the flush still travels on; a hook that ignored its
cancellation is reported when the processor is cleaned up. Processors that do not opt in forward the frame
untouched, as stock Pipecat processors do with any frame they do not know.
"""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from pipecat_interrupts._deadlines import CallOutcome, CallResult, UserCodeRunner, callback_name
from pipecat_interrupts.frames import FlushFrame, FlushStep
from pipecat_interrupts.validation import require_callable, require_positive_secs

DEFAULT_FLUSH_CLEANUP_TIMEOUT_SECS = 0.5
_REMEMBERED_FLUSH_IDS = 64
_STEP_OUTCOMES = {
    CallOutcome.COMPLETED: "ok",
    CallOutcome.TIMED_OUT: "timeout",
    CallOutcome.RAISED: "error",
}


class FlushableMixin:
    """Mix into a `FrameProcessor` to take part in the flush chain.

    Put it first in the bases so the cleanup runs before the processor forwards the
    frame, whether the processor forwards in its own ``process_frame`` (call
    ``super().process_frame`` first, as usual) or relies on a stock parent class::

        class MyTTS(FlushableMixin, TTSService):
            async def on_flush(self, frame, direction):
                self._pending_requests.clear()

    The hook runs once per flush id, even if both copies of a flush pass the processor.
    """

    def __init__(
        self, *, flush_timeout_secs: float = DEFAULT_FLUSH_CLEANUP_TIMEOUT_SECS, **kwargs: Any
    ) -> None:
        """Initialize the mixin.

        Args:
            flush_timeout_secs: Deadline for `on_flush`; past it the cleanup is cancelled
                and the flush moves on.
            **kwargs: Passed to the processor's constructor.
        """
        self._flush_timeout_secs = require_positive_secs("flush_timeout_secs", flush_timeout_secs)
        # The last _REMEMBERED_FLUSH_IDS, in a list grown per flush (an empty deque is a
        # 64-slot block per processor before any barge-in).
        self._flushed_ids: list[str] = []
        super().__init__(**kwargs)
        self._flush_runner = UserCodeRunner(str(self))

    async def on_flush(self, frame: FlushFrame, direction: FrameDirection) -> None:
        """Drop the state of interrupted work. Override this.

        Args:
            frame: The flush passing through.
            direction: The direction it travels in.
        """

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Run the flush cleanup for a `FlushFrame`, then continue as the processor does.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        if isinstance(frame, FlushFrame) and frame.flush_id not in self._flushed_ids:
            self._flushed_ids.append(frame.flush_id)
            if len(self._flushed_ids) > _REMEMBERED_FLUSH_IDS:
                del self._flushed_ids[0]
            await self._run_flush_cleanup(frame, direction)
        await super().process_frame(frame, direction)  # type: ignore[misc]

    def _flush_cleanup_name(self) -> str:
        """The name the flush cleanup is logged under."""
        return f"{type(self).__name__}.on_flush"

    async def _run_flush_cleanup(self, frame: FlushFrame, direction: FrameDirection) -> None:
        result: CallResult[None] = await self._flush_runner.call(
            self.on_flush,
            frame,
            direction,
            deadline_secs=self._flush_timeout_secs,
            name=f"{self._flush_cleanup_name()} (flush {frame.flush_id})",
        )
        outcome = _STEP_OUTCOMES[result.outcome]
        error = None if result.error is None else f"{type(result.error).__name__}: {result.error}"
        frame.trail.append(FlushStep(str(self), outcome, result.elapsed_secs, error))
        logger.debug(
            f"{self}: flush {frame.flush_id} cleanup {outcome} in {result.elapsed_secs * 1000:.2f} ms"
        )

    async def cleanup(self) -> None:
        """Clean up the processor, then report flush cleanups that ignored cancellation."""
        await super().cleanup()  # type: ignore[misc]
        await self._flush_runner.close()


class FlushableProcessor(FlushableMixin, FrameProcessor):
    """A `FrameProcessor` that takes part in the flush chain.

    Subclasses override `on_flush` and write ``process_frame`` as usual, forwarding every
    frame they do not consume (the `FlushFrame` included).
    """


CleanupCallback = Callable[[FlushFrame], Awaitable[None] | None]


class FlushHookProcessor(FlushableProcessor):
    """A pass-through processor that runs a callback on every flush.

    Handy to hook cleanup of objects that live outside the pipeline (a cache, an HTTP
    session, a prefetch buffer) into the chain without writing a processor::

        FlushHookProcessor(lambda flush: cache.clear(), name="cache-flush")
    """

    def __init__(self, cleanup: CleanupCallback, **kwargs: Any) -> None:
        """Initialize the processor.

        Args:
            cleanup: Sync or async callable taking the `FlushFrame`.
            **kwargs: `FlushableMixin` and `FrameProcessor` arguments.
        """
        super().__init__(**kwargs)
        self._cleanup = require_callable("cleanup", cleanup)

    def _flush_cleanup_name(self) -> str:
        """The name the flush cleanup is logged under: the callback's."""
        return f"cleanup {callback_name(self._cleanup)}"

    async def on_flush(self, frame: FlushFrame, direction: FrameDirection) -> None:
        """Run the callback.

        Args:
            frame: The flush passing through.
            direction: The direction it travels in.
        """
        result = self._cleanup(frame)
        if inspect.isawaitable(result):
            await result

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Forward every frame (after the flush cleanup, for a flush).

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
