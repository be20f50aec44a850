"""/act — an activation function and its derivative; vanishing and exploding gradients."""

from __future__ import annotations

from bot.commands.base import Context, Response, UserError
from bot.commands.lab import next_step_row, run_lab, still_reply
from bot.commands.options import Options
from bot.engine.activations import MAX_DEPTH, NAMES
from bot.fa import act as words
from bot.labdata.act import ActRequest, ActResult
from bot.labs.act import run_act

EXAMPLE = "/act sigmoid depth=10"
INPUT_EXAMPLE = "/act tanh depth=10 w=1.5 a0=0.5"
MAX_WEIGHT = 10.0
#: The input of the real forward pass: beyond this every activation is long saturated.
MAX_INPUT = 100.0


def parse(args: str) -> ActRequest:
    """Read ``/act`` arguments into a request; every mistake raises a Persian UserError."""
    options = Options(args, allowed=("depth", "w", "a0"), example=EXAMPLE)
    names = options.positional.lower().replace("-", "_").split()
    if len(names) > 1:
        raise UserError(words.several_names(options.positional, EXAMPLE))
    name = names[0] if names else ActRequest.name
    if name not in NAMES:
        raise UserError(words.unknown_name(name, NAMES, EXAMPLE))
    return ActRequest(
        name=name,
        depth=options.integer("depth", ActRequest.depth, low=1, high=MAX_DEPTH),
        w=options.number("w", ActRequest.w, low=0, high=MAX_WEIGHT, low_open=True),
        a0=_input(options),
    )


def _input(options: Options) -> float:
    """``a0``, the input of the real forward pass (its mistakes get an example that uses it)."""
    options.example = INPUT_EXAMPLE
    return options.number("a0", ActRequest.a0, low=-MAX_INPUT, high=MAX_INPUT)


async def run(args: str, ctx: Context) -> Response:
    request = parse(args)
    result: ActResult = await run_lab(ctx, run_act, request, key=request.key, example=EXAMPLE)
    return still_reply(request.key, result, "act.png", words.caption(result.summary),
                       next_step_row(ctx, words.next_step(result.summary)[1]))
