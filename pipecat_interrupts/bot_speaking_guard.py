#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`BotSpeakingGuard`: keeps the bot's speaking signals truthful around interruptions.

Pipecat 1.14's `BaseOutputTransport` can play one audio chunk that was queued before an
interruption: its audio task takes the chunk from the queue, the interruption then
resets the queue and reports the bot stopped, and the task plays the chunk anyway. The
transport reports the bot speaking again for that chunk, and nothing reports it stopped
until the next reply ends or three seconds of silence pass. For those seconds the whole
pipeline (the user aggregator, turn strategies, an interruption controller, a test's
scripted user) believes the bot is talking while the caller hears silence.

Which chunk is the late one is decided in one place, `replies.OutputGuard`, and stamped
on the frame (`replies.played_late`): the reply ledger and metrics read the same answer.
The guard sits right after the output transport and repairs the signals: once the late
chunk has played it reports the bot stopped (both ways), and when the transport, still
believing it never stopped, starts the next reply without a `BotStartedSpeakingFrame`,
the guard reports that start itself.
"""

from dataclasses import dataclass
from typing import Any

from loguru import logger
from pipecat.audio.utils import is_silence
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InputAudioRawFrame,
    InterruptionFrame,
    SpeechOutputAudioRawFrame,
    TTSAudioRawFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from pipecat_interrupts.replies.output_guard import OutputGuard


@dataclass
class _Destination:
    """The speaking state of one transport destination."""

    transport_speaking: bool = False  # what the transport believes
    reported_speaking: bool = False  # what the pipeline was told
    interrupted: bool = False  # an interruption has passed
    stopped_since_interruption: bool = False
    suspect_start: bool = False  # a start reported after the interruption's stop


class BotSpeakingGuard(FrameProcessor):
    """Reports the bot stopped after a chunk played late, and started when it resumes.

    Place it right after ``transport.output()`` (before a `StateSnapshotter` and the
    assistant aggregator). It runs in Pipecat's direct mode: on the audio path it costs
    a few type checks per chunk. Each transport destination is tracked on its own.

    What it does, per destination:

    - A `BotStartedSpeakingFrame` that follows the interruption's
      `BotStoppedSpeakingFrame`, followed by speech audio queued before the interruption,
      is the late chunk: after that chunk, the guard pushes a `BotStoppedSpeakingFrame`
      downstream and upstream.
    - The transport then still believes the bot is speaking, so it will not report the
      next reply's start: the guard pushes a `BotStartedSpeakingFrame` both ways ahead of
      the first new speech chunk (one chunk late: the transport pushes audio on after
      playing it).
    - The transport's own stop, when it finally comes, passes when the pipeline was told
      the bot speaks; a stop the guard already reported is dropped downstream. (Its
      upstream copy leaves the transport directly; upstream processors see a repeated
      stop, which Pipecat's processors take as a no-op.)

    Uninterruptible audio is never treated as late: the bot keeps speaking it by design.

    Example::

        pipeline = Pipeline([..., tts, transport.output(), BotSpeakingGuard(), snapshotter,
                             context_aggregator.assistant()])
    """

    def __init__(self, **kwargs: Any) -> None:
        """Initialize the guard.

        Args:
            **kwargs: `FrameProcessor` arguments (``enable_direct_mode`` defaults to True).
        """
        kwargs.setdefault("enable_direct_mode", True)
        super().__init__(**kwargs)
        self._destinations: dict[str | None, _Destination] = {}
        self._output_guard = OutputGuard()  # the one answer on the late chunk
        self._repairs = 0

    @property
    def repairs(self) -> int:
        """How many late chunks were followed by a repaired stop."""
        return self._repairs

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Track and repair the speaking signals; forward everything.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)

        if isinstance(frame, InputAudioRawFrame) or direction != FrameDirection.DOWNSTREAM:
            await self.push_frame(frame, direction)
        elif isinstance(frame, InterruptionFrame):
            self._output_guard.note_interruption(frame)
            for state in self._all_destinations():
                state.interrupted = True
                state.stopped_since_interruption = state.suspect_start = False
            await self.push_frame(frame, direction)
        elif isinstance(frame, BotStartedSpeakingFrame):
            state = self._state(frame)
            state.suspect_start = state.stopped_since_interruption
            state.transport_speaking = state.reported_speaking = True
            await self.push_frame(frame, direction)
        elif isinstance(frame, BotStoppedSpeakingFrame):
            state = self._state(frame)
            state.transport_speaking = state.suspect_start = False
            state.stopped_since_interruption = state.interrupted
            if not state.reported_speaking:
                logger.debug(f"{self}: {frame.name} repeats a stop already reported; dropped")
                return
            state.reported_speaking = False
            await self.push_frame(frame, direction)
        elif _is_speech(frame):
            await self._on_speech(frame, direction)
        else:
            await self.push_frame(frame, direction)

    async def _on_speech(self, frame: Frame, direction: FrameDirection) -> None:
        state = self._state(frame)
        late = self._output_guard.judge(frame)
        if late:
            await self.push_frame(frame, direction)
            if state.suspect_start and state.reported_speaking:
                state.suspect_start = state.reported_speaking = False
                self._repairs += 1
                logger.debug(
                    f"{self}: the transport played a chunk queued before the interruption "
                    f"and reported the bot speaking again; reporting it stopped"
                )
                await self._broadcast(BotStoppedSpeakingFrame, frame)
            return
        state.suspect_start = False
        if state.transport_speaking and not state.reported_speaking:
            state.reported_speaking = True
            logger.debug(f"{self}: the bot speaks again; reporting the start the transport skipped")
            await self._broadcast(BotStartedSpeakingFrame, frame)
        await self.push_frame(frame, direction)

    async def _broadcast(self, frame_cls: type[Frame], like: Frame) -> None:
        downstream, upstream = frame_cls(), frame_cls()
        downstream.transport_destination = upstream.transport_destination = (
            like.transport_destination
        )
        downstream.broadcast_sibling_id, upstream.broadcast_sibling_id = upstream.id, downstream.id
        await self.push_frame(downstream, FrameDirection.DOWNSTREAM)
        await self.push_frame(upstream, FrameDirection.UPSTREAM)

    def _state(self, frame: Frame) -> _Destination:
        key = frame.transport_destination
        state = self._destinations.get(key)
        if state is None:
            state = self._destinations[key] = _Destination()
            default = self._destinations.get(None)
            if default is not None and key is not None:
                state.interrupted = default.interrupted
        return state

    def _all_destinations(self) -> list[_Destination]:
        if None not in self._destinations:
            self._destinations[None] = _Destination()
        return list(self._destinations.values())


def _is_speech(frame: Frame) -> bool:
    """Audio the transport counts as the bot speaking (as `BaseOutputTransport` does)."""
    if isinstance(frame, TTSAudioRawFrame):
        return True
    return isinstance(frame, SpeechOutputAudioRawFrame) and not is_silence(frame.audio)
