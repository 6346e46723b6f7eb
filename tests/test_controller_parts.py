"""`ControllerParts`: the controller's plain objects, built from its arguments, and their lifecycle."""

from typing import Any

import pytest
from pipecat.frames.frames import BotStartedSpeakingFrame, InterruptionFrame
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipeline_helpers import running_pipeline

from pipecat_interrupts import (
    InterruptionController,
    PhraseInterruptionDetector,
    VADInterruptionDetector,
)
from pipecat_interrupts.arbitration import Suppressed
from pipecat_interrupts.controller_parts import CONTROLLER_EVENTS, ControllerParts
from pipecat_interrupts.flush_runner import FLUSH_EVENTS, FlushRunner
from pipecat_interrupts.frames import FLUSH_ID
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    MockOutputTransport,
    ScriptedUser,
)
from pipecat_interrupts.wiring import interruption_pipeline

pytestmark = pytest.mark.virtual_time


async def _emit(*args: Any) -> None:
    pass


def build(controller: InterruptionController | None = None, **overrides: Any) -> ControllerParts:
    """Parts for ``controller`` with the controller's defaults, but for ``overrides``."""
    arguments: dict[str, Any] = {
        "detectors": None,
        "conditions": (),
        "interrupt_event_types": (),
        "bypass_event_types": (),
        "condition_timeout_secs": 0.1,
        "allow_on_condition_error": True,
        "hold_timeout_secs": 2.0,
        "recheck_secs": 0.05,
        "backchannel_judge": None,
        "clock": lambda: 100.0,
        "flush": False,
    }
    arguments.update(overrides)
    host = controller or InterruptionController(name="ctl")
    return ControllerParts(host, _emit, **arguments)


def test_the_parts_go_by_the_controllers_name():
    parts = build()
    assert str(parts) == "ctl"
    assert str(parts.arbiter) == "ctl"


def test_without_a_flush_the_controller_registers_its_own_events_only():
    parts = build()
    assert parts.flush is None
    assert parts.events == CONTROLLER_EVENTS
    interruption = InterruptionFrame()
    parts.delivery.stamp_flush_id(interruption)
    assert FLUSH_ID not in interruption.metadata


def test_flush_true_runs_a_default_flush_the_delivery_stamps_for():
    parts = build(flush=True)
    assert isinstance(parts.flush, FlushRunner)
    assert parts.events == (*CONTROLLER_EVENTS, *FLUSH_EVENTS)
    interruption = InterruptionFrame()
    parts.delivery.stamp_flush_id(interruption)
    assert isinstance(interruption.metadata[FLUSH_ID], str)


def test_the_judge_is_the_first_phrase_detector_unless_given():
    phrases = PhraseInterruptionDetector()
    assert build(detectors=[VADInterruptionDetector(), phrases]).judge is phrases
    mine = PhraseInterruptionDetector()
    assert build(detectors=[phrases], backchannel_judge=mine).judge is mine


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"clock": 1.0}, TypeError),
        ({"flush": "yes"}, TypeError),
        ({"interrupt_event_types": [str]}, TypeError),
        ({"bypass_event_types": [42]}, TypeError),
        ({"backchannel_judge": object()}, TypeError),
        ({"conditions": [42]}, TypeError),
        ({"hold_timeout_secs": 0.0}, ValueError),
    ],
)
def test_the_controllers_arguments_are_checked(override, error):
    with pytest.raises(error):
        build(**override)


async def test_protected_speech_holds_a_stop_back_until_the_parts_stop(log_records):
    parts = build()
    parts.segments.protect_current_speech()  # the bot's next speech
    parts.segments.process_frame(BotStartedSpeakingFrame(), FrameDirection.DOWNSTREAM)
    await parts.arbiter.bot_started()
    decisions = await parts.arbiter.transcript("stop", final=True, item="stop")
    assert [d.condition_name for d in decisions if isinstance(d, Suppressed)] == [
        "uninterruptible_segment"
    ]
    assert parts.arbiter.pending is not None
    await parts.stop()
    assert parts.arbiter.pending is None
    messages = [r["message"] for r in log_records]
    assert "ctl: pipeline ending; 1 held frame(s) dropped" in messages


async def test_release_stops_listening_to_the_aggregators():
    parts = build()
    handover = parts.delivery.handover
    adapter: Any = object()
    handover.adapter_started(adapter)
    handover.listen_to([FrameProcessor()])
    assert handover.live
    parts.release()
    assert not handover.live


async def test_at_start_the_parts_find_the_aggregator_and_at_cleanup_let_it_go():
    wiring = interruption_pipeline(
        context=LLMContext(),
        llm=FakeLLMService(),
        tts=FakeTTSService(),
        transport_output=MockOutputTransport(),
        transport_input=ScriptedUser(),
        controller=InterruptionController(flush=True),
    )
    controller = wiring.controller
    async with running_pipeline(wiring.processors):
        assert controller.handover.live  # listening to the user aggregator after it
    assert not controller.handover.live
