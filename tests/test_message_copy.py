#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`copy_message` is a deep copy whatever the message holds."""

from collections import OrderedDict

from pipecat_interrupts.replies.message_copy import MAX_DEPTH, copy_message
from pipecat_interrupts.replies.snapshots import InterruptionSnapshot


def test_plain_messages_are_copied_deeply():
    message = {"role": "user", "content": [{"type": "text", "text": "hello"}], "n": 1}
    copied = copy_message(message)
    message["content"][0]["text"] = "changed"
    message["content"].append({"type": "text", "text": "more"})
    assert copied == {"role": "user", "content": [{"type": "text", "text": "hello"}], "n": 1}
    assert copied["content"] is not message["content"]


def test_other_types_keep_their_type_and_are_still_independent():
    inner = OrderedDict(a=[1, 2])
    message = {"role": "tool", "content": (inner,), "ids": {3: "x"}, "tags": {"a"}}
    copied = copy_message(message)
    inner["a"].append(3)
    message["tags"].add("b")
    assert type(copied["content"][0]) is OrderedDict
    assert copied["content"][0]["a"] == [1, 2]
    assert copied["tags"] == {"a"}
    assert copied["ids"] == {3: "x"} and copied["ids"] is not message["ids"]


def test_cyclic_and_deep_structures_are_left_to_deepcopy():
    cyclic: dict = {"role": "user"}
    cyclic["self"] = cyclic
    copied = copy_message(cyclic)
    assert copied["self"] is not cyclic
    deep: list = []
    node = deep
    for _ in range(MAX_DEPTH * 2):
        child: list = []
        node.append(child)
        node = child
    copied_deep = copy_message(deep)
    node.append("leaf")
    walk = copied_deep
    while walk:
        walk = walk[0]
    assert walk == []


def test_snapshot_copies_are_independent_of_later_context_edits():
    messages = [{"role": "assistant", "content": [{"type": "text", "text": "one"}]}]
    copies = InterruptionSnapshot.copy_messages(messages, window=16)
    messages[0]["content"][0]["text"] = "two"
    assert copies[0]["content"][0]["text"] == "one"
