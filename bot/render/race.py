"""The /opt picture: several optimizers' paths on one surface, and their progress.

Phone-shaped (one column, see :mod:`bot.render.canvas`): on top the surface (contours in
2-D, the curve in 1-D) with every run's path in its own colour; below it the legend in
a band of its own (no curve can cover it); at the bottom each run's distance to the
minimum (or its f) step by step. The GIF shows the surface and the legend only, with a
step counter, and grows every path at once over a background drawn once (blitting, as
in :mod:`bot.render.trajectory`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from weakref import WeakKeyDictionary

import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from PIL import Image, ImageColor

from bot.render.canvas import (
    DESIGN_DPI,
    GIF_SCALE,
    STILL_SCALE,
    agg_canvas,
    INK,
    MUTED,
    TEXT_PT,
    TITLE_PT,
    canvas_image,
    emptied,
    gif_bytes,
    new_figure,
    png_bytes,
    style_axes,
)
from bot.render.glyphs import log_axis
from bot.render.labels import (
    Obstacles,
    display_line,
    fit_width,
    label_box,
    names_over_axes,
    place_in_corner,
)
from bot.render.contours import draw_loss_contours, loss_levels
from bot.render.trajectory import frame_indices

GIF_FRAMES = 30
GIF_BUDGET = 560_000  # bytes
#: Colours per GIF frame; fewer than bot.render.canvas.gif_bytes keeps (96).
PALETTE_SIZE = 88
#: Design heights (px at the phone's 390 px width) of the still and of the GIF, and of
#: their parts, top to bottom: title rows, surface, its tick labels, legend, progress.
TOP = 78  # the figure's title, the formula and the y name above the surface
SURFACE = 240
UNDER_AXES = 66  # tick labels and the axis name under an axes
LEGEND_ROW = 30
LEGEND_GAP = 8
PROGRESS_TOP = 28  # the progress panel's title
PROGRESS = 140
LEFT, RIGHT = 0.16, 0.93
LEGEND_COLUMNS = 3
#: Where an upright y name stands (axes fractions): centred over its axis, just above.
Y_NAME_AT = (0.0, 1.02)


def _legend_rows(picture: RacePicture) -> int:
    entries = len(picture.runs) + 1 + (len(picture.minima) > 0)  # runs, start, minimum
    return -(-entries // LEGEND_COLUMNS)


def _height(picture: RacePicture, with_progress: bool) -> int:
    """Design height: the title rows, the surface, the legend band, the progress panel."""
    legend = _legend_rows(picture) * LEGEND_ROW + LEGEND_GAP
    progress = PROGRESS_TOP + PROGRESS + UNDER_AXES if with_progress else 0
    return TOP + SURFACE + UNDER_AXES + legend + progress
#: The progress panel shows distances to the minimum down to this fraction of the
#: start's; smaller ones (and exact zeros, which have no log) leave through the bottom.
FLOOR = 1e-12
TINY = 1e-300
#: A thin white edge keeps each coloured path readable on the contours and over others.
HALO = [patheffects.withStroke(linewidth=4.4, foreground="white")]
#: A white box under a text that may sit on lines.
BOX = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.9}
HOLD_MS = 2600


@dataclass(frozen=True)
class RaceRun:
    """One optimizer's run as drawn: ``points`` (k, 2) on the surface panel ((x, y), or
    (x, f(x)) in 1-D), ``progress`` (k,) on the progress panel."""

    colour: str
    points: np.ndarray
    progress: np.ndarray
    reaches_end: bool = True  # False when a diverging run went on beyond the frame


@dataclass(frozen=True)
class RacePicture:
    runs: tuple[RaceRun, ...]
    minima: np.ndarray  # (m, 2) in the surface panel's coordinates; may be empty
    curve: tuple[np.ndarray, np.ndarray] | None = None
    grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    log_progress: bool = True  # progress is f − f* (log scale) rather than f itself
    target: float | None = None  # the tolerance line on the progress panel


@dataclass(frozen=True)
class RaceLabels:
    title: str  # over the whole figure
    formula: str  # over the surface panel
    x_label: str
    y_label: str
    runs: tuple[str, ...]  # legend entries, one per run
    start: str
    minimum: str
    progress_title: str
    step_axis: str
    progress_axis: str
    target: str
    #: The GIF's step counter, one text per number of points shown (index = points − 1).
    counter: tuple[str, ...] = ()
    #: Shown in the progress panel when no run took a single step (every first step
    #: left the numbers a float can hold), instead of an empty chart.
    no_steps: str = ""


class _Scene:
    """The panels with static content drawn and one set of artists per run.

    The figure and its panels are the worker's own, reused request after request (an
    Axes costs more to make than most of what is drawn on it; a worker runs one job at
    a time): each request empties them and draws its picture afresh.
    """

    def __init__(self, picture: RacePicture, labels: RaceLabels, scale: float,
                 with_progress: bool) -> None:
        self.figure = figure = _board(scale, with_progress)
        kept = _same_contours(figure, picture.grid)
        legend_shows = _legend_shows(picture, labels, _height(picture, with_progress))
        kept_legend = _same_legend(figure, legend_shows)
        emptied(figure, keep=[*kept, *kept_legend])
        figure.set_figheight(_height(picture, with_progress) / DESIGN_DPI)
        self.picture = picture
        height = figure.get_figheight() * DESIGN_DPI
        surface_top = height - TOP
        surface_bottom = surface_top - SURFACE
        legend_top = surface_bottom - UNDER_AXES
        legend_bottom = legend_top - _legend_rows(picture) * LEGEND_ROW - LEGEND_GAP
        self.surface, *rest = figure.axes
        self.surface.set_position((LEFT, surface_bottom / height, RIGHT - LEFT,
                                   SURFACE / height))
        _draw_surface(self.surface, picture, labels, contours_kept=bool(kept))
        self.progress: Axes | None = None
        if with_progress:
            self.progress = rest[0]
            self.progress.set_position((LEFT, UNDER_AXES / height, RIGHT - LEFT,
                                        PROGRESS / height))
            _draw_progress_frame(self.progress, picture, labels)
        self.paths, self.heads, self.curves = [], [], []
        for run, name in zip(picture.runs, labels.runs):
            path = _line(self.surface, color=run.colour, linewidth=2.6, marker="o",
                         markersize=4.5 if _dotted(run) else 0, zorder=3, path_effects=HALO,
                         label=name)
            head = _line(self.surface, color=run.colour, marker="o", linestyle="None",
                         markersize=10, markeredgecolor="white", markeredgewidth=1.5, zorder=6)
            self.paths.append(path)
            self.heads.append(head)
            if self.progress is not None:
                curve = _line(self.progress, color=run.colour, linewidth=2.6)
                self.curves.append(curve)
        title = figure.suptitle(labels.title, color=INK, fontsize=TITLE_PT, y=1 - 6 / height,
                                va="top")
        fit_width(title, 0.98 * figure.bbox.width, TEXT_PT)
        # the y name over the top tick's label, the formula over the y name, the surface
        # giving up height at its top where the figure's title leaves no room
        names_over_axes(self.surface, self.surface.get_position(original=True).frozen(),
                        Y_NAME_AT, lambda: label_box(title, self.surface).y0)
        legend = kept_legend[0] if kept_legend else figure.legend(
            handles=self.paths + self._marker_handles(), loc="center",
            bbox_to_anchor=(0.5, (legend_top + legend_bottom) / 2 / height),
            ncol=LEGEND_COLUMNS, fontsize=TEXT_PT, frameon=False, handlelength=1.3,
            handletextpad=0.4, columnspacing=1.0, borderaxespad=0)
        _legends[figure] = (legend_shows, legend)
        self.counter = self.surface.text(0.98, 0.97, "", transform=self.surface.transAxes,
                                         fontsize=TEXT_PT, color=INK, ha="right", va="top",
                                         bbox=BOX, zorder=9)

    def _marker_handles(self) -> list[Artist]:
        """The start and minimum markers, found by their legend labels."""
        handles, _ = self.surface.get_legend_handles_labels()
        return [h for h in handles if h not in self.paths]

    def show(self, count: int) -> list[Artist]:
        """Show the first ``count`` points of every run; return the artists to draw."""
        curves: list[Line2D | None] = list(self.curves) or [None] * len(self.paths)
        for run, path, head, curve in zip(self.picture.runs, self.paths, self.heads, curves):
            shown = run.points[:count]
            path.set_data(shown[:, 0], shown[:, 1])
            done = count >= len(run.points)
            head.set_data(shown[-1:, 0], shown[-1:, 1])
            head.set_visible(not done or run.reaches_end)
            if curve is None:
                continue
            steps = np.arange(min(count, len(run.progress)))
            curve.set_data(steps, _progress_values(self.picture, run)[: len(steps)])
        return [*self.paths, *self.heads, *self.curves, self.counter]

    def place_counter(self, text: str) -> None:
        """Put the step counter in a corner of the surface that no path crosses."""
        self.counter.set_text(text)
        lines = [display_line(self.surface, run.points) for run in self.picture.runs]
        place_in_corner(self.counter, self.surface, Obstacles(lines=lines))


@cache
def _board(scale: float, with_progress: bool) -> Figure:
    """The worker's figure for stills (with the progress panel) or GIFs (without)."""
    figure = new_figure(TOP + SURFACE, scale=scale)
    for _ in range(1 + with_progress):
        figure.add_axes((LEFT, 0, RIGHT - LEFT, 1))
    return figure


