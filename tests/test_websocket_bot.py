"""The WebSocket example bot and its client, over Pipecat's real WebSocket server transport."""

import asyncio
import socket
import sys
from pathlib import Path

from pipecat.workers.runner import WorkerRunner

# Real time, not the `virtual_time` marker: a real websocket client and server talk over
# a localhost socket, which virtual time does not track.

sys.path.insert(0, str(Path(__file__).parent.parent / "examples"))
from websocket_bot import build_websocket_bot  # noqa: E402
from websocket_client import barge_in_call  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_client_barges_in_and_the_bot_audio_stops():
    port = free_port()
    # The second reply is empty: after the barge-in the bot says nothing more.
    long_answer = " ".join(["This answer is long enough to interrupt."] * 5)
    worker, transport, parts = build_websocket_bot(port=port, replies=[long_answer, ""])
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    run = asyncio.create_task(runner.run())
    try:
        report = None
        for _ in range(50):  # the server starts listening shortly after the runner
            try:
                report = await barge_in_call(f"ws://127.0.0.1:{port}", listen_after_secs=0.8)
                break
            except OSError:
                await asyncio.sleep(0.05)
        assert report is not None, "could not connect to the bot"
    finally:
        await worker.cancel()
        await asyncio.wait_for(run, timeout=10)

    assert report.barged_in_at is not None and report.interrupted_at is not None
    assert report.audio_before_secs >= 0.6
    # After the InterruptionFrame the caller hears at most what was already in flight.
    assert report.audio_after_secs <= 0.1
    snapshot = parts["snapshotter"].store.latest()
    assert snapshot is not None and snapshot.reason == "phrase" and snapshot.unspoken_text
