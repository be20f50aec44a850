"""The data of the scale lab: its request, summary and result (plain, picklable), shared
by the lab job (:mod:`bot.labs.scale`) and its wording (:mod:`bot.fa.scale`)."""

from __future__ import annotations

from dataclasses import dataclass

#: Both runs stop at L* + TOLERANCE·(L0 − L*): the same loss for both.
TOLERANCE = 1e-3


@dataclass(frozen=True)
class ScaleRequest:
    n: int = 100
    seed: int = 0

    @property
    def key(self) -> str:
        return f"scale|{self.n}|{self.seed}"


@dataclass(frozen=True)
class FeatureRun:
    """Gradient descent on one version of the features."""

    condition_number: float
    lambda_max: float
    lambda_min: float
    lr: float
    optimum: tuple[float, float]
    steps_to_tol: int | None  # None: not within MAX_STEPS
    path: tuple[tuple[float, float], ...]
    losses: tuple[float, ...]

    @property
    def final_loss(self) -> float:
        return self.losses[-1]

    def to_data(self) -> dict[str, object]:
        return {
            "steps_to_tol": self.steps_to_tol,
            "condition_number": self.condition_number,
            "lambda_max": self.lambda_max,
            "lambda_min": self.lambda_min,
            "lr": self.lr,
            "optimum": list(self.optimum),
            "path": [list(p) for p in self.path],
            "final_loss": self.final_loss,
        }


@dataclass(frozen=True)
class ScaleSummary:
    n: int
    seed: int
    area_range: tuple[float, float]
    rooms_range: tuple[float, float]
    start_loss: float
    best_loss: float
    target_loss: float
    raw: FeatureRun
    scaled: FeatureRun

    def to_data(self) -> dict[str, object]:
        return {
            "n": self.n,
            "seed": self.seed,
            "tolerance": TOLERANCE,
            "start_loss": self.start_loss,
            "best_loss": self.best_loss,
            "target_loss": self.target_loss,
            "raw": self.raw.to_data(),
            "scaled": self.scaled.to_data(),
        }


@dataclass(frozen=True)
class ScaleResult:
    summary: ScaleSummary
    png: bytes
