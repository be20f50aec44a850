"""The data of the batch lab: its request, summary and result (plain, picklable), shared
by the lab job (:mod:`bot.labs.batch`) and its wording (:mod:`bot.fa.batch`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BatchRequest:
    n: int = 200
    batches: tuple[int, ...] = (1, 16, 200)
    epochs: int = 10
    lr: float = 0.05
    seed: int = 0

    @property
    def key(self) -> str:
        sizes = ",".join(str(b) for b in self.batches)
        return f"batch|{self.n}|{sizes}|{self.epochs}|{self.lr!r}|{self.seed}"


@dataclass(frozen=True)
class RunSummary:
    batch: int
    per_epoch: int
    iterations: int
    path: tuple[tuple[float, float], ...]
    losses: tuple[float, ...]
    diverged: bool

    @property
    def final(self) -> tuple[float, float, float]:
        """(w, b, loss) after the last update."""
        return (*self.path[-1], self.losses[-1])

    def to_data(self) -> dict[str, object]:
        w, b, loss = self.final
        return {
            "batch": self.batch,
            "iterations_per_epoch": self.per_epoch,
            "iterations": self.iterations,
            "path": [list(p) for p in self.path],
            "losses": list(self.losses),
            "final": {"w": w, "b": b, "loss": loss},
            "diverged": self.diverged,
        }


@dataclass(frozen=True)
class BatchSummary:
    n: int
    epochs: int
    lr: float
    seed: int
    start: tuple[float, float]
    runs: tuple[RunSummary, ...]
    optimum: tuple[float, float, float]  # (w, b, loss) from numpy.linalg.lstsq

    def to_data(self) -> dict[str, object]:
        w, b, loss = self.optimum
        return {
            "n": self.n,
            "epochs": self.epochs,
            "lr": self.lr,
            "seed": self.seed,
            "start": list(self.start),
            "runs": [run.to_data() for run in self.runs],
            "optimum": {"w": w, "b": b, "loss": loss},
        }


@dataclass(frozen=True)
class BatchResult:
    summary: BatchSummary
    png: bytes
