"""Lab claims: what a lesson says its lab shows, as statements checked against the lab's data.

A lesson's front matter lists ``claims`` next to its ``lab`` line; ``lessons check`` runs
the lab (the ``data`` that ``try --json`` prints) and evaluates every claim on it, so a
lab that stops showing its lesson fails CI. The language is small and closed: no eval,
only what is below.

- Paths into the data: ``final_value``, ``runs[0].lr``, ``runs[-1]`` (from the end),
  ``runs[optimizer=momentum].final_value`` (the one item whose field has that value),
  ``runs[*].final_value`` (that field of every item, a list).
- Numbers (``1e-3``), quoted strings (``"converged"``), ``true``, ``false``, ``null``.
- Arithmetic ``+ - * /`` on numbers, parentheses.
- Functions: ``len abs min max sum first last diff`` (``abs`` and ``diff`` on lists give
  lists; ``min``/``max``/``sum`` take one list or several numbers), ``sign_changes``
  (how often a list changes sign), and the monotonicity tests ``increasing decreasing
  nondecreasing nonincreasing`` (strict for the first two).
- One comparison ``< <= > >= == !=`` (or a monotonicity test) per claim.

Example: ``runs[optimizer=momentum].final_value < 0.01 * runs[optimizer=sgd].final_value``.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Union


class ClaimError(ValueError):
    """A claim that cannot be read, or cannot be evaluated on the lab's data."""


