"""Pipecat's bundled Silero VAD on real speech recordings drives the controller.

Both recordings were made once with espeak-ng (16 kHz mono, 16-bit):
`speech_wait_stop.wav` ("Wait, stop please.", 1.3 s) and `speech_uh_huh.wav` ("uh huh",
0.35 s). The VAD runs inside the user aggregator, as Pipecat 1.14 recommends; its VAD
frames travel upstream to the InterruptionController. The aggregator keeps Pipecat's
default user-turn strategies (VAD and transcription starts, Smart Turn v3 stop on the
audio), with only the controller's adapter placed first. The scripted user plays the
audio in real time and, like an STT, sends the final transcript after the speech ends.
"""

import wave
from pathlib import Path

from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams

from pipecat_interrupts import (
    InterruptionController,
    PhraseInterruptionDetector,
    TextInterruptionDetector,
    VADInterruptionDetector,
)
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    PlayAudio,
    Say,
    ScriptedUser,
    WaitForBot,
    build_voice_pipeline,
)
from pipecat_interrupts.turn_strategies import controlled_user_turn_strategies

# Real time, not the `virtual_time` marker: the Silero VAD analyses the recordings as they
# are played, and its speech start and stop land against the transcript by real timing
# (tried on virtual time, the wait-stop recording is decided by the phrase before the VAD).

DATA = Path(__file__).parent / "data"
WAIT_STOP = DATA / "speech_wait_stop.wav"
UH_HUH = DATA / "speech_uh_huh.wav"
LONG_ANSWER = " ".join(["Here is the plan for your trip in some detail."] * 4)  # 40 words
VERY_LONG_ANSWER = LONG_ANSWER + " " + LONG_ANSWER
SECS_PER_WORD = 0.04


def read_pcm(path: Path) -> tuple[bytes, int]:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return wav.readframes(wav.getnframes()), wav.getframerate()


def default_voice_pipeline(steps, *, controller: InterruptionController | None, replies):
    """A voice pipeline whose user aggregator keeps Pipecat's default strategies."""
    if controller is None:
        user_params = LLMUserAggregatorParams(vad_analyzer=SileroVADAnalyzer())
    else:
        user_params = LLMUserAggregatorParams(
            vad_analyzer=SileroVADAnalyzer(),
            user_turn_strategies=controlled_user_turn_strategies(controller),
        )
    return build_voice_pipeline(
        controller=controller,
        user=ScriptedUser(steps),
        llm=FakeLLMService(replies=list(replies), token_delay_secs=0.002),
        tts=FakeTTSService(secs_per_word=SECS_PER_WORD),
        user_params=user_params,
    )


def caller_says(path: Path, transcript: str, *, trailing_silence: bool = True) -> list:
    """While the bot speaks: the recording, silence, the STT's final transcript."""
    pcm, rate = read_pcm(path)
    silence = b"\x00\x00" * int(rate * 0.3)
    return [
        WaitForBot(),
        Pause(0.2),
        PlayAudio(pcm, rate),
        PlayAudio(silence, rate),  # the VAD reports the stop during this silence
        Say(transcript, interim=False, word_secs=0.02),
        *([PlayAudio(silence, rate)] if trailing_silence else []),
    ]


async def test_plain_pipecat_defaults_cut_the_bot_off_on_a_recorded_uh_huh():
    """The problem the controller solves, on the same recording: the next test can fail."""
    vp = default_voice_pipeline(
        caller_says(UH_HUH, "Uh-huh."), controller=None, replies=[LONG_ANSWER, "Okay."]
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.output.wait_until(lambda: vp.output.interruptions, timeout=3)
    assert LONG_ANSWER not in vp.output.spoken_text


async def test_recorded_uh_huh_with_pipecats_default_strategies_is_a_backchannel():
    controller = InterruptionController()
    backchannels = []
    controller.add_event_handler("on_backchannel", lambda _, text: backchannels.append(text))
    vp = default_voice_pipeline(
        caller_says(UH_HUH, "Uh-huh."), controller=controller, replies=[LONG_ANSWER, "Okay."]
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished(timeout=10)
        assert await vp.output.wait_until(lambda: vp.output.spoken_text == LONG_ANSWER, timeout=5)
    assert backchannels == ["Uh-huh."]
    assert vp.output.interruptions == []
    assert vp.llm.cancelled_runs == [] and len(vp.llm.runs) == 1
    assert vp.output.played_secs >= SECS_PER_WORD * len(LONG_ANSWER.split()) - 0.01
    assert [m["role"] for m in vp.messages[1:]] == ["assistant"]


async def test_recorded_wait_stop_interrupts_after_min_speech_secs_and_starts_a_user_turn():
    # Silero hears this recording as exactly 0.6 s of speech (0.2 s to confirm the start,
    # then 0.4 s until the stop), a tie with the VAD detector's 0.6 s default that 10 ms of
    # scheduling jitter decided either way (it failed under load). 0.5 s keeps a margin.
    controller = InterruptionController(
        detectors=[
            PhraseInterruptionDetector(),
            TextInterruptionDetector(),
            VADInterruptionDetector(min_speech_secs=0.5),
        ]
    )
    decisions = []
    controller.add_event_handler("on_interruption", lambda _, d: decisions.append(d))
    vp = default_voice_pipeline(
        caller_says(WAIT_STOP, "Wait, stop please.", trailing_silence=False),
        controller=controller,
        replies=[VERY_LONG_ANSWER, "Yes?"],
    )
    async with vp:
        await vp.start_bot_turn()
        assert await vp.user.wait_finished(timeout=10)
        assert await vp.output.wait_until(lambda: "Yes?" in vp.output.spoken_text, timeout=5)
    # Silero heard enough speech before any transcript existed: the VAD detector decided.
    assert [d.reason for d in decisions] == ["vad"] and decisions[0].text is None
    assert len(vp.output.interruptions) == 1
    assert VERY_LONG_ANSWER not in vp.output.spoken_text
    # The held recording became a normal user turn, closed by Smart Turn's stop strategy.
    assert vp.messages[-2:] == [
        {"role": "user", "content": "Wait, stop please."},
        {"role": "assistant", "content": "Yes?"},
    ]
