#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`RouteCondition`: a route's interrupt conditions as one of the controller's conditions.

A route condition alone can only decide whether the route's *stream* is cut: by the time
an ``InterruptionFrame`` reaches the route, the user aggregator has started the user's
turn and the frame goes on to cut the audio, whatever the route says. So the decision
has one owner, the `InterruptionController`: ``route.interruption_condition()`` hands it
the route's conditions, it asks them before it cuts the bot off (held back, nothing is
cut and no second reply starts), and the route then follows the controller's decisions
without asking again.
"""

import inspect
from typing import TYPE_CHECKING

from pipecat.frames.frames import Frame, InterruptionFrame

from pipecat_interrupts.conditions.base import InterruptionCondition, InterruptionContext
from pipecat_interrupts.frames import DECISION, InterruptionDecision
from pipecat_interrupts.routes.specs import positional_arity

if TYPE_CHECKING:
    from pipecat_interrupts.routes.route import Route


def prospective_event(context: InterruptionContext) -> Frame:
    """The event a decision would produce, for a route condition to look at.

    Args:
        context: The controller's situation.

    Returns:
        The frame asking to interrupt (an event frame), or for the user's speech an
        ``InterruptionFrame`` not sent anywhere, carrying the would-be decision.
    """
    if context.trigger is not None:
        return context.trigger
    frame = InterruptionFrame()
    frame.metadata[DECISION] = InterruptionDecision(
        reason=context.detection.reason,
        text=context.activity.text or None,
        voice_only=context.detection.voice_only,
    )
    return frame


class RouteCondition(InterruptionCondition):
    """Allows an interruption when every condition of the route that applies allows it.

    The conditions that apply are those of the ``interrupt_on`` registrations matching
    the event: the event frame itself (an `AgentHandoffFrame`...), or for the user's
    speech ``InterruptionFrame``. A route with none allows. Each is called as the route
    would call it (no argument, or the event); the controller bounds the whole check
    with its condition deadline.
    """

    def __init__(self, route: "Route"):
        """Wrap ``route``'s conditions.

        Args:
            route: The route.
        """
        self._route = route
        self.name = f"route condition of {route}"

    async def allows(self, context: InterruptionContext) -> bool:
        """Whether the route lets this interruption happen now.

        Args:
            context: The controller's situation.

        Returns:
            False as soon as one applicable route condition is false.
        """
        event = prospective_event(context)
        for spec in self._route.interrupts:
            if spec.condition is None or not spec.matches(event):
                continue
            result = (
                spec.condition(event) if positional_arity(spec.condition, 1) else spec.condition()
            )
            if inspect.isawaitable(result):
                result = await result
            if not result:
                return False
        return True
