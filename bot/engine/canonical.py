"""Function texts read without SymPy: cheap enough for the event loop, exact enough to key.

A request's cache key needs the function, and a command needs the number of its
variables; SymPy would take milliseconds (up to the parser's time limit for hostile
texts) on the event loop. This module runs the same grammar (:class:`expr.Grammar`) over
the same tokens, so every refusal of the grammar (a bad character, an unknown name,
unbalanced parentheses, a literal out of range, …) is found here with the same code and
position, and builds an exact normal form instead of SymPy objects: a sum of terms, each
an exact rational coefficient times integer powers of atoms (a variable, a constant, a
function of a normal form, a sum in parentheses). Only exact identities are applied, so
two texts with one normal form are one function (``0.1x^2``, ``x^2/10``, ``0.1*x**2``);
two spellings of one function may still differ (``2(x+1)`` and ``(x+1)2`` agree,
``(x+1)^2`` and ``x^2+2x+1`` do not): a repeat is then rendered again, never wrong.

What needs values (``log(0)``, a coefficient of a thousand digits, a complex power) is
refused by SymPy in the render worker, as the lab's first step (see ``bot.labs.compiled``).
SymPy refuses such a part even where it is multiplied by 0, raised to the power 0 or
cancelled (``x^2 + 0*log(0)``, ``x^2*sqrt(-1)^0``, ``x^2 + log(0) - log(0)``): when the
normal form drops a part that might be refused (a function, a division, a power that is
not an integer), the key becomes the text, so the answer never comes from another text's
cached picture (of ``x^2`` here) but from the worker's own reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from bot.engine.expr import (
    MAX_EXPONENT,
    MAX_LENGTH,
    VARIABLES,
    ExpressionError,
    Grammar,
    Token,
    literal,
    tokenize,
)

#: (atom, integer exponent ≠ 0) pairs, sorted: x²y is (("x", 2), ("y", 1)).
Monomial = tuple[tuple[str, int], ...]
#: A normal form: monomial → non-zero coefficient (the empty mapping is 0).
Form = dict[Monomial, Fraction]

#: Coefficients beyond this many bits are left to SymPy (which refuses coefficients of
#: more than MAX_DIGITS digits): the normal form stops and the key becomes the text.
MAX_BITS = 2000
_UNKNOWN: Form = {(("…", 1),): Fraction(1)}


@dataclass(frozen=True)
class FunctionText:
    """What the event loop knows of a function text: its key and its variables."""

    key: str
    dimension: int  # 2 when the text names y, else 1


@lru_cache(maxsize=4096)
def function_text(text: str) -> FunctionText:
    """Read ``text`` (already normalised to ASCII); raise ExpressionError for what the
    grammar refuses, or for a text that names no variable."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError("too_long", str(MAX_LENGTH))
    tokens = tokenize(text)
    reader = _Canonical(tokens)
    form = reader.parse()
    named = {token.text for token in tokens if token.kind == "name" and token.text in VARIABLES}
    if not named:
        raise ExpressionError("no_variable")
    key = _render(form) if reader.exact else "text:" + text
    return FunctionText(key=key, dimension=2 if "y" in named else 1)


def function_key(text: str) -> str:
    """The request key of the function ``text`` (see the module docstring)."""
    return function_text(text).key