# --- syntax ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
    | (?P<string>"[^"]*")
    | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
    | (?P<op><=|>=|==|!=|[-+*/<>()\[\].,=])
    )""", re.VERBOSE)

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}
_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
}
_CONSTANTS = {"true": True, "false": False, "null": None}
MAX_LENGTH = 300


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class Step:
    """One step of a path: a key, an index, ``*``, or a ``field=value`` selector."""

    kind: str  # "key", "index", "all", "select"
    key: str = ""
    index: int = 0
    value: object = None


@dataclass(frozen=True)
class Path:
    steps: tuple[Step, ...]

    def __str__(self) -> str:
        text = ""
        for step in self.steps:
            if step.kind == "key":
                text += f".{step.key}" if text else step.key
            elif step.kind == "index":
                text += f"[{step.index}]"
            elif step.kind == "all":
                text += "[*]"
            else:
                text += f"[{step.key}={_show(step.value)}]"
        return text


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Negate:
    operand: Node


Node = Union[Literal, Path, Call, Binary, Negate]


@dataclass(frozen=True)
class Claim:
    """A parsed claim: a comparison of two expressions, or one test (``right`` is None)."""

    text: str
    left: Node
    op: str = ""
    right: Node | None = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                if text[position:].strip() == "":
                    break
                raise ClaimError(f"cannot read «{text[position:].strip()[:20]}» in claim «{text}»")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.at = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if value is not None and token[1] != value:
            found = token[1] or "the end"
            raise ClaimError(f"expected «{value}» but found «{found}» in claim «{self.text}»")
        if token[0] == "end":
            raise ClaimError(f"claim «{self.text}» ends too early")
        self.at += 1
        return token

    def claim(self) -> Claim:
        left = self.sum()
        kind, value = self.peek()
        if kind == "end":
            if not (isinstance(left, Call) and left.name in _TESTS):
                raise ClaimError(f"claim «{self.text}» states nothing: compare two values "
                                 "(a < b) or test a list (increasing(…))")
            return Claim(self.text, left)
        if value not in _COMPARISONS:
            raise ClaimError(f"expected a comparison (< <= > >= == !=) but found «{value}» "
                             f"in claim «{self.text}»")
        self.take()
        right = self.sum()
        if self.peek()[0] != "end":
            raise ClaimError(f"one comparison per claim: «{self.peek()[1]}» is left over in "
                             f"claim «{self.text}»")
        return Claim(self.text, left, value, right)

    def sum(self) -> Node:
        node = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            node = Binary(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek()[1] == "-":
            self.take()
            return Negate(self.unary())
        return self.atom()

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return Literal(float(value))
        if kind == "string":
            return Literal(value[1:-1])
        if value == "(":
            node = self.sum()
            self.take(")")
            return node
        if kind != "name":
            raise ClaimError(f"unexpected «{value}» in claim «{self.text}»")
        if value in _CONSTANTS:
            return Literal(_CONSTANTS[value])
        if self.peek()[1] == "(":
            return self.call(value)
        return self.path(value)

    def call(self, name: str) -> Call:
        if name not in _FUNCTIONS:
            raise ClaimError(f"unknown function «{name}» in claim «{self.text}»; "
                             f"functions: {', '.join(sorted(_FUNCTIONS))}")
        self.take("(")
        args = [self.sum()]
        while self.peek()[1] == ",":
            self.take()
            args.append(self.sum())
        self.take(")")
        return Call(name, tuple(args))

    def path(self, root: str) -> Path:
        steps = [Step("key", key=root)]
        while self.peek()[1] in (".", "["):
            if self.take()[1] == ".":
                kind, key = self.take()
                if kind != "name":
                    raise ClaimError(f"a field name must follow «.» in claim «{self.text}»")
                steps.append(Step("key", key=key))
                continue
            steps.append(self.selector())
            self.take("]")
        return Path(tuple(steps))

    def selector(self) -> Step:
        kind, value = self.take()
        if value == "*":
            return Step("all")
        sign = 1
        if value == "-":
            sign, (kind, value) = -1, self.take()
        if kind == "number" and re.fullmatch(r"\d+", value):
            return Step("index", index=sign * int(value))
        if kind == "name" and sign == 1 and self.peek()[1] == "=":
            self.take()
            literal_kind, literal = self.take()
            negative = literal == "-"
            if negative:
                literal_kind, literal = self.take()
            if literal_kind == "number":
                return Step("select", key=value, value=-float(literal) if negative else float(literal))
            if literal_kind == "string":
                return Step("select", key=value, value=literal[1:-1])
            if literal_kind == "name" and not negative:
                return Step("select", key=value, value=_CONSTANTS.get(literal, literal))
        raise ClaimError(f"inside [ ] write an index (0, -1), * or field=value, in claim «{self.text}»")


def parse_claim(text: str) -> Claim:
    """Read one claim; a mistake raises ClaimError naming it."""
    if len(text) > MAX_LENGTH:
        raise ClaimError(f"claim longer than {MAX_LENGTH} characters: «{text[:40]}…»")
    return _Parser(text).claim()


# --- evaluation -------------------------------------------------------------------------------

def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        shown = ", ".join(_show(v) for v in value[:6])
        return f"[{shown}{', …' if len(value) > 6 else ''}] ({len(value)} items)"
    if isinstance(value, str):
        return f'"{value}"'
    return "null" if value is None else str(value)


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
    return a == b


def _walk(path: Path, data: object) -> object:
    """The value at ``path``; ``[*]`` maps the rest of the path over every item."""
    def go(value: object, steps: Sequence[Step], where: str) -> object:
        if not steps:
            return value
        step, rest = steps[0], steps[1:]
        if step.kind == "key":
            if not isinstance(value, dict) or step.key not in value:
                keys = ", ".join(value) if isinstance(value, dict) else f"a {type(value).__name__}"
                raise ClaimError(f"the lab's data has no «{step.key}» at «{where or 'top'}» "
                                 f"(there: {keys})")
            return go(value[step.key], rest, f"{where}.{step.key}" if where else step.key)
        if not isinstance(value, list):
            raise ClaimError(f"«{where}» is not a list, so it takes no [ ]")
        if step.kind == "all":
            return [go(item, rest, f"{where}[*]") for item in value]
        if step.kind == "index":
            if not -len(value) <= step.index < len(value):
                raise ClaimError(f"«{where}» has {len(value)} items: no index {step.index}")
            return go(value[step.index], rest, f"{where}[{step.index}]")
        matches = [item for item in value
                   if isinstance(item, dict) and _same(item.get(step.key), step.value)]
        if len(matches) != 1:
            have = [item.get(step.key) for item in value if isinstance(item, dict)]
            raise ClaimError(f"«{where}[{step.key}={_show(step.value)}]» matches "
                             f"{len(matches)} items, not one ({step.key} there: {_show(have)})")
        return go(matches[0], rest, f"{where}[{step.key}={_show(step.value)}]")

    return go(data, path.steps, "")


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ClaimError(f"{what} is {_show(value)}, not a number")
    return float(value)


def _numbers(value: object, what: str) -> list[float]:
    if not isinstance(value, list):
        raise ClaimError(f"{what} is {_show(value)}, not a list")
    return [_number(item, f"an item of {what}") for item in value]


def _pairs(values: list[float]) -> list[tuple[float, float]]:
    return list(zip(values, values[1:]))


def _aggregate(reduce: Callable[[list[float]], float]) -> Callable[..., object]:
    def apply(*args: object) -> object:
        values = (_numbers(args[0], "the argument") if len(args) == 1
                  else [_number(a, "an argument") for a in args])
        if not values:
            raise ClaimError("an empty list has no min, max or sum")
        return reduce(values)
    return apply


def _sign_changes(value: object) -> object:
    signs = [v for v in (math.copysign(1, x) if x != 0 else 0
                         for x in _numbers(value, "the argument")) if v]
    return float(sum(1 for a, b in _pairs(signs) if a != b))


def _abs(value: object) -> object:
    if isinstance(value, list):
        return [abs(v) for v in _numbers(value, "the argument")]
    return abs(_number(value, "the argument"))


def _length(value: object) -> object:
    if not isinstance(value, (list, str, dict)):
        raise ClaimError(f"len of {_show(value)}: not a list")
    return float(len(value))


def _end(index: int) -> Callable[[object], object]:
    def apply(value: object) -> object:
        if not isinstance(value, list) or not value:
            raise ClaimError(f"{_show(value)} is not a non-empty list")
        return value[index]
    return apply


_TESTS: dict[str, Callable[[float, float], bool]] = {
    "increasing": operator.lt, "decreasing": operator.gt,
    "nondecreasing": operator.le, "nonincreasing": operator.ge,
}


def _monotone(relation: Callable[[float, float], bool]) -> Callable[[object], object]:
    def apply(value: object) -> object:
        values = _numbers(value, "the argument")
        if len(values) < 2:
            raise ClaimError("a monotonicity test needs a list of at least two numbers")
        return all(relation(a, b) for a, b in _pairs(values))
    return apply


_FUNCTIONS: dict[str, Callable[..., object]] = {
    "len": _length,
    "abs": _abs,
    "min": _aggregate(min),
    "max": _aggregate(max),
    "sum": _aggregate(math.fsum),
    "first": _end(0),
    "last": _end(-1),
    "diff": lambda value: [b - a for a, b in _pairs(_numbers(value, "the argument"))],
    "sign_changes": _sign_changes,
    **{name: _monotone(relation) for name, relation in _TESTS.items()},
}
_VARIADIC = frozenset({"min", "max", "sum"})


def evaluate(node: Node, data: object) -> object:
    """The value of one expression on the lab's data."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Path):
        return _walk(node, data)
    if isinstance(node, Negate):
        return -_number(evaluate(node.operand, data), "the operand of «-»")
    if isinstance(node, Binary):
        left = _number(evaluate(node.left, data), f"the left side of «{node.op}»")
        right = _number(evaluate(node.right, data), f"the right side of «{node.op}»")
        if node.op == "/" and right == 0:
            raise ClaimError("division by zero")
        return _ARITHMETIC[node.op](left, right)
    args = [evaluate(arg, data) for arg in node.args]
    if node.name not in _VARIADIC and len(args) != 1:
        raise ClaimError(f"{node.name}() takes one argument, not {len(args)}")
    return _FUNCTIONS[node.name](*args)


@dataclass(frozen=True)
class Verdict:
    holds: bool
    detail: str  # the values compared, for the report


def check_claim(claim: Claim, data: object) -> Verdict:
    """Whether the claim holds on ``data``; ClaimError if it cannot be evaluated there."""
    left = evaluate(claim.left, data)
    if claim.right is None:
        if not isinstance(left, bool):
            raise ClaimError(f"claim «{claim.text}» is not a comparison or a test")
        return Verdict(left, f"the list is {_show(evaluate(claim.left.args[0], data))}"
                       if isinstance(claim.left, Call) else "")
    right = evaluate(claim.right, data)
    if claim.op not in ("==", "!="):
        left_number = _number(left, "the left side")
        right_number = _number(right, "the right side")
        if math.isnan(left_number) or math.isnan(right_number):
            raise ClaimError("a side of the comparison is NaN")
        holds = _COMPARISONS[claim.op](left_number, right_number)
    else:
        holds = (left == right) if claim.op == "==" else (left != right)
    return Verdict(bool(holds), f"left side {_show(left)}, right side {_show(right)}")
