"""Tests for bot.engine.expr: the whitelist parser from user text to SymPy.

Every expected expression is built here from SymPy objects (never by parsing text), and
equality is checked with ``sp.simplify(parsed - expected) == 0``.
"""

from __future__ import annotations

import builtins
import importlib
import signal
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pytest
import sympy as sp
import sympy.parsing.sympy_parser

from bot.engine.canonical import function_key
from bot.engine.expr import MAX_LENGTH, ExpressionError, OutOfTime, X, Y, deadline, parse_function
from bot.fa.numbers import normalize_input

ROOT = Path(__file__).resolve().parents[1]
# ``sympy.core.sympify`` the attribute is the function; the module is needed here.
SYMPIFY_MODULE = importlib.import_module("sympy.core.sympify")
R = sp.Rational


def sigmoid(u: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-u))


#: (text, expected SymPy expression, expected variables). Shared with the derivative and
#: round-trip tests in test_gd_engine.py and test_numbers.py.
VALID_FORMS: list[tuple[str, sp.Expr, tuple[sp.Symbol, ...]]] = [
    ("0.1x^2", R(1, 10) * X**2, (X,)),
    ("0.1*x**2", R(1, 10) * X**2, (X,)),
    ("x^4-3x^2+x", X**4 - 3 * X**2 + X, (X,)),
    ("sin(x)+0.1x^2", sp.sin(X) + R(1, 10) * X**2, (X,)),
    ("x^2+10y^2", X**2 + 10 * Y**2, (X, Y)),
    ("(1-x)^2+100(y-x^2)^2", (1 - X) ** 2 + 100 * (Y - X**2) ** 2, (X, Y)),
    # implicit multiplication
    ("2x", 2 * X, (X,)),
    ("xy", X * Y, (X, Y)),
    ("x y", X * Y, (X, Y)),
    ("2(x+1)", 2 * (X + 1), (X,)),
    ("sin(x)cos(x)", sp.sin(X) * sp.cos(X), (X,)),
    ("3x^2y", 3 * X**2 * Y, (X, Y)),
    ("(x+1)(x-1)", (X + 1) * (X - 1), (X,)),
    ("2sin(x)", 2 * sp.sin(X), (X,)),
    ("x(y+1)", X * (Y + 1), (X, Y)),
    # powers: right-associative, tighter than unary minus, ^ and ** alike
    ("2^3^x", sp.Pow(2, sp.Pow(3, X)), (X,)),
    ("2**3**x", sp.Pow(2, sp.Pow(3, X)), (X,)),
    ("x^2^3", X**8, (X,)),
    ("2^x^2", sp.Pow(2, X**2), (X,)),
    ("-x^2", -(X**2), (X,)),
    ("-x**2", -(X**2), (X,)),
    ("-2^x", -sp.Pow(2, X), (X,)),
    ("x^-2", X ** (-2), (X,)),
    ("2^-x^2", sp.Pow(2, -(X**2)), (X,)),
    ("(x^2)^3", X**6, (X,)),
    ("x^(1/2)", sp.sqrt(X), (X,)),
    ("x^0.5", sp.sqrt(X), (X,)),
    ("x^1.5*y", X ** R(3, 2) * Y, (X, Y)),
    # division and numbers
    ("x/3", X / 3, (X,)),
    ("1/x", 1 / X, (X,)),
    ("x/2/2", X / 4, (X,)),
    ("2.5e3x", 2500 * X, (X,)),
    ("1e-5x", R(1, 100000) * X, (X,)),
    (".5x", X / 2, (X,)),
    ("0.25x^3-x/7", R(1, 4) * X**3 - X / 7, (X,)),
    ("-0.1x^2+y", -R(1, 10) * X**2 + Y, (X, Y)),
    # every function of the whitelist
    ("sin(x)", sp.sin(X), (X,)),
    ("cos(x)", sp.cos(X), (X,)),
    ("tan(x)", sp.tan(X), (X,)),
    ("exp(x)", sp.exp(X), (X,)),
    ("log(x)", sp.log(X), (X,)),
    ("ln(x)", sp.log(X), (X,)),
    ("sqrt(x)", sp.sqrt(X), (X,)),
    ("abs(x)", sp.Abs(X), (X,)),
    ("tanh(x)", sp.tanh(X), (X,)),
    ("sigmoid(x)", sigmoid(X), (X,)),
    ("exp(-x^2)", sp.exp(-(X**2)), (X,)),
    ("sqrt(x^2+y^2)", sp.sqrt(X**2 + Y**2), (X, Y)),
    ("log(1+exp(x))", sp.log(1 + sp.exp(X)), (X,)),
    ("SIN(X)", sp.sin(X), (X,)),
    # constants
    ("e^x", sp.exp(X), (X,)),
    ("e*x", sp.E * X, (X,)),
    ("pi*x", sp.pi * X, (X,)),
    ("π*x", sp.pi * X, (X,)),
    ("π x", sp.pi * X, (X,)),
    ("x sin(x)", X * sp.sin(X), (X,)),
    ("pi^2*x", sp.pi**2 * X, (X,)),
    ("2e*x", 2 * sp.E * X, (X,)),
    # brackets and whitespace
    ("[x+1]^2", (X + 1) ** 2, (X,)),
    ("  x ^ 2  +  y  ", X**2 + Y, (X, Y)),
    ("y", Y, (X, Y)),
]

