#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FalseInterruptionWatch`: was a voice-only interruption followed by words?"""

from loguru import logger

from pipecat_interrupts.detectors.base import BackchannelJudge
from pipecat_interrupts.replies.caller_activity import CallerActivity, HeardWords
from pipecat_interrupts.replies.reply import Reply

__all__ = ["FalseInterruptionWatch", "HeardWords"]


class FalseInterruptionWatch:
    """Watches one cut reply at a time for the caller's words.

    Armed after an interruption whose decision is voice only (a cough, breath, echo may
    have caused it). Words that are not only a backchannel (by the shared
    `BackchannelJudge`) or a new LLM response disarm it. If it is still armed when its
    timer runs out, the interruption was false. The timer counts from when the caller
    stopped speaking (`CallerActivity.quiet_for`; a slow STT transcribes after that), and
    belongs to the processor; this object only keeps the watched reply.

    The caller's words and the interruption reach the snapshotter by different roads: the
    words from the controller, as they arrive, the interruption once it has crossed the
    output. Words may come first (a loaded loop, a slow output): the watch reads them from
    the `CallerActivity` record, which keeps the last few with their time, and an
    interruption followed by words taking the floor is never armed.
    """

    __slots__ = ("_activity", "_armed", "_judge")

    def __init__(self, judge: BackchannelJudge, activity: CallerActivity):
        """Initialize the watch.

        Args:
            judge: Decides which words are only a backchannel.
            activity: The caller's record it reads (its writer, the tracker, feeds it).
        """
        self._judge = judge
        self._activity = activity
        self._armed: Reply | None = None

    @property
    def activity(self) -> CallerActivity:
        """The caller's record the watch reads."""
        return self._activity

    @property
    def armed(self) -> Reply | None:
        """The reply being watched, if any."""
        return self._armed

    def arm(self, reply: Reply, *, since: float | None = None) -> bool:
        """Watch ``reply``, unless the caller already took the floor.

        Args:
            reply: The cut reply.
            since: When the interruption's attempt began (its decision's ``detected_at``):
                words heard from then on, before the interruption reached the output,
                took the floor already. None: only later words count.

        Returns:
            True when armed.
        """
        if since is not None:
            for heard in self._activity.words_since(since):
                if self.takes_the_floor(heard.text, heard.language):
                    logger.debug(
                        f"FalseInterruptionWatch: {reply} not watched: the caller said "
                        f"{heard.text!r} before the interruption reached the output"
                    )
                    return False
        self._armed = reply
        return True

    def heard(self, words: HeardWords) -> None:
        """The caller said ``words`` (kept by the record): judged only if a reply is watched."""
        if self._armed is not None and self.takes_the_floor(words.text, words.language):
            self.disarm(f"the caller said {words.text!r}")

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
