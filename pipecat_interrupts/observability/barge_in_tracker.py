#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`BargeInTracker`: the open barge-in, measured until it settles.

Plain and clock-free: every time is given in (monotonic seconds, from the pipeline
clock's stamps; see `PipelineTimebase`). A barge-in opens with the record
`BargeInRecorder` made for it and settles once its interruption has reached the output
transport, the bot is silent and any flush has reported; new speech, or the next
barge-in, closes it. Each settled barge-in goes to the export once and is handed back
once, for the observer to report; its latencies are folded into the
`BargeInStatistics` when it closes.
"""

from loguru import logger

from pipecat_interrupts.observability.barge_in_record import InterruptionRecord, MetricsExport
from pipecat_interrupts.observability.barge_in_state import OpenBargeIn
from pipecat_interrupts.observability.barge_in_statistics import BargeInStatistics


class BargeInTracker:
    """Measures the open barge-in until it settles, then exports and folds it (once each)."""

    __slots__ = ("_export", "_name", "_open", "statistics")

    def __init__(
        self,
        statistics: BargeInStatistics,
        *,
        export: MetricsExport | None = None,
        name: str = "BargeInTracker",
    ) -> None:
        """Initialize the tracker.

        Args:
            statistics: Takes each barge-in when it opens and its latencies when it closes.
            export: Also gets each settled barge-in, once; off if None.
            name: Name for logs.
        """
        self.statistics = statistics
        self._export = export
        self._name = name
        self._open: OpenBargeIn | None = None

    def __str__(self) -> str:
        return self._name

    def open(
        self, record: InterruptionRecord, *, interruption_id: int, worker: object = None
    ) -> OpenBargeIn | None:
        """Open a new barge-in; it closes the one open before.

        Args:
            record: Its record (`BargeInRecorder.interruption`).
            interruption_id: The id of its `InterruptionFrame`.
            worker: Where to queue its metrics frame (kept in `OpenBargeIn.worker`).

        Returns:
            The previous barge-in, if it is to be reported now.
        """
        previous = self._open
        to_report = None
        if previous is not None:
            to_report = self._settle(previous)
            self._close(previous)
        self.statistics.add(record)
        self._open = OpenBargeIn(record, interruption_id=interruption_id, worker=worker)
        return to_report

    @property
    def awaits_output(self) -> bool:
        """Whether a barge-in is open and its interruption has not reached the output."""
        return self._open is not None and self._open.record.at_output_at is None

    def at_output(self, at: float) -> None:
        """The open barge-in's interruption reached the output transport (first time counts).

        Args:
            at: When the transport processed it (monotonic seconds).
        """
        if self._open is not None and self._open.record.at_output_at is None:
            self._open.record.at_output_at = at

    def is_cut_audio(self, chunk_id: int) -> bool:
        """Whether an audio chunk belongs to the reply the open barge-in cut.

        Chunks are made when the audio is queued: only those queued before the
        interruption are the cut reply's (a late one included), not the next reply's.

        Args:
            chunk_id: The audio frame's id.

        Returns:
            True if a barge-in is open and the chunk was made before its interruption.
        """
        return self._open is not None and chunk_id < self._open.interruption_id

    def cut_audio_written(self, at: float) -> None:
        """The output transport wrote a chunk of the cut reply (see `is_cut_audio`).

        Args:
            at: When (monotonic seconds).
        """
        if self._open is not None:
            self._open.record.last_audio_at = at

    def bot_started(self) -> OpenBargeIn | None:
        """The bot started speaking: new speech closes the open barge-in.

        Returns:
            The barge-in to report now, if any.
        """
        open_ = self._open
        if open_ is None:
            return None
        if open_.flush_pending and open_.record.flush_secs is None:
            # Too soon for new speech: Pipecat's output transport reports speaking
            # again for a chunk it plays late. The flush's completion settles it.
            logger.debug(f"{self}: bot speaking again before the flush completed; waiting for it")
            open_.bot_stopped = True
            return None
        to_report = self._settle(open_)
        self._close(open_)
        self._open = None
        return to_report

    def bot_stopped(self) -> OpenBargeIn | None:
        """The bot stopped speaking.

        Returns:
            The open barge-in, if that settled it and it is to be reported now.
        """
        open_ = self._open
        if open_ is None:
            return None
        open_.bot_stopped = True
        return self._settle(open_) if open_.settled else None

    def flush_started(self) -> None:
        """A flush started: the open barge-in (if any, with no flush time) waits for it."""
        if self._open is not None and self._open.record.flush_secs is None:
            self._open.flush_pending = True

    def flush_completed(self, *, completed: bool, elapsed_secs: float) -> OpenBargeIn | None:
        """A flush reported.

        It goes to the open barge-in if that has no flush time yet, else (none open) to
        the last record, whose barge-in settled before the flush completed.

        Args:
            completed: Whether every end reported (else it timed out: nothing more comes).
            elapsed_secs: Its round trip.

        Returns:
            The open barge-in, if that settled it and it is to be reported now.
        """
        open_ = self._open
        if open_ is not None and open_.record.flush_secs is None:
            if completed:
                open_.record.flush_secs = elapsed_secs
            else:
                open_.flush_pending = False
            return self._settle(open_) if open_.settled else None
        if open_ is None and completed:
            self.statistics.late_flush(elapsed_secs)
        return None

    def end(self) -> None:
        """The pipeline ends: the open barge-in goes to the export as it is (once)."""
        if self._open is not None:
            self._export_once(self._open)

    def unsettled(self) -> list[InterruptionRecord]:
        """The records counted whose latencies are not folded in yet.

        Returns:
            The open barge-in's record, unless folded already; else none.
        """
        open_ = self._open
        return [open_.record] if open_ is not None and not open_.folded else []

    def _settle(self, open_: OpenBargeIn) -> OpenBargeIn | None:
        """Export a settled barge-in (once) and hand it back to be reported (once)."""
        self._export_once(open_)
        if open_.reported:
            return None
        open_.reported = True
        return open_

    def _export_once(self, open_: OpenBargeIn) -> None:
        if self._export is not None and not open_.exported:
            open_.exported = True
            self._export.record(open_.record)

    def _close(self, open_: OpenBargeIn) -> None:
        """Fold a barge-in that leaves the open slot into the whole-call totals (once)."""
        if not open_.folded:
            open_.folded = True
            self.statistics.fold(open_.record)


__all__ = ["BargeInTracker"]
