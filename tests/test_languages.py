"""Languages as data: the shipped files, language choice, scripts, hard cases, bounded cost."""

import pytest
from pipecat.transcriptions.language import Language

from pipecat_interrupts.detectors import (
    PhraseInterruptionDetector,
    UserActivity,
    Verdict,
    default_detectors,
    language_codes,
    run_detectors,
)
from pipecat_interrupts.detectors import phrase_tables as tables_module
from pipecat_interrupts.detectors.languages import (
    PHRASE_KINDS,
    find_language,
    shipped_files,
    shipped_languages,
    validate,
)
from pipecat_interrupts.detectors.text_tokens import MAX_EXAMINED_TOKENS, tokenize

pytestmark = pytest.mark.virtual_time

REQUIRED = {"en", "es", "fr", "de", "it", "pt", "nl", "pl", "ru", "tr", "hi", "hi-Latn", "ja", "zh", "ko", "ar", "id", "vi"}


def verdict(text, language=None, final=True, detector=None):
    detector = detector or PhraseInterruptionDetector()
    return detector.detect(UserActivity(text=text, final=final, language=language)).verdict


def test_every_shipped_language_file_loads_and_is_well_formed():
    tables = shipped_languages()
    assert len(shipped_files()) == len(tables) >= 18
    assert REQUIRED <= set(language_codes())
    assert len({t.code for t in tables}) == len(tables)
    for table in tables:
        assert table.interrupt and table.backchannel and table.pardon, table.code
        # Within one language a phrase is never both an interruption and an acknowledgement.
        interrupts = {tokenize(p) for p in table.interrupt}
        acknowledgements = {tokenize(p) for p in table.backchannel + table.thanks + table.reactions}
        assert not interrupts & acknowledgements, (table.code, interrupts & acknowledgements)


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ({"code": "xx", "name": "X", "script": "Latn", "colour": []}, "unknown keys"),
        ({"code": "xx", "name": "X", "script": "Klingon"}, "script"),
        ({"code": "xx", "name": "X", "script": "Latn", "interrupt": "stop"}, "interrupt must be a list"),
        ({"code": "xx", "name": "X", "script": "Latn", "backchannel": ["..."]}, "has no words"),
        ({"code": "xx", "name": "X", "script": "Cyrl", "backchannel": ["да", "はい"]}, "not in script Cyrl"),
        ({"name": "X", "script": "Latn"}, "code must be"),
        ({"code": "xx", "name": "X", "script": "Latn", "priority": "high"}, "priority"),
    ],
)
def test_a_malformed_language_file_is_rejected_naming_the_key(data, complaint):
    with pytest.raises(ValueError, match=complaint):
        validate(data, "xx.toml")


def test_each_language_keeps_its_own_sets():
    assert verdict("para", "es") is Verdict.INTERRUPT  # Spanish: stop
    assert verdict("para", "pt") is Verdict.NOT_YET  # Portuguese: for
    assert verdict("no", "pl") is Verdict.BACKCHANNEL  # Polish: yeah
    assert verdict("no", "en") is Verdict.INTERRUPT


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es-MX", "órale"),
        (Language.PT_BR, "tá bom"),
        ("cmn-CN", "好的"),
        ("zh-TW", "嗯嗯"),
        ("hi-IN", "ठीक है"),
        ("hi-IN", "theek hai"),  # Hindi STT writing Latin script: Hinglish
        ("sv", "ja"),  # a language not shipped: the script decides
        (None, "네"),
        (None, "うんうん"),
    ],
)
def test_the_transcripts_language_or_its_script_picks_the_phrases(language, text):
    assert verdict(text, language) is Verdict.BACKCHANNEL


def test_pinned_languages_decide_alone():
    polish = PhraseInterruptionDetector(languages=["pl"])
    assert verdict("no", None, detector=polish) is Verdict.BACKCHANNEL
    assert verdict("no", None) is Verdict.INTERRUPT  # default: English first
    assert polish.languages == ("pl",)
    with pytest.raises(ValueError, match="languages"):
        PhraseInterruptionDetector(languages=["xx"])
    assert find_language("hi-latn").code == "hi-Latn"


def test_without_a_language_the_one_that_explains_most_words_wins():
    # "no" is English for no, but "no me digas" is a Spanish reaction.
    assert verdict("No me digas.") is Verdict.BACKCHANNEL
    assert verdict("No tak.") is Verdict.BACKCHANNEL


@pytest.mark.parametrize(
    ("language", "plain", "asked"),
    [("ko", "네.", "네?"), ("pt", "Sim.", "Sim?"), ("tr", "Efendim.", "Efendim?"), ("pl", "Tak.", "Tak?"),
     ("ja", "はい。", "はい？"), ("ar", "نعم.", "نعم؟"), ("vi", "Dạ.", "Dạ?"), ("hi", "जी।", "जी?")],
)
def test_a_pardon_form_interrupts_while_the_plain_acknowledgement_does_not(language, plain, asked):
    assert verdict(plain, language) is Verdict.BACKCHANNEL
    assert verdict(asked, language) is Verdict.INTERRUPT
    # The pardon form must be the last thing said: "ah, sim, sério?" is a reaction.
    assert verdict("Sim, sério?", "pt") is Verdict.BACKCHANNEL


