"""Wiring that cannot silently fail: the helper places everything; each mistake is reported once."""

import pytest
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import (
    BotSpeakingGuard,
    InterruptionController,
    PhraseInterruptionDetector,
    SnapshotTap,
    StateSnapshotter,
)
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    MockOutputTransport,
    Pause,
    ScriptedUser,
    Utterance,
    VoicePipeline,
    WaitForBot,
    build_voice_pipeline,
    fast_user_turn_strategies,
)
from pipecat_interrupts.turn_strategies import controlled_user_turn_strategies
from pipecat_interrupts.wiring import interruption_pipeline

pytestmark = pytest.mark.virtual_time

ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve."


def parts(*, adapter=True, steps=()):
    controller = InterruptionController()
    strategies = fast_user_turn_strategies()
    if adapter:
        strategies = controlled_user_turn_strategies(
            controller, start=strategies.start, stop=strategies.stop
        )
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    pair = LLMContextAggregatorPair(
        context, user_params=LLMUserAggregatorParams(user_turn_strategies=strategies)
    )
    snapshotter = StateSnapshotter(context=context)
    return {
        "user": ScriptedUser(list(steps)),
        "controller": controller,
        "user_aggregator": pair.user(),
        "llm": FakeLLMService(replies=[ANSWER, "Sure."], token_delay_secs=0.005),
        "tts": FakeTTSService(secs_per_word=0.05),
        "output": MockOutputTransport(),
        "assistant_aggregator": pair.assistant(),
        "snapshotter": snapshotter,
        "context": context,
    }


RIGHT = [
    "user",
    "controller",
    "user_aggregator",
    "llm",
    "tts",
    "output",
    "snapshotter",
    "assistant_aggregator",
]


def wiring_errors(log_records):
    return [
        r["message"]
        for r in log_records
        if r["level"].name == "ERROR" and "defeats" in r["message"]
    ]


async def run(order, p):
    async with running_pipeline([p[name] for name in order]):
        pass


async def test_the_right_order_reports_nothing(log_records):
    await run(RIGHT, parts())
    assert wiring_errors(log_records) == []


async def test_the_helpers_pipeline_reports_nothing(log_records):
    context = LLMContext()
    wiring = interruption_pipeline(
        context=context,
        llm=FakeLLMService(),
        tts=FakeTTSService(),
        transport_output=MockOutputTransport(),
        transport_input=ScriptedUser(),
        user_turn_strategies=fast_user_turn_strategies(),
    )
    assert wiring.snapshotter is not None and wiring.controller is not None
    async with running_pipeline(wiring.processors):
        pass
    assert wiring_errors(log_records) == []


@pytest.mark.parametrize(
    ("order", "adapter", "fix"),
    [
        (
            [
                "user",
                "user_aggregator",
                "controller",
                "llm",
                "tts",
                "output",
                "snapshotter",
                "assistant_aggregator",
            ],
            True,
            "place it before the user aggregator",
        ),
        (RIGHT, False, "user_turn_strategies=controlled_user_turn_strategies(controller)"),
        (
            [
                "user",
                "controller",
                "user_aggregator",
                "llm",
                "tts",
                "snapshotter",
                "output",
                "assistant_aggregator",
            ],
            True,
            "place it right after transport.output()",
        ),
    ],
    ids=["controller_after_user_aggregator", "adapter_missing", "snapshotter_before_output"],
)
async def test_each_wiring_mistake_is_reported_once_naming_the_fix(
    order, adapter, fix, log_records
):
    await run(order, parts(adapter=adapter))
    errors = wiring_errors(log_records)
    assert len(errors) == 1 and fix in errors[0]


async def test_a_missing_tap_is_reported_once(log_records):
    p = parts()
    p["tap"] = p["snapshotter"].tap()  # after the LLM only: the caller's words go unreported
    await run(
        [
            "user",
            "controller",
            "user_aggregator",
            "llm",
            "tap",
            "tts",
            "output",
            "snapshotter",
            "assistant_aggregator",
        ],
        p,
    )
    errors = wiring_errors(log_records)
    assert len(errors) == 1 and "hears nothing before the user aggregator" in errors[0]


async def test_several_mistakes_make_one_error(log_records):
    order = [
        "user",
        "user_aggregator",
        "controller",
        "llm",
        "tts",
        "snapshotter",
        "output",
        "assistant_aggregator",
    ]
    await run(order, parts(adapter=False))
    errors = wiring_errors(log_records)
    assert len(errors) == 1
    assert all(
        fix in errors[0]
        for fix in (
            "before the user aggregator",
            "controlled_user_turn_strategies",
            "transport.output()",
        )
    )


