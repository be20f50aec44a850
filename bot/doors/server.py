"""The bot's HTTP server: one Starlette (ASGI) app, served by uvicorn, as
python-telegram-bot's own custom-webhook example does.

- ``POST /telegram`` (webhook mode only): Telegram's updates. The secret header must
  match (constant-time compare, else 401), the body is size-limited (413) and must be one
  JSON update (400); the update is stored in the inbox before the 200 is sent, so an
  acknowledged update is never lost. A refusal stores nothing.
- ``GET /healthz``: the process is alive. ``GET /readyz``: every readiness check passes
  (database reachable, render workers up, migrations current), else 503 with the failing
  ones. ``GET /metrics``: Prometheus text (:mod:`bot.doors.metrics`).
- Other doors plug in through ``ServerParts.extra``: Starlette routes or mounts (the Mini
  App's ``Mount("/app", build_web_app(…))``), added after the bot's own routes.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.doors import metrics
from bot.doors.updates import update_id_of

log = logging.getLogger(__name__)

#: Telegram's secret header (``setWebhook(secret_token=…)``).
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: An update is a few kilobytes; anything near a megabyte is not from Telegram.
MAX_BODY = 1 << 20

#: Stores one update (raw JSON) durably; raises when it could not.
Store = Callable[[dict[str, Any]], Awaitable[None]]
#: A readiness check: True when that part is ready.
Check = Callable[[], Awaitable[bool]]


@dataclass
class ServerParts:
    """What the server is made of. ``store`` None: no ``/telegram`` (polling mode, the
    server only serves probes, metrics and ``extra``)."""

    store: Store | None = None
    secret: str = ""
    checks: Mapping[str, Check] = field(default_factory=dict)
    extra: Sequence[BaseRoute] = ()
    max_body: int = MAX_BODY


def build_asgi(parts: ServerParts) -> Starlette:
    routes: list[BaseRoute] = [
        Route("/healthz", _healthz, methods=["GET"]),
        Route("/readyz", _readyz(parts.checks), methods=["GET"]),
        Route("/metrics", _metrics, methods=["GET"]),
    ]
    if parts.store is not None:
        if not parts.secret:
            raise ValueError("a webhook needs a secret (BOT_WEBHOOK_SECRET)")
        routes.append(Route("/telegram", _webhook(parts.store, parts.secret, parts.max_body),
                            methods=["POST"]))
    routes.extend(parts.extra)
    return Starlette(routes=routes)


async def _healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


def _readyz(checks: Mapping[str, Check]) -> Callable[[Request], Awaitable[Response]]:
    async def readyz(request: Request) -> Response:
        results: dict[str, bool] = {}
        for name, check in checks.items():
            try:
                results[name] = bool(await check())
            except Exception:  # noqa: BLE001 (a failing check is a "no", not a 500)
                log.info("readiness check %s failed", name, exc_info=True)
                results[name] = False
        return JSONResponse(results, status_code=200 if all(results.values()) else 503)
    return readyz


async def _metrics(request: Request) -> Response:
    body, content_type = await metrics.exposition()
    return Response(body, media_type=content_type)


def _webhook(store: Store, secret: str, max_body: int) -> Callable[[Request], Awaitable[Response]]:
    expected = secret.encode()

    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("unauthorized", status_code=401)
        body = await _bounded_body(request, max_body)
        if body is None:
            return PlainTextResponse("too large", status_code=413)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return PlainTextResponse("not JSON", status_code=400)
        if update_id_of(data) is None:
            return PlainTextResponse("not an update", status_code=400)
        await store(data)  # raising → 500: Telegram sends the update again later
        return PlainTextResponse("ok")

    return telegram


async def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The body, or None once it passes ``limit`` bytes (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except ClientDisconnect:
        return b""
    return b"".join(chunks)
