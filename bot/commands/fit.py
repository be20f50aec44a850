"""/fit — under- and overfitting with polynomial regression and a validation split."""

from __future__ import annotations

from bot.commands.base import Context, Response, UserError
from bot.commands.lab import next_step_row, run_lab, still_reply
from bot.commands.options import Options
from bot.engine.regression import MAX_SEED
from bot.fa import fit as words
from bot.fa.lab_errors import unexpected_text
from bot.labdata.fit import MAX_DEGREE, FitRequest, FitResult
from bot.labs.fit import run_fit

EXAMPLE = "/fit degree=9"
L2_EXAMPLE = "/fit degree=9 l2=0.0001"
#: λ beyond this flattens every fit to its mean: nothing left to see.
MAX_L2 = 10.0
#: 20 points leave 14 for training: enough to determine a degree-12 polynomial.
MIN_N, MAX_N = 20, 2000
MAX_NOISE = 2.0


def parse(args: str) -> FitRequest:
    """Read ``/fit`` arguments into a request; every mistake raises a Persian UserError."""
    options = Options(args, allowed=("degree", "n", "noise", "seed", "l2"), example=EXAMPLE)
    if options.positional:
        raise UserError(unexpected_text(options.positional, EXAMPLE))
    return FitRequest(
        degree=options.integer("degree", FitRequest.degree, low=1, high=MAX_DEGREE),
        n=options.integer("n", FitRequest.n, low=MIN_N, high=MAX_N),
        noise=options.number("noise", FitRequest.noise, low=0, high=MAX_NOISE),
        seed=options.integer("seed", FitRequest.seed, low=0, high=MAX_SEED),
        l2=_penalty(options),
    )


def _penalty(options: Options) -> float:
    """``l2``, the λ of the ridge penalty (its mistakes get an example that uses it)."""
    options.example = L2_EXAMPLE
    return options.number("l2", FitRequest.l2, low=0, high=MAX_L2)


async def run(args: str, ctx: Context) -> Response:
    request = parse(args)
    result: FitResult = await run_lab(ctx, run_fit, request, key=request.key, example=EXAMPLE)
    return still_reply(request.key, result, "fit.png", words.caption(result.summary),
                       next_step_row(ctx, words.next_step(result.summary)[1]))
