"""How figures are written, the same in every output."""
from __future__ import annotations

import math


def percent(gap: float) -> str:
    """A gap as a percentage with two significant digits below 1% ("0.0043%"), so that an
    unproven allocation never reads "gap 0.00%"."""
    if gap >= 0.01 or gap <= 0:
        return f"{gap:.2%}"
    return f"{gap * 100:.{max(2, 1 - math.floor(math.log10(gap * 100)))}f}%"


def number(v: float, digits: int = 0) -> str:
    """A number with thin-space thousands, as French and English readers both read it."""
    return f"{v:,.{digits}f}".replace(",", " ")


def euros(v: float) -> str:
    """Euros to the euro: €1 234 567."""
    return f"€{number(v)}"


def millions(v: float, digits: int = 2) -> str:
    """Euros in millions: €1.23M."""
    return f"€{number(v / 1e6, digits)}M"


def money(v: float) -> str:
    """Euros in millions from €1M up, to the euro below."""
    return millions(v) if abs(v) >= 1e6 else euros(v)


# control characters but tab and newline: an id holding ESC or BEL would drive the terminal
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0b, 0x20), 0x7f)}


def printable(text: str) -> str:
    """Text safe to show on a terminal: control characters written as \\x1b, \\x07…"""
    return text.translate(_CONTROL)
