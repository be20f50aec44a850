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
from typing import Any

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch
from matplotlib.ticker import MaxNLocator

from bot.render.canvas import (
    END,
    INK,
    MUTED,
    PATH,
    TITLE_PT,
    new_figure,
    png_bytes,
    style_axes,
)
from bot.render.labels import name_axes, wrap_width

#: The graph and the table are laid out in their own pixels (wider than a phone: a graph
#: with every weight and gradient needs the room); the loss curve is phone-first.
NETWORK_SIZE = (1280, 860)
TALL_SIZE = (1280, 1180)
CURVE_HEIGHT = 380
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
TABLE_ROW = 38
TABLE_ROWS_PER_BLOCK = 30

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
    height: int
    xs: tuple[float, ...]  # centre of each column, then the loss box
    ys: tuple[tuple[float, ...], ...]  # centres of the nodes of each column
    radius: float
    note_font: float  # points; node notes and edge labels
    name_font: float


def _layout(sizes: Sequence[int]) -> _Layout:
    """Columns spread over the width; a column of five or six neurons gets a taller canvas
    so the two-line notes under its nodes fit between them."""
    width, height = NETWORK_SIZE if max(sizes) <= 4 else TALL_SIZE
    top, bottom = 200.0, height - 110.0
    left, right = 95.0, width - 290.0
    gap = (right - left) / (len(sizes) - 1)
    xs = (*(left + gap * c for c in range(len(sizes))), width - 125.0)
    spacing = min(320.0, (bottom - top) / max(sizes))
    ys = tuple(
        tuple((top + bottom) / 2 + spacing * (n - (size - 1) / 2) for n in range(size))
        for size in sizes
    )
    roomy = spacing >= 180 and gap >= 280
    radius = min(46.0, spacing * 0.25)
    return _Layout(width, height, xs, ys, radius,
                   note_font=15.0 if roomy else 12.0 if spacing >= 135 else 11.0,
                   name_font=19.0 if roomy else 15.0 if radius >= 34 else 13.0)


def _edge_style(edge: Edge, highlight: Highlight) -> tuple[str, float, int]:
    if edge == highlight.target_edge:
        return END, 4.5, 3
    if edge in highlight.edges:
        return ON_PATH, 2.8, 2
    return EDGE, 1.5, 1


def _label_size(text: str, points: float) -> tuple[float, float]:
    """Rough pixel size of a boxed label (digits are about 0.58 em wide)."""
    px = points * 100 / 72
    lines = text.split("\n")
    return 0.58 * px * max(len(line) for line in lines) + px, 1.25 * px * len(lines) + px * 0.7


def _candidates(layout: _Layout, x0: float, x1: float, dy: float) -> list[float]:
    """Where along an edge its label may sit, best first: clear of the nodes at both
    ends, nearer the source on a falling edge and nearer the target on a rising one (so
    the labels of two crossing edges do not meet at the crossing)."""
    clear = min(0.45, (layout.radius + 4.8 * layout.note_font + 12) / (x1 - x0))
    if abs(dy) < 1:
        return [0.5, (clear + 0.5) / 2, (1.5 - clear) / 2, clear, 1 - clear]
    near, far = (clear, 1 - clear) if dy > 0 else (1 - clear, clear)
    return [near, (near + 0.5) / 2, 0.5, (far + 0.5) / 2, far]


def _overlaps(box: tuple[float, float, float, float],
              placed: list[tuple[float, float, float, float]]) -> bool:
    x, y, w, h = box
    return any(abs(x - px) < (w + pw) / 2 and abs(y - py) < (h + ph) / 2
               for px, py, pw, ph in placed)


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


def _obstacles(layout: _Layout, labels: NetworkLabels) -> list[tuple[float, float, float, float]]:
    """Boxes (centre x, centre y, width, height) of every node and the note under it."""
    boxes = []
    r = layout.radius
    for column, ys in enumerate(layout.ys):
        for n, y in enumerate(ys):
            width, height = _label_size(labels.notes[column][n], layout.note_font)
            boxes.append((layout.xs[column], y, 2 * r, 2 * r))
            boxes.append((layout.xs[column], y + r + 5 + height / 2, width, height))
    return boxes


