#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`DecisionDelivery`: carries out the arbiter's decisions from the controller's place.

An interruption is handed over to the user aggregator (`TurnHandover`) or broadcast, its
flush started (`FlushRunner`), the held frames forwarded; a backchannel becomes a
`UserBackchannelFrame`; each outcome is told to the controller's event handlers. The
controller (its *host*) pushes the frames and dispatches the events.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from loguru import logger
from pipecat.frames.frames import Frame, InterruptionFrame, UserBackchannelFrame
from pipecat.processors.frame_processor import FrameDirection
from pipecat.utils.time import time_now_iso8601

from pipecat_interrupts.arbitration import (
    ArbiterDecision,
    Backchannel,
    Dropped,
    Interrupt,
    ReleaseHeldTurn,
    Suppressed,
)
from pipecat_interrupts.flush_runner import FlushRunner
from pipecat_interrupts.frames import (
    DECISION,
    FLUSH_ID,
    InterruptionDecision,
    decision_of,
    new_flush_id,
)
from pipecat_interrupts.turn_handover import TurnHandover


@dataclass(frozen=True)
class HeldFrame:
    """A frame the controller holds for the arbiter, with its direction."""

    frame: Frame
    direction: FrameDirection


class DeliveryHost(Protocol):
    """The processor that delivers (the `InterruptionController`)."""

    async def push_frame(self, frame: Frame, direction: FrameDirection = ...) -> None:
        """Push a frame from the controller's place."""
        ...

    async def stop_all_metrics(self) -> None:
        """Stop the processor's metrics (Pipecat's, before an interruption)."""
        ...


class DecisionDelivery:
    """Hands over or broadcasts interruptions, flushes for them, forwards held frames."""

    __slots__ = ("_emit", "_flush", "_host", "_name", "handover")

    def __init__(
        self,
        host: DeliveryHost,
        name: str,
        emit: Callable[..., Awaitable[None]],
        flush: FlushRunner | None,
    ) -> None:
        """Create the delivery.

        Args:
            host: The controller.
            name: Its name, for logs.
            emit: Its event dispatch (``_call_event_handler``).
            flush: Its flush, if it runs one.
        """
        self._host = host
        self._name = name
        self._emit = emit
        self._flush = flush
        self.handover = TurnHandover(name, self.broadcast, stamp_flush_ids=flush is not None)
        """Hands user-turn decisions to the user aggregator, which broadcasts them."""

    async def act(
        self, decisions: Sequence[ArbiterDecision], *, trailing: HeldFrame | None = None
    ) -> None:
        """Carry out decisions.

        Args:
            decisions: The arbiter's decisions, in order.
            trailing: The frame the controller forwards right after them, if any.
        """
        for decision in decisions:
            if isinstance(decision, (Interrupt, ReleaseHeldTurn)):
                # A user turn's interruption rides on the last user frame forwarded to
                # the user aggregator, which broadcasts it (`turn_handover`); else, here.
                if not self._hand_over(decision.decision, decision.released, trailing):
                    await self.broadcast(decision.decision)
                if isinstance(decision, Interrupt):
                    await self._emit("on_interruption", decision.decision)
                if decision.released:
                    await self.forward(decision.released)
            elif isinstance(decision, Backchannel):
                frame = UserBackchannelFrame(
                    text=decision.text, user_id=decision.user_id, timestamp=time_now_iso8601()
                )
                await self._host.push_frame(frame, FrameDirection.DOWNSTREAM)
                await self._emit("on_backchannel", decision.text)
            elif isinstance(decision, Suppressed):
                await self._emit(
                    "on_interruption_suppressed", decision.detection, decision.condition_name
                )
            elif isinstance(decision, Dropped):
                logger.debug(f"{self._name}: pending {decision.text!r} dropped: {decision.why}")

    async def interrupt_on(self, frame: Frame, decision: InterruptionDecision) -> None:
        """Carry out a decision taken on ``frame`` going down, and forward the frame.

        The arbiter's decision on a voice start (`InterruptionArbiter.decide_voice_start`):
        handed over on the frame itself (or broadcast), the frame forwarded, then the
        handlers told, as `act` does for an `Interrupt` with nothing held.

        Args:
            frame: The frame decided on (a voice start).
            decision: The decision.
        """
        if not self.handover.offer(decision, (), frame):
            await self.broadcast(decision)
        await self._host.push_frame(frame, FrameDirection.DOWNSTREAM)
        await self._emit("on_interruption", decision)

    async def broadcast(self, decision: InterruptionDecision) -> None:
        """Pipecat's ``broadcast_interruption()``, with the decision on both siblings.

        Args:
            decision: The decision.
        """
        host = self._host
        await host.stop_all_metrics()
        downstream, upstream = InterruptionFrame(), InterruptionFrame()
        downstream.broadcast_sibling_id, upstream.broadcast_sibling_id = upstream.id, downstream.id
        downstream.metadata[DECISION] = upstream.metadata[DECISION] = decision
        if self._flush is not None:
            downstream.metadata[FLUSH_ID] = upstream.metadata[FLUSH_ID] = new_flush_id()
        await host.push_frame(downstream, FrameDirection.DOWNSTREAM)
        await host.push_frame(upstream, FrameDirection.UPSTREAM)
        self.flush_for(downstream, FrameDirection.DOWNSTREAM)

    def stamp_flush_id(self, frame: InterruptionFrame) -> None:
        """Give an interruption from elsewhere a flush id before it goes down (snapshots)."""
        if self._flush is not None:
            frame.metadata.setdefault(FLUSH_ID, new_flush_id())

    def flush_for(self, frame: InterruptionFrame, direction: FrameDirection) -> None:
        """An interruption has just passed (or left) the controller: flush for it.

        Args:
            frame: The interruption.
            direction: Its direction.
        """
        if self._flush is None:
            return
        decision = decision_of(frame)
        flush_id: Any = frame.metadata.get(FLUSH_ID)
        self._flush.interrupted(
            frame,
            direction,
            flush_id=flush_id if isinstance(flush_id, str) else None,
            reason=decision.reason if decision is not None else None,
        )

    async def forward(self, held: Sequence[object]) -> None:
        """Push the held frames on, in order.

        Args:
            held: The items released (`HeldFrame`s; anything else is skipped).
        """
        for item in held:
            if isinstance(item, HeldFrame):
                await self._host.push_frame(item.frame, item.direction)

    def _hand_over(
        self, decision: InterruptionDecision, released: Sequence[object], trailing: HeldFrame | None
    ) -> bool:
        forwarded = [i for i in released if isinstance(i, HeldFrame)] if released else []
        if trailing is not None:
            forwarded.append(trailing)
        if not forwarded or forwarded[-1].direction != FrameDirection.DOWNSTREAM:
            # Nothing goes down to the aggregator last: a decision taken on voice activity
            # the aggregator's own VAD reported upstream is broadcast here.
            return False
        last = forwarded.pop()
        before = (
            [i.frame for i in forwarded if i.direction == FrameDirection.DOWNSTREAM]
            if forwarded
            else []
        )
        return self.handover.offer(decision, before, last.frame)
