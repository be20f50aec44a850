"""The Mini App's web door: the lab page, its JSON API and the teacher's dashboard, as
a Starlette app. ``build_web_app`` is mounted by the bot's ASGI server (webhooks) or
served alone by ``python -m bot web`` (anonymous, on 127.0.0.1, lab only).

The door translates and guards, nothing more: bodies are size-limited, each user has a
token bucket, one lab request per user runs at a time (a newer one waiting makes an
older waiting one moot: the page only draws the newest), and every number comes from
:mod:`bot.commands.live`, the chat's own commands and engine."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.commands.base import Context, Services, UserError
from bot.commands.base import Response as Reply
from bot.commands.live import gd_lab, opt_lab
from bot.commands.router import handle_text
from bot.config import Settings
from bot.doors.web.auth import AuthError, WebAppUser, validate
from bot.doors.web.dashboard import dashboard
from bot.fa import web as words
from bot.fa.html import plain_text

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
#: Largest request body (a lab request is about a hundred bytes).
MAX_BODY = 4096
#: Each user's token bucket: this many requests at once, refilled at RATE per second
#: (a slider dragged continuously sends about ten a second after debouncing).
BURST, RATE = 30, 12.0
#: Answers (and files) larger than this are gzipped for clients that accept it: a
#: 1000-step race's JSON shrinks about threefold, uPlot's script fourfold.
GZIP_FROM = 1024
#: The anonymous local user of ``python -m bot web``.
LOCAL_USER = WebAppUser(id=1, first_name="local")

#: Sends a command's replies to a private chat (the Telegram door's sender).
Sender = Callable[[int, Reply], Awaitable[None]]
LabHandler = Callable[[Mapping[str, Any], Context], Awaitable[dict[str, Any]]]
LABS: dict[str, LabHandler] = {"gd": gd_lab, "opt": opt_lab}


class Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Bucket:
    tokens: float = BURST
    at: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.at) * RATE)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class Lane:
    """One user's lab requests: run one at a time, the newest wins."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    newest: int = 0


class WebDoor:
    def __init__(self, services: Services, settings: Settings, *, anonymous: bool,
                 sender: Sender | None) -> None:
        self.services = services
        self.settings = settings
        self.anonymous = anonymous
        self.sender = sender
        self.buckets: dict[int, Bucket] = {}
        self.lanes: dict[int, Lane] = {}

    def user(self, request: Request) -> WebAppUser:
        if self.anonymous:
            return LOCAL_USER
        header = request.headers.get("authorization", "")
        scheme, _, init_data = header.partition(" ")
        try:
            if scheme.lower() != "tma":
                raise AuthError("missing")
            return validate(init_data.strip(), self.settings.token)
        except AuthError as error:
            log.info("web: init data refused (%s)", error)
            raise Refusal(401, words.UNAUTHORIZED) from None

    def admit(self, user: WebAppUser) -> None:
        if len(self.buckets) > 50_000:  # forget idle users rather than grow without end
            self.buckets.clear()
        if not self.buckets.setdefault(user.id, Bucket()).take():
            raise Refusal(429, words.TOO_FAST)

    def context(self, user: WebAppUser) -> Context:
        return Context(self.services, user_id=user.id, chat_id=user.id, user_name=user.first_name)


async def _body(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise Refusal(413, words.TOO_LARGE)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Refusal(413, words.TOO_LARGE)
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks) or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise Refusal(400, words.BAD_REQUEST) from None
    if not isinstance(body, dict):
        raise Refusal(400, words.BAD_REQUEST)
    return body


