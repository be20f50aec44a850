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
    DESIGN_DPI,
    agg_canvas,
    END,
    GIF_SCALE,
    INK,
    MUTED,
    PHONE_PX,
    START,
    STILL_SCALE,
    TEXT_PT,
    TITLE_PT,
    canvas_image,
    gif_bytes,
    new_figure,
    png_bytes,
    style_axes,
)
from bot.render.view import valley_limits
from bot.render.labels import (
    Obstacles,
    clearance,
    display_line,
    fit_width,
    label_box,
    names_over_axes,
    place,
    place_in_corner,
    tick_labels_box,
)

#: Design height (px at the phone's 390 px width): the still renders at 2×, the GIF at 1.5×.
HEIGHT = 340
MAX_FRAMES = 40
FRAME_MS = 180
#: The finished run stays on screen before the loop starts again.
HOLD_LAST_MS = 2600
TRAIL = colormaps["plasma"]
BANDS = colormaps["GnBu_r"]
MARGINS = {"left": 0.15, "right": 0.96, "bottom": 0.16, "top": 0.765}
#: Width over height of the plot area: a 2-D window of this shape fills it (equal axes).
PLOT_ASPECT = ((MARGINS["right"] - MARGINS["left"]) * PHONE_PX
               / ((MARGINS["top"] - MARGINS["bottom"]) * HEIGHT))
#: Points between the axes and the title: the y name stands in that row.
TITLE_PAD = 19


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
    #: The GIF's step counter, one text per path length shown (index = points − 1).
    counter: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trajectory:
    """What to draw. 1-D: ``curve`` is (xs, f(xs)) and ``path`` is (k, 2) of (x, f(x)).
    2-D: ``grid`` is (X, Y, Z) and ``path`` is (k, 2) of (x, y)."""

    path: np.ndarray
    curve: tuple[np.ndarray, np.ndarray] | None = None
    grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    reaches_end: bool = True  # False when the run went on beyond the drawn path