#: Per reused figure, the grid its surface's contours were drawn for and those contours:
#: a picture with exactly the same grid (a preset drawn again) keeps them.
_contours: WeakKeyDictionary[Figure, tuple[tuple[np.ndarray, ...], list[Artist]]] = (
    WeakKeyDictionary())


def _same_contours(figure: Figure, grid: tuple[np.ndarray, ...] | None) -> list[Artist]:
    """The contours ``figure`` holds if they were drawn for exactly ``grid`` (else none:
    they go, and the new picture draws its own)."""
    drawn = _contours.pop(figure, None)
    if drawn is None or grid is None:
        return []
    old, artists = drawn
    same = all(np.array_equal(a, b, equal_nan=True) for a, b in zip(old, grid, strict=True))
    return artists if same else []


def _dotted(run: RaceRun) -> bool:
    """Whether a run's path shows a dot at each point (a long one would be a blur)."""
    return len(run.points) <= 60


#: What a legend shows: per run its colour, name and dots; the start's and the
#: minimum's names; the figure's height, which places its band.
LegendShows = tuple[tuple[tuple[str, str, bool], ...], str, str | None, int]

#: Per reused figure, its legend and what that shows: a picture of the same runs
#: (another learning rate, another start) keeps it, as it keeps equal contours.
_legends: WeakKeyDictionary[Figure, tuple[LegendShows, Legend]] = WeakKeyDictionary()


