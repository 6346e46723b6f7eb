"""Fifty interruptions at random points in one conversation leave a consistent state.

A seeded generator drives one long conversation (so CI is deterministic); hypothesis
checks the pure pieces the pipeline relies on over many inputs.
"""

import itertools
import random

import pytest
from conftest import pending_tasks
from hypothesis import given, settings
from hypothesis import strategies as st
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from test_snapshots import snapshot as make_snapshot

from pipecat_interrupts import (
    FlushCoordinator,
    InMemorySnapshotStore,
    InterruptionController,
    PhraseInterruptionDetector,
    StateSnapshotter,
    TextInterruptionDetector,
    VADInterruptionDetector,
    controlled_user_turn_strategies,
)
from pipecat_interrupts.snapshot import unspoken_remainder
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Noise,
    Pause,
    ScriptedUser,
    Utterance,
    build_voice_pipeline,
)

INTERRUPTIONS = 50
STORE_BOUND = 8
MARKER = " [interrupted]"


def barge_in(rng: random.Random, i: int) -> tuple[list, str | None]:
    """One random barge-in: the steps, and what the caller said (None for no words)."""
    kind = rng.choice(["words", "stop", "cough", "backchannel"])
    pause = Pause(rng.uniform(0.01, 0.15))
    if kind == "words":
        return [pause, Utterance(f"question number {i}", word_secs=0.005)], f"question number {i}"
    if kind == "stop":
        return [pause, Utterance("stop", word_secs=0.005)], "stop"
    if kind == "cough":
        return [pause, Noise(rng.uniform(0.06, 0.1))], None
    return [pause, Utterance("mhm", word_secs=0.005)], None


@pytest.mark.parametrize("word_timestamps", [True, False], ids=["word-level", "sentence-level"])
async def test_fifty_random_interruptions_leave_a_valid_context_a_bounded_store_and_no_tasks(word_timestamps):
    rng = random.Random(20261123)
    controller = InterruptionController(
        detectors=[PhraseInterruptionDetector(), TextInterruptionDetector(), VADInterruptionDetector(min_speech_secs=0.05)]
    )
    snapshotter = StateSnapshotter(
        store=InMemorySnapshotStore(max_per_conversation=STORE_BOUND),
        false_interruption_timeout_secs=0.1,
    )
    # Short sentences, so that sentence-level TTS also gets cut after some were heard.
    answers = (f"Answer {n} is short. It has more. Then more again. And it goes on. For a while." for n in itertools.count())
    llm = FakeLLMService(replies=lambda context: next(answers), token_delay_secs=0.001)
    user = ScriptedUser(speaking_tick_secs=0.05)
    strategies = controlled_user_turn_strategies(
        controller, stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.05)]
    )
    vp = build_voice_pipeline(
        controller=controller,
        snapshotter=snapshotter,
        user=user,
        llm=llm,
        tts=FakeTTSService(secs_per_word=0.015, word_timestamps=word_timestamps),
        user_params=LLMUserAggregatorParams(user_turn_strategies=strategies, empty_user_turn=None),
        after_user_aggregator=[FlushCoordinator()],
        end_timeout_secs=10,
    )
    said: list[str] = []
    async with vp:
        await vp.start_bot_turn()
        for i in itertools.count():
            if len(vp.output.interruptions) >= INTERRUPTIONS:
                break
            # The bot may have finished (or been silenced for good): ask it something.
            try:
                await user.wait_for_bot(speaking=True, timeout=0.3)
            except TimeoutError:
                said.append(f"tell me more {i}")
                await user.perform([Utterance(said[-1], word_secs=0.005)])
                await user.wait_for_bot(speaking=True, timeout=5)
            steps, words = barge_in(rng, i)
            await user.perform(steps)
            if words:
                said.append(words)
            assert len(snapshotter.store.all()) <= STORE_BOUND
        await vp.output.wait_until(lambda: not user.bot_speaking, timeout=5)

    messages = vp.messages
    roles = [m["role"] for m in messages]
    # Valid order: the system prompt first, never two assistant messages in a row (a
    # resumed answer is merged into the message it continues). Two user messages in a
    # row are valid: the caller cut in before a word of the answer was heard.
    assert roles[0] == "system" and "system" not in roles[1:]
    assert all(not (a == b == "assistant") for a, b in zip(roles[1:], roles[2:], strict=False)), [
        (m["role"], m["content"]) for m in messages
    ]
    assert roles.count("assistant") >= 2, roles
    # No lost or duplicated user messages: exactly what the caller said, in order.
    assert [m["content"] for m in messages if m["role"] == "user"] == said
    # Assistant messages hold only generated text (a prefix of one reply: never an
    # unheard tail, never a resumed remainder on its own), and each reply at most once.
    generated = [run.reply for run in llm.runs]
    assistant = [m["content"].removesuffix(MARKER) for m in messages if m["role"] == "assistant"]
    for text in assistant:
        assert any(reply.startswith(text) for reply in generated), text
    answer_ids = [text.split()[1] for text in assistant if len(text.split()) > 1]
    assert len(answer_ids) == len(set(answer_ids)), assistant
    # Both recovery paths were exercised: resumed coughs and real barge-ins.
    assert snapshotter.false_interruptions > 0 and len(said) > 0
    # Enough real barge-ins happened, and the store stayed within its bound.
    assert len(vp.output.interruptions) >= INTERRUPTIONS
    assert 0 < len(snapshotter.store.all()) <= STORE_BOUND
    assert pending_tasks() == []


@given(st.lists(st.text(alphabet="abc ", min_size=1, max_size=8), min_size=1, max_size=12), st.data())
@settings(max_examples=200, derandomize=True)
def test_spoken_plus_unspoken_is_always_the_generated_text(words, data):
    generated = " ".join(w.strip() or "x" for w in words)
    cut = data.draw(st.integers(min_value=0, max_value=len(generated.split())))
    spoken = " ".join(generated.split()[:cut])
    remainder = unspoken_remainder(generated, spoken)
    assert (spoken.split() + remainder.split()) == generated.split()


@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=60), st.integers(min_value=1, max_value=5))
@settings(max_examples=200, derandomize=True)
def test_store_never_exceeds_its_bound(conversations, bound):
    store = InMemorySnapshotStore(max_per_conversation=bound, max_conversations=2)
    for n, conversation in enumerate(conversations):
        store.add(make_snapshot(conversation, n))
        assert all(len(store.all(c)) <= bound for c in "abc")
        assert sum(1 for c in "abc" if store.all(c)) <= 2
        assert store.latest(conversation).interrupted_at == float(n)
