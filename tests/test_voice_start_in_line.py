"""A voice start decided in one synchronous step (`InterruptionArbiter.decide_voice_start`).

The barge-in's usual case: the bot speaks, nothing is pending, and nothing in the
evaluation can wait (no asynchronous detector, no condition of yours, no frame hook on a
voice start). The arbiter then decides with the same attempt, detectors and conditions as
`voice_started`, without the pending attempt's machinery; anything else goes the general
way, and the in-line step changes nothing.
"""

import pytest
from pipecat.frames.frames import BotStartedSpeakingFrame
from test_arbiter import FakeClock

from pipecat_interrupts import InterruptionsControlFrame
from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.arbitration import ArbiterState, Interrupt, InterruptionArbiter
from pipecat_interrupts.conditions import (
    ConditionChecker,
    InterruptionsEnabled,
    MinBotSpeakingTime,
    UninterruptibleSegments,
)
from pipecat_interrupts.detectors import (
    BaseInterruptionDetector,
    Detection,
    PhraseInterruptionDetector,
    TextInterruptionDetector,
    UserActivity,
    VADInterruptionDetector,
    Verdict,
)
from pipecat_interrupts.detectors.start_strategy import StartStrategyDetector

pytestmark = pytest.mark.virtual_time


class SlowModel(BaseInterruptionDetector):
    """An asynchronous detector (a model behind a deadline), deciding as the VAD rule does."""

    def detect(self, activity: UserActivity) -> Detection:
        return Detection(Verdict.INTERRUPT, "model", "voice", voice_only=True)

    async def detect_async(self, activity, runner=None) -> Detection:
        return self.detect(activity)


def arbiter_with(detectors=None, conditions=None, *, min_speech_secs=0.2):
    clock = FakeClock()
    runner = UserCodeRunner("in-line-test", clock=clock)
    enabled, segments = InterruptionsEnabled(), UninterruptibleSegments()
    arbiter = InterruptionArbiter(
        detectors=detectors
        or [
            PhraseInterruptionDetector(),
            TextInterruptionDetector(),
            VADInterruptionDetector(min_speech_secs=min_speech_secs),
        ],
        conditions=[enabled, segments] if conditions is None else conditions,
        checker=ConditionChecker(runner, timeout_secs=0.05, on_error=True),
        judge=PhraseInterruptionDetector(),
        clock=clock,
        runner=runner,
    )
    return arbiter, clock, enabled, segments


async def speaking(arbiter, clock, *, secs=1.5):
    await arbiter.bot_started()
    clock.now += secs


@pytest.mark.parametrize("start_secs", [0.2, 0.35, 1.0])
async def test_it_decides_as_the_general_way_does(start_secs):
    quick, quick_clock, enabled, segments = arbiter_with()
    general, general_clock, _, _ = arbiter_with()
    await speaking(quick, quick_clock)
    await speaking(general, general_clock)
    decision = quick.decide_voice_start(start_secs)
    (interrupt,) = await general.voice_started(start_secs)
    assert isinstance(interrupt, Interrupt) and interrupt.released == ()
    assert decision == interrupt.decision  # reason, detail, times, conditions asked...
    assert decision.details["conditions_checked"] == [enabled.name, segments.name]
    assert quick.state is general.state is ArbiterState.VOICE_ONLY_TURN
    assert quick.pending is general.pending is None


async def test_too_little_voice_is_left_to_the_general_way_unchanged():
    arbiter, clock, _, _ = arbiter_with(min_speech_secs=0.5)
    await speaking(arbiter, clock)
    assert arbiter.decide_voice_start(0.2) is None
    assert arbiter.state is ArbiterState.BOT_SPEAKING and arbiter.pending is None
    assert await arbiter.voice_started(0.2) == []  # the general way keeps it pending
    assert arbiter.pending is not None


async def test_a_condition_holding_it_back_is_left_to_the_general_way():
    arbiter, clock, enabled, segments = arbiter_with()
    await speaking(arbiter, clock)
    enabled.process_frame(InterruptionsControlFrame(enabled=False), None)
    assert arbiter.decide_voice_start(0.3) is None
    (suppressed,) = await arbiter.voice_started(0.3)  # it records who held it back
    assert type(suppressed).__name__ == "Suppressed"
    enabled.process_frame(InterruptionsControlFrame(enabled=True), None)
    arbiter.close()  # the held-back attempt is dropped; the bot still speaks
    assert arbiter.decide_voice_start(0.3) is not None  # allowed again, in line
    arbiter2, clock2, _, segments2 = arbiter_with()
    await speaking(arbiter2, clock2)
    segments2.process_frame(BotStartedSpeakingFrame(), None)  # as the controller shows it
    segments2.protect_current_speech()
    assert arbiter2.decide_voice_start(0.3) is None


@pytest.mark.parametrize(
    "situation", ["bot silent", "muted", "pending", "your condition", "a model", "a strategy"]
)
async def test_anything_that_can_wait_or_weigh_in_goes_the_general_way(situation):
    detectors = conditions = None
    if situation == "your condition":
        conditions = [MinBotSpeakingTime(0.1)]
    elif situation == "a model":
        detectors = [SlowModel()]
    arbiter, clock, _, _ = arbiter_with(detectors, conditions)
    if situation == "a strategy":
        from pipecat.turns.user_start import VADUserTurnStartStrategy

        arbiter.evaluator.consult_before_rules(StartStrategyDetector(VADUserTurnStartStrategy()))
    if situation != "bot silent":
        await speaking(arbiter, clock)
    if situation == "muted":
        arbiter.set_muted(True)
    if situation == "pending":
        await arbiter.transcript("well", final=False, item="well")
    state, pending = arbiter.state, arbiter.pending
    assert arbiter.decide_voice_start(0.3) is None
    assert (arbiter.state, arbiter.pending) == (state, pending)  # nothing changed
