#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FalseInterruptionWatch`: was a voice-only interruption followed by words?"""

from loguru import logger

from pipecat_interrupts.detectors.base import BackchannelJudge
from pipecat_interrupts.replies.reply import Reply


class FalseInterruptionWatch:
    """Watches one cut reply at a time for the caller's words.

    Armed after an interruption whose decision is voice only (a cough, breath, echo may
    have caused it). Words that are not only a backchannel (by the shared
    `BackchannelJudge`) or a new LLM response disarm it. If it is still armed when its
    timer runs out, the interruption was false. The timer itself belongs to the
    processor; this object only keeps the state.
    """

    def __init__(self, judge: BackchannelJudge):
        """Initialize the watch.

        Args:
            judge: Decides which words are only a backchannel.
        """
        self._judge = judge
        self._armed: Reply | None = None

    @property
    def armed(self) -> Reply | None:
        """The reply being watched, if any."""
        return self._armed

    def arm(self, reply: Reply) -> None:
        """Watch ``reply``."""
        self._armed = reply

    def disarm(self, why: str) -> bool:
        """Stop watching; True if it was armed."""
        if self._armed is None:
            return False
        logger.debug(f"FalseInterruptionWatch: {self._armed} was not a false interruption: {why}")
        self._armed = None
        return True

    def takes_the_floor(self, text: str, language: str | None = None) -> bool:
        """Whether ``text`` is words that take the floor (not only a backchannel)."""
        return bool(text.strip()) and not self._judge.is_backchannel(text, language)

    def expire(self, reply: Reply) -> bool:
        """The timer for ``reply`` ran out: True if it is a false interruption."""
        if self._armed is not reply:
            return False
        self._armed = None
        return True
