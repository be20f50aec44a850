"""Which part of a path to show, and the window around it.

A diverging run leaves any sensible window after a few steps; the picture keeps the
prefix that stays near the start and the caption says where the rest went.
"""

from __future__ import annotations

from collections.abc import Callable

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


def window(points: np.ndarray, centre: np.ndarray,
           padding: float = PADDING) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) corners of a window that holds ``points`` and is centred on ``centre``.

    Centring on the last shown point draws both sides of the valley a converging run
    ends in; every axis gets the same half-width so contours are not distorted.
    """
    reach = float(np.max(np.abs(points - centre))) if len(points) else 0.0
    half = max(reach * (1 + padding), 0.5, 0.1 * float(np.max(np.abs(centre))))
    return centre - half, centre + half


#: Samples used to look for the valley beside a 1-D path.
VALLEY_SAMPLES = 801
#: How many times the search for a valley widens (doubling) before giving up.
VALLEY_WIDENINGS = 6


def nearest_valley(values: Callable[[np.ndarray], np.ndarray], path_x: np.ndarray) -> float | None:
    """The local minimum of a 1-D function closest to where the path ended, looked for
    in a window around the path that widens until one is found (None: none nearby)."""
    low, high = float(np.min(path_x)), float(np.max(path_x))
    end = float(path_x[-1])
    reach = max(high - low, 0.5, 0.1 * max(abs(low), abs(high)))
    for _ in range(VALLEY_WIDENINGS):
        xs = np.linspace(low - reach, high + reach, VALLEY_SAMPLES)
        with np.errstate(all="ignore"):
            ys = np.asarray(values(xs), dtype=float)
        inner = ys[1:-1]
        dips = np.nonzero(np.isfinite(inner) & (inner < ys[:-2]) & (inner <= ys[2:]))[0] + 1
        if len(dips):
            return float(xs[dips[np.argmin(np.abs(xs[dips] - end))]])
        reach *= 2
    return None


def line_window(values: Callable[[np.ndarray], np.ndarray], path_x: np.ndarray,
                diverged: bool) -> tuple[float, float]:
    """(low, high) of the x axis for a 1-D run: the path and the valley it heads for
    (or sits beside), with a margin; not centred on the path's end, so a long descent
    does not drag in a far, steep part of the curve that flattens everything else."""
    low, high = float(np.min(path_x)), float(np.max(path_x))
    valley = None if diverged else nearest_valley(values, path_x)
    if valley is not None:
        low, high = min(low, valley), max(high, valley)
    span = max(high - low, 0.5, 0.1 * max(abs(low), abs(high)))
    centre = (low + high) / 2
    half = span / 2 * (1 + 2 * PADDING)
    return centre - half, centre + half


def valley_limits(curve_y: np.ndarray, path_y: np.ndarray) -> tuple[float, float] | None:
    """The y range of a 1-D picture: from the valley's floor (the curve's lowest point in
    view) to the path's highest point, with room above for labels. Where the curve climbs
    out at the sides matters less than the path and the valley, which a range holding
    the curve's extremes would flatten. None when nothing is finite."""
    curve = curve_y[np.isfinite(curve_y)]
    path = path_y[np.isfinite(path_y)]
    if curve.size == 0 and path.size == 0:
        return None
    low = float(np.min(np.concatenate([curve, path])))
    high = float(path.max()) if path.size else float(curve.max())
    if high - low <= 1e-9 * max(1.0, abs(high)) and curve.size:
        high = float(curve.max())  # the path rests at the floor: show the valley's walls
    span = high - low if high > low else 1.0
    return low - 0.1 * span, high + 0.22 * span
