#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`Reply`: one record per bot reply, from generation to what the caller heard."""

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pipecat_interrupts.replies.text import PlayedText, join_played, unheard_remainder


class ReplyState(Enum):
    """Where a reply is in its life."""

    GENERATING = "generating"  # generated, nothing played yet
    SPEAKING = "speaking"  # its audio is playing
    INTERRUPTED = "interrupted"  # cut off; a late chunk may still add to what was heard
    RESUMED = "resumed"  # its unheard remainder is being spoken again
    FINISHED = "finished"  # played to the end


@dataclass(eq=False, slots=True)
class Reply:
    """One bot reply (like LiveKit's ``SpeechHandle``).

    Keyed by the TTS context ids it was spoken in and the number of the LLM response
    it came from. Only the `ReplyLedger` changes it; snapshots are frozen views of it.

    Parameters:
        number: Its order in the conversation (1, 2, ...).
        response: Number of the LLM response it came from (0 for spoken text, such as
            a `TTSSpeakFrame`).
        generated: Text generated for it, in order.
        played: What the output transport played of it, in playout order, late chunks
            included.
        context_ids: The TTS contexts it was spoken in (a resumed remainder adds one).
        state: Where it is in its life.
        resumes: The reply this one continues (a resumed remainder), if any.
        continued_by: The resumed remainder that continues this one, if any.
        message: The context message it owns, once something was heard.
        note: The interruption note placed after its message, if any.
        place_after: Where its message goes: after this message (``(None,)``: at the
            start), the context's last when its audio started or it was cut.
        generation_open: True while the LLM is still streaming it.
        generation_end_id: Id of the frame that ended its LLM response.
        cut: Whether an interruption cut it.
        cut_while_generating: Whether that interruption also cut the LLM's stream.
        in_context: False for speech kept out of the context (a bot backchannel).
        spoken_secs: Seconds of its audio played.
        started_at: Clock time when it started playing.
    """

    number: int
    response: int = 0
    generated: list[str] = field(default_factory=list)
    played: list[PlayedText] = field(default_factory=list)
    context_ids: set[str] = field(default_factory=set)
    state: ReplyState = ReplyState.GENERATING
    resumes: "Reply | None" = None
    continued_by: "Reply | None" = None
    message: dict[str, Any] | None = None
    note: dict[str, Any] | None = None
    place_after: tuple[Any] | None = None
    generation_open: bool = False
    generation_end_id: int | None = None
    cut: bool = False
    cut_while_generating: bool = False
    in_context: bool = True
    spoken_secs: float = 0.0
    started_at: float | None = None

    @property
    def root(self) -> "Reply":
        """The reply this one (a resumed remainder, perhaps of a remainder) continues."""
        reply = self
        while reply.resumes is not None:
            reply = reply.resumes
        return reply

    @property
    def generated_text(self) -> str:
        """Everything generated for this reply."""
        return "".join(self.generated).strip()

    @property
    def heard_text(self) -> str:
        """What the caller heard of this reply alone, late chunks included."""
        return join_played(self.played)

    @property
    def unheard_text(self) -> str:
        """What was generated for this reply and never played."""
        return unheard_remainder(self.generated_text, self.heard_text)

    @property
    def chain(self) -> list["Reply"]:
        """This reply's whole answer: the root reply and every resumed remainder, in order."""
        chain = [self.root]
        while chain[-1].continued_by is not None:
            chain.append(chain[-1].continued_by)
        return chain

    @property
    def still_cut(self) -> bool:
        """Whether this cut reply left something unsaid that no remainder has finished."""
        return self.cut and bool(self.unheard_text or self.cut_while_generating)

    def __str__(self) -> str:
        return f"reply {self.number} ({self.state.value})"
