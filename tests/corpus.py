"""Shared loading and scoring of the labelled utterance corpus (tests and benchmark)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pipecat_interrupts.detectors import (
    BaseInterruptionDetector,
    UserActivity,
    Verdict,
    default_detectors,
    run_detectors,
)

DATA = Path(__file__).parent / "data"
UNSPACED = {"ja", "zh"}
LABELS = ("backchannel", "interrupt")


@dataclass(frozen=True)
class Utterance:
    label: str
    text: str
    language: str | None
    source: str


def load(pattern: str = "utterances*.tsv") -> list[Utterance]:
    rows = []
    for path in sorted(DATA.glob(pattern)):
        stem = path.stem
        file_language = stem.split("_", 1)[1] if "_" in stem and stem != "utterances_fresh" else None
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if stem == "utterances_fresh":
                language, label, text = fields
            else:
                (label, text), language = fields, file_language
            rows.append(Utterance(label, text, language, path.name))
    return rows


def _label(verdict: Verdict) -> str:
    return {Verdict.INTERRUPT: "interrupt", Verdict.BACKCHANNEL: "backchannel"}.get(verdict, "not_yet")


def classify_final(detectors: list[BaseInterruptionDetector], u: Utterance, with_language: bool = True) -> str:
    activity = UserActivity(text=u.text, final=True, language=u.language if with_language else None)
    return _label(run_detectors(detectors, activity).verdict)


def interims(u: Utterance) -> list[str]:
    """The interim transcripts a streaming STT sends before the final: word by word,
    or character by character for languages written without spaces."""
    if u.language in UNSPACED:
        return [u.text[:i] for i in range(1, len(u.text))]
    words = u.text.split()
    return [" ".join(words[:i]) for i in range(1, len(words))]


@dataclass(frozen=True)
class Streamed:
    label: str
    units_to_interrupt: int | None  # words (or characters) heard when it interrupted


def classify_streaming(detectors: list[BaseInterruptionDetector], u: Utterance) -> Streamed:
    steps = interims(u)
    for i, text in enumerate(steps, start=1):
        activity = UserActivity(text=text, final=False, language=u.language)
        if run_detectors(detectors, activity).verdict is Verdict.INTERRUPT:
            return Streamed("interrupt", i)
    final = classify_final(detectors, u)
    return Streamed(final, len(steps) + 1 if final == "interrupt" else None)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    support: int


def score(pairs: Iterable[tuple[str, str]], label: str) -> Score:
    pairs = list(pairs)
    tp = sum(1 for gold, pred in pairs if gold == label and pred == label)
    predicted = sum(1 for _, pred in pairs if pred == label)
    actual = sum(1 for gold, _ in pairs if gold == label)
    return Score(tp / predicted if predicted else 0.0, tp / actual if actual else 0.0, actual)


def report(
    rows: list[Utterance], predict: Callable[[Utterance], str], title: str
) -> tuple[list[str], dict[str, dict[str, Score]]]:
    """Precision and recall per class, overall and per language."""
    groups: dict[str, list[Utterance]] = {"ALL": rows}
    for u in rows:
        groups.setdefault(u.language or "mixed", []).append(u)
    predictions = {id(u): predict(u) for u in rows}
    lines = [title]
    scores: dict[str, dict[str, Score]] = {}
    for name, group in groups.items():
        pairs = [(u.label, predictions[id(u)]) for u in group]
        scores[name] = {label: score(pairs, label) for label in LABELS}
        cells = "  ".join(
            f"{label[:4]} P {s.precision:.3f} R {s.recall:.3f} (n={s.support})" for label, s in scores[name].items()
        )
        lines.append(f"  {name:>8}: {cells}")
    for u in rows:
        if predictions[id(u)] != u.label:
            lines.append(f"    mistake [{u.language}] {u.text!r}: {u.label}, read as {predictions[id(u)]}")
    return lines, scores


def shared_detectors() -> list[BaseInterruptionDetector]:
    return default_detectors()