@pytest.mark.parametrize(("text", "expected", "variables"), VALID_FORMS,
                         ids=[f[0] for f in VALID_FORMS])
def test_valid_form_parses_to_the_expected_expression(text, expected, variables):
    parsed = parse_function(text)
    assert sp.simplify(parsed.expr - expected) == 0, (text, parsed.expr, expected)
    assert parsed.variables == variables


@pytest.mark.parametrize(
    ("text", "expected", "wrong"),
    [
        ("-x^2", -(X**2), X**2),  # -(x^2), not (-x)^2
        ("2^3^2*x", 512 * X, 64 * X),  # 2^(3^2), not (2^3)^2
        ("2**3**2*x", 512 * X, 64 * X),
        ("2^3**2*x", 512 * X, 64 * X),  # the two spellings mix
        ("x^3^2", X**9, X**6),
        ("-2^2*x", -4 * X, 4 * X),
    ],
)
def test_power_is_right_associative_and_binds_tighter_than_minus(text, expected, wrong):
    parsed = parse_function(text).expr
    assert sp.simplify(parsed - expected) == 0
    assert sp.simplify(parsed - wrong) != 0  # the other reading really differs


@pytest.mark.parametrize(("text", "expected"), [("πx", sp.pi * X), ("2πx", 2 * sp.pi * X),
                                                ("xπ", sp.pi * X), ("xsin(x)", X * sp.sin(X))])
def test_constant_or_function_glued_to_a_variable_is_implicit_multiplication(text, expected):
    assert sp.simplify(parse_function(text).expr - expected) == 0


def test_spellings_of_one_function_share_a_key():
    keys = {function_key(t) for t in ("0.1x^2", "0.1*x**2", "x^2/10", "0.1 * x ^ 2")}
    assert len(keys) == 1
    assert function_key("0.1x^2") != function_key("0.2x^2")


@pytest.mark.parametrize(
    ("persian", "ascii_text"),
    [
        ("۰٫۱x^۲", "0.1x^2"),
        ("٠٫١x^٢", "0.1x^2"),  # Arabic-Indic digits
        ("x^۴−۳x^۲+x", "x^4-3x^2+x"),  # Unicode minus sign
        ("۲×x÷۳", "2*x/3"),
        ("x^۲+۱۰y^۲", "x^2+10y^2"),
    ],
)
def test_persian_digits_after_normalisation_parse_like_ascii(persian, ascii_text):
    normalised = normalize_input(persian)
    assert normalised == ascii_text
    a, b = parse_function(normalised), parse_function(ascii_text)
    assert sp.simplify(a.expr - b.expr) == 0
    assert function_key(normalised) == function_key(ascii_text)


