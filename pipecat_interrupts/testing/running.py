#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`running_pipeline`: a bare pipeline run in the background for the duration of a block."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from pipecat.frames.frames import EndFrame, Frame
from pipecat.observers.base_observer import BaseObserver
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.workers.runner import WorkerRunner


@asynccontextmanager
async def running_pipeline(
    processors: Sequence[FrameProcessor],
    *,
    observers: Sequence[BaseObserver] = (),
    timeout: float = 5.0,
) -> AsyncIterator[PipelineWorker]:
    """Run a pipeline of ``processors`` for the duration of the block, then end it.

    The block starts once the pipeline has started; leaving it queues an `EndFrame` and
    waits at most ``timeout`` for the end, then cancels the worker.

    Args:
        processors: The processors, in order.
        observers: Pipecat observers to attach.
        timeout: Deadline for the start, and again for the end.

    Yields:
        The running worker.
    """
    worker = PipelineWorker(
        Pipeline(list(processors)),
        enable_rtvi=False,
        idle_timeout_secs=None,
        observers=list(observers),
    )
    started = asyncio.Event()

    async def _started(worker: PipelineWorker, frame: Frame) -> None:
        started.set()

    worker.add_event_handler("on_pipeline_started", _started)
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
