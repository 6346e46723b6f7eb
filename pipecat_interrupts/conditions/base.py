#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Conditions: may a detected interruption happen *now*?

A condition reads an `InterruptionContext` and allows or holds back the interruption.
Conditions may be sync or async; each runs under a deadline, and one that raises or
times out is logged and resolved by the caller's ``on_error`` policy. They compose with
`all_of`, `any_of` and `not_`.
"""

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from loguru import logger
from pipecat.frames.frames import Frame

from pipecat_interrupts.detectors.base import Detection, UserActivity
from pipecat_interrupts.validation import require_callable

DEFAULT_CONDITION_TIMEOUT_SECS = 0.2


@dataclass(frozen=True)
class InterruptionContext:
    """Everything a condition may look at.

    Parameters:
        now: ``time.monotonic()`` (or the controller's clock) at evaluation.
        bot_speaking: Whether the bot is speaking.
        bot_speaking_secs: How long it has been speaking (0 when silent).
        detection: The detection asking to interrupt.
        activity: The user's activity behind it.
        trigger: The frame behind it (an `EmergencyStopFrame`...), if any.
        uninterruptible_playing: Whether an uninterruptible segment is playing.
        interruptions_enabled: False while an `InterruptionsControlFrame` has switched
            interruptions off.
    """

    now: float
    bot_speaking: bool
    bot_speaking_secs: float
    detection: Detection
    activity: UserActivity
    trigger: Frame | None = None
    uninterruptible_playing: bool = False
    interruptions_enabled: bool = True


class InterruptionCondition:
    """Base class: subclasses implement `allows` (sync or async) and set ``name``."""

    name: str = "condition"

    def allows(self, context: InterruptionContext) -> bool | Awaitable[bool]:
        """Whether the interruption may happen now.

        Args:
            context: The situation.

        Returns:
            True to allow (or an awaitable of it).
        """
        raise NotImplementedError

    def __str__(self) -> str:
        return self.name


Predicate = Callable[[InterruptionContext], bool | Awaitable[bool]]


class PredicateCondition(InterruptionCondition):
    """Wraps any sync or async callable taking an `InterruptionContext`."""

    def __init__(self, predicate: Predicate, *, name: str | None = None):
        """Initialize the condition.

        Args:
            predicate: ``(context) -> bool`` or an async equivalent.
            name: Name for logs; defaults to the callable's name.

        Raises:
            TypeError: If ``predicate`` is not callable.
        """
        self._predicate = require_callable("predicate", predicate)
        self.name = name or getattr(predicate, "__name__", type(predicate).__name__)

    def allows(self, context: InterruptionContext) -> bool | Awaitable[bool]:
        """Call the predicate."""
        return self._predicate(context)


def as_condition(value: object, parameter: str = "conditions") -> InterruptionCondition:
    """Accept a condition or a plain callable.

    Args:
        value: An `InterruptionCondition` or a ``(context) -> bool`` callable.
        parameter: The parameter's name for the error message.

    Returns:
        A condition.

    Raises:
        TypeError: If ``value`` is neither.
    """
    if isinstance(value, InterruptionCondition):
        return value
    if callable(value):
        return PredicateCondition(value)
    raise TypeError(f"{parameter} must hold conditions or callables, got {value!r}")


@dataclass(frozen=True)
class ConditionOutcome:
    """The result of checking conditions.

    Parameters:
        allowed: Whether the interruption may happen.
        blocked_by: Name of the first condition that held it back.
        errors: Names of conditions that raised or timed out.
    """

    allowed: bool
    blocked_by: str | None = None
    errors: tuple[str, ...] = ()


async def evaluate_condition(
    condition: InterruptionCondition,
    context: InterruptionContext,
    *,
    timeout: float = DEFAULT_CONDITION_TIMEOUT_SECS,
    on_error: bool = True,
) -> tuple[bool, bool]:
    """Evaluate one condition under a deadline.

    Args:
        condition: The condition.
        context: The situation.
        timeout: Deadline for an async condition.
        on_error: The answer used when the condition raises or times out.

    Returns:
        ``(allowed, failed)``.
    """
    try:
        result = condition.allows(context)
        if inspect.isawaitable(result):
            # Only awaitables can be bounded: a sync predicate cannot be interrupted.
            async with asyncio.timeout(timeout):
                result = await result
        return bool(result), False
    except TimeoutError:
        logger.warning(
            f"condition {condition} took longer than {timeout:.3f}s; treated as "
            f"{'allow' if on_error else 'deny'}"
        )
    except Exception as e:
        logger.opt(exception=e).warning(
            f"condition {condition} raised; treated as {'allow' if on_error else 'deny'}"
        )
    return on_error, True


async def check_conditions(
    conditions: Sequence[InterruptionCondition],
    context: InterruptionContext,
    *,
    timeout: float = DEFAULT_CONDITION_TIMEOUT_SECS,
    on_error: bool = True,
) -> ConditionOutcome:
    """Check conditions in order; the first that holds the interruption back wins.

    Args:
        conditions: The conditions.
        context: The situation.
        timeout: Deadline for each condition.
        on_error: The answer used for a condition that raises or times out.

    Returns:
        The outcome.
    """
    errors = []
    for condition in conditions:
        allowed, failed = await evaluate_condition(
            condition, context, timeout=timeout, on_error=on_error
        )
        if failed:
            errors.append(condition.name)
        if not allowed:
            return ConditionOutcome(False, condition.name, tuple(errors))
    return ConditionOutcome(True, None, tuple(errors))


class _Combined(InterruptionCondition):
    def __init__(self, conditions: Sequence[object], *, mode: str):
        self._conditions = [as_condition(c, "conditions") for c in conditions]
        if not self._conditions:
            raise ValueError(f"{mode}_of needs at least one condition")
        self._mode = mode
        self.name = f"{mode}_of({', '.join(c.name for c in self._conditions)})"

    async def allows(self, context: InterruptionContext) -> bool:
        for condition in self._conditions:
            result = condition.allows(context)
            if inspect.isawaitable(result):
                result = await result
            if self._mode == "any" and result:
                return True
            if self._mode == "all" and not result:
                return False
        return self._mode == "all"


def all_of(*conditions: object) -> InterruptionCondition:
    """A condition that allows only when every one of ``conditions`` allows.

    Args:
        *conditions: Conditions or callables.

    Returns:
        The combined condition.
    """
    return _Combined(conditions, mode="all")


def any_of(*conditions: object) -> InterruptionCondition:
    """A condition that allows when at least one of ``conditions`` allows.

    Args:
        *conditions: Conditions or callables.

    Returns:
        The combined condition.
    """
    return _Combined(conditions, mode="any")


class _Not(InterruptionCondition):
    def __init__(self, condition: object):
        self._condition = as_condition(condition, "condition")
        self.name = f"not_({self._condition.name})"

    async def allows(self, context: InterruptionContext) -> bool:
        result = self._condition.allows(context)
        if inspect.isawaitable(result):
            result = await result
        return not result


def not_(condition: object) -> InterruptionCondition:
    """A condition that allows when ``condition`` does not.

    Args:
        condition: A condition or callable.

    Returns:
        The negated condition.
    """
    return _Not(condition)