BAD_INPUTS: list[tuple[str, str]] = [
    ("__import__('os')", "bad_character"),
    ("x;y", "bad_character"),
    ('"x"', "bad_character"),
    ("x$", "bad_character"),
    ("x_1", "bad_character"),
    ("x,y", "bad_character"),
    ("x=1", "bad_character"),
    ("x@y", "bad_character"),
    ("x.__class__", "bad_character"),
    ("foo(x)", "unknown_name"),
    ("lambda", "unknown_name"),
    ("exec(x)", "unknown_name"),
    ("x+y+z", "extra_variable"),
    ("t^2", "extra_variable"),
    ("sinx", "needs_parentheses"),
    ("sin x", "needs_parentheses"),
    ("sqrtx+1", "needs_parentheses"),
    ("(x+1", "unbalanced"),
    ("x+1)", "unbalanced"),
    ("sin(x", "unbalanced"),
    ("((x)", "unbalanced"),
    ("x+", "incomplete"),
    ("x^", "incomplete"),
    ("2*", "incomplete"),
    ("", "empty"),
    ("   ", "empty"),
    ("x" * (MAX_LENGTH + 1), "too_long"),
    ("x+" * 100 + "x", "too_long"),
    ("(" * 13 + "x" + ")" * 13, "too_deep"),
    ("sin(" * 13 + "x" + ")" * 13, "too_deep"),
    ("-" * 13 + "x", "too_deep"),
    ("x^999", "exponent_too_large"),
    ("9^9^9^9", "exponent_too_large"),
    ("x^65", "exponent_too_large"),
    ("x^-65", "exponent_too_large"),
    ("2^1e12*x", "exponent_too_large"),
    ("1e101x", "number_too_large"),
    ("1" + "0" * 101 + "x", "number_too_large"),
    ("1e-101x", "number_too_small"),
    ("(10^12)^9*x", "number_too_large"),
    ("exp(10^12)+x", "number_too_large"),
    ("log(0)+x", "undefined_constant"),
    ("tan(pi/2)+x", "undefined_constant"),
    ("(-1)^0.5*x", "not_real"),
    ("sqrt(-1)*x", "not_real"),
    ("log(-1)+x", "not_real"),
    ("(-(x^2))^(1/3)", "not_real"),  # SymPy pulls out (−1)^(1/3); found by the round-trip test
    ("1/0+x", "division_by_zero"),
    ("x/(1-1)", "division_by_zero"),
    ("0^-1+x", "division_by_zero"),
    ("2+3", "no_variable"),
    ("pi*e", "no_variable"),
    ("sin(1)", "no_variable"),
]


@pytest.mark.parametrize(("text", "code"), BAD_INPUTS, ids=[f"{c}:{t[:20]}" for t, c in BAD_INPUTS])
def test_bad_input_raises_expression_error_with_code(text, code):
    with pytest.raises(ExpressionError) as info:
        parse_function(text)
    assert info.value.code == code, str(info.value)


def test_too_long_boundary_is_exactly_max_length():
    parse_function("x" * MAX_LENGTH)  # 200 characters: allowed (x^200)
    assert sp.simplify(parse_function("x" * MAX_LENGTH).expr - X**MAX_LENGTH) == 0
    with pytest.raises(ExpressionError) as info:
        parse_function("x" * (MAX_LENGTH + 1))
    assert info.value.code == "too_long"


@pytest.mark.parametrize(("text", "detail"), [("foo(x)", "foo"), ("x;y", ";"), ("x+y+z", "z"),
                                              ("sinx", "sin")])
def test_error_detail_names_the_culprit(text, detail):
    with pytest.raises(ExpressionError) as info:
        parse_function(text)
    assert info.value.detail == detail