def finite(value: Any) -> Any:
    """JSON has no NaN or infinity: they travel as null (``try --json`` prints Python's
    ``NaN``/``Infinity`` tokens, which JavaScript cannot read)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def _json(content: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(finite(content), status_code=status,
                        headers={"Cache-Control": "no-store"})


def _lab_json(answer: dict[str, Any]) -> JSONResponse:
    """A lab's answer: ``plot`` is finite already (its coordinates are rounded with gaps
    as null, :mod:`bot.labs.live`), so only the rest is walked: a 1000-step race's plot
    holds some 50 000 numbers, and walking them costs the event loop tens of ms."""
    rest = finite({key: value for key, value in answer.items() if key != "plot"})
    return JSONResponse({**rest, "plot": answer["plot"]}, headers={"Cache-Control": "no-store"})


def _guarded(handler: Callable[[WebDoor, Request], Awaitable[Response]], door: WebDoor
             ) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(door, request)
        except Refusal as refusal:
            return _json({"error": refusal.message}, refusal.status)
        except UserError as error:
            return _json({"error": plain_text(error.message)}, 422)
    return endpoint


async def lab(door: WebDoor, request: Request) -> Response:
    handler = LABS.get(request.path_params["name"])
    if handler is None:
        raise Refusal(404, words.NOT_FOUND)
    user = door.user(request)
    door.admit(user)
    fields = await _body(request)
    lane = door.lanes.setdefault(user.id, Lane())
    lane.newest += 1
    ticket = lane.newest
    async with lane.lock:
        if ticket != lane.newest:
            return _json({"superseded": True}, 409)
        started = time.perf_counter()
        answer = await handler(fields, door.context(user))
    answer["ms"] = round((time.perf_counter() - started) * 1000, 1)
    if not lane.lock.locked() and ticket == lane.newest:
        door.lanes.pop(user.id, None)
    return _lab_json(answer)


async def send(door: WebDoor, request: Request) -> Response:
    """«ارسال در گفت‌وگو» from an app opened by an inline or menu button: the lab's command
    runs as if typed and its picture and caption go to the user's private chat. (From a
    keyboard button the page uses ``sendData`` instead, which arrives as a message.)"""
    user = door.user(request)
    door.admit(user)
    if door.sender is None or door.anonymous:
        raise Refusal(404, words.NOT_FOUND)
    command = (await _body(request)).get("command")
    if not isinstance(command, str) or not command.startswith(("/gd ", "/opt ", "/lr ")):
        raise Refusal(400, words.BAD_REQUEST)
    response = await handle_text(command, door.context(user))
    await door.sender(user.id, response)
    return _json({"sent": True, "notice": words.SENT})


async def teacher(door: WebDoor, request: Request) -> Response:
    """The dashboard's numbers: 403 for anyone not in BOT_ADMIN_IDS."""
    user = door.user(request)
    door.admit(user)
    if door.anonymous or user.id not in door.settings.admin_ids:
        raise Refusal(403, words.FORBIDDEN)
    return _json(await dashboard(door.services))


async def whoami(door: WebDoor, request: Request) -> Response:
    user = door.user(request)
    return _json({"id": user.id, "admin": user.id in door.settings.admin_ids,
                  "anonymous": door.anonymous, "can_send": door.sender is not None})


def _page(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def page(request: Request) -> Response:
        return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})
    return page


def fonts_dir() -> str:
    return str(resources.files("bot.render") / "fonts")


def mount(services: Services, settings: Settings, sender: Sender | None, path: str = "") -> Mount:
    """The Mini App for the bot's ASGI server (``ServerParts.extra``), at the path of
    BOT_WEBAPP_URL (``https://host/app/`` → ``/app``)."""
    prefix = path or urlsplit(settings.webapp_url).path.rstrip("/")
    return Mount(prefix or "/", app=build_web_app(services, settings, sender=sender))


def build_web_app(services: Services, settings: Settings, *, anonymous: bool = False,
                  sender: Sender | None = None) -> Starlette:
    """The Mini App. ``anonymous``: no Telegram, one local user, no dashboard (the
    offline door); otherwise every API call needs valid init data."""
    door = WebDoor(services, settings, anonymous=anonymous, sender=sender)
    routes: list[Route | Mount] = [
        Route("/", _page("lab.html")),
        Route("/api/lab/{name}", _guarded(lab, door), methods=["POST"]),
        Route("/api/me", _guarded(whoami, door), methods=["GET"]),
        Route("/api/send", _guarded(send, door), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Mount("/fonts", StaticFiles(directory=fonts_dir()), name="fonts"),
    ]
    if not anonymous:  # the offline door has no teacher and no one's data
        routes[1:1] = [Route("/dashboard", _page("dashboard.html")),
                       Route("/api/dashboard", _guarded(teacher, door), methods=["GET"])]
    return Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=GZIP_FROM)])
