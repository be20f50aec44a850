"""Every formula the bot prints is the same expression when read back by its own parser.

Random functions are drawn from the parser's grammar (numbers, x, y, π, e, + − * / ^,
implicit products, superscript exponents, ·, −, |…|, every function name); each one and
its derivatives go through every printer (``plain``: ``try --json`` and the lab data;
``pretty``: captions and picture titles) and back through ``parse_function``. Equality
is checked independently of the printers: the same SymPy tree, or ``simplify(a − b) == 0``,
or equal values at random points where both are defined.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.engine.expr import FUNCTIONS, ExpressionError, parse_function
from bot.engine.objective import compile_objective
from bot.fa import gd as gd_words
from bot.fa import lr as lr_words
from bot.fa import opt as opt_words
from bot.fa.formula import plain, pretty
from bot.labdata.gd import GDRequest
from bot.labdata.lr import LRRequest
from bot.labdata.opt import OptRequest
from bot.labs.gd import run_gd
from bot.labs.lr import run_lr
from bot.labs.opt import run_opt

X, Y = sp.symbols("x y", real=True)
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

numbers = st.one_of(
    st.integers(0, 12).map(str),
    st.sampled_from(["0.5", "0.1", "2.5", "0.25", "1.5", "3", "10", ".5", "1e-2", "2e1"]),
)
atoms = st.one_of(numbers, st.sampled_from(["x", "y", "x", "pi", "π", "e"]))


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "−", "*", "·", "×", "/", ""]),
                       children).map(lambda t: f"({t[0]}){t[1]}({t[2]})")
    power = st.tuples(children, st.sampled_from(["2", "3", "-1", "-2", "0.5", "1/3", "x"])
                      ).map(lambda t: f"({t[0]})^({t[1]})")
    superscript = st.tuples(children, st.sampled_from(["2", "3", "-1", "4"])
                            ).map(lambda t: f"({t[0]}){t[1].translate(SUPERSCRIPTS)}")
    call = st.tuples(st.sampled_from(sorted(FUNCTIONS)), children).map(lambda t: f"{t[0]}({t[1]})")
    bars = children.map(lambda c: f"|{c}|")
    negated = children.map(lambda c: f"-({c})")
    implicit = st.tuples(numbers, st.sampled_from(["x", "y", "x^2", "(x+y)", "|x|"])
                         ).map("".join)
    return st.one_of(binary, power, superscript, call, bars, negated, implicit)


texts = st.recursive(atoms, _combine, max_leaves=6)


def _parse(text: str) -> sp.Expr:
    return parse_function(text).expr


def _values(expr: sp.Expr, points: np.ndarray) -> np.ndarray:
    fn = sp.lambdify((X, Y), expr, modules="numpy")
    with np.errstate(all="ignore"):
        out = np.asarray(fn(points[:, 0], points[:, 1]), dtype=complex)
    out = np.broadcast_to(out, (len(points),))
    return np.where(np.abs(out.imag) > 1e-9 * np.maximum(1, np.abs(out.real)), np.nan, out.real)


def same_expression(a: sp.Expr, b: sp.Expr) -> bool:
    """The same tree, or simplify(a − b) == 0, or equal wherever both are defined."""
    if a == b:
        return True
    points = np.random.default_rng(11).uniform(-3, 3, size=(40, 2))
    va, vb = _values(a, points), _values(b, points)
    both = np.isfinite(va) & np.isfinite(vb)
    if np.array_equal(np.isfinite(va), np.isfinite(vb)) and both.sum() >= 5:
        return bool(np.allclose(va[both], vb[both], rtol=1e-9, atol=1e-12))
    return sp.simplify(a - b) == 0


def printed_forms(expr: sp.Expr) -> dict[str, str]:
    return {"plain": plain(expr), "pretty": pretty(expr, limit=10**6)}


def check_roundtrip(expr: sp.Expr) -> None:
    for printer, text in printed_forms(expr).items():
        if not expr.free_symbols:  # a constant derivative (3 for 3x) is not a function
            continue
        back = _parse(text)
        assert same_expression(expr, back), f"{printer} printed {expr} as {text!r}, read {back}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.filter_too_much])
@given(texts)
def test_every_printed_formula_parses_back_to_the_same_expression(text: str) -> None:
    try:
        parsed = parse_function(text)
        objective = compile_objective(parsed)
    except ExpressionError:
        assume(False)
        return
    check_roundtrip(parsed.expr)
    for derivative in objective.gradient_exprs:  # printed in the /gd caption and JSON
        check_roundtrip(derivative)


@pytest.mark.parametrize(("text", "expected"), [
    ("x²", X**2), ("x⁻²", X**-2), ("2·x", 2 * X), ("x×y", X * Y), ("−x²", -X**2),
    ("|x|", sp.Abs(X)), ("2|x − 1|", 2 * sp.Abs(X - 1)), ("|x||y|", sp.Abs(X) * sp.Abs(Y)),
    ("||x| − 1|", sp.Abs(sp.Abs(X) - 1)), ("|(2|x|)|", 2 * sp.Abs(X)), ("sign(x)", sp.sign(X)),
    ("sin(x)²", sp.sin(X)**2), ("x²y", X**2 * Y), ("0.5/sqrt(x)", 1 / (2 * sp.sqrt(X))),
    ("x²·exp(x)", X**2 * sp.exp(X)), ("2^x·y", 2**X * Y), ("|y|·sign(x|y| + 1)",
                                                         sp.Abs(Y) * sp.sign(X * sp.Abs(Y) + 1)),
])
def test_the_parser_reads_what_the_bot_prints(text: str, expected: sp.Expr) -> None:
    assert sp.simplify(_parse(text) - expected) == 0


@pytest.mark.parametrize(("text", "code"), [("|x", "unbalanced"), ("|x|y|", "incomplete"),
                                            ("(x|)", "unexpected")])
def test_unbalanced_bars_are_refused(text: str, code: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_function(text)
    assert info.value.code == code


@pytest.mark.parametrize(("text", "shown"), [
    ("sqrt(x)", "0.5/sqrt(x)"),  # was 0.51/sqrt(x): 0.5·(1/…) without its dot
    ("0.5/x", "−0.5/x²"),
])
def test_a_decimal_coefficient_over_a_denominator(text: str, shown: str) -> None:
    objective = compile_objective(parse_function(text))
    assert pretty(objective.gradient_exprs[0]) == shown


# ------------------------------------------------------ the labs' printed formulas

_CODE = re.compile(r"<code>(.*?)</code>", re.S)
_ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069\u200e\u200f")


def _formulas(caption: str, prefix: str) -> list[str]:
    """The formulas after ``prefix`` in the caption's code spans, as a reader copies them."""
    spans = [html.unescape(s) for s in _CODE.findall(caption)]
    return [s.split(" = ", 1)[1] for s in spans if s.startswith(prefix)]


