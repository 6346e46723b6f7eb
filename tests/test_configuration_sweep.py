"""Every public constructor of the flush chain, metrics, tools, frames and testing kit
rejects bad values at construction, with an error that names the parameter.

The sweep feeds each parameter the values a user gets wrong: ``inf`` (which would turn a
deadline off), NaN, negative numbers, the wrong type, a wrong enum-like string, and a
non-string name.
"""

import math
from collections.abc import Callable
from typing import Any

import pytest
from pipecat.frames.frames import TextFrame

from pipecat_interrupts import (
    AgentHandoffFrame,
    EmergencyStopFrame,
    FlushCompletedFrame,
    FlushCoordinator,
    FlushFrame,
    FlushHookProcessor,
    InterruptibleTaskRegistry,
    InterruptionDecision,
    InterruptionsControlFrame,
)
from pipecat_interrupts.event_handlers import DeadlineEventHandlersMixin
from pipecat_interrupts.frames import FlushStep
from pipecat_interrupts.metrics import InterruptionMetricsObserver
from pipecat_interrupts.testing import (
    FakeLLMService,
    Noise,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
)
from pipecat_interrupts.testing.fake_llm import FakeReply, FakeToolCall
from pipecat_interrupts.testing.scripted_user import (
    PlayAudio,
    PushFrame,
    Say,
    StartSpeaking,
    StopSpeaking,
)
from pipecat_interrupts.tools import SpeechGate

pytestmark = pytest.mark.virtual_time

BAD_VALUES: dict[str, list[Any]] = {
    # a duration that must be finite and > 0
    "secs": [math.inf, -math.inf, math.nan, -1.0, 0, "0.5", True, None],
    # a duration that may be 0 (a pause, a delay)
    "secs_or_zero": [math.inf, math.nan, -0.5, "0.5", None],
    # a time.monotonic() reading
    "time": [math.inf, math.nan, "now", None],
    "bool": ["yes", 1, None],
    "name": [5, "", "  ", None, b"name"],
    "optional_name": [5, "", b"name"],
    "text": [5, None, b"text"],
    "outcome": ["maybe", "OK", 3],
    "positive_int": [0, -3, 1.5, "16", True],
}


def flush_step(**kwargs: Any) -> FlushStep:
    return FlushStep(**{"processor": "tts", "outcome": "ok", "elapsed_secs": 0.01, **kwargs})


def fake_tool_call(**kwargs: Any) -> FakeToolCall:
    return FakeToolCall(**{"name": "end_call", **kwargs})


def play_audio(**kwargs: Any) -> PlayAudio:
    return PlayAudio(**{"audio": b"\x00\x00" * 160, **kwargs})


def say(**kwargs: Any) -> Say:
    return Say(**{"text": "hello", **kwargs})


def utterance(**kwargs: Any) -> Utterance:
    return Utterance(**{"text": "hello", **kwargs})


def pause(**kwargs: Any) -> Pause:
    return Pause(**{"secs": 0.1, **kwargs})


def flush_hook(**kwargs: Any) -> FlushHookProcessor:
    return FlushHookProcessor(lambda _flush: None, **kwargs)


