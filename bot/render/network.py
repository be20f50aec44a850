"""Pictures of one backprop step: the network as a graph, a table of every parameter,
and the loss over several steps.

The graph is drawn in pixel coordinates on one axes that fills the figure (y grows
downwards), so sizes of circles, gaps and fonts are chosen in the units a phone shows.
All wording arrives ready-made (the Persian layer supplies it).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch
from matplotlib.ticker import MaxNLocator

from bot.render.canvas import (
    DESIGN_DPI,
    END,
    INK,
    MUTED,
    PATH,
    PHONE_PX,
    STILL_SCALE,
    TEXT_PT,
    TITLE_PT,
    agg_canvas,
    new_figure,
    png_bytes,
    style_axes,
)
from bot.render.labels import lift_titles, name_axes, wrap_width

#: The graph and the table are designed at the phone's width (PHONE_PX design pixels)
#: with no text under the chat's own size: numbers a phone cannot show legibly beside a
#: dense layer are left to the table and the worked text.
CURVE_HEIGHT = 380
MARGIN = 10.0
#: Node notes (forward values) under each node only when columns are this far apart and
#: no column is taller than NOTES_UP_TO neurons; else the graph shows names and paths.
NOTES_FROM_GAP = 120.0
NOTES_UP_TO = 3
LOSS_BOX = (150.0, 62.0)
ON_PATH = "#f08c00"
EDGE = "#ced4da"
NODE_FILL = "#e7f5ff"
PATH_FILL = "#fff4e6"
TARGET_FILL = "#ffe3e3"
ROW_TINT = "#f8f9fa"
#: Label every edge of a layer with at most this many edges; in a denser layer only the
#: target's edge and at most MAX_LABELLED_PATHS edges on its paths (the table lists all).
MAX_LABELLED_EDGES = 6
MAX_LABELLED_PATHS = 3
TABLE_ROW = 27.0
TABLE_PAD = 5.0  # design px each side of a table cell's text

Edge = tuple[int, int, int]  # (layer, j, i): the weight from node i of column layer into node j
Node = tuple[int, int]  # (column, n); column 0 holds the inputs


@dataclass(frozen=True)
class Highlight:
    """What lies on the chain paths of the target parameter."""

    edges: frozenset[Edge]
    nodes: frozenset[Node]
    target_edge: Edge | None  # a weight
    target_node: Node | None  # the neuron of a bias


@dataclass(frozen=True)
class NetworkLabels:
    """Every text on the graph, per column and node (column 0 = inputs)."""

    title: str
    columns: tuple[str, ...]  # one per column, then the loss column
    names: tuple[tuple[str, ...], ...]  # inside each node
    notes: tuple[tuple[str, ...], ...]  # under each node (forward values)
    edges: tuple[tuple[tuple[str, ...], ...], ...]  # per layer, [j][i]: weight and gradient
    loss: str  # inside the loss box
    legend: tuple[str, str, str]  # target, chain paths, how to read an edge label


@dataclass(frozen=True)
class Table:
    """Rows of text; the columns read right to left (the first is the rightmost)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    groups: tuple[int, ...]  # a rule is drawn above each of these row indices
    highlight: int | None = None


@dataclass(frozen=True)
class CurveLabels:
    title: str
    x_label: str
    y_label: str


# --- the network ---------------------------------------------------------------------------



def _text(ax: Axes, x: float, y: float, text: str, **style: Any) -> None:
    ax.text(x, y, text, color=style.pop("color", INK), **style)


@dataclass(frozen=True)
class _Layout:
    width: int
    height: float
    xs: tuple[float, ...]  # centre of each column
    ys: tuple[tuple[float, ...], ...]  # centres of the nodes of each column
    radius: float
    notes: bool  # whether the forward values are written under the nodes
    loss: tuple[float, float]  # centre of the loss box
    legend_top: float


