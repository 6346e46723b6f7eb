"""The reply ledger's plain parts: text alignment, records, the one writer, the checker."""

import asyncio

import pytest
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSTextFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.workers.runner import WorkerRunner
from pipeline_helpers import FrameRecorder, running_pipeline

from pipecat_interrupts import InterruptionDecision, StateSnapshotter
from pipecat_interrupts.frames import DECISION
from pipecat_interrupts.replies import (
    DEFAULT_CONTEXT_WINDOW,
    ContextWriter,
    InterruptionSnapshot,
    PlayedText,
    ReplyLedger,
    ReplyState,
    unheard_remainder,
)
from pipecat_interrupts.testing.fake_tts import speech_units
from pipecat_interrupts.testing.mock_transport import SpokenText
from pipecat_interrupts.testing.truthful_context import ReplyRecorder, context_violations

pytestmark = pytest.mark.virtual_time

MARKER = " [interrupted]"


def test_unheard_remainder_aligns_characters_in_a_language_without_spaces():
    assert (
        unheard_remainder("回答は短いです。まだあります。", "回答は短いです。") == "まだあります。"
    )
    assert (
        unheard_remainder("回答は短いです。まだあります。", "回答は短") == "いです。まだあります。"
    )
    # str.split() would see one word and call everything heard or nothing heard.
    assert unheard_remainder("这是第一句。这是第二句。", "这是第一句。") == "这是第二句。"


def test_unheard_remainder_survives_a_tts_text_filter():
    # A markdown filter spoke "Hello world" of "**Hello** world. Bye.": the stars were never audio.
    assert unheard_remainder("**Hello** world. Bye.", "Hello world.") == "Bye."
    assert unheard_remainder("One two three", "") == "One two three"
    assert unheard_remainder("One two", "One two") == ""


def _ledger(context: LLMContext, note: str | None = None) -> ReplyLedger:
    return ReplyLedger(ContextWriter(context, marker=MARKER, note=note))


def _play(
    ledger: ReplyLedger, text: str, context_id: str, *, late: bool = False, spaced: bool = False
):
    return ledger.played(
        PlayedText(text, context_id, spaced, late), text_type="sentence", in_context=True
    )


def test_a_reply_owns_one_message_updated_in_place_as_it_plays_late_chunk_included():
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    ledger = _ledger(context)
    start = LLMFullResponseStartFrame()
    ledger.generation_started(start.id)
    ledger.generated(start.id, "One two. Three four. Five six.")
    ledger.generation_ended(LLMFullResponseEndFrame().id)
    reply = _play(ledger, "One two.", "a")
    message = context.get_messages()[1]
    assert message is reply.message and message["content"] == "One two."
    cut = ledger.interrupted(InterruptionFrame().id)
    assert cut is reply and reply.state is ReplyState.INTERRUPTED
    assert message["content"] == "One two." + MARKER
    context.add_message({"role": "user", "content": "wait"})  # the caller's turn lands meanwhile
    _play(ledger, "Three four.", "a", late=True)
    # The same dict, in its place before the caller's message: no reconstruction.
    assert context.get_messages()[1] is message
    assert message["content"] == "One two. Three four." + MARKER
    assert reply.unheard_text == "Five six."


def test_a_resumed_remainder_continues_the_message_and_finishing_it_drops_marker_and_note():
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    ledger = _ledger(context, note="You were interrupted.")
    start = LLMFullResponseStartFrame()
    ledger.generation_started(start.id)
    ledger.generated(start.id, "回答は短いです。まだあります。")
    ledger.generation_ended(LLMFullResponseEndFrame().id)
    for char in "回答は短いです。":
        _play(ledger, char, "a", spaced=True)
    reply = ledger.interrupted(InterruptionFrame().id)
    assert [m["content"] for m in context.get_messages()[1:]] == [
        "回答は短いです。" + MARKER,
        "You were interrupted.",
    ]
    child = ledger.resume(reply)
    assert child.generated_text == "まだあります。" and child.root is reply
    ledger.resume_announced("b")
    for char in "まだあります。":
        _play(ledger, char, "b", spaced=True)
    ledger.bot_stopped()
    assert [m["content"] for m in context.get_messages()[1:]] == ["回答は短いです。まだあります。"]


