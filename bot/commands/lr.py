"""/lr — one function, several learning rates, one panel each."""

from __future__ import annotations

from bot.commands.base import Context, Response, UserError
from bot.commands.lab import lab_row, run_lab, start_refusal, still_reply
from bot.commands.options import Options, function_options, number_text, read_function
from bot.engine.gd import StartError
from bot.fa import lr as words
from bot.labdata.lr import LRRequest, LRResult
from bot.labs.lr import run_lr

#: All three regimes of 0.1x² (thresholds 5 and 10); plain /lr draws the classic 0.2 … 0.8.
EXAMPLE = "/lr 0.1x^2 lrs=1,4,6,11"
#: Examples that fit a function of one or of two variables (for x0 mistakes).
EXAMPLES = {1: "/lr x^2 lrs=0.2,0.6,1.1 x0=2", 2: "/lr x^2+10y^2 lrs=0.02,0.08,0.11 x0=2,1"}
DEFAULT_FUNCTION = "0.1x^2"
DEFAULT_LRS = (0.2, 0.4, 0.6, 0.8)
DEFAULT_STEPS = 25
MIN_PANELS, MAX_PANELS = 2, 6
#: ``lrs=A..B``: this many rates unless ``n=`` says otherwise; a decade apart in the example.
DEFAULT_COUNT = 4
LOG_EXAMPLE = "/lr 0.1x^2 lrs=0.03..30 n=4"
MAX_STEPS = 1000
MAX_LR = 1e6


def parse(args: str) -> LRRequest:
    """Read ``/lr`` arguments into a request; every mistake raises a Persian UserError."""
    options = function_options(args, allowed=("lrs", "n", "steps", "x0"), example=EXAMPLE)
    text = options.positional or DEFAULT_FUNCTION
    dimension = read_function(options, text).dimension
    options.example = EXAMPLES[dimension]
    x0 = options.numbers("x0", (2.0,) * dimension, lengths=(dimension,), low=-1e6, high=1e6)
    options.example = EXAMPLE
    return LRRequest(
        function=text,
        x0=x0,
        lrs=_lrs(options),
        steps=options.integer("steps", DEFAULT_STEPS, low=1, high=MAX_STEPS),
    )


def _lrs(options: Options) -> tuple[float, ...]:
    """Two to six different positive learning rates: a list, or ``A..B`` with ``n=``
    rates spaced evenly on a log scale (each the same multiple of the one before)."""
    raw = options.values.get("lrs", "")
    low, dots, high = raw.partition("..")
    if dots:
        return _log_spaced(options, low, high)
    if "n" in options.values:
        raise UserError(words.count_without_range(LOG_EXAMPLE))
    if "lrs" not in options.values:
        return DEFAULT_LRS
    count = len(raw.split(","))
    if not MIN_PANELS <= count <= MAX_PANELS:
        raise UserError(words.lrs_count(EXAMPLE))
    lrs = options.numbers("lrs", (), lengths=(count,), low=0, high=MAX_LR, low_open=True)
    for index, lr in enumerate(lrs):
        if lr in lrs[:index]:
            raise UserError(words.repeated_lr(lr, EXAMPLE))
    return lrs


def _log_spaced(options: Options, low_text: str, high_text: str) -> tuple[float, ...]:
    options.example = LOG_EXAMPLE
    low, high = (options.number_in("lrs", text, low=0, high=MAX_LR, low_open=True)
                 for text in (low_text, high_text))
    count = options.integer("n", DEFAULT_COUNT, low=MIN_PANELS, high=MAX_PANELS)
    if not low < high:
        raise UserError(words.range_order(LOG_EXAMPLE))
    rates = tuple(_three_digits(low * (high / low) ** (k / (count - 1))) for k in range(count))
    if len(set(rates)) < count:
        raise UserError(words.range_too_narrow(LOG_EXAMPLE))
    options.example = EXAMPLE
    return rates


def _three_digits(value: float) -> float:
    """Three significant digits: 0.30000000000000004 is shown and used as 0.3."""
    return float(f"{value:.3g}")


def lab_query(request: LRRequest) -> dict[str, str]:
    """The Mini App on the first rate, to be dragged across the others."""
    return {"mode": "gd", "f": request.function, "x0": ",".join(map(number_text, request.x0)),
            "lr": number_text(request.lrs[0]), "steps": str(min(request.steps, 500))}


async def run(args: str, ctx: Context) -> Response:
    request = parse(args)
    try:
        result: LRResult = await run_lab(ctx, run_lr, request, key=request.key, example=EXAMPLE)
    except StartError as error:
        raise start_refusal(error, request.x0, EXAMPLES[len(request.x0)]) from error
    lab = lab_row(ctx, lab_query(request))
    return still_reply(request.key, result, "lr.png", words.caption(result.summary),
                       (lab,) if lab else ())
