"""The bot's ASGI server: the webhook's refusals store nothing; probes and metrics answer;
other doors' routes mount beside the bot's."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.doors.server import SECRET_HEADER, ServerParts, build_asgi

SECRET = "s3cret-token_1"
UPDATE = {"update_id": 7, "message": {"message_id": 1, "date": 0, "text": "/start",
                                      "chat": {"id": 1, "type": "private"}}}


def _http(parts: ServerParts) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(build_asgi(parts)),
                             base_url="http://bot")


def _parts(stored: list[dict[str, Any]], ready: bool = True, **options: Any) -> ServerParts:
    async def store(data: dict[str, Any]) -> None:
        stored.append(data)

    async def database() -> bool:
        return ready

    async def extra(request: Any) -> PlainTextResponse:
        return PlainTextResponse("mini app")

    return ServerParts(store=store, secret=SECRET, checks={"database": database},
                       extra=[Route("/app", extra)], **options)


async def test_an_update_with_the_secret_is_stored_before_the_200() -> None:
    stored: list[dict[str, Any]] = []
    async with _http(_parts(stored)) as client:
        answer = await client.post("/telegram", json=UPDATE, headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 200
    assert stored == [UPDATE]


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start:start + 1000]


async def test_refusals_store_nothing() -> None:
    stored: list[dict[str, Any]] = []
    body = json.dumps(UPDATE)
    huge = json.dumps({**UPDATE, "pad": "x" * 5000})
    good = {SECRET_HEADER: SECRET}
    async with _http(_parts(stored, max_body=4096)) as client:
        assert (await client.post("/telegram", content=body)).status_code == 401
        for wrong in (SECRET + "x", SECRET[:-1], ""):
            answer = await client.post("/telegram", content=body, headers={SECRET_HEADER: wrong})
            assert answer.status_code == 401
        assert (await client.post("/telegram", content=huge, headers=good)).status_code == 413
        # without a declared length (chunked) the streamed size is what counts
        chunked = await client.post("/telegram", content=_chunks(huge.encode()), headers=good)
        assert chunked.status_code == 413
        for bad in (b"{", b"[1, 2]", b'{"message": {}}', b'{"update_id": "7"}', b"\xff"):
            answer = await client.post("/telegram", content=bad, headers=good)
            assert answer.status_code == 400, bad
        assert (await client.get("/telegram")).status_code == 405
    assert stored == []


async def test_probes_metrics_and_mounted_routes() -> None:
    async with _http(_parts([])) as client:
        assert (await client.get("/healthz")).text == "ok"
        assert (await client.get("/readyz")).json() == {"database": True}
        assert "bot_updates_received" in (await client.get("/metrics")).text
        assert (await client.get("/app")).text == "mini app"
    async with _http(_parts([], ready=False)) as client:
        assert (await client.get("/readyz")).status_code == 503


async def test_polling_mode_has_no_webhook() -> None:
    async with _http(ServerParts()) as client:
        assert (await client.post("/telegram", json=UPDATE)).status_code == 404
        assert (await client.get("/healthz")).status_code == 200
