#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Text of a reply: played parts joined as Pipecat joins them, and what was not heard.

Nothing here splits on spaces: a reply in Japanese or Chinese has none. Played parts are
joined with Pipecat's own `concatenate_aggregated_text` (the rule its assistant
aggregator uses), and the unheard remainder is found by aligning characters.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from pipecat.utils.string import TextPartForConcatenation, concatenate_aggregated_text


@dataclass(frozen=True, slots=True)
class PlayedText:
    """Text the output transport released after playing its audio.

    Parameters:
        text: A word (word-timestamp TTS) or a sentence.
        context_id: The TTS context it was spoken in.
        includes_inter_frame_spaces: Whether the text carries its own spacing.
        late: True when it played after the interruption that cut its reply.
    """

    text: str
    context_id: str | None
    includes_inter_frame_spaces: bool = False
    late: bool = False


def join_played(parts: Sequence[PlayedText]) -> str:
    """The text the caller heard, joined as Pipecat's assistant aggregator joins it.

    Args:
        parts: Played parts in playout order.

    Returns:
        The joined text, stripped.
    """
    return concatenate_aggregated_text(
        [
            TextPartForConcatenation(
                p.text, includes_inter_part_spaces=p.includes_inter_frame_spaces
            )
            for p in parts
        ]
    ).strip()


def unheard_remainder(generated: str, heard: str) -> str:
    """The part of ``generated`` after what was ``heard``, aligned by characters.

    The heard text's non-space characters are matched in order against the generated
    text (spaces never count), so it holds for words, sentences and scripts without
    spaces, and for a TTS text filter that removed characters (markdown, say). Linear
    in the two lengths.

    Args:
        generated: Everything generated for the reply.
        heard: What was played of it.

    Returns:
        The rest of ``generated``, stripped ("" when all was heard).
    """
    position = 0
    for char in heard:
        if char.isspace():
            continue
        found = generated.find(char, position)
        if found < 0:
            break  # the heard text is not from this generation: keep what matched
        position = found + 1
    return generated[position:].strip()
