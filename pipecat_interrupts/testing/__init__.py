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
from pipecat_interrupts.testing.voice_pipeline import (
    VoicePipeline,
    build_voice_pipeline,
    fast_user_turn_strategies,
)
from pipecat_interrupts.testing.waiting import wait_for_event

__all__ = [
    "FakeLLMRun",
    "FakeLLMService",
    "FakeOpenAIServer",
    "FakeReply",
    "FakeToolCall",
    "FakeTTSService",
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
    "VoicePipeline",
    "WaitForBot",
    "build_voice_pipeline",
    "default_mock_params",
    "fast_user_turn_strategies",
    "wait_for_event",
]
