"""The /batch picture: each batch size's path on the loss contours, and its loss per
iteration and per epoch."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

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
from bot.render.labels import lift_titles, name_axes, wrap_width

#: Design height (px at the phone's 390 px width).
HEIGHT = 960
#: The square contour panel on top, its legend in a band under it, the two loss panels
#: side by side at the bottom (figure fractions).
PATHS_RECT = (0.15, 0.63, 0.8, 0.3)
LEGEND_Y = 0.5
LOSS_MARGINS = {"left": 0.17, "right": 0.97, "bottom": 0.09, "top": 0.32, "wspace": 0.5}
LOSS_TITLE_PAD = 28.0
RUN_COLOURS = ("#f08c00", PATH, END, "#7048e8")


@dataclass(frozen=True)
class BatchLabels:
    title: str
    runs: tuple[str, ...]  # one legend entry per batch size
    start: str
    optimum: str
    per_iteration: str
    per_epoch: str
    iteration_axis: str
    epoch_axis: str
    loss_axis: str


@dataclass(frozen=True)
class BatchPicture:
    grid: tuple[np.ndarray, np.ndarray, np.ndarray]  # (w, b, loss)
    optimum: np.ndarray
    paths: tuple[np.ndarray, ...]  # (k + 1, 2) each
    losses: tuple[np.ndarray, ...]  # (k + 1,) each
    per_epoch: tuple[int, ...]
    best_loss: float


def _marker_size(points: int) -> float:
    """Dots for a short path; a long SGD path reads better as a bare line."""
    return 6.0 if points <= 30 else 3.0 if points <= 300 else 0.0


def _draw_paths(ax: Axes, picture: BatchPicture, labels: BatchLabels) -> None:
    style_axes(ax)
    top = float(picture.grid[2].max())
    draw_loss_contours(ax, picture.grid, loss_levels(picture.best_loss, top))
    for path, name, colour in zip(picture.paths, labels.runs, RUN_COLOURS):
        ax.plot(path[:, 0], path[:, 1], color=colour, linewidth=1.6 if len(path) > 300 else 2.4,
                marker="o", markersize=_marker_size(len(path)), alpha=0.9, label=name, zorder=3)
    (x0, y0), (best_x, best_y) = picture.paths[0][0], picture.optimum
    ax.scatter(x0, y0, s=120, color=START, edgecolor="white", zorder=5,
               label=labels.start)
    ax.scatter(best_x, best_y, s=260, marker="*", color=INK, edgecolor="white", zorder=6,
               label=labels.optimum)
    ax.set_aspect("equal", adjustable="box")
    name_axes(ax, "w", "b")
    title = ax.set_title(labels.title, color=INK, fontsize=TITLE_PT, pad=28)
    wrap_width(title, ax.bbox.width * 1.1)
    figure = ax.get_figure(root=True)
    assert figure is not None
    figure.legend(*ax.get_legend_handles_labels(), loc="center",
                     bbox_to_anchor=(0.5, LEGEND_Y), ncol=1, fontsize=TEXT_PT, frameon=False,
                     handlelength=1.3, columnspacing=1.0)


def _draw_losses(ax: Axes, picture: BatchPicture, title: str, x_label: str, y_label: str,
                 per_epoch: bool) -> None:
    style_axes(ax)
    for losses, steps, colour in zip(picture.losses, picture.per_epoch, RUN_COLOURS):
        k = np.arange(len(losses))
        if per_epoch:
            ax.plot(k / steps, losses, color=colour, linewidth=2,
                    marker="o", markersize=_marker_size(len(losses)) * 0.7)
        else:
            ax.plot(k[1:], losses[1:], color=colour, linewidth=2,
                    marker="o", markersize=_marker_size(len(losses)) * 0.7)
    ax.axhline(picture.best_loss, color=INK, linewidth=1, linestyle="--")
    ax.set_yscale("log")
    log_axis(ax.yaxis)
    if not per_epoch:
        ax.set_xscale("log")
        log_axis(ax.xaxis)
    title_text = ax.set_title(title, color=INK, fontsize=TEXT_PT, pad=LOSS_TITLE_PAD)
    wrap_width(title_text, ax.bbox.width * 1.3)
    name_axes(ax, x_label, y_label, y_room=2.3)  # the right panel has no y name
    if per_epoch:
        ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
    ax.grid(True, which="major", color=MUTED, alpha=0.25)


@cache
def _board() -> Figure:
    """The worker's figure: the contour panel on top, the two loss panels under it."""
    figure = new_figure(HEIGHT, margins=LOSS_MARGINS)
    figure.add_axes(PATHS_RECT)
    figure.subplots(1, 2)
    return figure


def render_batch(picture: BatchPicture, labels: BatchLabels) -> bytes:
    figure = emptied(_board())
    paths, left, right = figure.axes
    _draw_paths(paths, picture, labels)
    _draw_losses(left, picture, labels.per_iteration, labels.iteration_axis,
                 labels.loss_axis, per_epoch=False)
    _draw_losses(right, picture, labels.per_epoch, labels.epoch_axis, "", per_epoch=True)
    lift_titles((left, right), LOSS_TITLE_PAD)  # the left y name reaches under both titles
    return png_bytes(figure)
