#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Cartesia Line's route API as a Pipecat processor.

::

    router = RouteProcessor()
    (
        router.on(LLMContextFrame)
        .interrupt_on([InterruptionFrame, EmergencyStopFrame], handler=node.on_interrupt)
        .stream(node.generate)
        .broadcast()
    )

- A trigger frame starts the stream (an async generator taking the frame) as a task
  (``self.create_task``, also registered in an optional `InterruptibleTaskRegistry`,
  e.g. a `FlushCoordinator`'s). Each yielded ``str`` becomes an ``LLMTextFrame`` inside
  an ``LLMFullResponseStartFrame`` / ``LLMFullResponseEndFrame`` pair, so Pipecat's TTS
  and aggregators handle it; a yielded ``Frame`` is pushed as it is. The end frame is
  pushed on cancellation and failure too (as Pipecat's OpenAI service does).
- ``broadcast()`` makes the route live and pushes its output downstream (toward the
  TTS); ``broadcast(FrameDirection.UPSTREAM)`` pushes it upstream instead.
- An interrupt event cancels every active task of the route, awaits them all (under a
  deadline), then calls the handler (sync or async, 0 or 1 argument: the event frame;
  an async one under a deadline; exceptions logged and contained). The handler is not
  called when nothing was running. Cancellations are serialised, and a trigger arriving
  meanwhile waits for the pending cancellation before its work starts.
- ``condition`` is a predicate on the event frame (sync or async); several
  ``interrupt_on`` calls, each with its own handler and condition, may share a route.
- ``map`` and ``filter`` steps (sync or async, run in the order they were chained, under
  the handler deadline) turn a trigger into what the stream receives: ``map`` replaces
  it (returning None drops the trigger), ``filter`` drops it when false. A step that
  raises or times out is logged and drops that trigger only; ``max_concurrent_tasks`` replaces the oldest running
  stream when a new trigger arrives (1 is what a Pipecat LLM service does).
- A stream that raises is reported with ``push_error`` (a non-fatal ``ErrorFrame``) and
  logged; the route keeps working for the next trigger.

Triggers and events match in either direction. Every frame is forwarded, triggers and
events included, as Pipecat processors do: a route replacing the LLM passes the
``LLMContextFrame`` on, which TTS services and the assistant aggregator ignore.
An interrupt event is handled *before* it is forwarded: the cancelled streams are
awaited first, so no token of theirs can follow the event down the pipeline, and the
tokens already pushed are dropped by the downstream processors' own interruption
handling when the event is an ``InterruptionFrame``.
"""

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from pipecat_interrupts.task_registry import InterruptibleTaskRegistry
from pipecat_interrupts.validation import (
    require_callable,
    require_frame_types,
    require_non_negative_int,
    require_positive_secs,
)

StreamFn = Callable[[Frame], AsyncIterator[Any]]
Handler = Callable[..., Any]
Condition = Callable[[Frame], bool | Awaitable[bool]]

DEFAULT_HANDLER_TIMEOUT_SECS = 1.0
DEFAULT_CANCEL_TIMEOUT_SECS = 0.5


@dataclass
class _InterruptSpec:
    events: tuple[type[Frame], ...]
    handler: Handler | None
    condition: Condition | None


@dataclass
class Route:
    """One route: its triggers, its interrupt events, its stream and its direction.

    Built with `RouteProcessor.on`; every method returns the route for chaining.
    """

    processor: "RouteProcessor"
    triggers: tuple[type[Frame], ...]
    steps: list[tuple[str, Callable[[Any], Any]]] = field(default_factory=list)
    interrupts: list[_InterruptSpec] = field(default_factory=list)
    stream_fn: StreamFn | None = None
    direction: FrameDirection = FrameDirection.DOWNSTREAM
    active: dict[asyncio.Task, None] = field(default_factory=dict)  # insertion-ordered set
    cancelled_elsewhere: int = 0
    enabled: bool = False
    max_tasks: int | None = None

    def interrupt_on(
        self,
        events: type[Frame] | Sequence[type[Frame]],
        *,
        handler: Handler | None = None,
        condition: Condition | None = None,
    ) -> "Route":
        """Cancel this route's work when one of ``events`` arrives.

        Args:
            events: A frame class or a list of them.
            handler: Called after every active task was cancelled and awaited.
            condition: Predicate on the event frame; the interruption happens only if true.

        Returns:
            The route.

        Raises:
            TypeError: If an event is not a Frame class, or handler/condition not callable.
        """
        spec = _InterruptSpec(
            events=require_frame_types("events", events),
            handler=None if handler is None else require_callable("handler", handler),
            condition=None if condition is None else require_callable("condition", condition),
        )
        self.interrupts.append(spec)
        return self

    def filter(self, predicate: Callable[[Any], bool | Awaitable[bool]]) -> "Route":
        """Drop triggers for which ``predicate`` is false.

        Args:
            predicate: Sync or async predicate on the trigger (the frame, or what the
                ``map`` steps before it made of it).

        Returns:
            The route.

        Raises:
            TypeError: If ``predicate`` is not callable.
        """
        self.steps.append(("filter", require_callable("filter", predicate)))
        return self

    def map(self, transform: Callable[[Any], Any]) -> "Route":
        """Replace the trigger with ``transform(trigger)`` before the next step and the stream.

        ``route.map(a).filter(b).map(c)`` runs ``a``, then ``b`` on its result, then
        ``c``; the stream receives the last result. A result of None drops the trigger.

        Args:
            transform: Sync or async function of the trigger.

        Returns:
            The route.

        Raises:
            TypeError: If ``transform`` is not callable.
        """
        self.steps.append(("map", require_callable("map", transform)))
        return self

    def max_concurrent_tasks(self, limit: int) -> "Route":
        """Run at most ``limit`` streams at once (Line's ``RouteConfig.max_concurrent_tasks``).

        When a trigger arrives with ``limit`` streams running, the oldest is cancelled
        and awaited before the new one starts; the interrupt handlers are not called
        (no interrupt event happened). ``max_concurrent_tasks(1)`` makes the route
        behave like a Pipecat LLM service, where a new context replaces the old reply
        instead of interleaving with it. Unlimited by default, as in Line.

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
            generator: ``async def gen(frame): yield ...``.

        Returns:
            The route.
        """
        self.stream_fn = require_callable("generator", generator)
        return self

    def broadcast(self, direction: FrameDirection = FrameDirection.DOWNSTREAM) -> "Route":
        """Push what the stream yields in ``direction`` and switch the route on.

        Args:
            direction: Downstream (toward the TTS, the default) or upstream.

        Returns:
            The route.

        Raises:
            ValueError: If no stream was set.
        """
        if self.stream_fn is None:
            raise ValueError("stream(...) must be set before broadcast()")
        self.direction = direction
        self.enabled = True
        return self


class RouteProcessor(FrameProcessor):
    """Runs Line-style routes inside a Pipecat pipeline.

    Event handlers available:

    - on_route_interrupted(processor, route: Route, event: Frame, cancelled: int)
    """

    def __init__(
        self,
        *,
        task_registry: InterruptibleTaskRegistry | None = None,
        handler_timeout_secs: float = DEFAULT_HANDLER_TIMEOUT_SECS,
        cancel_timeout_secs: float = DEFAULT_CANCEL_TIMEOUT_SECS,
        **kwargs,
    ):
        """Initialize the processor.

        Args:
            task_registry: Also register stream tasks here (e.g. a `FlushCoordinator`'s
                ``task_registry``, so a flush cancels them too).
            handler_timeout_secs: Deadline for interrupt handlers and conditions.
            cancel_timeout_secs: Deadline for cancelled tasks to finish.
            **kwargs: `FrameProcessor` arguments.
        """
        super().__init__(**kwargs)
        if task_registry is not None and not isinstance(task_registry, InterruptibleTaskRegistry):
            raise TypeError("task_registry must be an InterruptibleTaskRegistry")
        self._registry = task_registry
        self._handler_timeout = require_positive_secs("handler_timeout_secs", handler_timeout_secs)
        self._cancel_timeout = require_positive_secs("cancel_timeout_secs", cancel_timeout_secs)
        self._routes: list[Route] = []
        self._cancel_lock = asyncio.Lock()
        self._register_event_handler("on_route_interrupted")

    def on(self, trigger: type[Frame] | Sequence[type[Frame]]) -> Route:
        """Start a route triggered by ``trigger`` frames.

        Args:
            trigger: A frame class or a list of them.

        Returns:
            The new route.
        """
        route = Route(self, require_frame_types("trigger", trigger))
        self._routes.append(route)
        return route

    @property
    def active_tasks(self) -> int:
        """Stream tasks currently running, over all routes."""
        return sum(len(r.active) for r in self._routes)

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Handle interrupt events, start triggered streams, forward every frame.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if isinstance(frame, (EndFrame, CancelFrame)):
            await self._cancel_all()
            await self.push_frame(frame, direction)
            return
        for route in self._routes:
            for spec in route.interrupts:
                if isinstance(frame, spec.events) and await self._condition_holds(spec, frame):
                    await self._interrupt(route, spec, frame)
        await self.push_frame(frame, direction)
        for route in self._routes:
            if route.enabled and isinstance(frame, route.triggers):
                passed, value = await self._run_steps(route, frame)
                if passed:
                    await self._start(route, value)

    async def cleanup(self):
        """Cancel every stream."""
        await super().cleanup()
        await self._cancel_all()

    async def _condition_holds(self, spec: _InterruptSpec, frame: Frame) -> bool:
        if spec.condition is None:
            return True
        try:
            result = spec.condition(frame)
            if inspect.isawaitable(result):
                async with asyncio.timeout(self._handler_timeout):
                    result = await result
            return bool(result)
        except Exception as e:  # TimeoutError included
            logger.opt(exception=e).warning(f"{self}: interrupt condition failed; not interrupting")
            return False

    async def _run_steps(self, route: Route, frame: Frame) -> tuple[bool, Any]:
        """The route's map and filter steps, in order: (whether to start, what to start on)."""
        value: Any = frame
        for kind, step in route.steps:
            try:
                result = step(value)
                if inspect.isawaitable(result):
                    async with asyncio.timeout(self._handler_timeout):
                        result = await result
            except Exception as e:  # TimeoutError included; CancelledError passes
                logger.opt(exception=e).warning(f"{self}: {kind} step failed on {frame.name}; trigger dropped")
                return False, None
            if kind == "filter" and not result:
                logger.debug(f"{self}: {frame.name} filtered out")
                return False, None
            if kind == "map":
                if result is None:
                    logger.debug(f"{self}: {frame.name} mapped to None; trigger dropped")
                    return False, None
                value = result
        return True, value

    async def _start(self, route: Route, frame: Any) -> None:
        async with self._cancel_lock:  # new work waits for a pending cancellation
            running = [t for t in route.active if not t.done()]
            if route.max_tasks is not None and len(running) >= route.max_tasks:
                oldest = running[: len(running) - route.max_tasks + 1]
                logger.debug(f"{self}: {len(oldest)} oldest stream(s) replaced by a new trigger")
                await self._cancel_and_wait(oldest, "replaced by a newer trigger")
        task = self.create_task(self._run_stream(route, frame), name=f"route-{type(frame).__name__}")
        route.cancelled_elsewhere = 0
        route.active[task] = None
        task.add_done_callback(lambda t: self._on_task_done(route, t))
        if self._registry is not None:
            self._registry.register(task, name=f"{self}:route")

    def _on_task_done(self, route: Route, task: asyncio.Task) -> None:
        route.active.pop(task, None)
        if task.cancelled() and not getattr(task, "_route_cancelled", False):
            # Cancelled by someone else (a FlushCoordinator's registry, on the same barge-in):
            # the route's next interrupt event still owes its handler a call.
            route.cancelled_elsewhere += 1

    async def _run_stream(self, route: Route, frame: Any) -> None:
        started = False
        stream = route.stream_fn(frame)
        try:
            async for item in stream:
                if isinstance(item, Frame):
                    await self.push_frame(item, route.direction)
                    continue
                if item is None:
                    continue
                if not isinstance(item, str):
                    logger.warning(f"{self}: stream yielded {type(item).__name__}; passed on as text")
                    item = str(item)
                if not started:
                    started = True
                    await self.push_frame(LLMFullResponseStartFrame(), route.direction)
                await self.push_frame(LLMTextFrame(item), route.direction)
        except asyncio.CancelledError:
            logger.debug(f"{self}: stream cancelled")
            raise
        except Exception as e:
            logger.opt(exception=e).warning(f"{self}: stream failed: {e}")
            await self.push_error(f"{self}: stream failed: {e}", exception=e)
        finally:
            # Cancelled while pushing an item, the generator is parked at its yield:
            # close it now (not at garbage collection) so its cleanup runs in order.
            await self._close_stream(stream)
            if started:
                # Like Pipecat's LLM services: a cut response still ends, so the TTS and
                # the assistant aggregator close the turn.
                await self.push_frame(LLMFullResponseEndFrame(), route.direction)

    async def _close_stream(self, stream: Any) -> None:
        aclose = getattr(stream, "aclose", None)
        if aclose is None:
            return
        try:
            async with asyncio.timeout(self._cancel_timeout):
                await aclose()
        except TimeoutError:
            logger.warning(f"{self}: stream did not close within {self._cancel_timeout:.2f}s")
        except Exception as e:
            logger.opt(exception=e).warning(f"{self}: stream failed while closing; contained")

    async def _interrupt(self, route: Route, spec: _InterruptSpec, event: Frame) -> None:
        async with self._cancel_lock:
            tasks = [t for t in route.active if not t.done()]
            elsewhere, route.cancelled_elsewhere = route.cancelled_elsewhere, 0
            if not tasks and not elsewhere:
                return  # nothing was running: the handler is not called
            await self._cancel_and_wait(tasks, f"interrupted by {event.name}")
            count = len(tasks) + elsewhere
            logger.debug(f"{self}: {count} stream task(s) cancelled by {event.name}")
            await self._call_event_handler("on_route_interrupted", route, event, count)
            if spec.handler is not None:
                await self._call_interrupt_handler(spec.handler, event)

    async def _cancel_and_wait(self, tasks: list[asyncio.Task], reason: str) -> None:
        for task in tasks:
            task._route_cancelled = True  # type: ignore[attr-defined]
            task.cancel(msg=reason)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self._cancel_timeout)
            if pending:
                logger.warning(f"{self}: {len(pending)} stream task(s) ignored cancellation; moving on")

    async def _call_interrupt_handler(self, handler: Handler, event: Frame) -> None:
        try:
            takes_arg = len(inspect.signature(handler).parameters) > 0
        except (TypeError, ValueError):
            takes_arg = True
        try:
            result = handler(event) if takes_arg else handler()
            if inspect.isawaitable(result):
                async with asyncio.timeout(self._handler_timeout):
                    await result
        except TimeoutError:
            logger.warning(f"{self}: interrupt handler exceeded {self._handler_timeout:.2f}s; cut off")
        except Exception as e:
            logger.opt(exception=e).warning(f"{self}: interrupt handler failed; contained")

    async def _cancel_all(self) -> None:
        tasks = [t for r in self._routes for t in r.active if not t.done()]
        for task in tasks:
            task.cancel(msg="pipeline ending")
        if tasks:
            await asyncio.wait(tasks, timeout=self._cancel_timeout)
