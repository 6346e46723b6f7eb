"""The wheel and the sdist: what they carry, and that they agree on the version."""

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pipecat_interrupts

# No event loop here: the test builds the wheel and sdist (real files, real build backend).

ROOT = Path(__file__).resolve().parents[1]

_BUILD = """
import sys
from setuptools import build_meta
out = sys.argv[1]
sdist = build_meta.build_sdist(out)
wheel = build_meta.build_wheel(out)
print("BUILT", sdist, wheel)
"""


def _build(tmp_path: Path) -> tuple[Path, Path]:
    done = subprocess.run(
        [sys.executable, "-c", _BUILD, str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "License classifiers are deprecated" not in done.stderr
    assert "project.license" not in done.stderr, done.stderr[-2000:]
    built = [line for line in done.stdout.splitlines() if line.startswith("BUILT ")]
    assert built, done.stdout[-2000:]
    _, sdist_name, wheel_name = built[-1].split()
    return tmp_path / sdist_name, tmp_path / wheel_name


def test_wheel_and_sdist_carry_the_package_and_agree_on_the_version(tmp_path: Path) -> None:
    sdist, wheel = _build(tmp_path)
    version = pipecat_interrupts.__version__
    assert sdist.name == f"pipecat_interrupts-{version}.tar.gz"
    assert wheel.name.startswith(f"pipecat_interrupts-{version}-py3-none-any")

    with zipfile.ZipFile(wheel) as archive:
        wheel_files = set(archive.namelist())
        metadata = archive.read(f"pipecat_interrupts-{version}.dist-info/METADATA").decode()
    assert "pipecat_interrupts/py.typed" in wheel_files
    assert "pipecat_interrupts/__init__.py" in wheel_files
    assert any(name.endswith("dist-info/licenses/LICENSE") for name in wheel_files)
    assert not any(name.startswith(("tests/", "examples/", "benchmarks/")) for name in wheel_files)
    assert "License-Expression: BSD-2-Clause" in metadata
    assert f"Version: {version}" in metadata
    for python in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {python}" in metadata

    with tarfile.open(sdist) as archive:
        sdist_files = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for document in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml"):
        assert document in sdist_files
    # The tests stay out of the sdist on purpose: they need the repository's helpers and data.
    assert not any(name.startswith(("tests/", "examples/", "benchmarks/")) for name in sdist_files)
    packaged = {name for name in sdist_files if name.startswith("pipecat_interrupts/")}
    wheel_modules = {name for name in wheel_files if name.startswith("pipecat_interrupts/")}
    assert wheel_modules <= packaged
