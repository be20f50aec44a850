"""What every lab command shares: running its job fairly, and buttons that re-run it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import Callable, Container
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

from bot.commands.base import (
    Animation,
    Button,
    Context,
    Keyboard,
    Media,
    Photo,
    Response,
    Text,
    UserError,
)
from bot.commands.shared import Expired, SharedPicture
from bot.engine.expr import ExpressionError
from bot.engine.gd import StartError
from bot.fa import errors, messages
from bot.fa import help as help_words
from bot.fa import web as web_words
from bot.fa.gd import start_problem
from bot.fa.numbers import normalize_input
from bot.runner import Busy, LabTimeout

R = TypeVar("R")
T = TypeVar("T")


#: A new picture that would reach the learner later than this (the render queue, plus the
#: send budget's backlog for each of the answer's pictures) is refused at once with the
#: "busy" message instead of queued.
ADMIT_SECONDS = 3.0
#: Over Telegram's ceiling (a picture it already has would wait longer than this for the
#: send budget) a refusal is not sent: it would go ahead of every answer, and with every
#: learner costing a message at least, answers would then queue without bound. The bot
#: sends what the ceiling allows: the answers it took on, then refusals again.
OVER_CEILING = 1.0
#: The chat action ("sending a photo…") is shown only for a render still running after
#: this long: it spends the same send budget as a message.
PROGRESS_AFTER = 1.0
#: A learner refused as "busy" is told once: refused again within this many seconds,
#: nothing is sent (counted as ``quiet`` among the runner's outcomes). Over Telegram's
#: ceiling every message spent on a refusal is one the admitted pictures wait for.
QUIET_SECONDS = 10.0


async def run_lab(ctx: Context, job: Callable[[R], T], request: R, *, key: str,
                  example: str, action: str = "upload_photo", leased: bool = True,
                  pictures: int = 1) -> T:
    """Run ``job(request)`` in the render pool; every failure becomes a Persian UserError.
    ``leased``: the learner's one lab in flight and the queue limit hold across replicas
    (two short transactions per render); False keeps them to this process (the Mini App's
    live runs: milliseconds each, under the page's own rate limit). ``pictures``: how
    many the answer sends (see :func:`_admitted`)."""
    runner = ctx.services.runner
    ready = runner.is_ready(key)
    if not ready and not runner.is_pending(key) and not ctx.patient:
        if not _admitted(ctx, pictures):
            runner.count(job, "busy")
            raise _busy(ctx, job, messages.BUSY_QUEUE)
    result = asyncio.ensure_future(runner.run(
        job, request, key=key, user_id=ctx.user_id,
        leases=ctx.services.leases if leased else None))
    try:
        if not ready:
            done, _ = await asyncio.wait({result}, timeout=PROGRESS_AFTER)
            if not done:
                await ctx.progress(action)
        return await result
    except Busy as busy:
        raise _busy(ctx, job, messages.BUSY_USER if busy.reason == "user" else messages.BUSY_QUEUE)
    except LabTimeout:
        raise UserError(errors.with_example(messages.TOO_SLOW, example))
    except ExpressionError as error:
        raise UserError(errors.expression(error, example))


def _admitted(ctx: Context, pictures: int) -> bool:
    """Admission control for a new picture: can its answer reach the learner in time?

    - The render pool: the jobs ahead of it, and, while the pool is busy, the time the
      request already waited to be handled (the bot is behind: its CPU is taken; after an
      idle pause, a restart, the wait is no reason to refuse).
    - Telegram's ceiling: the pictures still being rendered reach the send budget before
      this answer's, and each of its ``pictures`` waits in turn.
    """
    runner = ctx.services.runner
    behind = (ctx.waited() if runner.in_flight >= runner.workers else 0.0) + runner.expected_wait()
    return behind + pictures * ctx.services.send_backlog(runner.in_flight) <= ADMIT_SECONDS


def _busy(ctx: Context, job: Callable[..., object], message: str) -> UserError:
    """The "busy" refusal: sent once per learner per QUIET_SECONDS, quiet after that; and
    not sent at all while the bot is over Telegram's ceiling (see OVER_CEILING)."""
    now = time.monotonic()
    last = ctx.services.refused.get(ctx.user_id)
    if last is not None and now - last < QUIET_SECONDS:
        ctx.services.runner.count(job, "quiet")
        return UserError(message, quiet=True)
    if ctx.services.send_backlog(known=True) > OVER_CEILING:
        ctx.services.runner.count(job, "unsent")
        return UserError(message, quiet=True)
    ctx.services.refused.put(ctx.user_id, now)
    return UserError(message)


def token_for(key: str, prefix: str = "") -> str:
    """The short URL-safe token ``remember`` keeps ``key``'s request under."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return prefix + base64.urlsafe_b64encode(digest).decode().rstrip("=")


class _Summary(Protocol):
    def to_data(self) -> dict[str, object]: ...


class _Still(Protocol):
    @property
    def png(self) -> bytes: ...
    @property
    def summary(self) -> _Summary: ...


class _Moving(_Still, Protocol):
    @property
    def gif(self) -> bytes | None: ...


def still_reply(key: str, result: _Still, filename: str, caption: str,
                keyboard: Keyboard = (), share: str = "") -> Response:
    """A lab's answer as one picture (under the request's ``key``, so a door can reuse its
    file id) with the summary's numbers as the reply's data."""
    return Response(replies=[Photo(Media(key + "|png", result.png, filename), caption, keyboard)],
                    data=result.summary.to_data(), share=share)


def moving_reply(key: str, result: _Moving, name: str, caption: str, keyboard: Keyboard,
                 share: str) -> Response:
    """:func:`still_reply`, or with ``anim`` the animation alone (its last frame holds the
    whole run): ``name``.png or ``name``.gif."""
    if result.gif is None:
        return still_reply(key, result, name + ".png", caption, keyboard, share)
    return Response(replies=[Animation(Media(key + "|gif", result.gif, name + ".gif"), caption, keyboard)],
                    data=result.summary.to_data(), share=share)


def start_refusal(error: StartError, x0: tuple[float, ...], example: str) -> UserError:
    """The Persian refusal of a start where f or its gradient cannot be computed."""
    return UserError(errors.with_example(start_problem(error.code, x0, error.suggestion), example))


def lab_row(ctx: Context, query: dict[str, str]) -> tuple[Button, ...]:
    """The Mini App button carrying this lab's request, in a private chat when the app
    has an address (BOT_WEBAPP_URL); no button otherwise."""
    url = ctx.services.settings.webapp_url
    if not url or ctx.chat_type != "private":
        return ()
    return (Button(web_words.OPEN_LAB, web_app=f"{url}?{urlencode(query)}"),)


def remember(ctx: Context, key: str, request: Any, prefix: str = "") -> str:
    """Keep ``request`` under a short token for callback buttons (Telegram allows 64 bytes
    of callback data; a request with its function can be longer), for every replica (see
    :mod:`bot.commands.shared`). The token is URL-safe, so it also fits a deep link
    (``prefix`` keeps kinds apart)."""
    token = token_for(key, prefix)
    ctx.services.requests.remember(token, request, ctx.services.clock())
    return token


async def recall(ctx: Context, token: str) -> Any | Expired | None:
    """The request a button's token stands for; :class:`Expired` past ``BOT_BUTTON_DAYS``;
    None when unknown."""
    return await ctx.services.requests.recall(token, ctx.services.clock())


async def recall_as(ctx: Context, token: str, kind: type[R], stale: Response,
                    command: Callable[[R], str] | None = None) -> R | Response:
    """The ``kind`` of request a button's or link's token stands for, or the answer to give
    instead: past ``BOT_BUTTON_DAYS``, :func:`expired` (how to run it again: ``command`` of
    the old request, when given); unknown or of another kind, ``stale``."""
    found = await recall(ctx, token)
    if isinstance(found, Expired) and isinstance(found.request, kind):
        return expired(ctx, command(found.request) if command else "")
    if not isinstance(found, kind):
        return stale
    return found


async def pressed(ctx: Context, payload: str, kind: type[R], actions: Container[str],
                  command: Callable[[R], str]) -> tuple[R, str] | Response:
    """A lab keyboard's press (``token:action``): the ``kind`` of request it re-runs and
    the action, or the answer to give instead (expired, or stale: unknown token or action)."""
    token, _, action = payload.partition(":")
    stale = Response(notice=messages.STALE_BUTTON)
    request = await recall_as(ctx, token, kind, stale, command)
    if isinstance(request, Response):
        return request
    return (request, action) if action in actions else stale


#: A suggestion button's callback prefix (the router runs what it remembers).
SUGGEST = "suggest"


def suggestion_button(ctx: Context, command: str) -> Button:
    """«▶️ اجرا: …»: a button that runs ``command`` as if typed (a next step is a button,
    not a command to copy)."""
    return Button(help_words.run_suggestion(command),
                  f"{SUGGEST}:{remember(ctx, 'suggest|' + command, command)}")


def next_step_row(ctx: Context, command: str) -> tuple[tuple[Button, ...], ...]:
    """The keyboard row of a picture's next step; none when there is no next step."""
    return ((suggestion_button(ctx, command),),) if command else ()


def expired(ctx: Context, command: str = "") -> Response:
    """The answer to a press whose request has expired: say so, and how to run it again
    (``command``, when the button ran one)."""
    days = ctx.services.settings.button_days
    return Response([Text(messages.expired_button(days, command))],
                    notice=messages.EXPIRED_BUTTON)


def share_key(query: str) -> str:
    """What a shared picture is remembered under: its inline query, spaces folded."""
    return "share|" + " ".join(normalize_input(query).split())


def remember_shared(ctx: Context, query: str, picture: SharedPicture) -> None:
    remember(ctx, share_key(query), picture)


async def shared_picture(ctx: Context, query: str) -> SharedPicture | None:
    found = await recall(ctx, token_for(share_key(query)))
    return found if isinstance(found, SharedPicture) else None
