"""Wording shared by the descent labs' verdicts (/gd, /lr, /opt): the proof that a
function has no minimum, as the line along which it falls without bound."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

from bot.fa.html import code
from bot.fa.numbers import ascii_number

if TYPE_CHECKING:
    from bot.engine.bounds import LineLimit

_SIDES = {1: "⁺", -1: "⁻", 0: ""}


def _number_or_pi(value: float) -> str:
    """``π/2`` for a simple multiple of π (tan's poles), else the number."""
    ratio = Fraction(value / math.pi).limit_denominator(12)
    if ratio != 0 and abs(float(ratio) * math.pi - value) <= 1e-12 * max(1.0, abs(value)):
        top = {1: "", -1: "-"}.get(ratio.numerator, str(ratio.numerator))
        return f"{top}π" + (f"/{ratio.denominator}" if ratio.denominator != 1 else "")
    return ascii_number(value)


def no_minimum_sentence(limit: LineLimit | None, two_d: bool) -> str:
    """The proof that f has no minimum, in words: the line along which f → −∞."""
    if limit is None:
        return ""
    return (f"این تابع کمینه ندارد: {_where(limit, two_d)} مقدار f به منفی بی‌نهایت "
            f"می‌رود ({code('f → −∞')}).")


def _where(limit: LineLimit, two_d: bool) -> str:
    """«وقتی x → −∞», «وقتی x → 0⁻», «روی خط y = 0.5 وقتی x → ∞»."""
    def towards(end: float, side: int) -> str:
        if end == float("inf"):
            return "∞"
        if end == float("-inf"):
            return "−∞"
        return _number_or_pi(end).replace("-", "−") + _SIDES[side]

    goes = towards(limit.end, limit.side)
    if not two_d:
        return f"وقتی {code('x → ' + goes)}"
    # bounds.analyse's lines: the moving coordinate is t itself (the base has 0 there)
    (dx, dy), (bx, by) = limit.direction, limit.base
    if dy == 0:
        line, variable = f"y = {ascii_number(by)}", "x"
    elif dx == 0:
        line, variable = f"x = {ascii_number(bx)}", "y"
    else:
        line, variable = ("y = x" if dy == dx else "y = -x"), "x"
    return (f"روی خط {code(line.replace('-', '−'))} وقتی "
            f"{code(variable + ' → ' + goes)}")
