"""The data of the gd lab: its request, summary and result (plain, picklable), shared
by the lab job (:mod:`bot.labs.gd`) and its wording (:mod:`bot.fa.gd`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.engine.bounds import Bounds, LineLimit
from bot.engine.canonical import function_key


@dataclass(frozen=True)
class GDRequest:
    """A normalised /gd request; equal requests give equal pictures (the cache key)."""

    function: str  # the user's text, already normalised to ASCII
    x0: tuple[float, ...]
    lr: float
    steps: int
    anim: bool = False

    @property
    def key(self) -> str:
        canonical = function_key(self.function)
        x0 = ",".join(repr(v) for v in self.x0)
        return f"gd|{canonical}|{x0}|{self.lr!r}|{self.steps}|{int(self.anim)}"

    def with_(self, **changes: object) -> GDRequest:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GDSummary:
    """The numbers a caption and ``try --json`` need."""

    function: str
    function_pretty: str
    gradient: tuple[str, ...]
    gradient_pretty: tuple[str, ...]
    variables: tuple[str, ...]
    x0: tuple[float, ...]
    lr: float
    steps: int
    steps_taken: int
    path: tuple[tuple[float, ...], ...]
    final: tuple[float, ...]
    final_value: float
    verdict: str
    stopped: str
    lr_times_lambda: float | None
    lr_times_lowest: float | None
    curvature_exact: bool
    shown_points: int
    gradient_norm: float  # |∇f| at the end
    zigzag: bool  # most steps reversed direction
    hilltop: bool  # a "saddle" verdict where f curves down in every direction
    uphill_steps: int  # steps that raised f
    bounds: Bounds  # what is proven about f's lower bound

    def to_data(self) -> dict[str, object]:
        return {
            "function": self.function,
            "derivative": list(self.gradient) if len(self.gradient) > 1 else self.gradient[0],
            "x0": list(self.x0) if len(self.x0) > 1 else self.x0[0],
            "lr": self.lr,
            "steps": self.steps,
            "path": [list(p) for p in self.path],
            "final": list(self.final),
            "final_value": self.final_value,
            "verdict": self.verdict,
            "gradient_norm": self.gradient_norm,
            "no_minimum": limit_data(self.bounds.no_minimum),
        }


def limit_data(limit: LineLimit | None) -> dict[str, object] | None:
    """A line along which f falls without bound, for ``try --json``: f(base + t·direction)
    → ``limit`` as t → ``t`` (from above if ``side`` is 1, below if −1)."""
    if limit is None:
        return None
    return {"base": list(limit.base), "direction": list(limit.direction), "t": limit.end,
            "side": limit.side, "limit": limit.value}


@dataclass(frozen=True)
class GDResult:
    summary: GDSummary
    png: bytes
    gif: bytes | None