def test_thanks_and_reactions_are_acknowledgements_unless_switched_off():
    for text, language in [("ok thanks", "en"), ("merci", "fr"), ("danke", "de"), ("wow", "en"),
                           ("oh no", "en"), ("really?", "en"), ("谢谢", "zh"), ("대박", "ko")]:
        assert verdict(text, language) is Verdict.BACKCHANNEL, text
    strict = PhraseInterruptionDetector(acknowledge_thanks=False, acknowledge_reactions=False)
    assert verdict("merci", "fr", detector=strict) is Verdict.INTERRUPT
    assert verdict("wow", "en", detector=strict) is Verdict.INTERRUPT
    assert verdict("oui", "fr", detector=strict) is Verdict.BACKCHANNEL


def test_scripts_without_spaces_match_inside_the_utterance():
    assert verdict("嗯嗯好的好的没问题", "zh") is Verdict.BACKCHANNEL
    detector = PhraseInterruptionDetector()
    assert detector.find_interrupt_phrase("好的那我想问一下多少钱", "zh") in {"我想", "我想问"}
    assert detector.find_interrupt_phrase("はいはいちょっと待って", "ja") == "ちょっと待って"
    assert verdict("マジで？", "ja") is Verdict.BACKCHANNEL  # katakana reads as hiragana


@pytest.mark.parametrize(("language", "text"), [("ja", "なるほど"), ("zh", "不错"), ("en", "no problem"), ("hi", "क्या बात है")])
def test_interims_hold_while_they_may_still_become_a_backchannel(language, text):
    chain = default_detectors()
    units = list(text) if language in ("ja", "zh") else text.split()
    joiner = "" if language in ("ja", "zh") else " "
    for i in range(1, len(units)):
        interim = joiner.join(units[:i])
        detection = run_detectors(chain, UserActivity(text=interim, final=False, language=language))
        assert (detection.verdict, detection.hold) == (Verdict.NOT_YET, True), interim
    final = run_detectors(chain, UserActivity(text=text, final=True, language=language))
    assert final.verdict is Verdict.BACKCHANNEL


def test_a_word_that_could_grow_still_interrupts_when_final_or_when_it_did_not_grow():
    chain = default_detectors()
    assert run_detectors(chain, UserActivity(text="不", final=True, language="zh")).verdict is Verdict.INTERRUPT
    assert run_detectors(chain, UserActivity(text="no stop", final=False, language="en")).verdict is Verdict.INTERRUPT


def test_a_backchannel_then_a_real_request_interrupts_in_every_language():
    cases = {"en": "mhm, and how much is it?", "ja": "うん、いくらですか？", "zh": "嗯，多少钱？",
             "ko": "네, 근데 얼마예요?", "ru": "Угу, а сколько стоит?", "ar": "نعم، لكن كم السعر؟",
             "hi": "हाँ, लेकिन कितने का है?", "tr": "Evet ama ne kadar?", "vi": "Vâng, nhưng bao nhiêu?"}
    for language, text in cases.items():
        assert verdict(text, language) is Verdict.INTERRUPT, text


def test_a_100_kb_interim_is_read_from_its_tail_only(monkeypatch):
    examined = []
    read = tables_module.PhraseTables.read

    def counting_read(self, tokens):
        examined.append(len(tokens))
        return read(self, tokens)

    monkeypatch.setattr(tables_module.PhraseTables, "read", counting_read)
    detector = PhraseInterruptionDetector()
    head = "stop " + "and then the thing with the account number " * 2400
    assert len(head) > 100_000
    assert detector.detect(UserActivity(text=head + "wait", final=False)).verdict is Verdict.INTERRUPT
    # An interrupt phrase 100 KB ago is outside the examined tail; the text rule decides.
    assert detector.detect(UserActivity(text=head, final=False)).verdict is Verdict.NOT_YET
    cjk = "我们" * 60_000
    detector.detect(UserActivity(text=cjk, final=False, language="zh"))
    assert examined and max(examined) <= MAX_EXAMINED_TOKENS


def test_tables_are_built_once_per_language_set_and_shared():
    a, b = PhraseInterruptionDetector(), PhraseInterruptionDetector()
    assert a._tables is b._tables
    assert PhraseInterruptionDetector(languages=["ja"])._tables is not a._tables


def test_the_judge_uses_the_language():
    judge = PhraseInterruptionDetector()
    assert judge.is_backchannel("no", "pl") and not judge.is_backchannel("no", "en")
    assert judge.is_filler_only("えーと", "ja")
    assert judge.may_become_backchannel("なる", "ja")
    assert set(PHRASE_KINDS) >= {"interrupt", "backchannel", "pardon", "thanks", "reactions", "fillers"}
