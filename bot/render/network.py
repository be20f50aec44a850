"""Pictures of one backprop step: the network as a graph, a table of every parameter,
and the loss over several steps.

The graph is drawn in pixel coordinates on one axes that fills the figure (y grows
downwards), so sizes of circles, gaps and fonts are chosen in the units a phone shows.
All wording arrives ready-made (the Persian layer supplies it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch

from bot.render.canvas import END, INK, MUTED, PATH, new_figure, png_bytes, style_axes

NETWORK_SIZE = (1280, 860)
CURVE_SIZE = (800, 480)
ON_PATH = "#f08c00"
EDGE = "#ced4da"
NODE_FILL = "#e7f5ff"
PATH_FILL = "#fff4e6"
TARGET_FILL = "#ffe3e3"
ROW_TINT = "#f8f9fa"
#: Label every edge of a layer with at most this many edges; in denser layers only the
#: target's own edge is labelled (the table image lists them all).
MAX_LABELLED_EDGES = 12
TABLE_ROW = 34
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


@dataclass(frozen=True)
class _Layout:
    xs: tuple[float, ...]  # centre of each column, then the loss box
    ys: tuple[tuple[float, ...], ...]  # centres of the nodes of each column
    radius: float
    font: float  # node-note size in points


def _layout(sizes: Sequence[int]) -> _Layout:
    width, height = NETWORK_SIZE
    top, bottom = 175.0, height - 95.0
    count = len(sizes)
    left, right = 110.0, width - 300.0
    gap = (right - left) / (count - 1)
    xs = tuple(left + gap * c for c in range(count)) + (width - 115.0,)
    spacing = min(230.0, (bottom - top) / max(sizes))
    ys = tuple(
        tuple((top + bottom) / 2 + spacing * (n - (size - 1) / 2) for n in range(size))
        for size in sizes
    )
    radius = min(40.0, spacing * 0.26)
    return _Layout(xs, ys, radius, font=12.0 if spacing >= 120 else 10.0)


def _edge_colour(edge: Edge, highlight: Highlight) -> tuple[str, float, int]:
    if edge == highlight.target_edge:
        return END, 4.0, 3
    if edge in highlight.edges:
        return ON_PATH, 2.6, 2
    return EDGE, 1.4, 1


def _label_box(colour: str) -> dict[str, object]:
    return {"boxstyle": "round,pad=0.25", "fc": "white", "ec": colour, "lw": 0.8, "alpha": 0.92}


def _draw_edges(ax: Axes, layout: _Layout, highlight: Highlight, labels: NetworkLabels) -> None:
    for layer, texts in enumerate(labels.edges):
        x0, x1 = layout.xs[layer], layout.xs[layer + 1]
        dense = sum(len(row) for row in texts) > MAX_LABELLED_EDGES
        for j, row in enumerate(texts):
            for i, text in enumerate(row):
                y0, y1 = layout.ys[layer][i], layout.ys[layer + 1][j]
                colour, width, order = _edge_colour((layer, j, i), highlight)
                ax.plot([x0, x1], [y0, y1], color=colour, lw=width, zorder=order,
                        solid_capstyle="round")
                if dense and (layer, j, i) != highlight.target_edge:
                    continue
                t = 0.3 if layer + 1 < len(layout.ys) - 1 or len(row) > 1 else 0.45
                ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), text, ha="center",
                        va="center", fontsize=10.5 if colour != END else 11.5, color=INK,
                        fontweight="bold" if colour == END else "normal", zorder=6,
                        bbox=_label_box(colour if colour != EDGE else MUTED))


def _node_style(node: Node, highlight: Highlight) -> tuple[str, str, float]:
    if node == highlight.target_node:
        return TARGET_FILL, END, 3.5
    if node in highlight.nodes:
        return PATH_FILL, ON_PATH, 2.6
    return NODE_FILL, PATH, 1.6


def _draw_nodes(ax: Axes, layout: _Layout, highlight: Highlight, labels: NetworkLabels) -> None:
    r = layout.radius
    for column, ys in enumerate(layout.ys):
        x = layout.xs[column]
        for n, y in enumerate(ys):
            fill, edge, width = _node_style((column, n), highlight)
            ax.add_patch(Circle((x, y), r, fc=fill, ec=edge, lw=width, zorder=7))
            ax.text(x, y, labels.names[column][n], ha="center", va="center",
                    fontsize=15 if r >= 30 else 12, fontweight="bold", color=INK, zorder=8)
            ax.text(x, y + r + 6, labels.notes[column][n], ha="center", va="top",
                    fontsize=layout.font, color=INK, zorder=8, linespacing=1.25,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                          "alpha": 0.85})


def _draw_loss(ax: Axes, layout: _Layout, highlight: Highlight, text: str) -> None:
    x, outputs = layout.xs[-1], layout.ys[-1]
    y = sum(outputs) / len(outputs)
    last = len(layout.ys) - 1
    for n, y_out in enumerate(outputs):
        on_path = (last, n) in highlight.nodes or (last, n) == highlight.target_node
        ax.plot([layout.xs[-2] + layout.radius, x - 80], [y_out, y],
                color=ON_PATH if on_path else EDGE, lw=2.6 if on_path else 1.4,
                ls=(0, (4, 3)), zorder=1)
    ax.add_patch(FancyBboxPatch((x - 80, y - 48), 160, 96, boxstyle="round,pad=4",
                                fc=PATH_FILL, ec=ON_PATH, lw=2.4, zorder=7))
    ax.text(x, y, text, ha="center", va="center", fontsize=13, color=INK, zorder=8,
            linespacing=1.4)


def _draw_legend(ax: Axes, labels: NetworkLabels) -> None:
    handles = [Line2D([], [], color=END, lw=4), Line2D([], [], color=ON_PATH, lw=2.6)]
    ax.legend(handles, labels.legend[:2], loc="lower right", bbox_to_anchor=(0.99, 0.005),
              fontsize=12, frameon=False, ncols=2)
    ax.text(0.01, 0.02, labels.legend[2], transform=ax.transAxes, ha="left", va="bottom",
            fontsize=12, color=MUTED)


def render_network(sizes: Sequence[int], highlight: Highlight, labels: NetworkLabels) -> bytes:
    """The network as a layered graph with its forward values, weights and gradients."""
    width, height = NETWORK_SIZE
    figure = new_figure(width, height)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    layout = _layout(sizes)
    ax.text(width / 2, 28, labels.title, ha="center", va="top", fontsize=19,
            fontweight="bold", color=INK)
    for x, title in zip(layout.xs, labels.columns):
        ax.text(x, 112, title, ha="center", va="center", fontsize=14, color=MUTED)
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
    figure = new_figure(width, height)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    ax.text(width / 2, 24, table.title, ha="center", va="top", fontsize=17,
            fontweight="bold", color=INK)
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
    centres = [(a + b) / 2 for a, b in zip(edges, edges[1:])]
    top = 100.0
    ax.add_patch(FancyBboxPatch((edges[-1], top), right - edges[-1], TABLE_ROW,
                                boxstyle="square,pad=0", fc=NODE_FILL, ec="none"))
    for x, text in zip(centres, table.header):
        ax.text(x, top + TABLE_ROW / 2, text, ha="center", va="center", fontsize=13,
                fontweight="bold", color=INK)
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
            ax.text(x, y + TABLE_ROW / 2, text, ha="center", va="center", fontsize=13,
                    color=END if target else INK, fontweight="bold" if target else "normal")


# --- the loss over several steps -----------------------------------------------------------


def render_losses(losses: Sequence[float], labels: CurveLabels) -> bytes:
    """The loss before the first step and after each step."""
    figure = new_figure(*CURVE_SIZE)
    ax = figure.add_subplot()
    style_axes(ax)
    steps = range(len(losses))
    ax.plot(steps, losses, color=PATH, lw=2.2, marker="o", ms=6, zorder=3)
    ax.set_title(labels.title, color=INK, fontsize=14)
    ax.set_xlabel(labels.x_label, color=INK, fontsize=12)
    ax.set_ylabel(labels.y_label, color=INK, fontsize=12)
    ax.tick_params(labelsize=11)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return png_bytes(figure)
