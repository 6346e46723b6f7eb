#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`StartStrategyDetector`: one of Pipecat's user-turn start strategies, as a detector.

While the bot speaks, the controller holds user turns, so the start strategies in the user
aggregator never see the user's frames. To keep yours in charge of "enough to take the
floor" (`MinWordsUserTurnStartStrategy(min_words=3)`...), give the controller a detector
made of a twin of it: the twin sees every frame the controller sees, and an attempt
interrupts once it would have started a turn. Placed after the phrase detector (what
`controlled_user_turn_strategies` and the wiring helper do), interrupt phrases ("stop") and
backchannels ("uh-huh yeah okay") are still decided by phrases first.
"""

import copy

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    VADUserStartedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.turns.user_start import BaseUserTurnStartStrategy

from pipecat_interrupts.detectors.base import (
    BaseInterruptionDetector,
    Detection,
    UserActivity,
    Verdict,
)
from pipecat_interrupts.reasons import Reason

_NEW_ATTEMPT_FRAMES = (
    VADUserStartedSpeakingFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
)


class StartStrategyDetector(BaseInterruptionDetector):
    """Interrupts once a twin of a Pipecat start strategy would start the user's turn.

    Unlike the other detectors it keeps state (the twin's), so use one per pipeline. Until
    the twin fires it answers ``NOT_YET`` with ``hold``: the text and VAD rules after it do
    not decide, the strategy does.
    """

    def __init__(self, strategy: BaseUserTurnStartStrategy):
        """Create the detector.

        Args:
            strategy: The start strategy (it is copied: the copy must not start turns in
                the aggregator that owns the original).

        Raises:
            TypeError: If ``strategy`` is not a `BaseUserTurnStartStrategy`.
        """
        if not isinstance(strategy, BaseUserTurnStartStrategy):
            raise TypeError(f"strategy must be a BaseUserTurnStartStrategy, got {strategy!r}")
        self._twin = copy.deepcopy(strategy)
        self._twin.add_event_handler("on_user_turn_started", self._on_turn_started)
        self._fired = False

    def __str__(self) -> str:
        return f"StartStrategyDetector({type(self._twin).__name__})"

    async def _on_turn_started(self, strategy: BaseUserTurnStartStrategy, *args: object) -> None:
        self._fired = True

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Show the frame to the twin; a new utterance or bot turn starts afresh.

        Args:
            frame: A frame the controller saw.
            direction: Its direction.
        """
        if isinstance(frame, _NEW_ATTEMPT_FRAMES):
            self._fired = False
        await self._twin.process_frame(frame)

    def detect(self, activity: UserActivity) -> Detection:
        """Interrupt once the twin fired for this utterance."""
        if self._fired:
            return Detection(
                Verdict.INTERRUPT, Reason.TEXT, f"{type(self._twin).__name__} started a turn"
            )
        return Detection(
            Verdict.NOT_YET, Reason.NONE, f"waiting for {type(self._twin).__name__}", hold=True
        )
