"""A whitelist parser from the way people type functions to SymPy expressions.

SymPy's own ``sympify``/``parse_expr`` evaluate their input with ``eval`` and must never
see user text. This module tokenises the text itself, accepts only numbers, the
variables ``x`` and ``y``, a fixed set of functions and constants, and builds the SymPy
tree directly. Every input that is refused raises :class:`ExpressionError` with a code
the Persian layer turns into a message; the bounds below keep both parsing and the
later symbolic work small whatever the input.

Accepted forms: ``0.1x^2``, ``0.1*x**2``, ``x^4-3x^2+x``, ``sin(x)+0.1x^2``,
``x^2+10y^2``, ``(1-x)^2+100(y-x^2)^2``: implicit multiplication, ``^`` or ``**`` for
powers (right-associative, binding tighter than unary minus: ``-x^2`` is ``-(x^2)``).
Everything the bot itself prints is accepted too: superscript exponents (``x²``,
``x⁻¹``), ``·`` and ``×`` for products, ``−`` for minus, ``|x|`` for ``abs(x)`` and
``sign(x)`` (the derivative of ``|x|``).
"""

from __future__ import annotations

import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar

import sympy as sp

MAX_LENGTH = 200
MAX_DEPTH = 12
MAX_EXPONENT = 64
MAX_CONSTANT = 1e100
#: A literal may be as large or as small as any constant the parser keeps, so every
#: coefficient the bot prints (``1e-14x⁴`` from ``(1e-2)^3·(1e-2x)^4``, a derivative's
#: ``6.4e13x⁶³``) can be typed back; MAX_DIGITS still bounds the exact value.
MAX_LITERAL = MAX_CONSTANT
MIN_LITERAL = 1 / MAX_CONSTANT  # smallest non-zero literal
MAX_DIGITS = 100  # of any rational coefficient's numerator or denominator
#: exp() of a constant above this would pass MAX_CONSTANT (e^230 ≈ 10^100); SymPy would
#: also turn exp(n·log b) into the integer b^n, however many digits that takes.
MAX_EXP_ARGUMENT = 230
#: A rational exponent with a larger denominator becomes a float: SymPy would search for
#: an exact root of a number (999999^0.5999999999999 never returns).
MAX_EXPONENT_DENOMINATOR = 1000
#: Parsing runs in the render workers, as a lab's first step (the event loop reads texts
#: with :mod:`bot.engine.canonical`): whatever SymPy does while building the tree must
#: end within this many seconds.
PARSE_SECONDS = 1.0

E = TypeVar("E")

X, Y = sp.symbols("x y", real=True)
VARIABLES: dict[str, sp.Symbol] = {"x": X, "y": Y}


def _sigmoid(u: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-u))


FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "tanh": sp.tanh,
    "sigmoid": _sigmoid,
    "sign": sp.sign,
}
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "π": sp.pi, "e": sp.E}


@dataclass
class ExpressionError(ValueError):
    """Why a function text was refused. ``code`` is stable; ``detail`` names the culprit."""

    code: str
    detail: str = ""
    position: int | None = field(default=None)

    def __str__(self) -> str:
        where = f" at {self.position}" if self.position is not None else ""
        return f"{self.code}: {self.detail}{where}"


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op", "sup" (a superscript exponent), "(", ")", "|", "end"
    text: str
    position: int


