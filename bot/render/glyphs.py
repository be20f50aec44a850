"""Exponents on log axes in pictures (Greek letters and arrows come from the fallback
font :func:`bot.render.fonts.register_fonts` sets up)."""

from __future__ import annotations

import math

from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from bot.render.digits import SUPERSCRIPT


def decade_label(value: float, _position: object = None) -> str:
    """A log-axis tick as 10⁻⁶ in plain text: mathtext would lay out every label as a
    formula, which costs more than the rest of the axis."""
    if value <= 0:
        return ""
    exponent = round(math.log10(value))
    return "1" if exponent == 0 else f"10{str(exponent).translate(SUPERSCRIPT)}"


def log_axis(axis: Axis, ticks: int = 7) -> None:
    """Decades only, at most ``ticks`` of them labelled, no minor ticks."""
    axis.set_major_locator(LogLocator(numticks=ticks))
    axis.set_major_formatter(FuncFormatter(decade_label))
    axis.set_minor_locator(NullLocator())