def _layout(sizes: Sequence[int], names: Sequence[Sequence[str]], top: float) -> _Layout:
    """Columns across the phone's width (room at the sides for a note under an outer
    node); nodes as large as their longest name; below them the loss box, then the
    legend. ``top`` is where the column headings end."""
    width = PHONE_PX
    longest = max(len(name) for column in names for name in column)
    radius = max(19.0, 5.0 * longest + 4.0)
    gap_guess = (width - 2 * (MARGIN + 48)) / (len(sizes) - 1)
    notes = gap_guess >= NOTES_FROM_GAP and max(sizes) <= NOTES_UP_TO
    side = MARGIN + (48.0 if notes else radius + 2)
    gap = (width - 2 * side) / (len(sizes) - 1)
    spacing = 2 * radius + (78.0 if notes else 16.0)
    span = spacing * (max(sizes) - 1)
    middle = top + 20 + radius + span / 2
    ys = tuple(tuple(middle + spacing * (n - (size - 1) / 2) for n in range(size))
               for size in sizes)
    bottom = middle + span / 2 + radius + (60.0 if notes else 0.0)
    loss = (width - side - LOSS_BOX[0] / 2 + radius, bottom + 30 + LOSS_BOX[1] / 2)
    legend_top = loss[1] + LOSS_BOX[1] / 2 + 14
    xs = tuple(side + gap * c for c in range(len(sizes)))
    return _Layout(width, legend_top + 100, xs, ys, radius, notes, loss, legend_top)


def _edge_style(edge: Edge, highlight: Highlight) -> tuple[str, float, int]:
    if edge == highlight.target_edge:
        return END, 4.5, 3
    if edge in highlight.edges:
        return ON_PATH, 2.8, 2
    return EDGE, 1.5, 1


def _figure(ax: Axes) -> Figure:
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    return figure


def _label_size(ax: Axes, text: str, bold: bool = False) -> tuple[float, float]:
    """The design-pixel size of a boxed label (measured, its white box included; a
    worker remembers it, as the same labels come back request after request)."""
    key = (text, bold, _figure(ax).dpi)
    size = _label_sizes.get(key)
    if size is None:
        probe = _probe(_figure(ax))
        probe.set(text=text, fontweight="bold" if bold else "normal")
        width, height = _size(probe)
        if len(_label_sizes) > 4096:
            _label_sizes.clear()
        size = _label_sizes[key] = (width + 8, height + 6)
    return size


_label_sizes: dict[tuple[str, bool, float], tuple[float, float]] = {}


@cache
def _probe(figure: Figure) -> Text:
    """A text on ``figure`` (one of the worker's boards: kept as long as they are) that
    is never drawn, re-pointed at each label to measure (a table has dozens of new
    numbers; adding a text to the axes and removing it again cost more than measuring)."""
    return Text(0, 0, "", fontsize=TEXT_PT, linespacing=1.0, figure=figure)


@cache
def _board(kind: str) -> tuple[Figure, Axes]:
    figure = new_figure(600)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.axis("off")
    return figure, ax


def _blank(kind: str, height: float, scale: float = STILL_SCALE) -> tuple[Figure, Axes]:
    """The worker's figure for ``kind`` (reused: an Axes costs more to make than most of
    what is drawn on it; a worker runs one job at a time), emptied, ``height`` design px
    tall at ``scale``, with one axes in design pixels (y downwards)."""
    figure, ax = _board(kind)
    for artist in [*ax.texts, *ax.lines, *ax.patches, *ax.artists]:
        artist.remove()
    figure.set_dpi(DESIGN_DPI * scale)
    figure.set_figheight(height / DESIGN_DPI)
    ax.set_xlim(0, PHONE_PX)
    ax.set_ylim(height, 0)
    return figure, ax


def _size(text: Text) -> tuple[float, float]:
    """A text's width and height in design pixels, as drawn."""
    figure = text.get_figure(root=True)
    assert isinstance(figure, Figure)
    box = text.get_window_extent(agg_canvas(figure).get_renderer())
    return box.width * DESIGN_DPI / figure.dpi, box.height * DESIGN_DPI / figure.dpi


def _candidates(layout: _Layout, x0: float, y0: float, x1: float, y1: float,
                size: tuple[float, float]) -> list[tuple[float, float]]:
    """Where an edge's label may sit, best first: along the edge clear of the nodes at
    both ends (nearer the source on a falling edge and the target on a rising one, so
    two crossing edges' labels do not meet at the crossing), then just above or below
    its middle."""
    clear = min(0.45, (layout.radius + size[0] / 2 + 4) / (x1 - x0))
    if abs(y1 - y0) < 1:
        spots = [0.5, (clear + 0.5) / 2, (1.5 - clear) / 2, clear, 1 - clear]
    else:
        near, far = (clear, 1 - clear) if y1 > y0 else (1 - clear, clear)
        spots = [near, (near + 0.5) / 2, 0.5, (far + 0.5) / 2, far]
    along = [(x0 + t * (x1 - x0), y0 + t * (y1 - y0)) for t in spots]
    lift = size[1] / 2 + 4
    middle = ((x0 + x1) / 2, (y0 + y1) / 2)
    return along + [(middle[0], middle[1] - lift), (middle[0], middle[1] + lift)]


