#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`RouteProcessor`: runs Line-style routes inside a Pipecat pipeline.

::

    router = RouteProcessor(heard_text=snapshotter)
    (
        router.on(LLMContextFrame)
        .interrupt_on([InterruptionFrame, EmergencyStopFrame], handler=node.on_interrupt)
        .stream(node.generate)
        .broadcast()
    )

- A trigger frame starts the stream as a task (also registered in an optional
  `InterruptibleTaskRegistry`, e.g. a `FlushCoordinator`'s). Yielded items become frames
  (see `pipecat_interrupts.routes.items`): text inside an ``LLMFullResponseStartFrame`` /
  ``EndFrame`` pair. A stream that completes ends with an `AgentGenerationCompleteFrame`
  before its end frame; a cut one ends with the end frame alone.
- An interrupt event, when the registration's condition allows (see below), is handled
  in this order: the route's streams are cut at once (nothing they yield afterwards is
  pushed), their open responses are ended, and the event is forwarded. Only then, in
  the background, the cut streams are awaited (``cancel_timeout_secs``), the heard text
  is asked for (``heard_timeout_secs``) and the handler is called with a
  `RouteInterruption` (``handler_timeout_secs``). The interruption never waits on the
  handler; a trigger arriving meanwhile waits for it (new work never overlaps a pending
  cancellation), and the handler is not called when nothing was running.
- Conditions run under ``condition_timeout_secs`` (false on error or overrun). Taken by
  the `InterruptionController` (`Route.interruption_condition`), they are asked there
  instead, and the route follows the controller's decisions.
- Without an interruption of their own, event frames in ``interrupt_event_types``
  (`EmergencyStopFrame`, `AgentHandoffFrame`) that no controller has handled would cut
  the generation but let the synthesized audio play on: the route broadcasts the
  interruption itself, as the controller would, and marks the event handled so a
  `FlushCoordinator` after it does not interrupt a second time.
- Every user callback (conditions, steps, handlers, the heard-text source, stream
  cleanup, node ``close``) runs through a `UserCodeRunner`: its deadline holds whatever
  the callback does. At the end of the pipeline the streams are cancelled and the nodes
  streamed from are closed (their HTTP sessions included).
