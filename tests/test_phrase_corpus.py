"""Precision and recall of the default detectors on a labelled corpus of caller utterances.

`tests/data/utterances.tsv` holds short things callers say while a bot is talking,
written by the team: backchannels that must never interrupt, real interruptions, and
ambiguous ones (reported, not scored). Each utterance is read as a final transcript by
the default detector chain (phrases, then TEN's text rule, then voice activity).
"""

from pathlib import Path

from pipecat_interrupts.detectors import UserActivity, Verdict, default_detectors, run_detectors

CORPUS = Path(__file__).parent / "data" / "utterances.tsv"
THRESHOLD = 0.95


def load_corpus() -> list[tuple[str, str]]:
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, text = line.split("\t", 1)
        rows.append((label, text))
    return rows


def classify(text: str) -> str:
    detection = run_detectors(default_detectors(), UserActivity(text=text, final=True))
    return {Verdict.INTERRUPT: "interrupt", Verdict.BACKCHANNEL: "backchannel"}.get(
        detection.verdict, "not_yet"
    )


def precision_recall(rows, predictions, label):
    tp = sum(1 for (gold, _), pred in zip(rows, predictions, strict=True) if gold == label and pred == label)
    predicted = sum(1 for pred in predictions if pred == label)
    actual = sum(1 for gold, _ in rows if gold == label)
    return tp / predicted if predicted else 0.0, tp / actual if actual else 0.0


def test_corpus_is_big_enough_and_labelled():
    rows = load_corpus()
    assert len(rows) >= 200
    assert {label for label, _ in rows} == {"backchannel", "interrupt", "ambiguous"}


def test_default_detection_precision_and_recall_on_the_corpus():
    rows = load_corpus()
    scored = [(label, text) for label, text in rows if label != "ambiguous"]
    predictions = [classify(text) for _, text in scored]
    report = []
    failures = []
    for label in ("backchannel", "interrupt"):
        precision, recall = precision_recall(scored, predictions, label)
        report.append(f"{label:>11}: precision {precision:.3f}  recall {recall:.3f}")
        if precision < THRESHOLD or recall < THRESHOLD:
            failures.append(label)
    mistakes = [(gold, pred, text) for (gold, text), pred in zip(scored, predictions, strict=True) if gold != pred]
    ambiguous = [(text, classify(text)) for label, text in rows if label == "ambiguous"]
    print(f"\ncorpus: {len(scored)} scored utterances, {len(ambiguous)} ambiguous")
    print("\n".join(report))
    for gold, pred, text in mistakes:
        print(f"  mistake: {text!r} is {gold}, read as {pred}")
    print("  ambiguous read as: " + ", ".join(f"{t!r}->{p}" for t, p in ambiguous))
    assert not failures, f"below {THRESHOLD}: {failures}; mistakes: {mistakes}"
