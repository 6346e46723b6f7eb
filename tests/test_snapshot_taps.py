"""Snapshot taps: the snapshotter's in-band view of generation and the caller's words."""

import asyncio

import pytest
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    InterruptionFrame,
    LLMContextAssistantTurnFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSSpeakFrame,
    TTSTextFrame,
)
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import (
    FlushCoordinator,
    InterruptionController,
    InterruptionDecision,
    SnapshotTap,
    StateSnapshotter,
)
from pipecat_interrupts.frames import DECISION
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    ScriptedUser,
    Utterance,
    WaitForBot,
    build_voice_pipeline,
)

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
    warnings = [r for r in log_records if r["level"].name == "WARNING" and "right after the LLM" in r["message"]]
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
        for frame in (LLMFullResponseStartFrame(), LLMTextFrame(generated), LLMFullResponseEndFrame()):
            snapshotter.note_frame(frame, generated_by_llm=True)
        interruption = InterruptionFrame()
        interruption.metadata[DECISION] = InterruptionDecision(reason="vad")
        await worker.queue_frames(
            [BotStartedSpeakingFrame(), TTSTextFrame("One two.", text_type="sentence", context_id="reply")]
        )
        await recorder.wait_for(TTSTextFrame)
        await worker.queue_frame(interruption)
        await recorder.wait_for(InterruptionFrame)
        await worker.queue_frame(TTSTextFrame("Three four.", text_type="sentence", context_id="reply"))  # late
        await recorder.wait_for(TTSSpeakFrame, timeout=5)
    snapshot = snapshotter.latest_snapshot
    assert (snapshot.spoken_text, snapshot.unspoken_text) == ("One two.", "Three four. Five six.")
    assert [f.text for f in recorder.of_type(TTSSpeakFrame)] == ["Five six."]  # not "Three four." again


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


class _Commits:
    """The assistant messages of a context, read each time a commit reaches the top."""

    def __init__(self, context: LLMContext):
        self._context = context
        self._turns: asyncio.Queue = asyncio.Queue()

    def assistant(self) -> list[str]:
        return [m["content"] for m in self._context.get_messages() if m["role"] == "assistant"]

    def watch(self, worker) -> None:
        worker.add_reached_upstream_filter((LLMContextAssistantTurnFrame,))
        worker.add_event_handler("on_frame_reached_upstream", lambda *_: self._turns.put_nowait(self.assistant()))

    async def next(self) -> list[str]:
        async with asyncio.timeout(5):
            return await self._turns.get()


async def _speak_first_sentence(worker, recorder: FrameRecorder) -> None:
    await worker.queue_frames([BotStartedSpeakingFrame(), LLMFullResponseStartFrame(), _said("One two.", "cut")])
    await recorder.wait_for(TTSTextFrame)


def _next_reply() -> list:
    return [LLMFullResponseStartFrame(), _said("Okay.", "next"), LLMFullResponseEndFrame()]


async def test_a_late_word_after_the_commit_moves_back_to_the_reply_it_was_played_in():
    # Pipecat's assistant aggregator committed the cut reply at the interruption; a word
    # played after it would start the next reply's message. The snapshotter moves it back.
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    snapshotter = _snapshotter_after("One two. Three four.", context)
    commits = _Commits(context)
    recorder = FrameRecorder(name="sink")
    async with running_pipeline([snapshotter, recorder, LLMContextAggregatorPair(context).assistant()]) as worker:
        commits.watch(worker)
        await _speak_first_sentence(worker, recorder)
        await worker.queue_frame(_phrase_interruption())
        await recorder.wait_for(InterruptionFrame)
        assert await commits.next() == ["One two. [interrupted]"]
        await worker.queue_frames([_said("Three four.", "cut"), *_next_reply()])  # a late word first
        await commits.next()
    assert commits.assistant() == ["One two. Three four. [interrupted]", "Okay."]


class _HoldCommits(FrameProcessor):
    """Holds the assistant aggregator's commits on their way up until released."""

    def __init__(self):
        super().__init__(name="hold-commits")
        self.released = asyncio.Event()

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMContextAssistantTurnFrame) and direction == FrameDirection.UPSTREAM:
            async with asyncio.timeout(5):
                await self.released.wait()
        await self.push_frame(frame, direction)


async def test_a_late_word_before_the_commit_is_seen_still_moves_back():
    # The other order: the late word passes the snapshotter before the aggregator's
    # commit of the cut reply has come back up to it. The aggregator still puts the word
    # at the start of its next commit; the mark keeps it, the next commit loses it.
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    snapshotter = _snapshotter_after("One two. Three four.", context)
    commits = _Commits(context)
    hold = _HoldCommits()
    recorder = FrameRecorder(name="sink")
    aggregator = LLMContextAggregatorPair(context).assistant()
    async with running_pipeline([snapshotter, hold, recorder, aggregator]) as worker:
        commits.watch(worker)
        await _speak_first_sentence(worker, recorder)
        await worker.queue_frames([_phrase_interruption(), _said("Three four.", "cut")])  # late
        await recorder.wait_for(TTSTextFrame, count=2)
        hold.released.set()  # now the commit of the cut reply reaches the snapshotter
        assert await commits.next() == ["One two. Three four. [interrupted]"]
        await worker.queue_frames(_next_reply())
        await commits.next()
    assert commits.assistant() == ["One two. Three four. [interrupted]", "Okay."]


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


async def test_a_word_the_interruption_overtook_in_the_aggregator_stays_in_the_reply_it_was_heard_in():
    # The snapshotter passes on the word and the interruption in order, but Pipecat's
    # (queued) assistant aggregator takes the interruption first: it commits the cut
    # reply without the word, then puts the word at the start of its next commit.
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    snapshotter = _snapshotter_after("One two. Three four. Five six.", context)
    commits = _Commits(context)
    recorder = FrameRecorder(name="sink", enable_direct_mode=True)  # keeps the burst together
    aggregator = LLMContextAggregatorPair(context).assistant()
    async with running_pipeline([_PlayThenInterrupt(), snapshotter, recorder, aggregator]) as worker:
        commits.watch(worker)
        await _speak_first_sentence(worker, recorder)
        await worker.queue_frame(_said("Three four.", "cut"))
        assert await commits.next() == ["One two. Three four. [interrupted]"]
        await worker.queue_frames(_next_reply())
        await commits.next()
    assert snapshotter.latest_snapshot.spoken_text == "One two. Three four."
    assert commits.assistant() == ["One two. Three four. [interrupted]", "Okay."]
