#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A direct-mode processor's frame queues, created on first use.

Pipecat 1.14's `FrameProcessor` builds two frame queues in its constructor: the input
queue its input task reads and the process queue of its process task. A processor in
direct mode has neither task: a frame pushed into it is handled in the pushing task, and
Pipecat reads those queues only to answer ``has_queued_frame`` (always empty) and to
drain them when an uninterruptible frame is being processed (never, in direct mode). They
are 6 KB of each such processor, about a third of what the plugin adds to a conversation
(`benchmarks/memory_parts.py`).

`release_unused_queues` puts a small stand-in in their place that builds the real queue
the first time anything touches it, so a Pipecat that does use them in direct mode gets
them, just later. If Pipecat keeps them under other names, nothing is replaced.
"""

from collections.abc import Callable
from typing import Any

from pipecat.processors.frame_processor import FrameProcessor, FrameProcessorQueue
from pipecat.utils.frame_queue import FrameQueue

# Pipecat's private names for the two queues (name-mangled `__input_queue` and
# `__process_queue`), with how Pipecat 1.14 builds each.
_QUEUES: tuple[tuple[str, type, Callable[[], Any]], ...] = (
    ("_FrameProcessor__input_queue", FrameProcessorQueue, FrameProcessorQueue),
    (
        "_FrameProcessor__process_queue",
        FrameQueue,
        lambda: FrameQueue(frame_getter=lambda item: item[0]),
    ),
)


class QueueOnFirstUse:
    """Stands in for a processor's frame queue until something uses it, then builds it."""

    __slots__ = ("_attribute", "_build", "_built", "_owner")

    def __init__(self, owner: FrameProcessor, attribute: str, build: Callable[[], Any]) -> None:
        """Create the stand-in.

        Args:
            owner: The processor.
            attribute: The queue's attribute on it.
            build: Builds the real queue.
        """
        self._owner = owner
        self._attribute = attribute
        self._build = build
        self._built: Any = None

    def __getattr__(self, name: str) -> Any:
        # Built once: whoever still holds the stand-in reaches the same queue.
        if self._built is None:
            self._built = self._build()
            setattr(self._owner, self._attribute, self._built)
        return getattr(self._built, name)

    def __bool__(self) -> bool:
        return True  # Pipecat checks ``if self.__process_queue`` before it puts a frame


def release_unused_queues(processor: FrameProcessor) -> int:
    """Replace a direct-mode processor's two frame queues with stand-ins.

    Args:
        processor: A processor built with ``enable_direct_mode=True``.

    Returns:
        How many queues were replaced (0 if not in direct mode, or Pipecat keeps its
        queues elsewhere).
    """
    if not processor._enable_direct_mode:
        return 0
    replaced = 0
    for attribute, kind, build in _QUEUES:
        if type(getattr(processor, attribute, None)) is kind:
            setattr(processor, attribute, QueueOnFirstUse(processor, attribute, build))
            replaced += 1
    return replaced
