"""Snapshot taps: the snapshotter's in-band view of generation and the caller's words."""

import pytest
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSSpeakFrame,
    TTSTextFrame,
)
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
from pipecat.processors.frame_processor import FrameProcessor
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import (
    FlushCoordinator,
    InterruptionController,
    InterruptionDecision,
    SnapshotTap,
    StateSnapshotter,
)
from pipecat_interrupts.frames import DECISION
from pipecat_interrupts.replies import played_late
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

pytestmark = pytest.mark.virtual_time

ANSWER = "Alpha beta gamma delta. Epsilon zeta eta theta. Iota kappa lambda mu. Nu xi omicron pi."


def voice(snapshotter, *, before_user_aggregator=(), before_tts=()):
    return build_voice_pipeline(
        controller=InterruptionController(),
        snapshotter=snapshotter,
        snapshot_taps=False,  # placed by hand below
        user=ScriptedUser([WaitForBot(), Pause(0.3), Utterance("wait, stop")]),
        llm=FakeLLMService(replies=[ANSWER, "Okay."], token_delay_secs=0.003),
        tts=FakeTTSService(secs_per_word=0.05),
        before_user_aggregator=list(before_user_aggregator),
        after_user_aggregator=[FlushCoordinator()],
        before_tts=list(before_tts),
    )


async def run(vp):
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished()
        assert await vp.output.wait_until(lambda: "Okay." in vp.output.spoken_text)


async def test_a_frame_passing_several_taps_is_counted_once():
    snapshotter = StateSnapshotter()
    taps = [snapshotter.tap() for _ in range(3)]
    vp = voice(snapshotter, before_user_aggregator=taps[:1], before_tts=taps[1:])
    await run(vp)
    assert snapshotter.uses_taps and not snapshotter.observes_pipeline
    snapshot = snapshotter.latest_snapshot
    assert snapshot.reason == "phrase"
    assert snapshot.generated_text == ANSWER  # not twice, though two taps saw every token
    assert snapshot.spoken_text and ANSWER.startswith(snapshot.spoken_text)
    assert snapshot.unspoken_text and snapshot.spoken_text + " " + snapshot.unspoken_text == ANSWER


async def test_a_missing_generation_tap_is_reported_once(log_records):
    snapshotter = StateSnapshotter()
    vp = voice(snapshotter, before_user_aggregator=[snapshotter.tap()])  # none after the LLM
    await run(vp)
    warnings = [
        r
        for r in log_records
        if r["level"].name == "WARNING" and "right after the LLM" in r["message"]
    ]
    assert len(warnings) == 1
    assert snapshotter.latest_snapshot.generated_text == ""  # what it could not see


def test_a_tap_needs_a_snapshotter():
    with pytest.raises(TypeError, match="snapshotter"):
        SnapshotTap(object())


async def test_words_played_after_the_interruption_count_as_heard_and_are_not_resumed():
    # Pipecat's output transport can still play the chunk it had taken from its queue
    # when the interruption arrived. Its words reach the snapshotter after the
    # InterruptionFrame, in the interrupted reply's TTS context: they were heard.
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=0.05)
    recorder = FrameRecorder(name="sink")
    generated = "One two. Three four. Five six."
    async with running_pipeline([snapshotter, recorder]) as worker:
        for frame in (
            LLMFullResponseStartFrame(),
            LLMTextFrame(generated),
            LLMFullResponseEndFrame(),
        ):
            snapshotter.note_frame(frame, generated_by_llm=True)
        interruption = InterruptionFrame()
        interruption.metadata[DECISION] = InterruptionDecision(reason="vad")
        await worker.queue_frames(
            [
                BotStartedSpeakingFrame(),
                TTSTextFrame("One two.", text_type="sentence", context_id="reply"),
            ]
        )
        await recorder.wait_for(TTSTextFrame)
        await worker.queue_frame(interruption)
        await recorder.wait_for(InterruptionFrame)
        await worker.queue_frame(
            TTSTextFrame("Three four.", text_type="sentence", context_id="reply")
        )  # late
        await recorder.wait_for(TTSSpeakFrame, timeout=5)
    snapshot = snapshotter.latest_snapshot
    assert (snapshot.spoken_text, snapshot.unspoken_text) == ("One two.", "Three four. Five six.")
    assert [f.text for f in recorder.of_type(TTSSpeakFrame)] == [
        "Five six."
    ]  # not "Three four." again


