"""Snapshots, the store, and a truthful context after every interruption."""

import pytest

from pipecat_interrupts import (
    FlushCoordinator,
    InMemorySnapshotStore,
    InterruptionController,
    InterruptionSnapshot,
    StateSnapshotter,
)
from pipecat_interrupts.snapshot import recovery_message, unspoken_remainder
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
MARKER = " [interrupted]"


def voice(steps, *, word_timestamps=False, token_delay=0.005, snapshotter=None, secs_per_word=0.05):
    snapshotter = snapshotter or StateSnapshotter()
    coordinator = FlushCoordinator()
    vp = build_voice_pipeline(
        controller=InterruptionController(),
        snapshotter=snapshotter,
        user=ScriptedUser(steps),
        llm=FakeLLMService(replies=[ANSWER, "Okay."], token_delay_secs=token_delay),
        tts=FakeTTSService(secs_per_word=secs_per_word, word_timestamps=word_timestamps),
        after_user_aggregator=[coordinator],
    )
    return vp, snapshotter, coordinator


async def run_until_answered(vp):
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished()
        assert await vp.output.wait_until(lambda: "Okay." in vp.output.spoken_text)


@pytest.mark.parametrize("word_timestamps", [False, True])
async def test_snapshot_freezes_generated_versus_heard(word_timestamps):
    vp, snapshotter, coordinator = voice(
        [WaitForBot(), Pause(0.3), Utterance("wait stop")], word_timestamps=word_timestamps
    )
    seen = []
    snapshotter.add_event_handler("on_snapshot", lambda _, s: seen.append(s))
    await run_until_answered(vp)

    snapshot = snapshotter.latest_snapshot
    assert seen == [snapshot]
    assert snapshot.reason == "phrase"
    assert snapshot.flush_id == coordinator.reports[0].flush_id
    assert snapshot.generated_text == ANSWER  # the fast LLM had finished generating
    heard = vp.output.spoken_text.removesuffix(" Okay.")
    assert snapshot.spoken_text == heard
    assert f"{snapshot.spoken_text} {snapshot.unspoken_text}".split() == ANSWER.split()
    assert snapshot.unspoken_text and snapshot.speaking_secs > 0.2 and snapshot.spoken_secs > 0
    # The context copy is the context when the bot was cut off: the reply's own message
    # (written as it played) already holds what was heard, marked.
    assert [m["role"] for m in snapshot.context_messages] == ["system", "assistant"]
    assert snapshot.context_messages[1]["content"] == snapshot.spoken_text + MARKER
    vp.context.get_messages()[0]["content"] = "changed later"
    assert snapshot.context_messages[0]["content"] != "changed later"


@pytest.mark.parametrize("word_timestamps", [False, True])
@pytest.mark.parametrize("llm_streaming", [False, True], ids=["audio-only-left", "llm-streaming"])
async def test_context_holds_only_what_was_heard_marked_interrupted(word_timestamps, llm_streaming):
    # With a slow LLM the barge-in lands while tokens are still streaming.
    vp, snapshotter, _ = voice(
        [WaitForBot(), Pause(0.35), Utterance("hold on")],
        word_timestamps=word_timestamps,
        token_delay=0.06 if llm_streaming else 0.002,
    )
    await run_until_answered(vp)
    snapshot = snapshotter.latest_snapshot
    if llm_streaming:
        assert vp.llm.cancelled_runs, "the barge-in should have cut the LLM stream"
        assert len(snapshot.generated_text.split()) < len(ANSWER.split())
    else:
        assert vp.llm.cancelled_runs == []
    assistant = [m["content"] for m in vp.messages if m["role"] == "assistant"]
    assert assistant[0] == snapshot.spoken_text + MARKER
    assert snapshot.unspoken_text.split()[-1] not in assistant[0]
    assert assistant[1] == "Okay."
    assert [m["role"] for m in vp.messages] == ["system", "assistant", "user", "assistant"]


async def test_optional_note_tells_the_model_it_was_interrupted():
    note = "The user interrupted you; they did not hear the rest of your answer."
    vp, _, _ = voice(
        [WaitForBot(), Pause(0.3), Utterance("stop")],
        snapshotter=StateSnapshotter(interruption_note=note, interrupted_marker=""),
    )
    await run_until_answered(vp)
    assert [m["role"] for m in vp.messages] == ["system", "assistant", "system", "user", "assistant"]
    assert vp.messages[2]["content"] == note
    assert not vp.messages[1]["content"].endswith(MARKER)


def snapshot(conversation: str, n: int) -> InterruptionSnapshot:
    return InterruptionSnapshot(
        conversation_id=conversation,
        reason="phrase",
        trigger=None,
        flush_id=None,
        generated_text=f"generated {n}",
        spoken_text="generated",
        unspoken_text=str(n),
        user_text=None,
        bot_started_at=None,
        interrupted_at=float(n),
        spoken_secs=0.0,
    )


def test_store_is_bounded_per_conversation_with_a_recovery_api():
    store = InMemorySnapshotStore(max_per_conversation=3, max_conversations=2)
    for n in range(5):
        store.add(snapshot("a", n))
    store.add(snapshot("b", 10))
    assert [s.unspoken_text for s in store.all("a")] == ["2", "3", "4"]
    assert store.latest("a").unspoken_text == "4"
    assert store.pop("a").unspoken_text == "4"
    assert store.latest("a").unspoken_text == "3"
    store.add(snapshot("c", 20))  # a third conversation evicts the least recently updated
    assert store.all("a") == [] and store.latest("b") is not None
    store.clear("b")
    assert store.latest("b") is None and store.latest("c") is not None
    store.clear()
    assert len(store) == 0 and store.pop("c") is None


def test_unspoken_remainder_works_word_by_word():
    assert unspoken_remainder("One two. Three four.", "One two.") == "Three four."
    assert unspoken_remainder("One two. Three four.", "One two. Three") == "four."
    assert unspoken_remainder("One two.", "One two.") == ""


async def test_a_custom_store_receives_the_snapshots():
    class ListStore:
        def __init__(self):
            self.items = []

        def add(self, s):
            self.items.append(s)

        def latest(self, conversation_id="default"):
            return self.items[-1] if self.items else None

        def pop(self, conversation_id="default"):
            return self.items.pop() if self.items else None

        def all(self, conversation_id="default"):
            return list(self.items)

        def clear(self, conversation_id=None):
            self.items.clear()

    store = ListStore()
    vp, _, _ = voice([WaitForBot(), Pause(0.3), Utterance("stop")], snapshotter=StateSnapshotter(store=store))
    await run_until_answered(vp)
    assert len(store.items) == 1 and store.items[0].conversation_id == "default"


def test_bad_snapshot_configuration_fails_naming_the_parameter():
    with pytest.raises(TypeError, match="store"):
        StateSnapshotter(store=object())
    with pytest.raises(TypeError, match="context"):
        StateSnapshotter(context={"messages": []})
    with pytest.raises(ValueError, match="false_interruption_timeout_secs"):
        StateSnapshotter(false_interruption_timeout_secs=-1)
    with pytest.raises(ValueError, match="max_per_conversation"):
        InMemorySnapshotStore(max_per_conversation=0)


def test_recovery_message_helps_the_next_generation():
    s = snapshot("a", 3)
    resume = recovery_message(s, "resume")
    assert resume["role"] == "system" and '"generated"' in resume["content"] and '"3"' in resume["content"]
    custom = recovery_message(s, "Heard {spoken}; missed {unspoken}.", role="user")
    assert custom == {"role": "user", "content": "Heard generated; missed 3."}
