#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Virtual time for kit conversations: pauses, token delays and playout cost no wall time.

`VirtualTimeLoop` is an asyncio event loop whose clock moves only when every task is
waiting: when the loop would sleep until its next timer, it jumps to that timer instead.
Events keep the order real time would give them (timers fire in deadline order, and
nothing that is ready to run is ever skipped), but a 12-second reply plays out in
milliseconds. Deadlines (``asyncio.timeout``, ``wait_for``) are virtual too, so a
negative assertion ("the bot did not resume within 1 s") costs no wall time either.

The clocks, in ONE place
------------------------
Pipecat and this package also read the clock directly: ``BaseOutputTransport`` paces
bot-speaking frames with ``time.time()``, ``VADUserStartedSpeakingFrame.timestamp``
defaults to ``time.time()``, Pipecat's pipeline clock (``SystemClock``) reads
``time.monotonic_ns()``, the VAD controller and the worker read ``time.monotonic()``,
and the kit's fakes and the package's snapshots stamp ``time.monotonic()``. While a
`VirtualTimeLoop` runs, the ``time`` module's ``time``, ``time_ns``, ``monotonic``,
``monotonic_ns``, ``perf_counter`` and ``perf_counter_ns`` are replaced by readers that
answer the virtual clock to code running on a virtual loop's thread, and the real
clock to everyone else (other threads, ordinary loops). The replacement is installed
when the first virtual loop starts running and removed when the last one stops.

What it does not reach, by design:

- a reference taken before the loop ran (``from time import monotonic``, or a default
  argument ``clock=time.monotonic``) keeps the real clock: pass the kit's
  `monotonic` explicitly (``InterruptionController(clock=monotonic)``), or read
  ``time.monotonic()`` at call time;
- ``datetime.now()`` (transcript timestamps strings) stays real;
- real I/O: work handed to a thread through the loop (``run_in_executor``,
  ``asyncio.to_thread``, e.g. a real VAD model) is waited for in real time, with the
  virtual clock moving along; a future from ``executor.submit`` wrapped by hand is not
  tracked, nor are sockets, so a conversation with a real network peer (the
  ``FakeOpenAIServer``) belongs on a real-time loop.

Real time stays the default: nothing changes unless a test or script opts in, with the
``virtual_time`` pytest marker or fixture (`pipecat_interrupts.testing.pytest_plugin`),
`run_virtual`, or ``asyncio.Runner(loop_factory=VirtualTimeLoop)``.

Example::

    from pipecat_interrupts.testing import run_virtual

    async def main():
        async with build_voice_pipeline(...) as vp:
            ...

    run_virtual(main())
"""

import asyncio
import selectors
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any, TypeVar, TypeVarTuple, Unpack

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

_REAL_TIME = time.time
_REAL_TIME_NS = time.time_ns
_REAL_MONOTONIC = time.monotonic
_REAL_MONOTONIC_NS = time.monotonic_ns
_REAL_PERF_COUNTER = time.perf_counter
_REAL_PERF_COUNTER_NS = time.perf_counter_ns


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer when every task waits.

    ``loop.time()`` starts at the real monotonic time and advances only when the loop
    would otherwise sleep: by the time to its next timer, or, while work handed to a
    thread (``run_in_executor``) is still running, by the real time it waited for that
    work. `wall_time` is the real wall time at creation plus the virtual time elapsed.
    """

    def __init__(self) -> None:
        """Create the loop with its clock at the current real time."""
        self._virtual_now = _REAL_MONOTONIC()
        self._virtual_start = self._virtual_now
        self._wall_start = _REAL_TIME()
        self._threads_running = 0
        super().__init__(selector=_IdleSkippingSelector(self, selectors.DefaultSelector()))

    def time(self) -> float:
        """Return the virtual monotonic time, in seconds."""
        return self._virtual_now

    def wall_time(self) -> float:
        """Return the virtual wall-clock time (``time.time()`` on this loop), in seconds."""
        return self._wall_start + (self._virtual_now - self._virtual_start)

    @property
    def elapsed_secs(self) -> float:
        """Virtual seconds elapsed since the loop was created."""
        return self._virtual_now - self._virtual_start

    def run_forever(self) -> None:
        """Run the loop with the ``time`` module answering the virtual clock on its thread."""
        with _time_module_reads_virtual_clocks():
            super().run_forever()

    def run_in_executor(
        self, executor: Executor | None, func: Callable[[Unpack[Ts]], T], *args: *Ts
    ) -> asyncio.Future[T]:
        """Run ``func`` in a thread; the clock follows real time until it is done.

        Args:
            executor: The executor (None for the default one).
            func: The function.
            *args: Its arguments.

        Returns:
            The future of its result.
        """
        future = super().run_in_executor(executor, func, *args)
        self._threads_running += 1
        future.add_done_callback(self._thread_done)
        return future

    async def shutdown_default_executor(self, *args: Any, **kwargs: Any) -> None:
        """Join the default executor's threads; the clock follows real time meanwhile.

        (Its deadline, 300 s at ``asyncio.Runner`` close, would otherwise pass at once.)
        """
        self._threads_running += 1
        try:
            await super().shutdown_default_executor(*args, **kwargs)
        finally:
            self._threads_running -= 1

    def _thread_done(self, _future: asyncio.Future[Any]) -> None:
        self._threads_running -= 1

    def _advance(self, secs: float) -> None:
        if secs > 0:
            self._virtual_now += secs


