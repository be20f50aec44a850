"""Persian digits in and out.

User input may use Persian (۰–۹) or Arabic-Indic (٠–٩) digits, the Persian decimal
separator «٫» and Persian punctuation; :func:`normalize_input` maps all of it to ASCII
before anything is parsed. Prose shown to users uses Persian digits
(:func:`fa_digits`, :func:`fa_number`); formulas and code stay ASCII.
"""

from __future__ import annotations

import math

from bot.render.digits import SUPERSCRIPT

_FA_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_AR_DIGITS = "٠١٢٣٤٥٦٧٨٩"

_TO_ASCII = str.maketrans(
    {
        **{fa: str(i) for i, fa in enumerate(_FA_DIGITS)},
        **{ar: str(i) for i, ar in enumerate(_AR_DIGITS)},
        "٫": ".",  # Persian decimal separator
        "٬": "",  # Persian thousands separator
        "،": ",",  # Persian comma
        "×": "*",
        "÷": "/",
        "−": "-",  # minus sign
        "–": "-",
        "ي": "ی",
        "ك": "ک",
        "\u200c": "",  # a stray zero-width non-joiner never carries meaning in maths
        "\u200f": "",
        "\u200e": "",
    }
)
_TO_FA = str.maketrans({str(i): fa for i, fa in enumerate(_FA_DIGITS)})


def normalize_input(text: str) -> str:
    """Map Persian/Arabic digits and punctuation in user input to their ASCII forms."""
    return text.translate(_TO_ASCII)


def fa_digits(text: str) -> str:
    """Replace ASCII digits with Persian ones and «.» between digits with «٫»."""
    out = []
    for i, ch in enumerate(text):
        if ch == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            out.append("٫")
        else:
            out.append(ch)
    return "".join(out).translate(_TO_FA)


def ascii_number(value: float, significant: int = 4) -> str:
    """A short ASCII rendering of a number: 0.25, -1.5, 3.2e+12, 1e-7."""
    if not math.isfinite(value):
        return "∞" if value > 0 else ("-∞" if value < 0 else "NaN")
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e6 or magnitude < 1e-4:
        mantissa, exponent = f"{value:.{significant - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent):+d}"
    text = f"{value:.{significant}g}"
    if "e" in text:  # e.g. 12345.6 with 4 significant digits
        text = f"{value:.0f}"
    return text


def ascii_exact(value: float) -> str:
    """A number a learner typed, echoed with every digit it needs to be told apart from
    its neighbours (the shortest text that reads back as the same float): 0.999999999,
    not 1."""
    if not math.isfinite(value):
        return ascii_number(value)
    text = repr(float(value))
    if "e" in text:  # 1e-07 → 1e-7, as ascii_number writes exponents
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent):+d}".replace("e+", "e")
    return text[:-2] if text.endswith(".0") else text


def fa_number(value: float, significant: int = 4) -> str:
    """A number for Persian prose: ۰٫۲۵، −۱٫۵، ۳٫۲×۱۰¹²."""
    text = ascii_number(value, significant)
    if "e" in text:
        mantissa, exponent = text.split("e")
        power = str(int(exponent)).translate(SUPERSCRIPT)
        text = f"{fa_digits(mantissa)}×۱۰{power}"
    else:
        text = fa_digits(text)
    return text.replace("-", "−")


def fa_int(value: int) -> str:
    """An integer with Persian digits."""
    return fa_digits(str(value))


def ascii_point(values: tuple[float, ...] | list[float], significant: int = 4) -> str:
    """A point for a formula: ``2`` in one dimension, ``(2, 1)`` in two."""
    inner = ", ".join(ascii_number(v, significant) for v in values)
    return inner if len(values) == 1 else f"({inner})"