Box = tuple[float, float, float, float]  # centre x, centre y, width, height


def _overlaps(box: Box, placed: list[Box]) -> bool:
    x, y, w, h = box
    return any(abs(x - px) < (w + pw) / 2 and abs(y - py) < (h + ph) / 2
               for px, py, pw, ph in placed)


def _inside(box: Box, layout: _Layout) -> bool:
    x, y, w, h = box
    return w / 2 <= x <= layout.width - w / 2 and 0 <= y - h / 2


def _labelled(layer: int, texts: Sequence[Sequence[str]], highlight: Highlight) -> list[Edge]:
    """The edges of a layer that get a label, the target's first."""
    every = [(layer, j, i) for j, row in enumerate(texts) for i in range(len(row))]
    on_path = [e for e in every if e in highlight.edges]
    if len(every) <= MAX_LABELLED_EDGES:
        chosen = every
    else:
        chosen = on_path if len(on_path) <= MAX_LABELLED_PATHS else []
    target = [e for e in every if e == highlight.target_edge]
    return target + [e for e in chosen if e not in target]


def _obstacles(ax: Axes, layout: _Layout, labels: NetworkLabels) -> list[Box]:
    """Boxes of every node, the note under it and the loss box."""
    boxes: list[Box] = [(*layout.loss, *LOSS_BOX)]
    r = layout.radius
    for column, ys in enumerate(layout.ys):
        for n, y in enumerate(ys):
            boxes.append((layout.xs[column], y, 2 * r + 4, 2 * r + 4))
            if layout.notes:
                width, height = _label_size(ax, labels.notes[column][n])
                boxes.append((layout.xs[column], y + r + 4 + height / 2, width, height))
    return boxes


def _draw_edges(ax: Axes, layout: _Layout, highlight: Highlight, labels: NetworkLabels) -> None:
    """Every edge, then labels where they fit without covering a node, its note or another
    label (the target's label always)."""
    placed = _obstacles(ax, layout, labels)
    for layer, texts in enumerate(labels.edges):
        x0, x1 = layout.xs[layer], layout.xs[layer + 1]
        for j, row in enumerate(texts):
            for i in range(len(row)):
                colour, width, order = _edge_style((layer, j, i), highlight)
                # an artist, not a plot: the limits are fixed, and updating them for each
                # of a 6-6-6-6-6 network's 144 edges was an eighth of its drawing (same bytes)
                ax.add_artist(Line2D([x0, x1], [layout.ys[layer][i], layout.ys[layer + 1][j]],
                                     color=colour, lw=width, zorder=order,
                                     solid_capstyle="round"))
    for layer, texts in enumerate(labels.edges):
        x0, x1 = layout.xs[layer], layout.xs[layer + 1]
        for edge in _labelled(layer, texts, highlight):
            _, j, i = edge
            text, target = texts[j][i], edge == highlight.target_edge
            size = _label_size(ax, text, bold=target)
            spots = [spot for spot in _candidates(layout, x0, layout.ys[layer][i], x1,
                                                  layout.ys[layer + 1][j], size)
                     if _inside((*spot, *size), layout)]
            free = [spot for spot in spots if not _overlaps((*spot, *size), placed)]
            if not free and target:  # no room beside it: beside the legend, framed alike
                free = [(MARGIN + size[0] / 2, layout.legend_top + size[1] / 2)]
            if not free:
                continue
            x, y = free[0]
            placed.append((x, y, *size))
            colour = _edge_style(edge, highlight)[0]
            _text(ax, x, y, text, ha="center", va="center", fontsize=TEXT_PT,
                  zorder=6 + target, fontweight="bold" if target else "normal", linespacing=1.0,
                  bbox={"boxstyle": "round,pad=0.2", "fc": "white", "lw": 1.0,
                        "ec": colour if colour != EDGE else MUTED, "alpha": 0.95})


def _node_style(node: Node, highlight: Highlight) -> tuple[str, str, float]:
    if node == highlight.target_node:
        return TARGET_FILL, END, 3.5
    if node in highlight.nodes:
        return PATH_FILL, ON_PATH, 2.8
    return NODE_FILL, PATH, 1.8


