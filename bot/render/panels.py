"""Small multiples: one panel per run of the same surface.

Each panel draws the surface (the curve in 1-D, contours in 2-D) and one run's path in
the colour of its verdict. The lab gives the panels one shared window so the runs
compare at a glance, and a wider one only to a run that would leave it (and says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.render.canvas import (
    END,
    INK,
    MUTED,
    TEXT_PT,
    TITLE_PT,
    emptied,
    new_figure,
    png_bytes,
    style_axes,
)
from bot.render.contours import draw_loss_contours, loss_levels
from bot.render.labels import fit_width, lift_titles, name_axes, wrap_width
from bot.render.view import valley_limits

#: Design pixels (at the phone's 390 px width) of a row of panels with its titles, and
#: above the first row (the figure's title) and below the last (ticks, the axis name).
ROW_HEIGHT = 300
TOP, BOTTOM = 64, 60
#: Above each panel: its title, wrapped to at most three lines.
PANEL_TITLE = 130
#: Points between a panel and its title (more where a y name stands under it).
TITLE_PAD = 22.0
#: Columns for 1 … 6 panels: at most two side by side on a phone.
COLUMNS = {1: 1, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2}
VERDICT_COLOURS = {
    "converged": "#2f9e44",
    "saddle": "#e8590c",
    "flat": "#868e96",
    "kink": "#c2255c",
    "slow": "#1971c2",
    "oscillating": "#f08c00",
    "diverged": END,
    "unbounded": "#7048e8",
}


@dataclass(frozen=True)
class Panel:
    """One run: ``points`` (k, 2) as drawn ((x, f(x)) in 1-D, (x, y) in 2-D) over its
    surface, ``curve`` (xs, f(xs)) or ``grid`` (X, Y, Z)."""

    points: np.ndarray
    verdict: str
    title: str  # first line, e.g. "lr = 0.2"
    subtitle: str  # second line, e.g. the verdict in words
    curve: tuple[np.ndarray, np.ndarray] | None = None
    grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    note: str = ""  # e.g. "a wider frame than the others"
    ends_inside: bool = True  # False: the run goes on beyond the drawn points


@dataclass(frozen=True)
class PanelsPicture:
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class PanelsLabels:
    title: str
    x_label: str
    y_label: str


def _draw_surface(ax: Axes, panel: Panel) -> None:
    if panel.grid is not None:
        gx, gy, gz = panel.grid
        values = np.ma.masked_invalid(gz)
        if values.count() > 1:  # somewhere in the window the function is defined
            draw_loss_contours(ax, (gx, gy, values),
                               loss_levels(float(values.min()), float(values.max()), 10))
        ax.set_xlim(gx[0, 0], gx[0, -1])
        ax.set_ylim(gy[0, 0], gy[-1, 0])
        ax.set_aspect("equal", adjustable="box")
        return
    assert panel.curve is not None
    xs, ys = panel.curve
    ax.plot(xs, ys, color=MUTED, linewidth=2.6, zorder=1)
    ax.set_xlim(xs[0], xs[-1])
    limits = valley_limits(ys, panel.points[:, 1])
    if limits is not None:
        ax.set_ylim(*limits)


def _draw_panel(ax: Axes, panel: Panel, labels: PanelsLabels, first_column: bool,
                last_row: bool) -> None:
    style_axes(ax, ticks=3)
    _draw_surface(ax, panel)
    colour = VERDICT_COLOURS[panel.verdict]
    points = panel.points
    ax.plot(points[:, 0], points[:, 1], color=colour, linewidth=2.2, marker="o",
            markersize=4.5 if len(points) <= 60 else 0, zorder=3, clip_on=True)
    ax.plot(*points[0], "o", color="white", markeredgecolor=INK, markeredgewidth=2,
            markersize=10, zorder=5)
    if panel.ends_inside:
        ax.plot(*points[-1], "*", color=colour, markeredgecolor="white", markersize=16,
                zorder=6)
    title = ax.set_title(f"{panel.title}\n{panel.subtitle}", color=colour,
                         fontsize=TEXT_PT, fontweight="bold", pad=TITLE_PAD)
    wrap_width(title, ax.bbox.width * 1.2)
    if panel.note:
        note = ax.text(0.03, 0.03, panel.note, transform=ax.transAxes, fontsize=TEXT_PT,
                       color=END, ha="left", va="bottom", zorder=8,
                       bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2})
        wrap_width(note, ax.bbox.width * 0.92)
    name_axes(ax, labels.x_label if last_row else "", labels.y_label if first_column else "")


def _grid(count: int) -> tuple[int, int, int]:
    """Rows, columns and design height of the picture of ``count`` panels."""
    columns = COLUMNS[count]
    rows = math.ceil(count / columns)
    return rows, columns, rows * ROW_HEIGHT + TOP + BOTTOM


@cache
def _board(count: int) -> Figure:
    """The worker's figure for ``count`` panels: a grid (two or three columns), the
    cells beyond ``count`` hidden."""
    rows, columns, height = _grid(count)
    margins = {"left": 0.15 if columns > 1 else 0.16, "right": 0.97, "bottom": BOTTOM / height,
               "top": 1 - (TOP + PANEL_TITLE) / height, "wspace": 0.42, "hspace": 0.95}
    figure = new_figure(height, margins=margins)
    for ax in figure.subplots(rows, columns, squeeze=False).flat[count:]:
        ax.set_visible(False)
    return figure


def render_panels(picture: PanelsPicture, labels: PanelsLabels) -> bytes:
    """All panels in a grid (two or three columns) under one title."""
    count = len(picture.panels)
    rows, columns, height = _grid(count)
    figure = emptied(_board(count))
    cells = figure.axes  # row by row; those beyond the panels hidden
    for index, (ax, panel) in enumerate(zip(cells, picture.panels)):
        row, column = divmod(index, columns)
        last_row = row == rows - 1 or index + columns >= count
        _draw_panel(ax, panel, labels, column == 0, last_row)
    for start in range(0, len(cells), columns):  # a row's titles rise together above
        row_axes = cells[start:start + columns]   # the first panel's y name
        lift_titles([ax for ax in row_axes if ax.get_visible()], TITLE_PAD)
    title = figure.suptitle(labels.title, color=INK, fontsize=TITLE_PT, y=1 - 6 / height,
                            va="top")
    fit_width(title, 0.98 * figure.bbox.width, TEXT_PT)
    return png_bytes(figure)
