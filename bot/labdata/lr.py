"""The data of the lr lab: its request, summary and result (plain, picklable), shared
by the lab job (:mod:`bot.labs.lr`) and its wording (:mod:`bot.fa.lr`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.bounds import Bounds
from bot.engine.canonical import function_key
from bot.labdata.gd import limit_data
from bot.labdata.path import TracedPath


@dataclass(frozen=True)
class LRRequest:
    """A normalised /lr request; equal requests give equal pictures (the cache key)."""

    function: str
    x0: tuple[float, ...]
    lrs: tuple[float, ...]
    steps: int

    @property
    def key(self) -> str:
        canonical = function_key(self.function)
        x0 = ",".join(repr(v) for v in self.x0)
        lrs = ",".join(repr(v) for v in self.lrs)
        return f"lr|{canonical}|{x0}|{lrs}|{self.steps}"


@dataclass(frozen=True)
class LRRun(TracedPath):
    lr: float
    path: tuple[tuple[float, ...], ...]
    values: tuple[float, ...]
    verdict: str
    stopped: str
    factor: float | None  # 1 − lr·λmax for a quadratic, else None

    def to_data(self) -> dict[str, object]:
        return {
            "lr": self.lr,
            "path": [list(p) for p in self.path],
            "final": list(self.final),
            "final_value": self.final_value,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class LRSummary:
    function: str
    function_pretty: str
    variables: tuple[str, ...]
    x0: tuple[float, ...]
    steps: int
    runs: tuple[LRRun, ...]
    lambda_max: float | None  # the largest curvature of a convex quadratic
    thresholds: tuple[float, float] | None  # (monotone below, diverges above)
    bounds: Bounds  # what is proven about f's lower bound

    def to_data(self) -> dict[str, object]:
        thresholds = None
        if self.thresholds is not None:
            thresholds = {"monotone_below": self.thresholds[0],
                          "diverge_above": self.thresholds[1]}
        return {
            "function": self.function,
            "x0": list(self.x0) if len(self.x0) > 1 else self.x0[0],
            "steps": self.steps,
            "runs": [run.to_data() for run in self.runs],
            "thresholds": thresholds,
            "no_minimum": limit_data(self.bounds.no_minimum),
        }


@dataclass(frozen=True)
class LRResult:
    summary: LRSummary
    png: bytes
