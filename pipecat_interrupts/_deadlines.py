#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Run user code under a deadline that holds whatever the code does.

Every place the plugin calls user code (conditions, predicates, flush cleanup hooks, route
handlers and conditions, node ``on_interrupt``, snapshot store calls, event handlers it
awaits) goes through `UserCodeRunner.call`. The callback runs as its own task; the caller
waits for it with the deadline and, on expiry, cancels it, logs a warning naming the
callback and the deadline, and goes on without it. It never awaits the cancelled task: a
callback that swallows its cancellation cannot stall the caller. Such an orphan is kept,
cancelled again and reported when the owner closes (`UserCodeRunner.close`).

A synchronous callback runs inline (Python cannot pre-empt it); only what it returns, if
awaitable, is put under the deadline. A coroutine's task starts eagerly (`start_eagerly`):
on Python 3.12+ its first step runs at once, and a coroutine that completes without
suspending (a condition that only reads state) gives its answer with no round trip
through the event loop. One that suspends goes on as an ordinary task, under the
deadline. The plugin's own conditions and hooks are synchronous: they never pay for a task.
"""

import asyncio
import inspect
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar, overload

from loguru import logger

from pipecat_interrupts import clocks

T = TypeVar("T")

DEFAULT_CLOSE_GRACE_SECS = 0.1


class CallOutcome(Enum):
    """How a call of user code ended.

    Parameters:
        COMPLETED: It returned a value within the deadline.
        RAISED: It raised an exception (not a cancellation) within the deadline.
        TIMED_OUT: The deadline passed; the call was cancelled and abandoned.
    """

    COMPLETED = "completed"
    RAISED = "raised"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class CallResult(Generic[T]):
    """What a call of user code gave.

    Parameters:
        name: The callback's name, as logged.
        outcome: How it ended.
        value: Its return value (None unless ``COMPLETED``).
        error: The exception it raised (``RAISED`` only).
        elapsed_secs: Time from the call to its end, or to the deadline.
    """

    name: str
    outcome: CallOutcome
    value: T | None = None
    error: BaseException | None = None
    elapsed_secs: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the callback completed within its deadline."""
        return self.outcome is CallOutcome.COMPLETED


def callback_name(callback: object) -> str:
    """A readable name for a callback, for logs.

    Args:
        callback: Any callable (or object with a ``name``).

    Returns:
        Its ``name`` attribute if it is a string, else its qualified name, else its type.
    """
    name = getattr(callback, "name", None)
    if isinstance(name, str) and name:
        return name
    qualname = getattr(callback, "__qualname__", None)
    if isinstance(qualname, str):
        return qualname
    return type(callback).__name__


def start_eagerly(coroutine: Coroutine[Any, Any, T], *, name: str) -> "asyncio.Task[T]":
    """Start a coroutine as a task whose first step runs now, in the caller's turn.

    On Python 3.12+ the task starts eagerly (``eager_start``): a coroutine that completes
    without suspending is already done on return, with no trip through the event loop. On
    3.11, which has no eager tasks, it is an ordinary task (its first step would otherwise
    run as the caller's task, and ``asyncio.timeout`` or ``current_task()`` in it would
    act on the caller).

    Args:
        coroutine: The coroutine.
        name: The task's name.

    Returns:
        The task.
    """
    loop = asyncio.get_running_loop()
    if sys.version_info >= (3, 12):
        return asyncio.Task(coroutine, loop=loop, name=name, eager_start=True)
    return loop.create_task(coroutine, name=name)


