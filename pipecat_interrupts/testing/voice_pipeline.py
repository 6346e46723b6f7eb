#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`build_voice_pipeline`: a standard Pipecat voice pipeline around your processors.

::

    ScriptedUser -> [before_user_aggregator] -> [InterruptionController] -> LLMUserAggregator
        -> [after_user_aggregator] -> LLM -> [before_tts] -> TTS -> MockOutputTransport
        -> [StateSnapshotter] -> [after_output] -> LLMAssistantAggregator

Every part is real Pipecat except the fakes from this package (LLM, TTS, transport,
user), which you can replace with your own services.
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, cast

from loguru import logger
from pipecat.frames.frames import Frame, LLMRunFrame
from pipecat.observers.base_observer import BaseObserver
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext, LLMContextMessage
from pipecat.processors.aggregators.llm_response_universal import (
    LLMAssistantAggregator,
    LLMUserAggregator,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.workers.runner import WorkerRunner

from pipecat_interrupts.bot_speaking_guard import BotSpeakingGuard
from pipecat_interrupts.interruption_controller import InterruptionController
from pipecat_interrupts.snapshotter import StateSnapshotter
from pipecat_interrupts.testing.fake_llm import FakeLLMService
from pipecat_interrupts.testing.fake_tts import FakeTTSService
from pipecat_interrupts.testing.mock_transport import MockOutputTransport
from pipecat_interrupts.testing.running import (  # noqa: F401 - CANCEL_RESERVE_SECS kept here
    CANCEL_RESERVE_SECS,
    end_pipeline,
)
from pipecat_interrupts.testing.scripted_user import ScriptedUser
from pipecat_interrupts.wiring import interruption_pipeline

DEFAULT_END_TIMEOUT_SECS = 5.0


def fast_user_turn_strategies(**kwargs: Any) -> UserTurnStrategies:
    """Pipecat's default start strategies with a 0.2 s speech-timeout stop strategy.

    The default stop strategy runs the Smart Turn model on user audio; scripted users
    send no audio, so tests end turns on a short silence instead.

    Args:
        **kwargs: `UserTurnStrategies` arguments (``start=...`` to replace the starts).

    Returns:
        The strategies.
    """
    kwargs.setdefault("stop", [SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.2)])
    return UserTurnStrategies(**kwargs)


@dataclass
class VoicePipeline:
    """A built voice pipeline and its parts. Use it as an async context manager.

    ``async with vp:`` starts the pipeline and waits until it is running; leaving the
    block ends it (``EndFrame``, or ``CancelFrame`` if the block raised) within
    ``end_timeout_secs``, whatever is still queued: see `stop`.

    Parameters:
        pipeline: The pipeline.
        worker: Its `PipelineWorker`.
        context: The shared `LLMContext`.
        user: The scripted user at the top.
        user_aggregator: Pipecat's user aggregator.
        llm: The LLM service.
        tts: The TTS service.
        output: The output transport.
        assistant_aggregator: Pipecat's assistant aggregator.
        end_timeout_secs: Deadline for starting the pipeline, and for ending it.
        speaking_guard: The `BotSpeakingGuard` after the output transport, if placed.
    """

    pipeline: Pipeline
    worker: PipelineWorker
    context: LLMContext
    user: ScriptedUser
    user_aggregator: LLMUserAggregator
    llm: FrameProcessor
    tts: FrameProcessor
    output: MockOutputTransport
    assistant_aggregator: LLMAssistantAggregator
    end_timeout_secs: float = DEFAULT_END_TIMEOUT_SECS
    speaking_guard: BotSpeakingGuard | None = None
    _runner_task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _started: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def __str__(self) -> str:
        return f"VoicePipeline({self.worker})"

    async def __aenter__(self) -> "VoicePipeline":
        async def _on_started(worker: PipelineWorker, frame: Frame) -> None:
            self._started.set()

        self.worker.add_event_handler("on_pipeline_started", _on_started)

        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(self.worker)
        self._runner_task = asyncio.get_running_loop().create_task(
            runner.run(), name="voice-pipeline"
        )
        started = asyncio.ensure_future(self._started.wait())
        try:
            async with asyncio.timeout(self.end_timeout_secs):
                await asyncio.wait(
                    {started, self._runner_task}, return_when=asyncio.FIRST_COMPLETED
                )
            if not started.done():
                raise RuntimeError("the voice pipeline stopped before it started")
        except BaseException:
            started.cancel()
            await self.stop(cancel=True)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop(cancel=exc_type is not None)

    async def start_bot_turn(self) -> None:
        """Ask the bot to answer now (queues an `LLMRunFrame`)."""
        await self.worker.queue_frame(LLMRunFrame())

    async def queue_frame(self, frame: Frame) -> None:
        """Queue a frame at the top of the pipeline.

        Args:
            frame: The frame.
        """
        await self.worker.queue_frame(frame)

    async def stop(self, *, cancel: bool = False) -> None:
        """End (or cancel) the pipeline: it has ended, within ``end_timeout_secs``, on return.

        A started pipeline ends through `end_pipeline` (an `EndFrame`, then a `CancelFrame`
        straight into the pipeline once the graceful share of the deadline has passed);
        one that has not started is cancelled through its worker.

        Args:
            cancel: Cancel instead of ending gracefully.
        """
        task = self._runner_task
        if task is None or task.done():
            return
        if self._started.is_set():
            await end_pipeline(
                self.worker,
                self.pipeline,
                task,
                timeout_secs=self.end_timeout_secs,
                cancel=cancel,
                owner=str(self),
            )
            return
        # Not started yet: only the worker can give up on its setup and start.
        await self.worker.cancel(reason="the voice pipeline did not start")
        await asyncio.wait({task}, timeout=self.end_timeout_secs)
        if not task.done():
            task.cancel()
            logger.error(
                f"{self}: the pipeline did not start or cancel within "
                f"{self.end_timeout_secs}s; runner task cancelled and abandoned"
            )
        elif not task.cancelled():
            task.result()

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The LLM context's messages (a copy)."""
        return [dict(cast(Mapping[str, Any], m)) for m in self.context.get_messages()]


