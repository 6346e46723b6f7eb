#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The interruption decision as a plain object: `InterruptionArbiter` and its decisions."""

from pipecat_interrupts.arbitration.arbiter import (
    DEFAULT_HOLD_TIMEOUT_SECS,
    DEFAULT_RECHECK_SECS,
    InterruptionArbiter,
)
from pipecat_interrupts.arbitration.attempt import ArbiterState, Attempt, EventTrigger
from pipecat_interrupts.arbitration.decisions import (
    ArbiterDecision,
    Backchannel,
    Dropped,
    Hold,
    Interrupt,
    ReleaseHeldTurn,
    Suppressed,
)

__all__ = [
    "DEFAULT_HOLD_TIMEOUT_SECS",
    "DEFAULT_RECHECK_SECS",
    "ArbiterDecision",
    "ArbiterState",
    "Attempt",
    "Backchannel",
    "Dropped",
    "EventTrigger",
    "Hold",
    "Interrupt",
    "InterruptionArbiter",
    "ReleaseHeldTurn",
    "Suppressed",
]
