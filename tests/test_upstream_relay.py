"""An interruption going up leaves the barge-in's critical path (`upstream_relay`).

The user aggregator broadcasts the interruption: the copy going down is queued for the
LLM, the copy going up enters the controller in the aggregator's task. The controller
hands that copy on from its own task, once the event loop runs again, so the LLM (woken
first) cancels its stream before the controller does any work for the upstream copy;
upstream frames behind it keep their order.
"""

import asyncio

import pytest
from pipecat.frames.frames import Frame, InterruptionFrame, TextFrame
from pipecat.processors.frame_processor import FrameCallback, FrameDirection, FrameProcessor
from pipeline_helpers import FrameRecorder

from pipecat_interrupts import FlushFrame, InterruptionController
from pipecat_interrupts.output_arrival import OutputArrival
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)
from pipecat_interrupts.testing.mock_transport import MockOutputTransport
from pipecat_interrupts.upstream_relay import UpstreamRelay

pytestmark = pytest.mark.virtual_time

ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen."


class Relayed:
    """What a relay hands on, and a gate its hand-on can wait at."""

    def __init__(self) -> None:
        self.handed: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_on: str | None = None

    async def hand_on(self, frame: Frame, callback: FrameCallback | None) -> None:
        await self.gate.wait()
        if frame.name == self.fail_on:
            raise RuntimeError("boom")
        self.handed.append(frame.name)

    def relay(self) -> UpstreamRelay:
        return UpstreamRelay(
            "test", self.hand_on, lambda c: asyncio.get_running_loop().create_task(c)
        )


def text(name: str) -> TextFrame:
    frame = TextFrame(text=name)
    frame.name = name
    return frame


async def test_held_frames_are_handed_on_in_order_from_the_relays_own_task():
    seen = Relayed()
    relay = seen.relay()
    relay.hold(text("a"))
    relay.hold(text("b"))
    assert seen.handed == [] and relay.holding  # nothing in line
    await relay.finish()
    assert seen.handed == ["a", "b"] and not relay.holding


async def test_a_frame_held_while_another_is_handed_on_waits_behind_it():
    seen = Relayed()
    seen.gate.clear()
    relay = seen.relay()
    relay.hold(text("first"))
    await asyncio.sleep(0)  # the relay is now handing "first" on, stuck at the gate
    assert relay.holding
    relay.hold(text("second"))
    seen.gate.set()
    await relay.finish()
    assert seen.handed == ["first", "second"]


async def test_a_failing_hand_on_is_logged_and_the_next_frame_still_goes(log_records):
    seen = Relayed()
    seen.fail_on = "bad"
    relay = seen.relay()
    relay.hold(text("bad"))
    relay.hold(text("good"))
    await relay.finish()
    assert seen.handed == ["good"]
    assert any("handing" in r["message"] and r["level"].name == "WARNING" for r in log_records)


async def test_close_cancels_the_relay_and_drops_what_it_holds_logged(log_records):
    seen = Relayed()
    seen.gate.clear()
    relay = seen.relay()
    relay.hold(text("stuck"))
    relay.hold(text("behind"))
    await asyncio.sleep(0)
    task = relay._task
    await relay.close()
    assert task is not None and task.cancelled()  # its cancellation was not swallowed
    assert not relay.holding and seen.handed == []
    assert any("stuck, behind" in r["message"] for r in log_records)


async def test_finish_gives_up_on_a_stuck_relay_after_its_deadline(log_records):
    seen = Relayed()
    seen.gate.clear()
    relay = seen.relay()
    relay.hold(text("stuck"))
    await relay.finish(timeout_secs=0.5)
    assert not relay.holding
    assert any(r["level"].name == "WARNING" and "dropping 1" in r["message"] for r in log_records)


class Output(FrameProcessor):
    """Stands for an output transport: the watch listens to its processing hook."""

    async def reach(self, frame: Frame) -> None:
        await self._call_event_handler("on_before_process_frame", frame)

    async def reach_interruption(self, frame_id: int = 7) -> None:
        """An `InterruptionFrame` with this id reaches the output."""
        frame = InterruptionFrame()
        frame.id = frame_id
        await self.reach(frame)


def watched_output() -> tuple[Output, OutputArrival]:
    """A stand-in output and a watch on it."""
    output, arrival = Output(), OutputArrival()
    arrival.watch([output])
    return output, arrival


