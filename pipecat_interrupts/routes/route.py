#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`Route`: one Line-style route, built by chaining (``RouteProcessor.on(...)``).

::

    router.on(LLMContextFrame).interrupt_on(InterruptionFrame, handler=h).stream(gen).broadcast()

The route holds configuration and the state of its running streams (`StreamRun`); the
`RouteProcessor` runs it. Each event class interrupts a route through one
``interrupt_on`` only (as in Line, a second registration of the same event, or of a
subclass or base class of one, raises ``ValueError``): one event, one handler.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipecat.frames.frames import Frame
from pipecat.processors.frame_processor import FrameDirection

from pipecat_interrupts.routes.specs import Condition, Handler, InterruptSpec, Step, StepKind
from pipecat_interrupts.validation import (
    require_callable,
    require_frame_types,
    require_non_negative_int,
)

if TYPE_CHECKING:
    from pipecat_interrupts.routes.condition import RouteCondition
    from pipecat_interrupts.routes.processor import RouteProcessor
    from pipecat_interrupts.routes.streams import StreamRun

StreamFn = Callable[[Any], AsyncIterator[Any]]

_DIRECTIONS = {"downstream": FrameDirection.DOWNSTREAM, "upstream": FrameDirection.UPSTREAM}


@dataclass(eq=False)
class Route:
    """One route: its triggers, interrupt events, steps, stream and direction.

    Built with `RouteProcessor.on`; every method returns the route for chaining.

    Parameters:
        processor: The processor running the route.
        triggers: Frame classes that start the stream.
        steps: ``map`` and ``filter`` steps, in order.
        interrupts: ``interrupt_on`` registrations.
        stream_fn: The async generator function.
        direction: Where output goes.
        runs: Running streams, oldest first.
        cut_elsewhere: Streams cancelled by someone else (a `FlushCoordinator`'s task
            registry) whose interrupt handler is still owed at the next event.
        enabled: True once ``broadcast()`` was called.
        max_tasks: Most streams at once, or None.
        conditions_delegated: True once `interruption_condition` was taken: the
            `InterruptionController` consults the conditions, and the route follows its
            decisions instead of asking them again.
        name: Name for logs.
    """

    processor: "RouteProcessor"
    triggers: tuple[type[Frame], ...]
    steps: list[Step] = field(default_factory=list)
    interrupts: list[InterruptSpec] = field(default_factory=list)
    stream_fn: StreamFn | None = None
    direction: FrameDirection = FrameDirection.DOWNSTREAM
    runs: "list[StreamRun]" = field(default_factory=list)
    cut_elsewhere: "list[StreamRun]" = field(default_factory=list)
    enabled: bool = False
    max_tasks: int | None = None
    conditions_delegated: bool = False
    name: str = "route"

    def __str__(self) -> str:
        return self.name

    def interrupt_on(
        self,
        events: type[Frame] | Sequence[type[Frame]],
        *,
        handler: Handler | None = None,
        condition: Condition | None = None,
    ) -> "Route":
        """Cut this route's work when one of ``events`` arrives.

        Args:
            events: A frame class or a list of them.
            handler: Called after the cut and after the event was forwarded, under the
                processor's ``handler_timeout_secs``: ``handler()``, ``handler(event)`` or
                ``handler(event, interruption)`` (a `RouteInterruption`), sync or async.
            condition: ``condition()`` or ``condition(event)``, sync or async: the cut
                happens only if true. Give it to the `InterruptionController` too with
                `interruption_condition` so that a "not now" also keeps the audio.

        Returns:
            The route.

        Raises:
            TypeError: If an event is not a Frame class, or handler/condition not callable.
            ValueError: If an event (or a subclass or base class of it) already
                interrupts this route.
        """
        spec = InterruptSpec(
            events=require_frame_types("events", events),
            handler=None if handler is None else require_callable("handler", handler),
            condition=None if condition is None else require_callable("condition", condition),
        )
        if not spec.events:
            raise ValueError("events must name at least one Frame class")
        taken = [event for s in self.interrupts for event in s.events]
        for event in spec.events:
            clash = next((t for t in taken if issubclass(event, t) or issubclass(t, event)), None)
            if clash is not None:
                raise ValueError(
                    f"events: {event.__name__} already interrupts this route (registered as "
                    f"{clash.__name__}); one interrupt_on per event, with one handler"
                )
            taken.append(event)
        self.interrupts.append(spec)
        return self

    def filter(self, predicate: Callable[[Any], bool | Awaitable[bool]]) -> "Route":
        """Drop triggers for which ``predicate`` is false.

        Args:
            predicate: Sync or async predicate on the trigger (or what the ``map`` steps
                before it made of it).

        Returns:
            The route.
        """
        self.steps.append(Step(StepKind.FILTER, require_callable("filter", predicate)))
        return self

    def map(self, transform: Callable[[Any], Any]) -> "Route":
        """Replace the trigger with ``transform(trigger)``; a result of None drops it.

        Args:
            transform: Sync or async function of the trigger.

        Returns:
            The route.
        """
        self.steps.append(Step(StepKind.MAP, require_callable("map", transform)))
        return self

    def max_concurrent_tasks(self, limit: int) -> "Route":
        """Run at most ``limit`` streams at once (Line's ``RouteConfig.max_concurrent_tasks``).

        A trigger arriving with ``limit`` streams running cuts the oldest first (no
        interrupt handler: no interrupt event happened). 1 behaves like a Pipecat LLM
        service. Unlimited by default, as in Line.

        Args:
            limit: At least 1.

        Returns:
            The route.
        """
        self.max_tasks = require_non_negative_int("limit", limit)
        if self.max_tasks < 1:
            raise ValueError(f"limit must be at least 1, got {limit!r}")
        return self

    def stream(self, generator: StreamFn) -> "Route":
        """Set the async generator run for each trigger.

        Args:
            generator: ``async def gen(trigger): yield ...`` (``node.generate``).

        Returns:
            The route.
        """
        self.stream_fn = require_callable("generator", generator)
        return self

    def broadcast(self, direction: FrameDirection | str = FrameDirection.DOWNSTREAM) -> "Route":
        """Push what the stream yields in ``direction`` and switch the route on.

        Args:
            direction: ``FrameDirection.DOWNSTREAM`` (toward the TTS, the default) or
                ``UPSTREAM``; the strings ``"downstream"`` and ``"upstream"`` too.

        Returns:
            The route.

        Raises:
            ValueError: If no stream was set, or ``direction`` is not a direction.
        """
        if isinstance(direction, str) and direction.lower() in _DIRECTIONS:
            direction = _DIRECTIONS[direction.lower()]
        if not isinstance(direction, FrameDirection):
            raise ValueError(
                f"direction must be FrameDirection.DOWNSTREAM or UPSTREAM, got {direction!r}"
            )
        if self.stream_fn is None:
            raise ValueError("stream(...) must be set before broadcast()")
        self.direction = direction
        self.enabled = True
        return self

    def interruption_condition(self) -> "RouteCondition":
        """This route's conditions as one `InterruptionCondition` for the controller.

        Give it to ``InterruptionController(conditions=[...])``: the controller then asks
        the route before it cuts the bot off (so a "not now" keeps the audio playing and
        starts no second reply), and the route follows the controller's decisions
        instead of asking its conditions a second time.

        Returns:
            The condition.
        """
        from pipecat_interrupts.routes.condition import RouteCondition

        self.conditions_delegated = True
        return RouteCondition(self)

    def active_runs(self) -> "list[StreamRun]":
        """Runs still running and not cut yet (a cut run's task may take a moment to end)."""
        return [
            run for run in self.runs if not run.cut and run.task is not None and not run.task.done()
        ]
