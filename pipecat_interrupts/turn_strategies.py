#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Adapter between the `InterruptionController` and Pipecat 1.14's user-turn strategies.

A default-configured `LLMUserAggregator` starts a user turn, and broadcasts an
interruption, on the first `VADUserStartedSpeakingFrame` or transcript. That would cut
the bot off on every "mhm" before the controller could decide. Placed first in the
aggregator's start strategies, `ControlledUserTurnStartStrategy`:

- while the controller holds user turns (the bot speaks and nothing was decided),
  stops voice-activity, proposal and transcript frames from reaching the later start
  strategies;
- when the controller lets a user turn through, the decision rides on the user frame it
  was taken on (`turn_handover`): the adapter starts the turn with its interruption, so
  the aggregator broadcasts it from its own task, as plain Pipecat does; when the
  controller had to broadcast itself (its `InterruptionFrame` carries a decision with
  ``starts_user_turn``), it starts the turn without a second interruption;
- otherwise steps aside: with the bot silent, the other strategies work unchanged.

Two ways to install it:

- `controlled_user_turn_strategies` gives the aggregator strategies of your own, as
  ``user_turn_strategies=`` (Pipecat then ignores what an STT or speech-to-speech service
  recommends, as it does for any strategies you pass);
- `recommended_with_adapter` wraps what a service recommends; `TurnStrategyAnnouncer`
  (placed by `wiring.interruption_pipeline`) uses it so service recommendations keep
  working.

Start strategies of yours other than Pipecat's defaults (`MinWordsUserTurnStartStrategy`
...) are also consulted by the controller while the bot speaks
(`InterruptionController.consult_start_strategy`).
"""

from collections.abc import Sequence
from typing import Any

from pipecat.frames.frames import (
    Frame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    ProposedUserStartedSpeakingFrame,
    TranscriptionFrame,
    UserSpeakingFrame,
    VADUserStartedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameProcessorSetup
from pipecat.turns.types import ProcessFrameResult
from pipecat.turns.user_start import (
    BaseUserTurnStartStrategy,
    ExternalUserTurnStartStrategy,
    TranscriptionUserTurnStartStrategy,
    VADUserTurnStartStrategy,
)
from pipecat.turns.user_stop import BaseUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import (
    UserTurnStrategies,
    default_user_turn_start_strategies,
)

from pipecat_interrupts.frames import HELD_BY_CONTROLLER, decision_of
from pipecat_interrupts.interruption_controller import InterruptionController
from pipecat_interrupts.turn_handover import turn_decision_of

_HELD_FRAMES = (
    VADUserStartedSpeakingFrame,
    ProposedUserStartedSpeakingFrame,
    UserSpeakingFrame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
)
_PIPECAT_BASIC_STARTS = (
    VADUserTurnStartStrategy,
    TranscriptionUserTurnStartStrategy,
    ExternalUserTurnStartStrategy,
)


class ControlledUserTurnStartStrategy(BaseUserTurnStartStrategy):  # type: ignore[no-untyped-call]
    """Defers the user aggregator's turn starts to an `InterruptionController`."""

    def __init__(self, controller: InterruptionController, **kwargs: Any):
        """Initialize the strategy.

        Args:
            controller: The controller placed before the user aggregator.
            **kwargs: `BaseUserTurnStartStrategy` arguments.

        Raises:
            TypeError: If ``controller`` is not an `InterruptionController`.
        """
        if not isinstance(controller, InterruptionController):
            raise TypeError(
                f"controller must be an InterruptionController, got {type(controller).__name__}"
            )
        super().__init__(**kwargs)
        self._controller = controller

    @property
    def controller(self) -> InterruptionController:
        """The controller this strategy defers to."""
        return self._controller

    async def setup(self, setup: FrameProcessorSetup) -> None:  # type: ignore[override]  # Pipecat's strategies take a processor setup
        """Set up; the controller hands its user-turn decisions over while this is live.

        Args:
            setup: Pipecat's processor setup.
        """
        await super().setup(setup)
        self._controller.handover.adapter_started(self)

    async def cleanup(self) -> None:
        """Clean up (the aggregator's strategies were replaced, or it ended)."""
        await super().cleanup()  # type: ignore[no-untyped-call]  # Pipecat's, untyped
        self._controller.handover.adapter_stopped(self)

    async def process_frame(self, frame: Frame) -> ProcessFrameResult:
        """Start, hold or ignore, as described in the module docs.

        Args:
            frame: A frame the user aggregator processes.

        Returns:
            STOP to keep later start strategies from seeing the frame, else CONTINUE.
        """
        handed_over = turn_decision_of(frame)
        if handed_over is not None:
            # The controller decided on this frame: start the turn, and with it the
            # interruption, from the aggregator's own task (`turn_handover`).
            await self._controller.handover.start_turn(self, handed_over)
            return ProcessFrameResult.STOP
        if isinstance(frame, InterruptionFrame):
            decision = decision_of(frame)
            if decision is not None and decision.starts_user_turn:
                await self.trigger_user_turn_started(enable_interruptions=False)
            return ProcessFrameResult.CONTINUE
        if isinstance(frame, _HELD_FRAMES) and (
            frame.metadata.get(HELD_BY_CONTROLLER) or self._controller.holds_user_turns
        ):
            # Marked frames were held when the controller forwarded them; frames made
            # inside the aggregator (its own VAD) are judged by the controller's state now.
            return ProcessFrameResult.STOP
        return ProcessFrameResult.CONTINUE