class UserCodeRunner:
    """Runs user callbacks as tasks under deadlines, and tracks those it abandoned.

    One runner belongs to one owner (a processor, an arbiter); the owner calls `close`
    when its pipeline ends.
    """

    def __init__(self, owner: str, *, clock: Callable[[], float] = clocks.monotonic):
        """Create a runner.

        Args:
            owner: The owner's name, used in warnings (``f"{self}"`` of a processor).
            clock: Monotonic clock, for ``elapsed_secs``.
        """
        self._owner = owner
        self._clock = clock
        self._abandoned: set[asyncio.Task[Any]] | None = None  # made at the first abandonment

    def __str__(self) -> str:
        return self._owner

    @property
    def abandoned(self) -> int:
        """How many abandoned callbacks are still running."""
        return sum(1 for task in self._abandoned or () if not task.done())

    def is_abandoned(self, task: "asyncio.Future[Any]") -> bool:
        """Whether ``task`` was cut at its deadline and left running (it ignored cancellation)."""
        return self._abandoned is not None and task in self._abandoned

    @overload
    async def call(
        self,
        callback: Callable[..., Awaitable[T]],
        *args: Any,
        deadline_secs: float,
        name: str | None = None,
    ) -> CallResult[T]: ...

    @overload
    async def call(
        self,
        callback: Callable[..., T],
        *args: Any,
        deadline_secs: float,
        name: str | None = None,
    ) -> CallResult[T]: ...

    async def call(
        self,
        callback: Callable[..., T | Awaitable[T]],
        *args: Any,
        deadline_secs: float,
        name: str | None = None,
    ) -> CallResult[T]:
        """Call ``callback(*args)`` and wait for it at most ``deadline_secs``.

        Never raises for what the callback does; a cancellation of the caller itself
        propagates (after cancelling the callback's task).

        Args:
            callback: A sync or async callable.
            *args: Its arguments.
            deadline_secs: The deadline.
            name: The name to log (defaults to `callback_name`).

        Returns:
            The result, with its outcome.
        """
        label = name or callback_name(callback)
        started = self._clock()
        try:
            returned = callback(*args)
        except Exception as error:  # user code: contained and reported
            return self._raised(label, error, started)
        if returned is None or isinstance(returned, bool) or not inspect.isawaitable(returned):
            return CallResult(label, CallOutcome.COMPLETED, returned, None, self._clock() - started)
        return await self.wait(returned, deadline_secs=deadline_secs, name=label, started=started)

    async def wait(
        self,
        awaitable: Awaitable[T],
        *,
        deadline_secs: float,
        name: str,
        started: float | None = None,
    ) -> CallResult[T]:
        """Wait for an awaitable of user code in its own task, under a deadline.

        Args:
            awaitable: A coroutine or future from user code.
            deadline_secs: The deadline.
            name: The name to log.
            started: When the call began (defaults to now).

        Returns:
            The result, with its outcome.
        """
        started = self._clock() if started is None else started
        task: asyncio.Future[T]
        if inspect.iscoroutine(awaitable):
            task = start_eagerly(awaitable, name=name)
        else:
            task = asyncio.ensure_future(awaitable)
        if not task.done():
            try:
                await asyncio.wait({task}, timeout=deadline_secs)
            except asyncio.CancelledError:
                task.cancel()
                self._abandon(task)
                raise
        elapsed = self._clock() - started
        if not task.done():
            task.cancel()
            self._abandon(task)
            logger.warning(
                f"{self._owner}: {name} overran its {deadline_secs:g} s deadline; "
                "cancelled it and went on without it"
            )
            return CallResult(name, CallOutcome.TIMED_OUT, None, None, elapsed)
        if task.cancelled():
            error: BaseException = asyncio.CancelledError()
            logger.warning(f"{self._owner}: {name} was cancelled from inside")
            return CallResult(name, CallOutcome.RAISED, None, error, elapsed)
        failure = task.exception()
        if failure is not None:
            return self._raised(name, failure, started)
        return CallResult(name, CallOutcome.COMPLETED, task.result(), None, elapsed)

    def spawn(
        self, awaitable: Awaitable[Any], *, deadline_secs: float, name: str
    ) -> "asyncio.Task[Any]":
        """Run an awaitable of user code in its own task, not waited on, under a deadline.

        One task and one timer: past the deadline the timer cancels the task, logs a
        warning and abandons it (a task that swallows its cancellation is reported at
        `close`). An exception it raises is logged at warning.

        Args:
            awaitable: A coroutine or future from user code (an event handler's).
            deadline_secs: The deadline.
            name: The name to log.

        Returns:
            The task (done when the callback ends or is cut at its deadline).
        """
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._contained(awaitable, name), name=name)
        timer = loop.call_later(deadline_secs, self._overran, task, name, deadline_secs)
        task.add_done_callback(lambda _: timer.cancel())
        return task

    async def _contained(self, awaitable: Awaitable[Any], name: str) -> None:
        try:
            await awaitable
        except Exception as error:  # user code: contained and reported
            self._raised(name, error, 0.0)

    def _overran(self, task: "asyncio.Task[Any]", name: str, deadline_secs: float) -> None:
        if task.done():
            return
        task.cancel()
        self._abandon(task)
        logger.warning(
            f"{self._owner}: {name} overran its {deadline_secs:g} s deadline; "
            "cancelled it and went on without it"
        )

    def _raised(self, name: str, error: BaseException, started: float) -> CallResult[Any]:
        logger.warning(f"{self._owner}: {name} raised {type(error).__name__}: {error}")
        return CallResult(name, CallOutcome.RAISED, None, error, self._clock() - started)

    def _abandon(self, task: asyncio.Future[Any]) -> None:
        if not isinstance(task, asyncio.Task):
            return
        if self._abandoned is None:
            self._abandoned = set()
        self._abandoned.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        if self._abandoned is not None:
            self._abandoned.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.debug(f"{self._owner}: an abandoned callback ended with {task.exception()!r}")

    async def close(self, grace_secs: float = DEFAULT_CLOSE_GRACE_SECS) -> list[str]:
        """Cancel the abandoned callbacks again and wait briefly for them.

        Args:
            grace_secs: How long to wait for them to end.

        Returns:
            The names of the tasks still running after the grace period (also logged at
            warning: they swallow cancellation and may outlive the pipeline).
        """
        pending = [task for task in self._abandoned or () if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=grace_secs)
        still_running = [task.get_name() for task in pending if not task.done()]
        if still_running:
            logger.warning(
                f"{self._owner}: {len(still_running)} callback(s) ignored cancellation and are "
                f"still running at the end: {', '.join(still_running)}"
            )
        return still_running
