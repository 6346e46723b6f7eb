#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`InterruptibleNode`: generation logic that stays consistent whenever it is cut off.

The base class for a route's stream (the Line seed's ``ReasoningNode``). Subclasses
implement `process` (or the seed's name, ``process_context``), an async generator over
the trigger. `generate` wraps it:

- text is accumulated while it streams (``str``, `AgentResponse` or text frames); only a
  generation that *completes* commits its reply to ``history``. An interruption at any
  point (inside `process`, or while the consumer holds a yielded item) commits only the
  user's message (`user_message`, if the node keeps one), records what had been
  generated in ``last_interrupted``, and leaves no flag set;
- ``asyncio.CancelledError`` is handled (state rolled back) and re-raised; a consumer
  that closes the generator early (``aclose()``) counts as an interruption too;
- `on_interrupt` (alias `on_interrupt_generate`, the seed's name) is the hook to pass as
  a route's interrupt handler: it receives the event and a `RouteInterruption` (what was
  generated, what the caller heard, why), after the generation was awaited;
- `close` releases what the node opened; a `RouteProcessor` streaming from the node
  calls it when the pipeline ends.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame

from pipecat_interrupts.routes.interruption import RouteInterruption
from pipecat_interrupts.routes.items import ItemKind, classify
from pipecat_interrupts.routes.specs import positional_arity


@dataclass(frozen=True)
class InterruptedGeneration:
    """What an interrupted generation had produced (for recovery or an apology).

    Parameters:
        trigger: What started the generation.
        partial: The text generated before the cut (not necessarily heard: the
            `RouteInterruption` given to `InterruptibleNode.on_interrupt` says what was).
    """

    trigger: Any
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
        current_response: Text of the running generation, or of the last one until the
            next starts (the seed's ``current_response``: still there in the handler).
        last_interrupted: The latest interrupted generation, or None.
        last_interruption: The latest `RouteInterruption` `on_interrupt` received.
        interrupted_count: Generations interrupted so far.
        completed_count: Generations completed so far.
    """

    def __init__(self, *, name: str | None = None):
        """Initialize the node.

        Args:
            name: Name for logs.

        Raises:
            TypeError: If ``name`` is not a string, or the class implements neither
                ``process`` nor ``process_context``.
        """
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string, got {name!r}")
        self._name = name or type(self).__name__
        self._producer = self._find_producer()
        self.history: list[dict[str, Any]] = []
        self.generating = False
        self.partial = ""
        self.current_response = ""
        self.last_interrupted: InterruptedGeneration | None = None
        self.last_interruption: RouteInterruption | None = None
        self.interrupted_count = 0
        self.completed_count = 0

    def __str__(self) -> str:
        return self._name

    def _find_producer(self) -> Callable[[Any], AsyncIterator[Any]]:
        if type(self).process is not InterruptibleNode.process:
            return self.process
        seed_method = getattr(self, "process_context", None)
        if callable(seed_method):
            return seed_method  # type: ignore[no-any-return]
        raise TypeError(
            f"{type(self).__name__} must implement process(self, trigger) (or the seed's "
            "process_context(self, context)) as an async generator"
        )

    async def process(self, frame: Any) -> AsyncIterator[Any]:
        """Generate for ``frame``. Override: yield text, `AgentResponse` or frames.

        Args:
            frame: The trigger (or what the route's ``map`` steps made of it).

        Yields:
            Text chunks or frames.
        """
        raise NotImplementedError
        yield  # pragma: no cover

    def user_message(self, frame: Any) -> dict[str, Any] | None:
        """The user message ``frame`` adds to ``history``; None (the default) for none.

        Committed when the generation ends, completed or not: the user did say it.

        Args:
            frame: The trigger.

        Returns:
            A chat message, or None.
        """
        return None

    async def generate(self, frame: Any) -> AsyncIterator[Any]:
        """Run `process`, keeping the node's state consistent on cancellation.

        Args:
            frame: The trigger.

        Yields:
            What `process` yields.
        """
        user = self.user_message(frame)
        self.generating = True
        self.partial = ""
        self.current_response = ""
        completed = False
        try:
            async for item in self._producer(frame):
                classified = classify(item)
                if classified.kind is ItemKind.TEXT:
                    self.partial += classified.text
                    self.current_response = self.partial
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

    def on_interrupt(
        self, frame: Frame | None = None, interruption: RouteInterruption | None = None
    ) -> Any:
        """Hook for a route's ``interrupt_on(..., handler=node.on_interrupt)``.

        Called after the generation's task was cut and awaited, and after the event went
        on (the audio cut does not wait for it), under the route's handler deadline.
        Override to release resources or keep state for a resume; the default keeps
        ``interruption`` in ``last_interruption`` and logs.

        Args:
            frame: The interrupt event.
            interruption: What was generated and heard, and why it was cut.

        Returns:
            None (an override may return an awaitable).
        """
        self.last_interruption = interruption
        logger.debug(f"{self}: interrupted by {frame.name if frame else 'an event'}")
        return None

    def on_interrupt_generate(
        self, frame: Frame | None = None, interruption: RouteInterruption | None = None
    ) -> Any:
        """The seed's name for `on_interrupt` (calls it with what it accepts).

        Args:
            frame: The interrupt event.
            interruption: The interruption record.

        Returns:
            What `on_interrupt` returns (an awaitable if it is async).
        """
        args: tuple[Any, ...] = (frame, interruption)[: positional_arity(self.on_interrupt, 2)]
        return self.on_interrupt(*args)

    async def close(self) -> None:
        """Release what the node opened (nothing here; `OpenAICompatibleNode` closes its session)."""
