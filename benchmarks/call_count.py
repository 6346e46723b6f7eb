#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Python function calls per conversation, plain Pipecat versus the plugin.

    .venv/bin/python benchmarks/call_count.py [--conversations N]

CPU time on a shared machine moves with its neighbours (plain Pipecat's own barge-in took
1.5 ms or 2.8 ms on the same idle 2-core machine an hour apart); the number of Python
calls a conversation makes does not. This runs section 4's conversation (`run.conversations`:
one barge-in, the same fakes) under a profile hook that counts every Python call, and
attributes each call made under the plugin's code to the outermost plugin function on the
stack, so the extra work of each part is visible. Counting slows the run about tenfold: it
is a measure of work, not of time.
"""

import argparse
import asyncio
import collections
import sys
from types import FrameType

import run  # also sets loguru to errors only, as the benchmark does

PLUGIN = "pipecat_interrupts"


def _outermost_plugin_function(frame: FrameType | None) -> str | None:
    outermost = None
    while frame is not None:
        path = frame.f_code.co_filename
        if PLUGIN in path and "/testing/" not in path:
            outermost = f"{path.split(PLUGIN + '/')[-1]}:{frame.f_code.co_name}"
        frame = frame.f_back
    return outermost


async def count_calls(
    with_plugin: bool, conversations: int
) -> tuple[float, collections.Counter[str]]:
    """Calls per conversation, and those under each outermost plugin function."""
    # First-use costs (phrase tables, imports) are not per conversation.
    await run.converse(run.conversation(with_plugin))
    owners: collections.Counter[str] = collections.Counter()
    total = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal total
        if event == "call":
            total += 1
            owner = _outermost_plugin_function(frame)
            if owner is not None:
                owners[owner] += 1

    sys.setprofile(profile)
    try:
        await asyncio.gather(
            *(run.converse(run.conversation(with_plugin)) for _ in range(conversations))
        )
    finally:
        sys.setprofile(None)
    return total / conversations, owners


async def main(conversations: int) -> None:
    plain, _ = await count_calls(False, conversations)
    plugin, owners = await count_calls(True, conversations)
    print(f"Python calls per conversation ({conversations} concurrent, one barge-in each)")
    print(f"  plain Pipecat   {plain:9.0f}")
    print(f"  with the plugin {plugin:9.0f}   {plugin / plain:.3f}x ({plugin - plain:+.0f})")
    print("  under the plugin's code, by outermost function:")
    for owner, calls in owners.most_common(12):
        print(f"    {calls / conversations:8.0f}  {owner}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    asyncio.run(main(parser.parse_args().conversations))
