"""`mypy --strict` over the package and over a typed user script built on its public API."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
USER_SCRIPT = Path("tests/typecheck/user_script.py")
CANARY = Path("tests/typecheck/strict_canary.py")
ERROR_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")


@pytest.mark.timeout(600)
def test_package_and_user_script_are_mypy_strict_clean():
    """One mypy run (it is slow): the package, the user script and a canary that must fail."""
    pytest.importorskip("mypy", reason="mypy comes with the test extra")
    # A cache per environment: the installed Pipecat's path differs between .venv and
    # .venv-3.12, so one shared cache is stale for the next Python run (8 s cold, 0.3 s warm).
    cache = ROOT / ".mypy_cache" / f"env-{Path(sys.prefix).name}"
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--config-file", "pyproject.toml",
         "--cache-dir", str(cache), "pipecat_interrupts", str(USER_SCRIPT), str(CANARY)],
        cwd=ROOT, capture_output=True, text=True, timeout=540, check=False,
    )
    errors = [m.groupdict() for m in map(ERROR_LINE.match, done.stdout.splitlines()) if m]
    unexpected = [e for e in errors if Path(e["path"]) != CANARY]
    assert not unexpected, done.stdout[-4000:]
    # The canary's one missing annotation is reported: the run checked, and checked strictly.
    assert [(e["line"], e["code"]) for e in errors] == [("14", "no-untyped-def")], done.stdout[-4000:]
    assert done.returncode == 1, done.stdout[-4000:] + done.stderr[-2000:]
