#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`QuietHopMixin`: a frame crossing a plugin processor skips what no one can see.

For every frame a processor handles, Pipecat 1.14 fires four event hooks
(``on_before_process_frame`` ... ``on_after_push_frame``), formats a trace log line,
queues an `on_process_frame` report to every observer's task (whether or not the observer
reads it), and reports the push onward (`on_push_frame`; a repeated push reaches only the
observers that want every push). The plugin's two processors stand in the path of every
frame, the caller's audio before the user aggregator and the bot's audio after the
output, so that machinery is most of what they cost: about half of the plugin's Python
calls per conversation (`benchmarks/call_count.py`).

A processor with this mixin, in direct mode, hands a frame it forwards unchanged straight
to its neighbour, without that machinery, but only when nothing could tell the difference:

- the frame is not one Pipecat's own ``process_frame`` acts on (start, cancel,
  interruption, pause and resume frames) and comes with no callback;
- no handler is registered on the processor's four frame hooks;
- no observer of the pipeline wants every push (its ``observe_every_push``: a crossing
  frame's first push was its push into this processor, which observers did see) or reads
  ``on_process_frame`` (it overrides `BaseObserver`'s no-op), unless it declares that it
  needs neither from the plugin's processors (``ignores_plugin_hops = True``, as
  `InterruptionMetricsObserver` does) or is Pipecat's `RTVIObserver` (which
  `PipelineWorker` adds by default; of a repeated push it reads only what an output
  transport pushes).

Otherwise the frame takes Pipecat's full hop, as before. Pipecat's own other observers
(turn tracking, latency, metrics and error observers) want only first pushes and read no
``on_process_frame`` (the startup-timing observer reads it for the `StartFrame` only,
which always takes the full hop); a `DebugLogObserver`, which wants every push, turns the
quiet hop off. What is lost is the trace-level log line of the hop.
"""

from contextvars import ContextVar
from typing import Any

from pipecat.frames.frames import (
    CancelFrame,
    Frame,
    FrameProcessorPauseFrame,
    FrameProcessorPauseUrgentFrame,
    FrameProcessorResumeFrame,
    FrameProcessorResumeUrgentFrame,
    InterruptionFrame,
    StartFrame,
)
from pipecat.observers.base_observer import BaseObserver
from pipecat.processors.frame_processor import FrameCallback, FrameDirection, FrameProcessor
from pipecat.processors.frameworks.rtvi import RTVIObserver
from pipecat.utils.errors import ErrorCategory

from pipecat_interrupts.unused_queues import release_unused_queues

_FULL_HOP_FRAMES = (
    StartFrame,
    CancelFrame,
    InterruptionFrame,
    FrameProcessorPauseFrame,
    FrameProcessorPauseUrgentFrame,
    FrameProcessorResumeFrame,
    FrameProcessorResumeUrgentFrame,
)
"""Frames Pipecat's ``FrameProcessor.process_frame`` acts on: always the full hop."""

_CROSSING: ContextVar[tuple[FrameProcessor, Frame] | None] = ContextVar(
    "pipecat_interrupts_crossing", default=None
)
"""The processor a frame is crossing quietly, and the frame, in this task (a processor in
direct mode may be entered by two tasks at once, one from each neighbour)."""

_IGNORE_PLUGIN_HOPS: tuple[type[BaseObserver], ...] = (RTVIObserver,)
"""Pipecat observers that want every push but read nothing of a processor's repeated push
unless an output transport pushed it (Pipecat 1.14's `RTVIObserver.on_push_frame`)."""

_FRAME_HOOKS = (
    "on_before_process_frame",
    "on_after_process_frame",
    "on_before_push_frame",
    "on_after_push_frame",
)


_NOT_AN_OBSERVER, _IGNORES_HOPS, _READS_PROCESSING, _BY_PUSHES = range(4)
_KINDS: dict[type, int] = {}
"""What an observer's class says about plugin hops, once per class (`BaseObserver` is an
ABC: ``isinstance`` against it runs Python code, which was two calls per frame)."""


