"""Validate: tables as read into a typed, consistent ``Problem``, with a located ``Finding``
for every value that is wrong or worth a look."""
from __future__ import annotations

from allocator.validate.tables import validate

__all__ = ["validate"]
