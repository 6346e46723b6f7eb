#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""A small caller for ``examples/websocket_bot.py``: asks a question, then barges in.

It speaks Pipecat's protobuf frame protocol with the ``websockets`` package: it sends a
``TranscriptionFrame``, receives the bot's audio (``OutputAudioRawFrame`` messages),
sends "wait, stop" once some audio has arrived, and reports when the bot's
``InterruptionFrame`` arrived and how much audio came after it.

    python examples/websocket_client.py --port 8765
"""

import argparse
import asyncio
import time
from dataclasses import dataclass, field

import websockets
from pipecat.frames.frames import InterruptionFrame, OutputAudioRawFrame, TranscriptionFrame
from pipecat.serializers.protobuf import ProtobufFrameSerializer
from pipecat.utils.time import time_now_iso8601

from pipecat_interrupts.frames import audio_secs


@dataclass
class CallReport:
    """What the caller experienced.

    Parameters:
        audio_before_secs: Bot audio received before the interruption.
        audio_after_secs: Bot audio received after the interruption (until the end).
        interrupted_at: ``time.monotonic()`` when the ``InterruptionFrame`` arrived.
        barged_in_at: When the caller sent "wait, stop".
        audio_times: Arrival times of audio messages.
    """

    audio_before_secs: float = 0.0
    audio_after_secs: float = 0.0
    interrupted_at: float | None = None
    barged_in_at: float | None = None
    audio_times: list[float] = field(default_factory=list)


async def barge_in_call(
    uri: str, *, question: str = "tell me about your plans", barge_in_after_secs: float = 0.6,
    listen_after_secs: float = 1.0, timeout: float = 15.0,
) -> CallReport:
    """Ask, listen for ``barge_in_after_secs`` of audio, barge in, keep listening a while.

    Args:
        uri: The bot's WebSocket URI.
        question: The first transcript.
        barge_in_after_secs: Audio to receive before saying "wait, stop".
        listen_after_secs: How long to keep listening after the interruption.
        timeout: Deadline for the whole call.

    Returns:
        The report.
    """
    serializer = ProtobufFrameSerializer()
    report = CallReport()
    async with asyncio.timeout(timeout), websockets.connect(uri) as ws:
        await ws.send(await serializer.serialize(TranscriptionFrame(question, "caller", time_now_iso8601())))
        listen_until: float | None = None
        while listen_until is None or time.monotonic() < listen_until:
            wait = None if listen_until is None else max(0.01, listen_until - time.monotonic())
            try:
                message = await asyncio.wait_for(ws.recv(), timeout=wait)
            except TimeoutError:
                break
            frame = await serializer.deserialize(message)
            if isinstance(frame, InterruptionFrame) and report.barged_in_at is not None:
                if report.interrupted_at is None:
                    report.interrupted_at = time.monotonic()
                    listen_until = report.interrupted_at + listen_after_secs
            elif isinstance(frame, OutputAudioRawFrame) or type(frame).__name__ == "InputAudioRawFrame":
                secs = audio_secs(frame)
                report.audio_times.append(time.monotonic())
                if report.interrupted_at is None:
                    report.audio_before_secs += secs
                else:
                    report.audio_after_secs += secs
                if report.barged_in_at is None and report.audio_before_secs >= barge_in_after_secs:
                    report.barged_in_at = time.monotonic()
                    await ws.send(
                        await serializer.serialize(TranscriptionFrame("wait, stop", "caller", time_now_iso8601()))
                    )
    return report


async def main() -> None:
    parser = argparse.ArgumentParser(description="barge in on examples/websocket_bot.py")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    report = await barge_in_call(f"ws://127.0.0.1:{args.port}")
    if report.interrupted_at is None:
        print("the bot never sent an InterruptionFrame")
        return
    print(f"heard {report.audio_before_secs:.2f}s of the answer, barged in, "
          f"InterruptionFrame after {(report.interrupted_at - report.barged_in_at) * 1000:.0f} ms, "
          f"then {report.audio_after_secs:.2f}s more audio")


if __name__ == "__main__":
    asyncio.run(main())