def _title_formula(title: str) -> str:
    isolated = re.search(r"\u2066(.*?)\u2069", title)
    assert isolated is not None
    return isolated.group(1).split(" = ", 1)[1]


LAB_FUNCTIONS = ["sqrt(x)", "0.5/x", "abs(x)+x^2", "x*exp(x)", "x^2+10y^2", "2^x*y+x^2",
                 "abs(x-y)+0.5y^2", "sigmoid(x)", "x^4-3x^2+x"]


def _start(expr_text: str) -> tuple[float, ...]:
    return (1.5, 0.5) if "y" in expr_text else (1.5,)


@pytest.mark.parametrize("text", LAB_FUNCTIONS)
def test_gd_caption_title_and_json_print_the_same_function(text: str) -> None:
    objective = compile_objective(parse_function(text))
    result = run_gd(GDRequest(text, _start(text), 0.05, 5))
    summary = result.summary
    caption = gd_words.caption(summary)
    data = summary.to_data()
    assert same_expression(objective.expr, _parse(_formulas(caption, "f(x")[0]))
    assert same_expression(objective.expr, _parse(_title_formula(
        gd_words.picture_labels(summary).title)))
    assert same_expression(objective.expr, _parse(str(data["function"])))
    derivatives = data["derivative"] if isinstance(data["derivative"], list) else [data["derivative"]]
    shown = _formulas(caption, "∇f")[0][1:-1].split(", ") if len(derivatives) > 1 \
        else _formulas(caption, "f'(x)")
    for exact, json_text, caption_text in zip(objective.gradient_exprs, derivatives, shown):
        assert same_expression(exact, _parse(str(json_text)))
        if exact.free_symbols:
            assert same_expression(exact, _parse(caption_text))


@pytest.mark.parametrize("text", ["sqrt(x)+0.5/x", "abs(x-y)+0.5y^2", "x^2+10y^2"])
def test_lr_and_opt_captions_titles_and_json_print_the_same_function(text: str) -> None:
    objective = compile_objective(parse_function(text))
    x0 = _start(text)
    lr = run_lr(LRRequest(text, x0, (0.01, 0.02), 3)).summary
    opt = run_opt(OptRequest(text, x0, 3, ("sgd", "adam"))).summary
    for summary, words in ((lr, lr_words), (opt, opt_words)):
        caption = words.caption(summary)
        assert same_expression(objective.expr, _parse(_formulas(caption, "f(x")[0]))
        labels = words.picture_labels(summary)
        title = getattr(labels, "formula", None) or labels.title
        assert same_expression(objective.expr, _parse(_title_formula(title)))
        assert same_expression(objective.expr, _parse(str(summary.to_data()["function"])))


def test_same_expression_is_not_trivially_true() -> None:
    assert not same_expression(X**2, X**2 + 1e-6 * X)
    assert not same_expression(sp.Abs(X) * Y, sp.Abs(X * Y) + X)
    assert math.isfinite(float(_values(X, np.array([[1.0, 2.0]]))[0]))


@pytest.mark.parametrize("text", [
    "((1e-2)^(3))*((1e-2x)⁴)",  # Hypothesis found it: 1e-14x⁴, once refused as typed back
    "1e12x^64",  # its derivative 6.4e13x⁶³ is past the old 1e12 bound on literals
    "1e-12sqrt(x)",  # its derivative 5e-13/sqrt(x) is below the old 1e-12 bound
])
def test_tiny_and_huge_coefficients_the_bot_prints_can_be_typed_back(text: str) -> None:
    parsed = parse_function(text)
    check_roundtrip(parsed.expr)
    for derivative in compile_objective(parsed).gradient_exprs:
        check_roundtrip(derivative)
