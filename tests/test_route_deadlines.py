"""Issue 13 for routes: user code under deadlines that hold; the interruption goes first;
bad configuration fails naming the parameter."""

import asyncio
import math

import pytest
from pipecat.frames.frames import (
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
    TextFrame,
)
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import AgentHandoffFrame, InterruptibleNode, RouteProcessor

pytestmark = pytest.mark.virtual_time


class Gated(InterruptibleNode):
    """Yields ``<text>-a``, then waits on ``release`` before ``<text>-b``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.release = asyncio.Event()

    async def process(self, frame):
        yield f"{frame.text}-a "
        await self.release.wait()
        yield f"{frame.text}-b "


async def test_a_handler_that_takes_a_second_does_not_delay_the_interruption_frame():
    node = Gated()
    handler_started, handler_done = asyncio.Event(), asyncio.Event()

    async def slow_handler(event):
        handler_started.set()
        await asyncio.sleep(1.0)
        handler_done.set()

    router = RouteProcessor(handler_timeout_secs=2.0)
    router.on(TextFrame).interrupt_on(InterruptionFrame, handler=slow_handler).stream(node.generate).broadcast()
    output = FrameRecorder(name="output")
    async with running_pipeline([router, output]) as worker:
        await worker.queue_frame(TextFrame("one"))
        await output.wait_for(LLMTextFrame)
        await worker.queue_frame(InterruptionFrame())
        await output.wait_for(InterruptionFrame)
        arrived_while_handler_ran = not handler_done.is_set()
        await asyncio.wait_for(handler_done.wait(), 5)
    assert arrived_while_handler_ran  # the frame was at the output before the handler ended
    assert handler_started.is_set() and router.active_tasks == 0


def make_fault(kind: str, release: asyncio.Event):
    async def raises(*_):
        raise RuntimeError("user bug")

    async def hangs(*_):
        await asyncio.sleep(3600)

    async def swallows_and_hangs(*_):
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                pass  # swallowed: a bad callback

    async def swallows_and_finishes_late(*_):
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(0.3)  # finishes, late, and returns as if nothing happened
        return True

    return {f.__name__: f for f in (raises, hangs, swallows_and_hangs, swallows_and_finishes_late)}[kind]


@pytest.mark.parametrize("site", ["handler", "condition"])
@pytest.mark.parametrize("kind", ["raises", "hangs", "swallows_and_hangs", "swallows_and_finishes_late"])
async def test_a_faulty_handler_or_condition_neither_stalls_the_event_nor_the_next_turn(site, kind, log_records):
    release = asyncio.Event()
    fault = make_fault(kind, release)
    node = Gated()
    router = RouteProcessor(handler_timeout_secs=0.05, condition_timeout_secs=0.05)
    route = router.on(TextFrame)
    if site == "handler":
        route.interrupt_on(AgentHandoffFrame, handler=fault)
    else:
        route.interrupt_on(AgentHandoffFrame, condition=fault)
    route.stream(node.generate).broadcast()
    output = FrameRecorder(name="output")
    try:
        async with running_pipeline([router, output]) as worker:
            await worker.queue_frame(TextFrame("one"))
            await output.wait_for(LLMTextFrame)
            await worker.queue_frame(AgentHandoffFrame(target="sales"))
            await output.wait_for(AgentHandoffFrame)  # the event went on
            node.release.set()
            await worker.queue_frame(TextFrame("two"))  # the next turn is answered
            await output.wait_for(LLMFullResponseEndFrame, count=2)
        # The pipeline ended (the block exited); the warning names the callback.
        expected = "raised RuntimeError" if kind == "raises" else "overran its 0.05 s deadline"
        assert any(
            f"{site} make_fault.<locals>.{kind} " in r["message"] and expected in r["message"] and r["level"].name == "WARNING"
            for r in log_records
        ), [r["message"] for r in log_records if r["level"].name == "WARNING"]
        texts = [f.text for f in output.of_type(LLMTextFrame)]
        if site == "handler":
            assert texts == ["one-a ", "two-a ", "two-b "]  # the handoff cut "one"
        else:
            assert texts[0] == "one-a " and "two-b " in texts  # a failed condition does not cut
    finally:
        release.set()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"handler_timeout_secs": math.inf}, "handler_timeout_secs"),
        ({"cancel_timeout_secs": float("nan")}, "cancel_timeout_secs"),
        ({"condition_timeout_secs": 0}, "condition_timeout_secs"),
        ({"heard_timeout_secs": -1}, "heard_timeout_secs"),
        ({"heard_text": "snapshotter"}, "heard_text"),
        ({"interrupt_event_types": [TextFrame]}, "interrupt_event_types"),
        ({"name": 42}, "name"),
    ],
)
def test_bad_route_processor_configuration_names_the_parameter(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        RouteProcessor(**kwargs)


def test_bad_route_and_node_values_name_the_parameter():
    route = RouteProcessor().on(TextFrame).stream(Gated().generate)
    with pytest.raises(ValueError, match="direction"):
        route.broadcast("up")
    assert route.broadcast("upstream").direction.name == "UPSTREAM"
    with pytest.raises(ValueError, match="trigger"):
        RouteProcessor().on([])
    with pytest.raises(ValueError, match="events"):
        RouteProcessor().on(TextFrame).interrupt_on([])
    with pytest.raises(TypeError, match="name"):
        Gated(name=7)


async def test_the_pipeline_ending_cancels_a_running_handler_and_leaves_no_task():
    node = Gated()
    entered, cancelled = asyncio.Event(), asyncio.Event()

    async def slow_handler():
        entered.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    router = RouteProcessor(handler_timeout_secs=30)
    router.on(TextFrame).interrupt_on(InterruptionFrame, handler=slow_handler).stream(node.generate).broadcast()
    output = FrameRecorder(name="output")
    async with running_pipeline([router, output]) as worker:
        await worker.queue_frame(TextFrame("one"))
        await output.wait_for(LLMTextFrame)
        await worker.queue_frame(InterruptionFrame())
        await asyncio.wait_for(entered.wait(), 5)
    # The block ended the pipeline well inside the handler's 30 s deadline.
    assert cancelled.is_set() and router.active_tasks == 0
    assert not [t for t in asyncio.all_tasks() if "slow_handler" in t.get_name() and not t.done()]
