"""Line-style routes, interruptible nodes, and real HTTP streaming cancelled on barge-in."""

import asyncio

import pytest
from pipecat.frames.frames import (
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
    TextFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import AgentHandoffFrame, EmergencyStopFrame
from pipecat_interrupts.node import InterruptibleNode
from pipecat_interrupts.route import RouteProcessor

pytestmark = pytest.mark.virtual_time


class ScriptedNode(InterruptibleNode):
    """Yields words one by one; ``gate`` lets a test stop it at a chosen yield point."""

    def __init__(self, words, **kwargs):
        super().__init__(**kwargs)
        self.words = words
        self.yielded = 0
        self.reached = asyncio.Event()
        self.stop_at: int | None = None

    async def process(self, frame):
        for i, word in enumerate(self.words):
            if self.stop_at == i:
                self.reached.set()
                await asyncio.sleep(3600)  # parked: the test interrupts here
            self.yielded += 1
            yield word + " "
            await asyncio.sleep(0.001)


async def test_trigger_streams_text_inside_a_full_response():
    node = ScriptedNode(["one", "two", "three"])
    router = RouteProcessor()
    router.on(TextFrame).interrupt_on(InterruptionFrame).stream(node.generate).broadcast()
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(TextFrame("go"))
        await recorder.wait_for(LLMFullResponseEndFrame)
    kinds = [type(f).__name__ for _, f in recorder.frames if not isinstance(f, TextFrame) or isinstance(f, LLMTextFrame)]
    start = kinds.index("LLMFullResponseStartFrame")
    assert kinds[start : start + 6] == [
        "LLMFullResponseStartFrame", "LLMTextFrame", "LLMTextFrame", "LLMTextFrame",
        "AgentGenerationCompleteFrame", "LLMFullResponseEndFrame",
    ]
    assert node.history == [{"role": "assistant", "content": "one two three "}]


async def test_interrupt_cancels_awaits_then_calls_the_handler_once():
    node = ScriptedNode(["a", "b", "c", "d"])
    node.stop_at = 2
    calls = []

    async def handler(event):
        calls.append((type(event).__name__, node.generating))  # tasks already awaited

    router = RouteProcessor()
    router.on(TextFrame).interrupt_on([InterruptionFrame, EmergencyStopFrame], handler=handler).stream(
        node.generate
    ).broadcast()
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(TextFrame("go"))
        await asyncio.wait_for(node.reached.wait(), 5)
        await worker.queue_frame(EmergencyStopFrame())
        await recorder.wait_for(EmergencyStopFrame)
        await worker.queue_frame(InterruptionFrame())  # nothing is running any more
        await recorder.wait_for(InterruptionFrame)
    assert calls == [("EmergencyStopFrame", False)]
    assert router.active_tasks == 0
    texts = [f.text for f in recorder.of_type(LLMTextFrame)]
    assert texts == ["a ", "b "]
    assert len(recorder.of_type(LLMFullResponseEndFrame)) == 1  # the cut response still ends


async def test_condition_sync_or_async_decides_and_handlers_are_contained(log_records):
    node = ScriptedNode(["x", "y"])
    node.stop_at = 1

    async def only_billing(event):
        return event.target == "billing"

    def broken_handler():
        raise RuntimeError("handler bug")

    router = RouteProcessor(handler_timeout_secs=0.05)
    router.on(TextFrame).interrupt_on(AgentHandoffFrame, handler=broken_handler, condition=only_billing).stream(
        node.generate
    ).broadcast()
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(TextFrame("go"))
        await asyncio.wait_for(node.reached.wait(), 5)
        await worker.queue_frame(AgentHandoffFrame(target="sales"))
        await recorder.wait_for(AgentHandoffFrame)
        assert router.active_tasks == 1  # condition false: still running
        await worker.queue_frame(AgentHandoffFrame(target="billing"))
        await recorder.wait_for(AgentHandoffFrame, count=2)
        assert router.active_tasks == 0
        node.stop_at = None
        await worker.queue_frame(TextFrame("again"))  # the route still works
        await recorder.wait_for(LLMFullResponseEndFrame, count=2)
    assert any("interrupt handler" in r["message"] and "broken_handler raised RuntimeError" in r["message"] for r in log_records)
    assert node.history == [{"role": "assistant", "content": "x y "}]


def test_bad_route_configuration_fails_naming_the_parameter():
    router = RouteProcessor()
    with pytest.raises(TypeError, match="trigger"):
        router.on("TextFrame")
    with pytest.raises(TypeError, match="events"):
        router.on(TextFrame).interrupt_on([str])
    with pytest.raises(TypeError, match="handler"):
        router.on(TextFrame).interrupt_on(InterruptionFrame, handler="not callable")
    with pytest.raises(ValueError, match="stream"):
        router.on(TextFrame).broadcast()
    with pytest.raises(ValueError, match="limit"):
        router.on(TextFrame).max_concurrent_tasks(0)


class Gated(InterruptibleNode):
    """Each generation logs its start and then waits on ``release`` (never set by default)."""

    def __init__(self, log, **kwargs):
        super().__init__(**kwargs)
        self.log = log
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def process(self, frame):
        self.log.append(f"start {frame.text}")
        self.started.set()
        yield f"{frame.text}-a "
        await self.release.wait()
        yield f"{frame.text}-b "


class HoldTrigger(FrameProcessor):
    """Direct mode: holds the route's *process task* while it forwards a given trigger."""

    def __init__(self, text: str, until: asyncio.Event):
        super().__init__(enable_direct_mode=True)
        self.text, self.until, self.holding = text, until, asyncio.Event()

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, TextFrame) and not isinstance(frame, LLMTextFrame) and frame.text == self.text:
            self.holding.set()
            await self.until.wait()
        await self.push_frame(frame, direction)


