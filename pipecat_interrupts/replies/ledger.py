#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`ReplyLedger`: every bot reply, from generation to what the output transport played.

A plain object fed by the snapshot taps (what was generated) and by the processor right
after the output transport (what was played, per TTS context id, in playout order). It
owns the `Reply` records; the `ContextWriter` writes each reply's message from them.

How a reply gets its TTS context id: Pipecat's TTS service speaks generation units
(LLM responses, `TTSSpeakFrame`s) in order, one context each, so the first text played
in a new context belongs to the oldest unit still waiting for one. Units an interruption
dropped before they played are forgotten at that interruption; text played late (the
output guard's answer) in a context never seen belongs to the reply that interruption
cut; a resumed remainder is recognised by its text type (`RESUME_TEXT_TYPE`).
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from loguru import logger

from pipecat_interrupts import clocks
from pipecat_interrupts.replies.context_writer import ContextWriter
from pipecat_interrupts.replies.reply import Reply, ReplyState
from pipecat_interrupts.replies.text import PlayedText

RESUME_TEXT_TYPE = "pipecat_interrupts.resumed"
"""Text type of the `TTSSpeakFrame` that speaks a resumed remainder."""

DEFAULT_MAX_REPLIES = 64


@dataclass(slots=True)
class _Waiting:
    """A generated unit waiting for its TTS context."""

    since_frame_id: int  # id of the frame that started it (frame ids grow)
    reply: Reply


class ReplyLedger:
    """The record of every recent bot reply; only it changes them.

    Retained memory is bounded: the last ``max_replies`` replies are kept by context id.
    """

    __slots__ = (
        "_bot_started_at",
        "_by_context",
        "_clock",
        "_generating",
        "_last_cut",
        "_max_replies",
        "_numbers",
        "_pending_resume",
        "_responses",
        "_speaking",
        "_unattributed_secs",
        "_waiting",
        "_writer",
        "bound_listeners",
    )

    def __init__(
        self,
        writer: ContextWriter | None = None,
        *,
        max_replies: int = DEFAULT_MAX_REPLIES,
        clock: Callable[[], float] = clocks.monotonic,
    ):
        """Initialize the ledger.

        Args:
            writer: Writes each reply's context message (None: no context is kept).
            max_replies: Replies remembered by context id.
            clock: The clock (seconds) for when replies start playing.
        """
        self._writer = writer
        self._clock = clock
        self._bot_started_at: float | None = None
        self._unattributed_secs = 0.0  # audio played before its reply's first text
        self._max_replies = max_replies
        self._numbers = itertools.count(1)
        self._responses = itertools.count(1)
        # A list, not a deque: it holds a unit or two, and an empty deque is a 64-slot block.
        self._waiting: list[_Waiting] = []
        self._by_context: dict[str, Reply] = {}  # oldest first
        self._generating: Reply | None = None
        self._speaking: Reply | None = None
        self._pending_resume: Reply | None = None
        self._last_cut: Reply | None = None
        self.bound_listeners: list[Callable[[Reply, str], None]] = []
        """Called with (reply, context id) when a reply is first heard in a TTS context."""

    @property
    def writer(self) -> ContextWriter | None:
        """The context writer, if any."""
        return self._writer

    @property
    def speaking(self) -> Reply | None:
        """The reply whose audio is playing, if any."""
        return self._speaking

    def reply_for_context(self, context_id: str) -> Reply | None:
        """The reply spoken in TTS context ``context_id``, if remembered."""
        return self._by_context.get(context_id)

    # What was generated (from the taps)

    def generation_started(self, frame_id: int) -> Reply:
        """An LLM response started (``frame_id``: its start frame)."""
        reply = Reply(next(self._numbers), response=next(self._responses), generation_open=True)
        self._generating = reply
        self._waiting.append(_Waiting(frame_id, reply))
        return reply

    def generated(self, frame_id: int, text: str) -> None:
        """The LLM generated ``text`` for the current response."""
        reply = self._generating or self.generation_started(frame_id)
        reply.generated.append(text)

    def generation_ended(self, frame_id: int) -> None:
        """The current LLM response ended (``frame_id``: its end frame)."""
        reply, self._generating = self._generating, None
        if reply is None:
            return
        reply.generation_open = False
        reply.generation_end_id = frame_id
        if not reply.generated_text:  # a tool call, say: it will never be spoken
            self._waiting = [w for w in self._waiting if w.reply is not reply]

    def speak_requested(self, frame_id: int, text: str) -> None:
        """A `TTSSpeakFrame` will be spoken as a reply of its own."""
        self._waiting.append(_Waiting(frame_id, Reply(next(self._numbers), generated=[text])))

    # What was played (from right after the output transport)

    def played(self, part: PlayedText, *, text_type: str | None, in_context: bool) -> Reply:
        """The output transport released ``part`` after playing its audio.

        Args:
            part: The text, its context and whether it played late.
            text_type: The text frame's type (a resumed remainder has its own).
            in_context: Whether the text belongs in the LLM context.

        Returns:
            The reply it belongs to.
        """
        reply = self._playing(part.context_id, late=part.late, text_type=text_type)
        if in_context:
            reply.played.append(part)
            if self._writer is not None:
                self._writer.write(reply)
        elif not part.late:
            reply.in_context = False
        return reply

    def bot_started(self) -> None:
        """The bot started speaking."""
        if self._bot_started_at is None:
            self._bot_started_at = self._clock()

    def audio_played(self, secs: float, *, late: bool) -> None:
        """A chunk of ``secs`` seconds of audio was played (chunks carry no TTS context)."""
        if late:
            if self._last_cut is not None:
                self._last_cut.spoken_secs += secs
        elif self._speaking is not None:
            self._speaking.spoken_secs += secs
        else:
            self._unattributed_secs += secs
            upcoming = self._pending_resume or (self._waiting[0].reply if self._waiting else None)
            if upcoming is not None and self._writer is not None:
                self._writer.starts_playing(upcoming)  # its text comes after its first sentence

    def _playing(self, context_id: str | None, *, late: bool, text_type: str | None) -> Reply:
        reply = self._reply_for(context_id, late, text_type)
        if not late and reply.state in (ReplyState.GENERATING, ReplyState.FINISHED):
            self._start_speaking(reply)
        return reply

    def _start_speaking(self, reply: Reply) -> None:
        reply.state = ReplyState.SPEAKING
        self._speaking = reply
        if reply.started_at is None:
            reply.started_at = (
                self._bot_started_at if self._bot_started_at is not None else self._clock()
            )
        reply.spoken_secs += self._unattributed_secs
        self._unattributed_secs = 0.0

    def bot_stopped(self) -> None:
        """The bot stopped speaking: a reply whose generation ended is finished."""
        self._bot_started_at = None
        self._unattributed_secs = 0.0
        reply = self._speaking
        if reply is None or reply.generation_open:
            return
        self._speaking = None
        reply.state = ReplyState.FINISHED
        if self._writer is not None and reply.played:
            self._writer.write(reply)

    # Interruptions and resumes

    def interrupted(self, frame_id: int) -> Reply | None:
        """An interruption reached the output: the reply it cut, if any.

        Units generated before it and never played are forgotten (they never will be).

        Args:
            frame_id: The `InterruptionFrame`'s id.

        Returns:
            The cut reply (speaking, or generated and not yet heard), or None.
        """
        cut = self._speaking
        if cut is None:
            unheard = [
                w.reply
                for w in self._waiting
                if w.since_frame_id < frame_id and w.reply.generated_text
            ]
            cut = unheard[-1] if unheard else self._pending_resume
        self._waiting = [w for w in self._waiting if w.since_frame_id > frame_id]
        if cut is not None and cut is not self._speaking:
            self._start_speaking(cut)  # nothing of it was heard, but its audio may have begun
        self._speaking = None
        self._bot_started_at = None
        self._pending_resume = (
            None  # its TTSSpeakFrame was dropped (a late chunk finds it as the cut reply)
        )
        if cut is None:
            return None
        cut.state = ReplyState.INTERRUPTED
        cut.cut = True
        cut.cut_while_generating = cut.generation_open or (cut.generation_end_id or -1) > frame_id
        self._last_cut = cut
        if self._writer is not None:
            self._writer.interrupted(cut)
        return cut

    def resume(self, reply: Reply) -> Reply | None:
        """Speak ``reply``'s unheard remainder again; the new reply continues its message.

        Args:
            reply: A reply cut by a false interruption.

        Returns:
            The resumed remainder's reply (speak it with a `TTSSpeakFrame` of
            `RESUME_TEXT_TYPE`), or None when nothing is left to say.
        """
        remainder = reply.unheard_text
        if not remainder:
            return None
        child = Reply(next(self._numbers), generated=[remainder], resumes=reply)
        reply.continued_by = child
        reply.state = ReplyState.RESUMED
        self._pending_resume = child
        return child

    def resume_announced(self, context_id: str | None) -> None:
        """The TTS announced the resumed remainder's text in ``context_id`` (before its audio)."""
        reply, self._pending_resume = self._pending_resume, None
        if reply is not None and context_id is not None and context_id not in self._by_context:
            self._bind(reply, context_id)
            self._start_speaking(reply)  # its audio follows

    def _reply_for(self, context_id: str | None, late: bool, text_type: str | None) -> Reply:
        known = self._by_context.get(context_id) if context_id is not None else None
        if known is not None:
            return known
        reply: Reply | None = None
        if text_type == RESUME_TEXT_TYPE and self._pending_resume is not None:
            reply, self._pending_resume = self._pending_resume, None
        elif late and self._last_cut is not None and not self._last_cut.context_ids:
            reply = self._last_cut
        elif self._waiting:
            reply = self._waiting.pop(0).reply
        if reply is None:
            reply = Reply(next(self._numbers))
            logger.debug(
                f"ReplyLedger: text played in context {context_id!r} with nothing generated seen"
            )
        if context_id is not None:
            self._bind(reply, context_id)
        return reply

    def _bind(self, reply: Reply, context_id: str) -> None:
        for listener in self.bound_listeners:
            listener(reply, context_id)
        reply.context_ids.add(context_id)
        self._by_context[context_id] = reply
        while len(self._by_context) > self._max_replies:
            del self._by_context[next(iter(self._by_context))]