async def test_without_the_adapter_the_aggregator_cuts_the_bot_off_and_it_is_reported(log_records):
    p = parts(adapter=False, steps=[WaitForBot(), Pause(0.1), Utterance("mhm")])
    pipeline = Pipeline([p[name] for name in RIGHT])
    vp = VoicePipeline(
        pipeline=pipeline,
        worker=PipelineWorker(
            pipeline, params=PipelineParams(), enable_rtvi=False, idle_timeout_secs=None
        ),
        context=p["context"],
        user=p["user"],
        user_aggregator=p["user_aggregator"],
        llm=p["llm"],
        tts=p["tts"],
        output=p["output"],
        assistant_aggregator=p["assistant_aggregator"],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.interruptions)
    assert len(wiring_errors(log_records)) == 1
    warnings = [
        r["message"]
        for r in log_records
        if r["level"].name == "WARNING" and "controlled_user_turn_strategies" in r["message"]
    ]
    assert len(warnings) == 1


async def test_build_voice_pipeline_goes_through_the_helper(log_records):
    vp = build_voice_pipeline(controller=InterruptionController(), snapshotter=StateSnapshotter())
    async with vp:
        pass
    assert wiring_errors(log_records) == []


def test_the_helpers_snapshotter_shares_the_controllers_backchannel_judge():
    judge = PhraseInterruptionDetector(extra_backchannel_phrases=["roger that"])
    controller = InterruptionController(backchannel_judge=judge)
    wiring = interruption_pipeline(
        context=LLMContext(),
        llm=FakeLLMService(),
        tts=FakeTTSService(),
        transport_output=MockOutputTransport(),
        controller=controller,
    )
    assert controller.judge is judge
    assert wiring.snapshotter is not None
    assert wiring.snapshotter.judge is judge


def test_the_helper_adds_two_processors_and_no_more():
    # The controller announces the strategies; the snapshotter hooks the STT and the LLM
    # and repairs the speaking signals: no announcer, tap or guard processor.
    stt, llm, tts = FrameRecorder(name="stt"), FakeLLMService(), FakeTTSService()
    output, user = MockOutputTransport(), ScriptedUser()
    wiring = interruption_pipeline(
        context=LLMContext(), stt=stt, llm=llm, tts=tts, transport_output=output, transport_input=user
    )
    assert wiring.processors == [
        user,
        stt,
        wiring.controller,
        wiring.user_aggregator,
        llm,
        tts,
        output,
        wiring.snapshotter,
        wiring.assistant_aggregator,
    ]
    assert wiring.speaking_guard is None
    assert wiring.controller is not None and wiring.controller.announces_turn_strategies
    assert wiring.snapshotter is not None and wiring.snapshotter.guards_speaking
    assert wiring.snapshotter.sources.listened == [wiring.controller, llm]


def test_a_compound_llm_and_no_input_get_taps():
    llm = Pipeline([FakeLLMService()])
    wiring = interruption_pipeline(
        context=LLMContext(),
        llm=llm,
        tts=FakeTTSService(),
        transport_output=MockOutputTransport(),
        controller=False,  # with one, the controller would report the caller's words
    )
    taps = [p for p in wiring.processors if isinstance(p, SnapshotTap)]
    assert len(taps) == 2
    assert wiring.processors.index(taps[0]) < wiring.processors.index(wiring.user_aggregator)
    assert wiring.processors.index(taps[1]) == wiring.processors.index(llm) + 1


def test_without_a_snapshotter_the_guard_is_a_processor():
    output = MockOutputTransport()
    wiring = interruption_pipeline(
        context=LLMContext(), llm=FakeLLMService(), tts=FakeTTSService(), transport_output=output, snapshotter=False
    )
    assert isinstance(wiring.speaking_guard, BotSpeakingGuard)
    assert wiring.processors[wiring.processors.index(output) + 1] is wiring.speaking_guard


async def test_the_snapshotter_stops_listening_when_its_pipeline_ends():
    llm = FakeLLMService()
    wiring = interruption_pipeline(
        context=LLMContext(), llm=llm, tts=FakeTTSService(), transport_output=MockOutputTransport(),
        transport_input=ScriptedUser(),
    )
    hooks = llm._event_handlers["on_before_push_frame"].handlers  # Pipecat's registry
    assert len(hooks) == 1
    assert len(wiring.controller._user_frame_listeners) == 1
    async with running_pipeline(wiring.processors):
        pass
    assert hooks == []  # the LLM may be used again in another pipeline
    assert wiring.controller._user_frame_listeners == []
