"""No update lost or handled twice: real replicas (``python -m bot run`` processes) against
the fake Bot API, killed with SIGKILL mid-stream and started again.

Polling on SQLite, and three webhook replicas on one PostgreSQL with the test as the load
balancer (posting each update to a random replica, trying another when one fails, as
Telegram retries). Each poll answer must be stored exactly once, each learner message
answered exactly once; a button drawn while the three ran is answered by a replica that
did not draw it. (benchmarks/durability.py runs the same trial at scale.)"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.fa.messages import STALE_BUTTON
from bot.storage import Storage
from bot.storage.tables import Answer
from tests.fake_telegram import FakeTelegram
from tests.replicas import Replica, all_listening, free_port, post, seed_polls, settled
from tests.test_storage import empty_database, pg_url  # noqa: F401 (a fixture)

ANSWERS_USERS, POLLS, MESSAGES = 25, 8, 40  # 200 poll answers, 40 messages
GD = "/gd 0.1x^2 lr=0.4 steps=25"


def _updates(fake: FakeTelegram, poll_ids: list[str]) -> list[dict[str, Any]]:
    """Poll answers and /help messages, interleaved; each pushed update is also queued
    for getUpdates (the polling trial reads them from there)."""
    plan: list[tuple[str, int, str]] = [("answer", 3000 + u, p) for u in range(ANSWERS_USERS)
                                        for p in poll_ids]
    plan += [("message", 9000 + m, "") for m in range(MESSAGES)]
    random.Random(13).shuffle(plan)
    return [(fake.push_poll_answer(poll, [0], user_id=user) if kind == "answer"
             else fake.push_message("/help", user_id=user, chat_id=user))
            for kind, user, poll in plan]


async def _assert_exactly_once(url: str, fake: FakeTelegram, kills: int) -> None:
    storage = Storage(url)
    async with storage.transaction() as db:
        rows = (await db.session.execute(select(Answer.user_id, Answer.poll_id))).all()
        quarantined = await db.inbox.counts()
    await storage.close()
    per_answer = Counter(rows)
    assert len(per_answer) == ANSWERS_USERS * POLLS, "answers lost"
    assert set(per_answer.values()) == {1}, "answers doubled"
    replies = Counter(int(call.params["chat_id"]) for call in fake.calls_to("sendMessage")
                      if int(call.params["chat_id"]) >= 9000)
    assert sorted(replies) == [9000 + m for m in range(MESSAGES)], "messages unanswered"
    # The one window left (see bot.doors.inbox): a kill after Telegram took a reply and
    # before its journal row committed. Each replica handles one update at a time here
    # (tests.replicas), so each kill can catch at most one reply.
    twice = sum(1 for count in replies.values() if count > 1)
    assert twice <= kills, f"messages answered twice: {replies.most_common(3)}"
    assert quarantined.get("quarantined", 0) == 0


@pytest.fixture
def fake() -> Any:
    telegram = FakeTelegram().start()
    yield telegram
    telegram.stop()


async def test_polling_on_sqlite_survives_kill_9(fake: FakeTelegram, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    poll_ids = await seed_polls(url, POLLS)
    replica = Replica(fake, url, tmp_path, "polling").start()
    plan = [("answer", 3000 + u, p) for u in range(ANSWERS_USERS) for p in poll_ids]
    plan += [("message", 9000 + m, "") for m in range(MESSAGES)]
    random.Random(13).shuffle(plan)
    third = len(plan) // 3
    try:
        for part in range(3):
            for kind, user, poll in plan[part * third:(part + 1) * third if part < 2 else None]:
                if kind == "answer":
                    fake.push_poll_answer(poll, [0], user_id=user)
                else:
                    fake.push_message("/help", user_id=user, chat_id=user)
                await asyncio.sleep(0.004)
            if part < 2:
                await asyncio.sleep(1.5 + part)  # mid-stream: some stored, some in flight
                replica.kill()
                replica.start()
        await settled(url, len(plan))
    finally:
        if replica.running:
            assert replica.terminate() == 0
    await _assert_exactly_once(url, fake, kills=2)


async def _a_button_answered_by_another_replica(
        fake: FakeTelegram, client: httpx.AsyncClient, replicas: list[Replica],
        rng: random.Random) -> None:
    """A /gd drawn by one of the replicas; all of them stopped; a replica started afresh
    (no memory of the button) answers its press, since the request behind the button is in
    the database, and sends the same picture to another learner by the first one's file id."""
    await post(client, replicas, fake.push_message(GD, user_id=8001), rng)
    photo = (await fake.wait_for("sendPhoto", timeout=120))[0]
    for replica in replicas:
        assert replica.terminate() == 0
    fresh = [replicas[1].start()]
    keyboard = photo.result["reply_markup"]["inline_keyboard"]
    double = next(button["callback_data"] for row in keyboard for button in row
                  if "×" in button["text"])
    await post(client, fresh, fake.push_button(photo.result, double, user_id=8001), rng)
    edit = (await fake.wait_for("editMessageMedia", timeout=120))[0]
    assert "lr = 0.8" in edit.params["media"]["caption"]
    pressed = await fake.wait_for("answerCallbackQuery", timeout=60)
    assert pressed[0].params.get("text") != STALE_BUTTON
    await post(client, fresh, fake.push_message(GD, user_id=8002), rng)
    again = (await fake.wait_for("sendPhoto", 2, timeout=120))[1]
    assert again.files == {} and again.params["photo"] == photo.result["photo"][-1]["file_id"]


async def test_three_webhook_replicas_on_postgres_survive_kill_9(fake: FakeTelegram,
                                                                  tmp_path: Path,
                                                                  pg_url: str) -> None:
    url = pg_url
    await empty_database(url)
    poll_ids = await seed_polls(url, POLLS)
    replicas = [Replica(fake, url, tmp_path, f"webhook{n}", port=free_port()).start()
                for n in range(3)]
    updates = _updates(fake, poll_ids)
    rng = random.Random(7)
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            await post(client, replicas, updates[0], rng)
            await all_listening(client, replicas)
            webhooks_set = len(fake.calls_to("setWebhook"))
            for n, update in enumerate(updates):
                await post(client, replicas, update, rng)
                if n in (len(updates) // 3, 2 * len(updates) // 3):
                    victim = replicas[n % 3]
                    victim.kill()
                    victim.start()
        await settled(url, len(updates))
        assert fake.webhook.get("url") == "https://bot.example/telegram"
        # a replica started again finds the webhook set and leaves it alone
        assert len(fake.calls_to("setWebhook")) == webhooks_set
        async with httpx.AsyncClient(timeout=10) as client:
            await _a_button_answered_by_another_replica(fake, client, replicas, rng)
    finally:
        for replica in replicas:
            if replica.running:
                assert replica.terminate() == 0
    await _assert_exactly_once(url, fake, kills=2)
