#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Old import path of `InterruptibleNode`; it lives in `pipecat_interrupts.routes` now."""

from pipecat_interrupts.routes.node import InterruptedGeneration, InterruptibleNode

__all__ = ["InterruptedGeneration", "InterruptibleNode"]
