"""Shared drawing plumbing: figures through the object API, PNG and GIF encoding.

No global pyplot state is touched, so renderers are safe in worker processes. PNGs are
quantised to a palette (plots use few colours) to stay small on slow connections.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from bot.render.fonts import register_fonts

INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
START = "#2f9e44"
END = "#e03131"
PATH = "#1c7ed6"


#: Fixed margins (fractions of the figure) that fit a two-line title, tick labels and
#: axis names; a layout engine would measure every text on every draw instead.
MARGINS = {"left": 0.09, "right": 0.97, "bottom": 0.1, "top": 0.87}


def new_figure(width_px: int, height_px: int, dpi: int = 100,
               margins: dict[str, float] | None = None) -> Figure:
    """A figure with an Agg canvas attached and the project's look."""
    register_fonts()
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    figure.subplots_adjust(**(MARGINS if margins is None else margins))
    FigureCanvasAgg(figure)
    return figure


def style_axes(ax: Axes) -> None:
    """Light grid, no top/right spines, about six ticks per axis (each tick label is a
    text to lay out and draw: fewer of them read better on a phone and draw faster)."""
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.yaxis.set_major_locator(MaxNLocator(6))
    ax.grid(True, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(colors=INK, labelsize=9)


def agg_canvas(figure: Figure) -> FigureCanvasAgg:
    """The Agg canvas :func:`new_figure` attached (``Figure.canvas`` is typed as the base
    class, which has no pixel buffer)."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    return canvas


def canvas_image(figure: Figure) -> Image.Image:
    """The figure's current pixels as an RGB Pillow image (draws if needed)."""
    canvas = agg_canvas(figure)
    rgba = np.asarray(canvas.buffer_rgba())
    return Image.fromarray(rgba[..., :3].copy())


def png_bytes(figure: Figure, colours: int = 64) -> bytes:
    """Draw the figure and encode it as a palette PNG: a plot has few colours, so 64
    keep it crisp at a third of the RGB size; light compression keeps encoding cheap."""
    figure.canvas.draw()
    image = canvas_image(figure).quantize(colours, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def gif_bytes(frames: Sequence[Image.Image], frame_ms: int, hold_last_ms: int) -> bytes:
    """Encode RGB frames as a looping GIF sharing the last frame's palette (the last
    frame holds every colour of a growing trail)."""
    palette = frames[-1].quantize(96, method=Image.Quantize.MEDIANCUT)
    indexed = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    durations = [frame_ms] * (len(indexed) - 1) + [hold_last_ms]
    buffer = io.BytesIO()
    indexed[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=indexed[1:],
        duration=durations,
        loop=0,
        optimize=False,
        disposal=1,
    )
    return buffer.getvalue()
