#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`ScriptedUser`: a caller that follows a timeline, injected at the top of a pipeline.

It plays the part of the input transport, VAD and STT: it pushes the frames they would
push (`VADUserStartedSpeakingFrame`, periodic `UserSpeakingFrame`s, interim and final
transcripts, `VADUserStoppedSpeakingFrame`, raw audio) at the moments the script says,
and it can wait for the bot (the output transport's `BotStartedSpeakingFrame` and
`BotStoppedSpeakingFrame` travel upstream to it).

Example::

    user = ScriptedUser([
        WaitForBot(speaking=True),
        Pause(0.3),
        Utterance("wait, stop"),
    ])
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    StartFrame,
    TranscriptionFrame,
    UserSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.utils.time import time_now_iso8601

from pipecat_interrupts.testing.virtual_time import monotonic, wall_time
from pipecat_interrupts.testing.waiting import holds_for, wait_for_event
from pipecat_interrupts.validation import (
    require_bool,
    require_name,
    require_positive_int,
    require_positive_secs,
    require_text,
)

DEFAULT_STEP_TIMEOUT_SECS = 10.0


class ScriptStep:
    """One step of a user script. Subclasses implement `perform`."""

    async def perform(self, user: "ScriptedUser") -> None:
        """Carry out the step.

        Args:
            user: The scripted user running the step.
        """
        raise NotImplementedError

    def describe(self) -> str:
        """Return a one-line description for timelines."""
        return type(self).__name__


@dataclass
class Pause(ScriptStep):
    """Do nothing for ``secs`` seconds."""

    secs: float

    def __post_init__(self) -> None:
        require_positive_secs("secs", self.secs, allow_zero=True)

    async def perform(self, user: "ScriptedUser") -> None:
        """Sleep."""
        await asyncio.sleep(self.secs)

    def describe(self) -> str:
        """Describe the step."""
        return f"pause {self.secs:.2f}s"


@dataclass
class WaitForBot(ScriptStep):
    """Wait until the bot is speaking (``speaking=True``) or silent (``False``)."""

    speaking: bool = True
    timeout: float = DEFAULT_STEP_TIMEOUT_SECS

    def __post_init__(self) -> None:
        require_bool("speaking", self.speaking)
        require_positive_secs("timeout", self.timeout)

    async def perform(self, user: "ScriptedUser") -> None:
        """Wait for the bot's state, up to ``timeout``."""
        await user.wait_for_bot(speaking=self.speaking, timeout=self.timeout)

    def describe(self) -> str:
        """Describe the step."""
        return f"wait for the bot to {'speak' if self.speaking else 'be silent'}"


@dataclass
class StartSpeaking(ScriptStep):
    """The user starts speaking: VAD start, then periodic `UserSpeakingFrame`s."""

    start_secs: float = 0.2

    def __post_init__(self) -> None:
        require_positive_secs("start_secs", self.start_secs, allow_zero=True)

    async def perform(self, user: "ScriptedUser") -> None:
        """Push the VAD start."""
        await user.start_speaking(start_secs=self.start_secs)

    def describe(self) -> str:
        """Describe the step."""
        return "user starts speaking"


@dataclass
class StopSpeaking(ScriptStep):
    """The user stops speaking: VAD stop."""

    stop_secs: float = 0.2

    def __post_init__(self) -> None:
        require_positive_secs("stop_secs", self.stop_secs, allow_zero=True)

    async def perform(self, user: "ScriptedUser") -> None:
        """Push the VAD stop."""
        await user.stop_speaking(stop_secs=self.stop_secs)

    def describe(self) -> str:
        """Describe the step."""
        return "user stops speaking"


@dataclass
class Say(ScriptStep):
    """Transcripts of ``text``: interim ones word by word (optional), then a final one."""

    text: str
    interim: bool = True
    final: bool = True
    word_secs: float = 0.05

    def __post_init__(self) -> None:
        require_text("text", self.text)
        require_bool("interim", self.interim)
        require_bool("final", self.final)
        require_positive_secs("word_secs", self.word_secs, allow_zero=True)

    async def perform(self, user: "ScriptedUser") -> None:
        """Push the transcripts."""
        await user.say(self.text, interim=self.interim, final=self.final, word_secs=self.word_secs)

    def describe(self) -> str:
        """Describe the step."""
        return f"user says {self.text!r}"


@dataclass
class Utterance(ScriptStep):
    """A whole utterance: start speaking, say ``text``, stop speaking."""

    text: str
    interim: bool = True
    word_secs: float = 0.05

    def __post_init__(self) -> None:
        require_text("text", self.text)
        require_bool("interim", self.interim)
        require_positive_secs("word_secs", self.word_secs, allow_zero=True)

    async def perform(self, user: "ScriptedUser") -> None:
        """Speak the utterance."""
        await user.start_speaking()
        await user.say(self.text, interim=self.interim, word_secs=self.word_secs)
        await user.stop_speaking()

    def describe(self) -> str:
        """Describe the step."""
        return f"user says {self.text!r}"


