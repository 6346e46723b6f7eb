"""The model detector deciding inside a running pipeline (the controller awaits it)."""

import pytest
from pipecat.frames.frames import InterruptionFrame
from pipeline_helpers import FrameRecorder

from pipecat_interrupts import InterruptionController
from pipecat_interrupts.detectors import (
    ModelInterruptionDetector,
    OpenAIInterruptionClassifier,
    TextInterruptionDetector,
)
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeOpenAIServer,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

ANSWER = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen."


class ScriptedClassifier:
    """Answers every utterance with the same label; records what it was asked."""

    def __init__(self, answer: str):
        self.answer = answer
        self.asked: list[str] = []

    async def classify(self, text, language):
        self.asked.append(text)
        return self.answer


def pipeline(classifier, utterance: str):
    detector = ModelInterruptionDetector(classifier, deadline_secs=2.0)
    controller = InterruptionController(detectors=[detector, TextInterruptionDetector()])
    probe = FrameRecorder(name="probe")
    vp = build_voice_pipeline(
        controller=controller,
        user=ScriptedUser([WaitForBot(), Pause(0.2), Utterance(utterance, interim=False)]),
        llm=FakeLLMService(replies=[ANSWER, "Sure, go ahead."], token_delay_secs=0.005),
        tts=FakeTTSService(secs_per_word=0.05),
        after_user_aggregator=[probe],
    )
    return vp, controller, probe, detector


# The scripted classifier's tests run on virtual time; the OpenAI classifier's talks to the
# FakeOpenAIServer over real localhost sockets, which virtual time does not track.
@pytest.mark.virtual_time
async def test_the_model_keeps_the_bot_talking_over_a_sentence_it_reads_as_a_backchannel():
    # Without the model the text rule interrupts on any final transcript.
    classifier = ScriptedClassifier("backchannel")
    vp, controller, probe, detector = pipeline(classifier, "right so my brother uses it too")
    backchannels: list[str] = []
    controller.add_event_handler("on_backchannel", lambda _c, text: backchannels.append(text))
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished()
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == ANSWER)
    await detector.close()
    assert classifier.asked == ["right so my brother uses it too"]
    assert backchannels == ["right so my brother uses it too"]
    assert probe.of_type(InterruptionFrame) == [] and vp.output.interruptions == []
    assert len(vp.llm.runs) == 1


async def test_the_openai_classifier_interrupts_on_words_the_phrase_lists_call_a_backchannel():
    async with FakeOpenAIServer(replies=["interrupt"], token_delay_secs=0.0) as server:
        classifier = OpenAIInterruptionClassifier(base_url=server.base_url, model="fake")
        vp, controller, probe, detector = pipeline(classifier, "yeah okay")
        decisions = []
        controller.add_event_handler("on_interruption", lambda _c, decision: decisions.append(decision))
        async with vp:
            await vp.start_bot_turn()
            assert await vp.output.wait_until(lambda: "go ahead" in vp.output.spoken_text, timeout=8)
        await detector.close()
    assert [r.body["messages"][-1]["content"] for r in server.requests] == ["yeah okay"]
    assert [str(d.reason) for d in decisions] == ["model"]
    assert len(probe.of_type(InterruptionFrame)) == 1 and vp.output.interruptions


@pytest.mark.virtual_time
async def test_an_interrupt_phrase_in_a_pipeline_never_asks_the_model():
    classifier = ScriptedClassifier("backchannel")
    vp, controller, probe, detector = pipeline(classifier, "stop")
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: "go ahead" in vp.output.spoken_text, timeout=8)
    await detector.close()
    assert classifier.asked == []
    assert len(probe.of_type(InterruptionFrame)) == 1
