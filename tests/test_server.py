"""The bot's ASGI server: the webhook's refusals store nothing; probes and metrics answer;
other doors' routes mount beside the bot's."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.cache import LRU
from bot.doors import metrics
from bot.doors.server import SECRET_HEADER, ServerParts, build_asgi
from bot.labs.gd import run_gd
from bot.runner import Busy, LabRunner
from bot.storage import Storage

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


def _series(text: str) -> dict[str, float]:
    """``{'name{labels}': value}`` of a Prometheus text exposition."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


async def test_metrics_count_renders_cache_hits_queue_and_slots(tmp_path: Path) -> None:
    storage = await Storage.open(f"sqlite:///{tmp_path / 'bot.db'}")
    runner = LabRunner(workers=1, queue_limit=1)
    release = asyncio.Event()

    async def compute(job: Any, request: Any) -> str:
        await release.wait()
        return f"picture of {request}"

    runner._compute = compute  # type: ignore[method-assign]  # no worker pool needed
    file_ids: LRU[str, str] = LRU(10)
    scraped = metrics.Replica(runner, storage, {"bytes": runner.results, "file_id": file_ids})
    metrics.GAUGES.sources.append(scraped)
    try:
        async with _http(_parts([])) as client:
            async def scrape() -> dict[str, float]:
                return _series((await client.get("/metrics")).text)

            before = await scrape()
            assert before['bot_render_queue'] == 0
            assert 'bot_channel_slots{status="claimed"}' not in before
            first = asyncio.ensure_future(runner.run(run_gd, 1, key="gd|1", user_id=1))
            await asyncio.sleep(0)
            twin = asyncio.ensure_future(runner.run(run_gd, 1, key="gd|1", user_id=2))
            await asyncio.sleep(0)
            with pytest.raises(Busy):  # the queue (one job) is full
                await runner.run(run_gd, 2, key="gd|2", user_id=3)
            during = await scrape()
            assert during["bot_render_queue"] == 1
            release.set()
            assert await first == await twin == "picture of 1"
            assert await runner.run(run_gd, 1, key="gd|1", user_id=4) == "picture of 1"
            file_ids.put("gd|1", "AgAD-file")
            assert file_ids.get("gd|1") == "AgAD-file" and file_ids.get("gd|9") is None
            async with storage.transaction() as db:
                await db.slots.claim("quiz:2026-12-06", "quiz", "replica-a", storage.clock())
                await db.slots.claim("lesson:2026-12-06", "lesson", "replica-a", storage.clock())
                await db.slots.transition("lesson:2026-12-06", ("claimed",), "sending",
                                          storage.clock())
            after = await scrape()
    finally:
        metrics.GAUGES.sources.remove(scraped)
        await storage.close()
    assert after["bot_render_queue"] == 0
    for outcome in ("rendered", "shared", "busy", "cached"):
        assert after[f'bot_lab_renders_total{{lab="gd",outcome="{outcome}"}}'] == 1, outcome
    assert after['bot_cache_lookups_total{cache="bytes",outcome="hit"}'] == 1
    assert after['bot_cache_lookups_total{cache="bytes",outcome="miss"}'] == 3
    assert after['bot_cache_lookups_total{cache="file_id",outcome="hit"}'] == 1
    assert after['bot_cache_lookups_total{cache="file_id",outcome="miss"}'] == 1
    assert after['bot_channel_slots{status="claimed"}'] == 1
    assert after['bot_channel_slots{status="sending"}'] == 1
