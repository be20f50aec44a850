"""A parsed function compiled for NumPy, with its gradient and Hessian.

The derivatives are computed symbolically once and compiled with ``lambdify`` into
NumPy functions; every lab that descends a surface uses this object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from bot.engine.expr import ExpressionError, ParsedFunction

ArrayFn = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Objective:
    """f, ∇f and the Hessian of a function of one or two variables."""

    function: ParsedFunction
    gradient_exprs: tuple[sp.Expr, ...]
    hessian_exprs: tuple[tuple[sp.Expr, ...], ...]
    _f: ArrayFn
    _grad: tuple[ArrayFn, ...]
    _hess: tuple[tuple[ArrayFn, ...], ...]
    kink_functions: tuple[ArrayFn, ...]  # the kinks' u (see :attr:`kinks`), compiled

    @property
    def dimension(self) -> int:
        return len(self.function.variables)

    @property
    def expr(self) -> sp.Expr:
        return self.function.expr

    def value(self, point: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return _real(self._f(*point))

    def values(self, *grids: np.ndarray) -> np.ndarray:
        """f on a grid (vectorised); non-finite where undefined."""
        with np.errstate(all="ignore"):
            result = np.asarray(self._f(*grids))
        if np.iscomplexobj(result):
            result = np.where(np.abs(result.imag) > 1e-12, np.nan, result.real)
        return np.broadcast_to(result, np.broadcast(*grids).shape).astype(float)

    def gradient(self, point: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.array([_real(g(*point)) for g in self._grad])

    def hessian(self, point: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.array([[_real(h(*point)) for h in row] for row in self._hess])

    @property
    def kinks(self) -> tuple[sp.Expr, ...]:
        """The expressions u whose zero set is a kink of f (|u| or sign(u) in it): there
        f has no derivative, and the gradient jumps."""
        return _kinks(self.expr)

    @property
    def constant_hessian(self) -> np.ndarray | None:
        """The Hessian when it does not depend on the point (quadratic functions); None
        for a function with a kink, whose Hessian is constant only where it exists."""
        if self.kinks or any(h.free_symbols or h.has(sp.nan) for row in self.hessian_exprs for h in row):
            return None
        return np.array([[float(h) for h in row] for row in self.hessian_exprs])


def _kinks(expr: sp.Expr) -> tuple[sp.Expr, ...]:
    return tuple(sorted({a.args[0] for a in expr.atoms(sp.Abs, sp.sign)}, key=str))


def _real(value: object) -> float:
    if isinstance(value, float):  # NumPy's float64 too: the usual value, already real
        return float(value)
    number = complex(np.asarray(value, dtype=complex).reshape(-1)[0])
    if abs(number.imag) > 1e-12:
        return float("nan")
    return number.real


def _almost_everywhere(expr: sp.Expr) -> sp.Expr:
    """Derivatives of abs() bring DiracDelta, or an unevaluated derivative of sign() when
    SymPy cannot tell the argument is real (abs(log(x))): both are zero except at the
    kink, where no derivative exists, and NumPy can evaluate neither: drop them."""
    expr = expr.replace(sp.DiracDelta, lambda *args: sp.S.Zero)
    return expr.replace(lambda e: isinstance(e, sp.Derivative) and isinstance(e.expr, sp.sign),
                        lambda e: sp.S.Zero)


def _differentiable(expr: sp.Expr) -> sp.Expr:
    """A derivative NumPy can evaluate, or the ExpressionError that says it cannot."""
    if expr.has(sp.Derivative, sp.zoo, sp.nan):
        raise ExpressionError("not_differentiable")
    if expr.has(sp.I):
        raise ExpressionError("not_real")
    return expr


def _curvature_term(expr: sp.Expr) -> sp.Expr:
    """A Hessian entry; one NumPy cannot evaluate becomes NaN (the lab then simply
    states no curvature), since descent itself needs only the gradient."""
    expr = _almost_everywhere(expr)
    return sp.nan if expr.has(sp.Derivative, sp.zoo) else expr


class _RealAbs(sp.Function):  # type: ignore[misc]  # SymPy has no type hints
    """|u| for a real u, whose derivative is sign(u)·u' away from the kink. SymPy's own
    Abs drags atan2 and re/im into the derivative when it cannot tell that u is real
    (|sqrt(x)|), which no reader (and not the parser) should see."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.sign(self.args[0])


def _derivative(expr: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    real = expr.replace(sp.Abs, _RealAbs)
    return sp.diff(real, variable).replace(_RealAbs, sp.Abs)


def compile_objective(function: ParsedFunction) -> Objective:
    """Differentiate symbolically and compile f, ∇f and the Hessian for NumPy."""
    variables = function.variables
    gradient = tuple(_differentiable(_almost_everywhere(_derivative(function.expr, v)))
                     for v in variables)
    hessian = tuple(tuple(_curvature_term(_derivative(g, v)) for v in variables)
                    for g in gradient)

    def compile_one(expr: sp.Expr) -> ArrayFn:
        return sp.lambdify(variables, expr, modules="numpy")

    return Objective(
        function=function,
        gradient_exprs=gradient,
        hessian_exprs=hessian,
        _f=compile_one(function.expr),
        _grad=tuple(compile_one(g) for g in gradient),
        _hess=tuple(tuple(compile_one(h) for h in row) for row in hessian),
        kink_functions=tuple(compile_one(u) for u in _kinks(function.expr)),
    )