def _snapshotter_after(generated: str, context: LLMContext | None = None) -> StateSnapshotter:
    """A snapshotter that has seen the LLM generate ``generated``."""
    snapshotter = StateSnapshotter(context=context, false_interruption_timeout_secs=None)
    for frame in (LLMFullResponseStartFrame(), LLMTextFrame(generated), LLMFullResponseEndFrame()):
        snapshotter.note_frame(frame, generated_by_llm=True)
    return snapshotter


def _phrase_interruption() -> InterruptionFrame:
    interruption = InterruptionFrame()
    interruption.metadata[DECISION] = InterruptionDecision(reason="phrase")
    return interruption


def _said(text: str, context_id: str) -> TTSTextFrame:
    return TTSTextFrame(text, text_type="sentence", context_id=context_id)


def _assistant(context: LLMContext) -> list[str]:
    return [m["content"] for m in context.get_messages() if m["role"] == "assistant"]


async def _speak_first_sentence(worker, recorder: FrameRecorder) -> None:
    await worker.queue_frames(
        [BotStartedSpeakingFrame(), LLMFullResponseStartFrame(), _said("One two.", "cut")]
    )
    await recorder.wait_for(TTSTextFrame)


def _next_reply() -> list:
    return [LLMFullResponseStartFrame(), _said("Okay.", "next"), LLMFullResponseEndFrame()]


async def test_a_late_word_joins_the_message_of_the_reply_it_was_played_in():
    # Played after the interruption, in the cut reply's TTS context: the reply's own
    # message is updated in place, and the next reply's message never sees the word.
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    snapshotter = _snapshotter_after("One two. Three four.", context)
    recorder = FrameRecorder(name="sink")
    async with running_pipeline(
        [snapshotter, recorder, LLMContextAggregatorPair(context).assistant()]
    ) as worker:
        await _speak_first_sentence(worker, recorder)
        await worker.queue_frame(_phrase_interruption())
        await recorder.wait_for(InterruptionFrame)
        assert _assistant(context) == ["One two. [interrupted]"]
        await worker.queue_frames(
            [_said("Three four.", "cut"), *_next_reply()]
        )  # a late word first
        await recorder.wait_for(LLMFullResponseEndFrame)
    # The late chunk finished the answer: the caller heard all of it, so it is not marked.
    assert _assistant(context) == ["One two. Three four.", "Okay."]


async def test_the_late_chunk_of_a_reply_not_heard_before_the_interruption_is_its_first_word():
    # The output guard's answer: a text frame made before the interruption (its id is
    # lower) that plays after it is the late chunk. In a TTS context never heard
    # before, it belongs to the reply the interruption cut, not to the next one.
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    snapshotter = _snapshotter_after("One two. Three four.", context)
    recorder = FrameRecorder(name="sink")
    late = _said("One two.", "cut")  # made before the interruption
    async with running_pipeline(
        [snapshotter, recorder, LLMContextAggregatorPair(context).assistant()]
    ) as worker:
        await worker.queue_frame(_phrase_interruption())
        await recorder.wait_for(InterruptionFrame)
        await worker.queue_frames([late, *_next_reply()])
        await recorder.wait_for(LLMFullResponseEndFrame)
    assert played_late(late) is True
    assert _assistant(context) == ["One two. [interrupted]", "Okay."]
    assert snapshotter.latest_snapshot.generated_text == "One two. Three four."


