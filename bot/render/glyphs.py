"""Greek letters, arrows and exponents in pictures.

Vazirmatn has no σ, φ, λ, κ, θ or →; with DejaVu Sans (shipped with matplotlib) listed
after it, matplotlib takes each missing glyph from DejaVu, still shaping the Persian.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from matplotlib import rc_context
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from bot.fa.numbers import SUPERSCRIPT
from bot.render.fonts import FAMILY, register_fonts

FALLBACK = "DejaVu Sans"


@contextmanager
def symbol_fonts() -> Iterator[None]:
    """Build and draw a figure inside this block so every text gets the fallback font."""
    register_fonts()  # first, so its one-time global setting is not undone on exit
    with rc_context({"font.family": [FAMILY, FALLBACK]}):
        yield


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
