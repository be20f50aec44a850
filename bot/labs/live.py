"""The Mini App's lab jobs: the numbers of /gd and /opt without their pictures, and
what the page needs to draw them itself (the curve, or contour lines of the surface,
and each path), computed by the same engine in the render workers.

Coordinates are rounded to four significant digits of the view's extent (a tenth of a
pixel on a phone; the dragged start is snapped to three, so it stays exact), and a long
path or a contour line keeps one point per drawing cell (1/CELLS of the view each way,
under a pixel of a phone's chart): the page draws the same picture from a fifth of the
bytes. The exact numbers travel in ``summary``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import contourpy
import numpy as np

from bot.labdata.gd import GDRequest, GDSummary
from bot.labdata.opt import OptRequest, OptSummary
from bot.labs.gd import descend
from bot.labs.opt import COLOURS, race
from bot.render.contours import loss_levels
from bot.render.view import valley_limits

#: Contour lines drawn on a 2-D surface.
LEVELS = 14
#: Drawing cells across the view (a 360 px chart: about 0.7 px each).
CELLS = 500
#: Paths this short are drawn with a dot at every step (lab.js): sent whole.
DOTTED = 80

Plot = dict[str, object]


@dataclass(frozen=True)
class LiveGD:
    summary: GDSummary
    plot: Plot


@dataclass(frozen=True)
class LiveOpt:
    summary: OptSummary
    plot: Plot


def live_gd(request: GDRequest) -> LiveGD:
    """/gd's numbers and its drawing data; raises what :func:`bot.labs.gd.run_gd` raises."""
    summary, trajectory = descend(request)
    paths = [("#e8590c", trajectory.path, trajectory.reaches_end)]
    return LiveGD(summary, surface(trajectory.curve, trajectory.grid, paths))


def live_opt(request: OptRequest) -> LiveOpt:
    """/opt's numbers and its drawing data; raises what :func:`bot.labs.opt.run_opt` raises."""
    summary, picture = race(request)
    paths = [(COLOURS[run.optimizer][1], drawn.points, drawn.reaches_end)
             for run, drawn in zip(summary.runs, picture.runs)]
    return LiveOpt(summary, surface(picture.curve, picture.grid, paths))


def surface(curve: tuple[np.ndarray, np.ndarray] | None,
            grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
            paths: list[tuple[str, np.ndarray, bool]]) -> Plot:
    """1-D: the curve's samples and a y range that shows the valley and the path;
    2-D: contour lines (each a flat x0, y0, x1, y1, … list) in a square window."""
    if curve is not None:
        xs, ys = curve
        everything = np.concatenate([p[:, 1] for _, p, _ in paths]) if paths else ys
        limits = valley_limits(ys, everything)
        x_digits = _decimals(float(xs[-1] - xs[0]))
        y_digits = _decimals(limits[1] - limits[0]) if limits else 6
        # no y range (no limits): no cell, nothing thinned
        cell = (float(xs[-1] - xs[0]) / CELLS, (limits[1] - limits[0]) / CELLS if limits else 0.0)
        return {
            "dim": 1,
            "xlim": _rounded(np.array([xs[0], xs[-1]]), x_digits),
            "ylim": _rounded(np.array(limits), y_digits) if limits else None,
            "x": _rounded(xs, x_digits),
            "y": _rounded(ys, y_digits),
            "paths": [_path(colour, points, ends, (x_digits, y_digits), cell)
                      for colour, points, ends in paths],
        }
    assert grid is not None
    gx, gy, gz = grid
    digits = _decimals(float(gx[0, -1] - gx[0, 0]))
    cell = (float(gx[0, -1] - gx[0, 0]) / CELLS, float(gy[-1, 0] - gy[0, 0]) / CELLS)
    return {
        "dim": 2,
        "xlim": _rounded(np.array([gx[0, 0], gx[0, -1]]), digits),
        "ylim": _rounded(np.array([gy[0, 0], gy[-1, 0]]), digits),
        "lines": _contours(gx, gy, gz, digits, cell),
        "paths": [_path(colour, points, ends, (digits, digits), cell)
                  for colour, points, ends in paths],
    }


def _contours(gx: np.ndarray, gy: np.ndarray, gz: np.ndarray, digits: int,
              cell: tuple[float, float]) -> list[list[float | None]]:
    finite = gz[np.isfinite(gz)]
    if finite.size == 0 or float(finite.max()) <= float(finite.min()):
        return []
    generator = contourpy.contour_generator(gx, gy, np.ma.masked_invalid(gz),
                                            line_type=contourpy.LineType.Separate)
    lines: list[list[float | None]] = []
    for level in loss_levels(float(finite.min()), float(finite.max()), LEVELS):
        for line in generator.lines(float(level)):
            lines.append(_rounded(thinned(np.asarray(line), cell).reshape(-1), digits))
    return lines


def _path(colour: str, points: np.ndarray, reaches_end: bool,
          digits: tuple[int, int], cell: tuple[float, float]) -> dict[str, object]:
    if len(points) > DOTTED:
        points = thinned(points, cell)
    return {"colour": colour, "reaches_end": reaches_end,
            "x": _rounded(points[:, 0], digits[0]), "y": _rounded(points[:, 1], digits[1])}


def thinned(points: np.ndarray, cell: tuple[float, float]) -> np.ndarray:
    """The points of a polyline (n × 2) without those in the same drawing cell as the
    point before them: the line drawn through the rest stays within a cell of the whole
    one. The first and last points, and the points at a gap (not finite), are kept."""
    if len(points) <= 2 or not all(math.isfinite(c) and c > 0 for c in cell):
        return points
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        cells = np.floor(points / np.asarray(cell))
    finite = np.isfinite(cells).all(axis=1)
    same = (cells[1:] == cells[:-1]).all(axis=1) & finite[1:] & finite[:-1]
    keep = np.concatenate([[True], ~same])
    keep[-1] = True
    return points[keep]


def _decimals(span: float) -> int:
    """Decimals that keep four significant digits of a view ``span`` wide."""
    if not math.isfinite(span) or span <= 0:
        return 6
    return min(15, max(0, 3 - math.floor(math.log10(span))))


def _rounded(values: np.ndarray, decimals: int) -> list[float | None]:
    """Rounded floats for JSON; null where not finite (a gap in the drawing)."""
    rounded = np.round(np.asarray(values, dtype=float), decimals)
    return [float(v) if math.isfinite(v) else None for v in rounded.tolist()]
