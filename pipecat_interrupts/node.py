#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`InterruptibleNode`: generation logic that stays consistent whenever it is cut off.

The base class for a route's stream (the Line seed's ``ReasoningNode``). Subclasses
implement `process`, an async generator over the trigger frame. `generate` wraps it:

- text is accumulated while it streams; only a generation that *completes* commits its
  reply to ``history``. An interruption at any point (inside `process`, or while the
  consumer holds a yielded item) commits only the user's message (`user_message`, if
  the node keeps one), records what had been generated in ``last_interrupted``, and
  leaves no flag set;
- ``asyncio.CancelledError`` is handled (state rolled back) and re-raised; a consumer
  that closes the generator early (``aclose()``) counts as an interruption too;
- `on_interrupt` (alias `on_interrupt_generate`, the seed's name) is the cleanup hook
  to pass as a route's interrupt handler.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame


@dataclass(frozen=True)
class InterruptedGeneration:
    """What an interrupted generation had produced (for recovery or an apology).

    Parameters:
        trigger: The frame that started the generation.
        partial: The text generated before the cut (not necessarily heard).
    """

    trigger: Frame
    partial: str


class InterruptibleNode:
    """Base class for interruptible generation.

    Example::

        class EchoNode(InterruptibleNode):
            async def process(self, frame):
                for word in ["You", "said", frame.text]:
                    yield word + " "

        node = EchoNode()
        (
            router.on(TextFrame)
            .interrupt_on(InterruptionFrame, handler=node.on_interrupt)
            .stream(node.generate)
            .broadcast()
        )

    Attributes:
        history: Committed messages: user messages (see `user_message`) and the
            replies of completed generations only.
        generating: True while a generation runs.
        partial: Text generated so far by the running generation ("" otherwise).
        last_interrupted: The latest interrupted generation, or None.
        interrupted_count: Generations interrupted so far.
        completed_count: Generations completed so far.
    """

    def __init__(self, *, name: str | None = None):
        """Initialize the node.

        Args:
            name: Name for logs.
        """
        self._name = name or type(self).__name__
        self.history: list[dict[str, Any]] = []
        self.generating = False
        self.partial = ""
        self.last_interrupted: InterruptedGeneration | None = None
        self.interrupted_count = 0
        self.completed_count = 0

    def __str__(self) -> str:
        return self._name

    async def process(self, frame: Frame) -> AsyncIterator[Any]:
        """Generate for ``frame``. Override: yield text (or frames).

        Args:
            frame: The trigger frame.

        Yields:
            Text chunks or frames.
        """
        raise NotImplementedError
        yield  # pragma: no cover

    def user_message(self, frame: Frame) -> dict[str, Any] | None:
        """The user message ``frame`` adds to ``history``; None (the default) for none.

        Committed when the generation ends, completed or not: the user did say it.

        Args:
            frame: The trigger frame.

        Returns:
            A chat message, or None.
        """
        return None

    async def generate(self, frame: Frame) -> AsyncIterator[Any]:
        """Run `process`, keeping the node's state consistent on cancellation.

        Args:
            frame: The trigger frame.

        Yields:
            What `process` yields.
        """
        user = self.user_message(frame)
        self.generating = True
        self.partial = ""
        completed = False
        try:
            async for item in self.process(frame):
                if isinstance(item, str):
                    self.partial += item
                yield item
            completed = True
        except (asyncio.CancelledError, GeneratorExit):
            # GeneratorExit: the consumer was cancelled while holding a yielded item and
            # closed us; same meaning as a cancellation reaching us directly.
            self.interrupted_count += 1
            self.last_interrupted = InterruptedGeneration(trigger=frame, partial=self.partial)
            logger.debug(f"{self}: generation interrupted after {len(self.partial)} chars")
            raise
        finally:
            if user is not None:
                self.history.append(user)
            if completed:
                self.history.append({"role": "assistant", "content": self.partial})
                self.completed_count += 1
            self.generating = False
            self.partial = ""

    def on_interrupt(self, frame: Frame | None = None) -> None:
        """Cleanup hook for a route's ``interrupt_on(..., handler=node.on_interrupt)``.

        Called after the generation's task was cancelled and awaited. Override to
        release resources; the default logs.

        Args:
            frame: The interrupt event.
        """
        logger.debug(f"{self}: interrupted by {frame.name if frame else 'an event'}")

    def on_interrupt_generate(self, frame: Frame | None = None) -> Any:
        """The seed's name for `on_interrupt` (calls it).

        Args:
            frame: The interrupt event.

        Returns:
            What `on_interrupt` returns (an awaitable if it is async).
        """
        return self.on_interrupt(frame)