def _legend_shows(picture: RacePicture, labels: RaceLabels, height: int) -> LegendShows:
    runs = tuple((run.colour, name, _dotted(run)) for run, name in zip(picture.runs, labels.runs))
    return runs, labels.start, labels.minimum if len(picture.minima) else None, height


def _same_legend(figure: Figure, shows: LegendShows) -> list[Legend]:
    """The legend ``figure`` holds if it shows exactly ``shows`` (else none: it goes)."""
    drawn = _legends.pop(figure, None)
    return [drawn[1]] if drawn is not None and drawn[0] == shows else []


def _remember_contours(ax: Axes, grid: tuple[np.ndarray, ...]) -> None:
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    _contours[figure] = (tuple(a.copy() for a in grid), list(ax.collections))


def _line(ax: Axes, xs: object = (), ys: object = (), **props: object) -> Line2D:
    """A line added to ``ax`` as ``ax.plot`` would, without its argument parsing (a
    race draws a few dozen) and without widening the data limits, which no panel of a
    race uses: each sets its limits before its lines are added."""
    line = Line2D(xs, ys, **props)  # type: ignore[arg-type]
    ax.add_artist(line)
    return line


def _length(picture: RacePicture) -> int:
    """Points in the longest run (a run's progress covers all of it, its drawn path may
    stop where it leaves the frame)."""
    return max(len(run.progress) for run in picture.runs)


