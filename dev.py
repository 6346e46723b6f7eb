#!/usr/bin/env python3
"""One entry point for the quick start: `python3 dev.py demo`, `web` and `test`.

Each command creates (or reuses) a local virtual environment in `.venv`, installs the
package with its test extra when `pyproject.toml` changed since the last install, and
then runs the demo, the test suite or the benchmark. Only the Python standard library is
used here, so it works on a fresh machine with Python 3.11+.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".pipecat-interrupts-installed"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_env() -> Path:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may run under an older python3
        sys.exit(f"pipecat-interrupts needs Python 3.11+, this is {sys.version.split()[0]}")
    python = venv_python()
    if not python.exists():
        print(f"dev.py: creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print("dev.py: installing pipecat-interrupts[test] (first run takes a minute)", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-e", f"{ROOT}[test]"],
            check=True,
        )
        STAMP.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    rest = argv[1:]
    if command not in {"demo", "test", "bench", "lint", "web"}:
        print("usage: python3 dev.py demo | web [--llm-url URL] | test [pytest args] | bench [--quick] | lint")
        return 2
    python = ensure_env()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if command == "demo":
        return subprocess.call([str(python), str(ROOT / "examples" / "local_demo.py"), *rest], env=env)
    if command == "web":  # the browser demo: needs `sudo .ci/install_web_deps` once (espeak-ng)
        return subprocess.call([str(python), str(ROOT / "examples" / "web" / "server.py"), *rest], env=env)
    if command == "bench":
        return subprocess.call([str(python), str(ROOT / "benchmarks" / "run.py"), *rest], env=env)
    if command == "lint":
        return subprocess.call([str(python), "-m", "ruff", "check", "pipecat_interrupts"], env=env)
    code = subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT, env=env)
    if code == 5:
        print("dev.py: FAILED - pytest collected no tests", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