HOSTILE = [
    "(" * 12 + "x" + ")" * 12,
    "(" * 40 + "x" + ")" * 40,
    "(" * 100,
    ")" * 100,
    "sin(" * 12 + "x" + ")" * 12,
    "sqrt(" * 30 + "x" + ")" * 30,
    "-" * 150 + "x",
    "x^x^x^x",
    "x^x^x^x^x^x^x^x^x^x",
    "2^2^2^2^2^2^2^2^x",
    "9^9^9^9",
    "9^9^9^9^9^9^9^9^9^9^9^9",
    "(x^64)^64",
    "((x^64)^64)^64",
    "(2^64)^64+x",
    "((10^12)^8)^64*x",
    "exp(exp(exp(exp(x))))",
    "exp(exp(exp(exp(100))))*x",
    "sin(exp(exp(exp(3))))*x",
    "sin((10^12)^8)*x",
    "x" * 200,
    "x*" * 99 + "x",
    "x+" * 99 + "x",
    "x^64*" * 33 + "x",
    "(x+1)^64*(x+2)^64*(y+3)^64",
    "1e12*" * 33 + "x",
    "1" * 200,
    "9" * 199 + "x",
    "1/(log(2)+log(3)-log(6))+x",
    "tan(exp(200))+x",
    "log(log(log(log(1e-12))))+x",
    "__import__('os').system('true')",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 0",
    "x" + "\u200b" * 10,
    "\x00x",
    "x\n+y",
]


def _no_string_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every route from a string to Python's eval raise."""

    def refuse_eval(*args, **kwargs):
        raise AssertionError("eval called")

    real_sympify = SYMPIFY_MODULE.sympify

    def refuse_string_sympify(a, *args, **kwargs):
        if isinstance(a, str):
            raise AssertionError(f"sympify called on text {a!r}")  # noqa: TRY004
        return real_sympify(a, *args, **kwargs)

    def refuse_parse_expr(*args, **kwargs):
        raise AssertionError("parse_expr called")

    monkeypatch.setattr(builtins, "eval", refuse_eval)
    monkeypatch.setattr(sp, "sympify", refuse_string_sympify)
    monkeypatch.setattr(SYMPIFY_MODULE, "sympify", refuse_string_sympify)
    monkeypatch.setattr(sp, "parse_expr", refuse_parse_expr, raising=False)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", refuse_parse_expr)


def test_eval_guard_is_armed(monkeypatch):
    """The guard really refuses: otherwise the hostile test below proves nothing."""
    _no_string_eval(monkeypatch)
    with pytest.raises(AssertionError):
        eval("1")
    with pytest.raises(AssertionError):
        sp.sympify("x")
    with pytest.raises(AssertionError):
        sympy.parsing.sympy_parser.parse_expr("x")


@pytest.mark.parametrize("text", HOSTILE, ids=[f"h{i}" for i in range(len(HOSTILE))])
def test_hostile_input_is_answered_by_a_bound_without_eval(text, monkeypatch):
    """Each is answered by a bound check, not saved by the parse deadline (which would
    refuse it as too_complex after a second of work): no clock needed to tell."""
    _no_string_eval(monkeypatch)
    try:
        parsed = parse_function(text)
    except ExpressionError as refusal:
        assert refusal.code != "too_complex", f"{text[:40]!r} ran into the deadline"
        parsed = None
    if parsed is not None:
        assert parsed.expr.free_symbols <= {X, Y}
        assert parsed.expr.free_symbols


@pytest.mark.parametrize(("text", "expected", "variables"), VALID_FORMS[:12],
                         ids=[f[0] for f in VALID_FORMS[:12]])
def test_valid_forms_still_parse_with_eval_forbidden(text, expected, variables, monkeypatch):
    _no_string_eval(monkeypatch)
    parsed = parse_function(text)
    assert parsed.variables == variables
    monkeypatch.undo()
    assert sp.simplify(parsed.expr - expected) == 0


_CHILD = """
import sys, time
from bot.engine.expr import ExpressionError, parse_function
print("ready", file=sys.stderr, flush=True)
try:
    parse_function(sys.argv[1])
    print("parsed", flush=True)
except ExpressionError as error:
    print(error.code, flush=True)
except Exception as error:
    print(type(error).__name__, flush=True)
"""