_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-zπ]+)"
    r"|(?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
    r"|(?P<op>\*\*|[-+*/^·×∙−÷])"
    r"|(?P<lpar>[(\[])"
    r"|(?P<rpar>[)\]])"
    r"|(?P<bar>\|)"
    r")"
)
#: The printed forms of operators and exponents, read as their ASCII originals.
_OPERATORS = {"**": "^", "·": "*", "×": "*", "∙": "*", "−": "-", "÷": "/"}
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; names made only of x and y split into variables."""
    tokens: list[Token] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            bad = text[pos:].lstrip()[:1]
            raise ExpressionError("bad_character", bad, pos)
        kind = match.lastgroup or ""
        start = match.start(kind)
        value = match.group(kind)
        pos = match.end()
        if kind == "name":
            tokens.extend(_split_name(value, start))
        elif kind == "lpar":
            tokens.append(Token("(", "(", start))
        elif kind == "rpar":
            tokens.append(Token(")", ")", start))
        elif kind == "bar":
            tokens.append(Token("|", "|", start))
        elif kind == "sup":
            tokens.append(Token("sup", value.translate(_FROM_SUPERSCRIPT), start))
        elif kind == "num" and tokens and tokens[-1].kind == "num" and _touching(tokens[-1], start):
            # «1.2.3x» would read as 1.2 × .3x: a number with two decimal points
            raise ExpressionError("bad_number", tokens[-1].text + value, tokens[-1].position)
        else:
            tokens.append(Token(kind, _OPERATORS.get(value, value), start))
    tokens.append(Token("end", "", len(text)))
    return tokens


def _touching(number: Token, start: int) -> bool:
    """Two numbers written with nothing between them: only a second decimal point (or an
    exponent's) can split them, as in «1.2.3» or «1..2»."""
    return number.position + len(number.text) == start


_WORDS = sorted([*FUNCTIONS, *CONSTANTS, *VARIABLES], key=len, reverse=True)


def _segments(name: str) -> list[str] | None:
    """Split a run of letters into known words, longest first: ``xsin`` → x, sin;
    ``2πx`` → π, x (after the number). None when some letters match nothing."""
    pieces: list[str] = []
    rest = name
    while rest:
        word = next((w for w in _WORDS if rest.startswith(w)), None)
        if word is None:
            return None
        pieces.append(word)
        rest = rest[len(word):]
    return pieces


def _split_name(name: str, start: int) -> list[Token]:
    lowered = name.lower()
    pieces = _segments(lowered)
    if pieces is None:
        if len(lowered) == 1:
            raise ExpressionError("extra_variable", name, start)
        raise ExpressionError("unknown_name", name, start)
    tokens = []
    offset = start
    for index, piece in enumerate(pieces):
        if piece in FUNCTIONS and index < len(pieces) - 1:  # "sinx": no parentheses
            raise ExpressionError("needs_parentheses", piece, offset)
        tokens.append(Token("name", piece, offset))
        offset += len(piece)
    return tokens


class Grammar(Generic[E]):
    """Recursive descent over the token list; what each form builds is left to a
    subclass: SymPy objects (:class:`_Parser`), or the cheap exact normal form that keys
    requests on the event loop (:mod:`bot.engine.canonical`)."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.bars = 0  # |…| opened and not yet closed: a "|" after an operand closes one

    # What each form builds: the grammar below calls only these.
    def number(self, token: Token) -> E:
        raise NotImplementedError

    def symbol(self, name: str) -> E:
        """A variable or a constant."""
        raise NotImplementedError

    def add(self, left: E, right: E, subtract: bool) -> E:
        raise NotImplementedError

    def multiply(self, left: E, right: E, divide: Token | None) -> E:
        raise NotImplementedError

    def negate(self, operand: E) -> E:
        raise NotImplementedError

    def power(self, base: E, exponent: E, position: int) -> E:
        raise NotImplementedError

    def absolute(self, inner: E) -> E:
        raise NotImplementedError

    def apply(self, name: Token, argument: E) -> E:
        raise NotImplementedError

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def parse(self) -> E:
        if self.current.kind == "end":
            raise ExpressionError("empty")
        expr = self.sum()
        if self.current.kind != "end":
            token = self.current
            code = "unbalanced" if token.kind == ")" else "unexpected"
            raise ExpressionError(code, token.text, token.position)
        return expr

    def nested(self, parse: Callable[[], E]) -> E:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("too_deep", str(MAX_DEPTH), self.current.position)
        try:
            return parse()
        finally:
            self.depth -= 1

    def enclosed(self, parse: Callable[[], E]) -> E:
        """Inside parentheses a "|" after an operand opens |…| again: |(2|x|)|."""
        bars, self.bars = self.bars, 0
        try:
            return self.nested(parse)
        finally:
            self.bars = bars

    def sum(self) -> E:
        expr = self.term()
        while self.current.text in ("+", "-") and self.current.kind == "op":
            op = self.advance().text
            expr = self.add(expr, self.term(), subtract=op == "-")
        return expr

    def term(self) -> E:
        expr = self.unary()
        while True:
            token = self.current
            if token.kind == "op" and token.text in ("*", "/"):
                self.advance()
                expr = self.multiply(expr, self.unary(), token if token.text == "/" else None)
            elif token.kind in ("num", "name", "(") or (token.kind == "|" and not self.bars):
                expr = self.multiply(expr, self.exponentiated(), None)  # implicit multiplication
            else:
                return expr

    def unary(self) -> E:
        if self.current.kind == "op" and self.current.text in ("+", "-"):
            sign = self.advance().text
            operand = self.nested(self.unary)
            return self.negate(operand) if sign == "-" else operand
        return self.exponentiated()

    def exponentiated(self) -> E:
        base = self.primary()
        if self.current.kind == "sup":  # x² as printed: the exponent is a whole number
            sup = self.advance()
            exponent = self.number(Token("num", sup.text.lstrip("+-"), sup.position))
            return self.power(base, self.negate(exponent) if sup.text.startswith("-") else exponent,
                              sup.position)
        if self.current.kind == "op" and self.current.text == "^":
            caret = self.advance()
            return self.power(base, self.nested(self.unary), caret.position)
        return base

    def primary(self) -> E:
        token = self.advance()
        if token.kind == "num":
            return self.number(token)
        if token.kind == "(":
            expr = self.enclosed(self.sum)
            self.expect_close(token)
            return expr
        if token.kind == "|":  # |u| is abs(u)
            self.bars += 1
            inner = self.nested(self.sum)
            self.bars -= 1
            if self.current.kind != "|":
                raise ExpressionError("unbalanced", "|", token.position)
            self.advance()
            return self.absolute(inner)
        if token.kind == "name":
            if token.text in VARIABLES or token.text in CONSTANTS:
                return self.symbol(token.text)
            return self.call(token)
        if token.kind == "end":
            raise ExpressionError("incomplete", "", token.position)
        raise ExpressionError("unexpected", token.text, token.position)

    def call(self, name: Token) -> E:
        opening = self.current
        if opening.kind != "(":
            raise ExpressionError("needs_parentheses", name.text, name.position)
        self.advance()
        argument = self.enclosed(self.sum)
        self.expect_close(opening)
        return self.apply(name, argument)

    def expect_close(self, opening: Token) -> None:
        if self.current.kind != ")":
            raise ExpressionError("unbalanced", "(", opening.position)
        self.advance()


class _Parser(Grammar[sp.Expr]):
    """The grammar building SymPy objects, every constant checked as it is built."""

    def number(self, token: Token) -> sp.Expr:
        return sp.Rational(literal(token))

    def symbol(self, name: str) -> sp.Expr:
        return VARIABLES[name] if name in VARIABLES else CONSTANTS[name]

    def add(self, left: sp.Expr, right: sp.Expr, subtract: bool) -> sp.Expr:
        return _bounded(left - right if subtract else left + right)

    def multiply(self, left: sp.Expr, right: sp.Expr, divide: Token | None) -> sp.Expr:
        if divide is None:
            return _bounded(left * right)
        if right.is_zero:
            raise ExpressionError("division_by_zero", "", divide.position)
        return _bounded(left / right)

    def negate(self, operand: sp.Expr) -> sp.Expr:
        return -operand

    def power(self, base: sp.Expr, exponent: sp.Expr, position: int) -> sp.Expr:
        return _power(base, exponent, position)

    def absolute(self, inner: sp.Expr) -> sp.Expr:
        return _bounded(sp.Abs(inner))

    def apply(self, name: Token, argument: sp.Expr) -> sp.Expr:
        if name.text in ("exp", "sigmoid"):
            _check_exp_argument(argument if name.text == "exp" else -argument, name.position)
        return _bounded(FUNCTIONS[name.text](argument))


def literal(token: Token) -> str:
    """The literal's text, after a float check: ``1e999999`` must be refused before
    anything builds a million-digit integer from it."""
    approximate = float(token.text)
    if approximate > MAX_LITERAL:
        raise ExpressionError("number_too_large", token.text, token.position)
    if approximate < MIN_LITERAL and float(token.text.lower().partition("e")[0] or 0) != 0:
        raise ExpressionError("number_too_small", token.text, token.position)
    return token.text


def _check_exp_argument(argument: sp.Expr, position: int) -> None:
    """Refuse exp of a huge constant part before SymPy evaluates it (see MAX_EXP_ARGUMENT)."""
    for term in sp.Add.make_args(argument):
        if term.is_number and abs(complex(sp.N(term, 15))) > MAX_EXP_ARGUMENT:
            raise ExpressionError("number_too_large", "exp", position)


def _power(base: sp.Expr, exponent: sp.Expr, position: int) -> sp.Expr:
    if base.is_number and base.is_negative and not exponent.is_number:
        raise ExpressionError("not_real", "", position)  # (−2)^x: complex between integers
    if exponent.is_number:
        if not exponent.is_real or abs(float(exponent)) > MAX_EXPONENT:
            raise ExpressionError("exponent_too_large", str(exponent), position)
        if base.is_zero and exponent.is_negative:
            raise ExpressionError("division_by_zero", "", position)
        if exponent.is_Rational and exponent.q > MAX_EXPONENT_DENOMINATOR:
            exponent = sp.Float(exponent, 15)
    return _bounded(sp.Pow(base, exponent))


def _bounded(expr: sp.Expr) -> sp.Expr:
    """Refuse undefined, complex, huge or tiny constants, and coefficients with too many
    digits (``((10^12x)^64)^64`` would carry a 50 000-digit coefficient)."""
    if expr.has(sp.zoo, sp.nan):
        raise ExpressionError("undefined_constant")
    if not expr.is_number:
        for number in expr.atoms(sp.Rational):
            if len(str(abs(number.p))) > MAX_DIGITS or len(str(number.q)) > MAX_DIGITS:
                raise ExpressionError("number_too_large")
        for power in expr.atoms(sp.Pow):  # (−x²)^(1/3) becomes (−1)^(1/3)·|x|^(2/3)
            if power.is_number and sp.N(power, 5).has(sp.I):
                raise ExpressionError("not_real")
        return expr
    if expr.has(sp.oo, -sp.oo):
        raise ExpressionError("undefined_constant")
    value = sp.N(expr, 5)
    if value.has(sp.I):
        raise ExpressionError("not_real")
    if abs(value) > MAX_CONSTANT:
        raise ExpressionError("number_too_large")
    if value != 0 and abs(value) < 1 / MAX_CONSTANT:
        raise ExpressionError("number_too_small")
    return expr


@dataclass(frozen=True)
class ParsedFunction:
    """A parsed function of ``x`` or of ``x`` and ``y``."""

    expr: sp.Expr
    variables: tuple[sp.Symbol, ...]


class OutOfTime(Exception):
    pass


#: How soon an alarm rings again when Python swallowed it (see ``ring_again_if_swallowed``).
AGAIN = 0.005


def ring_again_if_swallowed(kind: type[BaseException],
                            fallback: Callable[[Any], object]) -> Callable[[Any], None]:
    """A ``sys.unraisablehook`` for an alarm that raises ``kind``: one that landed in a
    weakref callback or a finalizer, where Python reports the exception and carries on,
    rings again soon, so the interrupted work still stops; other reports go on to
    ``fallback``."""

    def hook(report: Any) -> None:
        if isinstance(report.exc_value, kind):
            signal.setitimer(signal.ITIMER_REAL, AGAIN)
        else:
            fallback(report)

    return hook


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (SIGALRM; main thread only, elsewhere a no-op).
    An outer alarm (a render worker's own limit) is kept: if it is due first, it stays in
    charge; otherwise it is re-armed with what is left of it afterwards."""
    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    if threading.current_thread() is not threading.main_thread() or 0 < outer <= seconds:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise OutOfTime

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    hook = sys.unraisablehook
    sys.unraisablehook = ring_again_if_swallowed(OutOfTime, hook)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = hook
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3))


@lru_cache(maxsize=1024)
def parse_function(text: str) -> ParsedFunction:
    """Parse a function of x (or x and y) typed by a user; raise ExpressionError if refused.
    Remembered per text (a popular function is parsed once per process; a refusal is not
    remembered). The variables are those the text names (``x^2+0y`` is a function of x
    and y), as :func:`bot.engine.canonical.function_text` reads them without SymPy."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError("too_long", str(MAX_LENGTH))
    try:
        tokens = tokenize(text)
        with deadline(PARSE_SECONDS):
            expr = _Parser(tokens).parse()
    except OutOfTime:
        raise ExpressionError("too_complex") from None
    except ExpressionError:
        raise
    except (ArithmeticError, ValueError, TypeError, RecursionError) as error:
        raise ExpressionError("undefined_constant") from error
    if not expr.free_symbols:
        raise ExpressionError("no_variable")
    named = {token.text for token in tokens if token.kind == "name"}
    variables = (X, Y) if "y" in named else (X,)
    return ParsedFunction(expr=expr, variables=variables)
