"""Formulas for people: SymPy expressions printed the way a teacher writes them.

``0.1x²`` rather than ``x**2/10``: rationals with a finite decimal expansion print as
decimals, a number times a name drops the ``*``, a sum starts with a positive term
(``y − x²``, not ``-x² + y``), integer powers become superscripts (``pretty``) or ``^n``
(``plain``, which the ``/gd`` parser reads back); ``pretty`` also writes ``|x|``, a real
minus sign, and products without ``*`` (``xy``, ``2x(y − x²)``, ``x·exp(x)``).
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.str import StrPrinter

from bot.render.digits import SUPERSCRIPT

MAX_FORMULA = 160


def _is_decimal(q: sp.Rational) -> bool:
    d = int(q.q)
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


class _TeacherPrinter(StrPrinter):
    def _print_Rational(self, expr: sp.Rational) -> str:
        if _is_decimal(expr):
            text = format(sp.Float(expr, 30), "f").rstrip("0").rstrip(".")
            return text
        return super()._print_Rational(expr)

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        """SymPy's order, except that a leading negative term gives way to the first
        positive one: ``y − x²`` rather than ``-x² + y``."""
        terms = list(self._as_ordered_terms(expr, order=order))
        positive = next((t for t in terms if not t.could_extract_minus_sign()), None)
        if terms[0].could_extract_minus_sign() and positive is not None:
            terms.remove(positive)
            terms.insert(0, positive)
        return super()._print_Add(sp.Add(*terms, evaluate=False), order="none")

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Mul(self, expr: sp.Mul) -> str:
        coefficient, rest = expr.as_coeff_Mul()
        if coefficient.is_Rational and not coefficient.is_Integer and _is_decimal(coefficient):
            if coefficient == -1:
                return "-" + self._print(rest)
            factor = self._print_Rational(coefficient)
            return f"{factor}*{self.parenthesize(rest, 40)}"
        return super()._print_Mul(expr)


class _PrettyPrinter(_TeacherPrinter):
    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"|{self._print(expr.args[0])}|"


_PRINTER = _TeacherPrinter()
_PRETTY = _PrettyPrinter()
#: ``2*x`` → ``2x``, but not after a power: ``x^2*exp(x)`` keeps its ``*``.
_IMPLICIT = re.compile(r"(?<![\w.^])(\d+(?:\.\d+)?)\*(?=[a-zπ(])")
_POWER = re.compile(r"\*\*(\(-\d+\)|-?\d+)")
#: ``*`` before a function name (``x*exp(``) becomes a dot; any other ``*`` goes.
_BEFORE_FUNCTION = re.compile(r"\*(?=[a-z]{2,}\()")


def plain(expr: sp.Expr) -> str:
    """ASCII: ``0.1x^2 + sin(x)``."""
    text = _PRINTER.doprint(expr)
    text = text.replace("**", "^").replace("pi", "π").replace("E", "e")
    return _IMPLICIT.sub(r"\1", text)


def pretty(expr: sp.Expr, limit: int = MAX_FORMULA) -> str:
    """Unicode: ``0.1x² + sin(x)``, shortened with «…» beyond ``limit`` characters."""
    text = _PRETTY.doprint(expr)
    text = _POWER.sub(lambda m: m.group(1).strip("()").translate(SUPERSCRIPT), text)
    text = text.replace("**", "^").replace("pi", "π").replace("E", "e")
    text = _BEFORE_FUNCTION.sub("·", text).replace("*", "").replace("-", "−")
    return text if len(text) <= limit else text[: limit - 1] + "…"
