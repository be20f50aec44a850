"""Naming a marker in place: the label goes where it covers no line, marker or text.

A label tries a few places around its point (above, below, beside, diagonal; then the
same further out) and takes the first whose box stays inside the axes and touches
nothing already drawn there. Everything is measured in display pixels after layout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox, ScaledTranslation

from bot.render.canvas import DESIGN_DPI, INK, TEXT_PT, agg_canvas

#: (dx, dy) in points from the point, with the alignment that keeps the text beside it.
_PLACES = tuple(
    (dx * reach, dy * reach, ha, va)
    for reach in (1.0, 2.0, 3.5, 5.5, 8.0, 11.0)
    for dx, dy, ha, va in (
        (0, 8, "center", "bottom"), (0, -8, "center", "top"),
        (9, 0, "left", "center"), (-9, 0, "right", "center"),
        (7, 7, "left", "bottom"), (-7, 7, "right", "bottom"),
        (7, -7, "left", "top"), (-7, -7, "right", "top"),
    )
)


@dataclass(frozen=True)
class Obstacles:
    """What a label must not cover, in display pixels: polylines (paths, curves),
    round markers (centre and radius) and boxes (texts, legends)."""

    lines: Sequence[np.ndarray] = ()
    markers: Sequence[tuple[np.ndarray, float]] = ()
    boxes: Sequence[Bbox] = ()


def covers(box: Bbox, obstacles: Obstacles) -> bool:
    """True when ``box`` touches any obstacle."""
    for line in obstacles.lines:
        if len(line) >= 2 and Path(line).intersects_bbox(box, filled=False):
            return True
        if len(line) == 1 and box.contains(*line[0]):
            return True
    for centres, radius in obstacles.markers:
        grown = box.expanded(1, 1).padded(radius)
        if len(centres) and grown.count_contains(np.atleast_2d(centres)) > 0:
            return True
    return any(box.overlaps(other) for other in obstacles.boxes)


def label_box(label: Text, ax: Axes) -> Bbox:
    """The label's box on the canvas, its white halo included."""
    renderer = _renderer(label)
    if isinstance(label, Annotation):  # its offset is turned into pixels only here
        label.update_positions(renderer)
    patch = label.get_bbox_patch()
    if patch is not None and label.get_text():
        label.update_bbox_position_size(renderer)
        return patch.get_window_extent(renderer)
    return label.get_window_extent(renderer)


def place(label: Annotation, ax: Axes, obstacles: Obstacles) -> Bbox:
    """Move ``label`` (offset in points from its point) to the first free place; where
    lines leave no room, the first place that at least covers no marker or text."""
    inside = ax.get_window_extent()
    box_at = _boxes_at_places(label, ax)
    texts_only = Obstacles(markers=obstacles.markers, boxes=obstacles.boxes)
    for rule in (obstacles, texts_only, Obstacles(boxes=obstacles.boxes)):
        for n, spot in enumerate(_PLACES):
            box = box_at(n)
            if _within(box, inside) and not covers(box, rule):
                _put(label, spot)
                return box
    _put(label, _PLACES[0])  # nowhere free: the usual place
    return box_at(0)


def _put(label: Annotation, place: tuple[float, float, str, str]) -> None:
    dx, dy, ha, va = place
    label.set_position((dx, dy))
    label.set(ha=ha, va=va)


#: Where a text stands from its position, in widths (ha) or heights (va) of its box.
_ALIGNED = {"left": 0.0, "bottom": 0.0, "center": -0.5, "right": -1.0, "top": -1.0}


def _boxes_at_places(label: Annotation, ax: Axes) -> Callable[[int], Bbox]:
    """The label's box at ``_PLACES[n]``, the text laid out once: at another place the
    box is the same box moved by the offsets' difference (dpi/72 pixels a point) and by
    the alignments' (a centred text starts half its width further left than a
    left-aligned one; the white box pads every side alike). A search through 48 places
    × 3 rules used to lay the text out for each place it tried."""
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    per_point = figure.dpi / 72
    x0, y0, ha0, va0 = _PLACES[0]
    _put(label, _PLACES[0])
    first = label_box(label, ax)
    text = label.get_window_extent(_renderer(label))  # without the white box's pad

    def box_at(n: int) -> Bbox:
        dx, dy, ha, va = _PLACES[n]
        return first.translated(
            (dx - x0) * per_point + (_ALIGNED[ha] - _ALIGNED[ha0]) * text.width,
            (dy - y0) * per_point + (_ALIGNED[va] - _ALIGNED[va0]) * text.height)

    return box_at


