#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Old import path of the route API; it lives in `pipecat_interrupts.routes` now."""

from pipecat_interrupts.routes.processor import (
    DEFAULT_CANCEL_TIMEOUT_SECS,
    DEFAULT_CONDITION_TIMEOUT_SECS,
    DEFAULT_HANDLER_TIMEOUT_SECS,
    DEFAULT_HEARD_TIMEOUT_SECS,
    RouteProcessor,
)
from pipecat_interrupts.routes.route import Route

__all__ = [
    "DEFAULT_CANCEL_TIMEOUT_SECS",
    "DEFAULT_CONDITION_TIMEOUT_SECS",
    "DEFAULT_HANDLER_TIMEOUT_SECS",
    "DEFAULT_HEARD_TIMEOUT_SECS",
    "Route",
    "RouteProcessor",
]