async def test_two_watches_on_one_output_both_hear_the_frame():
    # Pipecat goes through an output's handlers in a list: a watch that stopped
    # listening from inside its own handler made it skip the next one.
    output = Output()
    first, second = OutputArrival(), OutputArrival()
    heard: list[str] = []
    for name, arrival in (("first", first), ("second", second)):
        arrival.watch([output])
        arrival.when_reached(7, lambda name=name: heard.append(name))
    await output.reach_interruption(7)
    assert heard == []  # not inside the output's hook: the output handles the frame first
    await asyncio.sleep(0)
    assert heard == ["first", "second"]
    assert output._event_handlers["on_before_process_frame"].handlers == []  # and stop listening


async def test_a_frame_that_already_reached_the_output_calls_back_at_once():
    output, arrival = watched_output()
    calls: list[str] = []
    arrival.when_reached(7, lambda: calls.append("relay"))
    await output.reach_interruption(7)
    await asyncio.sleep(0)
    arrival.when_reached(7, lambda: calls.append("flush"))  # asked afterwards
    assert calls == ["relay", "flush"]


async def test_forgetting_one_callback_keeps_the_others():
    output, arrival = watched_output()
    calls: list[str] = []

    def relay() -> None:
        calls.append("relay")

    arrival.when_reached(7, relay)
    arrival.when_reached(7, lambda: calls.append("flush"))
    assert arrival.forget(7, relay)
    await output.reach_interruption(7)
    await asyncio.sleep(0)
    assert calls == ["flush"]


async def test_the_output_handles_the_frame_before_any_callback_runs():
    # The callbacks start a flush and the relay's task: the caller's audio stops first.
    output, arrival = watched_output()
    order: list[str] = []
    arrival.when_reached(7, lambda: order.append("callback"))

    @output.event_handler("on_before_process_frame")
    async def _output_handles(processor: FrameProcessor, frame: Frame) -> None:
        order.append("output")  # stands for the transport's own processing, after its hooks

    await output.reach_interruption(7)
    await asyncio.sleep(0)
    assert order == ["output", "callback"]


async def test_released_watch_drops_callbacks_not_yet_called():
    # The pipeline ended between the arrival and the loop's next turn: nothing starts.
    output, arrival = watched_output()
    calls: list[str] = []
    arrival.when_reached(7, lambda: calls.append("flush"))
    await output.reach_interruption(7)
    arrival.release()
    await asyncio.sleep(0)
    assert calls == []


def watched_relay(**kwargs) -> tuple[Output, Relayed, UpstreamRelay]:
    """A relay whose interruptions wait for their siblings at a stand-in output."""
    output, arrival = watched_output()
    seen = Relayed()
    spawn = lambda c: asyncio.get_running_loop().create_task(c)  # noqa: E731
    return output, seen, UpstreamRelay("test", seen.hand_on, spawn, arrival, **kwargs)


def siblings() -> tuple[InterruptionFrame, InterruptionFrame]:
    """An interruption's copy going down and its sibling going up."""
    down, up = InterruptionFrame(), InterruptionFrame()
    up.broadcast_sibling_id = down.id
    return down, up


