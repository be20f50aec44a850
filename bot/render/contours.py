"""Contours of a quadratic loss over two parameters, for labs that draw descent paths
on them (/batch, /scale)."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes

from bot.render.canvas import MUTED

BANDS = colormaps["Blues_r"]
#: The lowest level sits this fraction of the way from the minimum to the top level.
DEEPEST = 1e-3


def loss_levels(minimum: float, top: float, count: int = 12) -> np.ndarray:
    """Levels L* + (top − L*)·r^k, evenly spaced on a log scale above the minimum, so
    both the valley floor and the far rim get lines."""
    return minimum + (top - minimum) * np.geomspace(DEEPEST, 1.0, count)


def draw_loss_contours(ax: Axes, grid: tuple[np.ndarray, np.ndarray, np.ndarray],
                       levels: np.ndarray) -> None:
    """Filled bands (dark at the minimum) with thin level lines over them."""
    a, b, loss = grid
    ax.grid(False)
    low = min(float(loss.min()), float(levels[0]))
    high = max(float(loss.max()), float(levels[-1]))
    pad = 0.01 * max(high - low, abs(high), 1e-12)  # outer bands, whatever the sign of f
    ax.contourf(a, b, loss, levels=np.concatenate([[low - pad], levels, [high + pad]]), cmap=BANDS,
                alpha=0.35, zorder=0)
    ax.contour(a, b, loss, levels=levels, colors=MUTED, linewidths=0.6, alpha=0.7, zorder=1)
    ax.set_xlim(a[0, 0], a[0, -1])
    ax.set_ylim(b[0, 0], b[-1, 0])
