"""Bot replicas as separate processes (``python -m bot run``) against the fake Bot API,
for the durability tests and ``benchmarks/durability.py``: killed with SIGKILL, started
again, several on one database; the load balancer in front of webhook replicas; polls to
answer and the wait until every stored update is handled."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bot.curriculum.loader import curriculum
from bot.storage import PollInfo, Storage
from bot.storage.tables import InboxUpdate
from tests.fake_telegram import TOKEN, FakeTelegram

SECRET = "replica-test-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Replica:
    """One ``python -m bot run`` process; ``port`` set: webhook mode on that port."""

    def __init__(self, fake: FakeTelegram, db_url: str, folder: Path, name: str,
                 port: int | None = None) -> None:
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_API_BASE_URL": fake.base_url,
                    "BOT_DB_URL": db_url, "BOT_DATA_DIR": str(folder), "BOT_WORKERS": "1",
                    "BOT_LOG_LEVEL": "WARNING", "BOT_SHUTDOWN_SECONDS": "5",
                    # one update in flight: a kill can then catch at most one reply in the
                    # window between Telegram taking it and its journal row (bot.doors.inbox),
                    # so "answered twice" is bounded by the number of kills exactly
                    "BOT_CONCURRENCY": "1",
                    "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        if port is not None:
            self.env.update(BOT_WEBHOOK_URL="https://bot.example/telegram",
                            BOT_WEBHOOK_SECRET=SECRET, BOT_WEBHOOK_LISTEN="127.0.0.1",
                            BOT_WEBHOOK_PORT=str(port))
        self.port = port
        self.log = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Replica:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=self.env,
                                            stdout=out, stderr=subprocess.STDOUT)
        return self

    def kill(self) -> None:
        """``kill -9``: no chance to finish or give anything back."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


async def seed_polls(url: str, count: int) -> list[str]:
    """``count`` quiz polls posted in a channel, for learners to answer."""
    quiz = curriculum().quizzes[0]
    storage = await Storage.open(url)
    poll_ids = [f"durable-{n}" for n in range(count)]
    async with storage.transaction() as db:
        for n, poll_id in enumerate(poll_ids):
            await db.polls.add(PollInfo(poll_id, quiz.id, -100123, 500 + n, "channel", n + 1),
                               storage.clock())
    await storage.close()
    return poll_ids


async def post(client: httpx.AsyncClient, replicas: list[Replica], update: dict[str, Any],
               rng: random.Random) -> None:
    """The load balancer: a random live replica; on failure another, until one takes it."""
    body = json.dumps(update)
    deadline = time.monotonic() + 180  # replicas start slowly on a busy machine
    while time.monotonic() < deadline:
        replica = rng.choice(replicas)
        try:
            answer = await client.post(f"http://127.0.0.1:{replica.port}/telegram", content=body,
                                       headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                                "Content-Type": "application/json"})
            if answer.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"no replica took update {update['update_id']}")


async def all_listening(client: httpx.AsyncClient, replicas: list[Replica]) -> None:
    for replica in replicas:
        for _ in range(1800):
            try:
                if (await client.get(f"http://127.0.0.1:{replica.port}/healthz")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)


async def settled(url: str, total: int, timeout: float = 240) -> None:
    """Until ``total`` updates are stored and none is left to handle."""
    storage = Storage(url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async with storage.transaction() as db:
                open_rows = (await db.session.execute(
                    select(func.count()).select_from(InboxUpdate)
                    .where(InboxUpdate.status != "done"))).scalar_one()
                stored = (await db.session.execute(
                    select(func.count()).select_from(InboxUpdate))).scalar_one()
            if stored >= total and open_rows == 0:
                return
            await asyncio.sleep(0.5)
        raise AssertionError(f"not settled: {stored} stored, {open_rows} not done")
    finally:
        await storage.close()
