#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Old import path of `OpenAICompatibleNode`; it lives in `pipecat_interrupts.routes` now."""

from pipecat_interrupts.routes.openai_node import (
    DEFAULT_READ_TIMEOUT_SECS,
    OpenAICompatibleNode,
    StreamError,
)

__all__ = ["DEFAULT_READ_TIMEOUT_SECS", "OpenAICompatibleNode", "StreamError"]
