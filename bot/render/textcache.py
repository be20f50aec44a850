"""Text laid out and rasterised once per worker, not once per figure.

matplotlib 3.11 shapes every string (Persian included) and renders it glyph by glyph on
each draw, and caches a string's size only per renderer, that is per figure. A lab's
pictures are mostly text (tick labels, titles, a table's cells, a network's labels) and
the same strings come back request after request, so this canvas's renderer keeps, for
the worker's lifetime, each string's size and its rendered coverage mask per (string,
font, size, dpi), and draws a string as one mask, coloured by the graphics context.

The mask is rendered at a whole-pixel origin, so a string may sit up to half a rendered
pixel from where per-glyph rendering would put it (a quarter of a phone pixel at the
still's 2× scale): invisible. Rotated strings and mathtext take matplotlib's own path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import FontProperties, fontManager, get_font
from matplotlib.ft2font import RenderMode

#: Strings remembered per worker (sizes and masks; a mask is a few kilobytes).
KEPT = 4096

Mask = tuple[np.ndarray, int, int]  # coverage (rows from the top), left, top (above the origin)

_sizes: dict[tuple[Any, ...], tuple[float, float, float]] = {}
_masks: dict[tuple[Any, ...], Mask | None] = {}
_heights: dict[tuple[Any, ...], tuple[float, float, float] | tuple[None, None, None]] = {}


def _remember(store: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
    if len(store) >= KEPT:
        store.clear()  # a worker's strings recur; starting over now and then is cheap
    store[key] = value


class CachedRenderer(RendererAgg):
    """Agg with the sizes and masks of strings kept across figures (see the module)."""

    def get_text_width_height_descent(self, s: str, prop: FontProperties,
                                      ismath: Any) -> tuple[float, float, float]:
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, prop, self.dpi)
        found = _sizes.get(key)
        if found is None:
            found = super().get_text_width_height_descent(s, prop, ismath)
            _remember(_sizes, (s, prop.copy(), self.dpi), found)
        return found

    def _get_font_height_metrics(self, prop: FontProperties
                                 ) -> tuple[float, float, float] | tuple[None, None, None]:
        """A font's ascent, descent and line gap, which ``Text._get_layout`` asks this
        hook for on every layout of every text (else it finds the font file and reads
        its tables itself each time: a sixth of a figure's draw)."""
        key = (prop, self.dpi)
        found = _heights.get(key)
        if found is None:
            found = _font_height_metrics(prop, self.dpi)
            _remember(_heights, (prop.copy(), self.dpi), found)
        return found

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: FontProperties,
                  angle: float, ismath: Any = False, mtext: Any = None) -> None:
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        if ismath or angle % 360 or features or language:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        antialiased = bool(gc.get_antialiased())
        key = (s, prop, self.dpi, antialiased)
        if key in _masks:
            mask = _masks[key]
        else:
            mask = self._mask(s, prop, antialiased)
            _remember(_masks, (s, prop.copy(), self.dpi, antialiased), mask)
        if mask is None:  # nothing visible (spaces only)
            return
        coverage, left, top = mask
        above = round(self.height - y) + top  # FreeType's y grows upwards
        self._renderer.draw_text_image(coverage, round(x) + left,
                                       int(self.height) - above + coverage.shape[0], 0, gc)

    def _mask(self, s: str, prop: FontProperties, antialiased: bool) -> Mask | None:
        """The string's glyphs rendered at the origin and merged into one coverage mask."""
        font = self._prepare_font(prop)
        size = prop.get_size_in_points()
        flags = get_hinting_flag()
        pieces = []
        for item in font._layout(s, flags=flags):
            glyph_font = item.ft_object
            glyph_font.set_size(size, self.dpi)
            glyph_font._set_transform(np.array([[0x10000, 0], [0, 0x10000]]),
                                      [round(0x40 * item.x), round(0x40 * item.y)])
            bitmap = glyph_font._render_glyph(
                item.glyph_index, flags, RenderMode.NORMAL if antialiased else RenderMode.MONO)
            buffer = np.asarray(bitmap.buffer)
            if buffer.size:
                pieces.append((buffer if antialiased else buffer * 0xFF, bitmap.left, bitmap.top))
        if not pieces:
            return None
        left = min(p[1] for p in pieces)
        top = max(p[2] for p in pieces)
        right = max(p[1] + p[0].shape[1] for p in pieces)
        bottom = min(p[2] - p[0].shape[0] for p in pieces)
        coverage = np.zeros((top - bottom, right - left), dtype=np.uint8)
        for buffer, x, y in pieces:
            rows = slice(top - y, top - y + buffer.shape[0])
            cols = slice(x - left, x - left + buffer.shape[1])
            np.maximum(coverage[rows, cols], buffer, out=coverage[rows, cols])
        return coverage, left, top


def _font_height_metrics(prop: FontProperties, dpi: float
                         ) -> tuple[float, float, float] | tuple[None, None, None]:
    """What ``Text._get_layout`` (matplotlib 3.11) reads from the font without the hook,
    computed the same way to the last bit: the typographic metrics, else hhea's; none
    (matplotlib then measures "lp") when the font has neither table."""
    font = get_font(fontManager._find_fonts_by_props(prop))
    typographic, horizontal = font.get_sfnt_table("OS/2"), font.get_sfnt_table("hhea")
    if typographic is not None:
        ascent, descent, gap = (typographic["sTypoAscender"], typographic["sTypoDescender"],
                                typographic["sTypoLineGap"])
    elif horizontal is not None:
        ascent, descent, gap = horizontal["ascent"], horizontal["descent"], horizontal["lineGap"]
    else:
        return None, None, None
    head = font.get_sfnt_table("head")
    assert head is not None  # a font with metrics has its header (matplotlib assumes it too)
    scale = 1 / head["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
    return ascent * scale, -descent * scale, gap * scale


class CachedCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is a :class:`CachedRenderer`."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachedRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer
