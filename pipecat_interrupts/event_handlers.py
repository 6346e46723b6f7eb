#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Event handlers the plugin calls, each under a deadline that holds.

Pipecat 1.14's ``BaseObject._call_event_handler`` runs every asynchronous handler in a task
of its own and its ``cleanup`` then waits for those tasks with no deadline: a handler that
hangs, or swallows its cancellation, keeps the pipeline from ending. A handler registered
as synchronous is even awaited inline by the code that fires the event.

`DeadlineEventHandlersMixin` replaces that dispatch for the plugin's own processors: every
handler runs through a `UserCodeRunner` under ``event_handler_timeout_secs``, so

- the code that fires an event never waits on an asynchronous handler: each call runs in a
  task of its own with a timer for its deadline (`UserCodeRunner.spawn`); a plain
  function handler runs in line, where it fired (keep it quick: Python cannot pre-empt
  it), and an awaitable it returns goes to a task the same way; events registered as
  synchronous wait for their handlers, at most the deadline;
- a handler that overruns is cancelled, named in a warning and abandoned; the tasks Pipecat's
  ``cleanup`` waits for end by the deadline whatever the handler does;
- abandoned handlers still running when the processor is cleaned up are cancelled again
  and reported (`UserCodeRunner.close`).

An event's entry in Pipecat's registry (an ``EventHandler`` and its list) is made when its
first handler is added, not when the event is registered: a processor declares about a
dozen events (Pipecat's six frame and state events, its own), and most get no handler.
Those entries were 44 of the 149 objects a controller and a snapshotter kept for Python's
collector to visit in every full collection (`benchmarks/gc_cost.py`).
"""

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from loguru import logger
from pipecat.utils.base_object import BaseObject, EventHandler

from pipecat_interrupts._deadlines import UserCodeRunner, callback_name
from pipecat_interrupts.typed_events import TypedEventHandlerDecorator
from pipecat_interrupts.validation import require_positive_secs

DEFAULT_EVENT_HANDLER_TIMEOUT_SECS = 1.0

_DECLARED: dict[type, dict[str, bool]] = {}
"""The events each class's instances register, with whether each is synchronous (one
table per class, not per processor)."""


class DeadlineEventHandlersMixin(TypedEventHandlerDecorator):
    """Mix in before a Pipecat `BaseObject` subclass to run its event handlers under a deadline.

    Example::

        class MyProcessor(DeadlineEventHandlersMixin, FrameProcessor):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self._register_event_handler("on_something")
    """

    def __init__(
        self,
        *,
        event_handler_timeout_secs: float = DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
        **kwargs: Any,
    ) -> None:
        """Initialize the mixin.

        Args:
            event_handler_timeout_secs: Deadline for each event handler; past it the handler
                is cancelled, named in a warning and abandoned.
            **kwargs: Passed to the next class (the processor).

        Raises:
            ValueError: If ``event_handler_timeout_secs`` is not finite and positive.
            TypeError: If it is not a number.
        """
        timeout = require_positive_secs("event_handler_timeout_secs", event_handler_timeout_secs)
        super().__init__(**kwargs)
        self._event_handler_timeout_secs = timeout
        self._event_handler_runner = UserCodeRunner(str(self))
        self._event_handler_calls: dict[asyncio.Task[Any], None] = {}

    @property
    def event_handler_timeout_secs(self) -> float:
        """The deadline each event handler runs under."""
        return self._event_handler_timeout_secs

    def _register_event_handler(self, event_name: str, sync: bool = False) -> None:
        """Declare an event (replaces Pipecat's): its entry is made with its first handler.

        Args:
            event_name: The event.
            sync: Whether the code that fires it waits for its handlers.
        """
        _DECLARED.setdefault(type(self), {})[event_name] = sync

    def add_event_handler(self, event_name: str, handler: Any) -> None:
        """Add a handler (Pipecat's), making the event's entry on first use.

        Args:
            event_name: The event; an undeclared one is warned about, as Pipecat does.
            handler: The handler.
        """
        registry: dict[str, EventHandler] = self._event_handlers  # type: ignore[attr-defined]
        if event_name not in registry:
            sync = _DECLARED.get(type(self), {}).get(event_name)
            if sync is not None:
                registry[event_name] = EventHandler(name=event_name, handlers=[], is_sync=sync)
        super().add_event_handler(event_name, handler)  # type: ignore[misc]

    async def _call_event_handler(self, event_name: str, *args: Any, **kwargs: Any) -> None:
        """Run every handler of ``event_name`` under the deadline (replaces Pipecat's dispatch).

        Args:
            event_name: The event.
            *args: Arguments after the processor itself.
            **kwargs: Keyword arguments for the handlers.
        """
        event = self._event_handlers.get(event_name)  # type: ignore[attr-defined]
        if event is None or not event.handlers:
            return  # Pipecat fires several events per frame; most have no handler
        for handler in list(event.handlers):
            name = f"{event_name} handler {callback_name(handler)}"
            if event.is_sync:
                await self._event_handler_runner.call(
                    functools.partial(handler, self, *args, **kwargs),
                    deadline_secs=self._event_handler_timeout_secs,
                    name=name,
                )
                continue
            try:
                returned = handler(self, *args, **kwargs)  # a coroutine function only builds it
            except Exception as error:  # a plain function's failure: contained and reported
                logger.warning(f"{self}: {name} raised {type(error).__name__}: {error}")
                continue
            if not inspect.isawaitable(returned):
                continue  # a plain function: it ran in line
            task = self._event_handler_runner.spawn(
                returned, deadline_secs=self._event_handler_timeout_secs, name=f"{self}::{name}"
            )
            self._event_handler_calls[task] = None
            task.add_done_callback(self._forget_call)

    def _forget_call(self, task: "asyncio.Task[Any]") -> None:
        self._event_handler_calls.pop(task, None)

    async def _close_event_handlers(self) -> list[str]:
        """Wait (bounded) for handler calls under way, then report abandoned handlers.

        Returns:
            The names of abandoned handlers still running (they ignored cancellation).
        """
        runner = self._event_handler_runner
        calls = [
            t for t in self._event_handler_calls if not t.done() and not runner.is_abandoned(t)
        ]
        if calls:
            # Each call ends by its deadline whatever its handler does; the margin is for
            # a synchronous handler that blocks the loop, which no deadline can cut.
            await asyncio.wait(calls, timeout=2 * self._event_handler_timeout_secs)
            for task in calls:
                if not task.done():
                    task.cancel()
        return await self._event_handler_runner.close()

    async def cleanup(self) -> None:
        """Clean up the processor, then the handlers it started."""
        await super().cleanup()  # type: ignore[misc]
        await self._close_event_handlers()


def listen(
    processors: Iterable[BaseObject],
    event: str,
    handler: Callable[..., Awaitable[None]],
    *,
    on: bool,
) -> None:
    """Add (``on``) or remove a handler of a Pipecat event on each processor.

    For the plugin's own listening on your processors (an aggregator's pushes, an
    output's frames), switched on only while it is needed so the rest costs nothing.

    Args:
        processors: The processors (any Pipecat `BaseObject`).
        event: The event's name (``"on_before_push_frame"``...).
        handler: The handler.
        on: Add it, or remove it (a no-op where it was not added).
    """
    for processor in processors:
        if on:
            processor.add_event_handler(event, handler)
        else:
            processor.remove_event_handler(event, handler)
