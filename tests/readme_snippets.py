#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The README's code blocks as code: extract, check and run them.

Standard library only, so `.ci/check_installed` can run it with a fresh virtual
environment's Python against the installed package. A block is marked by an HTML comment
on the line before its fence:

- ``<!-- snippet: run -->``: a complete script, executed as is (the testing kit's fakes
  stand in for keyed services inside it);
- ``<!-- snippet: pytest -->``: a test file, run by pytest in a fresh project made of the
  ``<!-- snippet: pytest-project NAME -->`` blocks (its ``conftest.py``, ``pyproject.toml``);
- unmarked (or ``<!-- snippet: compile -->``): compiled and checked for undefined names.

Usage: ``python readme_snippets.py README.md`` runs every runnable block and exits non-zero
when one fails.
"""

from __future__ import annotations

import builtins
import re
import subprocess
import symtable
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the caller makes one; .ci/check_installed copies this file alone
    from preloaded_python import PreloadedPython

RUN = "run"
PYTEST = "pytest"
PROJECT = "pytest-project"
COMPILE = "compile"

_FENCE = re.compile(r"^(\s*)```(\w+)\s*$")
_MARK = re.compile(r"^\s*<!--\s*snippet:\s*([\w-]+)(?:\s+(\S+))?\s*-->\s*$")
_MODULE_NAMES = {"__name__", "__file__", "__doc__", "__builtins__", "__spec__", "__loader__"}
SNIPPET_TIMEOUT_SECS = 180


@dataclass(frozen=True)
class Snippet:
    """One fenced block of the README.

    Attributes:
        line: The line of its opening fence (1-based).
        language: The fence's language (``python``, ``toml``...).
        kind: ``run``, ``pytest``, ``pytest-project`` or ``compile``.
        target: For a ``pytest-project`` block, the file it becomes.
        code: The block's text.
    """

    line: int
    language: str
    kind: str
    target: str | None
    code: str

    @property
    def name(self) -> str:
        """A readable id: ``README.md:77``."""
        return f"README.md:{self.line}"


def extract(text: str) -> list[Snippet]:
    """Every fenced ``python`` block, and every marked block of another language.

    Args:
        text: The README.

    Returns:
        The blocks in order.
    """
    lines = text.splitlines()
    found: list[Snippet] = []
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        start = index
        end = start + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        mark = _MARK.match(lines[start - 1]) if start > 0 else None
        kind, target = (mark.group(1), mark.group(2)) if mark else (COMPILE, None)
        language = fence.group(2)
        if language == "python" or mark:
            # A block inside a list item is indented: its code is dedented by the fence's indent.
            code = textwrap.dedent("\n".join(lines[start + 1 : end]) + "\n")
            found.append(Snippet(start + 1, language, kind, target, code))
        index = end + 1
    return found


def undefined_names(code: str) -> set[str]:
    """Names a block reads but never binds, imports or gets from the builtins.

    Args:
        code: Python source.

    Returns:
        The undefined names (empty when the block is complete).
    """
    top = symtable.symtable(code, "<snippet>", "exec")
    bound = {
        symbol.get_name()
        for symbol in top.get_symbols()
        if symbol.is_assigned() or symbol.is_imported()
    }
    known = bound | set(dir(builtins)) | _MODULE_NAMES
    missing: set[str] = set()

    def visit(table: symtable.SymbolTable) -> None:
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if not symbol.is_referenced() or name in known:
                continue
            if table is top or symbol.is_global():
                missing.add(name)
        for child in table.get_children():
            visit(child)

    visit(top)
    return missing


def run_script(
    snippet: Snippet,
    python: str = sys.executable,
    cwd: Path | None = None,
    preloaded: PreloadedPython | None = None,
) -> subprocess.CompletedProcess[str]:
    """Execute a ``run`` block as a script of its own.

    Args:
        snippet: The block.
        python: The interpreter (a fresh venv's for the install check).
        cwd: Where to run it (a temporary directory when None).
        preloaded: Run it in a process forked from this interpreter, which has the
            package imported already, instead of a new one (`PreloadedPython`).

    Returns:
        The finished process.
    """
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "snippet.py"
        script.write_text(snippet.code)
        if preloaded is not None:
            return preloaded.run_path(
                script, cwd=cwd or Path(scratch), timeout_secs=SNIPPET_TIMEOUT_SECS
            )
        return subprocess.run(
            [python, str(script)],
            cwd=cwd or scratch,
            capture_output=True,
            text=True,
            timeout=SNIPPET_TIMEOUT_SECS,
            check=False,
        )


def run_pytest(
    snippets: list[Snippet],
    python: str = sys.executable,
    preloaded: PreloadedPython | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the ``pytest`` blocks in a fresh project made of the ``pytest-project`` blocks.

    The project has none of this repository's configuration: only what the README tells a
    user to write.

    Args:
        snippets: Every block of the README.
        python: The interpreter.
        preloaded: Run pytest in a process forked from this interpreter instead of a new
            one (`PreloadedPython`).

    Returns:
        The finished pytest process.
    """
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch)
        for snippet in snippets:
            if snippet.kind == PROJECT and snippet.target:
                (project / snippet.target).write_text(snippet.code)
        tests = [snippet for snippet in snippets if snippet.kind == PYTEST]
        for number, snippet in enumerate(tests):
            (project / f"test_readme_{number}.py").write_text(snippet.code)
        args = ["-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(project)]
        if preloaded is not None:
            return preloaded.run_module(
                "pytest", args, cwd=project, timeout_secs=SNIPPET_TIMEOUT_SECS
            )
        return subprocess.run(
            [python, "-m", "pytest", *args],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=SNIPPET_TIMEOUT_SECS,
            check=False,
        )


def main(argv: list[str]) -> int:
    """Run every runnable block of the README given; print one line per block."""
    snippets = extract(Path(argv[1]).read_text(encoding="utf-8"))
    failed = 0
    for snippet in snippets:
        if snippet.kind != RUN:
            continue
        done = run_script(snippet)
        status = "ok" if done.returncode == 0 else "FAILED"
        print(f"readme: {snippet.name} {status}", flush=True)
        if done.returncode != 0:
            failed += 1
            print(done.stdout[-3000:] + done.stderr[-3000:], flush=True)
    if any(snippet.kind == PYTEST for snippet in snippets):
        done = run_pytest(snippets)
        print(f"readme: pytest blocks {'ok' if done.returncode == 0 else 'FAILED'}", flush=True)
        if done.returncode != 0:
            failed += 1
            print(done.stdout[-3000:] + done.stderr[-3000:], flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
