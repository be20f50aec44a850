"""A point rolling down a curve (1-D) or across contours (2-D): a still PNG and a GIF.

The GIF draws the static scene (curve or contours, axes, labels) once, saves it, and
per frame only restores that background and draws the growing trail on top (blitting),
instead of redrawing the whole figure every frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection

from bot.render.canvas import (
    END,
    INK,
    MUTED,
    PATH,
    START,
    canvas_image,
    gif_bytes,
    new_figure,
    png_bytes,
    style_axes,
)

STILL_SIZE = (800, 560)
GIF_SIZE = (560, 400)
MAX_FRAMES = 40
TRAIL = colormaps["plasma"]


@dataclass(frozen=True)
class TrajectoryLabels:
    """All wording drawn on the picture (the Persian layer supplies it)."""

    title: str
    x_label: str
    y_label: str
    start: str
    end: str
    step: str
    note: str = ""


@dataclass(frozen=True)
class Trajectory:
    """What to draw. 1-D: ``curve`` is (xs, f(xs)) and ``path`` is (k, 2) of (x, f(x)).
    2-D: ``grid`` is (X, Y, Z) and ``path`` is (k, 2) of (x, y)."""

    path: np.ndarray
    curve: tuple[np.ndarray, np.ndarray] | None = None
    grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    reaches_end: bool = True  # False when the run went on beyond the drawn path


def _draw_scene(ax: Axes, trajectory: Trajectory, labels: TrajectoryLabels) -> None:
    style_axes(ax)
    ax.set_title(labels.title, color=INK, fontsize=12)
    ax.set_xlabel(labels.x_label, color=INK)
    ax.set_ylabel(labels.y_label, color=INK)
    if trajectory.curve is not None:
        xs, ys = trajectory.curve
        ax.plot(xs, ys, color=MUTED, linewidth=2, zorder=1)
        ax.set_xlim(xs[0], xs[-1])
        _fit_y(ax, ys, trajectory.path[:, 1])
    else:
        assert trajectory.grid is not None
        gx, gy, gz = trajectory.grid
        levels = _levels(gz)
        ax.grid(False)
        ax.contourf(gx, gy, gz, levels=levels, cmap="GnBu_r", alpha=0.45, zorder=0)
        ax.contour(gx, gy, gz, levels=levels, colors=MUTED, linewidths=0.5, alpha=0.6, zorder=0)
        ax.set_xlim(gx[0, 0], gx[0, -1])
        ax.set_ylim(gy[0, 0], gy[-1, 0])
        ax.set_aspect("equal", adjustable="box")
    start = trajectory.path[0]
    ax.scatter(*start, s=110, color=START, edgecolor="white", zorder=5, label=labels.start)
    if labels.note:
        ax.text(0.02, 0.02, labels.note, transform=ax.transAxes, fontsize=9, color=END,
                ha="left", va="bottom")


def _fit_y(ax: Axes, curve_y: np.ndarray, path_y: np.ndarray) -> None:
    finite = np.concatenate([curve_y[np.isfinite(curve_y)], path_y[np.isfinite(path_y)]])
    if finite.size == 0:
        return
    low, high = float(finite.min()), float(finite.max())
    pad = 0.08 * (high - low) if high > low else 1.0
    ax.set_ylim(low - pad, high + pad)


def _levels(z: np.ndarray) -> np.ndarray:
    """Contour levels spaced by quantile, so steep and flat regions both show lines."""
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return np.linspace(0, 1, 3)
    levels = np.unique(np.quantile(finite, np.linspace(0, 1, 18)))
    return levels if len(levels) >= 2 else np.array([levels[0], levels[0] + 1])


def _draw_trail(ax: Axes, path: np.ndarray, total: int) -> list:
    """The path so far, coloured from early (dark) to late (bright); returns the artists."""
    colours = TRAIL(np.linspace(0.05, 0.85, max(total, 2)))[: len(path)]
    segments = np.stack([path[:-1], path[1:]], axis=1) if len(path) > 1 else np.empty((0, 2, 2))
    line = LineCollection(segments, colors=colours[1:], linewidths=1.6, zorder=3)
    ax.add_collection(line, autolim=False)
    dots = ax.scatter(path[:, 0], path[:, 1], s=22, c=colours, zorder=4, edgecolor="none")
    return [line, dots]


def _draw_end(ax: Axes, point: np.ndarray, label: str):  # type: ignore[no-untyped-def]
    return ax.scatter(*point, s=220, marker="*", color=END, edgecolor="white", zorder=6,
                      label=label)


def render_still(trajectory: Trajectory, labels: TrajectoryLabels) -> bytes:
    """The whole run as one PNG."""
    figure = new_figure(*STILL_SIZE)
    ax = figure.add_subplot()
    _draw_scene(ax, trajectory, labels)
    _draw_trail(ax, trajectory.path, len(trajectory.path))
    if trajectory.reaches_end:
        _draw_end(ax, trajectory.path[-1], labels.end)
    ax.legend(loc="upper right", fontsize=9, framealpha=0.9)
    return png_bytes(figure)


def frame_indices(points: int, limit: int = MAX_FRAMES) -> np.ndarray:
    """Which path lengths to show as frames: all of them, or ``limit`` spread evenly."""
    return np.unique(np.linspace(1, points, min(points, limit)).round().astype(int))


def render_animation(trajectory: Trajectory, labels: TrajectoryLabels) -> bytes:
    """The run as a GIF: the trail grows frame by frame over a background drawn once."""
    figure = new_figure(*GIF_SIZE, dpi=80)
    ax = figure.add_subplot()
    _draw_scene(ax, trajectory, labels)
    figure.canvas.draw()
    background = figure.canvas.copy_from_bbox(figure.bbox)
    total = len(trajectory.path)
    frames = []
    for count in frame_indices(total):
        figure.canvas.restore_region(background)
        artists = _draw_trail(ax, trajectory.path[:count], total)
        if count == total and trajectory.reaches_end:
            artists.append(_draw_end(ax, trajectory.path[-1], labels.end))
        for artist in artists:
            ax.draw_artist(artist)
            artist.remove()
        frames.append(canvas_image(figure))
    return gif_bytes(frames, frame_ms=180, hold_last_ms=1800)
