"""Formulas for people: SymPy expressions printed the way a teacher writes them.

``0.1x²`` rather than ``x**2/10``: rationals with a finite decimal expansion print as
decimals, a number times a name drops the ``*``, a sum starts with a positive term
(``y − x²``, not ``-x² + y``), integer powers become superscripts (``pretty``) or ``^n``
(``plain``); ``pretty`` also writes ``|x|``, a real minus sign, and products without
``*`` where that cannot be misread (``xy``, ``2x(y − x²)``) and with ``·`` elsewhere
(``x·exp(x)``, ``x·2^x``).

Whatever either function prints, :func:`bot.engine.expr.parse_function` reads back as
the same expression (tests/test_formula_roundtrip.py checks it on random expressions).
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from bot.engine.expr import FUNCTIONS
from bot.render.digits import SUPERSCRIPT

MAX_FORMULA = 160


def _is_decimal(q: sp.Rational) -> bool:
    d = int(q.q)
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _in_denominator(factor: sp.Expr) -> bool:
    """A factor SymPy's printer writes after «/»: a power with a negative exponent."""
    return isinstance(factor, sp.Pow) and bool(factor.exp.as_coeff_Mul()[0] < 0)


class _TeacherPrinter(StrPrinter):
    def _print_Rational(self, expr: sp.Rational) -> str:
        if _is_decimal(expr):
            return format(sp.Float(expr, 30), "f").rstrip("0").rstrip(".")
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
        """A decimal coefficient in front: ``0.5/sqrt(x)``, ``-0.5x/(y + 1)`` (SymPy would
        write ``1/(2*sqrt(x))``)."""
        coefficient, rest = expr.as_coeff_Mul()
        if not (coefficient.is_Rational and not coefficient.is_Integer
                and _is_decimal(coefficient)):
            return super()._print_Mul(expr)
        factors = sp.Mul.make_args(rest)
        below = [1 / f for f in factors if _in_denominator(f)]
        above = [f for f in factors if not _in_denominator(f)]
        mul = PRECEDENCE["Mul"]
        text = self._print_Rational(coefficient)
        if above:
            numerator = sp.Mul(*above)
            text += "*" + self.parenthesize(numerator, mul, strict=True)
        if below:
            text += "/" + self.parenthesize(sp.Mul(*below), mul)
        return text


class _PrettyPrinter(_TeacherPrinter):
    """``|x|`` for abs, except inside another ``|…|``, where a bar would be ambiguous
    (``|x|y| + 1|``): there ``abs(…)``."""

    _bars = 0

    def _print_Abs(self, expr: sp.Abs) -> str:
        if self._bars:
            return super()._print_Abs(expr)
        self._bars += 1
        try:
            return f"|{self._print(expr.args[0])}|"
        finally:
            self._bars -= 1


_PRINTER = _TeacherPrinter()
_PRETTY = _PrettyPrinter()
#: ``2*x`` → ``2x``, but not after a power: ``x^2*exp(x)`` keeps its ``*``.
_IMPLICIT = re.compile(r"(?<![\w.^])(\d+(?:\.\d+)?)\*(?=[a-zπ(])")
_INTEGER_POWER = re.compile(r"\*\*(\(-\d+\)|\d+)")
_PRODUCT = re.compile(r"(?<!\*)\*(?!\*)")
#: The operand just before a ``*``: a name, a number, an exponent.
_LEFT_OPERAND = re.compile(r"[\w.π^⁰¹²³⁴⁵⁶⁷⁸⁹⁻]*$")
_FUNCTION_CALL = re.compile(rf"(?:{'|'.join(sorted(FUNCTIONS, key=len, reverse=True))})\(")


def _names(text: str) -> str:
    return text.replace("pi", "π").replace("E", "e")


# plain and pretty are pure functions of a (hashable) expression; a lab prints the same f
# and ∇f on every run (the Mini App's slider: each move), so the text is kept.
@lru_cache(maxsize=2048)
def plain(expr: sp.Expr) -> str:
    """ASCII: ``0.1x^2 + sin(x)``."""
    text = _names(_PRINTER.doprint(expr).replace("**", "^"))
    return _IMPLICIT.sub(r"\1", text)


def _product_sign(text: str, star: int) -> str:
    """How a ``*`` at ``star`` is shown: nothing where juxtaposition reads the same
    (``2x``, ``x²y``, ``x(y + 1)``, ``2|x|``), else a dot: before a number or a function
    (``x·2``, ``x·exp(x)``), after a non-integer exponent (``2^x·y``, not ``2^xy``) and
    after a closing parenthesis unless another one opens (``sin(x)·y``, ``(x + 1)(y + 1)``)."""
    left = _LEFT_OPERAND.search(text, 0, star)
    operand = left.group(0) if left else ""
    right = text[star + 1:]
    if (not right or right[0].isdigit() or right[0] == "." or _FUNCTION_CALL.match(right)
            or "^" in operand or (text[star - 1] == ")" and right[0] != "(")):
        return "·"
    return ""


@lru_cache(maxsize=2048)
def pretty(expr: sp.Expr, limit: int = MAX_FORMULA) -> str:
    """Unicode: ``0.1x² + sin(x)``, shortened with «…» beyond ``limit`` characters."""
    text = _PRETTY.doprint(expr)
    text = _INTEGER_POWER.sub(lambda m: m.group(1).strip("()").translate(SUPERSCRIPT), text)
    text = _names(text.replace("**", "^"))
    text = _PRODUCT.sub(lambda m: _product_sign(text, m.start()), text)
    text = text.replace("-", "−")
    return text if len(text) <= limit else text[: limit - 1] + "…"