#: Corners of the axes (x, y, ha, va in axes fractions) for a text that belongs to no
#: point (the GIF's step counter), in order of preference.
_CORNERS = ((0.98, 0.97, "right", "top"), (0.02, 0.97, "left", "top"),
            (0.98, 0.03, "right", "bottom"), (0.02, 0.03, "left", "bottom"))


def place_in_corner(text: Text, ax: Axes, obstacles: Obstacles) -> Bbox:
    """Move ``text`` (in axes coordinates) to the first corner where it covers nothing."""
    for x, y, ha, va in _CORNERS:
        text.set(x=x, y=y, ha=ha, va=va)
        box = label_box(text, ax)
        if not covers(box, obstacles):
            return box
    x, y, ha, va = _CORNERS[0]
    text.set(x=x, y=y, ha=ha, va=va)
    return label_box(text, ax)


def _within(box: Bbox, outer: Bbox) -> bool:
    return (box.x0 >= outer.x0 and box.x1 <= outer.x1
            and box.y0 >= outer.y0 and box.y1 <= outer.y1)


def display_line(ax: Axes, points: np.ndarray) -> np.ndarray:
    """Data points as display pixels (finite ones only)."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    points = points[np.all(np.isfinite(points), axis=1)]
    return ax.transData.transform(points) if len(points) else points


def fit_width(text: Text, width: float, smallest: float) -> None:
    """Shrink ``text`` (down to ``smallest`` points) until it is at most ``width``
    display pixels wide; a line still too wide then loses its end to «…»."""
    renderer = _renderer(text)
    extent = text.get_window_extent(renderer).width
    if extent <= width:
        return
    text.set_fontsize(max(smallest, float(text.get_fontsize()) * width / extent))
    lines = text.get_text().split("\n")
    for index, line in enumerate(lines):
        if _line_width(text, line, renderer) <= width:
            continue
        cut = len(line)
        while cut > 4 and _line_width(text, line[:cut].rstrip() + "…", renderer) > width:
            cut -= 1
        lines[index] = line[:cut].rstrip() + "…"
    text.set_text("\n".join(lines))


def _renderer(text: Text) -> RendererAgg:
    figure = text.get_figure(root=True)
    assert isinstance(figure, Figure)
    return agg_canvas(figure).get_renderer()


def _line_width(text: Text, line: str, renderer: RendererAgg) -> float:
    probe = Text(0, 0, line, fontproperties=text.get_fontproperties(), figure=text.figure)
    return probe.get_window_extent(renderer).width


def wrap_width(text: Text, width: float) -> None:
    """Break the lines of ``text`` at spaces so that each fits ``width`` display pixels
    (at its font size); a single word too long keeps its line."""
    renderer = _renderer(text)
    wrapped = []
    for line in text.get_text().split("\n"):
        current = ""
        for word in line.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and _line_width(text, candidate, renderer) > width:
                wrapped.append(current)
                current = word
            else:
                current = candidate
        wrapped.append(current)
    text.set_text("\n".join(wrapped))


def name_axes(ax: Axes, x_name: str, y_name: str, y_room: float = 1.05) -> None:
    """The x name at the right end under the tick labels, the y name upright above its
    axis: a rotated one beside the tick labels would cost a narrow picture a column.
    ``y_room`` is how wide the y name may be (in axes widths) before it wraps."""
    ax.set_xlabel(x_name, color=INK, fontsize=TEXT_PT, loc="right", labelpad=0)
    label = ax.set_ylabel(y_name, color=INK, fontsize=TEXT_PT, rotation=0, ha="left",
                          va="bottom")
    ax.yaxis.set_label_coords(-0.12, 1.03)
    if y_name:
        wrap_width(label, ax.bbox.width * y_room)


def lift_titles(axes: Sequence[Axes], pad: float, gap: float = 4.0) -> None:
    """Raise the titles of a row of panels (set ``pad`` points above their axes) together,
    so the row keeps one title line, until each clears by ``gap`` points every y name
    above an axes of the row (a name wider than its panel reaches under its neighbour's
    title)."""
    titles = [ax.title for ax in axes if ax.get_title()]
    names = [ax.yaxis.label for ax in axes if ax.get_ylabel()]
    if not titles or not names:
        return
    for ax in axes:
        ax.apply_aspect()  # an equal-aspect panel takes its drawn size first
    figure = titles[0].get_figure(root=True)
    assert isinstance(figure, Figure)
    renderer = _renderer(titles[0])
    lift = 0.0
    for title in titles:
        low = title.get_window_extent(renderer)
        for name in names:
            box = name.get_window_extent(renderer)
            if box.x0 < low.x1 and low.x0 < box.x1:
                lift = max(lift, (box.y1 - low.y0) * 72 / figure.dpi + gap)
    if lift > 0:
        offset = ScaledTranslation(0, (pad + lift) / 72, figure.dpi_scale_trans)
        for ax in axes:
            ax.title.set_transform(ax.transAxes + offset)


def tick_labels_box(axis: Axis) -> Bbox | None:
    """The box round an axis's drawn tick labels (its name left out), in display pixels."""
    label = axis.label
    shown = label.get_visible()
    label.set_visible(False)
    try:
        box = axis.get_tightbbox(_renderer(label))
    finally:
        label.set_visible(shown)
    return box if box is not None and box.width > 0 else None


