#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`MockOutputTransport`: a real Pipecat output transport that plays audio on a clock."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipecat.frames.frames import (
    Frame,
    InterruptionFrame,
    OutputAudioRawFrame,
    StartFrame,
    TTSTextFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.transports.base_transport import TransportParams

from pipecat_interrupts.frames import audio_secs
from pipecat_interrupts.testing.waiting import wait_for_event
from pipecat_interrupts.validation import require_positive_secs


@dataclass(frozen=True)
class PlayedChunk:
    """One audio frame the transport played.

    Parameters:
        started_at: ``time.monotonic()`` when playback of the chunk started.
        ended_at: ``time.monotonic()`` when it ended.
        audio_secs: Audio duration of the chunk.
        context_id: The TTS context it belongs to, if known.
    """

    started_at: float
    ended_at: float
    audio_secs: float
    context_id: str | None


@dataclass(frozen=True)
class SpokenText:
    """Text the transport released after the audio before it was played.

    Parameters:
        at: ``time.monotonic()`` when it was released.
        text: The text (a sentence, or a word with word-timestamp TTS).
        context_id: The TTS context it belongs to, if known.
        includes_inter_frame_spaces: Whether the text carries its own spacing.
        append_to_context: Whether the text was meant for the LLM context.
    """

    at: float
    text: str
    context_id: str | None
    includes_inter_frame_spaces: bool = False
    append_to_context: bool = True


def default_mock_params() -> TransportParams:
    """Transport parameters for tests: audio out on, no end-of-call silence."""
    return TransportParams(audio_out_enabled=True, audio_out_end_silence_secs=0)


class MockOutputTransport(BaseOutputTransport):
    """An output transport that "plays" audio in real time and records what was heard.

    It is Pipecat's `BaseOutputTransport` with its media sender, so interruptions,
    bot-speaking frames, uninterruptible audio and the release of text frames in step
    with audio are exactly Pipecat's. Only the device is fake: writing a chunk sleeps for
    the chunk's duration (divided by ``playback_speed``) and records it.

    What the user heard:

    - ``played``: every audio chunk, with times;
    - ``spoken``: the ``TTSTextFrame``s released after their audio was played;
    - ``spoken_text``: those joined as one string;
    - ``interruptions``: when `InterruptionFrame`s reached the transport.

    Tests can wait for a condition with `wait_until` instead of sleeping.
    """

    def __init__(
        self,
        *,
        params: TransportParams | None = None,
        playback_speed: float = 1.0,
        **kwargs: Any,
    ) -> None:
        """Initialize the transport.

        Args:
            params: Transport parameters; defaults to `default_mock_params()`.
            playback_speed: 2.0 plays twice as fast as real time.
            **kwargs: `BaseOutputTransport` arguments.
        """
        super().__init__(params or default_mock_params(), **kwargs)
        self._playback_speed = require_positive_secs("playback_speed", playback_speed)
        self.played: list[PlayedChunk] = []
        self.spoken: list[SpokenText] = []
        self.interruptions: list[float] = []
        self._changed = asyncio.Event()

    @property
    def played_secs(self) -> float:
        """Total audio played, in seconds."""
        return sum(chunk.audio_secs for chunk in self.played)

    @property
    def last_audio_at(self) -> float | None:
        """When the last chunk finished playing, or None."""
        return self.played[-1].ended_at if self.played else None

    @property
    def spoken_text(self) -> str:
        """Everything the user heard, as text."""
        parts: list[str] = []
        for item in self.spoken:
            text = item.text.strip()
            if text:
                parts.append(text)
        return " ".join(parts)

    async def start(self, frame: StartFrame) -> None:
        """Start the transport and its media sender.

        Args:
            frame: The start frame.
        """
        await super().start(frame)
        await self.set_transport_ready(frame)

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        """Play one chunk: wait for its duration, then record it.

        Args:
            frame: The audio to play.

        Returns:
            True: the chunk was played.
        """
        secs = audio_secs(frame)
        started = time.monotonic()
        await asyncio.sleep(secs / self._playback_speed)
        context_id = getattr(frame, "context_id", None)
        self.played.append(PlayedChunk(started, time.monotonic(), secs, context_id))
        self._notify()
        return True

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Record interruptions, then let the base transport handle the frame.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        if isinstance(frame, InterruptionFrame):
            self.interruptions.append(time.monotonic())
            self._notify()
        await super().process_frame(frame, direction)

    async def push_frame(
        self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM
    ) -> None:
        """Record text released after its audio, then push it on.

        Args:
            frame: The frame to push.
            direction: The direction to push it in.
        """
        if direction == FrameDirection.DOWNSTREAM and isinstance(frame, TTSTextFrame):
            self.spoken.append(
                SpokenText(
                    time.monotonic(),
                    frame.text,
                    frame.context_id,
                    frame.includes_inter_frame_spaces,
                    frame.append_to_context,
                )
            )
            self._notify()
        await super().push_frame(frame, direction)

    async def wait_until(self, predicate: Callable[[], bool], *, timeout: float = 5.0) -> bool:
        """Wait until ``predicate()`` is true, re-checking whenever something is recorded.

        Args:
            predicate: Condition over this transport's records.
            timeout: Deadline in seconds.

        Returns:
            True if the condition held before the deadline, False otherwise.
        """
        return await wait_for_event(self._changed, until=predicate, timeout=timeout)

    async def wait_for_audio(self, secs: float = 0.0, *, timeout: float = 5.0) -> bool:
        """Wait until more than ``secs`` of audio has been played.

        Args:
            secs: Audio seconds to wait for (0 waits for the first chunk).
            timeout: Deadline in seconds.

        Returns:
            True if that much audio was played before the deadline.
        """
        return await self.wait_until(
            lambda: bool(self.played) and self.played_secs > secs, timeout=timeout
        )

    def _notify(self) -> None:
        self._changed.set()
