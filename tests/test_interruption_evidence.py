"""`InterruptionEvidence`: the reason of an interruption that carries no decision (Pipecat's
own), inferred from the caller's voice, words and event frames."""

from pipecat_interrupts import PhraseInterruptionDetector, Reason
from pipecat_interrupts.replies.caller_activity import CallerActivity
from pipecat_interrupts.replies.evidence import InterruptionEvidence


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def evidence_judged_by(judge: PhraseInterruptionDetector, asked: list[str]):
    def takes_the_floor(text: str, language: str | None) -> bool:
        asked.append(text)
        return not judge.is_backchannel(text, language)

    clock = Clock()
    activity = CallerActivity(clock)  # the tracker writes it; here, the test does
    return InterruptionEvidence(activity, takes_the_floor, clock), activity, clock


def test_words_make_it_text_a_backchannel_leaves_it_voice_and_judging_waits_until_asked():
    asked: list[str] = []
    evidence, caller, _ = evidence_judged_by(PhraseInterruptionDetector(), asked)
    caller.voice_started()
    caller.heard("mhm")
    assert asked == []  # nothing is judged while no interruption needs explaining
    assert evidence.infer() == Reason.VAD
    caller.heard("mhm wait what")
    assert evidence.infer() == Reason.TEXT
    caller.voice_started()  # a new utterance: earlier words no longer count
    assert evidence.infer() == Reason.VAD


def test_an_event_explains_an_interruption_and_silence_explains_nothing():
    evidence, caller, clock = evidence_judged_by(PhraseInterruptionDetector(), [])
    assert evidence.infer() == Reason.INTERRUPTION
    evidence.event(Reason.EMERGENCY_STOP)
    assert evidence.infer() == Reason.EMERGENCY_STOP
    assert evidence.infer() == Reason.INTERRUPTION  # the event is used once
    caller.voice_started()
    caller.voice_stopped()
    clock.now += 60  # long after the caller stopped
    assert evidence.infer() == Reason.INTERRUPTION


def test_only_the_last_few_transcripts_are_kept():
    asked: list[str] = []
    evidence, caller, _ = evidence_judged_by(PhraseInterruptionDetector(), asked)
    caller.voice_started()
    for n in range(50):
        caller.heard(f"yeah {n}")
    evidence.infer()
    assert 0 < len(asked) <= 8


def test_the_caller_record_keeps_the_last_few_words_with_their_time_and_utterance():
    clock = Clock()
    caller = CallerActivity(clock)
    caller.heard("before")  # before any voice start: part of no later utterance
    caller.voice_started()
    for n in range(10):
        clock.now += 1
        caller.heard(f"word {n}")
    assert [w.text for w in caller.utterance_words()] == [f"word {n}" for n in range(2, 10)]
    assert [w.text for w in caller.words_since(108.0)] == ["word 7", "word 8", "word 9"]
    caller.voice_stopped()
    assert not caller.speaking and caller.stopped_at == clock.now
    assert len(caller.utterance_words()) == 8  # a stop ends nothing: the utterance stands
    caller.voice_started()
    assert caller.utterance_words() == [] and caller.stopped_at is None
    caller.heard("again", "fr")
    (words,) = caller.utterance_words()
    assert (words.text, words.language, words.at) == ("again", "fr", clock.now)
    assert caller.voice_changes == 3
