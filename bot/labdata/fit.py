"""The data of the fit lab: its request, summary and result (plain, picklable), shared
by the lab job (:mod:`bot.labs.fit`) and its wording (:mod:`bot.fa.fit`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_DEGREE = 12


DEGREES = tuple(range(1, MAX_DEGREE + 1))


#: The default data set: a split on which the textbook pattern shows (degree 1
#: underfits, 3 fits, 9 overfits); any other seed is one option away.
DEFAULT_SEED = 2


@dataclass(frozen=True)
class FitRequest:
    degree: int = 3
    n: int = 30
    noise: float = 0.2
    seed: int = DEFAULT_SEED
    l2: float = 0.0  # λ of the penalty λ·Σ c_k² (no penalty on the intercept)

    @property
    def key(self) -> str:
        return f"fit|{self.degree}|{self.n}|{self.noise!r}|{self.seed}|{self.l2!r}"


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
    l2: float = 0.0
    #: The same degree fitted without the penalty (train, validation error, Σc²), for comparison.
    unregularised: tuple[float, float, float] | None = None

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
            "l2": self.l2,
            "without_l2": None if self.unregularised is None else dict(
                zip(("train", "val", "coefficients_squared"), self.unregularised)),
        }


@dataclass(frozen=True)
class FitResult:
    summary: FitSummary
    png: bytes
