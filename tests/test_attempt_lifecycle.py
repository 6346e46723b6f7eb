"""`AttemptLifecycle` on its own: what each evaluation, event and bot stop makes of an attempt."""

import math

import pytest

from pipecat_interrupts import EmergencyStopFrame
from pipecat_interrupts.arbitration import (
    Attempt,
    Backchannel,
    Dropped,
    EventTrigger,
    Interrupt,
    ReleaseHeldTurn,
    Suppressed,
)
from pipecat_interrupts.arbitration.evaluation import Evaluation
from pipecat_interrupts.arbitration.lifecycle import AttemptLifecycle
from pipecat_interrupts.conditions.base import ConditionOutcome
from pipecat_interrupts.detectors import Detection, PhraseInterruptionDetector, Verdict
from pipecat_interrupts.reasons import Reason


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(hold=2.0, recheck=0.1):
    clock = FakeClock()
    lifecycle = AttemptLifecycle(
        hold, recheck, judge=PhraseInterruptionDetector(), clock=clock, name="arbiter-test"
    )
    return lifecycle, clock


def words(text, *, started_at=100.0, held=None, speaking=False):
    attempt = Attempt(started_at=started_at, speaking=speaking, user_id="caller")
    for item in held or [text]:
        attempt.hear(text, final=True, item=item, language=None, user_id="")
    return attempt


PHRASE = Detection(Verdict.INTERRUPT, Reason.PHRASE, "wait")
STOP = EventTrigger(EmergencyStopFrame(), Reason.EMERGENCY_STOP, True)


@pytest.mark.parametrize(
    ("hold", "recheck", "named"),
    [(-1.0, 0.1, "hold_timeout_secs"), (2.0, math.nan, "recheck_secs"), (math.inf, 0.1, "hold")],
)
def test_durations_must_be_finite_and_positive(hold, recheck, named):
    with pytest.raises(ValueError, match=named):
        make(hold, recheck)


def test_a_recheck_is_due_recheck_secs_from_now():
    lifecycle, clock = make(recheck=0.25)
    assert lifecycle.recheck_secs == 0.25
    clock.now = 250.0
    assert lifecycle.next_recheck_at() == 250.25


def test_a_backchannel_ends_the_attempt_with_its_words():
    lifecycle, _ = make()
    detection = Detection(Verdict.BACKCHANNEL, Reason.BACKCHANNEL)
    decisions = lifecycle.settle(words("mhm"), Evaluation(detection), "mhm", 100.0)
    assert decisions == [Backchannel("mhm", "caller")]


def test_an_allowed_interruption_carries_what_the_conditions_said():
    lifecycle, clock = make()
    attempt = words("wait", held=["interim", "final"])
    clock.now = 101.5
    outcome = ConditionOutcome(True, checked=("a", "b"), errors=("b",))
    (interrupt,) = lifecycle.settle(attempt, Evaluation(PHRASE, outcome), "wait", 101.0)
    assert isinstance(interrupt, Interrupt) and interrupt.released == ("interim", "final")
    decision = interrupt.decision
    assert decision.reason == Reason.PHRASE and decision.text == "wait"
    assert decision.detected_at == 100.0 and decision.decided_at == 101.5  # read at decision
    assert decision.starts_user_turn
    assert decision.details["conditions_checked"] == ["a", "b"]
    assert decision.details["condition_errors"] == ["b"]
    assert attempt.last_detection is PHRASE


def test_an_interruption_no_condition_was_asked_about_has_no_condition_details():
    lifecycle, _ = make()
    (interrupt,) = lifecycle.settle(words("wait"), Evaluation(PHRASE), "wait", 100.0)
    assert isinstance(interrupt, Interrupt)
    assert "conditions_checked" not in interrupt.decision.details


def test_a_held_back_interruption_is_reported_once_per_condition():
    lifecycle, _ = make()
    attempt = words("wait", speaking=True)
    blocked = Evaluation(PHRASE, ConditionOutcome(False, blocked_by="min_time"))
    assert lifecycle.settle(attempt, blocked, "wait", 100.0) == [Suppressed(PHRASE, "min_time")]
    assert lifecycle.settle(attempt, blocked, "wait", 100.1) == []  # still held, not again
    other = Evaluation(PHRASE, ConditionOutcome(False, blocked_by="echo_guard"))
    assert lifecycle.settle(attempt, other, "wait", 100.2) == [Suppressed(PHRASE, "echo_guard")]
    assert attempt.suppressed_by == "echo_guard" and attempt.last_detection is PHRASE


