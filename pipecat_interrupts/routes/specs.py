#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The parts a route is built from: steps, ``interrupt_on`` registrations, arities.

A route's ``map``/``filter`` steps and ``interrupt_on`` registrations, and how many
arguments a user callback accepts (handlers and conditions are called with what they take).
"""

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pipecat.frames.frames import Frame

Handler = Callable[..., Any]
Condition = Callable[..., bool | Awaitable[bool]]


def positional_arity(fn: Callable[..., Any], most: int) -> int:
    """How many positional arguments to pass ``fn`` (at most ``most``).

    Args:
        fn: A callable.
        most: The most the caller has to give.

    Returns:
        The number of positional parameters (``most`` for ``*args`` or an unreadable
        signature).
    """
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return most
    count = 0
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return most
        if parameter.kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            count += 1
    return min(count, most)


class StepKind(Enum):
    """A trigger step: ``MAP`` replaces the trigger, ``FILTER`` may drop it."""

    MAP = "map"
    FILTER = "filter"


@dataclass(frozen=True)
class Step:
    """One ``map`` or ``filter`` step of a route."""

    kind: StepKind
    fn: Callable[[Any], Any]


@dataclass(frozen=True)
class InterruptSpec:
    """One ``interrupt_on`` registration.

    Parameters:
        events: The event classes.
        handler: Called after the cut (0, 1 or 2 arguments: none, the event, the event
            and the `RouteInterruption`).
        condition: Predicate (0 or 1 argument: the event frame), or None.
    """

    events: tuple[type[Frame], ...]
    handler: Handler | None
    condition: Condition | None

    def matches(self, frame: Frame) -> bool:
        """Whether ``frame`` is one of this registration's events."""
        return isinstance(frame, self.events)

    def matches_type(self, frame_type: type[Frame]) -> bool:
        """Whether frames of ``frame_type`` are events of this registration."""
        return issubclass(frame_type, self.events)
