"""Detectors and conditions are pure objects: no pipeline needed."""

import asyncio

import pytest
from pipecat.frames.frames import BotStartedSpeakingFrame, BotStoppedSpeakingFrame, TTSSpeakFrame
from pipecat.processors.frame_processor import FrameDirection

from pipecat_interrupts.conditions import (
    EchoGuard,
    InterruptionContext,
    InterruptionsEnabled,
    MinBotSpeakingTime,
    PredicateCondition,
    UninterruptibleSegments,
    all_of,
    any_of,
    check_conditions,
    not_,
)
from pipecat_interrupts.detectors import (
    Detection,
    PhraseInterruptionDetector,
    TextInterruptionDetector,
    UserActivity,
    VADInterruptionDetector,
    Verdict,
    default_detectors,
    normalize,
    run_detectors,
)
from pipecat_interrupts.frames import InterruptionsControlFrame
from pipecat_interrupts.interruption_controller import InterruptionController

pytestmark = pytest.mark.virtual_time


def test_text_detector_follows_ten_agents_rule_by_default():
    detector = TextInterruptionDetector()
    assert detector.detect(UserActivity(text="a")).verdict is Verdict.NOT_YET
    assert detector.detect(UserActivity(text="ok")).verdict is Verdict.INTERRUPT
    assert detector.detect(UserActivity(text="a", final=True)).verdict is Verdict.INTERRUPT
    assert detector.detect(UserActivity(text="  ")).verdict is Verdict.NOT_YET


def test_text_detector_can_count_words_or_wait_for_finals():
    words = TextInterruptionDetector(min_words=3)
    assert words.detect(UserActivity(text="can you")).verdict is Verdict.NOT_YET
    assert words.detect(UserActivity(text="can you repeat")).verdict is Verdict.INTERRUPT
    finals = TextInterruptionDetector(finals_only=True)
    assert finals.detect(UserActivity(text="can you repeat that")).verdict is Verdict.NOT_YET
    assert finals.detect(UserActivity(text="can you", final=True)).verdict is Verdict.INTERRUPT


def test_vad_detector_needs_enough_speech():
    detector = VADInterruptionDetector(min_speech_secs=0.5)
    assert detector.detect(UserActivity(speaking=True, speech_secs=0.3)).verdict is Verdict.NOT_YET
    detection = detector.detect(UserActivity(speaking=True, speech_secs=0.6))
    assert (detection.verdict, detection.reason) == (Verdict.INTERRUPT, "vad")
    assert detector.detect(UserActivity(speaking=False, speech_secs=0.9)).verdict is Verdict.NOT_YET


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mm-hmm.", Verdict.BACKCHANNEL),
        ("yeah yeah YEAH", Verdict.BACKCHANNEL),
        ("um, okay, got it", Verdict.BACKCHANNEL),
        ("yeahhh", Verdict.BACKCHANNEL),
        ("fair enough", Verdict.BACKCHANNEL),
        ("Sí, claro", Verdict.BACKCHANNEL),
        ("haan ji", Verdict.BACKCHANNEL),
        ("okay, wait", Verdict.INTERRUPT),
        ("enough", Verdict.INTERRUPT),
        ("stop stop stop", Verdict.INTERRUPT),
        ("Attendez!", Verdict.INTERRUPT),
        ("ruko", Verdict.INTERRUPT),
        ("what's the fee", Verdict.NOT_YET),
        ("um", Verdict.NOT_YET),
    ],
)
def test_phrase_detector_on_final_transcripts(text, expected):
    assert PhraseInterruptionDetector().detect(UserActivity(text=text, final=True)).verdict is expected


def test_interim_backchannel_holds_so_the_text_rule_does_not_interrupt():
    interim = UserActivity(text="mhm", final=False)
    assert run_detectors(default_detectors(), interim).verdict is Verdict.NOT_YET
    assert run_detectors(default_detectors(), UserActivity(text="mhm", final=True)).verdict is Verdict.BACKCHANNEL
    # ...but as soon as the interim grows beyond a backchannel, the text rule interrupts.
    grown = run_detectors(default_detectors(), UserActivity(text="mhm so what", final=False))
    assert grown.verdict is Verdict.INTERRUPT


@pytest.mark.parametrize("interim", ["uh", "got", "oh i", "yeah of", "um thank"])
def test_interim_start_of_a_multi_word_backchannel_holds(interim):
    # Streaming STTs send "got" before "got it": TEN's rule would interrupt on it.
    assert TextInterruptionDetector().detect(UserActivity(text=interim)).verdict is Verdict.INTERRUPT
    detection = run_detectors(default_detectors(), UserActivity(text=interim, final=False))
    assert (detection.verdict, detection.hold) == (Verdict.NOT_YET, True)


@pytest.mark.parametrize("interim", ["got it but", "oh i need", "yeah so", "how much"])
def test_interim_that_left_the_backchannel_path_interrupts(interim):
    detection = run_detectors(default_detectors(), UserActivity(text=interim, final=False))
    assert detection.verdict is Verdict.INTERRUPT


