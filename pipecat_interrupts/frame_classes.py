#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FrameClassSet`: "is this frame one of these classes?" in one dictionary lookup.

The plugin's processors see every frame that passes their place, most of which they only
hand on (the bot's speaking ticks, metadata, the LLM's context frames). Which frames they
read is a fixed set of classes; this answers membership per frame class once and then
from a cache, so a frame that only passes costs no chain of ``isinstance`` checks and
none of the reading code's calls.
"""

from pipecat.frames.frames import Frame


class FrameClassSet:
    """Frame classes (subclasses included), with membership cached per concrete class."""

    __slots__ = ("_classes", "_known")

    def __init__(self, *classes: type[Frame]) -> None:
        """Create the set.

        Args:
            *classes: The frame classes; a frame of a subclass belongs too.
        """
        self._classes = tuple(dict.fromkeys(classes))
        self._known: dict[type, bool] = {}

    @property
    def classes(self) -> tuple[type[Frame], ...]:
        """The classes, in the order given (duplicates dropped)."""
        return self._classes

    def __contains__(self, frame: object) -> bool:
        """Whether ``frame`` is an instance of one of the classes."""
        kind = type(frame)
        known = self._known.get(kind)
        if known is None:
            known = self._known[kind] = issubclass(kind, self._classes)
        return known

    def __or__(self, other: "FrameClassSet") -> "FrameClassSet":
        """The union of two sets."""
        return FrameClassSet(*self._classes, *other._classes)
