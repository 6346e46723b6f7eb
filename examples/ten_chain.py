#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""TEN Agent's flush chain on Pipecat frames (no keys, no network).

Three custom processors each hold state that belongs to the current answer. On an
interruption the `FlushCoordinator` sends one `FlushFrame` down the chain; each stage
cleans up its own state first, then forwards the flush, like TEN's extensions forward
their ``flush`` command. The order is printed from the frame's ``trail``.
"""

import asyncio
import sys

from loguru import logger

logger.remove()
logger.add(sys.stderr, level="WARNING")

from pipecat.frames.frames import Frame, InterruptionFrame, TextFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.frame_processor import FrameDirection
from pipecat.workers.runner import WorkerRunner

from pipecat_interrupts import FlushableProcessor, FlushCoordinator, FlushFrame


class Stage(FlushableProcessor):
    """Buffers text for the current answer; a flush drops the buffer."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.pending: list[str] = []
        self.filled = asyncio.Event()

    async def on_flush(self, frame: FlushFrame, direction: FrameDirection) -> None:
        print(f"  {self.name}: dropping {len(self.pending)} pending item(s), then forwarding flush {frame.flush_id}")
        self.pending.clear()

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)  # runs on_flush first for a FlushFrame
        if isinstance(frame, TextFrame):
            self.pending.append(frame.text)
            self.filled.set()
        await self.push_frame(frame, direction)


async def main() -> None:
    llm, tts, rtc = Stage(name="llm-stage"), Stage(name="tts-stage"), Stage(name="rtc-stage")
    coordinator = FlushCoordinator()
    done = asyncio.Event()

    @coordinator.event_handler("on_flush_completed")
    async def on_flush_completed(_, report):
        order = " -> ".join(step.processor for step in report.downstream_trail)
        print(f"  flush {report.flush_id} reached both ends in {report.elapsed_secs * 1000:.2f} ms; order: {order}")
        done.set()

    worker = PipelineWorker(Pipeline([coordinator, llm, tts, rtc]), enable_rtvi=False, idle_timeout_secs=None)
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    run = asyncio.create_task(runner.run())
    print("TEN-style flush chain: three stages buffer an answer, then the caller interrupts")
    await worker.queue_frames([TextFrame("first sentence"), TextFrame("second sentence")])
    await asyncio.wait_for(rtc.filled.wait(), timeout=5)  # the answer is in every stage
    print(f"  before the interruption: {[len(s.pending) for s in (llm, tts, rtc)]} pending items")
    await worker.queue_frame(InterruptionFrame())
    await asyncio.wait_for(done.wait(), timeout=5)
    print(f"  state after the flush: {[len(s.pending) for s in (llm, tts, rtc)]} pending items")
    await worker.stop_when_done()
    await asyncio.wait_for(run, timeout=5)


if __name__ == "__main__":
    asyncio.run(main())
