#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Run scripts each in a process of its own, without paying the imports each time.

A new interpreter spends about a second of CPU importing Pipecat and the package before
it runs a line of a README block. `PreloadedPython` starts ONE interpreter that imports
them once and then forks a child per script: the child runs the script as
``python script.py`` would (``__main__``, its own working directory, ``sys.argv``,
``sys.path[0]``, stdout, stderr and stdin, and the interpreter's normal exit: atexit
handlers and non-daemon threads are waited for), or a module as ``python -m module``
would. Only the already-imported modules are shared, as a fresh ``import`` would give
them: nothing has run in the parent beyond the imports (it checks that it has no other
thread before it forks).

A child that overruns its deadline is killed; its result carries the signal as a
negative return code, like ``subprocess``. Where ``os.fork`` is missing (Windows), or the
preload fails, `PreloadedPython.start` raises `PreloadUnavailable` and the caller runs a
plain subprocess instead.

Standard library only, like `readme_snippets`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

# The interpreter's program: preload, then one JSON request per line on stdin, one JSON
# reply per line on stdout. A child leaves the loop with its request and becomes the
# script; it never returns to the loop.
_DRIVER = r"""
import importlib, json, os, select, signal, sys, threading, time

for name in sys.argv[1:]:
    importlib.import_module(name)
if threading.active_count() != 1:
    why = f"{threading.active_count()} threads after the preload"
    print(json.dumps({"ready": False, "why": why}), flush=True)
    sys.exit(0)
import gc
gc.freeze()  # the preloaded objects: no collection in a child touches (and copies) them
print(json.dumps({"ready": True}), flush=True)


def wait(pid, deadline_secs):
    # The child's exit status, killing it at the deadline. A pidfd wakes us when it ends.
    deadline = time.monotonic() + deadline_secs
    pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), False
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), True
            if pidfd is not None:
                select.select([pidfd], [], [], left)
            else:
                time.sleep(min(left, 0.01))
    finally:
        if pidfd is not None:
            os.close(pidfd)


def serve():
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            return request
        returncode, timed_out = wait(pid, request["timeout_secs"])
        print(json.dumps({"returncode": returncode, "timed_out": timed_out}), flush=True)
    return None


def become(request):
    # This process is now the script's: its files, directory, arguments and path.
    os.chdir(request["cwd"])
    stdin = os.open(os.devnull, os.O_RDONLY)
    stdout = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    stderr = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin = open(0, closefd=False)
    import runpy
    if request["module"]:
        sys.argv = ["-m", *request["args"]]
        sys.path[0] = os.getcwd()
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
    else:
        sys.argv = [request["path"], *request["args"]]
        sys.path[0] = os.path.dirname(os.path.abspath(request["path"]))
        runpy.run_path(request["path"], run_name="__main__")


request = serve()
if request is not None:
    become(request)
"""


class PreloadUnavailable(RuntimeError):
    """No preloaded interpreter here (no ``os.fork``, or the preload failed)."""


class PreloadedPython:
    """One interpreter with modules imported once, forking a fresh process per script.

    Use as a context manager (or `start` and `close`). Requests are served one at a time.

    Args:
        preload: Modules to import before any fork (``pipecat_interrupts``...).
        python: The interpreter.
    """

    def __init__(self, preload: Sequence[str], python: str = sys.executable) -> None:
        self._preload = list(preload)
        self._python = python
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def __repr__(self) -> str:
        return f"PreloadedPython({self._python}, preload={self._preload})"

    def start(self) -> PreloadedPython:
        """Start the interpreter and wait for its preload.

        Returns:
            Itself.

        Raises:
            PreloadUnavailable: No ``os.fork``, or the preload failed or left threads.
        """
        if not hasattr(os, "fork"):
            raise PreloadUnavailable("os.fork is not available on this platform")
        self._log = tempfile.TemporaryFile("w+")
        self._process = subprocess.Popen(
            [self._python, "-c", _DRIVER, *self._preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        try:
            ready = self._reply()
            if not ready.get("ready"):
                raise PreloadUnavailable(f"{self}: {ready.get('why')}")
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """End the interpreter (its stdin closes; it exits), killing it if it lingers."""
        process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            assert process.stdout is not None
            process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> PreloadedPython:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def run_path(
        self, path: Path, args: Sequence[str] = (), *, cwd: Path, timeout_secs: float
    ) -> subprocess.CompletedProcess[str]:
        """Run a script as ``python path args...`` would, in a forked child.

        Args:
            path: The script.
            args: Its arguments.
            cwd: Its working directory.
            timeout_secs: Killed past this.

        Returns:
            The finished process (a killed one has a negative return code).
        """
        target = {"path": str(path), "module": None}
        return self._run(target, [str(path), *args], args, cwd, timeout_secs)

    def run_module(
        self, module: str, args: Sequence[str] = (), *, cwd: Path, timeout_secs: float
    ) -> subprocess.CompletedProcess[str]:
        """Run a module as ``python -m module args...`` would, in a forked child.

        Args:
            module: The module (``pytest``).
            args: Its arguments.
            cwd: Its working directory.
            timeout_secs: Killed past this.

        Returns:
            The finished process (a killed one has a negative return code).
        """
        target = {"path": None, "module": module}
        return self._run(target, ["-m", module, *args], args, cwd, timeout_secs)

    def _run(
        self,
        target: dict[str, str | None],
        argv: list[str],
        args: Sequence[str],
        cwd: Path,
        timeout_secs: float,
    ) -> subprocess.CompletedProcess[str]:
        process = self._process
        if process is None or process.stdin is None:
            raise RuntimeError(f"{self}: not started")
        with tempfile.TemporaryDirectory() as scratch:
            stdout, stderr = Path(scratch) / "stdout", Path(scratch) / "stderr"
            request = {
                **target,
                "args": list(args),
                "cwd": str(cwd),
                "stdout": str(stdout),
                "stderr": str(stderr),
                "timeout_secs": timeout_secs,
            }
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            reply = self._reply()
            out = stdout.read_text(errors="replace") if stdout.exists() else ""
            err = stderr.read_text(errors="replace") if stderr.exists() else ""
        if reply["timed_out"]:
            err += f"\n{self}: killed after its {timeout_secs} s deadline\n"
        return subprocess.CompletedProcess([self._python, *argv], reply["returncode"], out, err)

    def _reply(self) -> dict[str, object]:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            log = ""
            if self._log is not None:
                self._log.seek(0)
                log = self._log.read()[-3000:]
            raise PreloadUnavailable(f"{self}: the interpreter ended: {log}")
        reply: dict[str, object] = json.loads(line)
        return reply
