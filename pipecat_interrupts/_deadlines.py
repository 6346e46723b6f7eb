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
awaitable, is put under the deadline.
"""

import asyncio
import inspect
from collections.abc import Awaitable, Callable
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
        self._abandoned: set[asyncio.Task[Any]] = set()

    def __str__(self) -> str:
        return self._owner

    @property
    def abandoned(self) -> int:
        """How many abandoned callbacks are still running."""
        return sum(1 for task in self._abandoned if not task.done())

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
        if not inspect.isawaitable(returned):
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
            task = asyncio.get_running_loop().create_task(awaitable, name=name)
        else:
            task = asyncio.ensure_future(awaitable)
        try:
            done, _ = await asyncio.wait({task}, timeout=deadline_secs)
        except asyncio.CancelledError:
            task.cancel()
            self._abandon(task)
            raise
        elapsed = self._clock() - started
        if not done:
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

    def _raised(self, name: str, error: BaseException, started: float) -> CallResult[Any]:
        logger.warning(f"{self._owner}: {name} raised {type(error).__name__}: {error}")
        return CallResult(name, CallOutcome.RAISED, None, error, self._clock() - started)

    def _abandon(self, task: asyncio.Future[Any]) -> None:
        if not isinstance(task, asyncio.Task):
            return
        self._abandoned.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[Any]) -> None:
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
        pending = [task for task in self._abandoned if not task.done()]
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
