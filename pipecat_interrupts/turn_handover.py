#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`TurnHandover`: the controller's side of Pipecat's user-turn system.

It installs the controller's adapter strategy by recommendation (`announce`, see
`turn_strategy_announcer`), warns once when an aggregator without the adapter cuts the bot
off (`note_interruption_from_below`), and hands a user turn's interruption to the user
aggregator, which broadcasts it, as in Pipecat.

In plain Pipecat the user aggregator starts the user turn and broadcasts the interruption
from its own task, in one step. If the controller broadcast it instead, the aggregator
would take in an `InterruptionFrame` it did not create: Pipecat then cancels and restarts
its processing task before passing it on, several trips through the event loop that
delay every processor after it (about 0.3 ms in `benchmarks/run.py`, section 6).

So a decision that starts a user turn is handed over, not broadcast:

1. the controller puts the decision on the last user frame it forwards with the decision
   (the voice activity or transcript it was taken on, or the last of a held turn's
   frames), under `TURN_DECISION`; the held frames released before it are marked held,
   so they are aggregated but start no turn of their own. It must be the last: the
   aggregator's own broadcast empties its queue, as any interruption does, and would
   drop user frames queued behind it;
2. the controller's adapter strategy, first in the aggregator's start strategies, reads
   it and starts the user turn with its interruption (`start_turn`): the aggregator
   broadcasts the `InterruptionFrame` itself, and this object, listening to what the
   aggregator pushes during that call only (Pipecat's ``on_before_push_frame``), puts the
   decision on both siblings, so every reader downstream still finds it (`decision_of`).

The controller broadcasts itself whenever the hand-over cannot work: no adapter is live
in an aggregator (its strategies were replaced), the decision starts no user turn (an
event), the last frame forwarded is not a user frame the strategies read, or the
aggregator had a user turn under way and broadcast nothing.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from loguru import logger
from pipecat.frames.frames import (
    Frame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    TranscriptionFrame,
    UserSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.turns.user_start import BaseUserTurnStartStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies

if TYPE_CHECKING:
    from pipecat_interrupts.interruption_controller import InterruptionController
    from pipecat_interrupts.turn_strategy_announcer import TurnStrategyAnnouncement

from pipecat_interrupts.event_handlers import listen
from pipecat_interrupts.frames import (
    DECISION,
    FLUSH_ID,
    HELD_BY_CONTROLLER,
    TURN_DECISION,
    InterruptionDecision,
    new_flush_id,
)

CARRIERS = (
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
    UserSpeakingFrame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
)
"""User frames the aggregator's start strategies read: a decision can ride on these."""


def turn_decision_of(frame: Frame) -> InterruptionDecision | None:
    """The decision a user frame carries to the aggregator, if any.

    Args:
        frame: Any frame.

    Returns:
        The decision, or None.
    """
    decision = frame.metadata.get(TURN_DECISION)
    return decision if isinstance(decision, InterruptionDecision) else None


class TurnHandover:
    """The controller's side of the user-turn system: announce, hand over (see the module)."""

    def __init__(
        self,
        name: str,
        broadcast: Callable[[InterruptionDecision], Awaitable[None]],
        *,
        stamp_flush_ids: bool = False,
    ) -> None:
        """Create the hand-over.

        Args:
            name: The controller's name, for logs.
            broadcast: The controller's own broadcast, for when the hand-over cannot work.
            stamp_flush_ids: Also put one new flush id (`FLUSH_ID`) on both siblings (the
                controller flushes for them).
        """
        self._name = name
        self._broadcast = broadcast
        self._stamp_flush_ids = stamp_flush_ids
        self._flush_id: str | None = None
        self._adapters: set[int] = set()
        self._releasing: InterruptionDecision | None = None
        self._claimed = False
        self._aggregators: list[FrameProcessor] = []
        self._announcement: TurnStrategyAnnouncement | None = None
        self._recommend_at_start = True
        self._warned_from_below = False

    def announce(
        self,
        controller: "InterruptionController",
        default: UserTurnStrategies | None,
        *,
        recommend_at_start: bool = True,
    ) -> UserTurnStrategies:
        """Recommend the adapter (at start, unless installed), and wrap what services recommend.

        Args:
            controller: The controller whose adapter it recommends.
            default: The strategies until a service recommends some (Pipecat's if None).
            recommend_at_start: Push the recommendation after the `StartFrame` (False: the
                aggregator was built with it).

        Returns:
            The strategies recommended (the adapter first).

        Raises:
            TypeError: If ``default`` is not `UserTurnStrategies`.
        """
        from pipecat_interrupts.turn_strategy_announcer import TurnStrategyAnnouncement

        self._announcement = TurnStrategyAnnouncement(controller, self._name, default)
        self._recommend_at_start = recommend_at_start
        return self._announcement.default

    @property
    def announcing(self) -> bool:
        """Whether the adapter is recommended at start."""
        return self._announcement is not None

    def recommendation(self) -> Frame | None:
        """The recommendation to push after the `StartFrame`, if announcing."""
        if self._announcement is None or not self._recommend_at_start:
            return None
        return self._announcement.at_start()

    def wrap(self, frame: Frame, direction: FrameDirection) -> None:
        """Put the adapter first in a service's recommendation passing (when announcing)."""
        if self._announcement is not None:
            self._announcement.wrap(frame, direction)

    def note_interruption_from_below(self, deciding_on_speech: bool) -> None:
        """An interruption came up from downstream; warn once if it is the aggregator's own.

        Args:
            deciding_on_speech: Whether the controller was still deciding on the user's
                speech (the signature of an aggregator without the adapter).
        """
        if self._warned_from_below or not deciding_on_speech:
            return
        self._warned_from_below = True
        logger.warning(
            f"{self._name}: the bot was interrupted from downstream while the controller was "
            f"still deciding on the user's speech; if the user aggregator did it, give it "
            f"LLMUserAggregatorParams(user_turn_strategies=controlled_user_turn_strategies(controller))"
        )

    @property
    def live(self) -> bool:
        """Whether an adapter strategy is set up in an aggregator (and one is listened to)."""
        return bool(self._adapters) and bool(self._aggregators)

    def adapter_started(self, adapter: BaseUserTurnStartStrategy) -> None:
        """An adapter strategy was set up in an aggregator."""
        self._adapters.add(id(adapter))

    def adapter_stopped(self, adapter: BaseUserTurnStartStrategy) -> None:
        """An adapter strategy was cleaned up (the aggregator's strategies were replaced)."""
        self._adapters.discard(id(adapter))

    def listen_to(self, aggregators: Sequence[FrameProcessor]) -> None:
        """The user aggregators after the controller, to listen to while one starts a turn.

        Args:
            aggregators: The user aggregators after the controller.
        """
        for aggregator in aggregators:
            if not any(a is aggregator for a in self._aggregators):
                self._aggregators.append(aggregator)

    def release(self) -> None:
        """Forget the aggregators (at cleanup: they may outlive this pipeline)."""
        self._listen(False)
        self._aggregators = []

    def _listen(self, on: bool) -> None:
        # Only while an aggregator starts a turn: its other pushes cost nothing.
        listen(self._aggregators, "on_before_push_frame", self._on_pushed, on=on)

    def offer(
        self,
        decision: InterruptionDecision,
        released: Sequence[Frame],
        trailing: Frame | None,
    ) -> bool:
        """Put a decision on the last user frame the controller forwards, if it can ride.

        Args:
            decision: The decision to interrupt.
            released: The held frames the controller forwards with it, in order.
            trailing: The frame it forwards right after them (the one decided on), if any.

        Returns:
            True when it is handed over; False when the controller must broadcast.
        """
        frames = [*released, trailing] if trailing is not None else list(released)
        if not decision.starts_user_turn or not self.live or not frames:
            return False
        carrier = frames[-1]
        if not isinstance(carrier, CARRIERS):
            return False
        for frame in frames[:-1]:
            frame.metadata[HELD_BY_CONTROLLER] = True  # aggregated, but starts no turn
        carrier.metadata[TURN_DECISION] = decision
        return True

    async def start_turn(
        self, adapter: BaseUserTurnStartStrategy, decision: InterruptionDecision
    ) -> None:
        """Have the aggregator start the user turn and broadcast its interruption.

        Called by the adapter strategy, in the aggregator's task. Pipecat's aggregator
        broadcasts in the same call, so the decision is put on both siblings before they
        leave it. If it broadcast nothing (a user turn was already under way), the
        controller broadcasts the decision itself.

        Args:
            adapter: The adapter strategy reading the carried decision.
            decision: The decision.
        """
        self._releasing, self._claimed = decision, False
        self._flush_id = new_flush_id() if self._stamp_flush_ids else None
        self._listen(True)
        try:
            await adapter.trigger_user_turn_started(enable_interruptions=True)
        finally:
            self._releasing = None
            self._listen(False)
        if not self._claimed:
            logger.debug(f"{self._name}: the aggregator broadcast no interruption; broadcasting it")
            await self._broadcast(decision)

    async def _on_pushed(self, aggregator: FrameProcessor, frame: Frame) -> None:
        if self._releasing is not None and isinstance(frame, InterruptionFrame):
            frame.metadata[DECISION] = self._releasing
            if self._flush_id is not None:
                frame.metadata[FLUSH_ID] = self._flush_id
            self._claimed = True