def test_a_final_backchannel_start_alone_is_not_held():
    assert run_detectors(default_detectors(), UserActivity(text="got", final=True)).verdict is Verdict.INTERRUPT


@pytest.mark.parametrize("final", ["um", "Uh, er...", "ummm"])
def test_a_final_of_fillers_alone_holds_unless_fillers_may_interrupt(final):
    activity = UserActivity(text=final, final=True)
    detection = run_detectors(default_detectors(), activity)
    assert (detection.verdict, detection.reason, detection.hold) == (Verdict.NOT_YET, "filler", True)
    eager = [PhraseInterruptionDetector(fillers_interrupt=True), TextInterruptionDetector()]
    assert run_detectors(eager, activity).verdict is Verdict.INTERRUPT
    # Words after the hesitation decide.
    assert run_detectors(default_detectors(), UserActivity(text=f"{final} what", final=True)).verdict is Verdict.INTERRUPT


def test_phrase_lists_can_be_replaced_and_extended():
    custom = PhraseInterruptionDetector(
        interrupt_phrases=["banana"], backchannel_phrases=["roger"], extra_interrupt_phrases=["over"]
    )
    assert custom.detect(UserActivity(text="Banana!", final=True)).verdict is Verdict.INTERRUPT
    assert custom.detect(UserActivity(text="over and out", final=True)).verdict is Verdict.INTERRUPT
    assert custom.detect(UserActivity(text="roger roger", final=True)).verdict is Verdict.BACKCHANNEL
    assert custom.detect(UserActivity(text="stop", final=True)).verdict is Verdict.NOT_YET
    spanish_only = PhraseInterruptionDetector(languages=["es"])
    assert spanish_only.detect(UserActivity(text="espera", final=True)).verdict is Verdict.INTERRUPT
    assert spanish_only.detect(UserActivity(text="wait", final=True)).verdict is Verdict.NOT_YET


def test_normalization_ignores_case_accents_punctuation_and_elongation():
    assert normalize("Mmm-HMM!!") == ("m", "hm")
    assert normalize("Sí, ¡claro!") == ("si", "claro")
    assert normalize("Don't") == ("dont",)


def context(**kwargs) -> InterruptionContext:
    defaults = dict(
        now=10.0,
        bot_speaking=True,
        bot_speaking_secs=2.0,
        detection=Detection(Verdict.INTERRUPT, "text"),
        activity=UserActivity(text="wait", final=True),
    )
    return InterruptionContext(**{**defaults, **kwargs})


async def test_builtin_conditions():
    assert MinBotSpeakingTime(1.0).allows(context(bot_speaking_secs=0.5)) is False
    assert MinBotSpeakingTime(1.0).allows(context(bot_speaking_secs=1.5)) is True
    vad = Detection(Verdict.INTERRUPT, "vad")
    assert EchoGuard(1.0).allows(context(detection=vad, bot_speaking_secs=0.3)) is False
    assert EchoGuard(1.0).allows(context(bot_speaking_secs=0.3)) is True  # words are not echo
    assert UninterruptibleSegments().allows(context()) is True
    assert protected_segment().allows(context()) is False


def protected_segment():
    """An `UninterruptibleSegments` that saw a protected speech start (its own state)."""
    segments = UninterruptibleSegments()
    segments.protect_current_speech()
    segments.process_frame(BotStartedSpeakingFrame(), FrameDirection.UPSTREAM)
    return segments


def test_uninterruptible_segments_and_phase_switch_keep_their_own_state_from_frames():
    segments = UninterruptibleSegments()
    speak = TTSSpeakFrame("This call is recorded.")
    speak.interruptible = False
    segments.process_frame(speak, FrameDirection.DOWNSTREAM)
    assert segments.allows(context()) is True  # protected from the next start of speech
    segments.process_frame(BotStartedSpeakingFrame(), FrameDirection.UPSTREAM)
    assert segments.allows(context()) is False
    segments.process_frame(BotStoppedSpeakingFrame(), FrameDirection.UPSTREAM)
    assert segments.allows(context()) is True
    switch = InterruptionsEnabled()
    switch.process_frame(InterruptionsControlFrame(enabled=False), FrameDirection.DOWNSTREAM)
    assert switch.allows(context()) is False
    switch.process_frame(InterruptionsControlFrame(enabled=True), FrameDirection.DOWNSTREAM)
    assert switch.allows(context()) is True


async def test_combinators_and_async_predicates():
    async def after_one_second(ctx):
        await asyncio.sleep(0)
        return ctx.bot_speaking_secs > 1

    combined = all_of(after_one_second, UninterruptibleSegments())
    assert await combined.allows(context()) is True
    assert await all_of(after_one_second, protected_segment()).allows(context()) is False
    assert await combined.allows(context(bot_speaking_secs=0.5)) is False
    assert await not_(protected_segment()).allows(context()) is True
    assert await not_(UninterruptibleSegments()).allows(context()) is False
    either = any_of(MinBotSpeakingTime(5), lambda ctx: ctx.activity.text == "wait")
    assert await either.allows(context()) is True
    assert await either.allows(context(activity=UserActivity(text="hmm"))) is False
    assert combined.name.startswith("all_of(")


