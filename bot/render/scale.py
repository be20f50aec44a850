"""The /scale picture: the loss contours and descent path for raw and for standardised
features side by side (equal axes, so elongation is real), and below both runs' distance
to the minimum loss step by step."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

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
from bot.render.contours import draw_loss_contours, loss_levels
from bot.render.glyphs import log_axis
from bot.render.labels import (
    Obstacles,
    display_line,
    legend_under,
    lift_titles,
    name_axes,
    place,
    wrap_width,
)

#: Design height (px at the phone's 390 px width): two contour panels, progress below.
HEIGHT = 1120
MARGINS = {"left": 0.17, "right": 0.96, "bottom": 0.15, "top": 0.94, "hspace": 0.85}
RAW, SCALED = END, PATH
#: Excess losses are drawn down to this fraction of the start's (an exact 0 has no log).
FLOOR = 1e-12


@dataclass(frozen=True)
class ScalePanel:
    grid: tuple[np.ndarray, np.ndarray, np.ndarray]
    path: np.ndarray
    optimum: np.ndarray
    losses: np.ndarray
    steps_to_tol: int | None


@dataclass(frozen=True)
class ScalePicture:
    raw: ScalePanel
    scaled: ScalePanel
    best_loss: float
    target_loss: float


@dataclass(frozen=True)
class ScaleLabels:
    raw_title: str
    scaled_title: str
    raw_axes: tuple[str, str]
    scaled_axes: tuple[str, str]
    start: str
    optimum: str
    progress_title: str
    step_axis: str
    gap_axis: str
    raw_run: str
    scaled_run: str
    target: str
    milestones: tuple[tuple[int, str], ...] = ()  # (step, its name) marked on the raw path


def _draw_panel(ax: Axes, panel: ScalePanel, best_loss: float, colour: str, title: str,
                axes: tuple[str, str], labels: ScaleLabels,
                milestones: tuple[tuple[int, str], ...] = ()) -> None:
    style_axes(ax)
    draw_loss_contours(ax, panel.grid, loss_levels(best_loss, float(panel.grid[2].max())))
    path = panel.path
    ax.plot(path[:, 0], path[:, 1], color=colour, linewidth=1.8, marker="o",
            markersize=5 if len(path) <= 40 else 0, zorder=3)
    for step, _ in milestones:
        x, y = path[step]
        ax.scatter(x, y, s=28, color=colour, edgecolor="white", zorder=4)
    (x0, y0), (best_x, best_y) = path[0], panel.optimum
    ax.scatter(x0, y0, s=110, color=START, edgecolor="white", zorder=5, label=labels.start)
    ax.scatter(best_x, best_y, s=240, marker="*", color=INK, edgecolor="white", zorder=6,
               label=labels.optimum)
    ax.set_aspect("equal", adjustable="box")
    title_text = ax.set_title(title, color=INK, fontsize=TITLE_PT, pad=28)
    wrap_width(title_text, ax.bbox.width * 1.1)
    name_axes(ax, axes[0], axes[1])
    lift_titles((ax,), 28)
    _name_milestones(ax, path, panel.optimum, milestones)


def _name_milestones(ax: Axes, path: np.ndarray, optimum: np.ndarray,
                     milestones: tuple[tuple[int, str], ...]) -> None:
    """Each milestone's name where it covers neither the path, a marker nor an earlier
    name (the first steps of the raw run lie close together)."""
    line = display_line(ax, path)
    dots = display_line(ax, np.vstack([path[[0]], optimum[None, :]]
                                      + [path[[step]] for step, _ in milestones]))
    boxes: list[Bbox] = []
    for step, name in milestones:
        label = ax.annotate(name, path[step], xytext=(0, 0), textcoords="offset points",
                            fontsize=TEXT_PT, color=INK)
        boxes.append(place(label, ax, Obstacles(lines=(line,), markers=((dots, 8.0),),
                                                boxes=tuple(boxes))))


def _log_spaced(last: int, count: int = 300) -> np.ndarray:
    """Steps 1..last, thinned to about ``count`` evenly spaced on a log axis (a smooth
    curve of thousands of points looks the same and costs far more to draw)."""
    return np.unique(np.geomspace(1, max(last, 1), count).round().astype(int))[: last]


def _draw_progress(ax: Axes, picture: ScalePicture, labels: ScaleLabels) -> None:
    style_axes(ax)
    start_gap = picture.raw.losses[0] - picture.best_loss
    floor = FLOOR * start_gap
    for panel, colour, name in ((picture.raw, RAW, labels.raw_run),
                                (picture.scaled, SCALED, labels.scaled_run)):
        steps = _log_spaced(len(panel.losses) - 1)
        gaps = np.maximum(panel.losses[steps] - picture.best_loss, floor)
        ax.plot(steps, gaps, color=colour, linewidth=2, marker="o",
                markersize=6 if len(steps) <= 40 else 0, label=name)
        if panel.steps_to_tol is not None:
            ax.axvline(panel.steps_to_tol, color=colour, linewidth=1, linestyle=":")
    ax.axhline(picture.target_loss - picture.best_loss, color=MUTED, linewidth=1.2,
               linestyle="--", label=labels.target)
    ax.set_xscale("log")
    ax.set_yscale("log")
    log_axis(ax.xaxis)
    log_axis(ax.yaxis)
    title = ax.set_title(labels.progress_title, color=INK, fontsize=TITLE_PT, pad=28)
    wrap_width(title, ax.bbox.width * 1.1)
    name_axes(ax, labels.step_axis, labels.gap_axis)
    lift_titles((ax,), 28)
    legend_under(ax, columns=1)


@cache
def _board() -> Figure:
    """The worker's figure: the two contour panels and the progress panel."""
    figure = new_figure(HEIGHT, margins=MARGINS)
    grid = figure.add_gridspec(3, 1, height_ratios=(1, 1, 0.8))
    for row in range(3):
        figure.add_subplot(grid[row])
    return figure


def render_scale(picture: ScalePicture, labels: ScaleLabels) -> bytes:
    figure = emptied(_board())
    raw, scaled, progress = figure.axes
    _draw_panel(raw, picture.raw, picture.best_loss, RAW, labels.raw_title, labels.raw_axes,
                labels, labels.milestones)
    _draw_panel(scaled, picture.scaled, picture.best_loss, SCALED, labels.scaled_title,
                labels.scaled_axes, labels)
    _draw_progress(progress, picture, labels)
    return png_bytes(figure)
