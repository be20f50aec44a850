"""The feature-scaling lab job: one linear regression, once on raw features (area in m²
next to a room count) and once on standardised ones, each descended with its own
largest stable-and-monotone learning rate 1/λmax until both reach the same loss.

Both versions subtract each column's mean (the intercept is then the mean price, solved
exactly), so the only difference between them is the division by the standard
deviation: the picture isolates the effect of the features' ranges.
"""

from __future__ import annotations

import numpy as np

from bot.engine.regression import (
    DescentRun,
    QuadraticLoss,
    condition_number,
    descend_until,
    house_data,
    least_squares,
    mse,
    mse_hessian,
    standardise,
)
from bot.fa import scale as words
from bot.labdata.scale import TOLERANCE, FeatureRun, ScaleRequest, ScaleResult, ScaleSummary
from bot.render.scale import ScalePanel, ScalePicture, render_scale

MAX_STEPS = 20000
GRID_SAMPLES = 160
PADDING = 0.3  # room around the path and the optimum (the star must not sit on an edge)


def design(features: np.ndarray, prices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(raw X, standardised X, y): both X centred, y centred, so no intercept is needed."""
    return features - features.mean(axis=0), standardise(features), prices - prices.mean()


def run_scale(request: ScaleRequest) -> ScaleResult:
    features, prices = house_data(request.n, request.seed)
    raw_x, scaled_x, y = design(features, prices)
    start = np.zeros(2)
    best_loss = mse(raw_x, y, least_squares(raw_x, y))
    start_loss = mse(raw_x, y, start)
    target = best_loss + TOLERANCE * (start_loss - best_loss)
    runs = [_descend(x, y, start, target) for x in (raw_x, scaled_x)]
    summary = ScaleSummary(
        n=request.n,
        seed=request.seed,
        area_range=(float(features[:, 0].min()), float(features[:, 0].max())),
        rooms_range=(float(features[:, 1].min()), float(features[:, 1].max())),
        start_loss=start_loss,
        best_loss=best_loss,
        target_loss=target,
        raw=runs[0][0],
        scaled=runs[1][0],
    )
    raw_panel, scaled_panel = (_panel(x, y, *run) for x, run in zip((raw_x, scaled_x), runs))
    picture = ScalePicture(raw=raw_panel, scaled=scaled_panel, best_loss=best_loss,
                           target_loss=target)
    return ScaleResult(summary=summary, png=render_scale(picture, words.picture_labels(summary)))


def _descend(x: np.ndarray, y: np.ndarray, start: np.ndarray,
             target: float) -> tuple[FeatureRun, DescentRun]:
    eigenvalues = np.linalg.eigvalsh(mse_hessian(x))
    lr = 1.0 / float(eigenvalues[-1])
    run = descend_until(x, y, start, lr, target, MAX_STEPS)
    optimum = least_squares(x, y)
    summary = FeatureRun(
        condition_number=condition_number(x),
        lambda_max=float(eigenvalues[-1]),
        lambda_min=float(eigenvalues[0]),
        lr=lr,
        optimum=(float(optimum[0]), float(optimum[1])),
        steps_to_tol=run.iterations if run.losses[-1] <= target else None,
        path=tuple((float(a), float(b)) for a, b in run.path),
        losses=tuple(float(v) for v in run.losses),
    )
    return summary, run


def _panel(x: np.ndarray, y: np.ndarray, summary: FeatureRun, run: DescentRun) -> ScalePanel:
    """The loss around the path on a square window (equal axes keep the true shape)."""
    optimum = np.array(summary.optimum)
    points = np.vstack([run.path, optimum[None, :]])
    low, high = points.min(axis=0), points.max(axis=0)
    centre, half = (low + high) / 2, float(np.max(high - low)) / 2 * (1 + PADDING)
    a, b = np.meshgrid(np.linspace(centre[0] - half, centre[0] + half, GRID_SAMPLES),
                       np.linspace(centre[1] - half, centre[1] + half, GRID_SAMPLES))
    return ScalePanel(grid=(a, b, QuadraticLoss.of(x, y).at(a, b)), path=run.path,
                      optimum=optimum, losses=run.losses, steps_to_tol=summary.steps_to_tol)
