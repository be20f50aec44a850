"""/batch — full-batch, mini-batch and stochastic gradient descent side by side."""

from __future__ import annotations

from bot.commands.base import Context, Response, UserError
from bot.commands.lab import run_lab, still_reply
from bot.commands.options import Options
from bot.engine.regression import MAX_SEED, iterations_per_epoch
from bot.fa import batch as words
from bot.fa import errors
from bot.fa.lab_errors import unexpected_text
from bot.labdata.batch import BatchRequest, BatchResult
from bot.labs.batch import run_batch

EXAMPLE = "/batch batch=1,16,200"
MIN_N, MAX_N = 10, 2000
MAX_RUNS = 4
MAX_EPOCHS = 200
MAX_LR = 1.0
#: Updates over all runs together; keeps every request small.
MAX_ITERATIONS = 20000
MINI_BATCH = 16


def parse(args: str) -> BatchRequest:
    """Read ``/batch`` arguments into a request; every mistake raises a Persian UserError."""
    options = Options(args, allowed=("n", "batch", "epochs", "lr", "seed"), example=EXAMPLE)
    if options.positional:
        raise UserError(unexpected_text(options.positional, EXAMPLE))
    n = options.integer("n", BatchRequest.n, low=MIN_N, high=MAX_N)
    batches = _batches(options, n)
    per_epoch = sum(iterations_per_epoch(n, b) for b in batches)
    most_epochs = MAX_ITERATIONS // per_epoch
    epochs = options.integer("epochs", min(BatchRequest.epochs, most_epochs), low=1,
                             high=MAX_EPOCHS)
    if epochs * per_epoch > MAX_ITERATIONS:
        raise UserError(words.too_many_iterations(epochs * per_epoch, MAX_ITERATIONS,
                                                  most_epochs, EXAMPLE))
    return BatchRequest(
        n=n,
        batches=batches,
        epochs=epochs,
        lr=options.number("lr", BatchRequest.lr, low=0, high=MAX_LR, low_open=True),
        seed=options.integer("seed", BatchRequest.seed, low=0, high=MAX_SEED),
    )


def _batches(options: Options, n: int) -> tuple[int, ...]:
    """The batch sizes: whole numbers from 1 to n, no repeats, at most MAX_RUNS."""
    if "batch" not in options.values:
        return tuple(sorted({1, min(MINI_BATCH, n), n}))
    if len(options.values["batch"].split(",")) > MAX_RUNS:
        raise UserError(words.too_many_batches(MAX_RUNS, EXAMPLE))
    values = options.numbers("batch", (), lengths=range(1, MAX_RUNS + 1), low=1)
    sizes: list[int] = []
    for raw, value in zip(options.values["batch"].split(","), values):
        if not value.is_integer():
            raise UserError(errors.not_integer("batch", raw, EXAMPLE))
        if value > n:
            raise UserError(words.batch_too_large(int(value), n, EXAMPLE))
        if int(value) in sizes:
            raise UserError(words.repeated_batch(int(value), EXAMPLE))
        sizes.append(int(value))
    return tuple(sizes)


async def run(args: str, ctx: Context) -> Response:
    request = parse(args)
    result: BatchResult = await run_lab(ctx, run_batch, request, key=request.key, example=EXAMPLE)
    return still_reply(request.key, result, "batch.png", words.caption(result.summary))
