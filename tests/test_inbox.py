"""The inbox in one process: an update is stored once, handled once, its replies replayed
(not sent again) when it is handled a second time, and a poison update quarantined."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from bot.commands.base import Services
from bot.doors.inbox import Inbox, InboxOptions
from bot.storage import Storage
from bot.storage.inbox import Call
from tests.fake_telegram import FakeTelegram, eventually


@pytest.fixture
async def inbox(fake: FakeTelegram, services: Services) -> AsyncIterator[Inbox]:
    from bot.doors.telegram import build_application, on_startup

    services.settings = replace(services.settings, api_base_url=fake.base_url)
    application = build_application(services.settings, services)
    await application.initialize()
    await on_startup(application)
    box = Inbox(application, services.storage, InboxOptions(idle_wait=0.05, max_attempts=2,
                                                            retry_after=0.0), owner="test")
    task = asyncio.create_task(box.run())
    yield box
    await box.stop(5)
    task.cancel()
    await application.shutdown()


def _message(update_id: int, text: str = "/help", chat: int = 5005) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "Sara"}}}


async def _status(storage: Storage) -> dict[str, int]:
    async with storage.transaction() as db:
        return await db.inbox.counts()


#: The inbox's row counts by status, kept current by ``_watch`` for ``eventually`` (which
#: takes a plain function).
_LAST: dict[str, dict[str, int]] = {}


def _status_sync(storage: Storage) -> dict[str, int]:
    return _LAST.get("status", {})


@pytest.fixture(autouse=True)
async def _watch(storage: Storage) -> AsyncIterator[None]:
    """Keeps ``_LAST`` current for ``eventually`` (which takes a plain function)."""
    async def watch() -> None:
        while True:
            _LAST["status"] = await _status(storage)
            await asyncio.sleep(0.05)
    task = asyncio.create_task(watch())
    yield
    task.cancel()
    _LAST.clear()


async def test_an_update_delivered_twice_is_stored_and_answered_once(
        inbox: Inbox, fake: FakeTelegram, storage: Storage) -> None:
    assert await inbox.store_batch([_message(1), _message(1)]) == [1]
    assert await inbox.store_batch([_message(1)]) == []  # Telegram sending it again
    await eventually(lambda: _status_sync(storage) == {"done": 1})
    assert len(fake.calls_to("sendMessage")) == 1


async def test_a_reply_made_before_a_crash_is_replayed_not_sent_again(
        inbox: Inbox, fake: FakeTelegram, storage: Storage) -> None:
    from datetime import timedelta

    from bot.doors.inbox import incoming

    sent = {"message_id": 77, "date": 0, "text": "…", "chat": {"id": 5005, "type": "private"}}
    now = storage.clock()
    # what a killed replica left behind: the update, leased to it (a lease run out by
    # now), and its reply, journalled
    async with storage.transaction() as db:
        await db.inbox.add([incoming(_message(2))], now)
        await db.inbox.take_new("killed", [2], now, timedelta(0))
        await db.inbox.record_calls([Call(2, 0, "sendMessage", json.dumps(sent))])
    inbox._wake.set()
    await eventually(lambda: _status_sync(storage) == {"done": 1})
    assert fake.calls_to("sendMessage") == []


async def test_poison_updates_are_quarantined_and_do_not_block_the_rest(
        inbox: Inbox, fake: FakeTelegram, storage: Storage) -> None:
    unreadable = {"update_id": 3, "message": {"chat": "not a chat"}}
    await inbox.store_batch([unreadable, _message(4, chat=5006)])
    await eventually(lambda: _status_sync(storage) == {"done": 1, "quarantined": 1})
    assert inbox.quarantined_seen == 1
    assert [int(c.params["chat_id"]) for c in fake.calls_to("sendMessage")] == [5006]


async def test_status_shows_admins_the_quarantined_updates(
        inbox: Inbox, fake: FakeTelegram, storage: Storage) -> None:
    await inbox.store(_message(5, chat=4242, text="/status"))
    await eventually(lambda: len(fake.calls_to("sendMessage")) == 1)
    assert "به‌روزرسانی‌های کنارگذاشته (quarantined)</b>: هیچ" in \
        fake.calls_to("sendMessage")[0].params["text"]
    await inbox.store_batch([{"update_id": 6, "message": {"chat": "not a chat"}},
                             {"update_id": 7, "edited_message": {"date": "never"}}])
    await eventually(lambda: _status_sync(storage).get("quarantined") == 2)
    await inbox.store(_message(8, chat=4242, text="/status"))
    await eventually(lambda: len(fake.calls_to("sendMessage")) == 2)
    text = fake.calls_to("sendMessage")[1].params["text"]
    assert "به‌روزرسانی‌های کنارگذاشته (quarantined)</b>: ۲" in text
    assert "<code>6 message</code>" in text and "<code>7 edited_message</code>" in text
    await inbox.store(_message(9, chat=5007, text="/status"))  # not an admin: nothing shown
    await eventually(lambda: len(fake.calls_to("sendMessage")) == 3)
    assert "quarantined" not in fake.calls_to("sendMessage")[2].params["text"]


async def _store_waited(storage: Storage, update: dict[str, Any], seconds: float) -> None:
    """Store ``update`` as if the ingress had taken it ``seconds`` ago."""
    from datetime import timedelta

    from bot.doors.inbox import incoming

    async with storage.transaction() as db:
        await db.inbox.add([incoming(update)], storage.clock() - timedelta(seconds=seconds))


async def test_a_new_render_that_already_waited_is_refused_while_the_pool_is_busy(
        fake: FakeTelegram, services: Services, storage: Storage,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot is behind (its pool busy, updates waiting to be handled): a new picture
    whose request already waited seconds is refused at once; the same wait after an idle
    pause (a restart) is no reason to refuse."""
    from bot.commands import lab
    from bot.fa.messages import BUSY_QUEUE
    from bot.runner import LabRunner

    busy = {"in_flight": 0}
    monkeypatch.setattr(LabRunner, "in_flight", property(lambda self: busy["in_flight"]))
    await _store_waited(storage, _message(31, "/gd 0.31x^2 lr=0.4", chat=5031),
                        lab.ADMIT_SECONDS + 1)
    box = await _started_inbox(fake, services)
    try:
        await fake.wait_for("sendPhoto")  # idle pool: answered, however long it waited
        busy["in_flight"] = services.runner.workers
        await _store_waited(storage, _message(32, "/gd 0.32x^2 lr=0.4", chat=5032),
                            lab.ADMIT_SECONDS + 1)
        await box.store(_message(33, "/gd 0.33x^2 lr=0.4", chat=5033))  # fresh: admitted
        refusal = (await fake.wait_for("sendMessage"))[0]
        assert int(refusal.params["chat_id"]) == 5032 and refusal.params["text"] == BUSY_QUEUE
        sent = await fake.wait_for("sendPhoto", 2)
        assert {int(c.params["chat_id"]) for c in sent} == {5031, 5033}
    finally:
        await box.stop(5)


