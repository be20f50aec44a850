"""The worker's text cache (bot.render.textcache) draws what matplotlib draws: the same
picture within a rendered pixel, Persian shaped, and reused across figures."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.render import textcache
from bot.render.fonts import register_fonts
from bot.render.textcache import CachedCanvas

TEXTS = ("پس‌انتشار در شبکهٔ ۲-۲-۲", "L = 0.2829", "out = 0.7166", "ŷ1", "−0.0191105")


def _pixels(canvas_class: type[FigureCanvasAgg], bold: bool = False) -> np.ndarray:
    register_fonts()
    figure = Figure(figsize=(3.9, 2.4), dpi=200)
    canvas = canvas_class(figure)
    ax = figure.add_axes((0.1, 0.15, 0.85, 0.8))
    ax.plot([0, 1], [0, 1])
    ax.set_ylabel("f(x)")  # rotated: matplotlib's own path
    for n, text in enumerate(TEXTS):
        figure.text(0.5, 0.9 - 0.17 * n, text, ha="center", fontsize=12,
                    fontweight="bold" if bold else "normal", color="#e03131" if n % 2 else "#1f2933")
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


def test_cached_text_looks_like_matplotlibs_own() -> None:
    for bold in (False, True):
        ours, theirs = _pixels(CachedCanvas, bold), _pixels(FigureCanvasAgg, bold)
        assert ours.shape == theirs.shape
        # ink in the same places: within one rendered pixel of matplotlib's own rendering
        ink_ours, ink_theirs = ours.sum(axis=2) < 600, theirs.sum(axis=2) < 600
        grown = np.zeros_like(ink_theirs)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                grown |= np.roll(np.roll(ink_theirs, dy, axis=0), dx, axis=1)
        assert (ink_ours & ~grown).sum() <= 0.002 * ink_ours.sum()
        assert abs(int(ink_ours.sum()) - int(ink_theirs.sum())) <= 0.03 * ink_theirs.sum()


def test_strings_are_rendered_once_per_worker() -> None:
    _pixels(CachedCanvas)
    kept = len(textcache._masks)
    _pixels(CachedCanvas)  # a new figure, the same strings
    assert len(textcache._masks) == kept
    assert any(key[0] == TEXTS[0] for key in textcache._masks)


def test_font_heights_are_matplotlibs_own() -> None:
    """The heights the cached renderer hands ``Text._get_layout`` lay a text out exactly
    as matplotlib does when it reads the font itself (plain Agg has no such hook)."""
    register_fonts()
    figure = Figure(figsize=(3.9, 2.4), dpi=200)
    plain = FigureCanvasAgg(figure).get_renderer()
    cached = CachedCanvas(figure).get_renderer()
    assert hasattr(cached, "_get_font_height_metrics")
    assert not hasattr(plain, "_get_font_height_metrics")
    for n, text in enumerate((*TEXTS, "two\nlines", "")):
        for size, weight in ((9, "normal"), (12, "bold"), (13.5, "normal")):
            label = figure.text(0.5, 0.5, text, fontsize=size, fontweight=weight,
                                linespacing=1.6 if n % 2 else None)
            ours, theirs = label._get_layout(cached), label._get_layout(plain)
            assert ours[0].bounds == theirs[0].bounds and ours[1] == theirs[1]
