#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""What a route's stream may yield, and what the route makes of each item.

- ``str``: text of the reply;
- `AgentResponse` (the Line seed's ``yield AgentResponse(content=chunk)``): its
  ``content`` is text of the reply;
- a ``TextFrame`` (an ``LLMTextFrame`` included): its ``text`` is text of the reply, so
  it is spoken inside the reply's ``LLMFullResponseStartFrame``/``EndFrame`` pair like
  any text (pushed bare, a TTS would wait for the end of a sentence that never comes);
- any other ``Frame``: pushed as it is;
- None: skipped;
- anything else: logged with its type and skipped (never spoken as its ``repr``).
"""

from dataclasses import dataclass
from enum import Enum

from pipecat.frames.frames import Frame, TextFrame


@dataclass(frozen=True)
class AgentResponse:
    """A chunk of the agent's reply (the Line seed's ``AgentResponse``).

    Parameters:
        content: The text.
    """

    content: str


class ItemKind(Enum):
    """How the route treats a yielded item.

    Parameters:
        TEXT: Text of the reply.
        FRAME: A frame pushed as it is.
        SKIP: Nothing to push (None, or empty text).
        INVALID: An item of a type the route does not know.
    """

    TEXT = "text"
    FRAME = "frame"
    SKIP = "skip"
    INVALID = "invalid"


@dataclass(frozen=True)
class StreamItem:
    """A yielded item, classified.

    Parameters:
        kind: How to treat it.
        text: The reply text (``TEXT`` only).
        frame: The frame to push (``FRAME`` only).
    """

    kind: ItemKind
    text: str = ""
    frame: Frame | None = None


def classify(item: object) -> StreamItem:
    """Classify one yielded item (see the module docs).

    Args:
        item: What the stream yielded.

    Returns:
        The classified item.
    """
    if item is None:
        return StreamItem(ItemKind.SKIP)
    text: object = None
    if isinstance(item, str):
        text = item
    elif isinstance(item, AgentResponse):
        text = item.content
    elif isinstance(item, TextFrame):
        text = item.text
    elif isinstance(item, Frame):
        return StreamItem(ItemKind.FRAME, frame=item)
    else:
        return StreamItem(ItemKind.INVALID)
    if not isinstance(text, str):
        return StreamItem(ItemKind.INVALID)
    return StreamItem(ItemKind.TEXT, text=text) if text else StreamItem(ItemKind.SKIP)
