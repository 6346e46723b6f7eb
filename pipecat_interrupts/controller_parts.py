#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`ControllerParts`: the plain objects an `InterruptionController` is made of, wired.

The controller only routes frames. What it routes them to is built here from its
arguments (checked): the `InterruptionArbiter` with its `ConditionChecker` and
`UserCodeRunner`, the uninterruptible segments, the backchannel judge, the optional
`FlushRunner`, the `DecisionDelivery` (with its `TurnHandover`) and the `ArbiterFeed`.
The parts also follow the pipeline's life: at its start they find the user aggregators
and the flush's ends in the worker's processors (`start`), at its end they stop the
re-check, the flush and the user code (`stop`), and at cleanup they stop listening
(`release`).
"""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from loguru import logger
from pipecat.frames.frames import Frame
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregator
from pipecat.processors.frame_processor import FrameDirection
from pipecat.transports.base_output import BaseOutputTransport

from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.arbiter_feed import ArbiterFeed
from pipecat_interrupts.arbitration import InterruptionArbiter
from pipecat_interrupts.arbitration.evaluation import judge_for, require_conditions
from pipecat_interrupts.conditions import (
    ConditionChecker,
    InterruptionCondition,
    InterruptionsEnabled,
    UninterruptibleSegments,
)
from pipecat_interrupts.decision_delivery import DecisionDelivery
from pipecat_interrupts.detectors import BaseInterruptionDetector, default_detectors
from pipecat_interrupts.detectors.base import BackchannelJudge
from pipecat_interrupts.flush_runner import FLUSH_EVENTS, Emit, FlushRunner, FlushSettings
from pipecat_interrupts.output_arrival import OutputArrival
from pipecat_interrupts.validation import require_frame_types

if TYPE_CHECKING:
    from pipecat_interrupts.interruption_controller import InterruptionController

CONTROLLER_EVENTS = ("on_interruption", "on_interruption_suppressed", "on_backchannel")
"""The events every controller registers (with a flush, `FLUSH_EVENTS` too)."""


class ControllerParts:
    """An `InterruptionController`'s arbiter, delivery, feed and flush, and their lifecycle."""

    __slots__ = (
        "_controller",
        "_name",
        "arbiter",
        "arrival",
        "delivery",
        "event_types",
        "events",
        "feed",
        "flush",
        "judge",
        "runner",
        "segments",
    )

    def __init__(
        self,
        controller: "InterruptionController",
        emit: Emit,
        *,
        detectors: Sequence[BaseInterruptionDetector] | None,
        conditions: Sequence[InterruptionCondition | Callable[..., Any]],
        interrupt_event_types: Sequence[type[Frame]],
        bypass_event_types: Sequence[type[Frame]],
        condition_timeout_secs: float,
        allow_on_condition_error: bool,
        hold_timeout_secs: float,
        recheck_secs: float,
        backchannel_judge: BackchannelJudge | None,
        clock: Callable[[], float],
        flush: FlushSettings | bool,
    ) -> None:
        """Check the controller's arguments and build its parts.

        Args:
            controller: The controller (it pushes the frames and runs the tasks).
            emit: Its event dispatch (``_call_event_handler``).
            detectors: Detectors in priority order; `default_detectors()` if None.
            conditions: The user's conditions, after the built-in ones.
            interrupt_event_types: Frame classes that interrupt the bot on their own.
            bypass_event_types: Event classes that skip every condition.
            condition_timeout_secs: Deadline of each condition.
            allow_on_condition_error: The answer when a condition raises or overruns.
            hold_timeout_secs: How long a held-back attempt survives the user's silence.
            recheck_secs: How often a pending attempt is re-checked.
            backchannel_judge: The judge; the detectors' (or a default) if None.
            clock: Monotonic clock in seconds.
            flush: `FlushSettings`, True for the default ones, False for no flush.

        Raises:
            TypeError: If a detector, condition, event type, the judge, ``clock`` or
                ``flush`` has the wrong type.
            ValueError: If a duration is not finite and positive.
        """
        name = str(controller)
        detectors = default_detectors() if detectors is None else detectors
        backchannel_judge = judge_for(detectors, backchannel_judge)
        if not callable(clock):
            raise TypeError("clock must be callable")
        if not isinstance(flush, (bool, FlushSettings)):
            raise TypeError(f"flush must be a FlushSettings or a bool, got {flush!r}")
        settings = FlushSettings() if flush is True else flush or None
        self._controller = controller
        self._name = name
        self.judge: BackchannelJudge = backchannel_judge
        """The backchannel judge (the arbiter's; shared with the snapshotter)."""
        self.segments = UninterruptibleSegments()
        """The built-in condition that protects the bot's current speech."""
        self.event_types = require_frame_types("interrupt_event_types", interrupt_event_types)
        """The frame classes that interrupt on their own."""
        bypass_types = require_frame_types("bypass_event_types", bypass_event_types)
        self.runner = UserCodeRunner(name, clock=clock)
        """Runs the user's conditions and hooks under their deadlines."""
        checker = ConditionChecker(
            self.runner, timeout_secs=condition_timeout_secs, on_error=allow_on_condition_error
        )
        self.arbiter = InterruptionArbiter(
            detectors=detectors,
            conditions=[InterruptionsEnabled(), self.segments, *require_conditions(conditions)],
            checker=checker,
            judge=backchannel_judge,
            hold_timeout_secs=hold_timeout_secs,
            recheck_secs=recheck_secs,
            clock=clock,
            runner=self.runner,
            name=name,
        )
        """The plain object that decides."""
        self.arrival = OutputArrival()
        """Tells when a frame reaches the output transports after the controller (shared
        by the upstream relay and the flush)."""
        # Near the pipeline's top, it reports a flush upstream (observers see it all the same).
        self.flush = (
            FlushRunner(
                controller,
                settings,
                emit,
                report_direction=FrameDirection.UPSTREAM,
                arrival=self.arrival,
            )
            if settings
            else None
        )
        """Runs the flushes, if the controller flushes."""
        self.delivery = DecisionDelivery(controller, name, emit, self.flush)
        """Carries out the arbiter's decisions (its `handover` included)."""
        self.feed = ArbiterFeed(
            self.arbiter,
            self.delivery,
            controller,
            event_types=self.event_types,
            bypass_types=bypass_types,
            clock=clock,
            spawn=lambda coroutine: controller.create_task(coroutine, name="recheck"),
            cancel=controller.cancel_task,
        )
        """Feeds the frames the controller reads to the arbiter."""
        self.events = (*CONTROLLER_EVENTS, *FLUSH_EVENTS) if self.flush else CONTROLLER_EVENTS
        """The events the controller registers."""

    def __str__(self) -> str:
        return self._name

    async def start(self) -> None:
        """At the pipeline's start (its `StartFrame` forwarded): hook up to the pipeline.

        Pushes the turn strategies' recommendation (if announcing), then reads the
        pipeline worker's processors once: checks the wiring, listens to the user
        aggregators after the controller, and shows the flush the pipeline's ends.
        """
        controller, handover = self._controller, self.delivery.handover
        if (recommendation := handover.recommendation()) is not None:
            await controller.push_frame(recommendation)
        setup = controller.processor_setup
        worker = setup.pipeline_worker if setup else None
        if worker is not None:
            # wiring imports the controller's module
            from pipecat_interrupts.wiring import flatten, processors_after, report_wiring

            processors = flatten(worker.pipeline)  # once, for the check and the hand-over
            report_wiring(processors, controller)
            handover.listen_to(processors_after(processors, controller, LLMUserAggregator))
            if self.flush is not None:
                self.flush.hook(worker, processors)  # it watches the outputs
            else:
                self.arrival.watch(processors_after(processors, controller, BaseOutputTransport))
        elif self.flush is not None:
            self.flush.hook(None, [])

    async def stop(self) -> None:
        """At the pipeline's end (or cleanup): stop the re-check, the flush and user code."""
        dropped = await self.feed.stop()
        if dropped:
            logger.debug(f"{self}: pipeline ending; {dropped} held frame(s) dropped")
        if self.flush is not None:
            await self.flush.teardown("pipeline ended")
        await self.runner.close()

    def release(self) -> None:
        """At cleanup: stop listening to the aggregators and the pipeline's ends."""
        self.delivery.handover.release()
        if self.flush is not None:
            self.flush.unhook()
        self.arrival.release()
