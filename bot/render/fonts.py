"""The Persian font shipped with the package (Vazirmatn, SIL OFL 1.1, see fonts/OFL.txt).

matplotlib >= 3.11 shapes and orders Persian text itself (libraqm): text is passed as
plain logical strings, never pre-shaped. System fonts are never relied on.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import matplotlib
from matplotlib import font_manager

FAMILY = "Vazirmatn"
#: Vazirmatn has no σ, φ, λ, κ, θ, ∇ or →; matplotlib takes each missing glyph from the
#: next family, DejaVu Sans, which matplotlib itself ships (no system font is used).
FALLBACK = "DejaVu Sans"
_FILES = ("Vazirmatn-Regular.ttf", "Vazirmatn-Bold.ttf")


@cache
def register_fonts() -> str:
    """Register Vazirmatn with matplotlib once per process and make it the default."""
    folder = resources.files("bot.render") / "fonts"
    for name in _FILES:
        with resources.as_file(folder / name) as path:
            font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = [FAMILY, FALLBACK]
    matplotlib.rcParams["axes.unicode_minus"] = True
    return FAMILY