async def test_cancellations_are_serialised_and_new_work_waits_for_the_handler():
    log = []
    node = Gated(log)
    handler_entered, handler_may_finish = asyncio.Event(), asyncio.Event()

    async def slow_handler(event):
        log.append(f"handler begins, running={router.active_tasks}")
        handler_entered.set()
        await handler_may_finish.wait()
        log.append("handler ends")

    router = RouteProcessor(handler_timeout_secs=5)
    router.on(TextFrame).interrupt_on(EmergencyStopFrame, handler=slow_handler).stream(node.generate).broadcast()
    # The trigger "three" is being handled (held while forwarded) when the stop arrives,
    # so its stream would start in the middle of the cancellation round if the route
    # did not make it wait.
    hold = HoldTrigger("three", until=handler_entered)
    recorder = FrameRecorder()
    async with running_pipeline([router, hold, recorder]) as worker:
        await worker.queue_frame(TextFrame("one"))
        await worker.queue_frame(TextFrame("two"))
        await recorder.wait_for(LLMTextFrame, count=2)
        assert router.active_tasks == 2
        await worker.queue_frame(TextFrame("three"))
        await asyncio.wait_for(hold.holding.wait(), 5)
        await worker.queue_frame(EmergencyStopFrame())
        await asyncio.wait_for(handler_entered.wait(), 5)
        await asyncio.sleep(0.05)  # time for "three" to try to start (virtual: no wall time)
        assert "start three" not in log
        handler_may_finish.set()
        await recorder.wait_for(LLMTextFrame, count=3)
    # The handler ran once, after *both* streams were cancelled and awaited; the new
    # trigger started only after it.
    assert log == ["start one", "start two", "handler begins, running=0", "handler ends", "start three"]


async def test_a_hanging_async_handler_is_cut_off_at_its_deadline_and_the_route_goes_on(log_records):
    log = []
    node = Gated(log)

    async def hangs():
        await asyncio.sleep(3600)

    router = RouteProcessor(handler_timeout_secs=0.05)
    router.on(TextFrame).interrupt_on(InterruptionFrame, handler=hangs).stream(node.generate).broadcast()
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(TextFrame("one"))
        await recorder.wait_for(LLMTextFrame)
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(InterruptionFrame)
        node.release.set()
        await worker.queue_frame(TextFrame("two"))
        await recorder.wait_for(LLMFullResponseEndFrame, count=2)
    assert any("hangs overran its 0.05 s deadline" in r["message"] for r in log_records)
    assert [f.text for f in recorder.of_type(LLMTextFrame)] == ["one-a ", "two-a ", "two-b "]


async def test_several_interrupt_on_calls_each_with_its_handler_and_condition():
    """The seed's basic, custom-handler and multiple-events examples on one route."""
    log = []
    node = Gated(log)
    calls = []

    def on_stop():  # sync, no argument
        calls.append("stop")

    async def on_handoff(frame):  # async, the event frame
        calls.append(f"handoff to {frame.target}")

    router = RouteProcessor()
    (
        router.on(TextFrame)
        .interrupt_on([InterruptionFrame, EmergencyStopFrame], handler=on_stop)
        .interrupt_on(AgentHandoffFrame, handler=on_handoff, condition=lambda f: f.target != "nobody")
        .stream(node.generate)
        .broadcast()
    )
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        for n, event in enumerate(
            [EmergencyStopFrame(), AgentHandoffFrame(target="nobody"), AgentHandoffFrame(target="billing")]
        ):
            await worker.queue_frame(TextFrame(f"t{n}"))
            await recorder.wait_for(LLMTextFrame, count=n + 1)
            await worker.queue_frame(event)
            await recorder.wait_for(type(event), count=1 + (n == 2))
    assert calls == ["stop", "handoff to billing"]  # "nobody": condition false, t1 kept running
    assert router.active_tasks == 0


