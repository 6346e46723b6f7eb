#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A registry of asyncio tasks that must die when the bot is interrupted.

Processors and user code register the tasks that produce interruptible work (an LLM
stream, a tool call, a prefetch). On interruption the registry cancels them with a reason
and awaits them under a deadline; a task that swallows its cancellation or outlives the
deadline is reported, never waited on forever. At pipeline end every task goes.
"""

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from loguru import logger

from pipecat_interrupts.validation import (
    require_bool,
    require_name,
    require_optional_name,
    require_optional_positive_secs,
    require_positive_secs,
)

DEFAULT_TASK_CANCEL_TIMEOUT_SECS = 0.5


@dataclass(frozen=True, slots=True)
class TaskCancellationReport:
    """What happened to the tasks of one cancellation round.

    Parameters:
        reason: The reason given to `asyncio.Task.cancel`.
        cancelled: Names of tasks that ended by raising `CancelledError`.
        swallowed: Names of tasks that caught the cancellation and returned normally.
        failed: Names of tasks that raised another exception while being cancelled.
        stuck: Names of tasks still running at the deadline (left running, reported).
        elapsed_secs: How long the round took.
    """

    reason: str
    cancelled: tuple[str, ...] = ()
    swallowed: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    stuck: tuple[str, ...] = ()
    elapsed_secs: float = 0.0

    @property
    def clean(self) -> bool:
        """True when every task ended by honouring its cancellation."""
        return not (self.swallowed or self.failed or self.stuck)

    @property
    def total(self) -> int:
        """Number of tasks the round dealt with."""
        return len(self.cancelled) + len(self.swallowed) + len(self.failed) + len(self.stuck)


@dataclass(slots=True)
class _Entry:
    task: asyncio.Task[Any]
    name: str
    cancel_on_interruption: bool


class InterruptibleTaskRegistry:
    """Holds the tasks to cancel on interruption and at pipeline end.

    Example::

        registry = InterruptibleTaskRegistry()
        task = registry.create_task(fetch_answer(), name="fetch")
        ...
        report = await registry.cancel_interruptible("barge-in")
        assert report.clean

    Finished tasks drop out of the registry by themselves.
    """

    __slots__ = ("_cancel_timeout_secs", "_entries", "_name")

    def __init__(
        self,
        *,
        name: str = "InterruptibleTaskRegistry",
        cancel_timeout_secs: float = DEFAULT_TASK_CANCEL_TIMEOUT_SECS,
    ):
        """Initialize the registry.

        Args:
            name: Name used in logs.
            cancel_timeout_secs: Default deadline for a cancellation round.

        Raises:
            ValueError: If ``cancel_timeout_secs`` is not a finite positive number, or
                ``name`` is empty.
            TypeError: If ``name`` is not a string.
        """
        self._name = require_name("name", name)
        self._cancel_timeout_secs = require_positive_secs(
            "cancel_timeout_secs", cancel_timeout_secs
        )
        self._entries: dict[asyncio.Task[Any], _Entry] = {}

    def __str__(self) -> str:
        return self._name

    def __len__(self) -> int:
        return sum(1 for e in self._entries.values() if not e.task.done())

    @property
    def active(self) -> list[str]:
        """Names of the registered tasks that are still running."""
        return [e.name for e in self._entries.values() if not e.task.done()]

    def register(
        self,
        task: asyncio.Task[Any],
        *,
        name: str | None = None,
        cancel_on_interruption: bool = True,
    ) -> asyncio.Task[Any]:
        """Register a task.

        Args:
            task: The task to watch.
            name: Name for reports; defaults to the task's own name.
            cancel_on_interruption: False keeps the task alive through interruptions; it
                is still cancelled at pipeline end.

        Returns:
            The same task, for chaining.

        Raises:
            TypeError: If ``task`` is not an `asyncio.Task`.
        """
        if not isinstance(task, asyncio.Task):
            raise TypeError(f"{self}: task must be an asyncio.Task, got {type(task).__name__}")
        label = require_optional_name("name", name) or task.get_name()
        cancel_on_interruption = require_bool("cancel_on_interruption", cancel_on_interruption)
        if task.done():
            return task
        entry = _Entry(task, label, cancel_on_interruption)
        self._entries[task] = entry
        task.add_done_callback(self._forget)
        logger.trace(f"{self}: registered task {entry.name}")
        return task

    def create_task(
        self,
        coroutine: Coroutine[Any, Any, Any],
        *,
        name: str | None = None,
        cancel_on_interruption: bool = True,
    ) -> asyncio.Task[Any]:
        """Create a task on the running loop and register it.

        Args:
            coroutine: The coroutine to run.
            name: Task name.
            cancel_on_interruption: See `register`.

        Returns:
            The registered task.
        """
        require_optional_name("name", name)
        require_bool("cancel_on_interruption", cancel_on_interruption)
        if not asyncio.iscoroutine(coroutine):
            raise TypeError(
                f"{self}: coroutine must be a coroutine, got {type(coroutine).__name__}"
            )
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        return self.register(task, name=name, cancel_on_interruption=cancel_on_interruption)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._entries.pop(task, None)

    async def cancel_interruptible(
        self, reason: str, *, timeout: float | None = None
    ) -> TaskCancellationReport:
        """Cancel the tasks registered with ``cancel_on_interruption=True``.

        Args:
            reason: Given to every `asyncio.Task.cancel` call and to the report.
            timeout: Deadline for the round; defaults to the registry's.

        Returns:
            What happened to each task.
        """
        entries = [e for e in self._entries.values() if e.cancel_on_interruption]
        return await self._cancel(entries, reason, timeout)

    async def cancel_all(
        self, reason: str, *, timeout: float | None = None
    ) -> TaskCancellationReport:
        """Cancel every registered task (pipeline end).

        Args:
            reason: Given to every `asyncio.Task.cancel` call and to the report.
            timeout: Deadline for the round; defaults to the registry's.

        Returns:
            What happened to each task.
        """
        return await self._cancel(list(self._entries.values()), reason, timeout)

    async def _cancel(
        self, entries: list[_Entry], reason: str, timeout: float | None
    ) -> TaskCancellationReport:
        timeout = require_optional_positive_secs("timeout", timeout)
        start = time.monotonic()
        current = asyncio.current_task()
        targets = [e for e in entries if not e.task.done() and e.task is not current]
        if not targets:
            return TaskCancellationReport(reason=reason)
        for entry in targets:
            entry.task.cancel(msg=reason)
        deadline = self._cancel_timeout_secs if timeout is None else timeout
        # asyncio.wait never raises the tasks' errors and lets our own cancellation through.
        await asyncio.wait([e.task for e in targets], timeout=deadline)
        cancelled, swallowed, failed, stuck = [], [], [], []
        for entry in targets:
            task = entry.task
            if not task.done():
                stuck.append(entry.name)
                logger.warning(
                    f"{self}: task {entry.name} still running {deadline:.3f}s after "
                    f"cancellation ({reason}); leaving it"
                )
            elif task.cancelled():
                cancelled.append(entry.name)
            elif task.exception() is not None:
                failed.append(entry.name)
                logger.warning(
                    f"{self}: task {entry.name} raised while being cancelled: {task.exception()!r}"
                )
            else:
                swallowed.append(entry.name)
                logger.warning(f"{self}: task {entry.name} swallowed its cancellation ({reason})")
        report = TaskCancellationReport(
            reason=reason,
            cancelled=tuple(cancelled),
            swallowed=tuple(swallowed),
            failed=tuple(failed),
            stuck=tuple(stuck),
            elapsed_secs=time.monotonic() - start,
        )
        logger.debug(
            f"{self}: cancelled {len(cancelled)}/{report.total} task(s) for {reason!r} "
            f"in {report.elapsed_secs * 1000:.1f} ms"
        )
        return report
