"""The package's public surface: `__all__` is exactly what the top level exports, every name
in it imports, and what a pipeline needs is there."""

import importlib
import inspect
import types

import pipecat_interrupts

# What a user wires into a pipeline or configures, by area (the README's "Stability").
NEEDED_IN_A_PIPELINE = {
    # processors
    "InterruptionController",
    "FlushCoordinator",
    "StateSnapshotter",
    "SnapshotTap",
    "BotSpeakingGuard",
    "TurnStrategyAnnouncer",
    "RouteProcessor",
    "FlushHookProcessor",
    "SpeechGate",
    "InterruptionMetricsObserver",
    # frames
    "EmergencyStopFrame",
    "AgentHandoffFrame",
    "InterruptionsControlFrame",
    "FlushFrame",
    "AgentGenerationCompleteFrame",
    "decision_of",
    # configuration
    "MinBotSpeakingTime",
    "EchoGuard",
    "all_of",
    "any_of",
    "not_",
    "PhraseInterruptionDetector",
    "TextInterruptionDetector",
    "VADInterruptionDetector",
    "ModelInterruptionDetector",
    "OpenAIInterruptionClassifier",
    "InterruptionClassifier",
    "LanguageTable",
    "language_codes",
    "controlled_user_turn_strategies",
    "Reason",
    "BackchannelJudge",
    # the wiring helper
    "interruption_pipeline",
    "InterruptionPipeline",
}


def _exported() -> set[str]:
    """Public names bound at the top level that are not submodules or imported modules."""
    return {
        name
        for name, value in vars(pipecat_interrupts).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    } | {"__version__"}


def test_all_matches_what_the_package_exports() -> None:
    names = pipecat_interrupts.__all__
    assert len(names) == len(set(names)), "a name is listed twice"
    assert set(names) == _exported()


def test_every_name_in_all_imports() -> None:
    module = importlib.reload(pipecat_interrupts)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    namespace: dict[str, object] = {}
    exec("from pipecat_interrupts import *", namespace)  # noqa: S102 - the star import users may write
    assert set(module.__all__) <= set(namespace)


def test_what_a_pipeline_needs_is_at_the_top_level() -> None:
    assert NEEDED_IN_A_PIPELINE <= set(pipecat_interrupts.__all__)


def test_each_public_name_comes_from_the_package() -> None:
    # The top level re-exports the package's own objects (no Pipecat names under ours).
    for name in pipecat_interrupts.__all__:
        value = getattr(pipecat_interrupts, name)
        home = (
            getattr(value, "__module__", None)
            if inspect.isclass(value) or callable(value)
            else None
        )
        if home is not None:
            assert home.startswith("pipecat_interrupts"), (name, home)
