"""Persian text drawn on pictures."""

from __future__ import annotations

_LRI, _PDI = "\u2066", "\u2069"


def ltr(formula: str) -> str:
    """A formula isolated as left-to-right inside Persian text, so the bidi algorithm
    does not reorder its brackets and exponents: «(0.25)^N», not «N^(0.25)»."""
    return f"{_LRI}{formula}{_PDI}"
