"""What a user meets on the way to a real loop: endpoints set one by one, a complete usage object.

- `examples/real_services_bot.py` gives the LLM, the STT and the TTS each their own URL:
  ``OPENAI_BASE_URL`` (read by the OpenAI client when no URL is given) no longer sends
  the speech services to a local LLM server, and ``local`` STT/TTS run offline.
- Pipecat's real `OpenAILLMService` against the kit's `FakeOpenAIServer` reports token
  usage without the ``LLMTokenUsage`` validation error the old partial usage chunk caused.
"""

import asyncio
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from pipecat.frames.frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    LLMContextFrame,
    LLMTextFrame,
    MetricsFrame,
)
from pipecat.metrics.metrics import LLMUsageMetricsData
from pipecat.pipeline.base_pipeline import BasePipeline
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.services.openai.stt import OpenAISTTService
from pipecat.services.openai.tts import OpenAITTSService
from pipecat.workers.runner import WorkerRunner

from pipecat_interrupts.testing import FakeOpenAIServer
from pipecat_interrupts.testing.fake_openai_server import usage_object

# Real time, not the `virtual_time` marker: Pipecat's OpenAI services stream from the
# FakeOpenAIServer over real localhost sockets, which virtual time does not track.

EXAMPLE = Path(__file__).parent.parent / "examples" / "real_services_bot.py"


