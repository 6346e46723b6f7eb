#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`LoopTimeline`: when the loop's milestones happened, on the wall clock the browser shares.

A Pipecat observer that notes, once per frame, the voice activity reports, transcripts,
interruptions reaching the output transport and the bot's speaking reports. Times are
``time.time()`` seconds, the clock ``performance.timeOrigin + performance.now()`` reads
in a browser on the same machine, so the benchmark can split a barge-in's latency into
VAD start window, STT, decision and transport.
"""

import time
from dataclasses import dataclass
from typing import Any

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    TranscriptionFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.processors.frame_processor import FrameDirection
from pipecat.transports.base_output import BaseOutputTransport

_KINDS: dict[type, str] = {
    VADUserStartedSpeakingFrame: "vad_start",
    VADUserStoppedSpeakingFrame: "vad_stop",
    TranscriptionFrame: "transcript",
    InterimTranscriptionFrame: "interim",
    BotStartedSpeakingFrame: "bot_started",
    BotStoppedSpeakingFrame: "bot_stopped",
}


@dataclass(frozen=True)
class TimelineEvent:
    """One milestone.

    Parameters:
        at: ``time.time()`` when it was seen.
        kind: ``vad_start``, ``vad_stop``, ``transcript``, ``interim``,
            ``interruption_at_output``, ``bot_started`` or ``bot_stopped``.
        text: The transcript, for transcripts.
    """

    at: float
    kind: str
    text: str = ""


class LoopTimeline(BaseObserver):
    """Records the loop's milestones (each frame once) in ``events``."""

    def __init__(self, **kwargs: Any) -> None:
        """Initialize the timeline.

        Args:
            **kwargs: `BaseObserver` arguments.
        """
        super().__init__(**kwargs)
        self.events: list[TimelineEvent] = []
        self._seen: set[int] = set()

    async def on_push_frame(self, data: FramePushed) -> None:
        """Note a milestone frame the first time it travels.

        Args:
            data: The push.
        """
        frame = data.frame
        if isinstance(frame, InterruptionFrame):
            if isinstance(data.destination, BaseOutputTransport) and frame.id not in self._seen:
                self._seen.add(frame.id)
                self.events.append(TimelineEvent(time.time(), "interruption_at_output"))
            return
        kind = _KINDS.get(type(frame))
        # Broadcast frames travel as two copies; the downstream one is noted.
        if kind is None or frame.id in self._seen or data.direction != FrameDirection.DOWNSTREAM:
            return
        self._seen.add(frame.id)
        text = frame.text if isinstance(frame, TranscriptionFrame | InterimTranscriptionFrame) else ""
        self.events.append(TimelineEvent(time.time(), kind, text))
