"""Precision and recall of the default detectors on a labelled corpus of caller utterances.

`tests/data/utterances.tsv` holds short things callers say while a bot is talking
(mostly English, some other languages, no language attached), and
`tests/data/utterances_<code>.tsv` holds at least 60 backchannels and 60 interruptions
per shipped language, written as speech-to-text services write them. Each utterance is
read by the default detector chain (phrases, then TEN's text rule, then voice activity)
as a final transcript carrying its language, and in a streaming variant that sends
interims word by word (character by character in Japanese and Chinese) first.
Ambiguous lines are reported, not scored.
"""

from statistics import median

import pytest
from corpus import classify_final, classify_streaming, load, report, shared_detectors

from pipecat_interrupts.detectors import SUPPORTED_LANGUAGES

pytestmark = pytest.mark.virtual_time

OVERALL = 0.95
PER_LANGUAGE = 0.90


def _failures(scores):
    failures = []
    for name, by_label in scores.items():
        floor = OVERALL if name == "ALL" else PER_LANGUAGE
        for label, s in by_label.items():
            if s.precision < floor or s.recall < floor:
                failures.append(f"{name}/{label} P {s.precision:.3f} R {s.recall:.3f} < {floor}")
    return failures


def _scored(rows):
    return [u for u in rows if u.label != "ambiguous"]


def test_corpus_covers_every_language_with_enough_lines():
    rows = load()
    assert {u.label for u in rows} == {"backchannel", "interrupt", "ambiguous"}
    for code in SUPPORTED_LANGUAGES:
        mine = [u for u in rows if u.language == code and u.source == f"utterances_{code}.tsv"]
        for label in ("backchannel", "interrupt"):
            count = sum(1 for u in mine if u.label == label)
            assert count >= 60, f"{code}: only {count} {label} lines"


def test_default_detection_precision_and_recall_on_the_corpus():
    detectors = shared_detectors()
    rows = load()
    scored = _scored(rows)
    lines, scores = report(scored, lambda u: classify_final(detectors, u), "final transcripts, language attached:")
    ambiguous = [(u.text, classify_final(detectors, u)) for u in rows if u.label == "ambiguous"]
    print("\n" + "\n".join(lines))
    print("  ambiguous read as: " + ", ".join(f"{t!r}->{p}" for t, p in ambiguous))
    failures = _failures(scores)
    assert not failures, failures


def test_detection_without_the_transcripts_language_is_reported():
    # STT services that attach no language: the script of the text picks the candidates.
    detectors = shared_detectors()
    scored = _scored(load())
    lines, scores = report(
        scored, lambda u: classify_final(detectors, u, with_language=False), "final transcripts, no language:"
    )
    print("\n" + "\n".join(lines))
    overall = scores["ALL"]
    assert min(min(s.precision, s.recall) for s in overall.values()) >= 0.90, lines[1]


@pytest.mark.timeout(120)
def test_streaming_precision_recall_and_words_needed_to_interrupt():
    detectors = shared_detectors()
    scored = _scored(load())
    streamed = {id(u): classify_streaming(detectors, u) for u in scored}
    lines, scores = report(scored, lambda u: streamed[id(u)].label, "streaming interims, then the final:")
    print("\n" + "\n".join(lines))
    by_language: dict[str, list[int]] = {}
    for u in scored:
        units = streamed[id(u)].units_to_interrupt
        if u.label == "interrupt" and units is not None:
            by_language.setdefault(u.language or "mixed", []).append(units)
    for name, units in sorted(by_language.items()):
        unit = "chars" if name in ("ja", "zh") else "words"
        print(f"  {name:>8}: interrupted after median {median(units):g} {unit} (max {max(units)})")
    failures = _failures(scores)
    assert not failures, failures