def build_voice_pipeline(
    *,
    controller: InterruptionController | None = None,
    snapshotter: StateSnapshotter | None = None,
    user: ScriptedUser | None = None,
    llm: FrameProcessor | None = None,
    tts: FrameProcessor | None = None,
    output: MockOutputTransport | None = None,
    context: LLMContext | None = None,
    system_prompt: str | None = "You are a helpful voice assistant.",
    user_params: LLMUserAggregatorParams | None = None,
    before_user_aggregator: Sequence[FrameProcessor] = (),
    after_user_aggregator: Sequence[FrameProcessor] = (),
    before_tts: Sequence[FrameProcessor] = (),
    after_output: Sequence[FrameProcessor] = (),
    observers: Sequence[BaseObserver] = (),
    params: PipelineParams | None = None,
    end_timeout_secs: float = DEFAULT_END_TIMEOUT_SECS,
    snapshot_taps: bool = True,
    speaking_guard: bool | None = None,
    follow_service_recommendations: bool = True,
    enable_tracing: bool = False,
) -> VoicePipeline:
    """Assemble a standard voice pipeline around the given processors.

    The plugin's processors are placed by `interruption_pipeline` (the wiring helper), with
    the scripted user in the place of transport input and STT.

    Args:
        controller: An `InterruptionController`: placed right before the user aggregator,
            whose start strategies get its adapter (the controller recommends it, unless
            ``follow_service_recommendations`` is False).
        snapshotter: A `StateSnapshotter`: placed right after the output transport and
            given the pipeline's context. When it recovers false interruptions, the
            default user parameters set ``empty_user_turn=None`` so that Pipecat does not
            ask the caller to repeat while the bot resumes.
        user: The scripted user; an empty one by default.
        llm: The LLM (or a route); a `FakeLLMService` by default.
        tts: The TTS; a `FakeTTSService` by default.
        output: The output transport; a `MockOutputTransport` by default.
        context: The LLM context; a new one (with ``system_prompt``) by default.
        system_prompt: System message for a new context (None for none).
        user_params: User aggregator parameters; by default Pipecat's defaults with
            `fast_user_turn_strategies()`.
        before_user_aggregator: Processors between the user and the user aggregator
            (where an `InterruptionController` goes).
        after_user_aggregator: Processors between the user aggregator and the LLM
            (where a `FlushCoordinator` goes).
        before_tts: Processors between the LLM and the TTS.
        after_output: Processors between the output transport and the assistant
            aggregator (where a snapshot recorder goes).
        observers: Pipeline observers.
        params: Pipeline parameters.
        end_timeout_secs: Deadline for starting and ending the pipeline.
        snapshot_taps: With a snapshotter, let it listen to what the user (the STT's
            place) and the LLM push (`StateSnapshotter.listen_to`); False leaves that
            out, so the snapshotter observes the pipeline instead.
        speaking_guard: Repair the bot's speaking signals after a late chunk: the
            snapshotter does, or a `BotSpeakingGuard` after the output transport when
            there is only a controller. None (the default) does it when a controller or
            a snapshotter is given, and leaves a plain Pipecat pipeline plain.
        follow_service_recommendations: With a controller, keep applying the user-turn
            strategies a service recommends (``user_params``' strategies stand in until
            one does); False hands the aggregator final strategies, as Pipecat does.
        enable_tracing: Pipecat's OpenTelemetry tracing (``PipelineWorker(enable_tracing=)``).

    Returns:
        The `VoicePipeline`.
    """
    if context is None:
        messages: list[LLMContextMessage] = (
            [{"role": "system", "content": system_prompt}] if system_prompt else []
        )
        context = LLMContext(messages)
    user = user or ScriptedUser()
    llm = llm or FakeLLMService()
    tts = tts or FakeTTSService()
    output = output or MockOutputTransport()
    if user_params is None:
        user_params = LLMUserAggregatorParams(user_turn_strategies=fast_user_turn_strategies())
    if speaking_guard is None:
        speaking_guard = controller is not None or snapshotter is not None
    wiring = interruption_pipeline(
        context=context,
        llm=llm,
        tts=tts,
        transport_output=output,
        transport_input=user,
        controller=controller,
        snapshotter=snapshotter,
        user_params=user_params,
        follow_service_recommendations=follow_service_recommendations,
        speaking_guard=speaking_guard,
        snapshot_taps=snapshot_taps,
        before_user_aggregator=before_user_aggregator,
        after_user_aggregator=after_user_aggregator,
        before_tts=before_tts,
        after_output=after_output,
    )
    pipeline = Pipeline(wiring.processors)
    user_aggregator, assistant_aggregator, guard = (
        wiring.user_aggregator,
        wiring.assistant_aggregator,
        wiring.speaking_guard,
    )
    worker = PipelineWorker(
        pipeline,
        params=params or PipelineParams(),
        observers=list(observers),
        enable_rtvi=False,
        idle_timeout_secs=None,
        enable_tracing=enable_tracing,
    )
    return VoicePipeline(
        pipeline=pipeline,
        worker=worker,
        context=context,
        user=user,
        user_aggregator=user_aggregator,
        llm=llm,
        tts=tts,
        output=output,
        assistant_aggregator=assistant_aggregator,
        end_timeout_secs=end_timeout_secs,
        speaking_guard=guard,
    )
