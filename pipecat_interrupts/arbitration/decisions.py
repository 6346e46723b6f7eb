#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""What an `InterruptionArbiter` decides: one small event type per decision.

The arbiter returns them in order from each of its inputs; a processor turns them into
Pipecat actions. Held items are opaque to the arbiter (the controller holds frames).
"""

from dataclasses import dataclass

from pipecat_interrupts.detectors.base import Detection
from pipecat_interrupts.frames import InterruptionDecision


@dataclass(frozen=True)
class Interrupt:
    """Cut the bot off now, then forward what was held.

    Parameters:
        decision: Why and when; it rides on the `InterruptionFrame`.
        released: Items held for this attempt, to forward after the interruption.
    """

    decision: InterruptionDecision
    released: tuple[object, ...] = ()


@dataclass(frozen=True)
class Backchannel:
    """The user only acknowledged: the bot keeps talking; held words are consumed.

    Parameters:
        text: What the user said.
        user_id: Who said it.
    """

    text: str
    user_id: str = ""


@dataclass(frozen=True)
class Hold:
    """The item given with this input is held until a later decision releases it.

    Parameters:
        item: The held item.
    """

    item: object


@dataclass(frozen=True)
class Suppressed:
    """A detected interruption was held back by a named condition (reported once).

    Parameters:
        detection: The detection that asked to interrupt.
        condition_name: The condition that held it back.
    """

    detection: Detection
    condition_name: str


@dataclass(frozen=True)
class ReleaseHeldTurn:
    """The bot stopped with an attempt pending: its held items become a normal user turn.

    The processor carries the decision on an `InterruptionFrame` ahead of the items, as
    for `Interrupt` (``starts_user_turn``): the user aggregator starts the turn before the
    items reach it, and whatever the bot was still preparing is cancelled, as Pipecat does
    for any user turn. No voice-activity frame is made up.

    Parameters:
        decision: The decision (``starts_user_turn``; ``details["released"]`` is True).
        released: The held items, in order.
    """

    decision: InterruptionDecision
    released: tuple[object, ...]


@dataclass(frozen=True)
class Dropped:
    """A pending attempt was given up (logged); its held words are not forwarded.

    Parameters:
        text: Its words.
        why: Why it was dropped.
    """

    text: str
    why: str


ArbiterDecision = Interrupt | Backchannel | Hold | Suppressed | ReleaseHeldTurn | Dropped
