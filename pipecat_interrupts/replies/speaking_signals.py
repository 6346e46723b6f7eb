#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`SpeakingSignals`: keeps the bot's speaking signals truthful around interruptions.

Pipecat 1.14's `BaseOutputTransport` can play one audio chunk that was queued before an
interruption: its audio task takes the chunk from the queue, the interruption then
resets the queue and reports the bot stopped, and the task plays the chunk anyway. The
transport reports the bot speaking again for that chunk, and nothing reports it stopped
until the next reply ends or three seconds of silence pass. For those seconds the whole
pipeline (the user aggregator, turn strategies, an interruption controller, a test's
scripted user) believes the bot is talking while the caller hears silence.

Which chunk is the late one is decided in one place, `OutputGuard`, and stamped on the
frame (`played_late`): the reply ledger and metrics read the same answer. This plain
object reads every downstream frame right after the output transport, in order, and says
how to repair the signals (`SignalRepair`), per transport destination:

- A `BotStartedSpeakingFrame` that follows the interruption's `BotStoppedSpeakingFrame`,
  followed by speech audio queued before the interruption, is the late chunk: after that
  chunk, a `BotStoppedSpeakingFrame` goes downstream and upstream.
- The transport then still believes the bot is speaking, so it will not report the next
  reply's start: a `BotStartedSpeakingFrame` goes both ways ahead of the first new speech
  chunk (one chunk late: the transport pushes audio on after playing it).
- The transport's own stop, when it finally comes, passes when the pipeline was told the
  bot speaks; a stop already reported is dropped downstream. (Its upstream copy leaves the
  transport directly; upstream processors see a repeated stop, a no-op for Pipecat's.)

Uninterruptible audio is never treated as late: the bot keeps speaking it by design. The
`StateSnapshotter` applies it when the wiring asks (``guard_speaking=True``); the
`BotSpeakingGuard` processor applies it on its own.
"""

from dataclasses import dataclass

from loguru import logger
from pipecat.audio.utils import is_silence
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InterruptionFrame,
    SpeechOutputAudioRawFrame,
    TTSAudioRawFrame,
)

from pipecat_interrupts.replies.output_guard import OutputGuard

SIGNAL_FRAMES = (
    InterruptionFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    TTSAudioRawFrame,
    SpeechOutputAudioRawFrame,
)
"""The frames `SpeakingSignals.on_frame` reads (the others always pass)."""


@dataclass(frozen=True)
class SignalRepair:
    """What to do with one frame.

    Parameters:
        forward: Pass the frame on (False drops a repeated stop).
        broadcast_before: A speaking frame class to send both ways before the frame.
        broadcast_after: A speaking frame class to send both ways after the frame.
    """

    forward: bool = True
    broadcast_before: type[Frame] | None = None
    broadcast_after: type[Frame] | None = None


PASS = SignalRepair()
DROP = SignalRepair(forward=False)


@dataclass
class _Destination:
    """The speaking state of one transport destination."""

    transport_speaking: bool = False  # what the transport believes
    reported_speaking: bool = False  # what the pipeline was told
    interrupted: bool = False  # an interruption has passed
    stopped_since_interruption: bool = False
    suspect_start: bool = False  # a start reported after the interruption's stop


class SpeakingSignals:
    """Reads the frames after the output transport and says how to repair the signals."""

    def __init__(self, name: str = "SpeakingSignals") -> None:
        """Create the reader.

        Args:
            name: The owner's name, for logs.
        """
        self._name = name
        self._destinations: dict[str | None, _Destination] = {}
        self._output_guard = OutputGuard()  # the one answer on the late chunk
        self.repairs = 0

    def on_frame(self, frame: Frame) -> SignalRepair:
        """Read one downstream frame (user audio need not be shown).

        Args:
            frame: The frame, as it left the output transport.

        Returns:
            The repair.
        """
        if isinstance(frame, InterruptionFrame):
            self._output_guard.note_interruption(frame)
            for state in self._all_destinations():
                state.interrupted = True
                state.stopped_since_interruption = state.suspect_start = False
            return PASS
        if isinstance(frame, BotStartedSpeakingFrame):
            state = self._state(frame)
            state.suspect_start = state.stopped_since_interruption
            state.transport_speaking = state.reported_speaking = True
            return PASS
        if isinstance(frame, BotStoppedSpeakingFrame):
            state = self._state(frame)
            state.transport_speaking = state.suspect_start = False
            state.stopped_since_interruption = state.interrupted
            if not state.reported_speaking:
                logger.debug(f"{self._name}: {frame.name} repeats a stop already reported; dropped")
                return DROP
            state.reported_speaking = False
            return PASS
        if _is_speech(frame):
            return self._on_speech(frame)
        return PASS

    def _on_speech(self, frame: Frame) -> SignalRepair:
        state = self._state(frame)
        if self._output_guard.judge(frame):
            if state.suspect_start and state.reported_speaking:
                state.suspect_start = state.reported_speaking = False
                self.repairs += 1
                logger.debug(
                    f"{self._name}: the transport played a chunk queued before the interruption "
                    f"and reported the bot speaking again; reporting it stopped"
                )
                return SignalRepair(broadcast_after=BotStoppedSpeakingFrame)
            return PASS
        state.suspect_start = False
        if state.transport_speaking and not state.reported_speaking:
            state.reported_speaking = True
            logger.debug(
                f"{self._name}: the bot speaks again; reporting the start the transport skipped"
            )
            return SignalRepair(broadcast_before=BotStartedSpeakingFrame)
        return PASS

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


def speaking_pair(frame_cls: type[Frame], like: Frame) -> tuple[Frame, Frame]:
    """A downstream and an upstream speaking frame, siblings, for ``like``'s destination.

    Args:
        frame_cls: `BotStartedSpeakingFrame` or `BotStoppedSpeakingFrame`.
        like: The frame whose destination they report.

    Returns:
        The downstream frame and the upstream one.
    """
    downstream, upstream = frame_cls(), frame_cls()
    downstream.transport_destination = upstream.transport_destination = like.transport_destination
    downstream.broadcast_sibling_id, upstream.broadcast_sibling_id = upstream.id, downstream.id
    return downstream, upstream