def _draw_nodes(ax: Axes, layout: _Layout, highlight: Highlight, labels: NetworkLabels) -> None:
    r = layout.radius
    for column, ys in enumerate(layout.ys):
        x = layout.xs[column]
        for n, y in enumerate(ys):
            fill, edge, width = _node_style((column, n), highlight)
            # add_artist, not add_patch: the limits are fixed, so no data limits to update
            ax.add_artist(Circle((x, y), r, fc=fill, ec=edge, lw=width, zorder=8))
            _text(ax, x, y, labels.names[column][n], ha="center", va="center",
                  fontsize=TEXT_PT, fontweight="bold", zorder=9)
            if layout.notes:
                _text(ax, x, y + r + 4, labels.notes[column][n], ha="center", va="top",
                      fontsize=TEXT_PT, zorder=9, linespacing=1.0,
                      bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                            "alpha": 0.9})


def _draw_loss(ax: Axes, layout: _Layout, highlight: Highlight, heading: str, text: str) -> None:
    """The loss box under the output column, a dashed line from each output into it."""
    (x, y), (w, h) = layout.loss, LOSS_BOX
    last = len(layout.ys) - 1
    for n, y_out in enumerate(layout.ys[-1]):
        on_path = (last, n) in highlight.nodes or (last, n) == highlight.target_node
        ax.plot([layout.xs[-1], x], [y_out + layout.radius, y - h / 2],
                color=ON_PATH if on_path else EDGE, lw=2.8 if on_path else 1.5,
                ls=(0, (4, 3)), zorder=1)
    ax.add_artist(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=3",
                                 fc=PATH_FILL, ec=ON_PATH, lw=2.4, zorder=8))
    _text(ax, x, y, text, ha="center", va="center", fontsize=TEXT_PT, zorder=9,
          linespacing=1.3)
    _text(ax, x - w / 2 - 10, y, heading, ha="right", va="center", fontsize=TEXT_PT,
          color=MUTED)


def _draw_legend(ax: Axes, layout: _Layout, labels: NetworkLabels) -> None:
    """One entry a line, right-aligned (Persian), then how to read an edge's label."""
    y = layout.legend_top
    for colour, width, text in ((END, 4.5, labels.legend[0]), (ON_PATH, 2.8, labels.legend[1])):
        right = layout.width - MARGIN - 4
        ax.plot([right - 28, right], [y + 12, y + 12], color=colour, lw=width,
                solid_capstyle="round")
        _text(ax, right - 38, y + 12, text, ha="right", va="center", fontsize=TEXT_PT)
        y += 30
    note = ax.text(layout.width - MARGIN, y + 2, labels.legend[2], ha="right", va="top",
                   fontsize=TEXT_PT, color=MUTED)
    wrap_width(note, (layout.width - 2 * MARGIN) * _figure(ax).dpi / DESIGN_DPI)


def render_network(sizes: Sequence[int], highlight: Highlight, labels: NetworkLabels) -> bytes:
    """The network as a layered graph, phone-wide: its paths to the target, the target's
    weight and gradient, and (when a phone has room for them) forward values."""
    figure, ax = _blank("network", 600)
    title = ax.text(PHONE_PX / 2, 8, labels.title, ha="center", va="top", fontsize=TITLE_PT,
                    fontweight="bold", color=INK, linespacing=1.25)
    wrap_width(title, (PHONE_PX - 2 * MARGIN) * figure.dpi / DESIGN_DPI)
    headings = 8 + _size(title)[1] + 8
    two_lines = any("\n" in heading for heading in labels.columns[:-1])
    layout = _layout(sizes, labels.names, headings + (40 if two_lines else 20))
    figure.set_figheight(layout.height / DESIGN_DPI)
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)
    for x, heading in zip(layout.xs, labels.columns[:-1]):
        _text(ax, x, headings, heading, ha="center", va="top", fontsize=TEXT_PT, color=MUTED,
              linespacing=1.0)
    _draw_edges(ax, layout, highlight, labels)
    _draw_nodes(ax, layout, highlight, labels)
    _draw_loss(ax, layout, highlight, labels.columns[-1], labels.loss)
    _draw_legend(ax, layout, labels)
    return png_bytes(figure)


# --- the table ----------------------------------------------------------------------------


#: A tall table is rendered less sharp (never below one pixel per phone pixel) so that
#: it stays within about this many pixels: a small file on a slow connection.
TABLE_PIXELS = 780 * 1400
#: Text in three colours on three fills: a small palette keeps a long table small.
TABLE_COLOURS = 16