def _parse_in_child(text: str, budget: float = 1.0) -> tuple[str, float]:
    """Parse ``text`` in a fresh interpreter; (its answer, seconds the parse took).

    A hang in a C-level big-integer computation cannot be interrupted in-process, so
    the child is killed when it exceeds ``budget``. The clock starts once the child has
    imported the parser, so interpreter start-up is not counted.
    """
    child = subprocess.Popen([sys.executable, "-c", _CHILD, text], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # "ready" comes on stderr: a buffered readline on stdout could swallow the answer
        assert child.stderr is not None
        assert child.stderr.readline().strip() == "ready"
        start = time.perf_counter()
        try:
            out, err = child.communicate(timeout=budget)
        except subprocess.TimeoutExpired:
            return "hung", time.perf_counter() - start
        elapsed = time.perf_counter() - start
        return out.strip() or f"no answer (rc={child.returncode}): {err[-300:]}", elapsed
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()


def test_child_harness_reports_a_normal_refusal():
    assert _parse_in_child("1e101x", budget=20.0)[0] == "number_too_large"
    assert _parse_in_child("0.1x^2", budget=20.0)[0] == "parsed"


@pytest.mark.parametrize("text", ["1e999999x", "1e-999999x", "x^1e999999"])
def test_literal_with_huge_exponent_is_refused_without_hanging(text):
    """A big-integer hang cannot be interrupted in-process: the child is killed after a
    budget far above any normal parse, so only a real hang fails (no speed claim)."""
    answer, elapsed = _parse_in_child(text, budget=30.0)
    assert answer != "hung", f"{text!r} still parsing after {elapsed:.1f}s"
    assert answer in {"number_too_large", "number_too_small", "exponent_too_large"}


# ----------------------------------------------------------- what SymPy must not be asked

@pytest.mark.parametrize(("text", "code"), [
    ("exp(1e12 ln(2))+x", "number_too_large"),  # SymPy would build the integer 2^(10^12)
    ("exp(x + 1000000 log(2))", "number_too_large"),  # the same, inside a sum
    ("sigmoid(-1e12)+x", "number_too_large"),
    ("1/log(sigmoid(1e12))+x", "number_too_large"),
    ("(0^x)^-1+x", "undefined_constant"),
    ("exp(tanh((y^63.9)^63.9))", "too_complex"),  # 20 s of SymPy assumptions otherwise
])
def test_pathological_inputs_are_refused_by_their_bound(text: str, code: str) -> None:
    """Refused with the bound's own code; one that needed the parse deadline instead
    would say too_complex (only the last row expects that)."""
    with pytest.raises(ExpressionError) as caught:
        parse_function(text)
    assert caught.value.code == code


def test_a_long_decimal_exponent_becomes_a_float_instead_of_an_exact_root() -> None:
    parsed = parse_function("999999^0.5999999999999 x")  # an exact root would hit the deadline
    coefficient = float(parsed.expr.coeff(X))
    assert coefficient == pytest.approx(999999**0.5999999999999, rel=1e-12)
    assert parse_function("x^0.25").expr == X ** R(1, 4)  # short decimals stay exact


def test_the_parse_deadline_keeps_an_outer_alarm() -> None:
    """In a render worker an alarm already limits the whole job: parsing must not cancel
    it, and must re-arm it with what is left."""
    signal.setitimer(signal.ITIMER_REAL, 30)
    try:
        parse_function("x^2+10y^2")
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < left <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def test_a_deadline_swallowed_by_a_weakref_callback_still_interrupts_the_block() -> None:
    """Python ignores an exception raised inside a weakref callback (or a finalizer run by
    the garbage collector). An alarm landing there must ring again, or SymPy would run on
    past the deadline (CI saw exactly that under load); and nothing is reported as
    unraisable."""

    class Thing:
        pass

    def callback(_: object) -> None:
        time.sleep(0.5)  # the alarm lands here

    reported: list[object] = []
    hook, sys.unraisablehook = sys.unraisablehook, reported.append
    started = time.monotonic()
    try:
        with pytest.raises(OutOfTime):
            with deadline(0.05):
                thing = Thing()
                ref = weakref.ref(thing, callback)
                del thing
                time.sleep(5)  # still interrupted, soon after the callback returned
    finally:
        sys.unraisablehook = hook
    assert ref() is None and reported == []
    assert time.monotonic() - started < 4
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