async def test_a_raising_or_slow_condition_is_resolved_by_the_error_policy(log_records):
    def broken(ctx):
        raise RuntimeError("bug in user predicate")

    async def slow(ctx):
        await asyncio.sleep(10)
        return False

    allow = await check_conditions([PredicateCondition(broken)], context(), on_error=True)
    assert allow.allowed and allow.errors == ("broken",)
    deny = await check_conditions(
        [PredicateCondition(slow)], context(), timeout=0.01, on_error=False
    )
    assert not deny.allowed and deny.blocked_by == "slow"
    assert any("condition slow overran" in r["message"] for r in log_records)


@pytest.mark.parametrize(
    ("factory", "parameter", "error"),
    [
        (lambda: PhraseInterruptionDetector(interrupt_phrases=["stop", 3]), "interrupt_phrases", TypeError),
        (lambda: PhraseInterruptionDetector(backchannel_phrases="mhm"), "backchannel_phrases", TypeError),
        (lambda: PhraseInterruptionDetector(extra_backchannel_phrases=["..."]), "extra_backchannel_phrases", ValueError),
        (lambda: PhraseInterruptionDetector(languages=["xx"]), "languages", ValueError),
        (lambda: TextInterruptionDetector(min_chars=-1), "min_chars", ValueError),
        (lambda: TextInterruptionDetector(min_words=1.5), "min_words", TypeError),
        (lambda: VADInterruptionDetector(min_speech_secs=-0.2), "min_speech_secs", ValueError),
        (lambda: MinBotSpeakingTime(-1), "secs", ValueError),
        (lambda: InterruptionController(conditions=["not callable"]), "conditions", TypeError),
        (lambda: InterruptionController(conditions=lambda c: True), "conditions", TypeError),
        (lambda: InterruptionController(detectors=[object()]), "detectors", TypeError),
        (lambda: InterruptionController(interrupt_event_types=[dict]), "interrupt_event_types", TypeError),
        (lambda: InterruptionController(hold_timeout_secs=-1), "hold_timeout_secs", ValueError),
        (lambda: InterruptionController(hold_timeout_secs=float("inf")), "hold_timeout_secs", ValueError),
        (lambda: InterruptionController(recheck_secs=float("nan")), "recheck_secs", ValueError),
        (lambda: InterruptionController(condition_timeout_secs=float("inf")), "condition_timeout_secs", ValueError),
        (lambda: InterruptionController(backchannel_judge="mhm"), "backchannel_judge", TypeError),
        (lambda: MinBotSpeakingTime(float("inf")), "secs", ValueError),
        (lambda: EchoGuard(float("inf")), "secs", ValueError),
        (lambda: EchoGuard(reasons="vad"), "reasons", TypeError),
        (lambda: EchoGuard(reasons=["vad", 3]), "reasons", TypeError),
        (lambda: PredicateCondition(lambda c: True, name=3), "name", TypeError),
        (lambda: all_of(), "conditions", ValueError),
        (lambda: InterruptionController(name=7), "name", TypeError),
    ],
)
def test_bad_configuration_fails_at_construction_naming_the_parameter(factory, parameter, error):
    with pytest.raises(error, match=parameter):
        factory()


def test_the_phrase_detector_reads_a_repeated_transcript_once(monkeypatch):
    # The controller's evaluation and the snapshotter (sharing it as the backchannel judge)
    # read the same transcript: the detector keeps its last few findings.
    from pipecat_interrupts.detectors import phrase_detector

    detector = PhraseInterruptionDetector()
    reads: list[str] = []
    real_read = detector._read

    def counting_read(text, language, final):
        reads.append(text)
        return real_read(text, language, final)

    monkeypatch.setattr(detector, "_read", counting_read)
    assert detector.is_backchannel("yeah yeah") and detector.is_backchannel("yeah yeah")
    assert not detector.is_backchannel("wait, stop")
    assert detector.find_interrupt_phrase("wait, stop") == detector.find_interrupt_phrase(
        "wait, stop"
    )
    assert reads == ["yeah yeah", "wait, stop"]
    # Bounded: older findings are forgotten, and read again when asked.
    for n in range(phrase_detector._RECENT_FINDINGS):
        detector.is_backchannel(f"okay {n}")
    detector.is_backchannel("yeah yeah")
    assert reads.count("yeah yeah") == 2
    # A language object that cannot be hashed is read every time, not cached.
    assert detector.is_backchannel("mhm", ["en"]) and detector.is_backchannel("mhm", ["en"])
    assert reads.count("mhm") == 2