"""

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InterruptionFrame,
    SystemFrame,
)
from pipecat.processors.frame_processor import FrameDirection

from pipecat_interrupts._deadlines import callback_name
from pipecat_interrupts.event_handlers import (
    DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
    DeadlineEventHandlersMixin,
)
from pipecat_interrupts.flush_coordinator import reason_for
from pipecat_interrupts.frames import (
    DECISION,
    HANDLED_BY_CONTROLLER,
    AgentHandoffFrame,
    EmergencyStopFrame,
    InterruptionDecision,
)
from pipecat_interrupts.routes.aftermath import InterruptAftermath, RouteCut
from pipecat_interrupts.routes.interruption import (
    HeardTextSource,
    SnapshotHeardText,
)
from pipecat_interrupts.routes.route import Route
from pipecat_interrupts.routes.specs import InterruptSpec, StepKind, positional_arity
from pipecat_interrupts.routes.streams import RouteStreams
from pipecat_interrupts.snapshotter import StateSnapshotter
from pipecat_interrupts.task_registry import InterruptibleTaskRegistry
from pipecat_interrupts.validation import require_frame_types, require_positive_secs

DEFAULT_HANDLER_TIMEOUT_SECS = 1.0
DEFAULT_CANCEL_TIMEOUT_SECS = 0.5
DEFAULT_CONDITION_TIMEOUT_SECS = 0.2
DEFAULT_HEARD_TIMEOUT_SECS = 1.0

_DROPPED = object()  # a trigger a step dropped (None is a value a map may not return)


class RouteProcessor(DeadlineEventHandlersMixin, RouteStreams):
    """Runs Line-style routes inside a Pipecat pipeline.

    Event handlers available:

    - on_route_interrupted(processor, route: Route, event: Frame, cancelled: int), in its
      own task under ``event_handler_timeout_secs`` (`DeadlineEventHandlersMixin`)
    """

    def __init__(
        self,
        *,
        task_registry: InterruptibleTaskRegistry | None = None,
        heard_text: HeardTextSource | StateSnapshotter | None = None,
        interrupt_event_types: Sequence[type[Frame]] = (EmergencyStopFrame, AgentHandoffFrame),
        handler_timeout_secs: float = DEFAULT_HANDLER_TIMEOUT_SECS,
        cancel_timeout_secs: float = DEFAULT_CANCEL_TIMEOUT_SECS,
        condition_timeout_secs: float = DEFAULT_CONDITION_TIMEOUT_SECS,
        heard_timeout_secs: float = DEFAULT_HEARD_TIMEOUT_SECS,
        event_handler_timeout_secs: float = DEFAULT_EVENT_HANDLER_TIMEOUT_SECS,
        **kwargs: Any,
    ):
        """Initialize the processor.

        Args:
            task_registry: Also register stream tasks here (a `FlushCoordinator`'s
                ``task_registry``, so a flush cancels them too).
            heard_text: Where handlers learn what the caller heard: a `HeardTextSource`,
                or the pipeline's `StateSnapshotter` (read through `SnapshotHeardText`).
            interrupt_event_types: System frame classes after which, unless a controller
                already did, the route broadcasts an interruption itself (to cut the
                audio too). Empty to never do so.
            handler_timeout_secs: Deadline for an interrupt handler, and for ``map`` and
                ``filter`` steps.
            cancel_timeout_secs: Deadline for cut streams to end, and for a node's close.
            condition_timeout_secs: Deadline for a route condition.
            heard_timeout_secs: Deadline for the heard-text source.
            event_handler_timeout_secs: Deadline for each event handler.
            **kwargs: `FrameProcessor` arguments.

        Raises:
            TypeError: On a value of the wrong type (the message names the parameter).
            ValueError: On a duration that is not finite and positive.
        """
        if "name" in kwargs and not isinstance(kwargs["name"], str):
            raise TypeError(f"name must be a string, got {kwargs['name']!r}")
        cancel_timeout = require_positive_secs("cancel_timeout_secs", cancel_timeout_secs)
        super().__init__(
            cancel_timeout_secs=cancel_timeout,
            event_handler_timeout_secs=event_handler_timeout_secs,
            **kwargs,
        )
        if task_registry is not None and not isinstance(task_registry, InterruptibleTaskRegistry):
            raise TypeError("task_registry must be an InterruptibleTaskRegistry")
        if isinstance(heard_text, StateSnapshotter):
            heard_text = SnapshotHeardText(heard_text)
        if heard_text is not None and not isinstance(heard_text, HeardTextSource):
            raise TypeError(
                f"heard_text must be a HeardTextSource or a StateSnapshotter, got {heard_text!r}"
            )
        self._registry = task_registry
        self._event_types = require_frame_types("interrupt_event_types", interrupt_event_types)
        for event_type in self._event_types:
            if not issubclass(event_type, SystemFrame):
                raise TypeError(
                    f"interrupt_event_types must hold SystemFrame classes, got {event_type.__name__}"
                )
        self._handler_timeout = require_positive_secs("handler_timeout_secs", handler_timeout_secs)
        self._condition_timeout = require_positive_secs(
            "condition_timeout_secs", condition_timeout_secs
        )
        self._heard_timeout = require_positive_secs("heard_timeout_secs", heard_timeout_secs)
        self._settle_budget = self._cancel_timeout + self._heard_timeout + self._handler_timeout
        self._aftermath = InterruptAftermath(
            self,
            heard_text=heard_text,
            handler_timeout_secs=self._handler_timeout,
            heard_timeout_secs=self._heard_timeout,
        )
        self._outgoing_decision: InterruptionDecision | None = None
        self._register_event_handler("on_route_interrupted")

    def on(self, trigger: type[Frame] | Sequence[type[Frame]]) -> Route:
        """Start a route triggered by ``trigger`` frames.

        Args:
            trigger: A frame class or a list of them.

        Returns:
            The new route.
        """
        triggers = require_frame_types("trigger", trigger)
        if not triggers:
            raise ValueError("trigger must name at least one Frame class")
        route = Route(self, triggers, name=f"route {len(self._routes)} ({triggers[0].__name__})")
        self._routes.append(route)
        return route

    @property
    def routes(self) -> tuple[Route, ...]:
        """The routes, in the order they were made."""
        return tuple(self._routes)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Handle interrupt events, start triggered streams, forward every frame.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if isinstance(frame, (EndFrame, CancelFrame)):
            await self.stop_all_streams()
            await self.push_frame(frame, direction)
            return
        since = time.monotonic()
        cuts: list[RouteCut] = []
        matched = False
        for route in self._routes:
            for spec in route.interrupts:
                if spec.matches(frame) and await self._condition_holds(route, spec, frame):
                    matched = True
                    runs = self.cut_runs(route, route.active_runs(), f"interrupted by {frame.name}")
                    owed, route.cut_elsewhere = route.cut_elsewhere, []
                    if runs or owed:
                        cuts.append(RouteCut(route, spec, (*runs, *owed)))
        for cut in cuts:
            await self.end_open_responses(cut.route, cut.runs)
        if matched and self._cuts_audio_for(frame):
            frame.metadata[HANDLED_BY_CONTROLLER] = True
            await self._interrupt_audio(frame)
        await self.push_frame(frame, direction)
        if cuts:
            self.settle(
                self._aftermath.run(tuple(cuts), frame, since), name=f"{self}-after-{frame.name}"
            )
        for route in self._routes:
            if route.enabled and isinstance(frame, route.triggers):
                value = await self._run_steps(route, frame)
                if value is not _DROPPED:
                    await self.start(route, value, budget_secs=self._settle_budget)

    def _cuts_audio_for(self, frame: Frame) -> bool:
        return isinstance(frame, self._event_types) and not frame.metadata.get(
            HANDLED_BY_CONTROLLER
        )

    async def _interrupt_audio(self, event: Frame) -> None:
        logger.debug(f"{self}: {event.name} reached no controller; interrupting the bot")
        self._outgoing_decision = InterruptionDecision(reason=reason_for(event), trigger=event.name)
        try:
            await self.broadcast_interruption()  # type: ignore[no-untyped-call]  # Pipecat's, untyped
        finally:
            self._outgoing_decision = None

    async def broadcast_frame(self, frame_cls: type[Frame], **kwargs: Any) -> None:
        """Broadcast a frame; an `InterruptionFrame` of the route carries its decision.

        Args:
            frame_cls: The frame class.
            **kwargs: Its constructor's arguments.
        """
        decision = self._outgoing_decision
        if decision is None or not issubclass(frame_cls, InterruptionFrame):
            await super().broadcast_frame(frame_cls, **kwargs)
            return
        down, up = frame_cls(**kwargs), frame_cls(**kwargs)
        down.broadcast_sibling_id, up.broadcast_sibling_id = up.id, down.id
        down.metadata[DECISION] = up.metadata[DECISION] = decision
        await self.push_frame(down, FrameDirection.DOWNSTREAM)
        await self.push_frame(up, FrameDirection.UPSTREAM)

    async def cleanup(self) -> None:
        """Cancel every stream and close the nodes."""
        await super().cleanup()
        await self.stop_all_streams()

    async def _condition_holds(self, route: Route, spec: InterruptSpec, frame: Frame) -> bool:
        if spec.condition is None:
            return True
        if route.conditions_delegated and (
            isinstance(frame, InterruptionFrame) or frame.metadata.get(HANDLED_BY_CONTROLLER)
        ):
            # One decision: the controller asked the route already (or, for Pipecat's own
            # interruptions, the audio is cut whatever the route says; its stream must go).
            logger.debug(f"{self}: {route} follows the controller's decision on {frame.name}")
            return True
        args = (frame,) if positional_arity(spec.condition, 1) else ()
        result = await self.runner.call(
            spec.condition,
            *args,
            deadline_secs=self._condition_timeout,
            name=f"{route} condition {callback_name(spec.condition)}",
        )
        if not result.ok:
            logger.warning(f"{self}: {route} condition failed on {frame.name}; not interrupting")
            return False
        return bool(result.value)

    async def _run_steps(self, route: Route, frame: Frame) -> Any:
        """What the stream starts on after the route's steps, or `_DROPPED`."""
        value: Any = frame
        for step in route.steps:
            result = await self.runner.call(
                step.fn,
                value,
                deadline_secs=self._handler_timeout,
                name=f"{route} {step.kind.value} step",
            )
            if not result.ok:
                logger.warning(
                    f"{self}: {step.kind.value} step failed on {frame.name}; trigger dropped"
                )
                return _DROPPED
            if step.kind is StepKind.FILTER and not result.value:
                logger.debug(f"{self}: {frame.name} filtered out")
                return _DROPPED
            if step.kind is StepKind.MAP:
                if result.value is None:
                    logger.debug(f"{self}: {frame.name} mapped to None; trigger dropped")
                    return _DROPPED
                value = result.value
        return value

    async def notify_interrupted(self, route: Route, event: Frame, cancelled: int) -> None:
        """Fire ``on_route_interrupted`` (the aftermath calls it once per cut route)."""
        await self._call_event_handler("on_route_interrupted", route, event, cancelled)

    def register_task(self, task: "asyncio.Task[None]", route: Route) -> None:
        """Also register a stream task in the shared registry, if any."""
        if self._registry is not None:
            self._registry.register(task, name=f"{self}:{route}")
