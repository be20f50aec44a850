"""The under/overfitting lab job: polynomials of degree 1..12 fitted by least squares to
noisy samples of sin(2πx), judged on a held-out validation split."""

from __future__ import annotations

import numpy as np

from bot.engine.regression import (
    CURVE_RANGE,
    curve_data,
    judge_fit,
    mean_squared,
    polynomial_fit,
    polynomial_value,
    split_indices,
    to_unit_interval,
    true_curve,
)
from bot.fa import fit as words
from bot.labdata.fit import DEGREES, FitRequest, FitResult, FitSummary
from bot.render.fit import FitPicture, render_fit

VALIDATION_FRACTION = 1 / 3
CURVE_SAMPLES = 400


def run_fit(request: FitRequest) -> FitResult:
    x, y = curve_data(request.n, request.noise, request.seed)
    t = to_unit_interval(x, *CURVE_RANGE)
    train, val = split_indices(request.n, VALIDATION_FRACTION, request.seed)
    fits = [polynomial_fit(t[train], y[train], d, request.l2) for d in DEGREES]

    def errors(coefficients: np.ndarray) -> tuple[float, float]:
        return (mean_squared(polynomial_value(coefficients, t[train]), y[train]),
                mean_squared(polynomial_value(coefficients, t[val]), y[val]))

    train_errors, val_errors = (np.array(column) for column in zip(*map(errors, fits)))
    index = DEGREES.index(request.degree)
    unregularised = None
    if request.l2 > 0:
        plain_fit = polynomial_fit(t[train], y[train], request.degree)
        unregularised = (*errors(plain_fit), float(np.sum(plain_fit[1:] ** 2)))
    summary = FitSummary(
        degree=request.degree,
        n=request.n,
        noise=request.noise,
        seed=request.seed,
        n_train=len(train),
        n_val=len(val),
        train_error=float(train_errors[index]),
        val_error=float(val_errors[index]),
        train_errors=tuple(float(e) for e in train_errors),
        val_errors=tuple(float(e) for e in val_errors),
        verdict=judge_fit(index, train_errors, val_errors, request.noise,
                          parameters=request.degree + 1, n_train=len(train), n_val=len(val)),
        coefficients=tuple(float(c) for c in fits[index]),
        l2=request.l2,
        unregularised=unregularised,
    )
    xs = np.linspace(*CURVE_RANGE, CURVE_SAMPLES)
    picture = FitPicture(
        train=(x[train], y[train]),
        val=(x[val], y[val]),
        curve=(xs, true_curve(xs)),
        fitted=(xs, polynomial_value(fits[index], to_unit_interval(xs, *CURVE_RANGE))),
        degrees=np.array(DEGREES),
        train_errors=train_errors,
        val_errors=val_errors,
        degree=request.degree,
        noise_variance=request.noise**2,
    )
    return FitResult(summary=summary, png=render_fit(picture, words.picture_labels(summary)))