#: How far below the axes the x name sits (design px): under the tick labels.
X_LABEL_DROP = 25
#: Where the y name stands (axes fraction of the height): just above the axes.
Y_NAME_Y = 1.02
HALO = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.9}


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
        self.home = ax.get_position(original=True).frozen()
        ax.title.set(color=INK, fontsize=TITLE_PT)
        # The y name stands upright above its axis: a rotated one beside the tick
        # labels would cost the plot a column of a narrow phone picture.
        ax.yaxis.set_label_coords(0, Y_NAME_Y)
        ax.yaxis.label.set(rotation=0, ha="center", va="bottom", color=INK, fontsize=TEXT_PT)
        # Fixed places for the x name and the title: matplotlib would otherwise measure
        # every tick label on each draw to place them (a tenth of a still's cost).
        ax.xaxis.set_label_coords(1.0, -X_LABEL_DROP / self._axes_height())
        ax.xaxis.label.set(va="top", ha="right", color=INK, fontsize=TEXT_PT)
        self.two_d = two_d
        if two_d:
            ax.grid(False)
            ax.set_aspect("equal", adjustable="box")
        (self.curve,) = ax.plot([], [], color=MUTED, linewidth=3, zorder=1)
        self.trail = LineCollection([], linewidths=2.6, zorder=3)
        ax.add_collection(self.trail, autolim=False)
        self.dots = ax.scatter([], [], s=34, zorder=4, edgecolor="none")
        self.start = ax.scatter([], [], s=170, color=START, edgecolor="white", linewidth=1.5,
                                zorder=5)
        self.end = ax.scatter([], [], s=340, marker="*", color=END, edgecolor="white",
                              linewidth=1.2, zorder=6)
        self.note = ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=TEXT_PT,
                            color=END, ha="left", va="bottom", bbox=HALO, zorder=8)
        self.counter = ax.text(0.98, 0.97, "", transform=ax.transAxes, fontsize=TEXT_PT,
                               color=INK, ha="right", va="top", bbox=HALO, zorder=8)
        # Markers are named in place (cheaper to draw than a legend, and easier to read);
        # where exactly is decided per run so that no label covers the path.
        self.start_label = ax.annotate("", (0, 0), xytext=(0, 12), textcoords="offset points",
                                       fontsize=TEXT_PT, color=START, zorder=7, bbox=HALO,
                                       annotation_clip=False)
        self.end_label = ax.annotate("", (0, 0), xytext=(0, -12), textcoords="offset points",
                                     fontsize=TEXT_PT, color=END, zorder=7, bbox=HALO,
                                     annotation_clip=False)
        self.contours: list = []

    def show(self, trajectory: Trajectory, labels: TrajectoryLabels) -> None:
        """Point the scene at a new run: background, start marker, texts; no trail yet."""
        ax = self.ax
        # An explicit y (no search for a free place), a row above the axes for the y name.
        ax.set_title(labels.title, y=1.0, pad=TITLE_PAD, fontsize=TITLE_PT)
        centre = (MARGINS["left"] + MARGINS["right"]) / 2
        room = 2 * min(centre, 1 - centre) - 0.02
        fit_width(ax.title, room * self.figure.bbox.width, TEXT_PT)
        ax.xaxis.label.set_text(labels.x_label)  # set_xlabel would re-centre it
        ax.yaxis.label.set_text(labels.y_label)  # set_ylabel would re-centre it
        ax.yaxis.set_label_coords(0, Y_NAME_Y)  # clear_names may have moved them
        ax.set_position(self.home)  # the x name may have taken some of its height
        ax.xaxis.set_label_coords(1.0, -X_LABEL_DROP / self._axes_height())
        for contour in self.contours:
            contour.remove()
        self.contours = []
        if trajectory.curve is not None:
            xs, ys = trajectory.curve
            self.curve.set_data(xs, ys)
            self.curve.set_visible(True)
            ax.set_xlim(xs[0], xs[-1])
            _fit_y(ax, ys, trajectory.path[:, 1])
        else:
            assert trajectory.grid is not None
            self.curve.set_visible(False)
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
        self.note.set_visible(bool(labels.note))
        self.counter.set_visible(False)
        self.set_trail(trajectory.path[:0], 1)
        self.show_end(False)

    def place_labels(self, trajectory: Trajectory) -> None:
        """Put «start» and «end» where they cover neither the path, the curve, the
        markers, the note nor the step counter."""
        ax = self.ax
        ax.apply_aspect()  # equal axes in 2-D: the final box before measuring
        self.clear_names()
        path = display_line(ax, trajectory.path)
        lines = [path]
        if trajectory.curve is not None:
            lines.append(display_line(ax, np.column_stack(trajectory.curve)))
        radius = 9 * self.figure.dpi / 72  # the star's half-size in pixels
        markers = [(path, radius * 0.5), (path[:1], radius), (path[-1:], radius)]
        taken = [label_box(self.note, ax)] if self.note.get_text() else []
        if self.counter.get_text():
            taken.append(place_in_corner(self.counter, ax, Obstacles(lines, markers, taken)))
        box = place(self.start_label, ax, Obstacles(lines, markers, taken))
        if trajectory.reaches_end:
            place(self.end_label, ax, Obstacles(lines, markers, [*taken, box]))

    def _axes_height(self) -> float:
        """The axes' design height (px) as laid out by the margins."""
        return self.ax.get_position(original=True).height * self.figure.get_figheight() * DESIGN_DPI

    def clear_names(self) -> None:
        """The y name above the top tick's label, the x name off the last tick's label,
        the title over the y name, all inside the picture (``labels.names_over_axes``)."""
        figure = self.figure
        names_over_axes(self.ax, self.home, (0, Y_NAME_Y), lambda: figure.bbox.y1,
                        between=self._clear_x_name)

    def _clear_x_name(self) -> None:
        """The x name, when it would sit on the last tick's label, goes under the row of
        tick labels (beside it, «3.0 x» would read as a product), the axes giving up the
        height that takes at the bottom of the picture."""
        ax, name = self.ax, self.ax.xaxis.label
        if not name.get_text():
            return
        ax.xaxis.set_label_coords(1.0, -X_LABEL_DROP / self._axes_height())
        gap = 2 * self.figure.dpi / 72
        row = tick_labels_box(ax.xaxis)
        if not clearance(name, [row], gap, up=False) or row is None:
            return
        box = ax.get_window_extent()
        own = label_box(name, ax)
        top = row.y0 - gap  # the name's top, in display pixels
        short = self.figure.bbox.y0 + gap - (top - own.height)
        if short > 0:  # raise the axes' bottom by what the picture lacks
            now = ax.get_position(original=True)
            ax.set_position((now.x0, now.y0 + short / self.figure.bbox.height, now.width,
                             now.height - short / self.figure.bbox.height))
            ax.apply_aspect()
            box = ax.get_window_extent()
            top += short
        ax.xaxis.set_label_coords(1.0, (top - box.y0) / box.height)

    def set_counter(self, text: str) -> None:
        self.counter.set_text(text)
        self.counter.set_visible(bool(text))

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
def _scene(scale: float, two_d: bool) -> _Scene:
    return _Scene(new_figure(HEIGHT, scale=scale, margins=MARGINS), two_d)


