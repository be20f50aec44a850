"""/privacy: what the bot keeps about a learner, why and for how long; /forget: all of
it deleted, in one transaction, after a confirmation button."""

from __future__ import annotations

from bot.commands.base import Button, Context, Response, Text
from bot.commands.settings import private_only
from bot.fa import settings as words
from bot.storage.learning import forget


async def run_privacy(args: str, ctx: Context) -> Response:
    return Response([Text(words.PRIVACY)])


async def run_forget(args: str, ctx: Context) -> Response:
    if refused := private_only(ctx):
        return refused
    keyboard = ((Button(words.FORGET_YES, "forget:yes"), Button(words.FORGET_NO, "forget:no")),)
    return Response([Text(words.FORGET_CONFIRM, keyboard)])


async def on_button(payload: str, ctx: Context) -> Response:
    """``yes``: delete everything about the one who pressed; anything else keeps it."""
    if refused := private_only(ctx):
        return refused
    if payload != "yes":
        return Response([Text(words.FORGET_KEPT)], edit=True)
    async with ctx.services.storage.transaction() as db:
        await forget(db.session, ctx.user_id)
    return Response([Text(words.FORGOTTEN)], edit=True, data={"forgotten": ctx.user_id})
