#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Bounded-memory aggregates of barge-in measurements, for `InterruptionMetricsObserver`.

A call may last hours and hold thousands of barge-ins; the observer keeps only a bounded
window of recent records. The totals (counts by reason, characters, and per latency its
count, mean and maximum) are folded in here as each record settles and stay exact for
the whole call; percentiles are taken over the window.
"""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

LATENCY_FIELDS: tuple[str, ...] = (
    "detection_to_decision_secs",
    "onset_to_output_secs",
    "decision_to_output_secs",
    "decision_to_silence_secs",
    "output_to_silence_secs",
    "flush_secs",
)
"""The latencies of an `InterruptionRecord` that the summary reports."""


class _Measured(Protocol):
    reason: str
    generated_chars: int
    spoken_chars: int


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of a non-empty list.

    Args:
        values: The samples.
        fraction: 0.5 for the median, 0.95 for p95.

    Returns:
        The percentile.
    """
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


@dataclass(slots=True)
class LatencyAggregate:
    """Count, sum and maximum of one latency over a whole call.

    Parameters:
        count: Samples folded in.
        total_secs: Their sum.
        max_secs: The largest.
    """

    count: int = 0
    total_secs: float = 0.0
    max_secs: float = 0.0

    def add(self, value: float) -> None:
        """Fold in one sample.

        Args:
            value: Seconds.
        """
        self.count += 1
        self.total_secs += value
        self.max_secs = max(self.max_secs, value)

    def merged(self, values: Iterable[float]) -> "LatencyAggregate":
        """A copy with extra samples folded in (for records not settled yet).

        Args:
            values: Seconds.

        Returns:
            The new aggregate.
        """
        copy = LatencyAggregate(self.count, self.total_secs, self.max_secs)
        for value in values:
            copy.add(value)
        return copy


_NO_SAMPLES = LatencyAggregate()  # read only: `merged` copies


@dataclass(slots=True)
class MetricsAggregates:
    """Totals over a whole call.

    Parameters:
        interruptions: Barge-ins seen.
        by_reason: Barge-ins per reason.
        generated_chars: Characters generated for the interrupted replies.
        spoken_chars: Characters of them that were played.
        latencies: One aggregate per name in `LATENCY_FIELDS` with a sample (made at its
            first sample: an observer that never sees a barge-in keeps none).
    """

    interruptions: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    generated_chars: int = 0
    spoken_chars: int = 0
    latencies: dict[str, LatencyAggregate] = field(default_factory=dict)

    def count(self, record: _Measured) -> None:
        """Count a new barge-in (its reason and characters are known at once).

        Args:
            record: The new record.
        """
        self.interruptions += 1
        self.by_reason[str(record.reason)] += 1  # plain strings, also for `Reason` members
        self.generated_chars += record.generated_chars
        self.spoken_chars += record.spoken_chars

    def fold_latencies(self, record: Any, names: Iterable[str] = LATENCY_FIELDS) -> None:
        """Fold a settled record's latencies in (each one once; None is skipped).

        Args:
            record: A settled `InterruptionRecord`.
            names: Which latencies to fold (a flush that completes after its record
                settled is folded on its own).
        """
        for name in names:
            value = getattr(record, name)
            if value is not None:
                aggregate = self.latencies.get(name)
                if aggregate is None:
                    aggregate = self.latencies[name] = LatencyAggregate()
                aggregate.add(value)

    def summary(self, window: list[Any], unsettled: list[Any]) -> dict[str, Any]:
        """Counts by reason, and per latency the call's mean and the window's p50/p95, in ms.

        Args:
            window: The recent records kept (settled or not), for the percentiles.
            unsettled: Records counted but whose latencies are not folded in yet.

        Returns:
            The summary.
        """
        result: dict[str, Any] = {
            "interruptions": self.interruptions,
            "by_reason": dict(self.by_reason),
            "generated_chars": self.generated_chars,
            "spoken_chars": self.spoken_chars,
            "window": len(window),
        }
        for name in LATENCY_FIELDS:
            extra = [v for r in unsettled if (v := getattr(r, name)) is not None]
            aggregate = self.latencies.get(name, _NO_SAMPLES).merged(extra)
            recent = [v for r in window if (v := getattr(r, name)) is not None]
            if not aggregate.count or not recent:
                continue
            result[name.removesuffix("_secs") + "_ms"] = {
                "p50": percentile(recent, 0.5) * 1000,
                "p95": percentile(recent, 0.95) * 1000,
                "mean": aggregate.total_secs / aggregate.count * 1000,
                "max": aggregate.max_secs * 1000,
                "n": aggregate.count,
            }
        return result
