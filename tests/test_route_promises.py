"""Issue 15: the route API keeps the Line seed's promises, on real Pipecat pipelines.

One test (or parametrized test) per numbered finding; each fails on the 0.1 route code.
"""

import asyncio

import pytest
from pipecat.frames.frames import (
    InterruptionFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
    TextFrame,
)
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import (
    AgentGenerationCompleteFrame,
    AgentResponse,
    EmergencyStopFrame,
    InterruptibleNode,
    InterruptionController,
    RouteInterruption,
    RouteProcessor,
    StateSnapshotter,
)
from pipecat_interrupts.testing import (
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

pytestmark = pytest.mark.virtual_time

REPLY = "Item one is on the list. Item two is on the list. Item three is on the list. Item four is on the list too."


class Speaker(InterruptibleNode):
    """Yields ``text`` word by word, a little slower than a model."""

    def __init__(self, text: str = REPLY, word_secs: float = 0.05, **kwargs):
        super().__init__(**kwargs)
        self.text = text
        self.word_secs = word_secs
        self.records: list[RouteInterruption] = []
        self.hooked = asyncio.Event()

    async def process(self, frame):
        for word in self.text.split():
            yield word + " "
            await asyncio.sleep(self.word_secs)

    def on_interrupt(self, frame=None, interruption=None):
        super().on_interrupt(frame, interruption)
        self.records.append(interruption)
        self.hooked.set()


# 1. Two interrupt_on entries for the same event: one behaviour, chosen and enforced.


def test_the_same_event_twice_on_one_route_is_refused_at_construction():
    route = RouteProcessor().on(TextFrame).interrupt_on(InterruptionFrame, handler=lambda: None)
    with pytest.raises(ValueError, match="InterruptionFrame already interrupts this route"):
        route.interrupt_on(InterruptionFrame, handler=lambda: None)
    with pytest.raises(ValueError, match="already interrupts"):  # a subclass overlaps too
        route.interrupt_on(type("MyInterruption", (InterruptionFrame,), {}))
    route.interrupt_on(EmergencyStopFrame, handler=lambda: None)  # another event is fine


# 2. A route condition that says "not now" holds the bot end to end.


@pytest.mark.parametrize("allowed", [False, True])
async def test_a_route_condition_is_one_decision_with_the_controllers(allowed):
    node = Speaker()
    router = RouteProcessor()
    route = (
        router.on(LLMContextFrame)
        .interrupt_on(InterruptionFrame, handler=node.on_interrupt, condition=lambda message: allowed)
        .max_concurrent_tasks(1)
        .stream(node.generate)
        .broadcast()
    )
    controller = InterruptionController(conditions=[route.interruption_condition()])
    user = ScriptedUser(
        [Utterance("what is on the list"), WaitForBot(), Pause(0.3), Utterance("tell me more about that one")]
    )
    vp = build_voice_pipeline(
        controller=controller, user=user, llm=router, tts=FakeTTSService(secs_per_word=0.04)
    )
    async with vp:
        await user.wait_finished(15)
        if allowed:
            await asyncio.wait_for(node.hooked.wait(), 5)
        # The second reply is spoken to its end (held back, the attempt became the next
        # turn once the bot finished; allowed, it cut the first reply).
        replies = 1 if allowed else 2
        assert await vp.output.wait_until(lambda: vp.output.spoken_text.count("too.") == replies, timeout=15)
    heard = vp.output.spoken_text
    if allowed:
        assert node.interrupted_count == 1 and not heard.startswith(REPLY)
    else:
        # Held back: no audio cut, no reply beside the first, nothing spoken twice over.
        assert node.interrupted_count == 0 and node.completed_count == 2
        assert heard == f"{REPLY} {REPLY}", heard


# 3. Handlers and node.on_interrupt receive what recovery needs; 4. completed vs cut.


async def test_the_handler_gets_generated_heard_reason_and_trigger_and_the_seed_state_pattern_saves_it():
    node = Speaker()
    saved = {}

    handled = asyncio.Event()

    def handle_interrupt(message, interruption):  # the seed's handler, with the record
        saved["partial_response"] = node.current_response  # the seed's own line
        saved["record"] = interruption
        handled.set()

    snapshotter = StateSnapshotter()
    router = RouteProcessor(heard_text=snapshotter)
    (
        router.on(LLMContextFrame)
        .interrupt_on(InterruptionFrame, handler=handle_interrupt)
        .max_concurrent_tasks(1)
        .stream(node.generate)
        .broadcast()
    )
    user = ScriptedUser([Utterance("what is on the list"), WaitForBot(), Pause(0.5), Utterance("stop")])
    recorder = FrameRecorder()
    vp = build_voice_pipeline(
        controller=InterruptionController(),
        snapshotter=snapshotter,
        user=user,
        llm=router,
        tts=FakeTTSService(secs_per_word=0.08),
        before_tts=[recorder],
    )
    async with vp:
        await user.wait_finished(15)
        await asyncio.wait_for(handled.wait(), 5)
    record: RouteInterruption = saved["record"]
    snapshot = snapshotter.latest_snapshot
    assert record.reason == snapshot.reason == "phrase"
    assert record.trigger == record.event.name  # a decision on speech names no other frame
    assert record.generated and REPLY.startswith(record.generated.strip())
    assert record.heard == snapshot.spoken_text and record.heard  # heard: a part of what was generated
    assert record.generated.startswith(record.heard.rstrip(".")) and record.unheard
    assert saved["partial_response"] == record.generated  # the seed's pattern saves the text
    assert isinstance(record.event, InterruptionFrame) and record.cancelled == 1
    # 4. The cut generation is told apart: no completion frame, and the snapshot says so.
    assert recorder.of_type(AgentGenerationCompleteFrame) == [] and snapshot.generation_complete is False


async def test_a_completed_generation_ends_with_agent_generation_complete_and_a_cut_one_without():
    node = Speaker("one two three")
    gate = asyncio.Event()

    async def gated(frame):
        async for item in node.generate(frame):
            yield item
            if frame.text == "cut me":
                await gate.wait()

    router = RouteProcessor()
    router.on(TextFrame).interrupt_on(InterruptionFrame, handler=node.on_interrupt).stream(gated).broadcast()
    recorder = FrameRecorder()
    async with running_pipeline([router, recorder]) as worker:
        await worker.queue_frame(TextFrame("complete me"))
        await recorder.wait_for(LLMFullResponseEndFrame)
        await worker.queue_frame(TextFrame("cut me"))
        await recorder.wait_for(LLMTextFrame, count=4)
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(LLMFullResponseEndFrame, count=2)
        await asyncio.wait_for(node.hooked.wait(), 5)
    completes = recorder.of_type(AgentGenerationCompleteFrame)
    assert [f.text for f in completes] == ["one two three "]
    assert node.records[0].generated == "one " and node.last_interruption is node.records[0]


# 5. The seed's names and item types.


async def test_the_seeds_process_context_and_agent_response_items_are_spoken(log_records):
    class SeedNode(InterruptibleNode):
        async def process_context(self, context):  # the seed's method name
            yield AgentResponse(content="Hello ")
            yield {"content": "a dict is not an item"}  # wrong type: logged, skipped
            yield TextFrame("from a frame.")  # a text frame is reply text too

    node = SeedNode()
    router = RouteProcessor()
    router.on(LLMContextFrame).interrupt_on(InterruptionFrame).stream(node.generate).broadcast()
    user = ScriptedUser([Utterance("hi there")])
    vp = build_voice_pipeline(user=user, llm=router, tts=FakeTTSService(secs_per_word=0.02))
    async with vp:
        await user.wait_finished(10)
        assert await vp.output.wait_until(lambda: "frame." in vp.output.spoken_text, timeout=5)
    assert vp.output.spoken_text == "Hello from a frame."
    assert node.history[-1] == {"role": "assistant", "content": "Hello from a frame."}
    assert any("yielded a dict; skipped" in r["message"] and r["level"].name == "WARNING" for r in log_records)


def test_a_node_without_a_generation_method_fails_at_construction_naming_it():
    class Empty(InterruptibleNode):
        pass

    with pytest.raises(TypeError, match=r"Empty must implement process\(self, trigger\)"):
        Empty()


# 6. An emergency stop cuts the audio on the route path, with no FlushCoordinator.


async def test_an_emergency_stop_without_coordinator_or_controller_cuts_the_audio():
    node = Speaker(word_secs=0.08)  # still generating when the stop comes
    router = RouteProcessor()
    (
        router.on(LLMContextFrame)
        .interrupt_on([InterruptionFrame, EmergencyStopFrame], handler=node.on_interrupt)
        .stream(node.generate)
        .broadcast()
    )
    user = ScriptedUser([Utterance("what is on the list"), WaitForBot(), Pause(0.3)])
    vp = build_voice_pipeline(user=user, llm=router, tts=FakeTTSService(secs_per_word=0.08))
    async with vp:
        await user.wait_finished(10)
        before = len(vp.output.interruptions)  # the user's turn start interrupted too
        await vp.queue_frame(EmergencyStopFrame(reason="operator"))
        assert await vp.output.wait_until(lambda: len(vp.output.interruptions) == before + 1, timeout=5)
        cut_at = vp.output.interruptions[-1]
        await asyncio.wait_for(node.hooked.wait(), 5)
        await asyncio.sleep(0.5)  # negative check, on virtual time: queued audio would play in this time
    assert node.records[0].reason == "emergency_stop" and node.interrupted_count == 1
    assert [chunk for chunk in vp.output.played if chunk.started_at > cut_at] == []