async def test_the_assistant_aggregator_writes_no_spoken_text_of_its_own():
    # One writer: the snapshotter takes every spoken TTSTextFrame out of the
    # aggregator's hands (append_to_context=False), so the aggregator's commit at the
    # interruption cannot add a second, differently cut copy of the reply.
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    snapshotter = _snapshotter_after("One two. Three four.", context)
    recorder = FrameRecorder(name="sink")
    turns = []
    aggregator = LLMContextAggregatorPair(context).assistant()
    aggregator.add_event_handler(
        "on_assistant_turn_stopped", lambda _, message: turns.append(message.content)
    )
    async with running_pipeline([snapshotter, recorder, aggregator]) as worker:
        await _speak_first_sentence(worker, recorder)
        await worker.queue_frame(_phrase_interruption())
        await recorder.wait_for(InterruptionFrame)
    assert all(not f.append_to_context for f in recorder.of_type(TTSTextFrame))
    assert _assistant(context) == ["One two. [interrupted]"]
    assert turns in ([], [""])  # the aggregator's own turn had no text


class _PlayThenInterrupt(FrameProcessor):
    """Pushes a played word and the interruption right behind it, as one burst.

    An output transport does the same when a chunk's words go out just before an
    interruption arrives: both frames reach the next processor in the same moment.
    """

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, TTSTextFrame) and frame.text == "Three four.":
            await self.push_frame(frame, direction)
            await self.push_frame(_phrase_interruption())
            return
        await self.push_frame(frame, direction)


@pytest.mark.parametrize("direct", [True, False], ids=["default-direct", "queued"])
async def test_a_word_played_right_before_the_interruption_counts_as_heard(direct):
    # A queued processor takes a system frame (the interruption) ahead of a data frame
    # (the word) that arrived with it, and its interruption drops what it still queues:
    # the default direct mode handles them in the order they were pushed.
    kwargs = {} if direct else {"enable_direct_mode": False}
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=None, **kwargs)
    snapshotter.note_frame(LLMFullResponseStartFrame(), generated_by_llm=True)
    snapshotter.note_frame(LLMTextFrame("One two. Three four. Five six."), generated_by_llm=True)
    recorder = FrameRecorder(name="sink")
    async with running_pipeline([_PlayThenInterrupt(), snapshotter, recorder]) as worker:
        await _speak_first_sentence(worker, recorder)
        await worker.queue_frame(_said("Three four.", "cut"))
        await recorder.wait_for(InterruptionFrame)
    snapshot = snapshotter.latest_snapshot
    if direct:
        assert snapshot.spoken_text == "One two. Three four."
        assert snapshot.unspoken_text == "Five six."
    else:  # what the queued mode gets wrong, kept as the reason for the default
        assert snapshot.spoken_text == "One two."


async def test_a_word_played_right_before_the_interruption_stays_in_the_reply_it_was_heard_in():
    # The snapshotter passes on the word and the interruption in order; Pipecat's
    # (queued) assistant aggregator would take the interruption first. The message is
    # the ledger's, written from what played: the word is in it, the next reply is not.
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    snapshotter = _snapshotter_after("One two. Three four. Five six.", context)
    recorder = FrameRecorder(name="sink", enable_direct_mode=True)  # keeps the burst together
    aggregator = LLMContextAggregatorPair(context).assistant()
    async with running_pipeline(
        [_PlayThenInterrupt(), snapshotter, recorder, aggregator]
    ) as worker:
        await _speak_first_sentence(worker, recorder)
        await worker.queue_frame(_said("Three four.", "cut"))
        await recorder.wait_for(InterruptionFrame)
        await worker.queue_frames(_next_reply())
        await recorder.wait_for(LLMFullResponseEndFrame)
    assert snapshotter.latest_snapshot.spoken_text == "One two. Three four."
    assert _assistant(context) == ["One two. Three four. [interrupted]", "Okay."]
