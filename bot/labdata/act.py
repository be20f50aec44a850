"""The data of the act lab: its request, summary and result (plain, picklable), shared
by the lab job (:mod:`bot.labs.act`) and its wording (:mod:`bot.fa.act`)."""

from __future__ import annotations

from dataclasses import dataclass

#: How data and captions name a peak that is not a single point.
ARGMAX_NAMES = {"positive": "z>0", "nonnegative": "z>=0", "everywhere": "all z",
                "infinity": "z->+inf"}


@dataclass(frozen=True)
class ActRequest:
    name: str = "sigmoid"
    depth: int = 10
    w: float = 1.0
    a0: float = 1.0  # the input of the real forward pass

    @property
    def key(self) -> str:
        return f"act|{self.name}|{self.depth}|{self.w!r}|{self.a0!r}"


@dataclass(frozen=True)
class ActSummary:
    """The numbers a caption and ``try --json`` need."""

    name: str
    max_derivative: float
    where: str  # Peak.where
    argmax: float  # the point, a representative z of the half-line, or +∞
    depth: int
    w: float
    factor: float  # w·max act'
    regime: str
    products: tuple[float, ...]
    side_z: float
    side_derivative: float
    side_products: tuple[float, ...]
    a0: float
    forward_z: tuple[float, ...]  # the pre-activations of a real forward pass
    forward_products: tuple[float, ...]
    forward_regime: str

    def to_data(self) -> dict[str, object]:
        return {
            "name": self.name,
            "max_derivative": self.max_derivative,
            "argmax": self.argmax if self.where == "point" else ARGMAX_NAMES[self.where],
            "depth": self.depth,
            "w": self.w,
            "factor": self.factor,
            "regime": self.regime,
            "products": list(self.products),
            "side": {"z": self.side_z, "derivative": self.side_derivative,
                     "products": list(self.side_products)},
            "forward": {"a0": self.a0, "z": list(self.forward_z),
                        "products": list(self.forward_products), "regime": self.forward_regime},
        }


@dataclass(frozen=True)
class ActResult:
    summary: ActSummary
    png: bytes
