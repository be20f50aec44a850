"""/scale — gradient descent before and after standardising the features."""

from __future__ import annotations

from bot.commands.base import Context, Response, UserError
from bot.commands.lab import run_lab, still_reply
from bot.commands.options import Options
from bot.engine.regression import MAX_SEED
from bot.fa import scale as words
from bot.fa.lab_errors import unexpected_text
from bot.labdata.scale import ScaleRequest, ScaleResult
from bot.labs.scale import run_scale

EXAMPLE = "/scale"
MIN_N, MAX_N = 20, 2000


def parse(args: str) -> ScaleRequest:
    """Read ``/scale`` arguments into a request; every mistake raises a Persian UserError."""
    options = Options(args, allowed=("n", "seed"), example=EXAMPLE)
    if options.positional:
        raise UserError(unexpected_text(options.positional, EXAMPLE))
    return ScaleRequest(
        n=options.integer("n", ScaleRequest.n, low=MIN_N, high=MAX_N),
        seed=options.integer("seed", ScaleRequest.seed, low=0, high=MAX_SEED),
    )


async def run(args: str, ctx: Context) -> Response:
    request = parse(args)
    result: ScaleResult = await run_lab(ctx, run_scale, request, key=request.key, example=EXAMPLE)
    return still_reply(request.key, result, "scale.png", words.caption(result.summary))
