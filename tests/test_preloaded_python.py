"""The README blocks' runner: a forked child behaves as ``python script.py`` would.

`PreloadedPython` runs every README block; if it reported success for a failing script,
or lost its output, the README tests would pass on broken blocks. These pin it against
what a new interpreter does with the same script.
"""

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from preloaded_python import PreloadedPython, PreloadUnavailable

SCRIPT = textwrap.dedent(
    """
    import atexit, os, sys, threading, time

    def late_worker():
        time.sleep(0.05)
        print("thread done", flush=True)

    atexit.register(lambda: print("atexit ran", flush=True))
    threading.Thread(target=late_worker).start()  # not a daemon: the exit waits for it
    print(__name__, os.path.basename(sys.argv[0]), sys.argv[1:], os.getcwd() == sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    print("path0 is the script's folder:", sys.path[0] == here)
    print("stdin is empty:", sys.stdin.read() == "")
    print("to stderr", file=sys.stderr)
    sys.exit(int(sys.argv[2]))
    """
)


@pytest.fixture(scope="module")
def preloaded() -> Iterator[PreloadedPython]:
    try:
        python = PreloadedPython(["json"]).start()
    except PreloadUnavailable as error:
        pytest.skip(f"no preloaded interpreter here: {error}")
    try:
        yield python
    finally:
        python.close()


def as_subprocess(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd, capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("code", ["0", "3"])
def test_a_script_runs_as_it_would_in_a_new_interpreter(preloaded, tmp_path, code):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    forked = preloaded.run_path(script, [str(cwd), code], cwd=cwd, timeout_secs=30)
    plain = as_subprocess(script, str(cwd), code, cwd=cwd)
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        plain.returncode,
        plain.stdout,
        plain.stderr,
    )
    assert forked.returncode == int(code)
    assert forked.stdout.splitlines() == [
        f"__main__ script.py ['{cwd}', '{code}'] True",
        "path0 is the script's folder: True",
        "stdin is empty: True",
        "thread done",
        "atexit ran",
    ]
    assert forked.stderr == "to stderr\n"


def test_an_exception_fails_the_run_with_its_traceback(preloaded, tmp_path):
    script = tmp_path / "broken.py"
    script.write_text("print('before')\nraise ValueError('the block is broken')\n")
    done = preloaded.run_path(script, cwd=tmp_path, timeout_secs=30)
    assert done.returncode == 1
    assert done.stdout == "before\n"
    assert "ValueError: the block is broken" in done.stderr
    assert 'broken.py", line 2' in done.stderr


def test_a_module_runs_as_python_dash_m(preloaded, tmp_path):
    (tmp_path / "tool.py").write_text("import sys\nprint(__name__, sys.argv[1:])\nsys.exit(2)\n")
    done = preloaded.run_module("tool", ["--flag"], cwd=tmp_path, timeout_secs=30)
    assert (done.returncode, done.stdout) == (2, "__main__ ['--flag']\n")


def test_a_script_past_its_deadline_is_killed_and_the_next_one_runs(preloaded, tmp_path):
    script = tmp_path / "hangs.py"
    script.write_text(
        "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntime.sleep(60)\n"
    )
    done = preloaded.run_path(script, cwd=tmp_path, timeout_secs=0.2)
    assert done.returncode == -9
    assert "deadline" in done.stderr
    fine = tmp_path / "fine.py"
    fine.write_text("print('next')\n")
    assert preloaded.run_path(fine, cwd=tmp_path, timeout_secs=30).stdout == "next\n"


def test_the_preload_reports_a_module_that_fails_to_import():
    with pytest.raises(PreloadUnavailable, match="no_such_module_here"):
        PreloadedPython(["no_such_module_here"]).start()
