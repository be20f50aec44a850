"""The data of the opt lab: its request, summary and result (plain, picklable), shared
by the lab job (:mod:`bot.labs.opt`) and its wording (:mod:`bot.fa.opt`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.bounds import Bounds
from bot.engine.canonical import function_key
from bot.engine.presets import (
    GENERIC_LRS,
    PRESETS,
    Point,
)
from bot.labdata.gd import limit_data
from bot.labdata.path import TracedPath


@dataclass(frozen=True)
class OptRequest:
    """A normalised /opt request; equal requests give equal pictures (the cache key)."""

    function: str  # the user's text (ASCII) or the preset's function
    x0: tuple[float, ...]
    steps: int
    optimizers: tuple[str, ...]
    lr: float | None = None  # None: each optimizer's own default rate
    beta: float | None = None
    preset: str | None = None
    anim: bool = False
    #: None: torch's defaults (0, and 0.01 for AdamW); else λ for every optimizer.
    weight_decay: float | None = None

    @property
    def key(self) -> str:
        canonical = function_key(self.function)
        x0 = ",".join(repr(v) for v in self.x0)
        return (f"opt|{self.preset or ''}|{canonical}|{x0}|{self.steps}|"
                f"{','.join(self.optimizers)}|{self.lr!r}|{self.beta!r}|{int(self.anim)}|"
                f"{self.weight_decay!r}")

    def learning_rate(self, optimizer: str) -> float:
        if self.lr is not None:
            return self.lr
        rates = PRESETS[self.preset].lrs if self.preset else GENERIC_LRS
        return rates[optimizer]

    @property
    def lr_source(self) -> str:
        """"user" (lr= given), "preset" or "generic" (the per-optimizer defaults)."""
        return "user" if self.lr is not None else "preset" if self.preset else "generic"


@dataclass(frozen=True)
class KnownMinimum:
    """What is known about where the surface is lowest (nothing, for most functions)."""

    minima: tuple[Point, ...] = ()
    f_min: float | None = None
    local_minima: tuple[Point, ...] = ()
    unbounded: bool = False  # a quadratic with no minimum at all: f falls without end


@dataclass(frozen=True)
class RunSummary(TracedPath):
    optimizer: str
    colour: str
    hyper: dict[str, object]
    path: tuple[tuple[float, ...], ...]
    values: tuple[float, ...]
    verdict: str
    stopped: str  # "steps" or "nonfinite" (the next point left every bound)
    steps_to_tol: int | None
    settled_local: bool  # converged to a known local minimum, not a global one

    def to_data(self) -> dict[str, object]:
        hyper = {k: list(v) if isinstance(v, tuple) else v for k, v in self.hyper.items()}
        return {
            "optimizer": self.optimizer,
            "hyper": hyper,
            "path": [list(p) for p in self.path],
            "final": list(self.final),
            "final_value": self.final_value,
            "verdict": self.verdict,
            "steps_to_tol": self.steps_to_tol,
        }


@dataclass(frozen=True)
class OptSummary:
    """The numbers a caption and ``try --json`` need."""

    function: str
    function_pretty: str
    variables: tuple[str, ...]
    preset: str | None
    x0: tuple[float, ...]
    steps: int
    lr: float | None
    lr_source: str
    beta: float | None
    known: KnownMinimum
    tol: float
    runs: tuple[RunSummary, ...]
    bounds: Bounds  # what is proven about f's lower bound (nothing for a preset)
    weight_decay: float | None = None  # wd=, for every optimizer

    def to_data(self) -> dict[str, object]:
        return {
            "function": self.function,
            "preset": self.preset,
            "x0": list(self.x0) if len(self.x0) > 1 else self.x0[0],
            "steps": self.steps,
            "tol": self.tol,
            "f_min": self.known.f_min,
            "no_minimum": limit_data(self.bounds.no_minimum),
            "weight_decay": self.weight_decay,
            "runs": [run.to_data() for run in self.runs],
        }


@dataclass(frozen=True)
class OptResult:
    summary: OptSummary
    png: bytes
    gif: bytes | None
