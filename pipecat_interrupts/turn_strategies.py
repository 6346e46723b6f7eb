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
  stops voice-activity and transcript frames from reaching the later start strategies;
- when the controller lets a user turn through (its `InterruptionFrame` carries an
  `InterruptionDecision` with ``starts_user_turn``), starts the turn without a second
  interruption (the controller has already broadcast it);
- otherwise steps aside: with the bot silent, Pipecat's defaults work unchanged.
"""

from collections.abc import Sequence

from pipecat.frames.frames import (
    Frame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    TranscriptionFrame,
    UserSpeakingFrame,
    VADUserStartedSpeakingFrame,
)
from pipecat.turns.types import ProcessFrameResult
from pipecat.turns.user_start import BaseUserTurnStartStrategy
from pipecat.turns.user_stop import BaseUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import (
    UserTurnStrategies,
    default_user_turn_start_strategies,
)

from pipecat_interrupts.frames import HELD_BY_CONTROLLER, decision_of
from pipecat_interrupts.interruption_controller import InterruptionController

_HELD_FRAMES = (VADUserStartedSpeakingFrame, UserSpeakingFrame, InterimTranscriptionFrame, TranscriptionFrame)


class ControlledUserTurnStartStrategy(BaseUserTurnStartStrategy):
    """Defers the user aggregator's turn starts to an `InterruptionController`."""

    def __init__(self, controller: InterruptionController, **kwargs):
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

    async def process_frame(self, frame: Frame) -> ProcessFrameResult:
        """Start, hold or ignore, as described in the module docs.

        Args:
            frame: A frame the user aggregator processes.

        Returns:
            STOP to keep later start strategies from seeing the frame, else CONTINUE.
        """
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


def controlled_user_turn_strategies(
    controller: InterruptionController,
    *,
    start: Sequence[BaseUserTurnStartStrategy] | None = None,
    stop: Sequence[BaseUserTurnStopStrategy] | None = None,
) -> UserTurnStrategies:
    """Pipecat's user-turn strategies with the controller's adapter placed first.

    Args:
        controller: The `InterruptionController` before the user aggregator.
        start: The start strategies to follow the adapter; Pipecat's defaults if None.
        stop: The stop strategies; Pipecat's defaults if None.

    Returns:
        Strategies for ``LLMUserAggregatorParams(user_turn_strategies=...)``.
    """
    starts = list(start) if start is not None else default_user_turn_start_strategies()
    return UserTurnStrategies(
        start=[ControlledUserTurnStartStrategy(controller), *starts],
        stop=list(stop) if stop is not None else None,
    )
