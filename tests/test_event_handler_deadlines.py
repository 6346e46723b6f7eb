"""Fault injection in the event handlers of the controller, the snapshotter and the router.

Each handler gets the four broken callbacks of `faults.FAULTS`. In every case the barge-in
(or the backchannel, or the resume) goes on, the pipeline ends by itself (no forced
cancel), and the warning names the handler. Pipecat's own dispatch would wait for a hung
handler at the pipeline's end with no deadline.
"""

import asyncio

import pytest
from faults import FAULTS, faulty, settle_orphans
from pipecat.frames.frames import LLMFullResponseEndFrame, LLMTextFrame, TextFrame
from pipecat.processors.frame_processor import FrameProcessor
from pipeline_helpers import FrameRecorder, handlers_of, running_pipeline

from pipecat_interrupts import (
    AgentHandoffFrame,
    InterruptibleNode,
    InterruptionController,
    PhraseInterruptionDetector,
    RouteProcessor,
    StateSnapshotter,
    TextInterruptionDetector,
    VADInterruptionDetector,
)
from pipecat_interrupts.event_handlers import DeadlineEventHandlersMixin
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Noise,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen."
DEADLINE = 0.1

pytestmark = pytest.mark.virtual_time


def warnings_naming(log_records: list, name: str) -> list[str]:
    return [r["message"] for r in log_records if r["level"].name == "WARNING" and name in r["message"]]


def assert_ended_by_itself(log_records: list) -> None:
    forced = [r["message"] for r in log_records if "did not end" in r["message"]]
    assert forced == [], forced


def voice_pipeline(event: str):
    controller = InterruptionController(
        detectors=[
            PhraseInterruptionDetector(),
            TextInterruptionDetector(),
            VADInterruptionDetector(min_speech_secs=0.15),
        ],
        event_handler_timeout_secs=DEADLINE,
    )
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=0.5, event_handler_timeout_secs=DEADLINE)
    said = {
        "on_interruption": Utterance("hold on please"),
        "on_backchannel": Utterance("mhm"),
        "on_snapshot": Utterance("hold on please"),
        "on_false_interruption": Noise(0.3),
    }[event]
    vp = build_voice_pipeline(
        controller=controller,
        snapshotter=snapshotter,
        user=ScriptedUser([WaitForBot(), Pause(0.25), said]),
        llm=FakeLLMService(replies=[ANSWER, "Sure, go ahead."], token_delay_secs=0.003),
        tts=FakeTTSService(secs_per_word=0.04),
    )
    owner = snapshotter if event in ("on_snapshot", "on_false_interruption") else controller
    return vp, owner


@pytest.mark.parametrize("event", ["on_interruption", "on_backchannel", "on_snapshot", "on_false_interruption"])
@pytest.mark.parametrize("fault", FAULTS)
async def test_a_broken_handler_never_holds_the_barge_in_or_the_end(event, fault, log_records):
    release = asyncio.Event()
    vp, owner = voice_pipeline(event)
    called = asyncio.Event()
    broken = faulty(fault, "notify_dashboard", release)

    async def handler(*args):
        called.set()
        await broken(*args)

    handler.__qualname__ = "notify_dashboard"
    owner.add_event_handler(event, handler)
    interrupting = event in ("on_interruption", "on_snapshot")
    async with vp:
        await vp.start_bot_turn()
        async with asyncio.timeout(5):
            await called.wait()
        if interrupting:
            assert await vp.output.wait_until(lambda: "go ahead" in vp.output.spoken_text, timeout=8)
        else:  # the bot talks on (a backchannel) or resumes (a false interruption)
            assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER, timeout=8)
    if event != "on_backchannel":  # (voice activity may cut before "mhm" is read: then it resumes)
        assert vp.output.interruptions
    assert warnings_naming(log_records, f"{event} handler notify_dashboard")
    assert_ended_by_itself(log_records)
    await settle_orphans(release)


