"""The /act picture: an activation and its derivative with the derivative's peak marked,
and below it the product of derivatives along a deep path on a log scale."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.render.canvas import (
    END,
    INK,
    MUTED,
    PATH,
    START,
    TEXT_PT,
    TITLE_PT,
    emptied,
    new_figure,
    png_bytes,
    style_axes,
)
from bot.render.glyphs import log_axis
from bot.render.labels import legend_under, lift_titles, name_axes, wrap_width

#: Design height (px at the phone's 390 px width): two panels one above the other.
HEIGHT = 910
MARGINS = {"left": 0.17, "right": 0.96, "bottom": 0.19, "top": 0.934, "hspace": 1.15}
#: A jump in act'(z) bigger than this between neighbouring samples is a kink: not joined.
JUMP = 0.2


@dataclass(frozen=True)
class ActLabels:
    """All wording on the picture (the Persian layer supplies it)."""

    title: str
    function: str
    derivative: str
    peak: str
    chain_title: str
    depth_axis: str
    product_axis: str
    best: str
    side: str
    forward: str  # the real forward pass
    best_end: str  # the last product, written out
    side_end: str


@dataclass(frozen=True)
class ActPicture:
    """What to draw. ``peak_span`` is the z-interval where act' attains its maximum
    (equal ends for a single point, None when it is only approached, as z → ∞)."""

    z: np.ndarray
    values: np.ndarray
    derivatives: np.ndarray
    peak_value: float
    peak_span: tuple[float, float] | None
    best: np.ndarray  # |product| at the peak, depth 1..N
    side: np.ndarray  # |product| at the side point, depth 1..N
    forward: np.ndarray  # products along a real forward pass, depth 1..N


def _broken(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Insert a gap where y jumps, so a step derivative is not drawn as a vertical wall."""
    cut = np.nonzero(np.abs(np.diff(y)) > JUMP)[0] + 1
    return np.insert(z, cut, np.nan), np.insert(y, cut, np.nan)


def _draw_functions(ax: Axes, picture: ActPicture, labels: ActLabels) -> None:
    style_axes(ax)
    ax.axhline(0, color=MUTED, linewidth=0.8)
    ax.axvline(0, color=MUTED, linewidth=0.8)
    ax.plot(picture.z, picture.values, color=INK, linewidth=2.4, label=labels.function)
    ax.plot(*_broken(picture.z, picture.derivatives), color=PATH, linewidth=2.4,
            label=labels.derivative)
    top = picture.peak_value
    if picture.peak_span is None:
        ax.axhline(top, color=END, linewidth=1.6, linestyle="--", label=labels.peak)
    elif picture.peak_span[0] == picture.peak_span[1]:
        ax.scatter([picture.peak_span[0]], [top], s=120, color=END, edgecolor="white",
                   zorder=5, label=labels.peak)
        ax.axvline(picture.peak_span[0], color=END, linewidth=1, linestyle=":")
    else:
        low, high = picture.peak_span
        ax.plot([low, high], [top, top], color=END, linewidth=5, alpha=0.6, solid_capstyle="butt",
                zorder=4, label=labels.peak)
    ax.set_xlim(picture.z[0], picture.z[-1])
    ax.margins(y=0.1)
    name_axes(ax, "z", "")
    title = ax.set_title(labels.title, color=INK, fontsize=TITLE_PT)
    wrap_width(title, ax.bbox.width * 1.1)
    legend_under(ax)


def _draw_chain(ax: Axes, picture: ActPicture, labels: ActLabels) -> None:
    style_axes(ax)
    depths = np.arange(1, len(picture.best) + 1)
    ax.axhline(1, color=MUTED, linewidth=1.2, linestyle="--")
    ax.plot(depths, np.abs(picture.best), color=END, marker="o", markersize=4, linewidth=2.2,
            label=labels.best)
    ax.plot(depths, np.abs(picture.side), color=START, marker="s", markersize=3, linewidth=1.8,
            linestyle="--", label=labels.side)
    forward = np.abs(picture.forward)
    ax.plot(depths, np.where(forward > 0, forward, np.nan), color=INK, marker="^", markersize=4,
            linewidth=1.8, label=labels.forward)  # a dead ReLU's zero has no place on a log axis
    for series, text, colour, flat_side in ((picture.best, labels.best_end, END, 1),
                                            (picture.side, labels.side_end, START, -1)):
        _label_end(ax, depths[-1], np.abs(series), text, colour, flat_side)
    ax.set_yscale("log")
    log_axis(ax.yaxis)
    values = np.abs(np.concatenate([picture.best, picture.side, picture.forward]))
    values = values[values > 0] if np.any(values > 0) else np.ones(1)
    # A decade and more of room beyond the extremes for the end labels, and a sixth of a
    # long axis, so a label by the lowest or highest end stays inside the axes.
    low, high = np.log10(float(values.min())), np.log10(float(values.max()))
    decades = max(np.log10(20.0), 0.2 * (max(high, 1.0) - min(low, -1.0)))
    ax.set_ylim(min(10 ** max(low - decades, -300.0), 0.1),
                max(10 ** min(high + decades, 300.0), 10.0))
    ax.set_xlim(0.5, len(depths) + 0.5)
    name_axes(ax, labels.depth_axis, labels.product_axis)
    ax.yaxis.set_label_coords(-0.12, 1.06)  # clear of the top decade's label
    title = ax.set_title(labels.chain_title, color=INK, fontsize=TITLE_PT, pad=28)
    wrap_width(title, ax.bbox.width * 1.1)
    lift_titles((ax,), 28)
    legend_under(ax, drop=64)  # under the x name


def _label_end(ax: Axes, depth: int, series: np.ndarray, text: str, colour: str,
               flat_side: int) -> None:
    """Write the last value beside the line's end, on the side away from the line:
    below a falling line, above a rising one (flat lines: ``flat_side``)."""
    side = int(np.sign(series[-1] - series[0])) or flat_side
    ax.annotate(text, (depth, series[-1]), xytext=(-6, 10 * side), textcoords="offset points",
                ha="right", va="bottom" if side > 0 else "top", fontsize=TEXT_PT, color=colour)


@cache
def _board() -> Figure:
    """The worker's figure: the functions on top, the chain by depth under it."""
    figure = new_figure(HEIGHT, margins=MARGINS)
    figure.subplots(2, 1, height_ratios=(1.1, 1))
    return figure


def render_act(picture: ActPicture, labels: ActLabels) -> bytes:
    figure = emptied(_board())
    top, bottom = figure.axes
    _draw_functions(top, picture, labels)
    _draw_chain(bottom, picture, labels)
    return png_bytes(figure)
