"""`InterruptibleNode`: state stays consistent whatever the point of interruption."""

import asyncio
import time

import pytest
from pipecat.frames.frames import (
    Frame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
    TextFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts.node import InterruptibleNode
from pipecat_interrupts.route import RouteProcessor

pytestmark = pytest.mark.virtual_time

WORDS = ["w0", "w1", "w2", "w3", "w4"]


class ScriptedNode(InterruptibleNode):
    """Yields WORDS; ``park_at`` parks it inside `process` before word k."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.park_at: int | None = None
        self.parked = asyncio.Event()
        self.hook_calls: list[str] = []
        self.state_at_hook: list[tuple] = []
        self.hooked = asyncio.Event()

    def user_message(self, frame):
        return {"role": "user", "content": frame.text}

    async def process(self, frame):
        for i, word in enumerate(WORDS):
            if self.park_at == i:
                self.parked.set()
                await asyncio.sleep(3600)  # the test interrupts here
            yield word + " "
            await asyncio.sleep(0)

    def on_interrupt(self, frame=None):
        self.hook_calls.append(type(frame).__name__)
        self.state_at_hook.append((self.generating, self.partial))
        self.hooked.set()


class HoldAt(FrameProcessor):
    """Direct mode: the route's stream task pushes into it, so blocking here parks the
    stream *at a yield point*, holding the k-th item."""

    def __init__(self, k: int):
        super().__init__(enable_direct_mode=True)
        self.k = k
        self.seen = 0
        self.holding = asyncio.Event()

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMTextFrame):
            if self.seen == self.k:
                self.seen += 1
                self.holding.set()
                await asyncio.sleep(3600)  # cancelled with the stream task
            self.seen += 1
        await self.push_frame(frame, direction)


async def committed_invariants(node: ScriptedNode, k: int) -> None:
    await asyncio.wait_for(node.hooked.wait(), 5)  # the hook runs after the event went on
    assert node.history == [{"role": "user", "content": "first"}]  # no half reply
    assert (node.generating, node.partial) == (False, "")
    assert (node.interrupted_count, node.completed_count) == (1, 0)
    assert node.last_interrupted.partial == "".join(w + " " for w in WORDS[:k])
    assert node.hook_calls == ["InterruptionFrame"]  # exactly once...
    assert node.state_at_hook == [(False, "")]  # ...after the generation was awaited


@pytest.mark.parametrize("where", ["inside_process", "at_yield"])
@pytest.mark.parametrize("k", range(len(WORDS)))
async def test_node_state_is_consistent_after_an_interruption_at_every_yield_point(where, k):
    node = ScriptedNode()
    router = RouteProcessor()
    router.on(TextFrame).interrupt_on(InterruptionFrame, handler=node.on_interrupt).stream(node.generate).broadcast()
    hold = HoldAt(k if where == "at_yield" else -1)
    recorder = FrameRecorder()
    async with running_pipeline([router, hold, recorder]) as worker:
        if where == "inside_process":
            node.park_at = k
        await worker.queue_frame(TextFrame("first"))
        await asyncio.wait_for((node.parked if where == "inside_process" else hold.holding).wait(), 5)
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(InterruptionFrame)
        await committed_invariants(node, k + (where == "at_yield"))
        node.park_at, hold.k = None, -1
        await worker.queue_frame(TextFrame("second"))
        await recorder.wait_for(LLMFullResponseEndFrame, count=1 + (k > 0 or where == "at_yield"))
    assert node.history[1:] == [
        {"role": "user", "content": "second"},
        {"role": "assistant", "content": "w0 w1 w2 w3 w4 "},
    ]
    assert node.completed_count == 1 and node.hook_calls == ["InterruptionFrame"]


async def test_a_consumer_closing_the_generator_early_counts_as_an_interruption():
    node = ScriptedNode()
    stream = node.generate(TextFrame("first"))
    assert [await anext(stream), await anext(stream)] == ["w0 ", "w1 "]
    assert node.generating and node.partial == "w0 w1 "
    await stream.aclose()
    committed_invariants_direct = (node.history, node.generating, node.partial, node.interrupted_count)
    assert committed_invariants_direct == ([{"role": "user", "content": "first"}], False, "", 1)
    assert node.last_interrupted.partial == "w0 w1 "


async def test_a_failing_generation_commits_nothing_but_the_user_message():
    class Broken(ScriptedNode):
        async def process(self, frame):
            yield "half "
            raise RuntimeError("model died")

    node = Broken()
    with pytest.raises(RuntimeError):
        async for _ in node.generate(TextFrame("first")):
            pass
    assert (node.history, node.generating, node.interrupted_count) == ([{"role": "user", "content": "first"}], False, 0)


async def test_the_seed_stateful_node_saves_state_on_interrupt_and_resumes():
    """The seed's ``StatefulInterruptNode``, on `InterruptibleNode`."""

    class StatefulInterruptNode(InterruptibleNode):
        def __init__(self):
            super().__init__()
            self.generation_state = None
            self.resumed_from = None
            self.started = asyncio.Event()
            self.saved = asyncio.Event()

        def on_interrupt_generate(self, message):
            self.generation_state = {
                "interrupted_at": time.time(),
                "partial_response": self.last_interrupted.partial,
            }
            self.saved.set()

        async def process(self, frame):
            if self.generation_state:
                self.resumed_from, self.generation_state = self.generation_state, None
            for word in ["Once", "upon", "a", "time"]:
                yield word + " "
                self.started.set()
                await asyncio.sleep(0 if self.resumed_from else 3600)

    node = StatefulInterruptNode()
    router = RouteProcessor()
    (
        router.on(TextFrame)
        .interrupt_on(InterruptionFrame, handler=node.on_interrupt_generate)
        .stream(node.generate)
        .broadcast()
    )
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(TextFrame("story"))
        await asyncio.wait_for(node.started.wait(), 5)
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(InterruptionFrame)
        await asyncio.wait_for(node.saved.wait(), 5)  # the handler runs after the event went on
        assert node.generation_state["partial_response"] == "Once "
        await worker.queue_frame(TextFrame("go on"))
        await recorder.wait_for(LLMFullResponseEndFrame, count=2)
    assert node.resumed_from["partial_response"] == "Once " and node.generation_state is None
    assert node.history == [{"role": "assistant", "content": "Once upon a time "}]
