"""The under/overfitting lab job: polynomials of degree 1..12 fitted by least squares to
noisy samples of sin(2πx), judged on a held-out validation split."""

from __future__ import annotations

from dataclasses import dataclass

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
from bot.render.fit import FitPicture, render_fit

MAX_DEGREE = 12
DEGREES = tuple(range(1, MAX_DEGREE + 1))
VALIDATION_FRACTION = 1 / 3
CURVE_SAMPLES = 400
#: The default data set: a split on which the textbook pattern shows (degree 1
#: underfits, 3 fits, 9 overfits); any other seed is one option away.
DEFAULT_SEED = 2


@dataclass(frozen=True)
class FitRequest:
    degree: int = 3
    n: int = 30
    noise: float = 0.2
    seed: int = DEFAULT_SEED

    @property
    def key(self) -> str:
        return f"fit|{self.degree}|{self.n}|{self.noise!r}|{self.seed}"


@dataclass(frozen=True)
class FitSummary:
    degree: int
    n: int
    noise: float
    seed: int
    n_train: int
    n_val: int
    train_error: float
    val_error: float
    train_errors: tuple[float, ...]  # degree 1..MAX_DEGREE
    val_errors: tuple[float, ...]
    verdict: str
    coefficients: tuple[float, ...]  # lowest power first, in t = 2x − 1

    @property
    def best_degree(self) -> int:
        return DEGREES[int(np.argmin(self.val_errors))]

    def to_data(self) -> dict[str, object]:
        return {
            "degree": self.degree,
            "n": self.n,
            "noise": self.noise,
            "seed": self.seed,
            "n_train": self.n_train,
            "n_val": self.n_val,
            "train_error": self.train_error,
            "val_error": self.val_error,
            "errors_by_degree": [
                {"degree": d, "train": tr, "val": va}
                for d, tr, va in zip(DEGREES, self.train_errors, self.val_errors)
            ],
            "best_degree": self.best_degree,
            "verdict": self.verdict,
            "coefficients": list(self.coefficients),
            "basis": "t = 2x - 1",
        }


@dataclass(frozen=True)
class FitResult:
    summary: FitSummary
    png: bytes


def run_fit(request: FitRequest) -> FitResult:
    x, y = curve_data(request.n, request.noise, request.seed)
    t = to_unit_interval(x, *CURVE_RANGE)
    train, val = split_indices(request.n, VALIDATION_FRACTION, request.seed)
    fits = [polynomial_fit(t[train], y[train], d) for d in DEGREES]
    train_errors = np.array([mean_squared(polynomial_value(c, t[train]), y[train]) for c in fits])
    val_errors = np.array([mean_squared(polynomial_value(c, t[val]), y[val]) for c in fits])
    index = DEGREES.index(request.degree)
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
        verdict=judge_fit(index, train_errors, val_errors, request.noise),
        coefficients=tuple(float(c) for c in fits[index]),
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