async def test_the_seed_basic_example_on_pipecat_user_speaking_frames():
    log = []
    node = Gated(log)
    router = RouteProcessor()
    (
        router.on(UserStoppedSpeakingFrame)
        .interrupt_on(UserStartedSpeakingFrame, handler=node.on_interrupt_generate)
        .stream(lambda frame: node.generate(TextFrame("turn")))
        .broadcast()
    )
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(UserStoppedSpeakingFrame())
        await recorder.wait_for(LLMTextFrame)
        await worker.queue_frame(UserStartedSpeakingFrame())
        await recorder.wait_for(UserStartedSpeakingFrame)
    assert node.interrupted_count == 1 and router.active_tasks == 0
    assert len(recorder.of_type(LLMFullResponseEndFrame)) == 1


async def test_max_concurrent_tasks_replaces_the_oldest_stream_without_calling_the_handler():
    log = []
    node = Gated(log)
    calls = []
    router = RouteProcessor()
    (
        router.on(TextFrame)
        .interrupt_on(InterruptionFrame, handler=lambda: calls.append("handler"))
        .max_concurrent_tasks(1)
        .stream(node.generate)
        .broadcast()
    )
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(TextFrame("one"))
        await recorder.wait_for(LLMTextFrame)
        await worker.queue_frame(TextFrame("two"))
        await recorder.wait_for(LLMTextFrame, count=2)
        assert router.active_tasks == 1
        node.release.set()
        await recorder.wait_for(LLMFullResponseEndFrame, count=2)
    texts = [f.text for f in recorder.of_type(LLMTextFrame)]
    assert texts == ["one-a ", "two-a ", "two-b "] and calls == []
    names = [type(f).__name__ for _, f in recorder.frames if type(f).__name__.startswith("LLMFull")]
    assert names == ["LLMFullResponseStartFrame", "LLMFullResponseEndFrame"] * 2  # never interleaved


async def test_broadcast_upstream_and_yielded_frames_pass_as_they_are():
    marker = UserStartedSpeakingFrame()  # not text: pushed as it is

    async def gen(frame):
        yield marker
        yield "text"

    router = RouteProcessor()
    router.on(InterruptionFrame).stream(gen).broadcast(FrameDirection.UPSTREAM)
    upstream = FrameRecorder(name="upstream")
    async with running_pipeline([upstream, router]) as worker:
        await worker.queue_frame(InterruptionFrame())
        await upstream.wait_for(LLMFullResponseEndFrame)
    frames = [f for d, f in upstream.frames if d == FrameDirection.UPSTREAM]
    assert frames[0] is marker
    assert [type(f).__name__ for f in frames[1:]] == [
        "LLMFullResponseStartFrame", "LLMTextFrame", "AgentGenerationCompleteFrame", "LLMFullResponseEndFrame"
    ]


async def test_a_coordinator_registry_cancels_route_streams_and_the_handler_still_runs():
    from pipecat_interrupts import FlushCoordinator

    log = []
    node = Gated(log)
    calls = []
    coordinator = FlushCoordinator()
    router = RouteProcessor(task_registry=coordinator.task_registry)
    router.on(TextFrame).interrupt_on(InterruptionFrame, handler=lambda f: calls.append(f.name)).stream(
        node.generate
    ).broadcast()
    recorder = FrameRecorder()
    async with running_pipeline([coordinator, router, recorder]) as worker:
        await worker.queue_frame(TextFrame("one"))
        await recorder.wait_for(LLMTextFrame)
        assert len(coordinator.task_registry) == 1
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(InterruptionFrame)
    assert node.interrupted_count == 1 and len(calls) == 1


async def test_map_and_filter_steps_run_in_chained_order_and_contain_failures(log_records):
    seen = []

    async def echo(text):
        seen.append(text)
        yield f"{text}!"

    async def shout(frame):  # async map
        return frame.text.upper()

    def explode(text):
        if text == "BOOM":
            raise RuntimeError("bad input")
        return text

    router = RouteProcessor()
    (
        router.on(TextFrame)
        .map(shout)
        .filter(lambda text: not text.startswith("SKIP"))
        .map(explode)
        .map(lambda text: None if text == "NONE" else f"<{text}>")
        .stream(echo)
        .broadcast()
    )
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        for word in ["hi", "skip me", "boom", "none", "bye"]:
            await worker.queue_frame(TextFrame(word))
        await recorder.wait_for(LLMFullResponseEndFrame, count=2)
    assert seen == ["<HI>", "<BYE>"]  # what the stream receives is the last map's result
    assert [f.text for f in recorder.of_type(LLMTextFrame)] == ["<HI>!", "<BYE>!"]
    # Every trigger is still forwarded, dropped or not; the raising step is logged.
    assert [f.text for f in recorder.of_type(TextFrame) if not isinstance(f, LLMTextFrame)] == [
        "hi", "skip me", "boom", "none", "bye"
    ]
    assert any("map step failed" in r["message"] and r["level"].name == "WARNING" for r in log_records)


def test_steps_must_be_callable():
    route = RouteProcessor().on(TextFrame)
    with pytest.raises(TypeError, match="map"):
        route.map("upper")
    with pytest.raises(TypeError, match="filter"):
        route.filter(None)