class _Canonical(Grammar[Form]):
    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(tokens)
        self.exact = True
        #: atoms whose value SymPy might refuse: functions, non-integer powers, and
        #: abs(…) or (sum) around such a part.
        self.risky: set[str] = set()

    def _risky(self, form: Form) -> bool:
        return any(exponent < 0 or atom in self.risky
                   for monomial in form for atom, exponent in monomial)

    def _dropped(self, form: Form) -> None:
        """``form`` leaves the normal form (times 0, to the power 0, cancelled)."""
        if self._risky(form):
            self.exact = False

    def _term(self, form: Form) -> tuple[Monomial, Fraction]:
        monomial, coefficient = _term(form)
        if len(form) > 1 and self._risky(form):
            self.risky.add(monomial[0][0])
        return monomial, coefficient

    def _checked(self, form: Form) -> Form:
        if any(max(c.numerator.bit_length(), c.denominator.bit_length()) > MAX_BITS
               for c in form.values()):
            self.exact = False
            return _UNKNOWN
        return form

    def number(self, token: Token) -> Form:
        value = Fraction(literal(token))
        return {(): value} if value else {}

    def symbol(self, name: str) -> Form:
        return _atom("pi" if name == "π" else name)

    def add(self, left: Form, right: Form, subtract: bool) -> Form:
        total = dict(left)
        for monomial, coefficient in right.items():
            total[monomial] = total.get(monomial, Fraction(0)) + (-coefficient if subtract else coefficient)
        self._dropped({m: c for m, c in total.items() if not c})
        return {m: c for m, c in total.items() if c}

    def multiply(self, left: Form, right: Form, divide: Token | None) -> Form:
        if divide is not None:
            if not right:
                raise ExpressionError("division_by_zero", "", divide.position)
            right = self._power(right, -1)
        if not left or not right:
            self._dropped(left)
            self._dropped(right)
            return {}
        if left.keys() == {()} or right.keys() == {()}:  # a number times a sum: distributed
            number, other = (left, right) if left.keys() == {()} else (right, left)
            return self._checked({m: c * number[()] for m, c in other.items()})
        (a, p), (b, q) = self._term(left), self._term(right)
        exponents = dict(a)
        for atom, exponent in b:
            exponents[atom] = exponents.get(atom, 0) + exponent
            if not exponents[atom] and atom in self.risky:  # log(0)/log(0)
                self.exact = False
        return self._checked({_monomial(exponents): p * q})

    def negate(self, operand: Form) -> Form:
        return {m: -c for m, c in operand.items()}

    def power(self, base: Form, exponent: Form, position: int) -> Form:
        if exponent.keys() <= {()}:
            value = exponent.get((), Fraction(0))
            if abs(value) > MAX_EXPONENT:
                raise ExpressionError("exponent_too_large", str(value), position)
            if not base and value < 0:
                raise ExpressionError("division_by_zero", "", position)
            if value.denominator == 1:
                return self._power(base, int(value))
        return self._risky_atom(f"({_render(base)})^({_render(exponent)})")

    def _power(self, base: Form, n: int) -> Form:
        if n == 0:
            self._dropped(base)
            return {(): Fraction(1)}
        if not base:
            return {}
        monomial, coefficient = self._term(base)
        size = max(coefficient.numerator.bit_length(), coefficient.denominator.bit_length())
        if size * abs(n) > MAX_BITS:
            self.exact = False
            return _UNKNOWN
        return {_monomial({atom: e * n for atom, e in monomial}): coefficient ** n}

    def absolute(self, inner: Form) -> Form:
        name = f"abs({_render(inner)})"
        return self._risky_atom(name) if self._risky(inner) else _atom(name)

    def apply(self, name: Token, argument: Form) -> Form:
        return self._risky_atom(f"{'log' if name.text == 'ln' else name.text}({_render(argument)})")

    def _risky_atom(self, name: str) -> Form:
        self.risky.add(name)
        return _atom(name)


def _atom(name: str) -> Form:
    return {((name, 1),): Fraction(1)}


def _term(form: Form) -> tuple[Monomial, Fraction]:
    """A non-zero form as one term: a sum becomes an atom in parentheses."""
    if len(form) == 1:
        return next(iter(form.items()))
    return ((f"({_render(form)})", 1),), Fraction(1)


def _monomial(exponents: dict[str, int]) -> Monomial:
    return tuple(sorted((atom, e) for atom, e in exponents.items() if e))


def _render(form: Form) -> str:
    if not form:
        return "0"
    return " + ".join(
        "*".join([str(coefficient), *(f"{atom}^{e}" for atom, e in monomial)])
        for monomial, coefficient in sorted(form.items()))
