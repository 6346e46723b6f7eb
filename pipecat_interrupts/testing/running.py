#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Running a pipeline for a block, and ending it within a deadline whatever is queued.

`end_pipeline` is the one place that knows how to end a Pipecat 1.14 pipeline in time:
`VoicePipeline` and `running_pipeline` both leave through it.
"""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from loguru import logger
from pipecat.frames.frames import CancelFrame, EndFrame, Frame
from pipecat.observers.base_observer import BaseObserver
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.workers.runner import WorkerRunner

CANCEL_RESERVE_SECS = 0.5
"""The most of an end's deadline kept for cancelling when the graceful end overruns."""


async def _ended_by(task: asyncio.Task[None], deadline: float) -> bool:
    """Wait for the runner task until ``deadline`` (loop time); re-raise its error."""
    timeout = max(0.0, deadline - asyncio.get_running_loop().time())
    await asyncio.wait({task}, timeout=timeout)
    if not task.done():
        return False
    if not task.cancelled():
        task.result()
    return True


async def end_pipeline(
    worker: PipelineWorker,
    pipeline: Pipeline,
    runner_task: asyncio.Task[None],
    *,
    timeout_secs: float,
    cancel: bool = False,
    owner: str = "pipeline",
) -> None:
    """End (or cancel) a started pipeline: it has ended within ``timeout_secs`` on return.

    Ending queues an `EndFrame`, which lets queued audio play out. If the pipeline has not
    ended by ``timeout_secs`` minus a reserve for cancelling (half the timeout, at most
    ``CANCEL_RESERVE_SECS``), or with ``cancel=True``, a `CancelFrame` goes straight into
    the pipeline: a system frame, it overtakes whatever is queued. (Pipecat's
    ``PipelineWorker.cancel()`` alone queues its `CancelFrame` behind the `EndFrame` on the
    worker's own queue, where it is never read while the `EndFrame` waits for the queued
    audio; it is still called, for a worker that was not ending, whose loop only stops on
    a frame it pushed.) A pipeline that a processor keeps from cancelling by the deadline is
    abandoned: its runner task is cancelled, not awaited, and an error is logged.

    Args:
        worker: The pipeline's worker.
        pipeline: The pipeline itself (the `CancelFrame` goes straight into it).
        runner_task: The task running the worker's runner.
        timeout_secs: The deadline for the whole end.
        cancel: Cancel instead of ending gracefully.
        owner: Who is ending it, for logs.
    """
    if runner_task.done():
        return
    deadline = asyncio.get_running_loop().time() + timeout_secs
    if not cancel:
        await worker.queue_frame(EndFrame())
        reserve = min(CANCEL_RESERVE_SECS, timeout_secs / 2)
        if await _ended_by(runner_task, deadline - reserve):
            return
        logger.warning(
            f"{owner}: the pipeline did not end within {timeout_secs - reserve:.2f}s "
            "(frames still queued); cancelling"
        )
    # Straight into the pipeline first: it overtakes whatever is queued and, once at the
    # end, releases a worker waiting for an EndFrame to get there.
    await pipeline.queue_frame(CancelFrame(reason=f"{owner} stopped"))
    # Then through the worker, whose own loop ends only on a frame it pushed.
    await worker.cancel(reason=f"{owner} stopped")
    if await _ended_by(runner_task, deadline):
        return
    runner_task.cancel()
    logger.error(
        f"{owner}: the pipeline did not cancel within {timeout_secs}s "
        "(a processor blocks its system frames?); runner task cancelled and abandoned"
    )


@asynccontextmanager
async def running_pipeline(
    processors: Sequence[FrameProcessor],
    *,
    observers: Sequence[BaseObserver] = (),
    timeout: float = 5.0,
) -> AsyncIterator[PipelineWorker]:
    """Run a pipeline of ``processors`` for the duration of the block, then end it.

    The block starts once the pipeline has started; leaving it ends the pipeline with
    `end_pipeline` within ``timeout``, whatever is still queued.

    Args:
        processors: The processors, in order.
        observers: Pipecat observers to attach.
        timeout: Deadline for the start, and again for the end.

    Yields:
        The running worker.
    """
    pipeline = Pipeline(list(processors))
    worker = PipelineWorker(
        pipeline,
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
        await end_pipeline(worker, pipeline, task, timeout_secs=timeout, owner="running_pipeline")
