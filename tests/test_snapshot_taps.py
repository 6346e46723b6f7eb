"""Snapshot taps: the snapshotter's in-band view of generation and the caller's words."""

import pytest

from pipecat_interrupts import (
    FlushCoordinator,
    InterruptionController,
    SnapshotTap,
    StateSnapshotter,
)
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
