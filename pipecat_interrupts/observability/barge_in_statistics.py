#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`BargeInStatistics`: the recent barge-in records and the whole call's totals.

Memory stays bounded however long the call: the window keeps the last ``window``
records (its deque is made at the first barge-in), and `MetricsAggregates` keeps the
whole-call counts, means and maxima, folded in as each record settles.
"""

from collections import deque
from typing import Any

from pipecat_interrupts.metrics_summary import MetricsAggregates
from pipecat_interrupts.observability.barge_in_record import InterruptionRecord


class BargeInStatistics:
    """A bounded window of `InterruptionRecord`s and the whole call's totals."""

    __slots__ = ("_aggregates", "_records", "_window")

    def __init__(self, window: int) -> None:
        """Start with no records.

        Args:
            window: How many recent records to keep (at least 1; the caller checks it).
        """
        self._window = window
        self._records: deque[InterruptionRecord] | None = None  # made at the first record
        self._aggregates = MetricsAggregates()

    @property
    def records(self) -> deque[InterruptionRecord]:
        """The last ``window`` records, oldest first."""
        if self._records is None:
            self._records = deque(maxlen=self._window)
        return self._records

    @property
    def has_records(self) -> bool:
        """Whether any record was added."""
        return bool(self._records)

    def add(self, record: InterruptionRecord) -> None:
        """Count a new barge-in and keep its record in the window.

        Args:
            record: The new record (its latencies are folded in when it settles).
        """
        self._aggregates.count(record)
        self.records.append(record)

    def fold(self, record: InterruptionRecord) -> None:
        """Fold a settled record's latencies into the whole-call totals.

        Args:
            record: The record; fold each one once.
        """
        self._aggregates.fold_latencies(record)

    def late_flush(self, elapsed_secs: float) -> None:
        """Give a flush that completed after its record settled to the last record.

        Nothing changes if the last record already has a flush time (or there is none).

        Args:
            elapsed_secs: The flush round trip.
        """
        if self._records and self._records[-1].flush_secs is None:
            self._records[-1].flush_secs = elapsed_secs
            self._aggregates.fold_latencies(self._records[-1], ("flush_secs",))

    def summary(self, unsettled: list[InterruptionRecord]) -> dict[str, Any]:
        """Whole-call counts by reason and latency means; p50/p95 over the window.

        Args:
            unsettled: Records counted but whose latencies are not folded in yet.

        Returns:
            The summary (`MetricsAggregates.summary`).
        """
        return self._aggregates.summary(list(self._records or ()), unsettled)


__all__ = ["BargeInStatistics"]
