"""The plugin's processors hand frames on quietly only when no observer or hook can tell.

`quiet_hop`: a frame crossing the controller or the snapshotter skips Pipecat's hooks,
its `on_process_frame` report and the report of the push onward, when no observer wants
every push or reads processing (or says it ignores the plugin's hops) and no hook is set.
"""

from unittest import mock

import pytest
from pipecat.frames.frames import ErrorFrame, Frame, TextFrame
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.observers.loggers.debug_log_observer import DebugLogObserver
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.processors.frameworks.rtvi import RTVIObserver
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import InterruptionController, StateSnapshotter
from pipecat_interrupts.metrics import InterruptionMetricsObserver
from pipecat_interrupts.quiet_hop import QuietHopMixin, observers_see_hops
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

pytestmark = pytest.mark.virtual_time

ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen."


class FirstPushes(BaseObserver):
    """Pipecat's kind of observer: first pushes only, no processing reports."""

    def __init__(self) -> None:
        super().__init__(observe_every_push=False)
        self.seen: list[tuple[str, str]] = []

    async def on_push_frame(self, data: FramePushed) -> None:
        self.seen.append((type(data.frame).__name__, type(data.source).__name__))


class EveryPush(BaseObserver):
    """An observer that wants every push (a `DebugLogObserver`'s kind)."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[FrameProcessor] = []

    async def on_push_frame(self, data: FramePushed) -> None:
        self.sources.append(data.source)


def base_processing_counter():
    """Counts Pipecat's own `FrameProcessor.process_frame` runs, per processor."""
    counts: dict[int, int] = {}
    original = FrameProcessor.process_frame

    async def counting(self, frame, direction):
        counts[id(self)] = counts.get(id(self), 0) + 1
        await original(self, frame, direction)

    return counts, mock.patch.object(FrameProcessor, "process_frame", counting)


