#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Conditions: may a detected interruption happen *now*?

A condition reads an `InterruptionContext` and allows or holds back the interruption.
Conditions may be sync or async. A condition may also implement an optional
``process_frame(frame, direction)`` hook (sync or async), as Pipecat's turn strategies do:
the controller shows it every user-side frame it sees, so a condition can keep its own
state (`UninterruptibleSegments`, `InterruptionsEnabled` do).

Every call goes through a `ConditionChecker`, which runs it under a `UserCodeRunner`
deadline that holds whatever the condition does (raises, hangs, swallows its
cancellation): the outcome of a condition that fails is the checker's ``on_error``
answer, and the warning names the condition. The combinators (`all_of`, `any_of`,
`not_`) ask the checker for each child, so every child has its own deadline too.
"""

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame

from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.detectors.base import Detection, UserActivity
from pipecat_interrupts.validation import require_callable, require_name, require_positive_secs

DEFAULT_CONDITION_TIMEOUT_SECS = 0.2


@dataclass(frozen=True)
class InterruptionContext:
    """Everything a condition may look at.

    Parameters:
        now: The controller's clock at evaluation.
        bot_speaking: Whether the bot is speaking.
        bot_speaking_secs: How long it has been speaking (0 when silent).
        detection: The detection asking to interrupt.
        activity: The user's activity behind it.
        trigger: The frame behind it (an `EmergencyStopFrame`...), if any.
    """

    now: float
    bot_speaking: bool
    bot_speaking_secs: float
    detection: Detection
    activity: UserActivity
    trigger: Frame | None = None


class InterruptionCondition:
    """Base class: subclasses implement `allows` (sync or async) and set ``name``.

    A subclass may also define ``process_frame(frame, direction)`` (sync or async) to see
    the frames the controller sees.
    """

    name: str = "condition"
    runs_user_code: bool = True
    """False only for the plugin's own synchronous conditions that cannot raise or block:
    they are called directly, not through the deadline runner (a decision pays less)."""

    reads_frames: tuple[type[Frame], ...] | None = None
    """The frame classes its ``process_frame`` reads (subclasses included); None for every
    frame. The controller shows it only these, and lets the rest pass untouched."""

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
            TypeError: If ``predicate`` is not callable or ``name`` not a string.
        """
        self._predicate: Predicate = require_callable("predicate", predicate)
        default = getattr(predicate, "__name__", type(predicate).__name__)
        self.name = require_name("name", default if name is None else name)

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
        require_name(f"{parameter}[].name", value.name)
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
        checked: Names of the conditions asked, in order (up to the one that held it back).
    """

    allowed: bool
    blocked_by: str | None = None
    errors: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()


class ConditionChecker:
    """Evaluates conditions, each under its own deadline, with one error policy."""

    __slots__ = ("_errors", "_on_error", "_runner", "_timeout_secs")

    def __init__(
        self,
        runner: UserCodeRunner,
        *,
        timeout_secs: float = DEFAULT_CONDITION_TIMEOUT_SECS,
        on_error: bool = True,
    ):
        """Create a checker.

        Args:
            runner: Runs each condition as user code under the deadline.
            timeout_secs: The deadline of each condition (and of each combined child).
            on_error: The answer used for a condition that raises or overruns.

        Raises:
            ValueError: If ``timeout_secs`` is not finite and positive.
        """
        self._runner = runner
        self._timeout_secs = require_positive_secs("condition_timeout_secs", timeout_secs)
        self._on_error = bool(on_error)
        self._errors: list[str] = []

    async def allows(self, condition: InterruptionCondition, context: InterruptionContext) -> bool:
        """One condition's answer, under its deadline; a failure gives ``on_error``.

        Args:
            condition: The condition (a combinator asks this checker for its children).
            context: The situation.

        Returns:
            Whether it allows the interruption.
        """
        if isinstance(condition, CombinedCondition):
            return await condition.combine(lambda child: self.allows(child, context))
        if not condition.runs_user_code:
            return bool(condition.allows(context))
        result = await self._runner.call(
            condition.allows,
            context,
            deadline_secs=self._timeout_secs,
            name=f"condition {condition.name}",
        )
        if result.ok:
            return bool(result.value)
        self._errors.append(condition.name)
        logger.debug(
            f"{self._runner}: condition {condition.name} {result.outcome.value}; treated as "
            f"{'allow' if self._on_error else 'deny'}"
        )
        return self._on_error

    async def check(
        self, conditions: Sequence[InterruptionCondition], context: InterruptionContext
    ) -> ConditionOutcome:
        """Check conditions in order; the first that holds the interruption back wins.

        Args:
            conditions: The conditions.
            context: The situation.

        Returns:
            The outcome.
        """
        self._errors = []
        checked: list[str] = []
        for condition in conditions:
            checked.append(condition.name)
            if not await self.allows(condition, context):
                return ConditionOutcome(False, condition.name, tuple(self._errors), tuple(checked))
        return ConditionOutcome(True, None, tuple(self._errors), tuple(checked))

    @staticmethod
    def checks_in_line(conditions: Sequence[InterruptionCondition]) -> bool:
        """Whether `check_in_line` can answer for these conditions.

        It can when each is the plugin's own (``runs_user_code = False``: `allows` calls
        it directly too) and none is combined.

        Args:
            conditions: The conditions.

        Returns:
            True when none of them can wait, raise or need the deadline runner.
        """
        return all(
            not c.runs_user_code and not isinstance(c, CombinedCondition) for c in conditions
        )

    @staticmethod
    def check_in_line(
        conditions: Sequence[InterruptionCondition], context: InterruptionContext
    ) -> ConditionOutcome:
        """`check`, synchronously, for conditions `checks_in_line` accepts (none can fail).

        Args:
            conditions: The conditions.
            context: The situation.

        Returns:
            The outcome, as `check` gives it.
        """
        checked: list[str] = []
        for condition in conditions:
            checked.append(condition.name)
            if not bool(condition.allows(context)):
                return ConditionOutcome(False, condition.name, (), tuple(checked))
        return ConditionOutcome(True, None, (), tuple(checked))

    def frame_hooks(self, conditions: Sequence[InterruptionCondition]) -> list["FrameHook"]:
        """The ``process_frame`` hooks of these conditions (combined children included).

        Args:
            conditions: The conditions.

        Returns:
            One `FrameHook` per hook, named for logs, under the conditions' deadline.
        """
        return [
            FrameHook(hook, f"condition {name}.process_frame", self._timeout_secs, direct, reads)
            for condition in conditions
            for name, hook, direct, reads in _frame_hooks(condition)
        ]


@dataclass(frozen=True)
class FrameHook:
    """A ``process_frame`` hook of a detector or condition, with its log name and deadline.

    Parameters:
        hook: The hook (sync or async).
        name: Its name in logs.
        deadline_secs: Its deadline.
        direct: Called directly (the plugin's own code), not through the deadline runner.
        reads: The frame classes it reads (None for every frame).
    """

    hook: Callable[..., Any]
    name: str
    deadline_secs: float
    direct: bool = False
    reads: tuple[type[Frame], ...] | None = None


def _frame_hooks(
    condition: InterruptionCondition,
) -> list[tuple[str, Callable[..., Any], bool, tuple[type[Frame], ...] | None]]:
    if isinstance(condition, CombinedCondition):
        return [hook for child in condition.children for hook in _frame_hooks(child)]
    hook = getattr(condition, "process_frame", None)
    if not callable(hook):
        return []
    return [(condition.name, hook, not condition.runs_user_code, condition.reads_frames)]


async def check_conditions(
    conditions: Sequence[InterruptionCondition],
    context: InterruptionContext,
    *,
    timeout: float = DEFAULT_CONDITION_TIMEOUT_SECS,
    on_error: bool = True,
    runner: UserCodeRunner | None = None,
) -> ConditionOutcome:
    """Check conditions in order, each under ``timeout`` (a one-off `ConditionChecker`).

    Args:
        conditions: The conditions.
        context: The situation.
        timeout: Deadline for each condition.
        on_error: The answer used for a condition that raises or times out.
        runner: The runner to use (a new one named "conditions" if None).

    Returns:
        The outcome.
    """
    checker = ConditionChecker(
        runner or UserCodeRunner("conditions"), timeout_secs=timeout, on_error=on_error
    )
    return await checker.check(conditions, context)


class CombinedCondition(InterruptionCondition):
    """A condition made of others; a `ConditionChecker` checks each child on its own."""

    children: tuple[InterruptionCondition, ...] = ()

    async def combine(
        self, child_allows: Callable[[InterruptionCondition], Awaitable[bool]]
    ) -> bool:
        """Combine the children's answers.

        Args:
            child_allows: Gives one child's answer (under its deadline).

        Returns:
            The combined answer.
        """
        raise NotImplementedError

    async def allows(self, context: InterruptionContext) -> bool:
        """The combined answer with the children called directly (no deadlines).

        Args:
            context: The situation.

        Returns:
            The combined answer.
        """

        async def direct(child: InterruptionCondition) -> bool:
            result = child.allows(context)
            return bool(await result if inspect.isawaitable(result) else result)

        return await self.combine(direct)


class _AllOrAny(CombinedCondition):
    def __init__(self, conditions: Sequence[object], *, every: bool):
        label = "all_of" if every else "any_of"
        self.children = tuple(as_condition(c, "conditions") for c in conditions)
        if not self.children:
            raise ValueError(f"{label} needs at least one condition (conditions)")
        self._every = every
        self.name = f"{label}({', '.join(c.name for c in self.children)})"

    async def combine(
        self, child_allows: Callable[[InterruptionCondition], Awaitable[bool]]
    ) -> bool:
        for child in self.children:
            if await child_allows(child) != self._every:
                return not self._every
        return self._every


def all_of(*conditions: object) -> InterruptionCondition:
    """A condition that allows only when every one of ``conditions`` allows.

    Args:
        *conditions: Conditions or callables.

    Returns:
        The combined condition.
    """
    return _AllOrAny(conditions, every=True)


def any_of(*conditions: object) -> InterruptionCondition:
    """A condition that allows when at least one of ``conditions`` allows.

    Args:
        *conditions: Conditions or callables.

    Returns:
        The combined condition.
    """
    return _AllOrAny(conditions, every=False)


class _Not(CombinedCondition):
    def __init__(self, condition: object):
        self.children = (as_condition(condition, "condition"),)
        self.name = f"not_({self.children[0].name})"

    async def combine(
        self, child_allows: Callable[[InterruptionCondition], Awaitable[bool]]
    ) -> bool:
        return not await child_allows(self.children[0])


def not_(condition: object) -> InterruptionCondition:
    """A condition that allows when ``condition`` does not.

    Args:
        condition: A condition or callable.

    Returns:
        The negated condition.
    """
    return _Not(condition)