@dataclass
class Noise(ScriptStep):
    """Voice activity with no words (a cough, a door): VAD start, ``secs``, VAD stop."""

    secs: float = 0.3

    def __post_init__(self) -> None:
        require_positive_secs("secs", self.secs, allow_zero=True)

    async def perform(self, user: "ScriptedUser") -> None:
        """Push VAD start and stop around a pause."""
        await user.start_speaking()
        await asyncio.sleep(self.secs)
        await user.stop_speaking()

    def describe(self) -> str:
        """Describe the step."""
        return f"noise for {self.secs:.2f}s (voice activity, no words)"


@dataclass
class PushFrame(ScriptStep):
    """Push any frame downstream (an `EmergencyStopFrame`, a control frame...)."""

    frame: Frame

    def __post_init__(self) -> None:
        if not isinstance(self.frame, Frame):
            raise TypeError(f"frame must be a Frame, got {type(self.frame).__name__}")

    async def perform(self, user: "ScriptedUser") -> None:
        """Push the frame."""
        await user.push_frame(self.frame)

    def describe(self) -> str:
        """Describe the step."""
        return f"push {self.frame.name}"


@dataclass
class PlayAudio(ScriptStep):
    """Stream 16-bit mono PCM as `InputAudioRawFrame`s in real time (for a real VAD)."""

    audio: bytes
    sample_rate: int = 16000
    chunk_secs: float = 0.02

    def __post_init__(self) -> None:
        if not isinstance(self.audio, bytes | bytearray):
            raise TypeError(f"audio must be bytes, got {type(self.audio).__name__}")
        require_positive_int("sample_rate", self.sample_rate)
        require_positive_secs("chunk_secs", self.chunk_secs)

    async def perform(self, user: "ScriptedUser") -> None:
        """Push the audio chunk by chunk."""
        await user.play_audio(self.audio, sample_rate=self.sample_rate, chunk_secs=self.chunk_secs)

    def describe(self) -> str:
        """Describe the step."""
        return f"play {len(self.audio) / (2 * self.sample_rate):.2f}s of audio"


