#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`ArbiterFeed`: the user-side frames the controller reads, fed to its arbiter.

Each frame becomes the arbiter call it stands for (the bot started or stopped speaking,
voice activity, a transcript, an event, the user muted...), decided before or after the
frame is forwarded as the hand-over needs, and the decisions are carried out
(`DecisionDelivery`). One lock serializes the arbiter between the frames (from two
tasks: the input's, and the user aggregator's going up) and the re-check timer.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    TranscriptionFrame,
    UserMuteStartedFrame,
    UserMuteStoppedFrame,
    UserSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection

from pipecat_interrupts.arbitration import Backchannel, EventTrigger, Hold, InterruptionArbiter
from pipecat_interrupts.decision_delivery import DecisionDelivery, DeliveryHost, HeldFrame
from pipecat_interrupts.flush_runner import reason_for
from pipecat_interrupts.frames import HANDLED_BY_CONTROLLER, HELD_BY_CONTROLLER

FED_FRAMES = (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    UserMuteStartedFrame,
    UserMuteStoppedFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
    UserSpeakingFrame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
    InterruptionFrame,
)
"""The frames `ArbiterFeed.feed` reads, besides its event types (the others only pass)."""


class ArbiterFeed:
    """Feeds frames to the arbiter under one lock, carries out its decisions (see the module)."""

    __slots__ = (
        "_arbiter",
        "_bypass_types",
        "_clock",
        "_delivery",
        "_evaluator",
        "_event_types",
        "_host",
        "_lock",
        "_cancel",
        "_recheck_task",
        "_spawn",
    )

    def __init__(
        self,
        arbiter: InterruptionArbiter,
        delivery: DecisionDelivery,
        host: DeliveryHost,
        *,
        event_types: tuple[type[Frame], ...],
        bypass_types: tuple[type[Frame], ...],
        clock: Callable[[], float],
        spawn: Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"],
        cancel: Callable[["asyncio.Task[None]"], Awaitable[None]],
    ) -> None:
        """Create the feed.

        Args:
            arbiter: The arbiter.
            delivery: Carries out its decisions.
            host: The controller (it pushes the frames).
            event_types: Event frame classes that interrupt on their own.
            bypass_types: Those that skip every condition.
            clock: The arbiter's clock.
            spawn: Starts the re-check task in the pipeline's task manager.
            cancel: Cancels it there (under the task manager's deadline).
        """
        self._arbiter = arbiter
        self._evaluator = arbiter.evaluator
        self._delivery = delivery
        self._host = host
        self._event_types = event_types
        self._bypass_types = bypass_types
        self._clock = clock
        self._spawn = spawn
        self._cancel = cancel
        self._lock = asyncio.Lock()
        self._recheck_task: asyncio.Task[None] | None = None

    async def feed(self, frame: Frame, direction: FrameDirection) -> None:
        """Feed one frame (it is forwarded here too, or held), then re-check if pending.

        Args:
            frame: The frame.
            direction: Its direction.
        """
        async with self._lock:
            hooked = self._evaluator.hook_frames
            if hooked is None or frame in hooked:
                await self._evaluator.observe_frame(frame, direction)
            await self._dispatch(frame, direction)
        if self._arbiter.pending is not None:
            self._ensure_recheck()

    async def stop(self) -> int:
        """Stop the re-check task and drop the pending attempt (the pipeline ends).

        Returns:
            How many held frames were dropped.
        """
        task, self._recheck_task = self._recheck_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            await self._cancel(task)
        return self._arbiter.close()

    async def _dispatch(self, frame: Frame, direction: FrameDirection) -> None:
        arbiter, act, push = self._arbiter, self._delivery.act, self._host.push_frame
        if isinstance(frame, BotStartedSpeakingFrame):
            await push(frame, direction)
            await arbiter.bot_started()
        elif isinstance(frame, BotStoppedSpeakingFrame):
            await push(frame, direction)
            await act(await arbiter.bot_stopped())
        elif isinstance(frame, (UserMuteStartedFrame, UserMuteStoppedFrame)):
            await act(
                arbiter.set_muted(isinstance(frame, UserMuteStartedFrame)),
                trailing=HeldFrame(frame, direction),
            )
            await push(frame, direction)
        elif isinstance(frame, UserStoppedSpeakingFrame):
            arbiter.user_turn_stopped()
            await push(frame, direction)
        elif isinstance(frame, self._event_types):
            frame.metadata[HANDLED_BY_CONTROLLER] = True
            trigger = EventTrigger(frame, reason_for(frame), isinstance(frame, self._bypass_types))
            await act(await arbiter.event(trigger, HeldFrame(frame, direction)))
        elif isinstance(
            frame, (VADUserStartedSpeakingFrame, VADUserStoppedSpeakingFrame, UserSpeakingFrame)
        ):
            # Decide before forwarding: a decision taken on this very frame must reach
            # the user aggregator ahead of it.
            if isinstance(frame, VADUserStartedSpeakingFrame):
                decisions = await arbiter.voice_started(frame.start_secs)
            elif isinstance(frame, VADUserStoppedSpeakingFrame):
                decisions = await arbiter.voice_stopped()
            else:
                decisions = await arbiter.voice_continues()
            await act(decisions, trailing=HeldFrame(frame, direction))
            if arbiter.holds_user_turns:
                frame.metadata[HELD_BY_CONTROLLER] = True
            await push(frame, direction)
        elif isinstance(frame, (InterimTranscriptionFrame, TranscriptionFrame)):
            item = HeldFrame(frame, direction)
            decisions = await arbiter.transcript(
                frame.text if isinstance(frame.text, str) else str(frame.text or ""),
                final=isinstance(frame, TranscriptionFrame),
                item=item,
                language=str(frame.language) if frame.language else None,
                user_id=frame.user_id or "",
            )
            forwarded = not any(isinstance(d, (Hold, Backchannel)) for d in decisions)
            await act(decisions, trailing=HeldFrame(frame, direction) if forwarded else None)
            if forwarded:
                await push(frame, direction)
        else:
            await self._pass(frame, direction)

    async def _pass(self, frame: Frame, direction: FrameDirection) -> None:
        arbiter, delivery = self._arbiter, self._delivery
        if isinstance(frame, InterruptionFrame):
            if direction == FrameDirection.UPSTREAM:
                pending = arbiter.pending
                delivery.handover.note_interruption_from_below(
                    pending is not None and pending.trigger is None
                )
            delivery.stamp_flush_id(frame)  # for the snapshots below
            await self._host.push_frame(frame, direction)
            delivery.flush_for(frame, direction)
        else:
            await self._host.push_frame(frame, direction)
        if arbiter.pending is not None:
            await delivery.act(await arbiter.recheck())

    def _ensure_recheck(self) -> None:
        if self._recheck_task is None or self._recheck_task.done():
            self._recheck_task = self._spawn(self._recheck_loop())

    async def _recheck_loop(self) -> None:
        while (at := self._arbiter.next_recheck_at) is not None:
            await asyncio.sleep(max(0.0, at - self._clock()))
            async with self._lock:
                await self._delivery.act(await self._arbiter.recheck())
