#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""`PipelineTimebase`: pipeline-clock stamps as monotonic seconds.

Pipecat stamps each push and processing event with its pipeline clock: nanoseconds since
the pipeline started (``FramePushed.timestamp``). Pipecat hands events to each observer
through its own queue and task, so an observer may run a little after the push it is told
about: it takes times from these stamps, not from when it runs, and this turns them into
the ``time.monotonic()`` seconds the rest of the package uses.
"""

from collections.abc import Callable
from typing import Any

from pipecat_interrupts import clocks


class PipelineTimebase:
    """Converts pipeline-clock stamps to monotonic seconds."""

    __slots__ = ("_clock", "_monotonic", "_offset")

    def __init__(self, clock: Callable[[], float] = clocks.monotonic) -> None:
        """Initialize the timebase.

        Args:
            clock: Monotonic clock in seconds (read back to back with the pipeline clock).
        """
        self._monotonic = clock
        self._clock: Any = None
        self._offset: float | None = None

    def monotonic_secs(self, pipeline_clock: Any, timestamp_ns: int) -> float:
        """The monotonic time of a stamp.

        Args:
            pipeline_clock: The pipeline clock that made the stamp (``get_time()`` in ns
                since the pipeline started), or None when there is none: then the
                monotonic clock's time now.
            timestamp_ns: The stamp.

        Returns:
            Monotonic seconds.
        """
        if pipeline_clock is None:
            return self._monotonic()
        if self._offset is None or pipeline_clock is not self._clock:
            # Read both clocks back to back: the pipeline clock is monotonic_ns minus its start.
            self._clock, self._offset = (
                pipeline_clock,
                self._monotonic() - pipeline_clock.get_time() / 1e9,
            )
        return timestamp_ns / 1e9 + self._offset


__all__ = ["PipelineTimebase"]