async def _started_inbox(fake: FakeTelegram, services: Services) -> Inbox:
    from bot.doors.telegram import build_application, on_startup

    services.settings = replace(services.settings, api_base_url=fake.base_url)
    application = build_application(services.settings, services)
    await application.initialize()
    await on_startup(application)
    box = Inbox(application, services.storage, InboxOptions(idle_wait=0.05), owner="test")
    asyncio.get_running_loop().create_task(box.run())
    return box


async def test_webhook_posts_arriving_together_share_one_transaction(
        inbox: Inbox, storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    """Group commit (bot.doors.batch): each POST still waits for its own commit, but
    twenty at once are stored in one transaction, not twenty."""
    batches: list[int] = []
    real = inbox.store_batch

    async def counted(batch: Any) -> list[int]:
        batches.append(len(batch))
        return await real(batch)

    monkeypatch.setattr(inbox, "store_batch", counted)
    await asyncio.gather(*(inbox.store(_message(100 + i, chat=6000 + i)) for i in range(20)))
    assert batches == [20]
    assert sum((await _status(storage)).values()) == 20  # every one stored


async def test_the_replica_that_stores_an_update_handles_it_at_once(
        inbox: Inbox, fake: FakeTelegram, storage: Storage) -> None:
    """No round of claiming between storing and handling: the update is leased to this
    replica in the transaction that stores it (one transaction less per update, and no
    wait for the claim loop to wake)."""
    await inbox.store(_message(41, chat=5041))
    assert 41 in inbox._tasks
    await eventually(lambda: _status_sync(storage) == {"done": 1})
    assert [int(c.params["chat_id"]) for c in fake.calls_to("sendMessage")] == [5041]
