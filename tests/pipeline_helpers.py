"""Small helpers for tests that need a bare pipeline rather than a voice pipeline."""

import asyncio

from pipecat.frames.frames import Frame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from pipecat_interrupts.testing import running_pipeline

__all__ = ["FrameRecorder", "running_pipeline"]


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
