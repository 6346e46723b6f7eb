"""Pipecat's bundled Silero VAD on a real speech recording drives the controller.

`tests/data/speech_wait_stop.wav` ("Wait, stop please.", 1.3 s, 16 kHz mono) was made
once with espeak-ng. The VAD runs inside the user aggregator, as Pipecat 1.14 recommends;
its VAD frames travel upstream to the InterruptionController, which decides on speech
duration alone (no transcript is sent).
"""

import wave
from pathlib import Path

from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams

from pipecat_interrupts import InterruptionController, VADInterruptionDetector
from pipecat_interrupts.testing import (
    FakeLLMService,
    FakeTTSService,
    Pause,
    PlayAudio,
    ScriptedUser,
    WaitForBot,
    build_voice_pipeline,
    fast_user_turn_strategies,
)
from pipecat_interrupts.turn_strategies import controlled_user_turn_strategies

RECORDING = Path(__file__).parent / "data" / "speech_wait_stop.wav"
ANSWER = " ".join(["This is a long answer that keeps going."] * 6)


def read_pcm(path: Path) -> tuple[bytes, int]:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return wav.readframes(wav.getnframes()), wav.getframerate()


async def test_silero_vad_on_real_speech_interrupts_after_min_speech_secs():
    pcm, rate = read_pcm(RECORDING)
    silence = b"\x00\x00" * int(rate * 0.6)
    controller = InterruptionController(detectors=[VADInterruptionDetector(min_speech_secs=0.5)])
    decisions = []
    controller.add_event_handler("on_interruption", lambda _, d: decisions.append(d))
    strategies = fast_user_turn_strategies()
    user = ScriptedUser([WaitForBot(), Pause(0.2), PlayAudio(pcm, rate), PlayAudio(silence, rate)])
    vp = build_voice_pipeline(
        controller=controller,
        user=user,
        llm=FakeLLMService(replies=[ANSWER, "Yes?"], token_delay_secs=0.002),
        tts=FakeTTSService(secs_per_word=0.05),
        user_params=LLMUserAggregatorParams(
            vad_analyzer=SileroVADAnalyzer(),
            user_turn_strategies=controlled_user_turn_strategies(
                controller, start=strategies.start, stop=strategies.stop
            ),
        ),
    )
    async with vp:
        await vp.start_bot_turn()
        assert await user.wait_finished(timeout=10)
        assert await vp.output.wait_until(lambda: vp.output.interruptions, timeout=2)

    assert len(decisions) == 1
    assert decisions[0].reason == "vad"
    assert len(vp.output.interruptions) == 1
    assert ANSWER not in vp.output.spoken_text