def clearance(text: Text, boxes: Sequence[Bbox | None], gap: float, up: bool) -> float:
    """How many display pixels ``text`` must move up (``up``) or down to stand ``gap``
    pixels clear of every box it overlaps side by side; 0 when it already does."""
    own = text.get_window_extent(_renderer(text))
    move = 0.0
    for box in boxes:
        if box is None or own.x1 <= box.x0 or box.x1 <= own.x0:
            continue
        need = box.y1 + gap - own.y0 if up else own.y1 - (box.y0 - gap)
        if need > 0 and (own.y0 < box.y1 + gap and box.y0 - gap < own.y1):
            move = max(move, need)
    return move


def names_over_axes(ax: Axes, home: Bbox, y_name_at: tuple[float, float],
                    ceiling: Callable[[], float], between: Callable[[], None] | None = None,
                    gap: float = 2.0) -> None:
    """Measured after layout: the y name (upright, at ``y_name_at`` in axes fractions)
    rises above the top tick's label, the title (at y = 1, set with an explicit y) rises
    over the y name, and the axes' top comes down from ``home`` (its figure position)
    until the title stays ``gap`` points under ``ceiling()`` (display pixels: the
    picture's top or a figure title's bottom). Each moves only as far as it must, so a
    roomy picture keeps its usual places. ``between`` runs after the y name is placed
    (another text that moves with the axes, such as the x name)."""
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    gap = gap * figure.dpi / 72
    y_name, title = ax.yaxis.label, ax.title
    lower = 0.0  # display pixels the axes' top comes down
    for _ in range(3):
        ax.set_position((home.x0, home.y0, home.width,
                         home.height - lower / figure.bbox.height))
        ax.apply_aspect()  # an equal-aspect panel takes its drawn size first
        ax.yaxis.set_label_coords(*y_name_at)
        title.set_y(1.0)
        box = ax.get_window_extent()
        if y_name.get_text():
            rise = clearance(y_name, [tick_labels_box(ax.yaxis)], gap, up=True)
            if rise:
                ax.yaxis.set_label_coords(y_name_at[0], y_name_at[1] + rise / box.height)
        if between is not None:
            between()
            box = ax.get_window_extent()
        if not title.get_text():
            return
        if y_name.get_text():
            rise = clearance(title, [label_box(y_name, ax)], gap, up=True)
            if rise:
                title.set_y(1.0 + rise / box.height)
        over = label_box(title, ax).y1 + gap - ceiling()
        if over <= 0:
            return
        lower += over


def legend_under(ax: Axes, columns: int = 1, drop: float = 50) -> None:
    """The axes' legend in a band of its own under its tick labels (``drop`` design px
    below the axes), where no line of the plot can run under it."""
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    top = ax.get_position().y0 - drop / (figure.get_figheight() * DESIGN_DPI)
    # centred on the picture, not on the axes: the axes sit right of the tick labels
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, top), bbox_transform=figure.transFigure,
              ncol=columns, fontsize=TEXT_PT, frameon=False, handlelength=1.4,
              columnspacing=1.0, borderaxespad=0, handletextpad=0.5)
