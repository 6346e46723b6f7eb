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
