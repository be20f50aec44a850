"""Tests for bot.fa.numbers (Persian digits in and out) and bot.fa.formula (formulas
printed for people, which the /gd parser must read back)."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from bot.engine.expr import parse_function
from bot.fa.formula import plain, pretty
from bot.fa.numbers import ascii_number, fa_digits, fa_int, fa_number, normalize_input
from tests.test_expr import VALID_FORMS

PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
ARABIC = "٠١٢٣٤٥٦٧٨٩"


# ------------------------------------------------------------------------ normalize

@pytest.mark.parametrize("digit", range(10))
def test_each_persian_and_arabic_digit_maps_to_ascii(digit):
    assert normalize_input(PERSIAN[digit]) == str(digit)
    assert normalize_input(ARABIC[digit]) == str(digit)
    # code points: Persian U+06F0.., Arabic-Indic U+0660..
    assert ord(PERSIAN[digit]) == 0x06F0 + digit
    assert ord(ARABIC[digit]) == 0x0660 + digit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۱۲۳۴۵۶۷۸۹۰", "1234567890"),
        ("٣٫١٤", "3.14"),
        ("۰٫۲۵", "0.25"),  # «٫» Persian decimal separator
        ("۲،۱", "2,1"),  # «،» Persian comma
        ("x0=۲، ۱", "x0=2, 1"),
        ("۱٬۰۰۰", "1000"),  # «٬» thousands separator dropped
        ("ي", "ی"),  # Arabic yeh → Persian yeh
        ("ك", "ک"),  # Arabic kaf → Persian keheh
        ("يك", "یک"),
        ("۲×x", "2*x"),
        ("x÷۲", "x/2"),
        ("x−۱", "x-1"),  # U+2212 minus
        ("x–۱", "x-1"),  # en dash
        ("نیم\u200cفاصله", "نیمفاصله"),  # ZWNJ removed
        ("\u200fx\u200e", "x"),  # direction marks removed
        ("x^2+10y^2 lr=0.1", "x^2+10y^2 lr=0.1"),  # ASCII untouched
        ("", ""),
    ],
)
def test_normalize_input(text, expected):
    assert normalize_input(text) == expected


def test_normalize_input_leaves_other_persian_letters_alone():
    text = "گرادیان کاهشی با نرخ یادگیری"
    assert normalize_input(text) == text


# -------------------------------------------------------------------------- output

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0123456789", PERSIAN),
        ("0.25", "۰٫۲۵"),
        ("-1.5", "-۱٫۵"),
        ("3.14 و 2.5", "۳٫۱۴ و ۲٫۵"),
        ("1.", "۱."),  # a full stop after a number is not a decimal separator
        (".5", ".۵"),
        ("x1.5y", "x۱٫۵y"),
        ("v1.2.3", "v۱٫۲٫۳"),
        ("گام 25.", "گام ۲۵."),
        ("abc", "abc"),
    ],
)
def test_fa_digits(text, expected):
    assert fa_digits(text) == expected


@pytest.mark.parametrize(("value", "expected"), [(0, "۰"), (25, "۲۵"), (500, "۵۰۰"),
                                                 (-12, "-۱۲"), (1000000, "۱۰۰۰۰۰۰")])
def test_fa_int(value, expected):
    assert fa_int(value) == expected


NUMBER_TABLE = [
    # value, ascii_number, fa_number
    (0.25, "0.25", "۰٫۲۵"),
    (-1.5, "-1.5", "−۱٫۵"),
    (3.2e12, "3.2e+12", "۳٫۲×۱۰¹²"),
    (-3.2e12, "-3.2e+12", "−۳٫۲×۱۰¹²"),
    (1e-7, "1e-7", "۱×۱۰⁻⁷"),
    (-2.5e-5, "-2.5e-5", "−۲٫۵×۱۰⁻⁵"),
    (1234567.0, "1.235e+6", "۱٫۲۳۵×۱۰⁶"),
    (1e6, "1e+6", "۱×۱۰⁶"),
    (0.0, "0", "۰"),
    (-0.0, "0", "۰"),
    (2.0, "2", "۲"),
    (100.0, "100", "۱۰۰"),
    (12345.6, "12346", "۱۲۳۴۶"),
    (1 / 3, "0.3333", "۰٫۳۳۳۳"),
    (0.0001, "0.0001", "۰٫۰۰۰۱"),
    (0.1, "0.1", "۰٫۱"),
    (float("nan"), "NaN", "NaN"),
    (float("inf"), "∞", "∞"),
    (float("-inf"), "-∞", "−∞"),
]


@pytest.mark.parametrize(("value", "ascii_text", "persian"), NUMBER_TABLE,
                         ids=[repr(v) for v, _, _ in NUMBER_TABLE])
def test_number_table(value, ascii_text, persian):
    assert ascii_number(value) == ascii_text
    assert fa_number(value) == persian
    assert not any(ch.isascii() and ch.isdigit() for ch in persian)
    assert "-" not in persian  # the minus sign is U+2212 in prose


@pytest.mark.parametrize(
    "value",
    [0.25, -1.5, 3.2e12, 1e-7, 123.456, -0.000123456, 9.87654e20, 6.02214076e23, 1 / 7,
     42.0, 999.95, 1e-4, 5e5, 1e300, -1e-300],
)
def test_ascii_number_reads_back_within_four_significant_digits(value):
    text = ascii_number(value)
    assert float(text) == pytest.approx(value, rel=5e-4)
    assert len(text) <= 10


@pytest.mark.parametrize("significant", [1, 2, 3, 6])
def test_ascii_number_respects_significant_digits(significant):
    value = math.pi * 1e8
    text = ascii_number(value, significant)
    assert float(text) == pytest.approx(value, rel=0.5 * 10 ** (1 - significant))
    mantissa = text.split("e")[0].replace("-", "").replace(".", "").lstrip("0")
    assert 1 <= len(mantissa) <= significant


# ----------------------------------------------------------------- formula round trip

@pytest.mark.parametrize(("text", "expected", "variables"), VALID_FORMS,
                         ids=[f[0] for f in VALID_FORMS])
def test_plain_formula_parses_back_to_the_same_expression(text, expected, variables):
    expr = parse_function(text).expr
    printed = plain(expr)
    assert "**" not in printed
    again = parse_function(printed)
    assert sp.simplify(again.expr - expected) == 0, printed
    assert again.variables == variables
    # and once more: printing is stable
    assert plain(again.expr) == printed


@pytest.mark.parametrize(
    ("text", "printed"),
    [("0.1x^2", "0.1x^2"), ("0.1*x**2", "0.1x^2"), ("x^2+10y^2", "x^2 + 10y^2"),
     ("2x", "2x"), ("-x^2", "-x^2"), ("x/3", "x/3"), ("1e-5x", "0.00001x")],
)
def test_plain_writes_like_a_teacher(text, printed):
    assert plain(parse_function(text).expr) == printed


@pytest.mark.parametrize(
    ("text", "printed"),
    [("0.1x^2", "0.1x²"), ("x^4-3x^2+x", "x⁴ − 3x² + x"), ("x^-2", "x⁻²"),
     ("pi*x", "πx"), ("y-x^2", "y − x²"), ("abs(x)+x^2", "x² + |x|"), ("x*y+x", "xy + x"),
     ("x*exp(x)", "x·exp(x)"), ("(1-x)^2+100(y-x^2)^2", "(1 − x)² + 100(y − x²)²")],
)
def test_pretty_uses_superscripts_and_minus_signs(text, printed):
    assert pretty(parse_function(text).expr) == printed


def test_pretty_shortens_long_formulas():
    expr = parse_function("+".join(f"sin({k}x)" for k in range(2, 17))).expr
    text = pretty(expr, limit=40)
    assert len(text) == 40 and text.endswith("…")