def render_table(table: Table) -> bytes:
    """The rows as one phone-wide table (a tall one is scrolled, as a phone shows a long
    picture): headings on two lines, each column as wide as its widest text, the spare
    width shared out."""
    header = tuple(text.replace(" ", "\n", 1) for text in table.header)
    height = 66 + TABLE_ROW * (len(table.rows) + 2) + MARGIN  # a title of two lines
    scale = min(STILL_SCALE, max(1.0, math.sqrt(TABLE_PIXELS / (PHONE_PX * height))))
    figure, ax = _blank("table", round(height), scale=scale)
    ax.set_ylim(height, 0)
    title = ax.text(PHONE_PX / 2, 6, table.title, ha="center", va="top", fontsize=TITLE_PT,
                    fontweight="bold", color=INK)
    wrap_width(title, (PHONE_PX - 2 * MARGIN) * figure.dpi / DESIGN_DPI)
    if "\n" not in title.get_text():
        height -= 30
        figure.set_figheight(height / DESIGN_DPI)
        ax.set_ylim(height, 0)
    widths = _column_widths(ax, header, table)
    _draw_rows(ax, table, header, widths, top=66.0 if "\n" in title.get_text() else 36.0)
    return png_bytes(figure, colours=TABLE_COLOURS)


def _column_widths(ax: Axes, header: Sequence[str], table: Table) -> list[float]:
    """Each column as wide as its widest text (the highlighted row is bold)."""
    bold = [header, *([table.rows[table.highlight]] if table.highlight is not None else [])]
    plain = [row for n, row in enumerate(table.rows) if n != table.highlight]
    needed = [
        max([_label_size(ax, text, bold=True)[0] for text in column[:len(bold)]]
            + [_label_size(ax, text)[0] for text in column[len(bold):]]) - 8 + 2 * TABLE_PAD
        for column in zip(*bold, *plain)
    ]
    spare = max(0.0, PHONE_PX - 2 * MARGIN - sum(needed)) / len(needed)
    return [width + spare for width in needed]


def _draw_rows(ax: Axes, table: Table, header: Sequence[str], widths: Sequence[float],
               top: float) -> None:
    right = PHONE_PX - MARGIN
    edges = [right]
    for w in widths:
        edges.append(edges[-1] - w)
    left = max(edges[-1], 0.0)
    centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    ax.add_artist(FancyBboxPatch((left, top), right - left, 2 * TABLE_ROW,
                                 boxstyle="square,pad=0", fc=NODE_FILL, ec="none"))
    for x, text in zip(centres, header):
        _text(ax, x, top + TABLE_ROW, text, ha="center", va="center", fontsize=TEXT_PT,
              fontweight="bold", linespacing=1.0)
    for line, row in enumerate(table.rows, 2):
        y = top + TABLE_ROW * line
        index = line - 2
        target = index == table.highlight
        if target or index % 2 == 1:
            ax.add_artist(FancyBboxPatch((left, y), right - left, TABLE_ROW,
                                         boxstyle="square,pad=0", ec="none",
                                         fc=TARGET_FILL if target else ROW_TINT))
        if index in table.groups and index > 0:
            ax.plot([left, right], [y, y], color=MUTED, lw=1.0)
        for x, text in zip(centres, row):
            _text(ax, x, y + TABLE_ROW / 2, text, ha="center", va="center", fontsize=TEXT_PT,
                  color=END if target else INK, fontweight="bold" if target else "normal")


# --- the loss over several steps -----------------------------------------------------------


def render_losses(losses: Sequence[float], labels: CurveLabels) -> bytes:
    """The loss before the first step and after each step."""
    figure = new_figure(CURVE_HEIGHT)
    ax = figure.add_axes((0.17, 0.19, 0.76, 0.5))
    style_axes(ax)
    steps = range(len(losses))
    ax.plot(steps, losses, color=PATH, lw=2.8, marker="o", ms=7, zorder=3)
    title = ax.set_title(labels.title, color=INK, fontsize=TITLE_PT, pad=28)
    wrap_width(title, ax.bbox.width)
    name_axes(ax, labels.x_label, labels.y_label)
    ax.yaxis.set_label_coords(-0.12, 1.08)  # clear of the top tick's label
    lift_titles((ax,), 28)
    locator = ax.xaxis.get_major_locator()
    assert isinstance(locator, MaxNLocator)  # style_axes sets one
    locator.set_params(integer=True)
    return png_bytes(figure)
