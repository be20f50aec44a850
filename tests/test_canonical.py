"""bot.engine.canonical reads function texts on the event loop without SymPy: it must
refuse what the grammar refuses exactly as the SymPy parser does, leave what needs
values to the parser in the worker, count the variables as the parser does, and give
two texts one key only when they are one function."""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

from bot.engine import expr
from bot.engine.canonical import function_key, function_text
from bot.engine.expr import ExpressionError, parse_function
from tests.test_expr import BAD_INPUTS, HOSTILE, VALID_FORMS

TEXTS = [t for t, *_ in VALID_FORMS] + [t for t, _ in BAD_INPUTS] + HOSTILE + [
    "x^2+y-y", "x^2+0y", "2(x+1)", "(x+1)2", "2x+2", "(x+1)^2", "x*y/x", "x(x+1)-x(1+x)+y",
    "(2x)^-1", "1/(2x)", "x^0.5", "x^(1/2)", "sqrt(x)", "1e100*1e100*x", "(1e50x)^64",
    "x/(x-x)", "ln(x)", "log(x)", "sigmoid(x)", "|x|", "abs(x)", "π x", "pi*x", "x^-1", "1/x"]
#: What only values show: the parser in the worker refuses these after the loop accepted.
NEEDS_VALUES = {"undefined_constant", "not_real", "number_too_large", "number_too_small",
                "exponent_too_large", "division_by_zero", "too_complex", "no_variable"}


def _outcome(read, text):
    try:
        return read(text), None
    except ExpressionError as error:
        return None, error


@pytest.mark.parametrize("text", TEXTS, ids=[f"t{i}" for i in range(len(TEXTS))])
def test_the_loop_refuses_what_the_parser_refuses_and_counts_variables_alike(text: str) -> None:
    shape, loop_error = _outcome(function_text, text)
    parsed, error = _outcome(parse_function, text)
    if loop_error is not None:
        assert error is not None, (text, loop_error)
        if loop_error.code == "no_variable":  # a constant: SymPy may find what is wrong with it
            assert error.code in NEEDS_VALUES, (text, error)
        else:
            assert (loop_error.code, loop_error.detail, loop_error.position) == (
                error.code, error.detail, error.position), text
    elif error is not None:
        assert error.code in NEEDS_VALUES, (text, error)
    else:
        assert shape.dimension == len(parsed.variables), text


def test_one_key_is_one_function() -> None:
    parsed = {}
    for text in TEXTS:
        try:
            parsed[text] = (function_key(text), parse_function(text).expr)
        except ExpressionError:
            continue
    shared = 0
    for (a, (key_a, expr_a)), (b, (key_b, expr_b)) in itertools.combinations(parsed.items(), 2):
        if key_a == key_b:
            shared += 1
            assert sp.simplify(expr_a - expr_b) == 0, (a, b)
    assert shared >= 8  # the list holds many spellings of one function: they do share


@pytest.mark.parametrize(("a", "b"), [("0.1x^2", "x^2/10"), ("2(x+1)", "(x+1)2"),
                                      ("2(x+1)", "2x+2"), ("(2x)^-1", "1/(2x)"),
                                      ("x^0.5", "x^(1/2)"), ("ln(x)", "log(x)"),
                                      ("|x|", "abs(x)"), ("π x", "pi*x"), ("x*y/x", "y")])
def test_spellings_share_a_key(a: str, b: str) -> None:
    assert function_key(a) == function_key(b)


@pytest.mark.parametrize(("a", "b"), [("x^2", "x^3"), ("x+y", "x-y"), ("sin(x)", "cos(x)"),
                                      ("x^0.5", "x^0.25"), ("abs(x)", "x"), ("2^x", "x^2")])
def test_different_functions_have_different_keys(a: str, b: str) -> None:
    assert function_key(a) != function_key(b)


@pytest.mark.parametrize("text", ["x^2 + 0*log(0)", "x^2 + 0*sqrt(-1)", "x^2*(sqrt(-1))^0",
                                  "x^2 + log(-1)*0", "-(x^0.5)^2((-1)^x)^0", "x^2+log(0)-log(0)",
                                  "x^2*log(0)/log(0)", "x^2*(log(0)-log(0))^0",
                                  "x^2+0*abs(log(0))", "x^2+0/x", "x^2+0*2^x"])
def test_a_part_that_might_be_refused_is_never_dropped_from_the_key(text: str) -> None:
    """Times 0, to the power 0 or cancelled, a function, a division or a non-integer
    power still decides the answer (SymPy may refuse it): the key is the text."""
    assert function_key(text) == "text:" + text


@pytest.mark.parametrize(("a", "b"), [("x^2+0*x", "x^2"), ("x^2*(x+1)^0", "x^2"),
                                      ("x^2+y-y", "x^2+0y"), ("x*y/x", "y")])
def test_polynomial_parts_still_drop_out(a: str, b: str) -> None:
    assert function_key(a) == function_key(b) and not function_key(a).startswith("text:")


def test_a_text_naming_y_is_a_function_of_x_and_y_on_both_sides() -> None:
    assert function_text("x^2+0y").dimension == len(parse_function("x^2+0y").variables) == 2
    assert function_text("y^2").dimension == 2 and function_text("x^2").dimension == 1


class _NoSymPy:
    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"SymPy used: sp.{name}")


def test_reading_a_text_never_calls_sympy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expr, "sp", _NoSymPy())
    function_text.cache_clear()
    for text in ("(1-x)^2+100(y-x^2)^2", "sin(x)+0.1x^2", "x^4-3x^2+x", "exp(-x^2)|y|"):
        assert function_text(text).key
    with pytest.raises(ExpressionError):
        function_text("x^2+")
    function_text.cache_clear()
