"""`InterruptionEvidence`: the reason of an interruption that carries no decision (Pipecat's
own), inferred from the caller's voice, words and event frames."""

from pipecat_interrupts import PhraseInterruptionDetector, Reason
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
    return InterruptionEvidence(clock, takes_the_floor), clock


def test_words_make_it_text_a_backchannel_leaves_it_voice_and_judging_waits_until_asked():
    asked: list[str] = []
    evidence, _ = evidence_judged_by(PhraseInterruptionDetector(), asked)
    evidence.vad_started()
    evidence.words("mhm")
    assert asked == []  # nothing is judged while no interruption needs explaining
    assert evidence.infer() == Reason.VAD
    evidence.words("mhm wait what")
    assert evidence.infer() == Reason.TEXT
    evidence.vad_started()  # a new utterance: earlier words no longer count
    assert evidence.infer() == Reason.VAD


def test_an_event_explains_an_interruption_and_silence_explains_nothing():
    evidence, clock = evidence_judged_by(PhraseInterruptionDetector(), [])
    assert evidence.infer() == Reason.INTERRUPTION
    evidence.event(Reason.EMERGENCY_STOP)
    assert evidence.infer() == Reason.EMERGENCY_STOP
    assert evidence.infer() == Reason.INTERRUPTION  # the event is used once
    evidence.vad_started()
    evidence.vad_stopped()
    clock.now += 60  # long after the caller stopped
    assert evidence.infer() == Reason.INTERRUPTION


def test_only_the_last_few_transcripts_are_kept():
    asked: list[str] = []
    evidence, _ = evidence_judged_by(PhraseInterruptionDetector(), asked)
    evidence.vad_started()
    for n in range(50):
        evidence.words(f"yeah {n}")
    evidence.infer()
    assert 0 < len(asked) <= 8
