"""The version of allocator, as installed (stamped on every result)."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("allocator")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
