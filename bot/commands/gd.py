"""/gd — gradient descent on the learner's own function, drawn and judged."""

from __future__ import annotations

from dataclasses import replace

from bot.commands.base import Button, Context, Keyboard, Response
from bot.commands.lab import lab_row, moving_reply, pressed, remember, run_lab, start_refusal
from bot.commands.options import function_options, number_text, read_function
from bot.engine.gd import StartError
from bot.fa import gd as words
from bot.labdata.gd import GDRequest, GDResult
from bot.labs.gd import run_gd

NAME = "gd"
EXAMPLE = "/gd 0.1x^2 lr=0.4 steps=25"
DEFAULT_FUNCTION = "0.1x^2"
MAX_STEPS = 500
MORE_STEPS = 25
MAX_LR = 1e6
#: The smallest rate typed or reached by halving: below it no step moves the point
#: visibly, and halving without end reaches 0, a rate that means no descent at all.
MIN_LR = 1e-6


def parse(args: str) -> GDRequest:
    """Read ``/gd`` arguments into a request; every mistake raises a Persian UserError."""
    options = function_options(args, allowed=("x0", "lr", "steps"), flags=("anim",),
                               example=EXAMPLE)
    text = options.positional or DEFAULT_FUNCTION
    dimension = read_function(options, text).dimension
    x0 = options.numbers("x0", (2.0,) * dimension, lengths=(dimension,), low=-1e6, high=1e6)
    return GDRequest(
        function=text,
        x0=x0,
        lr=options.number("lr", 0.1, low=MIN_LR, high=MAX_LR),
        steps=options.integer("steps", 25, low=1, high=MAX_STEPS),
        anim=options.flag("anim"),
    )


async def run(args: str, ctx: Context) -> Response:
    return await draw(parse(args), ctx)


async def draw(request: GDRequest, ctx: Context) -> Response:
    """Run the lab and build its replies: the still, and the GIF when asked for."""
    try:
        result: GDResult = await run_lab(ctx, run_gd, request, key=request.key, example=EXAMPLE)
    except StartError as error:
        raise start_refusal(error, request.x0, EXAMPLE) from error
    return moving_reply(request.key, result, "gd", words.caption(result.summary),
                        _keyboard(ctx, request), command_text(request))


def command_text(request: GDRequest) -> str:
    """The /gd command that reproduces ``request`` (what a share button offers)."""
    x0 = ",".join(number_text(v) for v in request.x0)
    return (f"/gd {request.function} x0={x0} lr={number_text(request.lr)} "
            f"steps={request.steps}" + (" anim" if request.anim else ""))


def _keyboard(ctx: Context, request: GDRequest) -> Keyboard:
    token = remember(ctx, request.key, request)
    row = tuple(Button(words.BUTTONS[action], f"{NAME}:{token}:{action}")
                for action in ("half", "double", "more"))
    lab = lab_row(ctx, lab_query(request))
    rows = (row,) if request.anim else (row, (Button(words.BUTTONS["anim"], f"{NAME}:{token}:anim"),))
    return rows + ((lab,) if lab else ())


def lab_query(request: GDRequest) -> dict[str, str]:
    """The Mini App's address parameters that open it on this request."""
    return {"mode": "gd", "f": request.function, "x0": ",".join(number_text(v) for v in request.x0),
            "lr": number_text(request.lr), "steps": str(request.steps)}


async def on_button(payload: str, ctx: Context) -> Response:
    """A keyboard press: re-run with a changed request and replace the message."""
    press = await pressed(ctx, payload, GDRequest, words.BUTTONS, command_text)
    if isinstance(press, Response):
        return press
    request, action = press
    if action == "half":
        if request.lr <= MIN_LR:
            return Response(notice=words.lr_limit_notice(MIN_LR, smallest=True))
        request = replace(request, lr=max(request.lr / 2, MIN_LR))
    elif action == "double":
        if request.lr >= MAX_LR:
            return Response(notice=words.lr_limit_notice(MAX_LR, smallest=False))
        request = replace(request, lr=min(request.lr * 2, MAX_LR))
    elif action == "more":
        if request.steps >= MAX_STEPS:
            return Response(notice=words.MAX_STEPS_NOTICE)
        request = replace(request, steps=min(request.steps + MORE_STEPS, MAX_STEPS))
    response = await draw(replace(request, anim=action == "anim"), ctx)
    response.edit = True
    return response

