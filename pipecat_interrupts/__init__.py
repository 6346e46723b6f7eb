#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Natural, safe barge-in for Pipecat voice agents.

Detect that the user is taking the floor, decide whether the bot may be cut off now,
stop fast, flush every processor's interrupted work, and keep a truthful record of what
the user actually heard. The network-free fakes for testing live in
`pipecat_interrupts.testing`.
"""

from pipecat_interrupts.arbitration import InterruptionArbiter
from pipecat_interrupts.bot_speaking_guard import BotSpeakingGuard
from pipecat_interrupts.conditions import (
    EchoGuard,
    InterruptionCondition,
    InterruptionContext,
    MinBotSpeakingTime,
    UninterruptibleSegments,
    all_of,
    any_of,
    not_,
)
from pipecat_interrupts.detectors import (
    BackchannelJudge,
    Detection,
    InterruptionClassifier,
    LanguageTable,
    ModelInterruptionDetector,
    ModelLabel,
    OpenAIInterruptionClassifier,
    PhraseInterruptionDetector,
    TextInterruptionDetector,
    UserActivity,
    VADInterruptionDetector,
    Verdict,
    default_detectors,
    language_codes,
)
from pipecat_interrupts.detectors.start_strategy import StartStrategyDetector
from pipecat_interrupts.flush import (
    FlushableMixin,
    FlushableProcessor,
    FlushHookProcessor,
)
from pipecat_interrupts.flush_coordinator import FlushCoordinator, FlushReport
from pipecat_interrupts.flush_runner import FlushRunner, FlushSettings
from pipecat_interrupts.frames import (
    AgentGenerationCompleteFrame,
    AgentHandoffFrame,
    EmergencyStopFrame,
    FlushCompletedFrame,
    FlushFrame,
    FlushStep,
    InterruptionDecision,
    InterruptionsControlFrame,
    decision_of,
)
from pipecat_interrupts.interruption_controller import InterruptionController
from pipecat_interrupts.metrics import (
    InterruptionMetricsData,
    InterruptionMetricsObserver,
    InterruptionRecord,
)
from pipecat_interrupts.observability import InterruptionTracer, OpenTelemetryMetricsExport
from pipecat_interrupts.reasons import Reason
from pipecat_interrupts.replies import OutputGuard, ReplyLedger, played_late
from pipecat_interrupts.routes import (
    AgentResponse,
    HeardTextSource,
    InterruptedGeneration,
    InterruptibleNode,
    OpenAICompatibleNode,
    Route,
    RouteInterruption,
    RouteProcessor,
    StreamError,
)
from pipecat_interrupts.snapshot import (
    InMemorySnapshotStore,
    InterruptionSnapshot,
    SnapshotStore,
    recovery_message,
    unspoken_remainder,
)
from pipecat_interrupts.snapshotter import SnapshotTap, StateSnapshotter
from pipecat_interrupts.task_registry import InterruptibleTaskRegistry, TaskCancellationReport
from pipecat_interrupts.tools import SpeechGate
from pipecat_interrupts.turn_strategies import (
    ControlledUserTurnStartStrategy,
    controlled_user_turn_strategies,
)
from pipecat_interrupts.turn_strategy_announcer import TurnStrategyAnnouncer
from pipecat_interrupts.version import __version__
from pipecat_interrupts.wiring import InterruptionPipeline, interruption_pipeline

__all__ = [
    # Frames
    "AgentGenerationCompleteFrame",
    "AgentHandoffFrame",
    "EmergencyStopFrame",
    "FlushCompletedFrame",
    "FlushFrame",
    "FlushStep",
    "InterruptionDecision",
    "InterruptionsControlFrame",
    "decision_of",
    # Detection and conditional interruption
    "BackchannelJudge",
    "BotSpeakingGuard",
    "ControlledUserTurnStartStrategy",
    "Detection",
    "EchoGuard",
    "InterruptionClassifier",
    "InterruptionCondition",
    "InterruptionContext",
    "InterruptionArbiter",
    "InterruptionController",
    "InterruptionPipeline",
    "LanguageTable",
    "MinBotSpeakingTime",
    "ModelInterruptionDetector",
    "ModelLabel",
    "OpenAIInterruptionClassifier",
    "PhraseInterruptionDetector",
    "Reason",
    "StartStrategyDetector",
    "TextInterruptionDetector",
    "TurnStrategyAnnouncer",
    "UninterruptibleSegments",
    "UserActivity",
    "VADInterruptionDetector",
    "Verdict",
    "all_of",
    "any_of",
    "controlled_user_turn_strategies",
    "default_detectors",
    "interruption_pipeline",
    "language_codes",
    "not_",
    # Snapshots and a truthful context
    "InMemorySnapshotStore",
    "InterruptionSnapshot",
    "SnapshotStore",
    "SnapshotTap",
    "OutputGuard",
    "ReplyLedger",
    "played_late",
    "StateSnapshotter",
    "recovery_message",
    "unspoken_remainder",
    # Routes and nodes
    "AgentResponse",
    "HeardTextSource",
    "InterruptedGeneration",
    "InterruptibleNode",
    "OpenAICompatibleNode",
    "Route",
    "RouteInterruption",
    "RouteProcessor",
    "SpeechGate",
    "StreamError",
    # Metrics
    "InterruptionMetricsData",
    "InterruptionMetricsObserver",
    "InterruptionTracer",
    "OpenTelemetryMetricsExport",
    "InterruptionRecord",
    # Flush chain and task cancellation
    "FlushCoordinator",
    "FlushRunner",
    "FlushSettings",
    "FlushHookProcessor",
    "FlushReport",
    "FlushableMixin",
    "FlushableProcessor",
    "InterruptibleTaskRegistry",
    "TaskCancellationReport",
    "__version__",
]