def test_the_users_silence_gives_a_waiting_attempt_up_after_the_hold_timeout():
    lifecycle, _ = make(hold=2.0)
    attempt = words("hold on")
    attempt.silent_since = 101.0
    waiting = Evaluation(Detection(Verdict.NOT_YET, Reason.NONE))
    assert lifecycle.settle(attempt, waiting, "hold on", 102.9) == []
    assert lifecycle.settle(attempt, waiting, "hold on", 103.0) == [
        Dropped("hold on", "2s of silence (held back by nothing)")
    ]


def test_a_hold_back_and_the_give_up_can_come_together():
    lifecycle, _ = make(hold=1.0)
    blocked = Evaluation(PHRASE, ConditionOutcome(False, blocked_by="min_time"))
    decisions = lifecycle.settle(words("wait"), blocked, "wait", 101.0)  # silent since 100
    assert decisions == [
        Suppressed(PHRASE, "min_time"),
        Dropped("wait", "1s of silence (held back by min_time)"),
    ]


def test_no_give_up_while_the_user_speaks_or_for_an_event():
    lifecycle, _ = make(hold=1.0)
    waiting = Evaluation(Detection(Verdict.NOT_YET, Reason.NONE))
    assert lifecycle.settle(words("um", speaking=True), waiting, "um", 500.0) == []
    event = Attempt(started_at=100.0, trigger=STOP, held=["stop"])
    blocked = Evaluation(PHRASE, ConditionOutcome(False, blocked_by=None))
    assert lifecycle.settle(event, blocked, "", 500.0) == []


def test_an_event_takes_over_a_pending_events_items_and_drops_the_users_words():
    lifecycle, _ = make()
    pending_event = Attempt(started_at=99.0, trigger=STOP, held=["first"])
    event = Attempt(started_at=100.0, trigger=STOP, held=["second"])
    assert lifecycle.replace(pending_event, event, STOP) == []
    assert event.held == ["first", "second"]  # forwarded with the new event's decision
    event = Attempt(started_at=100.0, trigger=STOP, held=["second"])
    dropped = lifecycle.replace(words("hold on"), event, STOP)
    assert dropped == [Dropped("hold on", f"replaced by {STOP.name}")]
    assert event.held == ["second"]
    assert lifecycle.replace(Attempt(started_at=99.0, speaking=True), event, STOP) == []
    assert lifecycle.replace(None, event, STOP) == []


def test_an_event_that_bypasses_the_conditions_interrupts_at_once():
    lifecycle, clock = make()
    clock.now = 100.5
    event = Attempt(started_at=100.0, trigger=STOP, held=["stop-frame"])
    (interrupt,) = lifecycle.bypass(event, STOP)
    assert isinstance(interrupt, Interrupt) and interrupt.released == ("stop-frame",)
    decision = interrupt.decision
    assert decision.reason == Reason.EMERGENCY_STOP and decision.trigger == STOP.name
    assert not decision.starts_user_turn and decision.decided_at == 100.5
    assert "conditions_checked" not in decision.details


def test_when_the_bot_stops_held_words_become_a_user_turn():
    lifecycle, _ = make()
    attempt = words("wait stop", held=[1, 2])
    attempt.last_detection = PHRASE
    (release,) = lifecycle.release(attempt, user_speaking=False)
    assert isinstance(release, ReleaseHeldTurn) and release.released == (1, 2)
    assert release.decision.reason == Reason.PHRASE and release.decision.starts_user_turn
    assert release.decision.details["released"] is True
    (release,) = lifecycle.release(words("so anyway"), user_speaking=False)
    assert release.decision.reason == Reason.TEXT  # no detection asked to interrupt


def test_when_the_bot_stops_fillers_alone_are_dropped_unless_the_user_goes_on():
    lifecycle, _ = make()
    assert lifecycle.release(words("um"), user_speaking=False) == [
        Dropped("um", "bot stopped; only fillers")
    ]
    (release,) = lifecycle.release(words("um"), user_speaking=True)
    assert isinstance(release, ReleaseHeldTurn)
    assert lifecycle.release(Attempt(started_at=100.0, speaking=True), user_speaking=True) == []


def test_an_attempt_hears_interims_then_finals():
    attempt = Attempt(started_at=100.0)
    attempt.hear("wait", final=False, item=1, language="en", user_id="caller")
    attempt.hear("wait a", final=False, item=2, language=None, user_id="")
    assert attempt.text == "wait a" and attempt.interim == "wait a"
    attempt.hear("wait a second", final=True, item=3, language=None, user_id="")
    attempt.hear("please", final=False, item=4, language="es", user_id="other")
    assert attempt.finals == ["wait a second"] and attempt.text == "wait a second please"
    assert attempt.held == [1, 2, 3, 4]
    assert attempt.language == "es" and attempt.user_id == "other"
