#!/usr/bin/env python3
"""One entry point for the quick start: `python3 dev.py demo`, `web` and `test`.

Each command creates (or reuses) a local virtual environment in `.venv`, installs the
package with its test extra when `pyproject.toml` changed since the last install, and
then runs the demo, the test suite, the benchmark or the soak. Only the Python standard
library is used here, so it works on a fresh machine with Python 3.11+.

``--python X.Y`` (before the command) runs it under another Python in its own
environment, ``.venv-X.Y``: the interpreter is taken from pyenv (``~/.pyenv/versions``)
or the PATH (``pythonX.Y``). For example ``python3 dev.py --python 3.13 test``.
"""

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
COMMANDS = {"demo", "web", "test", "bench", "soak", "lint", "types"}
USAGE = (
    "usage: python3 dev.py [--python X.Y] demo | web [--llm-url URL] | test [pytest args] | bench [--quick] "
    "| soak [--conversations N] [--barge-ins N] | lint | types"
)


def find_python(version: str) -> str | None:
    """The interpreter for ``version`` (``3.12``): pyenv's newest, else ``pythonX.Y`` on the PATH."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = sorted(glob.glob(str(pyenv_root / "versions" / f"{version}.*" / "bin" / "python")))
    if candidates:
        return candidates[-1]
    return shutil.which(f"python{version}")


def venv_python(env_dir: Path) -> Path:
    if os.name == "nt":
        return env_dir / "Scripts" / "python.exe"
    return env_dir / "bin" / "python"


def ensure_env(version: str | None) -> Path:
    """Create or reuse the environment (``.venv``, or ``.venv-X.Y`` for ``--python X.Y``)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may run under an older python3
        sys.exit(f"pipecat-interrupts needs Python 3.11+, this is {sys.version.split()[0]}")
    env_dir = ROOT / (f".venv-{version}" if version else ".venv")
    stamp = env_dir / ".pipecat-interrupts-installed"
    python = venv_python(env_dir)
    if not python.exists():
        print(f"dev.py: creating virtual environment in {env_dir}", flush=True)
        if version:
            base = find_python(version)
            if base is None:
                sys.exit(f"dev.py: no Python {version} found (pyenv or python{version} on the PATH)")
            subprocess.run([base, "-m", "venv", str(env_dir)], check=True)
        else:
            venv.EnvBuilder(with_pip=True).create(env_dir)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        print("dev.py: installing pipecat-interrupts[test] (first run takes a minute)", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-e", f"{ROOT}[test]"],
            check=True,
        )
        stamp.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    version = None
    if argv[:1] == ["--python"]:
        if len(argv) < 2:
            print(USAGE)
            return 2
        version, argv = argv[1], argv[2:]
    command = argv[0] if argv else "help"
    rest = argv[1:]
    if command not in COMMANDS:
        print(USAGE)
        return 2
    python = ensure_env(version)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if command == "demo":
        return subprocess.call([str(python), str(ROOT / "examples" / "local_demo.py"), *rest], env=env)
    if command == "web":  # the browser demo: needs `sudo .ci/install_web_deps` once (espeak-ng)
        return subprocess.call([str(python), str(ROOT / "examples" / "web" / "server.py"), *rest], env=env)
    if command == "bench":
        return subprocess.call([str(python), str(ROOT / "benchmarks" / "run.py"), *rest], env=env)
    if command == "soak":
        return subprocess.call([str(python), str(ROOT / "benchmarks" / "soak.py"), *rest], env=env)
    types = [str(python), "-m", "mypy", "--strict", "pipecat_interrupts"]
    if command == "types":  # mypy --strict, configured by pyproject's [tool.mypy]
        return subprocess.call(types, cwd=ROOT, env=env)
    if command == "lint":  # ruff, then mypy --strict
        ruff = subprocess.call([str(python), "-m", "ruff", "check", "pipecat_interrupts"], cwd=ROOT, env=env)
        return ruff or subprocess.call(types, cwd=ROOT, env=env)
    # Bytecode caching on, whatever the shell says: pytest rewrites the asserts of every test
    # module (and of hypothesis, an entry-point plugin) in each of the suite's processes,
    # about 1.3 s of CPU each, unless it may keep the result in __pycache__.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    code = subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT, env=env)
    if code == 5:
        print("dev.py: FAILED - pytest collected no tests", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