def _draw_edges(ax: Axes, layout: _Layout, highlight: Highlight, labels: NetworkLabels) -> None:
    """Every edge, then labels where they fit without covering a node, its note or another
    label (the target's label always)."""
    placed = _obstacles(layout, labels)
    for layer, texts in enumerate(labels.edges):
        x0, x1 = layout.xs[layer], layout.xs[layer + 1]
        for j, row in enumerate(texts):
            for i in range(len(row)):
                colour, width, order = _edge_style((layer, j, i), highlight)
                ax.plot([x0, x1], [layout.ys[layer][i], layout.ys[layer + 1][j]],
                        color=colour, lw=width, zorder=order, solid_capstyle="round")
    for layer, texts in enumerate(labels.edges):
        x0, x1 = layout.xs[layer], layout.xs[layer + 1]
        for edge in _labelled(layer, texts, highlight):
            _, j, i = edge
            text, target = texts[j][i], edge == highlight.target_edge
            y0, y1 = layout.ys[layer][i], layout.ys[layer + 1][j]
            size = _label_size(text, layout.note_font - 1)
            spots = [(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
                     for t in _candidates(layout, x0, x1, y1 - y0)]
            free = [spot for spot in spots if not _overlaps((*spot, *size), placed)]
            if not free and not target:
                continue
            x, y = (free or spots)[0]
            placed.append((x, y, *size))
            colour = _edge_style(edge, highlight)[0]
            _text(ax, x, y, text, ha="center", va="center", fontsize=layout.note_font - 1,
                  zorder=6 + target, fontweight="bold" if target else "normal",
                  bbox={"boxstyle": "round,pad=0.3", "fc": "white", "lw": 1.0,
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
            ax.add_patch(Circle((x, y), r, fc=fill, ec=edge, lw=width, zorder=8))
            _text(ax, x, y, labels.names[column][n], ha="center", va="center",
                  fontsize=layout.name_font, fontweight="bold", zorder=9)
            _text(ax, x, y + r + 5, labels.notes[column][n], ha="center", va="top",
                  fontsize=layout.note_font, zorder=9, linespacing=1.2,
                  bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                        "alpha": 0.9})


def _draw_loss(ax: Axes, layout: _Layout, highlight: Highlight, text: str) -> None:
    x, outputs = layout.xs[-1], layout.ys[-1]
    y = sum(outputs) / len(outputs)
    last = len(layout.ys) - 1
    for n, y_out in enumerate(outputs):
        on_path = (last, n) in highlight.nodes or (last, n) == highlight.target_node
        ax.plot([layout.xs[-2] + layout.radius, x - 85], [y_out, y],
                color=ON_PATH if on_path else EDGE, lw=2.8 if on_path else 1.5,
                ls=(0, (4, 3)), zorder=1)
    ax.add_patch(FancyBboxPatch((x - 85, y - 52), 170, 104, boxstyle="round,pad=4",
                                fc=PATH_FILL, ec=ON_PATH, lw=2.6, zorder=8))
    _text(ax, x, y, text, ha="center", va="center", fontsize=17, zorder=9, linespacing=1.4)


def _draw_legend(ax: Axes, labels: NetworkLabels) -> None:
    handles = [Line2D([], [], color=END, lw=4.5), Line2D([], [], color=ON_PATH, lw=2.8)]
    ax.legend(handles, labels.legend[:2], loc="lower right", bbox_to_anchor=(0.99, 0.01),
              prop={"size": 15}, frameon=False, ncols=2)
    _text(ax, 0.015, 0.025, labels.legend[2], transform=ax.transAxes, ha="left",
          va="bottom", fontsize=15, color=MUTED)


def render_network(sizes: Sequence[int], highlight: Highlight, labels: NetworkLabels) -> bytes:
    """The network as a layered graph with its forward values, weights and gradients."""
    layout = _layout(sizes)
    width, height = layout.width, layout.height
    figure = new_figure(height, scale=1.0, width=width)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    _text(ax, width / 2, 26, labels.title, ha="center", va="top", fontsize=23,
          fontweight="bold")
    for x, title in zip(layout.xs, labels.columns):
        _text(ax, x, 125, title, ha="center", va="center", fontsize=16, color=MUTED,
              linespacing=1.3)
    _draw_edges(ax, layout, highlight, labels)
    _draw_nodes(ax, layout, highlight, labels)
    _draw_loss(ax, layout, highlight, labels.loss)
    _draw_legend(ax, labels)
    return png_bytes(figure)


# --- the table ----------------------------------------------------------------------------


def _blocks(rows: int) -> int:
    """Side-by-side blocks: one up to 30 rows, at most three (168 rows at the size bound)."""
    return max(1, min(3, math.ceil(rows / TABLE_ROWS_PER_BLOCK)))


def render_table(table: Table) -> bytes:
    """The rows as a table image; many rows flow into up to three side-by-side blocks."""
    widths = (120, 180, 180, 190)[: len(table.header)]
    block_width = sum(widths) + 40
    blocks = _blocks(len(table.rows))
    per_block = math.ceil(len(table.rows) / blocks)
    width = max(block_width * blocks + 40, 760)
    height = 130 + TABLE_ROW * (per_block + 1)
    figure = new_figure(height, scale=1.0, width=width)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    _text(ax, width / 2, 24, table.title, ha="center", va="top", fontsize=19,
          fontweight="bold")
    for block in range(blocks):
        right = width - 20 - block * block_width - 20
        first = block * per_block
        _draw_block(ax, table, right, widths, range(first, min(first + per_block, len(table.rows))))
    return png_bytes(figure)


def _draw_block(ax: Axes, table: Table, right: float, widths: Sequence[int],
                rows: range) -> None:
    edges = [right]
    for w in widths:
        edges.append(edges[-1] - w)
    centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    top = 100.0
    ax.add_patch(FancyBboxPatch((edges[-1], top), right - edges[-1], TABLE_ROW,
                                boxstyle="square,pad=0", fc=NODE_FILL, ec="none"))
    for x, text in zip(centres, table.header):
        _text(ax, x, top + TABLE_ROW / 2, text, ha="center", va="center", fontsize=14,
              fontweight="bold")
    for line, index in enumerate(rows, 1):
        y = top + TABLE_ROW * line
        target = index == table.highlight
        if target or line % 2 == 0:
            ax.add_patch(FancyBboxPatch((edges[-1], y), right - edges[-1], TABLE_ROW,
                                        boxstyle="square,pad=0", ec="none",
                                        fc=TARGET_FILL if target else ROW_TINT))
        if index in table.groups and line > 1:
            ax.plot([edges[-1], right], [y, y], color=MUTED, lw=1.0)
        for x, text in zip(centres, table.rows[index]):
            _text(ax, x, y + TABLE_ROW / 2, text, ha="center", va="center", fontsize=14,
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
    locator = ax.xaxis.get_major_locator()
    assert isinstance(locator, MaxNLocator)  # style_axes sets one
    locator.set_params(integer=True)
    return png_bytes(figure)
