"""``key=value`` options and bare flags after a command, read with Persian errors.

``/gd x^2 + 10y^2 x0 = 2, 1 lr=۰٫۱ anim``: the text is normalised (Persian digits and
separators to ASCII), spaces around ``=`` and ``,`` are dropped, then every word with
``=`` is an option, every known bare word a flag, and the rest the positional text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from bot.commands.base import UserError
from bot.engine.canonical import FunctionText, function_text
from bot.engine.expr import ExpressionError
from bot.fa import errors
from bot.fa.numbers import normalize_input

_SPACED = re.compile(r"\s*([=,])\s*")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_NON_FINITE = re.compile(r"[-+]?(nan|inf|infinity)", re.IGNORECASE)


#: ``y = …``, ``f(x) = …``, ``f(x, y) = …`` before a function: people write it that way.
_FUNCTION_NAME = re.compile(r"^\s*(?:[yzf]|f\s*\(\s*x\s*(?:,\s*y\s*)?\))\s*=\s*(?!=)", re.IGNORECASE)


def function_options(args: str, *, allowed: Iterable[str], flags: Iterable[str] = (),
                     example: str) -> Options:
    """The options of a command whose text is a function (/gd, /lr, /opt), accepting
    ``y = x^2`` and ``f(x) = x^2`` for ``x^2``."""
    return Options(_FUNCTION_NAME.sub("", normalize_input(args), count=1), allowed=allowed,
                   flags=flags, example=example)


def read_function(options: Options, text: str) -> FunctionText:
    """Read the function text (its grammar, without SymPy: see bot.engine.canonical); an
    option written without ``=`` (``lr 0.1``) is named as such rather than as an unknown
    function."""
    try:
        return function_text(text)
    except ExpressionError as error:
        if error.code == "unknown_name" and error.detail.lower() in options.allowed:
            raise UserError(errors.option_without_equals(error.detail.lower(), options.example)) from error
        raise UserError(errors.expression(error, options.example)) from error


def whole_number(text: str, digits: int = 6) -> int | None:
    """``text`` as a non-negative whole number of at most ``digits`` ASCII digits (after
    normalising Persian digits), else None: «²» or a 5000-digit string is not a lesson
    number, and ``int()`` would refuse or labour over it."""
    text = normalize_input(text).strip()
    return int(text) if re.fullmatch(rf"[0-9]{{1,{digits}}}", text) else None


class Options:
    """The options of one command call; readers raise :class:`UserError` in Persian."""

    def __init__(self, text: str, *, allowed: Iterable[str], flags: Iterable[str] = (),
                 example: str) -> None:
        self.example = example
        self.allowed = tuple(allowed)
        self.known_flags = tuple(flags)
        self.values: dict[str, str] = {}
        self.flags: set[str] = set()
        words: list[str] = []
        for word in _SPACED.sub(r"\1", normalize_input(text)).split():
            key, has_value, value = word.partition("=")
            key = key.lower()
            if has_value:
                self._add(key, value)
            elif key in self.known_flags:
                if key in self.flags:
                    raise UserError(errors.repeated_option(key, example))
                self.flags.add(key)
            else:
                words.append(word)
        self.positional = " ".join(words)

    def _add(self, key: str, value: str) -> None:
        if key in self.known_flags:
            raise UserError(errors.flag_with_value(key, self.example))
        if key not in self.allowed:
            raise UserError(errors.unknown_option(key, self.allowed + self.known_flags,
                                                  self.example))
        if key in self.values:
            raise UserError(errors.repeated_option(key, self.example))
        self.values[key] = value

    def flag(self, name: str) -> bool:
        return name in self.flags

    def _parse_number(self, name: str, raw: str) -> float:
        if _NON_FINITE.fullmatch(raw):
            raise UserError(errors.not_finite(name, self.example))
        if not _NUMBER.fullmatch(raw):
            raise UserError(errors.not_a_number(name, raw, self.example))
        value = float(raw)
        if not math.isfinite(value):
            raise UserError(errors.not_finite(name, self.example))
        return value

    def number(self, name: str, default: float, *, low: float | None = None,
               high: float | None = None, low_open: bool = False) -> float:
        """A finite number within [low, high] (or (low, high] with ``low_open``)."""
        if name not in self.values:
            return default
        return self.number_in(name, self.values[name], low=low, high=high, low_open=low_open)

    def number_in(self, name: str, raw: str, *, low: float | None = None,
                  high: float | None = None, low_open: bool = False) -> float:
        """``raw`` (a part of option ``name``'s value) as a number within the range."""
        value = self._parse_number(name, raw)
        self._check_range(name, value, low, high, low_open)
        return value

    def _check_range(self, name: str, value: float, low: float | None, high: float | None,
                     low_open: bool = False) -> None:
        too_low = low is not None and (value <= low if low_open else value < low)
        if too_low or (high is not None and value > high):
            raise UserError(errors.out_of_range(name, low, high, self.example, low_open=low_open))

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        """A whole number within [low, high]; ``25.5`` and ``-3`` are refused."""
        if name not in self.values:
            return default
        raw = self.values[name]
        if not re.fullmatch(r"[-+]?[0-9]+", raw):
            raise UserError(errors.not_integer(name, raw, self.example))
        digits = raw.lstrip("+-").lstrip("0")
        # beyond a dozen digits the value is out of range whatever it is (no huge int())
        value = int(raw) if len(digits) <= 12 else (high + 1 if raw[0] != "-" else low - 1)
        self._check_range(name, value, low, high)
        return value

    def numbers(self, name: str, default: Sequence[float], *, lengths: Iterable[int],
                low: float | None = None, high: float | None = None,
                low_open: bool = False) -> tuple[float, ...]:
        """A comma-separated list whose length is one of ``lengths``."""
        if name not in self.values:
            return tuple(default)
        parts = self.values[name].split(",")
        lengths = tuple(lengths)
        if len(parts) not in lengths:
            raise UserError(errors.wrong_count(name, lengths[0], self.example))
        values = tuple(self._parse_number(name, part) for part in parts)
        for value in values:
            self._check_range(name, value, low, high, low_open)
        return values

    def choices(self, name: str, default: Sequence[str], *, allowed: Sequence[str],
                most: int | None = None) -> tuple[str, ...]:
        """A comma-separated list of names from ``allowed`` (no repeats)."""
        if name not in self.values:
            return tuple(default)
        picked = tuple(part.strip().lower() for part in self.values[name].split(",") if part.strip())
        example = self.example if f"{name}=" in self.example else f"{self.example} {name}={allowed[0]}"
        if not picked:
            raise UserError(errors.empty_choice(name, allowed, example))
        for part in picked:
            if part not in allowed:
                raise UserError(errors.unknown_choice(name, part, allowed, example))
        if most and len(picked) > most:
            raise UserError(errors.too_many_choices(name, most, allowed, example))
        if len(set(picked)) != len(picked):
            repeated = next(part for part in picked if picked.count(part) > 1)
            raise UserError(errors.repeated_choice(name, repeated, example))
        return picked

    def choice(self, name: str, default: str, *, allowed: Sequence[str]) -> str:
        return self.choices(name, (default,), allowed=allowed, most=1)[0]


def number_text(value: float) -> str:
    """A number as an option value that reads back exactly (``2.0`` → ``2``)."""
    text = repr(float(value))
    return text.removesuffix(".0") if "e" not in text else text
