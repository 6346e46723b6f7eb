import asyncio
import contextlib
import sys

import pytest
from loguru import logger

# Warnings and above only, from the start: Pipecat logs an INFO banner when it is first
# imported (by the plugin below), and pytest would print it after the "N passed" line.
logger.remove()
logger.add(sys.stderr, level="WARNING")

# The `virtual_time` marker and fixture: the kit's own plugin, as users enable it.
pytest_plugins = ["pipecat_interrupts.testing.pytest_plugin"]


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