def test_a_late_chunk_in_a_context_never_heard_belongs_to_the_cut_reply_not_the_next():
    context = LLMContext()
    ledger = _ledger(context)
    first = LLMFullResponseStartFrame()
    ledger.generation_started(first.id)
    ledger.generated(first.id, "One two.")
    ledger.generation_ended(LLMFullResponseEndFrame().id)
    cut = ledger.interrupted(InterruptionFrame().id)  # nothing heard yet
    second = LLMFullResponseStartFrame()
    ledger.generation_started(second.id)
    ledger.generated(second.id, "Okay.")
    assert _play(ledger, "One two.", "a", late=True) is cut
    assert _play(ledger, "Okay.", "b").generated_text == "Okay."


def test_the_checker_reports_a_message_that_is_not_what_was_heard():
    context = LLMContext()
    ledger = _ledger(context)
    recorder = ReplyRecorder(ledger)
    start = LLMFullResponseStartFrame()
    ledger.generation_started(start.id)
    ledger.generated(start.id, "One two. Three four.")
    _play(ledger, "One two.", "a")
    spoken = [SpokenText(0.0, "One two.", "a")]
    assert context_violations(context.get_messages(), spoken, recorder) == []
    context.get_messages()[0]["content"] = "One two. Three four."  # an unheard tail
    context.add_message({"role": "assistant", "content": "Okay."})  # text nobody played
    violations = context_violations(context.get_messages(), spoken, recorder, said=["hi"])
    assert len(violations) == 4, violations  # wrong text, unowned, two in a row, user turns


def test_a_snapshot_copies_a_bounded_window_whatever_the_length_of_the_call():
    for length in (10, 1000):
        messages = [{"role": "user", "content": f"m{n}"} for n in range(length)]
        copied = InterruptionSnapshot.copy_messages(messages, DEFAULT_CONTEXT_WINDOW)
        assert len(copied) == min(length, DEFAULT_CONTEXT_WINDOW)
        assert copied[-1] == messages[-1] and copied[-1] is not messages[-1]


async def test_snapshots_are_stored_under_the_pipeline_workers_conversation_id():
    snapshotter = StateSnapshotter(false_interruption_timeout_secs=None)
    recorder = FrameRecorder(name="sink")
    worker = PipelineWorker(
        Pipeline([snapshotter, recorder]),
        enable_rtvi=False,
        idle_timeout_secs=None,
        conversation_id="call-42",
    )
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    task = asyncio.get_running_loop().create_task(runner.run())
    start = LLMFullResponseStartFrame()
    snapshotter.note_frame(start, generated_by_llm=True)
    snapshotter.note_frame(LLMTextFrame("One two. Three four."), generated_by_llm=True)
    interruption = InterruptionFrame()
    interruption.metadata[DECISION] = InterruptionDecision(reason="phrase")
    await worker.queue_frames(
        [BotStartedSpeakingFrame(), TTSTextFrame("One two.", text_type="sentence", context_id="a")]
    )
    await recorder.wait_for(TTSTextFrame)
    await worker.queue_frame(interruption)
    await recorder.wait_for(InterruptionFrame)
    await worker.cancel()
    async with asyncio.timeout(5):
        await task
    assert snapshotter.conversation_id == "call-42"
    assert [s.spoken_text for s in snapshotter.store.all("call-42")] == ["One two."]
    assert snapshotter.store.all("default") == []


