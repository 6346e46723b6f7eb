"""Small helpers for tests that need a bare pipeline rather than a voice pipeline."""

import asyncio

from pipecat.frames.frames import Frame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from pipecat_interrupts import FlushableProcessor
from pipecat_interrupts.testing import running_pipeline

__all__ = [
    "FrameRecorder",
    "LoggingFlushable",
    "cancelled_into",
    "flush_outcomes",
    "handlers_of",
    "running_pipeline",
]


def handlers_of(processor, event: str) -> list:
    """The handlers added for ``event`` on a processor (Pipecat's registry, read directly).

    The plugin's processors make an event's entry with its first handler, so an event no
    handler was added for has none: no handlers.
    """
    entry = processor._event_handlers.get(event)
    return list(entry.handlers) if entry is not None else []


class LoggingFlushable(FlushableProcessor):
    """Records its cleanups (in a shared log, if given) and their directions; forwards all."""

    def __init__(self, log: list | None = None, **kwargs):
        super().__init__(**kwargs)
        self._log = log
        self.directions: list[FrameDirection] = []

    async def on_flush(self, frame, direction):
        if self._log is not None:
            self._log.append((self.name, "cleanup", frame.flush_id))
        self.directions.append(direction)

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


def flush_outcomes(host) -> tuple[list, asyncio.Event]:
    """The flush reports of a flush's host (coordinator or controller), and an event set
    at the first one (completed or timed out)."""
    reports: list = []
    done = asyncio.Event()

    def on_done(_host, report):
        reports.append(report)
        done.set()

    host.add_event_handler("on_flush_completed", on_done)
    host.add_event_handler("on_flush_timeout", on_done)
    return reports, done


async def cancelled_into(events: list[str], name: str = "prefetch") -> None:
    """Wait forever; note ``"<name> cancelled"`` in ``events`` when cancelled."""
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        events.append(f"{name} cancelled")
        raise


class FrameRecorder(FrameProcessor):
    """Forwards everything and records (direction, frame) in arrival order."""

    def __init__(self, log: list | None = None, **kwargs):
        super().__init__(**kwargs)
        self.frames: list[tuple[FrameDirection, Frame]] = []
        self._log = log
        self._changed = asyncio.Event()

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        self.frames.append((direction, frame))
        if self._log is not None:
            self._log.append((self.name, "received", type(frame).__name__))
        self._changed.set()
        await self.push_frame(frame, direction)

    def of_type(self, frame_type: type[Frame]) -> list[Frame]:
        return [f for _, f in self.frames if isinstance(f, frame_type)]

    async def wait_for(self, frame_type: type[Frame], *, count: int = 1, timeout: float = 5.0):
        async with asyncio.timeout(timeout):
            while len(self.of_type(frame_type)) < count:
                self._changed.clear()
                await self._changed.wait()