class _IdleSkippingSelector(selectors.BaseSelector):
    """The loop's selector: polls real I/O, and turns an idle wait into a clock jump."""

    def __init__(self, loop: VirtualTimeLoop, inner: selectors.BaseSelector) -> None:
        self._loop = loop
        self._inner = inner

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.get_key(fileobj)

    def get_map(self) -> Any:
        return self._inner.get_map()

    def close(self) -> None:
        self._inner.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._inner.select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None or self._loop._threads_running:
            # Nothing scheduled (only another thread can wake us), or a thread is
            # working: wait for real, and let the virtual clock follow.
            started = _REAL_MONOTONIC()
            ready = self._inner.select(timeout)
            waited = _REAL_MONOTONIC() - started
            self._loop._advance(waited if timeout is None else min(waited, timeout))
            return ready
        # Every task waits for a timer: jump to it.
        self._loop._advance(timeout)
        return []


def running_virtual_loop() -> VirtualTimeLoop | None:
    """Return the virtual-time loop running in this thread, or None.

    Returns:
        The running `VirtualTimeLoop`, or None on a real-time loop or outside a loop.
    """
    loop = asyncio._get_running_loop()
    return loop if isinstance(loop, VirtualTimeLoop) else None


def is_virtual_time() -> bool:
    """Return whether the code runs on a virtual-time loop."""
    return running_virtual_loop() is not None


def monotonic() -> float:
    """The kit's monotonic clock: virtual on a `VirtualTimeLoop`, real elsewhere.

    Inject it where a clock is taken at construction (``clock=monotonic``), so that a
    component built before the loop runs still reads the loop's time.

    Returns:
        Seconds.
    """
    loop = running_virtual_loop()
    return loop.time() if loop is not None else _REAL_MONOTONIC()


def wall_time() -> float:
    """The kit's wall clock (``time.time()``): virtual on a `VirtualTimeLoop`, real elsewhere.

    Returns:
        Seconds since the epoch.
    """
    loop = running_virtual_loop()
    return loop.wall_time() if loop is not None else _REAL_TIME()


def _monotonic_ns() -> int:
    loop = running_virtual_loop()
    return int(loop.time() * 1e9) if loop is not None else _REAL_MONOTONIC_NS()


def _perf_counter() -> float:
    loop = running_virtual_loop()
    return loop.time() if loop is not None else _REAL_PERF_COUNTER()


def _perf_counter_ns() -> int:
    loop = running_virtual_loop()
    return int(loop.time() * 1e9) if loop is not None else _REAL_PERF_COUNTER_NS()


def _time_ns() -> int:
    loop = running_virtual_loop()
    return int(loop.wall_time() * 1e9) if loop is not None else _REAL_TIME_NS()


_READERS: dict[str, Callable[[], Any]] = {
    "time": wall_time,
    "time_ns": _time_ns,
    "monotonic": monotonic,
    "monotonic_ns": _monotonic_ns,
    "perf_counter": _perf_counter,
    "perf_counter_ns": _perf_counter_ns,
}
_REAL_READERS: dict[str, Callable[[], Any]] = {
    "time": _REAL_TIME,
    "time_ns": _REAL_TIME_NS,
    "monotonic": _REAL_MONOTONIC,
    "monotonic_ns": _REAL_MONOTONIC_NS,
    "perf_counter": _REAL_PERF_COUNTER,
    "perf_counter_ns": _REAL_PERF_COUNTER_NS,
}
_install_lock = threading.Lock()
_running_virtual_loops = 0


@contextmanager
def _time_module_reads_virtual_clocks() -> Iterator[None]:
    """While any virtual loop runs, ``time.<clock>()`` answers per thread (see module docs)."""
    global _running_virtual_loops
    with _install_lock:
        if _running_virtual_loops == 0:
            for name, reader in _READERS.items():
                setattr(time, name, reader)
        _running_virtual_loops += 1
    try:
        yield
    finally:
        with _install_lock:
            _running_virtual_loops -= 1
            if _running_virtual_loops == 0:
                for name, reader in _REAL_READERS.items():
                    setattr(time, name, reader)


def virtual_time_runner(*, debug: bool | None = None) -> asyncio.Runner:
    """An ``asyncio.Runner`` on a `VirtualTimeLoop` (a context manager, like asyncio's).

    Args:
        debug: asyncio debug mode.

    Returns:
        The runner.

    Example::

        with virtual_time_runner() as runner:
            runner.run(main())
    """
    return asyncio.Runner(debug=debug, loop_factory=VirtualTimeLoop)


def run_virtual(main: Coroutine[Any, Any, T], *, debug: bool | None = None) -> T:
    """Run a coroutine on virtual time, like ``asyncio.run``.

    Args:
        main: The coroutine.
        debug: asyncio debug mode.

    Returns:
        Its result.
    """
    with virtual_time_runner(debug=debug) as runner:
        return runner.run(main)