def _fit_y(ax: Axes, curve_y: np.ndarray, path_y: np.ndarray) -> None:
    limits = valley_limits(curve_y, path_y)
    if limits is not None:
        ax.set_ylim(*limits)


def _levels(z: np.ndarray) -> np.ndarray:
    """Contour levels spaced by quantile, so steep and flat regions both show lines."""
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return np.linspace(0, 1, 3)
    levels = np.unique(np.quantile(finite, np.linspace(0, 1, 18)))
    return levels if len(levels) >= 2 else np.array([levels[0], levels[0] + 1])


def render_still(trajectory: Trajectory, labels: TrajectoryLabels) -> bytes:
    """The whole run as one PNG."""
    scene = _scene(STILL_SCALE, trajectory.grid is not None)
    scene.show(trajectory, labels)
    scene.set_trail(trajectory.path, len(trajectory.path))
    scene.show_end(trajectory.reaches_end)
    scene.place_labels(trajectory)
    return png_bytes(scene.figure)


def frame_indices(points: int, limit: int = MAX_FRAMES) -> np.ndarray:
    """Which path lengths to show as frames: all of them, or ``limit`` spread evenly."""
    return np.unique(np.linspace(1, points, min(points, limit)).round().astype(int))


def render_animation(trajectory: Trajectory, labels: TrajectoryLabels) -> bytes:
    """The run as a GIF: the trail grows frame by frame over a background drawn once,
    a step counter in the corner; the finished run holds before the loop restarts."""
    scene = _scene(GIF_SCALE, trajectory.grid is not None)
    scene.show(trajectory, labels)
    # Labels and the counter's corner are chosen around the whole path, so nothing moves.
    scene.set_counter(labels.counter[-1] if labels.counter else "")
    scene.place_labels(trajectory)
    scene.set_counter("")
    canvas = agg_canvas(scene.figure)
    canvas.draw()
    background = canvas.copy_from_bbox(scene.figure.bbox)
    total = len(trajectory.path)
    frames = []
    for count in frame_indices(total):
        canvas.restore_region(background)
        scene.set_trail(trajectory.path[:count], total)
        scene.show_end(count == total and trajectory.reaches_end)
        if labels.counter:
            scene.set_counter(labels.counter[min(count, len(labels.counter)) - 1])
        for artist in (scene.trail, scene.dots, scene.start_label, scene.end, scene.end_label,
                       scene.counter):
            scene.ax.draw_artist(artist)
        frames.append(canvas_image(scene.figure))
    return gif_bytes(frames, frame_ms=FRAME_MS, hold_last_ms=HOLD_LAST_MS)
