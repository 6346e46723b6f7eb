#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`RouteStreams`: the part of a route processor that runs, cuts and ends streams.

One writer for every piece of stream state: each `StreamRun` is created, cut and ended
here only. A cut is synchronous (the run is marked, then its task cancelled), so
nothing the stream yields afterwards is pushed, even from a generator that swallows its
cancellation; awaiting the cut task comes later, under a deadline, off the event's path.
"""

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
)
from pipecat.processors.frame_processor import FrameProcessor

from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.frames import AgentGenerationCompleteFrame
from pipecat_interrupts.routes.items import ItemKind, classify
from pipecat_interrupts.routes.node import InterruptibleNode
from pipecat_interrupts.routes.route import Route
from pipecat_interrupts.typed_events import TypedEventHandlerDecorator


@dataclass(eq=False)
class StreamRun:
    """One running stream of a route: the route processor is its only writer.

    Parameters:
        started_by: What the stream was started with.
        task: Its task.
        chunks: The text it has yielded.
        cut: Set (synchronously, before the task is cancelled) when an event or a newer
            trigger cut it: nothing it yields afterwards is pushed.
        response_open: An ``LLMFullResponseStartFrame`` was pushed and its end not yet.
    """

    started_by: Any
    task: "asyncio.Task[None] | None" = None
    chunks: list[str] = field(default_factory=list)
    cut: bool = False
    response_open: bool = False

    @property
    def text(self) -> str:
        """The text yielded so far."""
        return "".join(self.chunks)


class RouteStreams(TypedEventHandlerDecorator, FrameProcessor):
    """Runs each route's streams as tasks and owns their state (base of `RouteProcessor`)."""

    def __init__(self, *, cancel_timeout_secs: float, **kwargs: Any):
        """Initialize.

        Args:
            cancel_timeout_secs: Deadline for cut streams to end (and for closing).
            **kwargs: `FrameProcessor` arguments.
        """
        super().__init__(**kwargs)
        self._cancel_timeout = cancel_timeout_secs
        self._settling: asyncio.Task[None] | None = None
        self._aftermaths: set[asyncio.Task[None]] = set()
        self._routes: list[Route] = []
        self.runner = UserCodeRunner(str(self))

    @property
    def active_tasks(self) -> int:
        """Stream tasks currently running, over all routes."""
        return sum(len(route.active_runs()) for route in self._routes)

    def register_task(self, task: "asyncio.Task[None]", route: Route) -> None:
        """Hook: also register a new stream task elsewhere (a shared task registry)."""

    def settle(self, aftermath: Coroutine[Any, Any, None], *, name: str) -> None:
        """Run an event's aftermath in the background, after the previous one.

        Args:
            aftermath: The coroutine (bounded by its own deadlines).
            name: Task name.
        """
        previous = self._settling

        async def chained() -> None:
            try:
                if previous is not None and not previous.done():
                    await asyncio.wait({previous})  # bounded: each aftermath has its deadlines
            except asyncio.CancelledError:
                aftermath.close()  # never started: close it rather than leave it unawaited
                raise
            await aftermath

        task = self.create_task(chained(), name=name)
        self._settling = task
        self._aftermaths.add(task)
        task.add_done_callback(self._aftermaths.discard)

    async def wait_settled(self, budget_secs: float) -> None:
        """Wait (at most ``budget_secs`` per round) until no aftermath is pending."""
        while self._settling is not None and not self._settling.done():
            _, pending = await asyncio.wait({self._settling}, timeout=budget_secs)
            if pending:
                logger.warning(
                    f"{self}: an interrupt aftermath overran {budget_secs:g} s; starting anyway"
                )
                return

    async def start(self, route: Route, value: Any, *, budget_secs: float) -> None:
        """Start ``route``'s stream on ``value`` once pending cancellations settled.

        Args:
            route: The route.
            value: What the stream receives.
            budget_secs: Longest wait for a pending aftermath.
        """
        await self.wait_settled(budget_secs)
        running = route.active_runs()
        if route.max_tasks is not None and len(running) >= route.max_tasks:
            oldest = running[: len(running) - route.max_tasks + 1]
            logger.debug(
                f"{self}: {len(oldest)} oldest stream(s) of {route} replaced by a new trigger"
            )
            self.cut_runs(route, oldest, "replaced by a newer trigger")
            await self.end_open_responses(route, oldest)
            await self.wait_for_runs(oldest)
        run = StreamRun(started_by=value)
        logger.debug(f"{self}: {route} starts a stream on {getattr(value, 'name', value)}")
        run.task = self.create_task(self._run_stream(route, run), name=f"{self}-{route}")
        route.runs.append(run)
        run.task.add_done_callback(partial(self._on_run_done, route, run))
        self.register_task(run.task, route)

    def cut_runs(self, route: Route, runs: list[StreamRun], reason: str) -> list[StreamRun]:
        """Cut ``runs`` now: mark them (nothing they yield is pushed any more), cancel them.

        Returns:
            The runs cut.
        """
        for run in runs:
            run.cut = True
            if run.task is not None:
                run.task.cancel(msg=reason)
        return runs

    async def end_open_responses(
        self, route: Route, runs: "tuple[StreamRun, ...] | list[StreamRun]"
    ) -> None:
        """End the responses ``runs`` had open (before the event that cut them goes on)."""
        for run in runs:
            if run.response_open:
                run.response_open = False
                await self.push_frame(LLMFullResponseEndFrame(), route.direction)

    async def wait_for_runs(self, runs: list[StreamRun]) -> None:
        """Wait (at most ``cancel_timeout_secs``) for cut runs to end."""
        tasks = {run.task for run in runs if run.task is not None and not run.task.done()}
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=self._cancel_timeout)
        if pending:
            logger.warning(
                f"{self}: {len(pending)} stream task(s) ignored cancellation for "
                f"{self._cancel_timeout:g} s; moving on"
            )

    def _on_run_done(self, route: Route, run: StreamRun, task: "asyncio.Task[None]") -> None:
        if run in route.runs:
            route.runs.remove(run)
        if task.cancelled() and not run.cut:
            # Cancelled by someone else (a FlushCoordinator's registry, on the same
            # barge-in): the route's next interrupt event still owes its handler a call.
            run.cut = True
            route.cut_elsewhere.append(run)

    async def _run_stream(self, route: Route, run: StreamRun) -> None:
        assert route.stream_fn is not None
        stream = route.stream_fn(run.started_by)
        completed = False
        try:
            async for item in stream:
                if run.cut:
                    break  # a stream that swallowed its cancellation: nothing more is pushed
                await self._push_item(route, run, item)
            completed = not run.cut
        except asyncio.CancelledError:
            logger.debug(f"{self}: {route} stream cancelled")
            raise
        except Exception as e:
            logger.opt(exception=e).warning(f"{self}: {route} stream failed: {e}")
            await self.push_error(f"{self}: stream failed: {e}", exception=e)
        finally:
            await self._close_stream(stream)
            if completed:
                await self.push_frame(
                    AgentGenerationCompleteFrame(text=run.text, route=str(route)), route.direction
                )
            await self.end_open_responses(route, [run])

    async def _push_item(self, route: Route, run: StreamRun, item: object) -> None:
        classified = classify(item)
        if classified.kind is ItemKind.TEXT:
            if not run.response_open:
                run.response_open = True
                await self.push_frame(LLMFullResponseStartFrame(), route.direction)
            run.chunks.append(classified.text)
            await self.push_frame(LLMTextFrame(classified.text), route.direction)
        elif classified.kind is ItemKind.FRAME and classified.frame is not None:
            await self.push_frame(classified.frame, route.direction)
        elif classified.kind is ItemKind.INVALID:
            logger.warning(
                f"{self}: {route} stream yielded a {type(item).__name__}; skipped "
                "(yield str, AgentResponse or frames)"
            )

    async def _close_stream(self, stream: Any) -> None:
        # Cancelled while pushing an item, the generator is parked at its yield: close it
        # now (not at garbage collection) so its cleanup runs in order.
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await self.runner.wait(
                aclose(), deadline_secs=self._cancel_timeout, name=f"{self} stream close"
            )

    async def stop_all_streams(self) -> None:
        """Cut every stream, drop pending aftermaths, close the nodes streamed from."""
        runs = [
            run
            for route in self._routes
            for run in route.runs
            if run.task is not None and not run.task.done()
        ]
        for route in self._routes:
            self.cut_runs(route, [run for run in route.runs if run in runs], "pipeline ending")
        await self.wait_for_runs(runs)
        pending = {task for task in self._aftermaths if not task.done()}
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=self._cancel_timeout)
        nodes: dict[int, InterruptibleNode] = {}
        for route in self._routes:
            owner = getattr(route.stream_fn, "__self__", None)
            if isinstance(owner, InterruptibleNode):
                nodes[id(owner)] = owner
        for node in nodes.values():
            await self.runner.call(
                node.close, deadline_secs=self._cancel_timeout, name=f"{node}.close"
            )
        await self.runner.close()
