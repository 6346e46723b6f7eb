#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Installing the controller's adapter the way services do: by recommendation.

Pipecat 1.14 lets a service recommend user-turn strategies on its `ServiceMetadataFrame`
(an STT with its own turn detection recommends `ExternalUserTurnStrategies`; a
speech-to-speech service its own). The user aggregator applies a recommendation only when
you passed no ``user_turn_strategies`` of your own, so handing it
`controlled_user_turn_strategies` would silence every service ("ignoring user turn
strategies recommended by `stt`").

`TurnStrategyAnnouncement` is the plain object that does it instead; the
`InterruptionController` (before the aggregator) carries one when
`InterruptionController.announce_turn_strategies` is called, which
`wiring.interruption_pipeline` does, leaving the aggregator's ``user_turn_strategies``
unset. At start the controller recommends the default strategies with the adapter first;
every recommendation from a service before it (an STT) reaches the aggregator wrapped
(`recommended_with_adapter`): the adapter first, then what the service asked for. A
recommendation from a service after the aggregator (a speech-to-speech LLM, travelling
upstream) is applied by the aggregator before it reaches the controller, so it is not
wrapped: not handled yet.

`TurnStrategyAnnouncer`, the 0.2 processor doing the same on its own, is kept for pipelines
that place it by hand; it costs a processor, so the wiring no longer places it.
"""

from typing import TYPE_CHECKING, Any

from pipecat.frames.frames import Frame, ServiceMetadataFrame, StartFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from pipecat_interrupts.turn_strategies import (
    controlled_user_turn_strategies,
    recommended_with_adapter,
)

if TYPE_CHECKING:
    from pipecat_interrupts.interruption_controller import InterruptionController


class TurnStrategyAnnouncement:
    """The recommendation a controller makes at start, and the wrapping of services' ones."""

    def __init__(
        self,
        controller: "InterruptionController",
        name: str,
        default: UserTurnStrategies | None = None,
    ):
        """Create the announcement.

        Args:
            controller: The controller whose adapter it installs.
            name: The service name the recommendation is made under.
            default: The strategies to use until a service recommends some (Pipecat's
                defaults if None); your own start strategies in it are consulted by the
                controller too.

        Raises:
            TypeError: If ``default`` is not `UserTurnStrategies`.
        """
        if default is not None and not isinstance(default, UserTurnStrategies):
            raise TypeError(f"default must be UserTurnStrategies, got {type(default).__name__}")
        self._controller = controller
        self._name = name
        self._default = controlled_user_turn_strategies(
            controller,
            start=default.start if default is not None else None,
            stop=default.stop if default is not None else None,
        )

    @property
    def default(self) -> UserTurnStrategies:
        """The strategies recommended at start (the adapter first)."""
        return self._default

    def at_start(self) -> ServiceMetadataFrame:
        """The recommendation to push after the `StartFrame`."""
        return ServiceMetadataFrame(service_name=self._name, user_turn_strategies=self._default)

    def wrap(self, frame: Frame, direction: FrameDirection) -> None:
        """Put the adapter first in a service's recommendation passing downstream.

        Args:
            frame: Any frame (only another service's `ServiceMetadataFrame` changes).
            direction: Its direction.
        """
        if (
            not isinstance(frame, ServiceMetadataFrame)
            or frame.user_turn_strategies is None
            or frame.service_name == self._name
        ):
            return
        # A recommendation from after the user aggregator (travelling upstream) was already
        # applied there, unwrapped: not handled yet (see the README's known limits).
        if direction == FrameDirection.DOWNSTREAM:
            frame.user_turn_strategies = recommended_with_adapter(
                self._controller, frame.user_turn_strategies
            )


class TurnStrategyAnnouncer(FrameProcessor):
    """A processor making a controller's announcement (0.2; the controller does it itself now)."""

    def __init__(
        self,
        controller: "InterruptionController",
        *,
        default: UserTurnStrategies | None = None,
        **kwargs: Any,
    ):
        """Create the announcer.

        Args:
            controller: The controller whose adapter it installs.
            default: The strategies to use until a service recommends some.
            **kwargs: `FrameProcessor` arguments.

        Raises:
            TypeError: If ``controller`` or ``default`` has the wrong type.
        """
        from pipecat_interrupts.interruption_controller import InterruptionController

        kwargs.setdefault("enable_direct_mode", True)
        super().__init__(**kwargs)
        if not isinstance(controller, InterruptionController):
            raise TypeError(
                f"controller must be an InterruptionController, got {type(controller).__name__}"
            )
        self._controller = controller
        self._announcement = TurnStrategyAnnouncement(controller, str(self), default)

    @property
    def controller(self) -> "InterruptionController":
        """The controller whose adapter this announcer installs."""
        return self._controller

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Recommend at start; wrap the recommendations that pass.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        self._announcement.wrap(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, StartFrame):
            await self.push_frame(self._announcement.at_start())