class ScriptedUser(FrameProcessor):
    """Plays a user script into a running pipeline. Place it first.

    The script starts when the pipeline starts (``autostart=True``) or when `perform`
    is called. Its task is cancelled at pipeline end.

    Event handlers available:

    - on_step(user, step: ScriptStep): before each step runs.
    - on_script_finished(user)

    Example::

        user = ScriptedUser([WaitForBot(), Pause(0.5), Utterance("hold on")])
        vp = build_voice_pipeline(user=user, ...)
    """

    def __init__(
        self,
        steps: Sequence[ScriptStep] = (),
        *,
        user_id: str = "user",
        autostart: bool = True,
        speaking_tick_secs: float = 0.2,
        **kwargs: Any,
    ) -> None:
        """Initialize the scripted user.

        Args:
            steps: The script.
            user_id: Put on transcripts.
            autostart: Run ``steps`` as soon as the pipeline starts.
            speaking_tick_secs: Period of `UserSpeakingFrame`s while speaking.
            **kwargs: `FrameProcessor` arguments.

        Raises:
            TypeError: If a step is not a `ScriptStep`.
        """
        super().__init__(**kwargs)
        if isinstance(steps, str | bytes) or not isinstance(steps, Sequence):
            raise TypeError(
                f"steps must be a list of ScriptStep objects, got {type(steps).__name__}"
            )
        for step in steps:
            if not isinstance(step, ScriptStep):
                raise TypeError(f"steps must contain ScriptStep objects, got {step!r}")
        self._steps = list(steps)
        self._user_id = require_name("user_id", user_id)
        self._autostart = require_bool("autostart", autostart)
        self._tick_secs = require_positive_secs("speaking_tick_secs", speaking_tick_secs)
        self._bot_speaking = False
        self._bot_changed = asyncio.Event()
        self._speaking = False
        self._script_task: asyncio.Task[None] | None = None
        self._tick_task: asyncio.Task[None] | None = None
        self._finished = asyncio.Event()
        self.timeline: list[tuple[float, str]] = []
        self._register_event_handler("on_step")
        self._register_event_handler("on_script_finished")

    @property
    def bot_speaking(self) -> bool:
        """Whether the bot is speaking, as seen from the top of the pipeline."""
        return self._bot_speaking

    @property
    def speaking(self) -> bool:
        """Whether the scripted user is speaking."""
        return self._speaking

    @property
    def finished(self) -> bool:
        """Whether the script has run to its end."""
        return self._finished.is_set()

    async def wait_finished(self, timeout: float = DEFAULT_STEP_TIMEOUT_SECS) -> bool:
        """Wait for the script to end.

        Args:
            timeout: Deadline in seconds.

        Returns:
            True if it ended before the deadline.
        """
        return await wait_for_event(self._finished, timeout=timeout)

    async def perform(self, steps: Sequence[ScriptStep]) -> None:
        """Run more steps now, in the caller's task.

        Args:
            steps: The steps to run.
        """
        for step in steps:
            await self._run_step(step)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Track the bot's speaking state; start and stop the script.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if isinstance(frame, BotStartedSpeakingFrame):
            self._set_bot_speaking(True)
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._set_bot_speaking(False)
        if isinstance(frame, (EndFrame, CancelFrame)):
            await self._teardown()
        await self.push_frame(frame, direction)
        if isinstance(frame, StartFrame) and self._autostart and self._steps:
            self._script_task = self.create_task(self._run_script(), name="script")

    async def cleanup(self) -> None:
        """Stop the script and the speaking ticks."""
        await super().cleanup()  # type: ignore[no-untyped-call]
        await self._teardown()

    async def wait_for_bot(self, *, speaking: bool, timeout: float) -> None:
        """Wait until the bot's speaking state is ``speaking``.

        Args:
            speaking: The state to wait for.
            timeout: Deadline in seconds.

        Raises:
            TimeoutError: If the state was not reached in time.
        """
        async with asyncio.timeout(timeout):
            while self._bot_speaking != speaking:
                self._bot_changed.clear()
                await self._bot_changed.wait()

    async def bot_stays(self, *, speaking: bool, secs: float) -> bool:
        """Check that the bot's speaking state stays ``speaking`` for ``secs`` seconds.

        The negative assertion of a barge-in test ("the bot did not resume"): it waits on
        the loop's clock, so on virtual time it costs no wall time, and it answers False
        the moment the state changes.

        Args:
            speaking: The state that must hold.
            secs: For how long, in seconds.

        Returns:
            True if the state held throughout; False as soon as it did not.
        """
        return await holds_for(
            self._bot_changed, condition=lambda: self._bot_speaking == speaking, secs=secs
        )

    async def start_speaking(self, *, start_secs: float = 0.2) -> None:
        """Push a VAD start and begin periodic `UserSpeakingFrame`s.

        Args:
            start_secs: The VAD start delay reported on the frame.
        """
        if self._speaking:
            return
        self._speaking = True
        await self.push_frame(
            VADUserStartedSpeakingFrame(start_secs=start_secs, timestamp=wall_time())
        )
        self._tick_task = self.create_task(self._tick(), name="speaking-ticks")

    async def stop_speaking(self, *, stop_secs: float = 0.2) -> None:
        """Stop the ticks and push a VAD stop.

        Args:
            stop_secs: The VAD stop delay reported on the frame.
        """
        if not self._speaking:
            return
        self._speaking = False
        if self._tick_task:
            await self.cancel_task(self._tick_task)
            self._tick_task = None
        await self.push_frame(
            VADUserStoppedSpeakingFrame(stop_secs=stop_secs, timestamp=wall_time())
        )

    async def say(
        self, text: str, *, interim: bool = True, final: bool = True, word_secs: float = 0.05
    ) -> None:
        """Push transcripts of ``text``.

        Args:
            text: What the user says.
            interim: Push growing interim transcripts word by word first.
            final: Push the final transcript.
            word_secs: Delay between words.
        """
        words = text.split()
        if interim:
            for i in range(1, len(words) + 1):
                await asyncio.sleep(word_secs)
                await self.push_frame(
                    InterimTranscriptionFrame(
                        " ".join(words[:i]), self._user_id, time_now_iso8601()
                    )
                )
        if final:
            await asyncio.sleep(word_secs)
            await self.push_frame(
                TranscriptionFrame(text, self._user_id, time_now_iso8601(), finalized=True)
            )

    async def play_audio(
        self, audio: bytes, *, sample_rate: int = 16000, chunk_secs: float = 0.02
    ) -> None:
        """Push 16-bit mono PCM in real-time chunks.

        Args:
            audio: The PCM bytes.
            sample_rate: Their sample rate.
            chunk_secs: Chunk duration.
        """
        step = int(sample_rate * chunk_secs) * 2
        for i in range(0, len(audio), step):
            await self.push_frame(InputAudioRawFrame(audio[i : i + step], sample_rate, 1))
            await asyncio.sleep(chunk_secs)

    def _set_bot_speaking(self, speaking: bool) -> None:
        if self._bot_speaking != speaking:
            self._bot_speaking = speaking
            self._bot_changed.set()

    async def _run_step(self, step: ScriptStep) -> None:
        self.timeline.append((monotonic(), step.describe()))
        await self._call_event_handler("on_step", step)
        await step.perform(self)

    async def _run_script(self) -> None:
        try:
            for step in self._steps:
                await self._run_step(step)
        except TimeoutError:
            logger.warning(f"{self}: script step timed out; script abandoned")
        self._finished.set()
        await self._call_event_handler("on_script_finished")

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._tick_secs)
            await self.push_frame(UserSpeakingFrame())

    async def _teardown(self) -> None:
        for task in (self._tick_task, self._script_task):
            if task and not task.done() and task is not asyncio.current_task():
                await self.cancel_task(task)
        self._tick_task = self._script_task = None
