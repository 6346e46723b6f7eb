#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Construction-time checks shared by every configurable object.

Each check names the offending parameter in its message, so a wrong configuration fails
where it is written rather than deep inside a running pipeline.
"""

import math
from collections.abc import Callable, Iterable
from typing import Any

from pipecat.frames.frames import Frame


def require_positive_secs(parameter: str, value: object, *, allow_zero: bool = False) -> float:
    """Validate a duration in seconds.

    Args:
        parameter: The parameter's name, used in the error message.
        value: The value given.
        allow_zero: Whether 0 is acceptable.

    Returns:
        The value as a float.

    Raises:
        TypeError: If the value is not a real number.
        ValueError: If the value is infinite, NaN, negative (or zero when not allowed).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{parameter} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{parameter} must be finite and {bound} seconds, got {value}")
    return float(value)


def require_non_negative_int(parameter: str, value: object) -> int:
    """Validate a count.

    Args:
        parameter: The parameter's name, used in the error message.
        value: The value given.

    Returns:
        The value.

    Raises:
        TypeError: If the value is not an int.
        ValueError: If the value is negative.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{parameter} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{parameter} must be >= 0, got {value}")
    return value


def require_frame_types(parameter: str, value: object) -> tuple[type[Frame], ...]:
    """Validate one frame class or an iterable of frame classes.

    Args:
        parameter: The parameter's name, used in the error message.
        value: A `Frame` subclass or an iterable of them.

    Returns:
        The frame classes as a tuple.

    Raises:
        TypeError: If any item is not a `Frame` subclass.
    """
    items: Iterable[Any] = (value,) if isinstance(value, type) else value  # type: ignore[assignment]
    try:
        types = tuple(items)
    except TypeError:
        raise TypeError(
            f"{parameter} must be a Frame subclass or a list of them, got {value!r}"
        ) from None
    for item in types:
        if not (isinstance(item, type) and issubclass(item, Frame)):
            raise TypeError(f"{parameter} must contain only Frame subclasses, got {item!r}")
    return types


def require_callable(parameter: str, value: object) -> Callable[..., Any]:
    """Validate a callable.

    Args:
        parameter: The parameter's name, used in the error message.
        value: The value given.

    Returns:
        The callable.

    Raises:
        TypeError: If the value is not callable.
    """
    if not callable(value):
        raise TypeError(f"{parameter} must be callable, got {type(value).__name__}")
    return value


def require_optional_positive_secs(parameter: str, value: object) -> float | None:
    """Validate a duration in seconds where None means "off".

    Args:
        parameter: The parameter's name, used in the error message.
        value: None, or the value given.

    Returns:
        None, or the value as a float.

    Raises:
        TypeError: If the value is neither None nor a real number.
        ValueError: If the value is infinite, NaN, zero or negative.
    """
    return None if value is None else require_positive_secs(parameter, value)


def require_bool(parameter: str, value: object) -> bool:
    """Validate a flag.

    Args:
        parameter: The parameter's name, used in the error message.
        value: The value given.

    Returns:
        The value.

    Raises:
        TypeError: If the value is not a bool (a truthy string is not a flag).
    """
    if not isinstance(value, bool):
        raise TypeError(f"{parameter} must be True or False, got {type(value).__name__}")
    return value


def require_positive_int(parameter: str, value: object) -> int:
    """Validate a count that must be at least 1.

    Args:
        parameter: The parameter's name, used in the error message.
        value: The value given.

    Returns:
        The value.

    Raises:
        TypeError: If the value is not an int.
        ValueError: If the value is below 1.
    """
    count = require_non_negative_int(parameter, value)
    if count < 1:
        raise ValueError(f"{parameter} must be >= 1, got {count}")
    return count


def require_name(parameter: str, value: object) -> str:
    """Validate a name used in logs (a processor's, a task's, an agent's).

    Args:
        parameter: The parameter's name, used in the error message.
        value: The value given.

    Returns:
        The name.

    Raises:
        TypeError: If the value is not a string.
        ValueError: If the string is empty or blank.
    """
    if not isinstance(value, str):
        raise TypeError(f"{parameter} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{parameter} must not be empty")
    return value


def require_optional_name(parameter: str, value: object) -> str | None:
    """Validate a name that may be left out (None).

    Args:
        parameter: The parameter's name, used in the error message.
        value: None, or the value given.

    Returns:
        None, or the name.

    Raises:
        TypeError: If the value is neither None nor a string.
        ValueError: If the string is empty or blank.
    """
    return None if value is None else require_name(parameter, value)


def require_text(parameter: str, value: object) -> str:
    """Validate free text (may be empty).

    Args:
        parameter: The parameter's name, used in the error message.
        value: The value given.

    Returns:
        The text.

    Raises:
        TypeError: If the value is not a string.
    """
    if not isinstance(value, str):
        raise TypeError(f"{parameter} must be a string, got {type(value).__name__}")
    return value


def require_choice(parameter: str, value: object, choices: Iterable[str]) -> str:
    """Validate an enum-like string.

    Args:
        parameter: The parameter's name, used in the error message.
        value: The value given.
        choices: The accepted values.

    Returns:
        The value.

    Raises:
        TypeError: If the value is not a string.
        ValueError: If it is not one of ``choices``.
    """
    allowed = tuple(choices)
    if not isinstance(value, str):
        raise TypeError(f"{parameter} must be one of {allowed}, got {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"{parameter} must be one of {allowed}, got {value!r}")
    return value