def _progress_values(picture: RacePicture, run: RaceRun) -> np.ndarray:
    if not picture.log_progress:
        return run.progress
    return np.maximum(run.progress, TINY)


def _draw_surface(ax: Axes, picture: RacePicture, labels: RaceLabels,
                  contours_kept: bool = False) -> None:
    style_axes(ax)
    if picture.grid is not None:
        gx, gy, gz = picture.grid
        values = np.ma.masked_invalid(gz)
        if contours_kept:
            ax.grid(False)  # as draw_loss_contours did
            _remember_contours(ax, picture.grid)  # for the next picture too
        elif values.count() > 1:  # somewhere in the window the function is defined
            levels = loss_levels(float(values.min()), float(values.max()), 14)
            draw_loss_contours(ax, (gx, gy, values), levels)
            _remember_contours(ax, picture.grid)
        ax.set_xlim(gx[0, 0], gx[0, -1])
        ax.set_ylim(gy[0, 0], gy[-1, 0])
        ax.set_aspect("equal", adjustable="box")
    else:
        assert picture.curve is not None
        xs, ys = picture.curve
        ax.plot(xs, ys, color=MUTED, linewidth=3, zorder=1)
        ax.set_xlim(xs[0], xs[-1])
        _fit_y(ax, ys, np.concatenate([run.points[:, 1] for run in picture.runs]))
    start = picture.runs[0].points[0]
    _line(ax, start[:1], start[1:], marker="o", color="white", markeredgecolor=INK,
          markeredgewidth=2.2, markersize=13, zorder=7, linestyle="None", label=labels.start)
    if len(picture.minima):
        _line(ax, picture.minima[:, 0], picture.minima[:, 1], marker="*", color="white",
              markeredgecolor=INK, markeredgewidth=1.6, markersize=19, zorder=5,
              linestyle="None", label=labels.minimum)
    # The y name stands upright above its axis, the formula above it; a long formula
    # shrinks (to the smallest legible size), then loses its end to «…».
    title = ax.set_title(labels.formula, color=INK, fontsize=TITLE_PT, pad=22, y=1.0)
    figure = ax.get_figure(root=True)
    assert figure is not None
    fit_width(title, 0.98 * figure.bbox.width, TEXT_PT)
    _axis_names(ax, labels.x_label, labels.y_label)


def _fit_y(ax: Axes, curve_y: np.ndarray, path_y: np.ndarray) -> None:
    """From the curve's lowest point to the highest point a run visits: the curve may
    leave the frame far out, the runs never do."""
    both = np.concatenate([curve_y, path_y])
    low = float(np.min(both[np.isfinite(both)]))
    high = float(np.max(path_y[np.isfinite(path_y)]))
    pad = 0.08 * (high - low) if high > low else 1.0
    ax.set_ylim(low - pad, high + pad)


def _axis_names(ax: Axes, x_name: str, y_name: str) -> None:
    """The x name at the right end under the tick labels, the y name upright above its
    axis (a rotated one would cost the narrow picture a column)."""
    ax.set_xlabel(x_name, color=INK, fontsize=TEXT_PT, loc="right", labelpad=0)
    ax.set_ylabel(y_name, color=INK, fontsize=TEXT_PT, rotation=0, ha="center", va="bottom")
    ax.yaxis.set_label_coords(*Y_NAME_AT)


