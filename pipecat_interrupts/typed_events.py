#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A typed ``event_handler`` decorator for the plugin's processors.

Pipecat 1.14's ``BaseObject.event_handler`` is unannotated, so under ``mypy --strict`` a
user's ``@snapshotter.event_handler("on_snapshot")`` makes the handler untyped
(``[untyped-decorator]``). `TypedEventHandlerDecorator` gives the same decorator a
signature: it registers the handler with ``add_event_handler`` and returns it unchanged,
exactly as Pipecat's does.
"""

from collections.abc import Callable
from typing import Any, TypeVar

HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])


class TypedEventHandlerDecorator:
    """Mix in before a Pipecat `BaseObject` subclass to type its ``event_handler`` decorator."""

    def event_handler(self, event_name: str) -> Callable[[HandlerT], HandlerT]:
        """Decorator registering a handler for ``event_name`` (Pipecat's, typed).

        Args:
            event_name: The event to handle.

        Returns:
            A decorator that registers the handler and returns it unchanged.
        """
        owner: Any = self  # a Pipecat BaseObject: add_event_handler is Pipecat's, untyped

        def register(handler: HandlerT) -> HandlerT:
            owner.add_event_handler(event_name, handler)
            return handler

        return register
