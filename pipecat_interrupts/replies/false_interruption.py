#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FalseInterruptionWatch`: was a voice-only interruption followed by words?"""

import asyncio
from dataclasses import dataclass

from loguru import logger

from pipecat_interrupts.detectors.base import BackchannelJudge
from pipecat_interrupts.replies.reply import Reply

_KEPT_WORDS = 8
"""Transcripts remembered for an interruption that reaches the output after them."""


@dataclass(slots=True)
class HeardWords:
    """A transcript of the caller's, and when it was heard.

    Parameters:
        text: The transcript.
        language: Its language code, if known.
        at: When it was heard (the tracker's clock).
    """

    text: str
    language: str | None
    at: float


class FalseInterruptionWatch:
    """Watches one cut reply at a time for the caller's words.

    Armed after an interruption whose decision is voice only (a cough, breath, echo may
    have caused it). Words that are not only a backchannel (by the shared
    `BackchannelJudge`) or a new LLM response disarm it. If it is still armed when its
    timer runs out, the interruption was false. The timer counts from when the caller
    stopped speaking (a slow STT transcribes after that), and starts again if they speak
    again. The timer itself belongs to the processor; this object only keeps the state.

    The caller's words and the interruption reach it by different roads: the words from
    the controller, as they arrive, the interruption once it has crossed the output. Words
    may come first (a loaded loop, a slow output), so it remembers the last few with their
    time, and an interruption followed by words taking the floor is never armed.
    """

    __slots__ = ("_armed", "_heard", "_judge", "_quiet", "_quiet_event", "_voice_changes")

    def __init__(self, judge: BackchannelJudge):
        """Initialize the watch.

        Args:
            judge: Decides which words are only a backchannel.
        """
        self._judge = judge
        self._armed: Reply | None = None
        self._heard: list[HeardWords] = []
        self._quiet = True
        self._quiet_event: asyncio.Event | None = None  # made when first waited on
        self._voice_changes = 0

    @property
    def caller_quiet(self) -> asyncio.Event:
        """Set while the caller's voice activity is stopped (made when first asked for)."""
        if self._quiet_event is None:
            self._quiet_event = asyncio.Event()
            if self._quiet:
                self._quiet_event.set()
        return self._quiet_event

    @property
    def voice_changes(self) -> int:
        """How many times the caller started or stopped speaking (a timer restarts on one)."""
        return self._voice_changes

    def voice_started(self) -> None:
        """The caller's voice activity started."""
        self._quiet = False
        if self._quiet_event is not None:
            self._quiet_event.clear()
        self._voice_changes += 1

    def voice_stopped(self) -> None:
        """The caller's voice activity stopped: the timer counts from now."""
        self._quiet = True
        if self._quiet_event is not None:
            self._quiet_event.set()
        self._voice_changes += 1

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
            for heard in self._heard:
                if heard.at >= since and self.takes_the_floor(heard.text, heard.language):
                    logger.debug(
                        f"FalseInterruptionWatch: {reply} not watched: the caller said "
                        f"{heard.text!r} before the interruption reached the output"
                    )
                    return False
        self._armed = reply
        return True

    def heard(self, text: str, language: str | None, at: float) -> None:
        """The caller said something (judged now only if a reply is watched).

        Args:
            text: The transcript.
            language: Its language code, if known.
            at: When it was heard.
        """
        heard = self._heard
        heard.append(HeardWords(text, language, at))
        if len(heard) > _KEPT_WORDS:
            del heard[0]  # interims grow: the last few say what the caller said
        if self._armed is not None and self.takes_the_floor(text, language):
            self.disarm(f"the caller said {text!r}")

    def disarm(self, why: str) -> bool:
        """Stop watching; True if it was armed."""
        if self._armed is None:
            return False
        logger.debug(f"FalseInterruptionWatch: {self._armed} was not a false interruption: {why}")
        self._armed = None
        return True

    async def quiet_for(self, window_secs: float, max_speech_secs: float) -> None:
        """Return once the caller has been quiet for ``window_secs`` without a break.

        The window counts from when the caller stops speaking (a slow STT transcribes a long
        utterance after its end); speech inside it starts it again.

        Args:
            window_secs: The quiet time wanted.
            max_speech_secs: Longest wait for the caller to stop (then counted from there).
        """
        while True:
            try:
                if not self._quiet:
                    async with asyncio.timeout(max_speech_secs):
                        await self.caller_quiet.wait()
            except TimeoutError:
                logger.warning(
                    f"FalseInterruptionWatch: caller still speaking after {max_speech_secs:g}s"
                )
            changes = self._voice_changes
            await asyncio.sleep(window_secs)
            if self._voice_changes == changes:
                return

    def takes_the_floor(self, text: str, language: str | None = None) -> bool:
        """Whether ``text`` is words that take the floor (not only a backchannel)."""
        return bool(text.strip()) and not self._judge.is_backchannel(text, language)

    def expire(self, reply: Reply) -> bool:
        """The timer for ``reply`` ran out: True if it is a false interruption."""
        if self._armed is not reply:
            return False
        self._armed = None
        return True
