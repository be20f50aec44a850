"""Shared drawing plumbing: figures through the object API, PNG and GIF encoding.

Pictures are designed for a phone: Telegram shows a photo about ``PHONE_PX`` = 390 px
wide in a chat, so every figure is laid out at that width (``DESIGN_DPI`` design pixels
per inch) with text no smaller than the chat's own, then rendered ``scale`` times larger
so it stays sharp on 2× and 3× screens. No global pyplot state is touched, so renderers
are safe in worker processes. PNGs are quantised to a palette (plots use few colours)
to stay small on slow connections.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from bot.render.fonts import register_fonts
from bot.render.textcache import CachedCanvas

INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#e4e7eb"
START = "#2f9e44"
END = "#e03131"
PATH = "#1c7ed6"


#: The width (px) at which Telegram shows a photo in a phone's chat.
PHONE_PX = 390
#: Design pixels per inch: a figure PHONE_PX design pixels wide is 3.9 inches, and a
#: font of s points is s × 100 / 72 px tall on the phone.
DESIGN_DPI = 100
#: Telegram's own message text on a phone (px at PHONE_PX): no text is smaller.
CHAT_TEXT_PX = 16
#: Font sizes (points) at the design width: 12 pt is 16.7 px on the phone.
TEXT_PT = 12.0
TITLE_PT = 13.0
#: Rendered pixels per design pixel: stills are sharp on 2× screens; GIF frames are
#: re-encoded by Telegram anyway and every pixel costs bytes in each frame.
STILL_SCALE = 2.0
GIF_SCALE = 1.5

#: Fixed margins (fractions of the figure) that fit a two-line title, tick labels and
#: axis names; a layout engine would measure every text on every draw instead.
MARGINS = {"left": 0.16, "right": 0.96, "bottom": 0.13, "top": 0.8}


def new_figure(height: int, scale: float = STILL_SCALE,
               margins: dict[str, float] | None = None, width: int = PHONE_PX) -> Figure:
    """A phone-wide figure ``height`` design pixels tall, with an Agg canvas attached
    and the project's look; it renders ``scale`` × (width, height) pixels. Only the
    backprop graph and table are still designed wider than a phone (``width``)."""
    register_fonts()
    figure = Figure(figsize=(width / DESIGN_DPI, height / DESIGN_DPI),
                    dpi=DESIGN_DPI * scale)
    figure.subplots_adjust(**(MARGINS if margins is None else margins))
    CachedCanvas(figure)
    return figure


def emptied(figure: Figure, keep: Collection[Artist] = ()) -> Figure:
    """A worker's reused ``figure`` without what its last picture drew: its legends and
    its axes' artists gone, each axes linear, of any aspect, autoscaled and back at its
    own place, as in a new figure. An Axes costs more to make than most of what is drawn
    on it, so a lab keeps its figure per worker (a worker runs one job at a time).
    Artists (and legends) in ``keep`` stay, in their place in the drawing order."""
    for legend in list(figure.legends):
        if legend not in keep:
            legend.remove()
    for ax in figure.axes:
        for artist in [*ax.lines, *ax.collections, *ax.images, *ax.texts, *ax.patches]:
            if artist not in keep:
                artist.remove()
        if ax.legend_ is not None:
            ax.legend_.remove()
        if ax.get_xscale() != "linear":
            ax.set_xscale("linear")
        if ax.get_yscale() != "linear":
            ax.set_yscale("linear")
        ax.set_aspect("auto")
        own = ax.get_position(original=True)
        if ax.get_position().bounds != own.bounds:  # equal axes shrank it when drawn
            ax.set_position(own)
        ax.set_autoscale_on(True)
        ax.relim()
    return figure


def phone_px(figure: Figure, points: float) -> float:
    """How tall text of ``points`` on ``figure`` is on a phone showing it PHONE_PX wide."""
    return points / 72 * PHONE_PX / figure.get_figwidth()


def style_axes(ax: Axes, ticks: int = 4) -> None:
    """Light grid, no top/right spines, few ticks with large labels (each tick label is
    a text to lay out and draw: fewer of them read better on a phone and draw faster)."""
    ax.xaxis.set_major_locator(MaxNLocator(ticks))
    ax.yaxis.set_major_locator(MaxNLocator(ticks))
    ax.grid(True, color=GRID, linewidth=1.0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set(color=MUTED, linewidth=1.2)
    ax.tick_params(colors=INK, labelsize=TEXT_PT, width=1.2, length=4, pad=2)


def agg_canvas(figure: Figure) -> FigureCanvasAgg:
    """The Agg canvas :func:`new_figure` attached (``Figure.canvas`` is typed as the base
    class, which has no pixel buffer)."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    return canvas


def canvas_image(figure: Figure) -> Image.Image:
    """The figure's current pixels as an RGB Pillow image (draws if needed)."""
    canvas = agg_canvas(figure)
    # Pillow reads the buffer in place and drops alpha in C: a third of a NumPy copy
    return Image.frombuffer("RGBA", canvas.get_width_height(physical=True),
                            canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")


def png_bytes(figure: Figure, colours: int = 64) -> bytes:
    """Draw the figure and encode it as a palette PNG: a plot has few colours, so 64
    keep it crisp at a third of the RGB size; light compression keeps encoding cheap.

    The palette is chosen from every other pixel of every other row (a line is two
    pixels wide at the still's scale), then every pixel takes its nearest colour in it:
    half the cost of choosing from all pixels, with no more error (tests compare)."""
    figure.canvas.draw()
    drawn = canvas_image(figure)
    sample = drawn.resize((max(1, drawn.width // 2), max(1, drawn.height // 2)),
                          Image.Resampling.NEAREST)
    palette = sample.quantize(colours, method=Image.Quantize.FASTOCTREE)
    image = drawn.quantize(palette=palette, dither=Image.Dither.NONE)
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