class Gated(InterruptibleNode):
    """Yields ``<text>-a``, then waits on ``release`` before ``<text>-b``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.release = asyncio.Event()

    async def process(self, frame):
        yield f"{frame.text}-a "
        await self.release.wait()
        yield f"{frame.text}-b "


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_broken_route_interrupted_handler_never_holds_the_route_or_the_end(fault, log_records):
    release = asyncio.Event()
    node = Gated()
    router = RouteProcessor(event_handler_timeout_secs=DEADLINE)
    router.on(TextFrame).interrupt_on(AgentHandoffFrame).stream(node.generate).broadcast()
    router.add_event_handler("on_route_interrupted", faulty(fault, "notify_dashboard", release))
    output = FrameRecorder(name="output")
    async with asyncio.timeout(10):
        async with running_pipeline([router, output]) as worker:
            await worker.queue_frame(TextFrame("one"))
            await output.wait_for(LLMTextFrame)
            await worker.queue_frame(AgentHandoffFrame(target="sales"))
            await output.wait_for(AgentHandoffFrame)
            node.release.set()
            await worker.queue_frame(TextFrame("two"))  # the next turn is answered
            await output.wait_for(LLMFullResponseEndFrame, count=2)
    # The router's cleanup waits (bounded) for the handler's call, so the warning is out.
    assert warnings_naming(log_records, "on_route_interrupted handler notify_dashboard")
    assert [f.text for f in output.of_type(LLMTextFrame)] == ["one-a ", "two-a ", "two-b "]
    # Pipecat's own dispatch would leave the router's cleanup waiting on the handler.
    waited = [m for r in log_records if (m := r["message"]).startswith(f"{router}: waiting on event handlers")]
    assert waited == []
    await settle_orphans(release)


class Emitter(DeadlineEventHandlersMixin, FrameProcessor):
    def __init__(self, **kwargs):
        super().__init__(event_handler_timeout_secs=DEADLINE, **kwargs)
        self._register_event_handler("on_thing")


async def test_a_plain_function_handler_runs_in_line_and_its_failure_is_contained(log_records):
    emitter = Emitter()
    seen = []
    emitter.add_event_handler("on_thing", lambda _, value: seen.append(value))

    def broken(_, value):
        raise RuntimeError("user bug")

    broken.__qualname__ = "broken_plain"
    emitter.add_event_handler("on_thing", broken)
    await emitter._call_event_handler("on_thing", 7)
    assert seen == [7]  # ran before the event call returned: no task, no loop iteration
    assert warnings_naming(log_records, "on_thing handler broken_plain raised RuntimeError")
    await emitter._close_event_handlers()


async def test_an_awaitable_a_plain_handler_returns_runs_under_the_deadline(log_records):
    emitter = Emitter()
    release = asyncio.Event()
    hung = faulty("swallows_cancellation_and_hangs", "returned_work", release)
    emitter.add_event_handler("on_thing", lambda *args: hung(*args))
    await emitter._call_event_handler("on_thing", 1)  # returns at once
    await asyncio.sleep(DEADLINE * 3)
    assert warnings_naming(log_records, "overran its 0.1 s deadline")
    assert await emitter._close_event_handlers() != []  # still running: reported
    await settle_orphans(release)


async def test_an_event_gets_its_registry_entry_with_its_first_handler(log_records):
    # A plugin processor declares a dozen events (Pipecat's six, its own); most get no
    # handler, and each entry was two more objects per conversation for the collector.
    emitter = Emitter()
    assert "on_thing" not in emitter._event_handlers
    assert "on_before_process_frame" not in emitter._event_handlers  # Pipecat's, too
    await emitter._call_event_handler("on_thing", 1)  # fired with no handler: nothing
    seen = []
    emitter.add_event_handler("on_thing", lambda _, value: seen.append(value))
    await emitter._call_event_handler("on_thing", 2)
    assert seen == [2] and len(handlers_of(emitter, "on_thing")) == 1
    emitter.remove_event_handler("on_thing", seen.append)  # never added: a no-op
    emitter.remove_event_handler("on_other", seen.append)  # never declared: a no-op
    emitter.add_event_handler("on_other", seen.append)  # not declared: warned, as Pipecat does
    assert "on_other" not in emitter._event_handlers
    assert [r for r in log_records if "event handler on_other not registered" in r["message"]]
    await emitter._close_event_handlers()


async def test_pipecats_synchronous_frame_hooks_stay_synchronous_when_made_late():
    # `on_before_process_frame` is synchronous in Pipecat: the processor waits for its
    # handlers before it handles the frame. Made with its first handler, it still is.
    emitter = Emitter()
    seen = []

    async def hook(_, frame):
        await asyncio.sleep(0)  # a loop turn: an asynchronous event would return first
        seen.append(frame.text)

    emitter.add_event_handler("on_before_process_frame", hook)
    assert emitter._event_handlers["on_before_process_frame"].is_sync
    await emitter._call_event_handler("on_before_process_frame", TextFrame("a"))
    assert seen == ["a"]
    emitter.add_event_handler("on_usable_changed", hook)  # Pipecat's asynchronous one
    assert not emitter._event_handlers["on_usable_changed"].is_sync
    await emitter._close_event_handlers()