def _draw_progress_frame(ax: Axes, picture: RacePicture, labels: RaceLabels) -> None:
    """Axes, limits and the tolerance line of the progress panel (no runs yet)."""
    style_axes(ax, ticks=3)
    ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
    longest = max(len(run.progress) for run in picture.runs)
    ax.set_xlim(0, max(longest - 1, 1))
    values = np.concatenate([_progress_values(picture, run) for run in picture.runs])
    start = float(picture.runs[0].progress[0])
    if picture.log_progress:
        ax.set_yscale("log")
        log_axis(ax.yaxis, ticks=5)  # decades as plain 10⁻³: mathtext costs more than the panel
        # A diverging run leaves through the top instead of squashing the others.
        bottom = max(float(values.min()), FLOOR * start) if start > 0 else FLOOR
        ax.set_ylim(bottom / 3, max(start, FLOOR) * 30)
    else:
        low = float(values.min())
        high = start if start > low else low + 1.0
        pad = 0.08 * (high - low)
        ax.set_ylim(low - pad, high + pad)
    if picture.target is not None:
        ax.axhline(picture.target, color=MUTED, linewidth=1.4, linestyle="--")
        # Named on the line itself: a legend in the panel would sit on some run's curve.
        ax.text(0.98, picture.target, labels.target, transform=ax.get_yaxis_transform(),
                ha="right", va="bottom", fontsize=TEXT_PT, color=INK, bbox=BOX, zorder=4)
    ax.set_title(labels.progress_title, color=INK, fontsize=TEXT_PT, pad=6)
    _axis_names(ax, labels.step_axis, "")
    ax.set_ylabel("")
    if longest == 1 and labels.no_steps:
        ax.text(0.5, 0.5, labels.no_steps, transform=ax.transAxes, ha="center", va="center",
                fontsize=TEXT_PT, color=INK, linespacing=1.6, bbox=BOX, zorder=4)


def render_race_still(picture: RacePicture, labels: RaceLabels) -> bytes:
    """Every run, whole, as one PNG."""
    scene = _Scene(picture, labels, STILL_SCALE, with_progress=True)
    scene.show(_length(picture))
    return png_bytes(scene.figure)


def render_race_animation(picture: RacePicture, labels: RaceLabels) -> bytes:
    """The race as a GIF: all paths grow together, frame by frame, under a step
    counter; the finished race holds. A busy race (long zig-zag paths over dense
    contours) drops frames until it fits the budget."""
    scene = _Scene(picture, labels, GIF_SCALE, with_progress=False)
    figure = scene.figure
    total = _length(picture)
    scene.place_counter(labels.counter[-1] if labels.counter else "")
    canvas = agg_canvas(figure)
    for artist in scene.show(1):
        artist.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(figure.bbox)
    frames = []
    for count in frame_indices(total, GIF_FRAMES):
        canvas.restore_region(background)
        if labels.counter:
            scene.counter.set_text(labels.counter[min(int(count), len(labels.counter)) - 1])
        for artist in scene.show(int(count)):
            assert artist.axes is not None  # every artist of the scene is on a panel
            artist.axes.draw_artist(artist)
        frames.append(canvas_image(figure))
    frames = _with_exact_colours(frames, [run.colour for run in picture.runs])
    shown = frames
    while True:
        gif = gif_bytes(shown, frame_ms=150 * len(frames) // len(shown), hold_last_ms=HOLD_MS)
        if len(gif) <= GIF_BUDGET or len(shown) <= 2:
            return gif
        # Frames cost about the same each: keep as many as the budget allows, evenly
        # spread and always with the last (the finished race).
        keep = max(2, min(len(shown) - 1, int(len(shown) * GIF_BUDGET / len(gif) * 0.95)))
        shown = [frames[i] for i in np.linspace(0, len(frames) - 1, keep).round().astype(int)]


def _with_exact_colours(frames: list[Image.Image], colours: list[str]) -> list[Image.Image]:
    """Frames reduced to a palette that holds every run's colour exactly.

    The GIF encoder builds its palette from the last frame, where a run's colour may
    cover few pixels (a short path, a legend swatch) and be merged into a neighbour's:
    brown would turn red. Fewer colours than the encoder keeps pass through it unchanged.
    """
    exact = [ImageColor.getrgb(c) for c in [*colours, "white", INK]]
    base = frames[-1].quantize(PALETTE_SIZE - len(exact), method=Image.Quantize.MEDIANCUT)
    palette = (base.getpalette() or [])[: 3 * (PALETTE_SIZE - len(exact))]
    palette += [channel for rgb in exact for channel in rgb]
    reference = Image.new("P", (1, 1))
    reference.putpalette(palette)
    return [f.quantize(palette=reference, dither=Image.Dither.NONE).convert("RGB")
            for f in frames]
