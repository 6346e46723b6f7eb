"""Fifty interruptions at random points in one conversation leave a consistent state.

A seeded generator drives one long conversation (so CI is deterministic); hypothesis
checks the pure pieces the pipeline relies on over many inputs.
"""

import itertools
import random
import re
import unicodedata

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
from pipecat_interrupts.testing.truthful_context import ReplyRecorder, context_violations

pytestmark = pytest.mark.virtual_time

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


ANSWERS = {
    # Short sentences, so that sentence-level TTS also gets cut after some were heard.
    "en": "Answer {n} is short. It has more. Then more again. And it goes on. For a while.",
    # Japanese: no spaces between words; word-timestamp TTS times it character by character.
    "ja": "回答{n}は短いです。まだあります。さらに続きます。もう少しです。しばらく。",
}


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("word_timestamps", [True, False], ids=["word-level", "sentence-level"])
async def test_fifty_random_interruptions_leave_a_truthful_context_a_bounded_store_and_no_tasks(
    word_timestamps, language
):
    rng = random.Random(20261123)
    controller = InterruptionController(
        detectors=[
            PhraseInterruptionDetector(),
            TextInterruptionDetector(),
            VADInterruptionDetector(min_speech_secs=0.05),
        ]
    )
    snapshotter = StateSnapshotter(
        store=InMemorySnapshotStore(max_per_conversation=STORE_BOUND),
        false_interruption_timeout_secs=0.1,
    )
    recorder = ReplyRecorder(snapshotter.ledger)
    answers = (ANSWERS[language].format(n=n) for n in itertools.count())
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

    messages = vp.context.get_messages()
    roles = [m["role"] for m in messages]
    assert roles[0] == "system" and "system" not in roles[1:]
    assert roles.count("assistant") >= 2, roles
    # Every reply's message is exactly what its audio delivered (the transport's record,
    # late chunks included, a resumed remainder in the message it continues); no two
    # assistant messages in a row; no lost, duplicated or reordered user messages.
    assert context_violations(messages, vp.output.spoken, recorder, marker=MARKER, said=said) == []
    # Assistant messages hold only generated text: a prefix of one reply (spacing and
    # punctuation aside: sentence-level TTS joins Japanese sentences with a space, and a
    # remainder resumed right after a sentence does not speak the lone "。" it starts
    # with), each reply at most once.
    generated = [_letters(run.reply) for run in llm.runs]
    assistant = [
        _letters(m["content"].removesuffix(MARKER)) for m in messages if m["role"] == "assistant"
    ]
    for text in assistant:
        if language == "en":
            assert any(reply.startswith(text) for reply in generated), text
        else:
            # Timed word frames: at a barge-in the transport may release a later character
            # of a resumed remainder and drop an earlier one with the unplayed queue; the
            # message holds exactly what was released (checked above), in order.
            assert any(_in_order(text, reply) for reply in generated), text
    answer_ids = [found.group(1) for found in map(ANSWER_ID.match, assistant) if found]
    assert len(answer_ids) == len(set(answer_ids)), assistant
    # Both recovery paths were exercised: resumed coughs and real barge-ins.
    assert snapshotter.false_interruptions > 0 and len(said) > 0
    assert len(vp.output.interruptions) >= INTERRUPTIONS
    assert 0 < len(snapshotter.store.all()) <= STORE_BOUND
    assert pending_tasks() == []


ANSWER_ID = re.compile(r"\D+(\d+)\D")  # "Answer 7 is", "回答7は": the reply's number, once heard


def _in_order(text: str, reply: str) -> bool:
    remaining = iter(reply)
    return all(char in remaining for char in text)


def _letters(text: str) -> str:
    return "".join(
        c for c in text if not c.isspace() and not unicodedata.category(c).startswith("P")
    )


@given(
    st.lists(st.text(alphabet="abc ", min_size=1, max_size=8), min_size=1, max_size=12), st.data()
)
@settings(max_examples=200, derandomize=True)
def test_spoken_plus_unspoken_is_always_the_generated_text(words, data):
    generated = " ".join(w.strip() or "x" for w in words)
    cut = data.draw(st.integers(min_value=0, max_value=len(generated.split())))
    spoken = " ".join(generated.split()[:cut])
    remainder = unspoken_remainder(generated, spoken)
    assert (spoken.split() + remainder.split()) == generated.split()


@given(
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=60), st.integers(min_value=1, max_value=5)
)
@settings(max_examples=200, derandomize=True)
def test_store_never_exceeds_its_bound(conversations, bound):
    store = InMemorySnapshotStore(max_per_conversation=bound, max_conversations=2)
    for n, conversation in enumerate(conversations):
        store.add(make_snapshot(conversation, n))
        assert all(len(store.all(c)) <= bound for c in "abc")
        assert sum(1 for c in "abc" if store.all(c)) <= 2
        assert store.latest(conversation).interrupted_at == float(n)
