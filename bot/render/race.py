"""The /opt picture: several optimizers' paths on one surface, and their progress.

Left, the surface (contours in 2-D, the curve in 1-D) with every run's path in its own
colour; right, each run's distance to the minimum (or its f) step by step; the legend
to the right of both. The GIF grows every path at once over a background drawn once
(blitting, as in :mod:`bot.render.trajectory`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image, ImageColor

from bot.render.canvas import (
    agg_canvas,
    INK,
    MUTED,
    canvas_image,
    gif_bytes,
    new_figure,
    png_bytes,
    style_axes,
)
from bot.render.contours import draw_loss_contours, loss_levels
from bot.render.trajectory import frame_indices

STILL_SIZE = (1100, 600)
GIF_FRAMES = 30
GIF_BUDGET = 380_000  # bytes
#: Colours per GIF frame; fewer than bot.render.canvas.gif_bytes keeps (96).
PALETTE_SIZE = 88
GIF_SIZE = (720, 400)
MARGINS = {"left": 0.065, "right": 0.845, "bottom": 0.1, "top": 0.86, "wspace": 0.26}
GIF_MARGINS = {**MARGINS, "bottom": 0.12, "left": 0.075, "right": 0.81}
#: Characters of the surface panel's formula that fit at full size.
FORMULA_CHARS = 55
#: The progress panel shows distances to the minimum down to this fraction of the
#: start's; smaller ones (and exact zeros, which have no log) leave through the bottom.
FLOOR = 1e-12
TINY = 1e-300
#: A thin white edge keeps each coloured path readable on the contours and over others.
HALO = [patheffects.withStroke(linewidth=3.4, foreground="white")]


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


class _Scene:
    """The two panels with static content drawn and one set of artists per run."""

    def __init__(self, figure: Figure, picture: RacePicture, labels: RaceLabels,
                 font_scale: float, legend_x: float) -> None:
        self.figure = figure
        self.surface, self.progress = figure.subplots(1, 2, width_ratios=(1.15, 1))
        self.picture = picture
        _draw_surface(self.surface, picture, labels, font_scale)
        _draw_progress_frame(self.progress, picture, labels, font_scale)
        self.paths, self.heads, self.curves = [], [], []
        for run, name in zip(picture.runs, labels.runs):
            short = len(run.points) <= 60
            (path,) = self.surface.plot([], [], color=run.colour, linewidth=2, marker="o",
                                        markersize=3.5 if short else 0, zorder=3,
                                        path_effects=HALO, label=name)
            (head,) = self.surface.plot([], [], "o", color=run.colour, markersize=9,
                                        markeredgecolor="white", markeredgewidth=1.5, zorder=6)
            (curve,) = self.progress.plot([], [], color=run.colour, linewidth=2)
            self.paths.append(path)
            self.heads.append(head)
            self.curves.append(curve)
        figure.suptitle(labels.title, color=INK, fontsize=15 * font_scale, y=0.985, va="top")
        figure.legend(handles=self.paths + self._marker_handles(), loc="center left",
                      bbox_to_anchor=(legend_x, 0.5),
                      fontsize=12 * font_scale, framealpha=0.95, handlelength=1.6)

    def _marker_handles(self) -> list[Artist]:
        """The start and minimum markers, found by their legend labels."""
        handles, _ = self.surface.get_legend_handles_labels()
        return [h for h in handles if h not in self.paths]

    def show(self, count: int) -> list[Artist]:
        """Show the first ``count`` points of every run; return the artists to draw."""
        for run, path, head, curve in zip(self.picture.runs, self.paths, self.heads,
                                          self.curves):
            shown = run.points[:count]
            path.set_data(shown[:, 0], shown[:, 1])
            done = count >= len(run.points)
            head.set_data(shown[-1:, 0], shown[-1:, 1])
            head.set_visible(not done or run.reaches_end)
            steps = np.arange(min(count, len(run.progress)))
            curve.set_data(steps, _progress_values(self.picture, run)[: len(steps)])
        return [*self.paths, *self.heads, *self.curves]


def _length(picture: RacePicture) -> int:
    """Points in the longest run (a run's progress covers all of it, its drawn path may
    stop where it leaves the frame)."""
    return max(len(run.progress) for run in picture.runs)


def _progress_values(picture: RacePicture, run: RaceRun) -> np.ndarray:
    if not picture.log_progress:
        return run.progress
    return np.maximum(run.progress, TINY)


def _draw_surface(ax: Axes, picture: RacePicture, labels: RaceLabels, scale: float) -> None:
    style_axes(ax)
    if picture.grid is not None:
        gx, gy, gz = picture.grid
        values = np.ma.masked_invalid(gz)
        if values.count() > 1:  # somewhere in the window the function is defined
            levels = loss_levels(float(values.min()), float(values.max()), 14)
            draw_loss_contours(ax, (gx, gy, values), levels)
        ax.set_xlim(gx[0, 0], gx[0, -1])
        ax.set_ylim(gy[0, 0], gy[-1, 0])
        ax.set_aspect("equal", adjustable="box")
    else:
        assert picture.curve is not None
        xs, ys = picture.curve
        ax.plot(xs, ys, color=MUTED, linewidth=2.2, zorder=1)
        ax.set_xlim(xs[0], xs[-1])
        _fit_y(ax, ys, np.concatenate([run.points[:, 1] for run in picture.runs]))
    start = picture.runs[0].points[0]
    ax.plot(*start, "o", color="white", markeredgecolor=INK, markeredgewidth=2,
            markersize=12, zorder=7, linestyle="none", label=labels.start)
    if len(picture.minima):
        ax.plot(picture.minima[:, 0], picture.minima[:, 1], "*", color="white",
                markeredgecolor=INK, markeredgewidth=1.4, markersize=17, zorder=5,
                linestyle="none", label=labels.minimum)
    # A long formula gets a smaller font rather than running over the next panel.
    size = 14 * scale * min(1.0, FORMULA_CHARS / max(len(labels.formula), 1))
    ax.set_title(labels.formula, color=INK, fontsize=size)
    ax.set_xlabel(labels.x_label, color=INK, fontsize=12 * scale)
    ax.set_ylabel(labels.y_label, color=INK, fontsize=12 * scale)
    ax.tick_params(labelsize=11 * scale)


def _fit_y(ax: Axes, curve_y: np.ndarray, path_y: np.ndarray) -> None:
    """From the curve's lowest point to the highest point a run visits: the curve may
    leave the frame far out, the runs never do."""
    both = np.concatenate([curve_y, path_y])
    low = float(np.min(both[np.isfinite(both)]))
    high = float(np.max(path_y[np.isfinite(path_y)]))
    pad = 0.08 * (high - low) if high > low else 1.0
    ax.set_ylim(low - pad, high + pad)


def _draw_progress_frame(ax: Axes, picture: RacePicture, labels: RaceLabels,
                         scale: float) -> None:
    """Axes, limits and the tolerance line of the progress panel (no runs yet)."""
    style_axes(ax)
    ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
    longest = max(len(run.progress) for run in picture.runs)
    ax.set_xlim(0, max(longest - 1, 1))
    values = np.concatenate([_progress_values(picture, run) for run in picture.runs])
    start = float(picture.runs[0].progress[0])
    if picture.log_progress:
        ax.set_yscale("log")
        # A diverging run leaves through the top instead of squashing the others.
        bottom = max(float(values.min()), FLOOR * start) if start > 0 else FLOOR
        ax.set_ylim(bottom / 3, max(start, FLOOR) * 30)
    else:
        low = float(values.min())
        high = start if start > low else low + 1.0
        pad = 0.08 * (high - low)
        ax.set_ylim(low - pad, high + pad)
    if picture.target is not None:
        ax.axhline(picture.target, color=MUTED, linewidth=1.2, linestyle="--",
                   label=labels.target)
        ax.legend(loc="lower left", fontsize=10 * scale, framealpha=0.9)
    ax.set_title(labels.progress_title, color=INK, fontsize=14 * scale)
    ax.set_xlabel(labels.step_axis, color=INK, fontsize=12 * scale)
    ax.set_ylabel(labels.progress_axis, color=INK, fontsize=12 * scale)
    ax.tick_params(labelsize=11 * scale)


def render_race_still(picture: RacePicture, labels: RaceLabels) -> bytes:
    """Every run, whole, as one PNG."""
    figure = new_figure(*STILL_SIZE, margins=MARGINS)
    scene = _Scene(figure, picture, labels, font_scale=1.0,
                   legend_x=MARGINS["right"] + 0.01)
    scene.show(_length(picture))
    return png_bytes(figure)


def render_race_animation(picture: RacePicture, labels: RaceLabels) -> bytes:
    """The race as a GIF: all paths grow together, frame by frame. A busy race (long
    zig-zag paths over dense contours) drops frames until it fits the budget."""
    figure = new_figure(*GIF_SIZE, dpi=80, margins=GIF_MARGINS)
    scene = _Scene(figure, picture, labels, font_scale=0.9,
                   legend_x=GIF_MARGINS["right"] + 0.01)
    canvas = agg_canvas(figure)
    for artist in scene.show(1):
        artist.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(figure.bbox)
    frames = []
    for count in frame_indices(_length(picture), GIF_FRAMES):
        canvas.restore_region(background)
        for artist in scene.show(int(count)):
            assert artist.axes is not None  # every artist of the scene is on a panel
            artist.axes.draw_artist(artist)
        frames.append(canvas_image(figure))
    frames = _with_exact_colours(frames, [run.colour for run in picture.runs])
    shown = frames
    while True:
        gif = gif_bytes(shown, frame_ms=150 * len(frames) // len(shown), hold_last_ms=2000)
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
