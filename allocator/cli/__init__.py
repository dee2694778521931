"""The command line (``allocator``): thin sentences over the library (``allocator.api``)."""
from __future__ import annotations

from allocator.cli import commands  # noqa: F401 (registers the commands on ``main``)
from allocator.cli.app import main

__all__ = ["main"]