def _kind_of(observer_type: type) -> int:
    if not issubclass(observer_type, BaseObserver):
        return _NOT_AN_OBSERVER
    if issubclass(observer_type, _IGNORE_PLUGIN_HOPS):
        return _IGNORES_HOPS
    if observer_type.on_process_frame is not BaseObserver.on_process_frame:
        return _READS_PROCESSING
    return _BY_PUSHES


def observers_see_hops(observer: object) -> bool:
    """Whether a pipeline's observer could tell a quiet hop from a full one.

    Args:
        observer: The processor setup's observer (Pipecat's `WorkerObserver`).

    Returns:
        True when one of its observers wants every push or reads ``on_process_frame``, and
        does not declare ``ignores_plugin_hops``; True as well when the observers cannot be
        read (a Pipecat that keeps them elsewhere): the full hop then.
    """
    if observer is None:
        return False
    proxies = getattr(observer, "_proxies", None)  # Pipecat keeps the observers private
    if not isinstance(proxies, dict):
        return True
    for each in proxies:
        kind = _KINDS.get(type(each))
        if kind is None:
            kind = _KINDS[type(each)] = _kind_of(type(each))
        if kind == _IGNORES_HOPS:
            continue
        if kind == _NOT_AN_OBSERVER:
            return True
        if getattr(each, "ignores_plugin_hops", False):
            continue
        if kind == _READS_PROCESSING or each.observe_every_push:
            return True
    return False


class QuietHopMixin(FrameProcessor):
    """Put before `FrameProcessor` in a direct-mode processor's bases (see the module).

    The processor's ``process_frame`` calls ``super().process_frame`` first, as any
    Pipecat processor does, and forwards the frame it was given with ``push_frame``. In
    direct mode its two frame queues, which direct mode never reads, are built only if
    something uses them (`unused_queues`): 6 KB less per processor.
    """

    def __init__(self, **kwargs: Any) -> None:
        """Create the processor (Pipecat's arguments).

        Args:
            **kwargs: `FrameProcessor` arguments.
        """
        super().__init__(**kwargs)
        release_unused_queues(self)

    async def queue_frame(
        self,
        frame: Frame,
        direction: FrameDirection = FrameDirection.DOWNSTREAM,
        callback: FrameCallback | None = None,
    ) -> None:
        """Handle ``frame`` with a quiet hop when no one can tell, else as Pipecat does.

        Args:
            frame: The frame.
            direction: Its direction.
            callback: Called once processed (Pipecat's; a frame with one takes the full hop).
        """
        if (
            callback is not None
            or not self._enable_direct_mode
            or self._cancelling
            or isinstance(frame, _FULL_HOP_FRAMES)
            or self._hooks_in_use()
            or observers_see_hops(self._setup.observer if self._setup else None)
        ):
            await super().queue_frame(frame, direction, callback)
            return
        token = _CROSSING.set((self, frame))
        try:
            await self.process_frame(frame, direction)
        except Exception as error:  # as Pipecat's own hop reports a processor's failure
            await self.push_error(
                error_msg=f"Error processing frame: {error}",
                exception=error,
                category=ErrorCategory.UNKNOWN,
            )
        finally:
            _CROSSING.reset(token)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Pipecat's processing, which reports to observers, unless the frame crosses quietly.

        Args:
            frame: The frame.
            direction: Its direction.
        """
        crossing = _CROSSING.get()
        if crossing is None or crossing[0] is not self or crossing[1] is not frame:
            await super().process_frame(frame, direction)

    async def push_frame(
        self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM
    ) -> None:
        """Hand a quietly crossing frame straight to the neighbour; push others as Pipecat does.

        Args:
            frame: The frame.
            direction: Its direction.
        """
        crossing = _CROSSING.get()
        if crossing is None or crossing[0] is not self or crossing[1] is not frame:
            await super().push_frame(frame, direction)
            return
        neighbour = self._next if direction == FrameDirection.DOWNSTREAM else self._prev
        if neighbour is not None:
            await neighbour.queue_frame(frame, direction)

    def _hooks_in_use(self) -> bool:
        handlers: dict[str, Any] = self._event_handlers
        for name in _FRAME_HOOKS:
            event = handlers.get(name)
            if event is not None and event.handlers:
                return True
        return False
