#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""The package version, in one place (read by pyproject.toml)."""

__version__ = "0.2.0"
