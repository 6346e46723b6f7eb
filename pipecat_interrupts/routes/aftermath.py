#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""What follows an interrupt event, once the event has gone on: `InterruptAftermath`.

The cut streams are awaited (under the owner's cancel deadline), the heard text is asked
for (``heard_timeout_secs``), and each cut route's handler is called with a
`RouteInterruption` (``handler_timeout_secs``), all through the owner's `UserCodeRunner`.
Nothing here is on the event's path: the owner runs it in the background.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger
from pipecat.frames.frames import Frame

from pipecat_interrupts._deadlines import callback_name
from pipecat_interrupts.flush_coordinator import reason_for
from pipecat_interrupts.frames import decision_of
from pipecat_interrupts.routes.interruption import HeardTextSource, RouteInterruption
from pipecat_interrupts.routes.route import Route
from pipecat_interrupts.routes.specs import InterruptSpec, positional_arity
from pipecat_interrupts.routes.streams import StreamRun

if TYPE_CHECKING:
    from pipecat_interrupts.routes.processor import RouteProcessor


@dataclass(frozen=True)
class RouteCut:
    """The runs one event cut on one route, with the registration that cut them."""

    route: Route
    spec: InterruptSpec
    runs: tuple[StreamRun, ...]


class InterruptAftermath:
    """Awaits cut streams, fetches the heard text and calls the handlers, under deadlines."""

    def __init__(
        self,
        owner: "RouteProcessor",
        *,
        heard_text: HeardTextSource | None,
        handler_timeout_secs: float,
        heard_timeout_secs: float,
    ):
        """Initialize.

        Args:
            owner: The route processor (its runner, its event handlers, its streams).
            heard_text: Where the heard text comes from, or None.
            handler_timeout_secs: Deadline for each handler.
            heard_timeout_secs: Deadline for the heard-text source.
        """
        self._owner = owner
        self._heard_source = heard_text
        self._handler_timeout = handler_timeout_secs
        self._heard_timeout = heard_timeout_secs

    async def run(self, cuts: tuple[RouteCut, ...], event: Frame, since: float) -> None:
        """After ``event`` (handled at ``since``) went on: await ``cuts``, then tell the handlers.

        Args:
            cuts: What the event cut, per route.
            event: The interrupt event.
            since: ``time.monotonic()`` when the route handled it.
        """
        await self._owner.wait_for_runs([run for cut in cuts for run in cut.runs])
        decision = decision_of(event)
        needs_heard = any(cut.spec.handler is not None for cut in cuts)
        heard = await self._heard(event, since) if needs_heard else None
        for cut in cuts:
            latest = cut.runs[-1]
            record = RouteInterruption(
                event=event,
                reason=decision.reason if decision else reason_for(event),
                trigger=(decision.trigger if decision else None) or event.name,
                generated=latest.text,
                heard=heard,
                started_by=latest.started_by,
                cancelled=len(cut.runs),
                interrupted_at=since,
            )
            logger.debug(
                f"{self._owner}: {len(cut.runs)} stream(s) of {cut.route} cut by {event.name}"
            )
            await self._owner.notify_interrupted(cut.route, event, len(cut.runs))
            handler = cut.spec.handler
            if handler is not None:
                args = (event, record)[: positional_arity(handler, 2)]
                await self._owner.runner.call(
                    handler,
                    *args,
                    deadline_secs=self._handler_timeout,
                    name=f"{cut.route} interrupt handler {callback_name(handler)}",
                )

    async def _heard(self, event: Frame, since: float) -> str | None:
        source = self._heard_source
        if source is None:
            return None
        result = await self._owner.runner.wait(
            source.heard_text(event, since=since),
            deadline_secs=self._heard_timeout,
            name=f"{source}.heard_text",
        )
        return result.value if result.ok and isinstance(result.value, str) else None
