"""Exact shortcuts for rational functions, where SymPy's general machinery is costly.

The bounds analysis (:mod:`bot.engine.bounds`) asks two questions of every new function:
its limit at ±∞ along a line, and whether f' has a zero on a ray. For the functions
learners type (polynomials, ``x² + sin x``, a sigmoid added to a quadratic) both have
short exact answers: tens of milliseconds of ``sympy.limit`` and ``nsimplify`` become
well under one. Each shortcut either answers exactly or declines (None), and the caller
then asks SymPy as before.

Only rational coefficients are taken (the parser writes ``1.001`` as 1001/1000): with
π or √2 in a coefficient, deciding the sign of a leading coefficient or that it is not
zero needs more than arithmetic.
"""

from __future__ import annotations

import math

import sympy as sp

#: Functions bounded for every real argument (|·| ≤ 1).
_BOUNDED = (sp.sin, sp.cos, sp.tanh, sp.sign)
#: Functions that are real for a real argument (and defined wherever it is).
_REAL = (*_BOUNDED, sp.exp, sp.Abs)


def limit_at_infinity(g: sp.Expr, t: sp.Symbol, end: int) -> float | None:
    """The limit of g(t) as t → +∞ (``end`` = 1) or −∞ (``end`` = −1), when g is a
    rational function R of t plus terms bounded on the real line (``sin t``, a sigmoid,
    ``cos(1/t)``); None: not decided here.

    With such terms present only an infinite limit of R decides (R → ±∞ drags g along,
    the bounded rest cannot hold it back); a finite one does not (``1 + sin t`` has no
    limit at all).
    """
    leading: list[tuple[int, sp.Rational]] = []
    bounded = False
    for term in sp.Add.make_args(g):
        found = _leading(term, t)
        if found is not None:
            leading.append(found)
        elif is_bounded(term, t):
            bounded = True
        else:
            return None
    summed = _leading_of_sum(leading) if leading else None
    if summed is None:
        return None
    degree, coefficient = summed
    if degree > 0:
        return math.copysign(math.inf, coefficient * end ** degree)
    if bounded:
        return None
    return float(coefficient) if degree == 0 else 0.0


def _leading(expr: sp.Expr, t: sp.Symbol) -> tuple[int, sp.Rational] | None:
    """(d, c) with expr = c·tᵈ·(1 + o(1)) as t → ±∞, c rational, when expr is a
    rational function of t with rational coefficients built of sums, products and integer
    powers; None when it is not, or when the leading terms of a sum cancel (the next
    ones would have to be found: SymPy's work)."""
    if expr == t:
        return 1, sp.S.One
    if expr.is_Rational:
        return 0, expr
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        base = _leading(expr.base, t)
        return None if base is None else (base[0] * int(expr.exp), base[1] ** expr.exp)
    if not isinstance(expr, (sp.Add, sp.Mul)):
        return None
    parts = [_leading(arg, t) for arg in expr.args]
    if any(part is None for part in parts):
        return None
    known = [part for part in parts if part is not None]
    if isinstance(expr, sp.Add):
        return _leading_of_sum(known)
    return sum(d for d, _ in known), sp.Mul(*(c for _, c in known))


def _leading_of_sum(parts: list[tuple[int, sp.Rational]]) -> tuple[int, sp.Rational] | None:
    top = max(d for d, _ in parts)
    coefficient = sp.Add(*(c for d, c in parts if d == top))
    return (top, coefficient) if coefficient != 0 else None


def _poly(expr: sp.Expr, t: sp.Symbol) -> sp.Poly | None:
    """expr (a polynomial in t) with rational coefficients, or None."""
    poly = sp.Poly(expr, t)
    return poly if poly.domain.is_ZZ or poly.domain.is_QQ else None


def is_bounded(term: sp.Expr, t: sp.Symbol) -> bool:
    """Proven: |term| stays below some constant for all real t where term is defined.
    (``t·sin t``, ``tan t``, ``log t``, ``√t``, ``1/t`` are not; ``sin(t)²``,
    ``1/(1 + e^(−t))``, ``sin(1/t)`` are.) False also means: not recognised."""
    if not term.has(t):
        return _real_constant(term)
    if isinstance(term, _BOUNDED):
        return is_real(term.args[0], t)
    if isinstance(term, (sp.Add, sp.Mul, sp.Abs)):
        return all(is_bounded(arg, t) for arg in term.args)
    if isinstance(term, sp.Pow) and term.exp.is_Integer:
        if term.exp > 0:
            return is_bounded(term.base, t)
        return _above_a_positive_constant(term.base, t)  # 0 < base^−n ≤ c^−n
    return False


def is_real(expr: sp.Expr, t: sp.Symbol) -> bool:
    """Proven: expr is real for every real t where it is defined, and defined for all
    but finitely many t (a division only by a polynomial that is not zero)."""
    if not expr.has(t):
        return _real_constant(expr)
    if expr == t:
        return True
    if isinstance(expr, (sp.Add, sp.Mul)):
        return all(is_real(arg, t) for arg in expr.args)
    if isinstance(expr, _REAL):
        return is_real(expr.args[0], t)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        if expr.exp > 0 or _above_a_positive_constant(expr.base, t):
            return is_real(expr.base, t)
        return bool(expr.base.is_polynomial(t)) and is_real(expr.base, t)
    return False


def _above_a_positive_constant(expr: sp.Expr, t: sp.Symbol) -> bool:
    """Proven: expr ≥ c > 0 for all real t (a positive constant plus terms that are
    never negative: 1 + e^(−t), 2 + t², 1 + |t|)."""
    constant, rest = expr.as_independent(t, as_Add=True)
    return (_real_constant(constant) and bool(constant > 0)
            and all(_never_negative(term, t) for term in sp.Add.make_args(rest)))


def _never_negative(term: sp.Expr, t: sp.Symbol) -> bool:
    """Proven: term ≥ 0 wherever it is defined, for real t."""
    if not term.has(t):
        return _real_constant(term) and bool(term >= 0)
    if isinstance(term, (sp.exp, sp.Abs)):
        return is_real(term.args[0], t)
    if isinstance(term, sp.Pow) and term.exp.is_Integer and term.exp.is_even and term.exp > 0:
        return is_real(term.base, t)
    if isinstance(term, sp.Mul):
        return all(_never_negative(arg, t) for arg in term.args)
    return False


def _real_constant(expr: sp.Expr) -> bool:
    return bool(expr.is_Rational)


def zeros_between(expr: sp.Expr, x: sp.Symbol, low: sp.Rational | None,
                  high: sp.Rational | None) -> int | None:
    """How many distinct real zeros expr has on the closed interval [low, high] (None:
    unbounded that way), when expr is a rational function of x with rational
    coefficients; None otherwise.

    None too when the numerator, once expr is combined into one fraction, shares a root
    with something expr divides by (``(x² − 1)/(x − 1)`` at 1, ``1/(1 + 1/x)`` at 0):
    whether that point is a zero is a matter of convention (``sympy.solveset``'s varies
    with the form), left to SymPy.
    """
    if not expr.is_rational_function(x):
        return None
    numerator = _poly(sp.fraction(sp.together(expr))[0], x)
    if numerator is None or numerator.is_zero:
        return None
    for power in expr.atoms(sp.Pow):
        if power.exp.is_negative:
            divisor = _poly(sp.fraction(sp.together(power.base))[0], x)
            if divisor is None or numerator.gcd(divisor).degree() > 0:
                return None
    return int(numerator.count_roots(low, high))
