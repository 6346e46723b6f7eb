#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`TurnStrategyAnnouncer`: installs the controller's adapter the way services do.

Pipecat 1.14 lets a service recommend user-turn strategies on its `ServiceMetadataFrame`
(an STT with its own turn detection recommends `ExternalUserTurnStrategies`; a
speech-to-speech service its own). The user aggregator applies a recommendation only when
you passed no ``user_turn_strategies`` of your own, so handing it
`controlled_user_turn_strategies` would silence every service ("ignoring user turn
strategies recommended by `stt`").

The announcer is placed between the STT and the user aggregator (next to the controller)
and leaves the aggregator's ``user_turn_strategies`` unset. At start it recommends, itself,
the default strategies with the adapter first; every recommendation from a service before
it (an STT) reaches the aggregator wrapped (`recommended_with_adapter`): the adapter first,
then what the service asked for. A recommendation from a service after the aggregator (a
speech-to-speech LLM, travelling upstream) is applied by the aggregator before it reaches
the announcer, so it is not wrapped: not handled yet.
"""

from typing import Any

from pipecat.frames.frames import Frame, ServiceMetadataFrame, StartFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from pipecat_interrupts.interruption_controller import InterruptionController
from pipecat_interrupts.turn_strategies import (
    controlled_user_turn_strategies,
    recommended_with_adapter,
)


class TurnStrategyAnnouncer(FrameProcessor):
    """Recommends the controller's adapter to the user aggregator, wrapping services' picks."""

    def __init__(
        self,
        controller: InterruptionController,
        *,
        default: UserTurnStrategies | None = None,
        **kwargs: Any,
    ):
        """Create the announcer.

        Args:
            controller: The controller whose adapter it installs.
            default: The strategies to use until a service recommends some (Pipecat's
                defaults if None); your own start strategies in it are consulted by the
                controller too.
            **kwargs: `FrameProcessor` arguments.

        Raises:
            TypeError: If ``controller`` or ``default`` has the wrong type.
        """
        kwargs.setdefault("enable_direct_mode", True)
        super().__init__(**kwargs)
        if not isinstance(controller, InterruptionController):
            raise TypeError(
                f"controller must be an InterruptionController, got {type(controller).__name__}"
            )
        if default is not None and not isinstance(default, UserTurnStrategies):
            raise TypeError(f"default must be UserTurnStrategies, got {type(default).__name__}")
        self._controller = controller
        self._default = controlled_user_turn_strategies(
            controller,
            start=default.start if default is not None else None,
            stop=default.stop if default is not None else None,
        )

    @property
    def controller(self) -> InterruptionController:
        """The controller whose adapter this announcer installs."""
        return self._controller

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Recommend at start; wrap the recommendations that pass.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame):
            await self.push_frame(frame, direction)
            await self.push_frame(
                ServiceMetadataFrame(service_name=str(self), user_turn_strategies=self._default)
            )
            return
        if (
            not isinstance(frame, ServiceMetadataFrame)
            or frame.user_turn_strategies is None
            or frame.service_name == str(self)
        ):
            await self.push_frame(frame, direction)
            return
        recommended = frame.user_turn_strategies
        if direction == FrameDirection.DOWNSTREAM:
            frame.user_turn_strategies = recommended_with_adapter(self._controller, recommended)
        # A recommendation from after the user aggregator (travelling upstream) was already
        # applied there, unwrapped: not handled yet (see the README's known limits).
        await self.push_frame(frame, direction)
