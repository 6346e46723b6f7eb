"""The README's code is tested code: every Python block compiles and names nothing undefined,
the blocks marked ``run`` execute as scripts, and the copyable test passes with pytest in a
fresh project that has only what the README tells a user to write."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from preloaded_python import PreloadedPython, PreloadUnavailable
from readme_snippets import (
    COMPILE,
    PROJECT,
    PYTEST,
    RUN,
    Snippet,
    extract,
    run_pytest,
    run_script,
    undefined_names,
)

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = extract((ROOT / "README.md").read_text(encoding="utf-8"))
PYTHON = [snippet for snippet in SNIPPETS if snippet.language == "python"]


def test_the_readme_has_runnable_blocks_and_every_mark_is_known() -> None:
    assert len([snippet for snippet in SNIPPETS if snippet.kind == RUN]) >= 8
    assert [snippet for snippet in SNIPPETS if snippet.kind == PYTEST]
    assert {snippet.kind for snippet in SNIPPETS} <= {RUN, PYTEST, PROJECT, COMPILE}
    assert {snippet.target for snippet in SNIPPETS if snippet.kind == PROJECT} == {
        "conftest.py",
        "pyproject.toml",
    }


@pytest.mark.parametrize("snippet", PYTHON, ids=[snippet.name for snippet in PYTHON])
def test_every_python_block_compiles_and_defines_what_it_uses(snippet: Snippet) -> None:
    compile(snippet.code, snippet.name, "exec")
    assert undefined_names(snippet.code) == set(), snippet.code


def test_the_undefined_name_check_finds_missing_names() -> None:
    code = (
        "import os\n\ndef f(x):\n    return os.sep + x + logger\n\nclass A(Base):\n    y = f(z)\n"
    )
    assert undefined_names(code) == {"logger", "Base", "z"}
    assert undefined_names("from loguru import logger\nlogger.info(print)\n") == set()


RUNNABLE = [snippet for snippet in SNIPPETS if snippet.kind == RUN]


@pytest.fixture(scope="module")
def preloaded() -> Iterator[PreloadedPython | None]:
    """One interpreter with the package imported, forking a process per block.

    Each block still runs in a process of its own, as a script; the second of imports a
    new interpreter spends is paid once for the module instead of once per block. None
    (a new interpreter per block) where the platform cannot fork.
    """
    try:
        python = PreloadedPython(["pipecat_interrupts", "pipecat_interrupts.testing"]).start()
    except PreloadUnavailable:
        yield None
        return
    try:
        yield python
    finally:
        python.close()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("snippet", RUNNABLE, ids=[snippet.name for snippet in RUNNABLE])
def test_runnable_block_executes(snippet: Snippet, preloaded: PreloadedPython | None) -> None:
    done = run_script(snippet, preloaded=preloaded)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.timeout(300)
def test_the_copyable_test_passes_in_a_fresh_project(preloaded: PreloadedPython | None) -> None:
    done = run_pytest(SNIPPETS, preloaded=preloaded)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout


@pytest.mark.timeout(300)
def test_the_copyable_test_needs_the_asyncio_setting_the_readme_states(
    preloaded: PreloadedPython | None,
) -> None:
    # Without the pyproject block (asyncio_mode = "auto") the async test is not run: the
    # README's setting is what makes it pass.
    without_config = [snippet for snippet in SNIPPETS if snippet.target != "pyproject.toml"]
    done = run_pytest(without_config, preloaded=preloaded)
    assert "1 passed" not in done.stdout
