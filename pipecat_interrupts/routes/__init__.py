#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Cartesia Line's route API on Pipecat: routes, interruptible nodes, an OpenAI-compatible node."""

from pipecat_interrupts.routes.condition import RouteCondition
from pipecat_interrupts.routes.interruption import (
    HeardTextSource,
    RouteInterruption,
    SnapshotHeardText,
)
from pipecat_interrupts.routes.items import AgentResponse
from pipecat_interrupts.routes.node import InterruptedGeneration, InterruptibleNode
from pipecat_interrupts.routes.openai_node import OpenAICompatibleNode, StreamError
from pipecat_interrupts.routes.processor import RouteProcessor
from pipecat_interrupts.routes.route import Route

__all__ = [
    "AgentResponse",
    "HeardTextSource",
    "InterruptedGeneration",
    "InterruptibleNode",
    "OpenAICompatibleNode",
    "Route",
    "RouteCondition",
    "RouteInterruption",
    "RouteProcessor",
    "SnapshotHeardText",
    "StreamError",
]
