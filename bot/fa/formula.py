"""Formulas for people: SymPy expressions printed the way a teacher writes them.

``0.1x²`` rather than ``x**2/10``: rationals with a finite decimal expansion print as
decimals, a number times a name drops the ``*``, integer powers become superscripts
(``pretty``) or ``^n`` (``plain``, which the ``/gd`` parser reads back).
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.str import StrPrinter

from bot.fa.numbers import SUPERSCRIPT

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

    def _print_Mul(self, expr: sp.Mul) -> str:
        coefficient, rest = expr.as_coeff_Mul()
        if coefficient.is_Rational and not coefficient.is_Integer and _is_decimal(coefficient):
            if coefficient == -1:
                return "-" + self._print(rest)
            factor = self._print_Rational(coefficient)
            return f"{factor}*{self.parenthesize(rest, 40)}"
        return super()._print_Mul(expr)


_PRINTER = _TeacherPrinter()
_IMPLICIT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\*(?=[a-zπ(])")
_POWER = re.compile(r"\*\*(\(-\d+\)|-?\d+)")


def plain(expr: sp.Expr) -> str:
    """ASCII: ``0.1x^2 + sin(x)``."""
    text = _PRINTER.doprint(expr)
    text = text.replace("**", "^").replace("pi", "π").replace("E", "e")
    return _IMPLICIT.sub(r"\1", text)


def pretty(expr: sp.Expr, limit: int = MAX_FORMULA) -> str:
    """Unicode: ``0.1x² + sin(x)``, shortened with «…» beyond ``limit`` characters."""
    text = _PRINTER.doprint(expr)
    text = _POWER.sub(lambda m: m.group(1).strip("()").translate(SUPERSCRIPT), text)
    text = text.replace("**", "^").replace("pi", "π").replace("E", "e").replace(" - ", " − ")
    text = _IMPLICIT.sub(r"\1", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
