#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Network-free fakes for testing barge-in in your own Pipecat bots.

- `FakeLLMService`: scripted replies streamed token by token; records cancelled runs.
- `FakeOpenAIServer`: a real aiohttp ``/v1/chat/completions`` streaming server on
  127.0.0.1 that records client disconnects and scripts faults.
- `FakeTTSService`: audio per word, sentence-level text or word timestamps.
- `MockOutputTransport`: a real `BaseOutputTransport` that plays audio on a clock and
  records what the user heard.
- `ScriptedUser` and its steps: a caller following a timeline.
- `build_voice_pipeline`: the standard voice pipeline around your processors.
- `VirtualTimeLoop`, `run_virtual`: run a conversation on virtual time (pauses, token
  delays and playout cost no wall time); the ``virtual_time`` pytest marker and fixture
  come with `pipecat_interrupts.testing.pytest_plugin`.
- `wait_for_event`, `holds_for`: wait for something, or check that it keeps holding.
- `running_pipeline`: a bare pipeline run in the background for the duration of a block.
"""

from pipecat_interrupts.testing.fake_llm import FakeLLMRun, FakeLLMService, FakeReply, FakeToolCall
from pipecat_interrupts.testing.fake_openai_server import FakeOpenAIServer, ServedRequest
from pipecat_interrupts.testing.fake_tts import FakeTTSService
from pipecat_interrupts.testing.mock_transport import (
    MockOutputTransport,
    PlayedChunk,
    SpokenText,
    default_mock_params,
)
from pipecat_interrupts.testing.running import running_pipeline
from pipecat_interrupts.testing.scripted_user import (
    Noise,
    Pause,
    PlayAudio,
    PushFrame,
    Say,
    ScriptedUser,
    ScriptStep,
    StartSpeaking,
    StopSpeaking,
    Utterance,
    WaitForBot,
)
from pipecat_interrupts.testing.virtual_time import (
    VirtualTimeLoop,
    is_virtual_time,
    monotonic,
    run_virtual,
    virtual_time_runner,
    wall_time,
)
from pipecat_interrupts.testing.voice_pipeline import (
    VoicePipeline,
    build_voice_pipeline,
    fast_user_turn_strategies,
)
from pipecat_interrupts.testing.waiting import holds_for, wait_for_event

__all__ = [
    "FakeLLMRun",
    "FakeLLMService",
    "FakeOpenAIServer",
    "FakeReply",
    "FakeTTSService",
    "FakeToolCall",
    "MockOutputTransport",
    "Noise",
    "Pause",
    "PlayAudio",
    "PlayedChunk",
    "PushFrame",
    "Say",
    "ScriptStep",
    "ScriptedUser",
    "ServedRequest",
    "SpokenText",
    "StartSpeaking",
    "StopSpeaking",
    "Utterance",
    "VirtualTimeLoop",
    "VoicePipeline",
    "WaitForBot",
    "build_voice_pipeline",
    "default_mock_params",
    "fast_user_turn_strategies",
    "holds_for",
    "is_virtual_time",
    "monotonic",
    "run_virtual",
    "running_pipeline",
    "virtual_time_runner",
    "wait_for_event",
    "wall_time",
]