def _consult_own_starts(
    controller: InterruptionController, starts: Sequence[BaseUserTurnStartStrategy]
) -> None:
    for strategy in starts:
        if not isinstance(strategy, (*_PIPECAT_BASIC_STARTS, ControlledUserTurnStartStrategy)):
            controller.consult_start_strategy(strategy)


def controlled_user_turn_strategies(
    controller: InterruptionController,
    *,
    start: Sequence[BaseUserTurnStartStrategy] | None = None,
    stop: Sequence[BaseUserTurnStopStrategy] | None = None,
) -> UserTurnStrategies:
    """Pipecat's user-turn strategies with the controller's adapter placed first.

    Start strategies of yours beyond Pipecat's basic ones (VAD, transcription, external),
    such as `MinWordsUserTurnStartStrategy`, are also given to the controller
    (`InterruptionController.consult_start_strategy`): they decide while the bot speaks too.

    Args:
        controller: The `InterruptionController` before the user aggregator.
        start: The start strategies to follow the adapter; Pipecat's defaults if None.
        stop: The stop strategies; Pipecat's defaults if None.

    Returns:
        Strategies for ``LLMUserAggregatorParams(user_turn_strategies=...)``.
    """
    starts = list(start) if start is not None else default_user_turn_start_strategies()
    _consult_own_starts(controller, starts)
    return UserTurnStrategies(
        start=[ControlledUserTurnStartStrategy(controller), *starts],
        stop=list(stop) if stop is not None else None,
    )


def has_adapter(strategies: UserTurnStrategies | None) -> bool:
    """Whether strategies start with a `ControlledUserTurnStartStrategy`.

    Args:
        strategies: Strategies (None for Pipecat's defaults).

    Returns:
        True when the adapter comes first.
    """
    starts = strategies.start if strategies is not None else None
    return (
        starts is not None
        and bool(starts)
        and isinstance(starts[0], ControlledUserTurnStartStrategy)
    )


def recommended_with_adapter(
    controller: InterruptionController, recommended: UserTurnStrategies
) -> UserTurnStrategies:
    """What a service recommends, with the controller's adapter placed first.

    Args:
        controller: The controller.
        recommended: The service's strategies (left unchanged).

    Returns:
        New strategies: the adapter, then the recommended starts; the recommended stops.
    """
    if has_adapter(recommended):
        return recommended
    starts = list(recommended.start or [])
    return UserTurnStrategies(
        start=[ControlledUserTurnStartStrategy(controller), *starts],
        stop=list(recommended.stop or []) or None,
    )