async def test_an_interruption_going_up_waits_for_its_sibling_at_the_output():
    output, seen, relay = watched_relay()
    down, up = siblings()
    tasks_before = asyncio.all_tasks()
    relay.hold(up)
    relay.hold(text("behind"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert seen.handed == []  # its sibling has not reached the output
    assert asyncio.all_tasks() == tasks_before  # and nothing of the relay runs meanwhile
    await output.reach(down)
    for _ in range(5):
        await asyncio.sleep(0)
    assert seen.handed == [up.name, "behind"]  # the arrival alone hands them on
    await relay.finish()
    assert seen.handed == [up.name, "behind"]


async def test_two_interruptions_going_up_keep_their_order_whichever_sibling_arrives_first():
    output, seen, relay = watched_relay()
    (first_down, first_up), (second_down, second_up) = siblings(), siblings()
    relay.hold(first_up)
    relay.hold(text("between"))
    relay.hold(second_up)
    await output.reach(second_down)  # the later one's sibling first
    for _ in range(5):
        await asyncio.sleep(0)
    assert seen.handed == []  # the first still waits, and everything behind it
    await output.reach(first_down)
    for _ in range(5):
        await asyncio.sleep(0)
    assert seen.handed == [first_up.name, "between", second_up.name]
    await relay.finish()
    assert seen.handed == [first_up.name, "between", second_up.name]


async def test_a_sibling_that_never_shows_releases_the_copy_after_the_deadline(log_records):
    output, seen, relay = watched_relay(wait_secs=0.2)
    up = InterruptionFrame()
    up.broadcast_sibling_id = 12345
    relay.hold(up)
    await asyncio.sleep(0.1)
    assert seen.handed == []
    await asyncio.sleep(0.2)
    assert seen.handed == [up.name]
    assert any("did not reach the output" in r["message"] for r in log_records)
    assert output._event_handlers["on_before_process_frame"].handlers == []  # not watching


class ArrivalLog(FrameRecorder):
    """Logs when an `InterruptionFrame` arrives (queued or handled), by direction."""

    def __init__(self, log: list[str], **kwargs):
        super().__init__(**kwargs)
        self._arrivals = log
        self.output: MockOutputTransport | None = None
        self.llm: FakeLLMService | None = None

    async def queue_frame(self, frame, direction=FrameDirection.DOWNSTREAM, callback=None):
        if isinstance(frame, InterruptionFrame) and direction == FrameDirection.UPSTREAM:
            self._arrivals.append(f"{self.name} got it going up")
            if self.output is not None and self.output.interruptions:
                self._arrivals.append("the output had it then")
            if self.llm is not None and self.llm.cancelled_runs:
                self._arrivals.append("the LLM's stream had ended then")
        await super().queue_frame(frame, direction, callback)

    async def process_frame(self, frame, direction):
        if isinstance(frame, InterruptionFrame) and direction == FrameDirection.DOWNSTREAM:
            self._arrivals.append(f"{self.name} handled it going down")
        await super().process_frame(frame, direction)


def barge_in(log: list[str], controller: InterruptionController | None = None):
    top = ArrivalLog(log, name="top", enable_direct_mode=True)
    below = ArrivalLog(log, name="below")  # queued, as the LLM is
    vp = build_voice_pipeline(
        before_user_aggregator=[top],
        controller=controller or InterruptionController(),
        user=ScriptedUser([WaitForBot(), Pause(0.4), Utterance("stop", word_secs=0.05)]),
        # Still streaming when the caller cuts in.
        llm=FakeLLMService(replies=[ANSWER, "Sure."], token_delay_secs=0.08),
        tts=FakeTTSService(secs_per_word=0.05),
        after_user_aggregator=[below],
    )
    top.output, top.llm = vp.output, vp.llm
    return vp, top


async def test_the_processor_below_the_aggregator_handles_the_interruption_before_it_goes_up():
    log: list[str] = []
    vp, top = barge_in(log)
    async with vp:
        await vp.start_bot_turn()
        await vp.user.wait_finished(10)
        await top.wait_for(InterruptionFrame)
    # The aggregator's broadcast: its copy going down was handled below it, reached the
    # output and ended the LLM's stream before the controller handed the copy going up
    # on (in plain Pipecat the copy going up is a queue put; in line, the controller's
    # work for it came first).
    first_down = log.index("below handled it going down")
    first_up = log.index("top got it going up")
    assert first_down < first_up, log
    assert log[first_up + 1 : first_up + 3] == [
        "the output had it then",
        "the LLM's stream had ended then",
    ], log


@pytest.mark.parametrize("flush", [False, True], ids=["no-flush", "flush"])
async def test_the_controllers_flush_still_runs_once_the_relay_hands_the_copy_on(flush):
    log: list[str] = []
    controller = InterruptionController(flush=flush)
    vp, top = barge_in(log, controller)
    async with vp:
        await vp.start_bot_turn()
        await vp.user.wait_finished(10)
        await top.wait_for(InterruptionFrame)
        if flush:
            await top.wait_for(FlushFrame)
    assert len(controller.flush_reports) == (1 if flush else 0)
    if flush:
        (report,) = controller.flush_reports
        assert report.completed  # launched at once: its interruption had reached the output


async def test_upstream_frames_behind_a_held_interruption_keep_their_order():
    controller = InterruptionController()
    top = FrameRecorder(name="top", enable_direct_mode=True)
    vp = build_voice_pipeline(
        before_user_aggregator=[top],
        controller=controller,
        user=ScriptedUser([]),
        llm=FakeLLMService(replies=["Hi."]),
        tts=FakeTTSService(secs_per_word=0.05),
    )
    async with vp:
        # As a processor below pushes them, one right after the other, in one task.
        await controller.queue_frame(InterruptionFrame(), FrameDirection.UPSTREAM)
        assert not top.of_type(InterruptionFrame)  # held: handed on from the relay's task
        await controller.queue_frame(TextFrame(text="after"), FrameDirection.UPSTREAM)
        await top.wait_for(TextFrame)
    ups = [type(f).__name__ for d, f in top.frames if d == FrameDirection.UPSTREAM]
    assert ups.index("InterruptionFrame") < ups.index("TextFrame"), ups
