"""The Mini App's lab requests: JSON fields in, the same ``data`` that ``try --json``
prints out (plus what the page draws, and the verdict and caption in the chat's
Telegram HTML, which the page shows keeping only its b, i and code tags).

``data`` leaves out one thing: the step-by-step ``path`` (of /gd, and of each racer). The
page draws ``plot``'s paths (rounded and thinned for a phone, :mod:`bot.labs.live`), and
every number it shows (verdicts, the last step) is in ``data`` exactly as ``try --json``
prints it; a 1000-step race of eight optimizers would otherwise carry 340 KB of paths
nobody reads.

A request is written as the chat command it stands for and read by that command's own
parser, so the page gets exactly the chat's caps (steps, rates, start range, function
length and depth, the parse deadline) and its Persian refusals, word for word."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from bot.commands import gd, opt
from bot.commands.base import Context, UserError
from bot.commands.lab import run_lab, start_refusal
from bot.commands.options import number_text
from bot.engine.gd import StartError
from bot.fa import gd as gd_words
from bot.fa import opt as opt_words
from bot.fa import web as words
from bot.labdata.gd import GDRequest
from bot.labdata.opt import OptRequest
from bot.labs.live import live_gd, live_opt
from bot.labs.opt import ADAM_FAMILY, MOMENTUM_FAMILY

#: Longest function text accepted from the page (the parser's own limit is lower; this
#: only keeps an oversized field from being normalised at all).
MAX_TEXT = 400


def _text(fields: Mapping[str, Any], name: str, default: str = "") -> str:
    value = fields.get(name, default)
    if not isinstance(value, str) or len(value) > MAX_TEXT or "\n" in value:
        raise UserError(words.BAD_REQUEST)
    return value.strip()


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UserError(words.BAD_REQUEST)
    return number_text(value) if isinstance(value, float) else str(value)


def _numbers(fields: Mapping[str, Any], name: str) -> str:
    value = fields[name]
    values = value if isinstance(value, list) and 1 <= len(value) <= 2 else [value]
    return ",".join(_number(v) for v in values)


def _options(fields: Mapping[str, Any], names: tuple[str, ...]) -> str:
    """``name=value`` for every numeric field present (absent ones take the defaults)."""
    return " ".join(f"{name}={_numbers(fields, name)}" for name in names
                    if fields.get(name) is not None)


def gd_args(fields: Mapping[str, Any]) -> str:
    """The /gd arguments a lab request stands for."""
    return f"{_text(fields, 'function')} {_options(fields, ('x0', 'lr', 'steps'))}".strip()


def opt_args(fields: Mapping[str, Any]) -> str:
    """The /opt arguments a race request stands for."""
    picked = fields.get("optimizers")
    chosen = ""
    names: tuple[str, ...] = ("x0", "lr", "steps", "beta", "wd")
    if picked is not None:
        if not isinstance(picked, list) or not all(isinstance(p, str) and p.isalpha() for p in picked):
            raise UserError(words.BAD_REQUEST)
        chosen = f" opt={','.join(picked)}"
        if not set(picked) & set(MOMENTUM_FAMILY + ADAM_FAMILY):
            # a lesson's beta stays with the page; unused by the racers left, it is left out
            names = ("x0", "lr", "steps", "wd")
    numbers = _options(fields, names)
    return f"{_text(fields, 'function')} {numbers}{chosen}".strip()


def without_path(data: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in data.items() if key != "path"}


R = TypeVar("R", GDRequest, OptRequest)
T = TypeVar("T")


async def _run_live(ctx: Context, job: Callable[[R], T], request: R, example: str,
                    start_example: str) -> T:
    """Run a live lab as the chat's command would (its refusals), but leased per process
    (see :func:`bot.commands.lab.run_lab`); a start f or its gradient cannot be computed at
    is refused with ``start_example``."""
    try:
        return await run_lab(ctx, job, request, key="live|" + request.key, example=example,
                             leased=False)
    except StartError as error:
        raise start_refusal(error, request.x0, start_example) from error


async def gd_lab(fields: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    """/gd for the page: its numbers, its drawing, its verdict and caption in words."""
    request = replace(gd.parse(gd_args(fields)), anim=False)
    live = await _run_live(ctx, live_gd, request, gd.EXAMPLE, gd.EXAMPLE)
    summary = live.summary
    return {
        "data": without_path(summary.to_data()),
        "taken": len(summary.path) - 1,
        "plot": live.plot,
        "verdict": {"code": summary.verdict, "title": gd_words.verdict_title(summary),
                    "reason": gd_words.verdict_reason(summary)},
        "caption": gd_words.caption(summary),
        "command": gd.command_text(request),
    }


async def opt_lab(fields: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    """/opt for the page: the race's numbers, its drawing and caption in words."""
    request = replace(opt.parse(opt_args(fields)), anim=False)
    live = await _run_live(ctx, live_opt, request, opt.EXAMPLE, opt.EXAMPLES[len(request.x0)])
    summary = live.summary
    return {
        "data": {**summary.to_data(), "runs": [without_path(run.to_data()) for run in summary.runs]},
        "plot": live.plot,
        "verdicts": [opt_words.verdict(run) for run in summary.runs],
        "caption": opt_words.caption(live.summary),
        "command": opt.command_text(request),
    }
