#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`InterruptibleNode`: generation logic that stays consistent whenever it is cut off.

The base class for a route's stream (the Line seed's ``ReasoningNode``). Subclasses
implement `process`, an async generator over the trigger frame. `generate` wraps it:

- text is accumulated while it streams; only a generation that *completes* is committed
  to ``history``, so an interruption at any yield point leaves the node as it was before
  that generation started (plus ``interrupted_count``);
- ``asyncio.CancelledError`` is handled (state rolled back) and re-raised;
- `on_interrupt` is the cleanup hook to pass as a route's interrupt handler.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame


class InterruptibleNode:
    """Base class for interruptible generation.

    Example::

        class EchoNode(InterruptibleNode):
            async def process(self, frame):
                for word in ["You", "said", frame.text]:
                    yield word + " "

        node = EchoNode()
        router.on(TextFrame).interrupt_on(InterruptionFrame, handler=node.on_interrupt)
            .stream(node.generate).broadcast()
    """

    def __init__(self, *, name: str | None = None):
        """Initialize the node.

        Args:
            name: Name for logs.
        """
        self._name = name or type(self).__name__
        self.history: list[dict[str, str]] = []
        self.generating = False
        self.partial = ""
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

    async def generate(self, frame: Frame) -> AsyncIterator[Any]:
        """Run `process`, keeping the node's state consistent on cancellation.

        Args:
            frame: The trigger frame.

        Yields:
            What `process` yields.
        """
        self.generating = True
        self.partial = ""
        try:
            async for item in self.process(frame):
                if isinstance(item, str):
                    self.partial += item
                yield item
        except asyncio.CancelledError:
            self.interrupted_count += 1
            logger.debug(f"{self}: generation cancelled after {len(self.partial)} chars")
            raise
        else:
            self.history.append({"role": "assistant", "content": self.partial})
            self.completed_count += 1
        finally:
            self.generating = False
            self.partial = ""

    def on_interrupt(self, frame: Frame | None = None) -> None:
        """Cleanup hook for a route's ``interrupt_on(..., handler=node.on_interrupt)``.

        Override to release resources; the default logs.

        Args:
            frame: The interrupt event.
        """
        logger.debug(f"{self}: interrupted by {frame.name if frame else 'an event'}")
