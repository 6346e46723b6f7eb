import asyncio
import contextlib
import sys

import pytest
from loguru import logger


def _loguru_lib_dirs_computed_once() -> None:
    """Compute loguru's library folders once, not on each ``logger.add``.

    Every ``logger.add`` builds an exception formatter that asks ``sysconfig`` for the
    library paths of every install scheme: about 5 ms, and the fixtures below add a handler
    for each test (850 adds in a run, 4 s of CPU). The answer cannot change within a run.
    """
    from loguru import _better_exceptions

    formatter = getattr(_better_exceptions, "ExceptionFormatter", None)
    compute = getattr(formatter, "_get_lib_dirs", None)
    if formatter is None or compute is None:  # another loguru: keep its own way
        return
    lib_dirs = compute()
    formatter._get_lib_dirs = staticmethod(lambda: list(lib_dirs))


_loguru_lib_dirs_computed_once()

# Warnings and above only, from the start: Pipecat logs an INFO banner when it is first
# imported (by the plugin, registered below), and pytest would print it after the
# "N passed" line.
logger.remove()
logger.add(sys.stderr, level="WARNING")


def pytest_configure(config: pytest.Config) -> None:
    """The `virtual_time` marker and fixture: the kit's own plugin, where tests run.

    Users list it in ``pytest_plugins``; here it is registered in each process that runs
    tests, and not in the xdist controller, which runs none: the plugin imports Pipecat
    and the package (about a second), and the controller's start delays the workers'.
    """
    controller = getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput")
    if not controller:
        config.pluginmanager.import_plugin("pipecat_interrupts.testing.pytest_plugin")


# Modules that take a second or more (a subprocess: mypy, the README blocks, an example; a
# real socket or the wall clock; CPU-heavy runs), longest first, as measured on the 2-core
# machine. They start first, so that the workers (`--dist loadfile`) run the many short
# modules beside them and none is left running alone at the end. A module not listed runs
# after them, in the usual order.
LONG_RUNNING_FIRST = (
    "test_typing.py",  # mypy --strict: 0.4 s with its cache, 8 s of CPU without (a fresh CI)
    "test_readme_snippets.py",
    "test_otel_example.py",
    "test_state_consistency.py",
    "test_web_real_services.py",
    "test_websocket_bot.py",
    "test_tracing.py",
    "test_openai_node.py",
    "test_model_in_pipeline.py",
    "test_silero_vad.py",
    "test_preloaded_python.py",
    "test_packaging.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long-running modules first (a stable sort: each module's order is kept)."""
    rank = {name: index for index, name in enumerate(LONG_RUNNING_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(autouse=True)
def _quiet_logs():
    """Keep pipecat's per-frame chatter out of test output; warnings and above stay."""
    logger.remove()
    handler = logger.add(sys.stderr, level="WARNING")
    yield
    with contextlib.suppress(ValueError):  # an example may have reset the handlers
        logger.remove(handler)


@pytest.fixture
def log_records():
    """Collect every log record (DEBUG and up) emitted during the test."""
    records: list = []
    handler = logger.add(lambda message: records.append(message.record), level="DEBUG")
    yield records
    with contextlib.suppress(ValueError):
        logger.remove(handler)


def pending_tasks() -> list[asyncio.Task]:
    """Tasks still running besides the test itself."""
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done()]
