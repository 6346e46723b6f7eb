#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Wiring that cannot silently fail: one helper that places everything, and a start check.

`interruption_pipeline` takes your own STT, LLM, TTS and transport and returns the
processors in the order the plugin needs, with the user aggregator configured::

    wiring = interruption_pipeline(
        context=context, stt=stt, llm=llm, tts=tts,
        transport_input=transport.input(), transport_output=transport.output(),
    )
    pipeline = Pipeline(wiring.processors)

::

    input -> STT -> InterruptionController -> user aggregator -> LLM -> TTS -> output
      -> StateSnapshotter -> assistant aggregator

Two processors, no more: the controller also recommends the user-turn strategies (with its
adapter first) the way services do; the snapshotter listens to what the STT and the LLM
push (Pipecat's ``on_before_push_frame``, no tap processors) and repairs the bot's
speaking signals after a late chunk (no `BotSpeakingGuard`). Every processor costs a hop
on the barge-in path, about 10 KB and about 12 µs per audio frame.

At pipeline start the controller runs `check_wiring` on the pipeline it is in (reachable from
its processor setup) and logs one error naming each fix when the order defeats the plugin.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from loguru import logger
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMAssistantAggregator,
    LLMContextAggregatorPair,
    LLMUserAggregator,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.turns.user_turn_strategies import (
    UserTurnStrategies,
)

from pipecat_interrupts.bot_speaking_guard import BotSpeakingGuard
from pipecat_interrupts.flush_coordinator import FlushCoordinator
from pipecat_interrupts.interruption_controller import InterruptionController
from pipecat_interrupts.observability.tracing import InterruptionTracer
from pipecat_interrupts.snapshotter import SnapshotTap, StateSnapshotter
from pipecat_interrupts.turn_strategies import controlled_user_turn_strategies, has_adapter
from pipecat_interrupts.turn_strategy_announcer import TurnStrategyAnnouncer

_P = TypeVar("_P", bound=FrameProcessor)


@dataclass
class InterruptionPipeline:
    """The processors placed by `interruption_pipeline`, in order, and the named parts.

    Parameters:
        processors: Everything, in pipeline order (give it to ``Pipeline``).
        user_aggregator: Pipecat's user aggregator, configured for the controller.
        assistant_aggregator: Pipecat's assistant aggregator.
        controller: The `InterruptionController` (None for a plain pipeline).
        snapshotter: The `StateSnapshotter`, if any.
        speaking_guard: The `BotSpeakingGuard`, if one was placed (none when the
            snapshotter repairs the speaking signals itself).
        user_params: The parameters the user aggregator was built with.
    """

    processors: list[FrameProcessor]
    user_aggregator: LLMUserAggregator
    assistant_aggregator: LLMAssistantAggregator
    controller: InterruptionController | None = None
    snapshotter: StateSnapshotter | None = None
    speaking_guard: BotSpeakingGuard | None = None
    user_params: LLMUserAggregatorParams = field(default_factory=LLMUserAggregatorParams)


def _snapshotter_for(
    controller: InterruptionController | None, context: LLMContext
) -> StateSnapshotter:
    # One judge for everything that asks "only a backchannel?": the controller's.
    judge = controller.judge if controller is not None else None
    return StateSnapshotter(context=context, backchannel_judge=judge)


def _guard_speaking(
    controller: InterruptionController | None,
    snapshotter: StateSnapshotter | None,
    speaking_guard: bool,
) -> BotSpeakingGuard | None:
    # The snapshotter repairs the speaking signals itself when there is one: no processor.
    if not speaking_guard or (controller is None and snapshotter is None):
        return None
    if snapshotter is None:
        return BotSpeakingGuard()
    snapshotter.guard_speaking_signals()
    return None


def _listen(
    snapshotter: StateSnapshotter | None,
    wanted: bool,
    controller: InterruptionController | None,
    words: FrameProcessor | None,
    llm: FrameProcessor,
) -> tuple[SnapshotTap | None, SnapshotTap | None]:
    # The caller's words from the controller (else a push hook on the STT or transcribing
    # input), the generation from a push hook on the LLM: no processor. A tap only where
    # there is nothing to hear them from: no controller, STT or input; a compound LLM.
    if snapshotter is None or not wanted:
        return None, None
    top_tap = generation_tap = None
    if controller is not None:
        snapshotter.sources.hear_through(controller)
    elif words is not None:
        snapshotter.listen_to(words)
    else:
        top_tap = snapshotter.tap()
    if llm.processors:
        generation_tap = snapshotter.tap()
    else:
        snapshotter.listen_to(llm)
    return top_tap, generation_tap


def interruption_pipeline(
    *,
    context: LLMContext,
    llm: FrameProcessor,
    tts: FrameProcessor,
    transport_output: FrameProcessor,
    transport_input: FrameProcessor | None = None,
    stt: FrameProcessor | None = None,
    controller: InterruptionController | None | bool = True,
    snapshotter: StateSnapshotter | None | bool = True,
    user_turn_strategies: UserTurnStrategies | None = None,
    follow_service_recommendations: bool = True,
    user_params: LLMUserAggregatorParams | None = None,
    speaking_guard: bool = True,
    snapshot_taps: bool = True,
    before_user_aggregator: Sequence[FrameProcessor] = (),
    after_user_aggregator: Sequence[FrameProcessor] = (),
    before_tts: Sequence[FrameProcessor] = (),
    after_output: Sequence[FrameProcessor] = (),
    trace: InterruptionTracer | bool = True,
) -> InterruptionPipeline:
    """Place the plugin's processors around your own services.

    Args:
        context: The `LLMContext` shared with the aggregators.
        llm: Your LLM (or a route).
        tts: Your TTS.
        transport_output: Your transport's output.
        transport_input: Your transport's input (None when something else feeds the top).
        stt: Your STT (None when the transport input transcribes).
        controller: An `InterruptionController`, True for a default one, False/None for none.
        snapshotter: A `StateSnapshotter`, True for one sharing the controller's backchannel
            judge, False/None for none.
        user_turn_strategies: Your user-turn strategies (the adapter is put first; your
            own start strategies are consulted while the bot speaks too).
        follow_service_recommendations: Keep applying the strategies an STT or
            speech-to-speech service recommends (yours then only stand in until one
            does). False makes yours final, as Pipecat does when you pass strategies.
        user_params: Other user-aggregator parameters (their ``user_turn_strategies``, if
            set, is used as ``user_turn_strategies``).
        speaking_guard: Repair the bot's speaking signals after a late chunk: the
            snapshotter does it, or, with a controller and no snapshotter, a
            `BotSpeakingGuard` placed after the output.
        snapshot_taps: Let the snapshotter hear what the STT (else the transport input)
            and the LLM push: push hooks, or a `SnapshotTap` where there is nothing to
            hook (no STT or input given; a compound LLM). False: it observes the pipeline.
        before_user_aggregator: Your processors before the controller.
        after_user_aggregator: Your processors between the user aggregator and the LLM
            (a `FlushCoordinator` goes here).
        before_tts: Your processors between the LLM and the TTS.
        after_output: Your processors between the output and the assistant aggregator.
        trace: Put the controller's decisions, the snapshots and any `FlushCoordinator`'s
            flushes on Pipecat's turn traces when the worker traces (``enable_tracing``);
            an `InterruptionTracer` of yours, True for a default one, False for none.

    Returns:
        The placed processors and their parts.
    """
    if controller is True:
        controller = InterruptionController()
    controller = controller or None
    if snapshotter is True:
        snapshotter = _snapshotter_for(controller, context)
    snapshotter = snapshotter or None
    params = user_params or LLMUserAggregatorParams()
    strategies = user_turn_strategies or params.user_turn_strategies
    announced: UserTurnStrategies | None = None
    if controller is not None and follow_service_recommendations:
        # The aggregator is built with the announced strategies (the adapter first), then
        # its parameter unset again: it starts with them and still follows what a service
        # recommends. No recommendation travels at start, no strategies are swapped.
        announced = controller.announce_turn_strategies(strategies, recommend_at_start=False)
        params.user_turn_strategies = None
    elif controller is not None and strategies is not None and not has_adapter(strategies):
        params.user_turn_strategies = controlled_user_turn_strategies(
            controller, start=strategies.start, stop=strategies.stop
        )
    elif controller is not None and strategies is None:
        params.user_turn_strategies = controlled_user_turn_strategies(controller)
    else:
        params.user_turn_strategies = strategies
    if snapshotter is not None and snapshotter.recovers_false_interruptions:
        params.empty_user_turn = (
            None  # Pipecat must not ask the caller to repeat while the bot resumes
        )
    if snapshotter is not None and snapshotter.context is None:
        snapshotter.attach_context(context)
    if announced is not None:
        params.user_turn_strategies = announced
    pair = LLMContextAggregatorPair(context, user_params=params)
    if announced is not None and params.user_turn_strategies is announced:
        params.user_turn_strategies = None  # unset again: the aggregator follows recommendations
    user_aggregator, assistant_aggregator = pair.user(), pair.assistant()
    guard = _guard_speaking(controller, snapshotter, speaking_guard)
    top_tap, generation_tap = _listen(
        snapshotter, snapshot_taps, controller, stt or transport_input, llm
    )
    processors: list[FrameProcessor | None] = [
        transport_input,
        stt,
        top_tap,
        *before_user_aggregator,
        controller,
        user_aggregator,
        *after_user_aggregator,
        llm,
        generation_tap,
        *before_tts,
        tts,
        transport_output,
        guard,
        snapshotter,
        *after_output,
        assistant_aggregator,
    ]
    if trace:
        tracer = trace if isinstance(trace, InterruptionTracer) else InterruptionTracer()
        tracer.attach(controller=controller, snapshotter=snapshotter)
        for placed in (*before_user_aggregator, *after_user_aggregator, *before_tts, *after_output):
            if isinstance(placed, FlushCoordinator):
                tracer.attach(flush_coordinator=placed)
    return InterruptionPipeline(
        processors=[p for p in processors if p is not None],
        user_aggregator=user_aggregator,
        assistant_aggregator=assistant_aggregator,
        controller=controller,
        snapshotter=snapshotter,
        speaking_guard=guard,
        user_params=params,
    )


def flatten(processor: FrameProcessor) -> list[FrameProcessor]:
    """Every processor inside a (compound) processor, in order.

    Args:
        processor: A pipeline or any processor.

    Returns:
        The processors, depth first.
    """
    inner = processor.processors
    if not inner:
        return [processor]
    return [leaf for child in inner for leaf in flatten(child)]


def check_wiring(
    processors: Sequence[FrameProcessor], controller: InterruptionController
) -> list[str]:
    """What in this order defeats the plugin, each with its fix.

    Args:
        processors: The pipeline's processors, in order (`flatten`).
        controller: The controller checking.

    Returns:
        One sentence per problem (empty when the wiring is right).
    """
    position = {id(p): i for i, p in enumerate(processors)}
    at = position.get(id(controller))
    aggregators = [p for p in processors if isinstance(p, LLMUserAggregator)]
    problems: list[str] = []
    if at is None or not aggregators:
        return problems
    aggregator = aggregators[0]
    if position[id(aggregator)] < at:
        problems.append(
            f"{controller} is after {aggregator}: place it before the user aggregator (right after the STT), "
            "or use pipecat_interrupts.wiring.interruption_pipeline()"
        )
    announced = controller.announces_turn_strategies or any(
        isinstance(p, TurnStrategyAnnouncer)
        and p.controller is controller
        and position[id(p)] < position[id(aggregator)]
        for p in processors
    )
    params = getattr(aggregator, "_params", None)  # Pipecat keeps the aggregator's params private
    if not announced and not has_adapter(getattr(params, "user_turn_strategies", None)):
        problems.append(
            f"{aggregator} has no ControlledUserTurnStartStrategy: give it LLMUserAggregatorParams("
            "user_turn_strategies=controlled_user_turn_strategies(controller)), or use interruption_pipeline()"
        )
    outputs = [position[id(p)] for p in processors if isinstance(p, BaseOutputTransport)]
    for snapshotter in (p for p in processors if isinstance(p, StateSnapshotter)):
        if outputs and position[id(snapshotter)] < outputs[-1]:
            problems.append(
                f"{snapshotter} is before the output transport: place it right after transport.output()"
            )
        taps = [
            position[id(p)]
            for p in processors
            if isinstance(p, SnapshotTap) and getattr(p, "_snapshotter", None) is snapshotter
        ]
        taps += [position[id(p)] for p in snapshotter.sources.listened if id(p) in position]
        words_tapped = any(t < position[id(aggregator)] for t in taps)
        generation_tapped = any(t > position[id(aggregator)] for t in taps)
        if taps and not (words_tapped and generation_tapped):
            problems.append(
                f"{snapshotter} hears {'nothing before the user aggregator' if not words_tapped else 'nothing after it'}: "
                "snapshotter.listen_to(stt, llm), or place snapshotter.tap() right after the STT and "
                "right after the LLM (or neither: it then observes)"
            )
    return problems


def processors_after(
    processors: Sequence[FrameProcessor], owner: object, kind: type[_P]
) -> list[_P]:
    """The processors of a kind after ``owner``.

    The controller's user aggregators, a flush's output transports.

    Args:
        processors: The pipeline's processors, in order (`flatten`).
        owner: The processor asking (compared by identity).
        kind: The class wanted.

    Returns:
        Those after ``owner``, in order (none when ``owner`` is not among them).
    """
    at = next((i for i, p in enumerate(processors) if p is owner), None)
    if at is None:
        return []
    return [p for p in processors[at + 1 :] if isinstance(p, kind)]


def report_wiring(
    pipeline: FrameProcessor | Sequence[FrameProcessor], controller: InterruptionController
) -> list[str]:
    """Check the wiring and log one error naming every fix.

    Args:
        pipeline: The pipeline (or any compound processor) the controller runs in, or its
            processors already flattened.
        controller: The controller checking.

    Returns:
        The problems found.
    """
    processors = flatten(pipeline) if isinstance(pipeline, FrameProcessor) else pipeline
    problems = check_wiring(processors, controller)
    if problems:
        logger.error(
            f"{controller}: the pipeline's order defeats pipecat-interrupts: " + "; ".join(problems)
        )
    return problems