@pytest.fixture(scope="module", autouse=True)
def one_whisper_model_per_module():
    """Load each faster-whisper model once for the module (0.75 s of CPU a load).

    Two tests build the local WhisperSTTService (it loads its model when built); they
    check which services are built and where they sit, not the model, so they share it.
    """
    import pipecat.services.whisper.stt as whisper_stt

    loaded = {}
    real = whisper_stt.WhisperModel

    def shared(model, **kwargs):
        key = (model, tuple(sorted(kwargs.items())))
        if key not in loaded:
            loaded[key] = real(model, **kwargs)
        return loaded[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(whisper_stt, "WhisperModel", shared)
        yield loaded


def load_example():
    spec = importlib.util.spec_from_file_location("real_services_bot_under_test", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def client_url(service) -> str:
    return str(service._client.base_url).rstrip("/")


def test_openai_base_url_in_the_environment_redirects_nothing(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    module = load_example()
    llm, stt, tts, _ = module.endpoints_from_args(["--llm-url", "http://127.0.0.1:8080/v1"])
    _, parts = module.build_real_services_bot(llm=llm, stt=stt, tts=tts)
    assert client_url(parts["llm"]) == "http://127.0.0.1:8080/v1"
    assert isinstance(parts["stt"], OpenAISTTService) and isinstance(parts["tts"], OpenAITTSService)
    assert client_url(parts["stt"]) == "https://api.openai.com/v1"
    assert client_url(parts["tts"]) == "https://api.openai.com/v1"


def test_each_endpoint_is_set_on_its_own(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    module = load_example()
    llm, stt, tts, _ = module.endpoints_from_args(
        ["--llm-url", "http://127.0.0.1:8080/v1", "--stt-url", "http://127.0.0.1:8081/v1",
         "--tts-url", "http://127.0.0.1:8082/v1"]
    )
    assert llm.api_key == stt.api_key == tts.api_key == "not-needed"  # local servers need no key
    _, parts = module.build_real_services_bot(llm=llm, stt=stt, tts=tts)
    assert [client_url(parts[n]) for n in ("llm", "stt", "tts")] == [
        "http://127.0.0.1:8080/v1", "http://127.0.0.1:8081/v1", "http://127.0.0.1:8082/v1"
    ]


def test_local_speech_services_need_no_key_and_no_network(monkeypatch):
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed: run `.ci/install_web_deps` as root")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    module = load_example()
    llm, stt, tts, _ = module.endpoints_from_args(
        ["--llm-url", "http://127.0.0.1:8080/v1", "--stt", "local", "--tts", "local"]
    )
    _, parts = module.build_real_services_bot(llm=llm, stt=stt, tts=tts)
    assert type(parts["stt"]).__name__ == "WhisperSTTService"
    assert type(parts["tts"]).__name__ == "EspeakTTSService"
    with pytest.raises(ValueError, match="llm"):
        module.build_real_services_bot(llm=module.ServiceEndpoint(url="local"), stt=stt, tts=tts)


def test_usage_object_is_complete_and_consistent():
    usage = usage_object({"messages": [{"role": "user", "content": "one two three"}]}, 5)
    assert (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"]) == (3, 5, 8)
    assert usage["prompt_tokens_details"]["cached_tokens"] == 0
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 0


class Collector(FrameProcessor):
    def __init__(self):
        super().__init__()
        self.frames: list[Frame] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        self.frames.append(frame)
        await self.push_frame(frame, direction)


async def test_pipecat_openai_llm_reports_usage_from_the_fake_server_without_errors():
    async with FakeOpenAIServer(replies=["Hello there, how can I help?"], token_delay_secs=0.001) as server:
        llm = OpenAILLMService(
            api_key="not-needed", base_url=server.base_url, settings=OpenAILLMService.Settings(model="fake")
        )
        collector = Collector()
        errors: list[Frame] = []

        class ErrorCatcher(FrameProcessor):
            async def process_frame(self, frame: Frame, direction: FrameDirection):
                await super().process_frame(frame, direction)
                if isinstance(frame, ErrorFrame):
                    errors.append(frame)
                await self.push_frame(frame, direction)

        worker = PipelineWorker(
            Pipeline([ErrorCatcher(), llm, collector]),
            params=PipelineParams(enable_metrics=True, enable_usage_metrics=True),
            idle_timeout_secs=None,
            enable_rtvi=False,
        )
        context = LLMContext([{"role": "user", "content": "Say hello to me"}])
        await worker.queue_frames([LLMContextFrame(context), EndFrame()])
        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        await asyncio.wait_for(runner.run(), timeout=20)
        # Pipecat 1.14's OpenAILLMService never closes its HTTP client: close it here, or its
        # keep-alive socket is collected during a later test as an unclosed-socket warning.
        await llm._client.close()
    text = "".join(f.text for f in collector.frames if isinstance(f, LLMTextFrame))
    assert text.strip() == "Hello there, how can I help?"
    usage = [
        d.value for f in collector.frames if isinstance(f, MetricsFrame)
        for d in f.data if isinstance(d, LLMUsageMetricsData)
    ]
    assert errors == [] and not [f for f in collector.frames if isinstance(f, ErrorFrame)]
    assert len(usage) == 1
    assert (usage[0].prompt_tokens, usage[0].completion_tokens, usage[0].total_tokens) == (4, 6, 10)


def flatten(processor):
    if not isinstance(processor, BasePipeline):
        yield processor
        return
    for child in processor.processors:
        yield from flatten(child)


def test_runner_style_single_file_bot_builds_with_the_plugin_placed(monkeypatch):
    from pipecat.transports.smallwebrtc.connection import SmallWebRTCConnection
    from pipecat.transports.smallwebrtc.transport import SmallWebRTCTransport

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:8080/v1")
    spec = importlib.util.spec_from_file_location("runner_bot_under_test", EXAMPLE.parent / "runner_bot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    transport = SmallWebRTCTransport(
        webrtc_connection=SmallWebRTCConnection(), params=module.transport_params["webrtc"]()
    )
    worker = module.build_worker(transport)
    processors = list(flatten(worker.pipeline))
    names = [type(p).__name__ for p in processors]
    assert names.index("WhisperSTTService") < names.index("InterruptionController") < names.index("LLMUserAggregator")
    assert names.index("SmallWebRTCOutputTransport") == names.index("StateSnapshotter") - 1
    snapshotter = next(p for p in processors if type(p).__name__ == "StateSnapshotter")
    assert snapshotter.guards_speaking
    assert [type(p).__name__ for p in snapshotter.sources.listened] == ["InterruptionController", "OpenAILLMService"]
    llm = next(p for p in processors if isinstance(p, OpenAILLMService))
    tts = next(p for p in processors if isinstance(p, OpenAITTSService))
    assert client_url(llm) == "http://127.0.0.1:8080/v1"
    assert client_url(tts) == "https://api.openai.com/v1"
