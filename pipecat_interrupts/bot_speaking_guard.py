#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`BotSpeakingGuard`: the speaking-signal repair (`replies.SpeakingSignals`) as a processor.

`wiring.interruption_pipeline` has the `StateSnapshotter` apply the repair itself
(``guard_speaking=True``), which saves a processor; place this guard by hand only in a
pipeline with no snapshotter, or with one you built without ``guard_speaking``.
"""

from typing import Any

from pipecat.frames.frames import Frame, InputAudioRawFrame
from pipecat.processors.frame_processor import FrameDirection

from pipecat_interrupts.quiet_hop import QuietHopMixin
from pipecat_interrupts.replies.speaking_signals import SpeakingSignals, speaking_pair


class BotSpeakingGuard(QuietHopMixin):
    """Reports the bot stopped after a chunk played late, and started when it resumes.

    Place it right after ``transport.output()`` (before the assistant aggregator). It runs
    in Pipecat's direct mode: on the audio path it costs a few type checks per chunk. Each
    transport destination is tracked on its own; see `replies.speaking_signals` for the
    rules.

    Example::

        pipeline = Pipeline([..., tts, transport.output(), BotSpeakingGuard(),
                             context_aggregator.assistant()])
    """

    def __init__(self, **kwargs: Any) -> None:
        """Initialize the guard.

        Args:
            **kwargs: `FrameProcessor` arguments (``enable_direct_mode`` defaults to True).
        """
        kwargs.setdefault("enable_direct_mode", True)
        super().__init__(**kwargs)
        self._signals = SpeakingSignals(str(self))

    @property
    def repairs(self) -> int:
        """How many late chunks were followed by a repaired stop."""
        return self._signals.repairs

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Track and repair the speaking signals; forward everything else.

        Args:
            frame: The frame to process.
            direction: The direction of the frame.
        """
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame) or direction != FrameDirection.DOWNSTREAM:
            await self.push_frame(frame, direction)
            return
        repair = self._signals.on_frame(frame)
        if repair.broadcast_before is not None:
            await self._broadcast(repair.broadcast_before, frame)
        if repair.forward:
            await self.push_frame(frame, direction)
        if repair.broadcast_after is not None:
            await self._broadcast(repair.broadcast_after, frame)

    async def _broadcast(self, frame_cls: type[Frame], like: Frame) -> None:
        downstream, upstream = speaking_pair(frame_cls, like)
        await self.push_frame(downstream, FrameDirection.DOWNSTREAM)
        await self.push_frame(upstream, FrameDirection.UPSTREAM)