@pytest.mark.parametrize("text", [None, 42])
async def test_an_odd_transcript_is_logged_and_passed_on(text, log_records):
    snapshotter = StateSnapshotter()
    tap = snapshotter.tap()
    recorder = FrameRecorder(name="sink")
    odd = [TranscriptionFrame("x", "user", "now"), InterimTranscriptionFrame("x", "user", "now")]
    for frame in odd:
        frame.text = text
    async with running_pipeline([tap, snapshotter, recorder]) as worker:
        await worker.queue_frames(odd)
        await recorder.wait_for(InterimTranscriptionFrame)
    assert [f for _, f in recorder.frames if f in odd] == odd
    warnings = [
        r for r in log_records if r["level"].name == "WARNING" and "transcript" in r["message"]
    ]
    assert len(warnings) == 2


class _HangingStore:
    """A store whose add swallows its cancellation and finishes late."""

    def __init__(self):
        self.calls = 0

    async def add(self, snapshot):
        self.calls += 1
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(0.5)  # swallowed: keeps going a while

    def latest(self, conversation_id="default"):
        return None

    def pop(self, conversation_id="default"):
        return None

    def all(self, conversation_id="default"):
        return []

    def clear(self, conversation_id=None):
        pass


async def test_a_hanging_store_does_not_hold_up_the_interruption(log_records):
    store = _HangingStore()
    snapshotter = StateSnapshotter(store=store, false_interruption_timeout_secs=None)
    snapshotter.note_frame(LLMFullResponseStartFrame(), generated_by_llm=True)
    snapshotter.note_frame(LLMTextFrame("One two. Three four."), generated_by_llm=True)
    recorder = FrameRecorder(name="sink")
    async with running_pipeline([snapshotter, recorder]) as worker:
        await worker.queue_frame(TTSTextFrame("One two.", text_type="sentence", context_id="a"))
        await recorder.wait_for(TTSTextFrame)
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(InterruptionFrame, timeout=2)  # the store's deadline is 0.2 s
    assert store.calls == 1
    assert any(
        "snapshot store add" in r["message"] and r["level"].name == "WARNING" for r in log_records
    )


def test_the_fake_tts_times_a_language_without_spaces_character_by_character():
    units, spaced = speech_units("回答は短いです。 OK then")
    assert units == ["回", "答", "は", "短", "い", "で", "す", "。 ", "OK ", "then"] and spaced
    assert "".join(units) == "回答は短いです。 OK then"
    assert speech_units("Answer one.") == (["Answer", "one."], False)


def test_a_reply_first_heard_in_a_late_chunk_goes_before_the_callers_next_turn():
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    ledger = _ledger(context)
    start = LLMFullResponseStartFrame()
    ledger.generation_started(start.id)
    ledger.generated(start.id, "One two. Three four.")
    ledger.generation_ended(LLMFullResponseEndFrame().id)
    ledger.interrupted(InterruptionFrame().id)  # nothing heard yet
    context.add_message({"role": "user", "content": "wait"})  # the caller's turn is committed first
    _play(ledger, "One two.", "a", late=True)  # then the late chunk's words reach us
    assert [(m["role"], m["content"]) for m in context.get_messages()] == [
        ("system", "Be brief."),
        ("assistant", "One two." + MARKER),
        ("user", "wait"),
    ]


def test_a_reply_whose_first_sentence_plays_while_the_caller_speaks_comes_before_that_turn():
    # Sentence-level TTS releases a sentence's text after its audio: the caller's turn
    # (not an interruption: a condition let the bot go on) is committed meanwhile.
    context = LLMContext([{"role": "system", "content": "Be brief."}])
    ledger = _ledger(context)
    start = LLMFullResponseStartFrame()
    ledger.generation_started(start.id)
    ledger.generated(start.id, "One two.")
    ledger.generation_ended(LLMFullResponseEndFrame().id)
    ledger.audio_played(0.02, late=False)  # its audio starts
    context.add_message({"role": "user", "content": "mhm, and fees?"})
    _play(ledger, "One two.", "a")
    assert [m["role"] for m in context.get_messages()] == ["system", "assistant", "user"]
