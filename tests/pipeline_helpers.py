"""Small helpers for tests that need a bare pipeline rather than a voice pipeline."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from pipecat.frames.frames import EndFrame, Frame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.workers.runner import WorkerRunner


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


@asynccontextmanager
async def running_pipeline(
    processors: Sequence[FrameProcessor], *, timeout: float = 5.0
) -> AsyncIterator[PipelineWorker]:
    """Run a pipeline in the background for the duration of the block, then end it."""
    worker = PipelineWorker(Pipeline(list(processors)), enable_rtvi=False, idle_timeout_secs=None)
    started = asyncio.Event()

    @worker.event_handler("on_pipeline_started")
    async def _started(worker, frame):
        started.set()

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    task = asyncio.get_running_loop().create_task(runner.run())
    try:
        async with asyncio.timeout(timeout):
            await started.wait()
        yield worker
    finally:
        await worker.queue_frame(EndFrame())
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(task)
        except TimeoutError:
            await worker.cancel()
            await task
