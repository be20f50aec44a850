"""/opt — torch.optim's optimizers race from one start on one surface."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.commands.base import Button, Context, Keyboard, Response, UserError
from bot.commands.lab import lab_row, moving_reply, pressed, remember, run_lab, start_refusal
from bot.commands.options import Options, function_options, number_text, read_function
from bot.engine.canonical import function_text
from bot.engine.expr import ExpressionError
from bot.engine.gd import StartError
from bot.engine.optimizers import OPTIMIZERS
from bot.engine.presets import GENERIC_STEPS, PRESETS
from bot.fa import errors
from bot.fa import opt as words
from bot.labdata.opt import OptRequest, OptResult
from bot.labs.opt import ADAM_FAMILY, MOMENTUM_FAMILY, run_opt

NAME = "opt"
EXAMPLE = "/opt rosenbrock opt=sgd,momentum,adam"
#: Examples that fit a function of one or of two variables (for x0 mistakes).
EXAMPLES = {1: "/opt bumpy x0=1.5 opt=sgd,momentum", 2: "/opt rosenbrock x0=-1.5,2 steps=500"}
DEFAULT_PRESET = "ravine"
MAX_STEPS = 1000
MAX_LR = 1e6
WD_EXAMPLE = "/opt (x-3)^2+25(y-1)^2 x0=0,0 opt=adam,adamw lr=0.1 wd=1 steps=300"
#: AdamW multiplies θ by 1 − lr·λ each step: beyond a few units it flips θ's sign.
MAX_WEIGHT_DECAY = 10.0
_WORD = re.compile(r"[A-Za-z_]+\d*")


def parse(args: str) -> OptRequest:
    """Read ``/opt`` arguments into a request; every mistake raises a Persian UserError."""
    options = function_options(args, allowed=("x0", "steps", "opt", "lr", "beta", "wd"),
                               flags=("anim",), example=EXAMPLE)
    text = options.positional or DEFAULT_PRESET
    first, _, rest = text.partition(" ")
    if rest and first.lower() in PRESETS:
        raise UserError(words.preset_and_function(first.lower(), rest, EXAMPLE))
    preset = PRESETS.get(text.lower())
    function = preset.function if preset else text
    dimension = len(preset.x0) if preset else _dimension(options, text)
    options.example = EXAMPLES[dimension]
    x0 = options.numbers("x0", preset.x0 if preset else (2.0,) * dimension,
                         lengths=(dimension,), low=-1e6, high=1e6)
    options.example = EXAMPLE
    steps = options.integer("steps", preset.steps if preset else GENERIC_STEPS, low=1,
                            high=MAX_STEPS)
    optimizers = _optimizers(options)
    lr = (options.number("lr", 0.0, low=0, high=MAX_LR, low_open=True)
          if "lr" in options.values else None)
    beta = _beta(options, optimizers)
    return OptRequest(function=function, x0=x0, steps=steps, optimizers=optimizers, lr=lr,
                      beta=beta, preset=preset.name if preset else None,
                      anim=options.flag("anim"), weight_decay=_weight_decay(options))


def _weight_decay(options: Options) -> float | None:
    """``wd``: λ for every optimizer (AdamW decouples it, the others add λθ to g)."""
    if "wd" not in options.values:
        return None
    options.example = WD_EXAMPLE
    return options.number("wd", 0.0, low=0, high=MAX_WEIGHT_DECAY)


def _dimension(options: Options, text: str) -> int:
    """The number of variables of a typed function; a lone unknown word is taken for a
    mistyped preset name."""
    if not _WORD.fullmatch(text) or text.lower() in options.allowed:
        return read_function(options, text).dimension
    try:
        return function_text(text).dimension
    except ExpressionError as error:
        if error.code == "unknown_name":
            raise UserError(words.unknown_preset(text, tuple(PRESETS), EXAMPLE)) from error
        raise UserError(errors.expression(error, EXAMPLE)) from error


def _optimizers(options: Options) -> tuple[str, ...]:
    return options.choices("opt", OPTIMIZERS, allowed=OPTIMIZERS)


def _beta(options: Options, optimizers: tuple[str, ...]) -> float | None:
    """``beta`` in [0, 1): momentum's μ or Adam's β1; Nesterov needs μ > 0."""
    if "beta" not in options.values:
        return None
    beta = options.number("beta", 0.0)
    if not 0 <= beta < 1:
        raise UserError(words.beta_out_of_range(EXAMPLE))
    if not any(name in MOMENTUM_FAMILY + ADAM_FAMILY for name in optimizers):
        raise UserError(words.beta_unused(optimizers, EXAMPLE))
    if beta == 0 and "nesterov" in optimizers:
        raise UserError(words.nesterov_needs_momentum(EXAMPLE))
    return beta


async def run(args: str, ctx: Context) -> Response:
    return await draw(parse(args), ctx)


async def draw(request: OptRequest, ctx: Context) -> Response:
    """Run the race and build its replies: the still, and the GIF when asked for."""
    try:
        result: OptResult = await run_lab(ctx, run_opt, request, key=request.key,
                                          example=EXAMPLE)
    except StartError as error:
        raise start_refusal(error, request.x0, EXAMPLES[len(request.x0)]) from error
    return moving_reply(request.key, result, "opt", words.caption(result.summary),
                        _keyboard(ctx, request), command_text(request))


def command_text(request: OptRequest) -> str:
    """The /opt command that reproduces ``request`` (what a share button offers)."""
    x0 = ",".join(number_text(v) for v in request.x0)
    parts = [f"/opt {request.preset or request.function}", f"x0={x0}",
             f"steps={request.steps}", f"opt={','.join(request.optimizers)}"]
    if request.lr is not None:
        parts.append(f"lr={number_text(request.lr)}")
    if request.beta is not None:
        parts.append(f"beta={number_text(request.beta)}")
    if request.weight_decay is not None:
        parts.append(f"wd={number_text(request.weight_decay)}")
    return " ".join(parts) + (" anim" if request.anim else "")


def lab_query(request: OptRequest) -> dict[str, str]:
    """The Mini App's address parameters that open it on this race."""
    query = {"mode": "opt", "f": request.preset or request.function,
             "x0": ",".join(number_text(v) for v in request.x0), "steps": str(request.steps),
             "opt": ",".join(request.optimizers)}
    for name, value in (("lr", request.lr), ("beta", request.beta), ("wd", request.weight_decay)):
        if value is not None:
            query[name] = number_text(value)
    return query


def _keyboard(ctx: Context, request: OptRequest) -> Keyboard:
    if request.anim:
        return ()
    token = remember(ctx, request.key, request)
    lab = lab_row(ctx, lab_query(request))
    return ((Button(words.BUTTONS["anim"], f"{NAME}:{token}:anim"),),) + ((lab,) if lab else ())


async def on_button(payload: str, ctx: Context) -> Response:
    """The animation button: re-run as a GIF and put it in place of the picture."""
    press = await pressed(ctx, payload, OptRequest, words.BUTTONS, command_text)
    if isinstance(press, Response):
        return press
    request, _ = press
    response = await draw(replace(request, anim=True), ctx)
    response.edit = True
    return response
