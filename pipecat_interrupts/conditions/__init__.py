#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

from pipecat_interrupts.conditions.base import (
    CombinedCondition,
    ConditionChecker,
    ConditionOutcome,
    InterruptionCondition,
    InterruptionContext,
    PredicateCondition,
    all_of,
    any_of,
    as_condition,
    check_conditions,
    not_,
)
from pipecat_interrupts.conditions.builtin import (
    EchoGuard,
    InterruptionsEnabled,
    MinBotSpeakingTime,
    UninterruptibleSegments,
)

__all__ = [
    "CombinedCondition",
    "ConditionChecker",
    "ConditionOutcome",
    "EchoGuard",
    "InterruptionCondition",
    "InterruptionContext",
    "InterruptionsEnabled",
    "MinBotSpeakingTime",
    "PredicateCondition",
    "UninterruptibleSegments",
    "all_of",
    "any_of",
    "as_condition",
    "check_conditions",
    "not_",
]