SWEEP: list[tuple[Callable[..., Any], str, str]] = [
    (FlushCoordinator, "task_cancel_timeout_secs", "secs"),
    (FlushCoordinator, "flush_timeout_secs", "secs"),
    (FlushCoordinator, "event_handler_timeout_secs", "secs"),
    (FlushCoordinator, "interrupt_on_events", "bool"),
    (FlushCoordinator, "enable_direct_mode", "bool"),
    (flush_hook, "flush_timeout_secs", "secs"),
    (InterruptibleTaskRegistry, "cancel_timeout_secs", "secs"),
    (InterruptibleTaskRegistry, "name", "name"),
    (InterruptionMetricsObserver, "log_summary", "bool"),
    (InterruptionMetricsObserver, "push_metrics_frames", "bool"),
    (InterruptionMetricsObserver, "record_window", "positive_int"),
    (SpeechGate, "max_wait_secs", "secs"),
    (SpeechGate, "event_handler_timeout_secs", "secs"),
    (FlushFrame, "flush_id", "name"),
    (FlushFrame, "reason", "name"),
    (FlushFrame, "origin", "text"),
    (FlushFrame, "trigger", "optional_name"),
    (FlushFrame, "created_at", "time"),
    (FlushCompletedFrame, "completed", "bool"),
    (FlushCompletedFrame, "elapsed_secs", "secs_or_zero"),
    (FlushCompletedFrame, "reason", "text"),
    (flush_step, "processor", "name"),
    (flush_step, "outcome", "outcome"),
    (flush_step, "elapsed_secs", "secs_or_zero"),
    (EmergencyStopFrame, "reason", "text"),
    (AgentHandoffFrame, "target", "optional_name"),
    (AgentHandoffFrame, "reason", "text"),
    (InterruptionsControlFrame, "enabled", "bool"),
    (InterruptionsControlFrame, "reason", "text"),
    (InterruptionDecision, "reason", "text"),
    (InterruptionDecision, "trigger", "optional_name"),
    (InterruptionDecision, "detected_at", "time"),
    (InterruptionDecision, "decided_at", "time"),
    (InterruptionDecision, "starts_user_turn", "bool"),
    (InterruptionDecision, "voice_only", "bool"),
    (FakeLLMService, "token_delay_secs", "secs_or_zero"),
    (FakeLLMService, "default_reply", "text"),
    (fake_tool_call, "name", "name"),
    (FakeReply, "text", "text"),
    (ScriptedUser, "speaking_tick_secs", "secs"),
    (ScriptedUser, "user_id", "name"),
    (ScriptedUser, "autostart", "bool"),
    (pause, "secs", "secs_or_zero"),
    (WaitForBot, "timeout", "secs"),
    (WaitForBot, "speaking", "bool"),
    (StartSpeaking, "start_secs", "secs_or_zero"),
    (StopSpeaking, "stop_secs", "secs_or_zero"),
    (say, "text", "text"),
    (say, "interim", "bool"),
    (say, "final", "bool"),
    (say, "word_secs", "secs_or_zero"),
    (utterance, "text", "text"),
    (utterance, "word_secs", "secs_or_zero"),
    (Noise, "secs", "secs_or_zero"),
    (play_audio, "sample_rate", "positive_int"),
    (play_audio, "chunk_secs", "secs"),
]

# InterruptionDecision.voice_only=None means "from the reason"; a frame's trigger may be None.
ALLOWED = {("voice_only", None)}

CASES = [
    pytest.param(ctor, parameter, bad, id=f"{getattr(ctor, '__name__', ctor)}-{parameter}-{bad!r}")
    for ctor, parameter, kind in SWEEP
    for bad in BAD_VALUES[kind]
    if (parameter, bad) not in ALLOWED
]


@pytest.mark.parametrize(("ctor", "parameter", "bad"), CASES)
def test_a_bad_value_is_rejected_naming_the_parameter(ctor, parameter, bad):
    with pytest.raises((TypeError, ValueError)) as error:
        ctor(**{parameter: bad})
    assert parameter in str(error.value), str(error.value)


@pytest.mark.parametrize(
    ("ctor", "kwargs", "parameter"),
    [
        (FakeLLMService, {"replies": 5}, "replies"),
        (FakeLLMService, {"replies": [1, 2]}, "replies"),
        (ScriptedUser, {"steps": "hello"}, "steps"),
        (ScriptedUser, {"steps": ["hello"]}, "steps"),
        (PushFrame, {"frame": "TextFrame"}, "frame"),
        (play_audio, {"audio": "pcm"}, "audio"),
        (fake_tool_call, {"arguments": ["a"]}, "arguments"),
        (FakeReply, {"tool_calls": ("end_call",)}, "tool_calls"),
        (InterruptionDecision, {"details": "x"}, "details"),
        (FlushCoordinator, {"task_registry": object()}, "task_registry"),
    ],
)
def test_wrong_kinds_of_collections_and_objects_are_rejected_naming_the_parameter(ctor, kwargs, parameter):
    with pytest.raises((TypeError, ValueError)) as error:
        ctor(**kwargs)
    assert parameter in str(error.value), str(error.value)


def test_good_values_still_construct():
    assert FlushCoordinator(event_handler_timeout_secs=0.25).event_handler_timeout_secs == 0.25
    assert isinstance(FlushCoordinator(), DeadlineEventHandlersMixin)
    assert InterruptionDecision(reason="my_custom_detector").voice_only is False
    assert FlushFrame(trigger=None, reason="agent_handoff").reason == "agent_handoff"
    assert PushFrame(TextFrame("hi")).frame.text == "hi"
    assert Pause(0).secs == 0 and FakeReply("x", [FakeToolCall("f")]).tool_calls == (FakeToolCall("f"),)
    assert InterruptionMetricsObserver(record_window=1).records.maxlen == 1
