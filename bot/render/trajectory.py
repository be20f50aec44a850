"""A point rolling down a curve (1-D) or across contours (2-D): a still PNG and a GIF.

Figures are reused within a worker (see ``_Scene``). The GIF draws the static scene
(curve or contours, axes, labels) once, saves it, and per frame only restores that
background and draws the growing trail on top (blitting), instead of redrawing the
whole figure every frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure

from bot.render.canvas import (
    agg_canvas,
    END,
    INK,
    MUTED,
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
BANDS = colormaps["GnBu_r"]


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


#: How far below the axes the x name sits: under the tick labels.
X_LABEL_DROP_PX = 26


class _Scene:
    """A figure kept alive in its worker process and re-pointed at each request's data.

    Creating a figure, its axes and their tick artists costs about as much as drawing
    them; a lab job only changes data, limits and texts, so each worker builds one scene
    per picture kind once and reuses it (workers run one job at a time).
    """

    def __init__(self, figure: Figure, two_d: bool) -> None:
        self.figure = figure
        self.ax = ax = figure.add_subplot()
        style_axes(ax)
        ax.title.set(color=INK, fontsize=12)
        # The y name stands upright above its axis: beside wide tick labels (1.275) a
        # rotated one would fall off the small GIF's fixed left margin.
        ax.yaxis.set_label_coords(0, 1.015)
        ax.yaxis.label.set(rotation=0, ha="center", va="bottom", color=INK)
        # Fixed places for the x name and the title: matplotlib would otherwise measure
        # every tick label on each draw to place them (a tenth of a still's cost).
        height_px = ax.get_position().height * figure.get_figheight() * figure.dpi
        ax.xaxis.set_label_coords(0.5, -X_LABEL_DROP_PX / height_px)
        ax.xaxis.label.set(va="top", color=INK)
        self.two_d = two_d
        if two_d:
            ax.grid(False)
            ax.set_aspect("equal", adjustable="box")
        (self.curve,) = ax.plot([], [], color=MUTED, linewidth=2, zorder=1)
        self.trail = LineCollection([], linewidths=1.6, zorder=3)
        ax.add_collection(self.trail, autolim=False)
        self.dots = ax.scatter([], [], s=22, zorder=4, edgecolor="none")
        self.start = ax.scatter([], [], s=110, color=START, edgecolor="white", zorder=5)
        self.end = ax.scatter([], [], s=220, marker="*", color=END, edgecolor="white", zorder=6)
        self.note = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=9, color=END,
                            ha="left", va="bottom")
        # Markers are named in place (cheaper to draw than a legend, and easier to read).
        halo = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}
        self.start_label = ax.annotate("", (0, 0), xytext=(0, 12), textcoords="offset points",
                                       ha="center", fontsize=10, color=START, zorder=7, bbox=halo)
        self.end_label = ax.annotate("", (0, 0), xytext=(0, -20), textcoords="offset points",
                                     ha="center", fontsize=10, color=END, zorder=7, bbox=halo)
        self.contours: list = []

    def show(self, trajectory: Trajectory, labels: TrajectoryLabels) -> None:
        """Point the scene at a new run: background, start marker, texts; no trail yet."""
        ax = self.ax
        ax.set_title(labels.title, y=1.0)  # an explicit y: no search for a free place
        ax.xaxis.label.set_text(labels.x_label)  # set_xlabel would re-centre it
        ax.yaxis.label.set_text(labels.y_label)  # set_ylabel would re-centre it
        for contour in self.contours:
            contour.remove()
        self.contours = []
        if trajectory.curve is not None:
            xs, ys = trajectory.curve
            self.curve.set_data(xs, ys)
            ax.set_xlim(xs[0], xs[-1])
            _fit_y(ax, ys, trajectory.path[:, 1])
        else:
            assert trajectory.grid is not None
            gx, gy, gz = trajectory.grid
            levels = _levels(gz)
            # Banded fill as an image (a BoundaryNorm on the contour levels looks like
            # contourf at a fraction of its cost), contour lines on top.
            extent = (gx[0, 0], gx[0, -1], gy[0, 0], gy[-1, 0])
            self.contours = [
                ax.imshow(gz, extent=extent, origin="lower", cmap=BANDS, alpha=0.45, zorder=0,
                          norm=BoundaryNorm(levels, BANDS.N, clip=True), aspect="equal",
                          interpolation="nearest"),
                ax.contour(gx, gy, gz, levels=levels, colors=MUTED, linewidths=0.5, alpha=0.6,
                           zorder=0),
            ]
            ax.set_xlim(gx[0, 0], gx[0, -1])
            ax.set_ylim(gy[0, 0], gy[-1, 0])
        self.start.set_offsets([trajectory.path[0]])
        self.start_label.set_text(labels.start)
        self.start_label.xy = tuple(trajectory.path[0])
        self.end.set_offsets([trajectory.path[-1]])
        self.end_label.set_text(labels.end)
        self.end_label.xy = tuple(trajectory.path[-1])
        self.note.set_text(labels.note)
        self.set_trail(trajectory.path[:0], 1)
        self.show_end(False)

    def show_end(self, visible: bool) -> None:
        self.end.set_visible(visible)
        self.end_label.set_visible(visible)

    def set_trail(self, path: np.ndarray, total: int) -> None:
        """The path so far, coloured from early (dark) to late (bright)."""
        colours = TRAIL(np.linspace(0.05, 0.85, max(total, 2)))[: len(path)]
        # matplotlib's stubs accept neither an array of segments nor an RGBA array.
        segments = np.stack([path[:-1], path[1:]], axis=1) if len(path) > 1 else np.empty(0)
        self.trail.set_segments(segments if len(path) > 1 else [])  # type: ignore[arg-type]
        self.trail.set_colors(colours[1:])  # type: ignore[arg-type]
        self.dots.set_offsets(path if len(path) else np.empty((0, 2)))
        self.dots.set_facecolor(colours)  # type: ignore[arg-type]


@cache
def _scene(size: tuple[int, int], dpi: int, two_d: bool) -> _Scene:
    return _Scene(new_figure(*size, dpi=dpi), two_d)


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


def render_still(trajectory: Trajectory, labels: TrajectoryLabels) -> bytes:
    """The whole run as one PNG."""
    scene = _scene(STILL_SIZE, 100, trajectory.grid is not None)
    scene.show(trajectory, labels)
    scene.set_trail(trajectory.path, len(trajectory.path))
    scene.show_end(trajectory.reaches_end)
    return png_bytes(scene.figure)


def frame_indices(points: int, limit: int = MAX_FRAMES) -> np.ndarray:
    """Which path lengths to show as frames: all of them, or ``limit`` spread evenly."""
    return np.unique(np.linspace(1, points, min(points, limit)).round().astype(int))


def render_animation(trajectory: Trajectory, labels: TrajectoryLabels) -> bytes:
    """The run as a GIF: the trail grows frame by frame over a background drawn once."""
    scene = _scene(GIF_SIZE, 80, trajectory.grid is not None)
    scene.show(trajectory, labels)
    canvas = agg_canvas(scene.figure)
    canvas.draw()
    background = canvas.copy_from_bbox(scene.figure.bbox)
    total = len(trajectory.path)
    frames = []
    for count in frame_indices(total):
        canvas.restore_region(background)
        scene.set_trail(trajectory.path[:count], total)
        scene.show_end(count == total and trajectory.reaches_end)
        for artist in (scene.trail, scene.dots, scene.end, scene.end_label):
            scene.ax.draw_artist(artist)
        frames.append(canvas_image(scene.figure))
    return gif_bytes(frames, frame_ms=180, hold_last_ms=1800)
