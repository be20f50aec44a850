"""The /batch picture: each batch size's path on the loss contours, and its loss per
iteration and per epoch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes

from bot.render.canvas import END, INK, MUTED, PATH, START, new_figure, png_bytes, style_axes
from bot.render.contours import draw_loss_contours, loss_levels
from bot.render.glyphs import log_axis

SIZE = (800, 1080)
#: The square contour panel sits top left, its legend to its right (figure fractions).
PATHS_RECT = (0.08, 0.53, 0.54, 0.425)
LOSS_MARGINS = {"left": 0.1, "right": 0.97, "bottom": 0.065, "top": 0.415, "wspace": 0.28}
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
        ax.plot(path[:, 0], path[:, 1], color=colour, linewidth=1.4 if len(path) > 300 else 2,
                marker="o", markersize=_marker_size(len(path)), alpha=0.9, label=name, zorder=3)
    (x0, y0), (best_x, best_y) = picture.paths[0][0], picture.optimum
    ax.scatter(x0, y0, s=120, color=START, edgecolor="white", zorder=5,
               label=labels.start)
    ax.scatter(best_x, best_y, s=260, marker="*", color=INK, edgecolor="white", zorder=6,
               label=labels.optimum)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("w", color=INK, fontsize=12)
    ax.set_ylabel("b", color=INK, fontsize=12)
    ax.set_title(labels.title, color=INK, fontsize=14)
    ax.tick_params(labelsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.03, 1.0), fontsize=11, framealpha=0.92,
              borderaxespad=0)


def _draw_losses(ax: Axes, picture: BatchPicture, title: str, x_label: str, y_label: str,
                 per_epoch: bool) -> None:
    style_axes(ax)
    for losses, steps, colour in zip(picture.losses, picture.per_epoch, RUN_COLOURS):
        k = np.arange(len(losses))
        if per_epoch:
            ax.plot(k / steps, losses, color=colour, linewidth=1.3,
                    marker="o", markersize=_marker_size(len(losses)) * 0.7)
        else:
            ax.plot(k[1:], losses[1:], color=colour, linewidth=1.3,
                    marker="o", markersize=_marker_size(len(losses)) * 0.7)
    ax.axhline(picture.best_loss, color=INK, linewidth=1, linestyle="--")
    ax.set_yscale("log")
    log_axis(ax.yaxis)
    if not per_epoch:
        ax.set_xscale("log")
        log_axis(ax.xaxis)
    ax.set_title(title, color=INK, fontsize=12)
    ax.set_xlabel(x_label, color=INK, fontsize=11)
    ax.set_ylabel(y_label, color=INK, fontsize=11)
    ax.tick_params(labelsize=10)
    ax.grid(True, which="major", color=MUTED, alpha=0.25)


def render_batch(picture: BatchPicture, labels: BatchLabels) -> bytes:
    figure = new_figure(*SIZE, margins=LOSS_MARGINS)
    _draw_paths(figure.add_axes(PATHS_RECT), picture, labels)
    left, right = figure.subplots(1, 2)
    _draw_losses(left, picture, labels.per_iteration, labels.iteration_axis,
                 labels.loss_axis, per_epoch=False)
    _draw_losses(right, picture, labels.per_epoch, labels.epoch_axis, "", per_epoch=True)
    return png_bytes(figure)
