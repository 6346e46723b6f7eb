#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`FalseInterruptionRecovery`: after a voice-only cut, words in time, or the rest resumed.

The `StateSnapshotter` hands it each cut its `ReplyTracker` says to watch (`Cut.watch`).
It runs the timer in a task of the processor's: the caller quiet for the timeout
(`CallerActivity.quiet_for`) with the `FalseInterruptionWatch` still armed makes the
interruption false: it is announced, and the unheard remainder of the reply is spoken
again into the same message (`ReplyLedger.resume`), pushed right after the LLM.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame, TTSSpeakFrame

from pipecat_interrupts.replies.ledger import RESUME_TEXT_TYPE
from pipecat_interrupts.replies.snapshots import InterruptionSnapshot
from pipecat_interrupts.replies.taps import SnapshotSources
from pipecat_interrupts.replies.tracker import Cut, ReplyTracker

MAX_CALLER_SPEECH_SECS = 60.0
"""Longest the timer waits for the caller to stop speaking."""

Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


class FalseInterruptionRecovery:
    """Runs one false-interruption timer at a time, and the resume when it fires.

    Parameters:
        count: False interruptions found so far.
    """

    __slots__ = (
        "_announce",
        "_cancel",
        "_name",
        "_queue_frame",
        "_resume",
        "_sources",
        "_spawn",
        "_task",
        "_timeout",
        "_tracker",
        "count",
    )

    def __init__(
        self,
        name: str,
        tracker: ReplyTracker,
        sources: SnapshotSources,
        *,
        timeout_secs: float | None,
        resume: bool,
        spawn: Spawn,
        cancel: Callable[["asyncio.Task[None]"], Awaitable[None]],
        announce: Callable[[InterruptionSnapshot], Awaitable[None]],
        queue_frame: Callable[[Frame], Awaitable[None]],
    ):
        """Initialize the recovery.

        Args:
            name: Its processor's name, for the log.
            tracker: The tracker whose watch and caller record it reads.
            sources: Where generation is drained from, and where a resume is pushed.
            timeout_secs: The caller's quiet time that makes an interruption false (None:
                never watch).
            resume: Speak the unheard remainder after a false one.
            spawn: Starts the timer's task (the processor's ``create_task``).
            cancel: Cancels it at the end (the processor's ``cancel_task``).
            announce: Tells of a false interruption (the processor's event).
            queue_frame: Queues a frame at the pipeline's top (no generation source known).
        """
        self._name = name
        self._tracker = tracker
        self._sources = sources
        self._timeout = timeout_secs
        self._resume = resume
        self._spawn = spawn
        self._cancel = cancel
        self._announce = announce
        self._queue_frame = queue_frame
        self._task: asyncio.Task[None] | None = None
        self.count = 0

    @property
    def enabled(self) -> bool:
        """Whether false interruptions are watched for at all."""
        return self._timeout is not None

    def watch(self, cut: Cut) -> None:
        """Start the timer for ``cut`` (one its tracker armed the watch for)."""
        self.stop()
        self._task = self._spawn(self._await_words(cut))

    def settle(self) -> None:
        """After each frame: stop the timer if something disarmed the watch."""
        if self._task is not None and self._tracker.watch.armed is None:
            self.stop()

    def stop(self) -> None:
        """Cancel the timer (not awaited), if one runs."""
        if (task := self._take_running()) is not None:
            task.cancel(msg="false-interruption watch disarmed")

    async def close(self) -> None:
        """The pipeline ends: disarm, and cancel the timer, waiting for it (bounded)."""
        self._tracker.watch.disarm("the pipeline ended")
        if (task := self._take_running()) is not None:
            await self._cancel(task)

    def _take_running(self) -> "asyncio.Task[None] | None":
        """Forget the timer; return it if it still runs and is not the caller itself."""
        task, self._task = self._task, None
        if task is None or task.done() or task is asyncio.current_task():
            return None
        return task

    async def _await_words(self, cut: Cut) -> None:
        await self._tracker.activity.quiet_for(self._timeout or 0, MAX_CALLER_SPEECH_SECS)
        self._sources.drain()  # a new response started meanwhile disarms the watch
        if not self._tracker.watch.expire(cut.reply):
            return
        self._task = None
        self.count += 1
        logger.debug(
            f"{self._name}: false interruption ({cut.snapshot.reason}): "
            f"no words within {self._timeout:g}s"
        )
        await self._announce(cut.snapshot)
        resumed = self._tracker.ledger.resume(cut.reply) if self._resume else None
        if resumed is None:
            return
        speak = TTSSpeakFrame(resumed.generated_text, text_type=RESUME_TEXT_TYPE)
        source = self._sources.generation_source
        if source is not None:
            await source.push_frame(speak)  # right after the LLM: the fewest hops to the TTS
        else:
            await self._queue_frame(speak)
