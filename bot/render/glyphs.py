"""Greek letters and arrows in pictures.

Vazirmatn has no σ, φ, λ, κ, θ or →; with DejaVu Sans (shipped with matplotlib) listed
after it, matplotlib takes each missing glyph from DejaVu, still shaping the Persian.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from matplotlib import rc_context

from bot.render.fonts import FAMILY, register_fonts

FALLBACK = "DejaVu Sans"


@contextmanager
def symbol_fonts() -> Iterator[None]:
    """Build and draw a figure inside this block so every text gets the fallback font."""
    register_fonts()  # first, so its one-time global setting is not undone on exit
    with rc_context({"font.family": [FAMILY, FALLBACK]}):
        yield
