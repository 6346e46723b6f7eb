"""The pluggable model detector: protocol, deadline, fallback, and the OpenAI-compatible one."""

import asyncio

import pytest

from pipecat_interrupts._deadlines import UserCodeRunner
from pipecat_interrupts.detectors import (
    InterruptionClassifier,
    ModelInterruptionDetector,
    ModelLabel,
    OpenAIInterruptionClassifier,
    TextInterruptionDetector,
    UserActivity,
    Verdict,
    default_detectors,
    run_detectors_async,
)
from pipecat_interrupts.testing.fake_openai_server import FakeOpenAIServer

pytestmark = pytest.mark.virtual_time

FINAL = UserActivity(text="so the thing is my brother uses it too", final=True, language="en")


class Recorder:
    """A sync classifier that records what it was asked."""

    def __init__(self, answer):
        self.answer = answer
        self.asked: list[tuple[str, str | None]] = []

    def classify(self, text, language):
        self.asked.append((text, language))
        return self.answer


class Swallower:
    """An async classifier that ignores cancellation and keeps waiting."""

    def __init__(self):
        self.release = asyncio.Event()

    async def classify(self, text, language):
        while not self.release.is_set():
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                continue
        return "interrupt"


def test_the_model_detector_is_off_by_default_and_checks_its_classifier():
    assert not any(isinstance(d, ModelInterruptionDetector) for d in default_detectors())
    assert isinstance(Recorder("interrupt"), InterruptionClassifier)
    with pytest.raises(TypeError, match="classifier"):
        ModelInterruptionDetector(object())
    with pytest.raises(ValueError, match="deadline_secs"):
        ModelInterruptionDetector(Recorder("interrupt"), deadline_secs=float("inf"))


@pytest.mark.parametrize(
    ("answer", "expected", "reason"),
    [("backchannel", Verdict.BACKCHANNEL, "model"), (ModelLabel.INTERRUPT, Verdict.INTERRUPT, "model"),
     ("unsure", Verdict.NOT_YET, "none"), (None, Verdict.NOT_YET, "none"), (42, Verdict.NOT_YET, "none")],
)
async def test_a_sync_classifier_decides_what_the_phrases_leave_open(answer, expected, reason):
    classifier = Recorder(answer)
    detector = ModelInterruptionDetector(classifier)
    detection = await detector.detect_async(FINAL)
    assert (detection.verdict, str(detection.reason)) == (expected, reason)
    assert classifier.asked == [(FINAL.text, "en")]
    assert detector.detect(FINAL).verdict is Verdict.NOT_YET  # the sync path is the phrase verdict
    await detector.close()


async def test_an_interrupt_phrase_and_interims_never_wait_on_the_model():
    classifier = Recorder("backchannel")
    detector = ModelInterruptionDetector(classifier)
    stop = await detector.detect_async(UserActivity(text="wait, stop", final=True, language="en"))
    assert stop.verdict is Verdict.INTERRUPT and str(stop.reason) == "phrase"
    await detector.detect_async(UserActivity(text="so basically", final=False))
    assert classifier.asked == []
    eager = ModelInterruptionDetector(classifier, interims=True)
    interim = await eager.detect_async(UserActivity(text="so basically", final=False))
    assert (interim.verdict, interim.hold) == (Verdict.NOT_YET, True)
    assert classifier.asked == [("so basically", None)]


async def test_a_raising_classifier_falls_back_to_the_phrase_verdict(log_records):
    class Broken:
        def classify(self, text, language):
            raise RuntimeError("model crashed")

    detector = ModelInterruptionDetector(Broken())
    backchannel = UserActivity(text="mhm, okay", final=True, language="en")
    assert (await detector.detect_async(backchannel)).verdict is Verdict.BACKCHANNEL
    assert any("model crashed" in r["message"] and r["level"].name == "WARNING" for r in log_records)


async def test_a_classifier_that_swallows_cancellation_is_abandoned_at_the_deadline(log_records):
    classifier = Swallower()
    runner = UserCodeRunner("test-controller")
    detector = ModelInterruptionDetector(classifier, deadline_secs=0.05)
    chain = [detector, TextInterruptionDetector()]
    detection = await run_detectors_async(chain, FINAL, runner)
    assert (detection.verdict, str(detection.reason)) == (Verdict.INTERRUPT, "text")
    assert runner.abandoned == 1
    assert any("Swallower.classify" in r["message"] and "deadline" in r["message"] for r in log_records)
    classifier.release.set()
    assert await runner.close() == []


async def test_the_openai_classifier_against_the_local_server():
    async with FakeOpenAIServer(replies=["Backchannel.", "interrupt", "maybe"], token_delay_secs=0.0) as server:
        classifier = OpenAIInterruptionClassifier(base_url=server.base_url, model="fake", api_key="k")
        detector = ModelInterruptionDetector(classifier, deadline_secs=5.0)
        first = await detector.detect_async(FINAL)
        second = await detector.detect_async(FINAL)
        third = await detector.detect_async(FINAL)
        await detector.close()
    assert [first.verdict, second.verdict, third.verdict] == [Verdict.BACKCHANNEL, Verdict.INTERRUPT, Verdict.NOT_YET]
    body = server.requests[0].body
    assert body["model"] == "fake" and body["messages"][-1]["content"] == f"[en] {FINAL.text}"
    assert server.requests[0].headers.get("Authorization") == "Bearer k"


@pytest.mark.parametrize("fault", ["http_500", "malformed", "error_event", "drop", "stall"])
async def test_a_failing_endpoint_leaves_the_phrase_verdict(fault, log_records):
    async with FakeOpenAIServer(replies=["interrupt now"], faults=[fault], token_delay_secs=0.0) as server:
        classifier = OpenAIInterruptionClassifier(base_url=server.base_url, model="fake")
        detector = ModelInterruptionDetector(classifier, deadline_secs=0.3)
        backchannel = UserActivity(text="yeah, sure", final=True, language="en")
        detection = await detector.detect_async(backchannel)
        await detector.close()
    assert detection.verdict is Verdict.BACKCHANNEL and str(detection.reason) == "backchannel"
    assert any(r["level"].name == "WARNING" and "OpenAIInterruptionClassifier" in r["message"] for r in log_records)
