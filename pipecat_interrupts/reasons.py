#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Why the bot was (or was not) interrupted: the shared names of reasons.

Detections, decisions, flushes, snapshots and metrics all carry a reason. The built-in
ones are members of `Reason` (a ``StrEnum``, so each compares equal to its string); a
detector of yours may use any other short string. Whether a reason means "voice activity
only, no words yet" is not a list kept elsewhere: a detection says it with its own
``voice_only`` flag, and the decision carries it on. `Reason.voice_only` gives the
default for the built-in reasons.
"""

from enum import StrEnum


class Reason(StrEnum):
    """The built-in reasons.

    Parameters:
        PHRASE: An interrupt phrase ("stop", "wait").
        TEXT: Transcribed words (TEN's text rule).
        VAD: Voice activity long enough, no words yet.
        MODEL: A model-based detector's verdict.
        BACKCHANNEL: Only an acknowledgement ("mhm").
        FILLER: Only a hesitation ("um").
        EMERGENCY_STOP: An `EmergencyStopFrame` (bypasses every condition).
        AGENT_HANDOFF: An `AgentHandoffFrame`.
        INTERRUPTION: An interruption with no decision of ours (Pipecat's own).
        NONE: Nothing decisive yet.
    """

    PHRASE = "phrase"
    TEXT = "text"
    VAD = "vad"
    MODEL = "model"
    BACKCHANNEL = "backchannel"
    FILLER = "filler"
    EMERGENCY_STOP = "emergency_stop"
    AGENT_HANDOFF = "agent_handoff"
    INTERRUPTION = "interruption"
    NONE = "none"

    @property
    def voice_only(self) -> bool:
        """Whether this reason is voice activity without words (echo-prone, may be a cough)."""
        return self is Reason.VAD

    @property
    def bypasses_conditions(self) -> bool:
        """Whether an interruption for this reason skips every condition."""
        return self is Reason.EMERGENCY_STOP


def is_voice_only(reason: str) -> bool:
    """Whether a reason string names a built-in voice-only reason.

    Args:
        reason: A reason (a `Reason` or any string).

    Returns:
        True for `Reason.VAD`; False for other and unknown reasons (a custom detector
        says so itself with ``Detection.voice_only``).
    """
    # A dictionary lookup: it is asked on the barge-in's own path (each detection and
    # decision), where constructing the enum member costs several calls.
    return _VOICE_ONLY.get(reason, False)


_VOICE_ONLY: dict[str, bool] = {reason.value: reason.voice_only for reason in Reason}
