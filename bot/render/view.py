"""Which part of a path to show, and the window around it.

A diverging run leaves any sensible window after a few steps; the picture keeps the
prefix that stays near the start and the caption says where the rest went.
"""

from __future__ import annotations

import numpy as np

#: A diverging path is drawn while it stays within this many start scales of x0.
DIVERGED_REACH = 6.0
PADDING = 0.2


def visible_prefix(path: np.ndarray, diverged: bool) -> int:
    """How many leading points of ``path`` to draw (at least two when there are two)."""
    if not diverged or len(path) <= 2:
        return len(path)
    start = path[0]
    scale = max(float(np.linalg.norm(start)), float(np.linalg.norm(path[1] - start)), 1.0)
    distance = np.linalg.norm(path - start, axis=1)
    outside = np.nonzero(distance > DIVERGED_REACH * scale)[0]
    return max(int(outside[0]) if len(outside) else len(path), 2)


def window(points: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) corners of a window that holds ``points`` and is centred on ``centre``.

    Centring on the last shown point draws both sides of the valley a converging run
    ends in; every axis gets the same half-width so contours are not distorted.
    """
    reach = float(np.max(np.abs(points - centre))) if len(points) else 0.0
    half = max(reach * (1 + PADDING), 0.5, 0.1 * float(np.max(np.abs(centre))))
    return centre - half, centre + half
