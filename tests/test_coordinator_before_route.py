"""A FlushCoordinator before a route: one event, one interruption."""

import asyncio

from pipecat.frames.frames import InterruptionFrame, LLMTextFrame, TextFrame
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import (
    EmergencyStopFrame,
    FlushCoordinator,
    InterruptibleNode,
    RouteProcessor,
)
from pipecat_interrupts.frames import HANDLED_BY_CONTROLLER


class Endless(InterruptibleNode):
    """Yields one word, then waits until it is cut."""

    async def process(self, frame):
        yield f"{frame.text} "
        await asyncio.Event().wait()


async def test_a_coordinator_before_the_route_interrupts_once_for_an_event():
    coordinator = FlushCoordinator()
    router = RouteProcessor()
    router.on(TextFrame).interrupt_on(EmergencyStopFrame).stream(Endless().generate).broadcast()
    output = FrameRecorder(name="output")
    async with running_pipeline([coordinator, router, output]) as worker:
        await worker.queue_frame(TextFrame("one"))
        await output.wait_for(LLMTextFrame)
        await worker.queue_frame(EmergencyStopFrame())
        await output.wait_for(EmergencyStopFrame)
        await output.wait_for(InterruptionFrame)
    [stop] = output.of_type(EmergencyStopFrame)
    assert stop.metadata.get(HANDLED_BY_CONTROLLER) is True
    assert len(output.of_type(InterruptionFrame)) == 1
    assert router.active_tasks == 0  # the route still cut its stream