async def call(*observers: BaseObserver):
    """One barge-in ("wait, stop") on the kit; returns the pipeline's parts."""
    controller = InterruptionController()
    snapshotter = StateSnapshotter(backchannel_judge=controller.judge)
    vp = build_voice_pipeline(
        controller=controller,
        snapshotter=snapshotter,
        user=ScriptedUser([WaitForBot(), Pause(0.4), Utterance("wait, stop")]),
        llm=FakeLLMService(replies=[ANSWER, "Sure."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        observers=list(observers),
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "Sure." in vp.output.spoken_text, timeout=10)
    return controller, snapshotter, vp


async def test_a_barge_in_crosses_quietly_with_the_same_outcome_as_the_full_hop():
    counts, patch = base_processing_counter()
    with patch:
        controller, snapshotter, quiet = await call(FirstPushes())
    quiet_runs = counts.get(id(controller), 0) + counts.get(id(snapshotter), 0)
    counts.clear()
    every = EveryPush()  # wants every push: the plugin's processors take Pipecat's full hop
    with patch:
        controller, snapshotter, full = await call(FirstPushes(), every)
    full_runs = counts.get(id(controller), 0) + counts.get(id(snapshotter), 0)
    # Pipecat's own processing ran for every frame on the full hop; quietly, only for the
    # frames it acts on (start, interruption, cancel, pauses).
    assert quiet_runs < full_runs / 4
    assert any(source is controller for source in every.sources)
    assert any(source is snapshotter for source in every.sources)
    assert quiet.output.spoken_text == full.output.spoken_text
    assert quiet.messages == full.messages
    assert len(quiet.output.interruptions) == len(full.output.interruptions) == 1


async def test_observers_of_first_pushes_see_the_same_frames_in_the_same_order():
    quiet, full = FirstPushes(), FirstPushes()
    await call(quiet)
    await call(full, EveryPush())
    # The bot's speaking ticks and audio chunks are periodic: how many fall before the
    # pipeline ends moves with the loop's task order (another observer's task here).
    ticks = ("BotSpeakingFrame", "TTSAudioRawFrame", "SpeechOutputAudioRawFrame")
    events = [[seen for seen in o.seen if seen[0] not in ticks] for o in (quiet, full)]
    assert events[0] == events[1]
    assert ("InterruptionFrame", "LLMUserAggregator") in events[0]
    assert ("TranscriptionFrame", "ScriptedUser") in events[0]


async def test_a_hook_on_the_processor_gets_every_frame_it_processes():
    controller = InterruptionController()
    hooked: list[Frame] = []

    @controller.event_handler("on_before_process_frame")
    async def on_before_process_frame(processor, frame):
        hooked.append(frame)

    end = FrameRecorder(name="end")
    async with running_pipeline([controller, end], timeout=10) as worker:
        await worker.queue_frame(TextFrame("hello"))
        await end.wait_for(TextFrame, timeout=5)
    assert any(isinstance(f, TextFrame) for f in hooked)


def test_pipecats_debug_observer_wants_every_hop():
    class Observers:
        _proxies = {DebugLogObserver(): None}

    class Metrics:
        _proxies = {InterruptionMetricsObserver(log_summary=False): None}

    assert observers_see_hops(Observers())
    assert not observers_see_hops(Metrics())  # it says it needs no plugin hop
    assert observers_see_hops(object())  # observers it cannot read: the full hop


async def test_the_metrics_observer_counts_played_text_once_either_way():
    quiet_metrics = InterruptionMetricsObserver(log_summary=False)
    await call(quiet_metrics)
    full_metrics = InterruptionMetricsObserver(log_summary=False)
    await call(full_metrics, EveryPush())
    (quiet_record,) = quiet_metrics.records
    (full_record,) = full_metrics.records
    assert 0 < quiet_record.spoken_chars < quiet_record.generated_chars
    assert quiet_record.spoken_chars == full_record.spoken_chars


class Fails(QuietHopMixin):
    """A direct-mode processor of the mixin's kind that fails on a `TextFrame`."""

    def __init__(self) -> None:
        super().__init__(enable_direct_mode=True)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, TextFrame) and frame.text == "boom":
            raise RuntimeError("boom")
        await self.push_frame(frame, direction)


async def test_a_failure_on_a_quiet_hop_becomes_an_error_frame_as_on_pipecats():
    upstream = FrameRecorder(name="top")
    downstream = FrameRecorder(name="end")
    async with running_pipeline([upstream, Fails(), downstream], timeout=10) as worker:
        await worker.queue_frame(TextFrame("boom"))
        await worker.queue_frame(TextFrame("after"))
        await downstream.wait_for(TextFrame, timeout=5)
        await upstream.wait_for(ErrorFrame, timeout=5)
    (error,) = upstream.of_type(ErrorFrame)
    assert "boom" in error.error
    assert [f.text for f in downstream.of_type(TextFrame)] == ["after"]  # the next one passed


class RecordingRTVIObserver(RTVIObserver):
    """Pipecat's RTVI observer (added by `PipelineWorker` by default), its messages kept."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    async def send_rtvi_message(self, model, exclude_none: bool = True) -> None:
        self.messages.append(type(model).__name__)


async def test_pipecats_rtvi_observer_keeps_the_quiet_hop_and_sends_the_same_messages():
    quiet, full = RecordingRTVIObserver(), RecordingRTVIObserver()
    assert not observers_see_hops(type("Observers", (), {"_proxies": {quiet: None}})())
    counts, patch = base_processing_counter()
    with patch:
        controller, snapshotter, _ = await call(quiet)
    quiet_runs = counts.get(id(controller), 0) + counts.get(id(snapshotter), 0)
    counts.clear()
    with patch:
        controller, snapshotter, _ = await call(full, EveryPush())
    full_runs = counts.get(id(controller), 0) + counts.get(id(snapshotter), 0)
    assert quiet_runs < full_runs / 4  # the hop stayed quiet with RTVI's observer there
    assert (
        "BotStartedSpeakingMessage" in quiet.messages
        and "UserTranscriptionMessage" in quiet.messages
    )
    assert quiet.messages == full.messages
