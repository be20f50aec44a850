"""State the replicas share through the database (revision 0007): what buttons stand
for, Telegram file ids, and labs in flight under a lease — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.commands.base import Animation, Context, Photo, Services, Text
from bot.commands.router import handle_text
from bot.commands.shared import ButtonRequests, Expired, SharedPicture, decode, encode
from bot.config import Settings
from bot.curriculum.loader import curriculum
from bot.fa.messages import BUSY_QUEUE, BUSY_USER, EXPIRED_BUTTON, STALE_BUTTON
from bot.labdata.gd import GDRequest
from bot.labdata.opt import OptRequest
from bot.runner import LabRunner
from bot.storage import Storage
from bot.storage.buttons import Stored
from tests.conftest import Clock
from tests.db import stored
from tests.fake_telegram import FakeTelegram
from tests.test_storage import db_url, pg_url, store, twin  # noqa: F401 (fixtures)

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def test_a_button_request_stored_by_one_process_is_read_by_another(
        store: Storage, twin: Storage) -> None:
    async with store.transaction() as db:
        await db.buttons.put([Stored("tok1", "text", '"/gd x^2"', T0)])
    found = await stored(twin, lambda db: db.buttons.get("tok1"))
    assert found == Stored("tok1", "text", '"/gd x^2"', T0)
    assert await stored(twin, lambda db: db.buttons.get("nope")) is None
    # offered again later: the same token, its age starts again
    async with twin.transaction() as db:
        await db.buttons.put([Stored("tok1", "text", '"/gd x^2"', T0 + 40 * MINUTE)])
    again = await stored(store, lambda db: db.buttons.get("tok1"))
    assert again is not None and again.created_at == T0 + 40 * MINUTE
    assert await stored(store, lambda db: db.buttons.prune(T0 + 41 * MINUTE)) == 1
    assert await stored(store, lambda db: db.buttons.get("tok1")) is None


async def test_file_ids_are_shared_and_a_refused_one_is_forgotten(
        store: Storage, twin: Storage) -> None:
    async with store.transaction() as db:
        await db.file_ids.put("k", "AgAD-1", "photo", T0)
    assert await stored(twin, lambda db: db.file_ids.get("k")) == ("AgAD-1", "photo")
    async with twin.transaction() as db:
        await db.file_ids.put("k", "AgAD-2", "photo", T0)
        await db.file_ids.forget("k", "AgAD-1")  # an older id: the newer one stays
    assert await stored(store, lambda db: db.file_ids.get("k")) == ("AgAD-2", "photo")
    async with store.transaction() as db:
        await db.file_ids.forget("k", "AgAD-2")
    assert await stored(twin, lambda db: db.file_ids.get("k")) is None


async def test_one_lab_per_learner_and_a_global_limit_across_processes(
        store: Storage, twin: Storage) -> None:
    until = T0 + MINUTE
    assert await stored(store, lambda db: db.leases.take(1, "a", T0, until, 2)) == "ok"
    assert await stored(twin, lambda db: db.leases.take(1, "b", T0, until, 2)) == "user"
    assert await stored(twin, lambda db: db.leases.take(2, "b", T0, until, 2)) == "ok"
    assert await stored(twin, lambda db: db.leases.take(3, "b", T0, until, 2)) == "queue"
    async with twin.transaction() as db:
        await db.leases.give_back(1, "b")  # not b's lease: nothing happens
    assert await stored(store, lambda db: db.leases.live(T0)) == 2
    async with store.transaction() as db:
        await db.leases.give_back(1, "a")
    assert await stored(twin, lambda db: db.leases.take(3, "b", T0, until, 2)) == "ok"


async def test_a_lease_held_by_a_dead_replica_runs_out(store: Storage, twin: Storage) -> None:
    until = T0 + MINUTE
    assert await stored(store, lambda db: db.leases.take(1, "dead", T0, until, 1)) == "ok"
    later = T0 + 30 * timedelta(seconds=1)
    assert await stored(twin, lambda db: db.leases.take(1, "b", later, later + MINUTE, 1)) == "user"
    taken = await stored(twin, lambda db: db.leases.take(2, "b", later, later + MINUTE, 1))
    assert taken == "queue"
    after = until + timedelta(seconds=1)
    assert await stored(twin, lambda db: db.leases.live(after)) == 0
    assert await stored(twin, lambda db: db.leases.take(1, "b", after, after + MINUTE, 1)) == "ok"
    assert await stored(twin, lambda db: db.leases.prune(after + 2 * MINUTE)) == 1


async def test_two_processes_taking_leases_at_once_never_exceed_the_limit(
        store: Storage, twin: Storage) -> None:
    async def take(storage: Storage, user_id: int) -> str:
        async with storage.transaction() as db:
            return await db.leases.take(user_id, "x", T0, T0 + MINUTE, 5)

    results = await asyncio.gather(*(take(store if i % 2 else twin, i) for i in range(12)))
    assert results.count("ok") == 5 and results.count("queue") == 7
    async with store.transaction() as db:
        assert await db.leases.give_back_all("x") == 5
    same = await asyncio.gather(*(take(store if i % 2 else twin, 99) for i in range(6)))
    assert sorted(same) == ["ok"] + ["user"] * 5  # one lab of one learner at a time


# --- through the real Application and the fake Bot API: replicas on one database -------
class Replica:
    """One bot replica: its own Services (memory, leases) on the shared database and the
    session's render pool (its results cache cleared: another process's is empty)."""

    def __init__(self, db_url: str, runner: LabRunner, settings: Settings) -> None:
        self.db_url, self.runner, self.settings = db_url, runner, settings
        self.application: Any = None

    async def start(self, fake: FakeTelegram | None = None,
                    now: datetime | None = None) -> Services:
        self.runner.results.clear()
        storage = await Storage.open(self.db_url)
        self.services = Services(runner=self.runner, storage=storage, course=curriculum(),
                                 settings=self.settings)
        if now is not None:
            self.services.clock = Clock(now)
        if fake is not None:
            from bot.doors.telegram import build_application, on_startup

            self.services.settings = replace(self.settings, api_base_url=fake.base_url)
            self.application = build_application(self.services.settings, self.services)
            await self.application.initialize()
            await on_startup(self.application)
            await self.application.start()
            await self.application.updater.start_polling(poll_interval=0.0, timeout=1)
        return self.services

    async def stop(self) -> None:
        if self.application is not None:
            await self.application.updater.stop()
            await self.application.stop()
            await self.application.shutdown()
            self.application = None
        await self.services.storage.close()


@pytest.fixture
async def replicas(db_url: str, runner: LabRunner, settings: Settings,
                   store: Storage) -> AsyncIterator[Callable[[], Replica]]:
    """Replicas on one database (``store`` made its schema); each is stopped at the end."""
    made: list[Replica] = []

    def replica() -> Replica:
        made.append(Replica(db_url, runner, settings))
        return made[-1]

    yield replica
    for one in made:
        if hasattr(one, "services"):
            with contextlib.suppress(Exception):
                await one.stop()


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
            for b in row if "callback_data" in b}


async def test_a_button_made_on_one_replica_works_on_another_and_after_a_restart(
        replicas: Callable[[], Replica], fake: FakeTelegram) -> None:
    first = replicas()
    await first.start(fake)
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=3101)
    sent = (await fake.wait_for("sendPhoto"))[0]
    assert "photo" in sent.files
    buttons = _buttons(sent.result)
    await first.stop()  # a restart, or the next update going to another replica

    second = replicas()
    await second.start(fake)
    double = next(data for text, data in buttons.items() if "×" in text)
    fake.push_button(sent.result, double, user_id=3101)
    edit = (await fake.wait_for("editMessageMedia"))[0]
    assert "lr = 0.8" in edit.params["media"]["caption"]
    more = next(data for data in buttons.values() if data.startswith("more:"))
    fake.push_button(sent.result, more, user_id=3101)
    whole = (await fake.wait_for("sendMessage"))[0]
    assert len(whole.params["text"]) > len(sent.params["caption"])  # the whole explanation
    answers = await fake.wait_for("answerCallbackQuery", 2)
    assert all(a.params.get("text") != STALE_BUTTON for a in answers)
    # the first replica's upload is sent by its file id here, not uploaded again
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=3102)
    again = (await fake.wait_for("sendPhoto", 2))[1]
    assert again.files == {} and again.params["photo"] == sent.result["photo"][-1]["file_id"]


async def test_a_week_old_button_works_and_an_expired_one_says_how_to_run_it_again(
        replicas: Callable[[], Replica], fake: FakeTelegram) -> None:
    first = replicas()
    await first.start(fake, now=T0)
    fake.push_message("/gd 0.1x^2 lr=0.4 steps=25", user_id=3201)
    sent = (await fake.wait_for("sendPhoto"))[0]
    buttons = _buttons(sent.result)
    await first.stop()

    later = replicas()
    await later.start(fake, now=T0 + timedelta(days=8))
    double = next(data for text, data in buttons.items() if "×" in text)
    fake.push_button(sent.result, double, user_id=3201)
    assert "lr = 0.8" in (await fake.wait_for("editMessageMedia"))[0].params["media"]["caption"]
    await later.stop()

    expired = replicas()
    await expired.start(fake, now=T0 + timedelta(days=31))
    fake.push_button(sent.result, double, user_id=3201)
    fake.push_button(sent.result, buttons["🎞 انیمیشن"], user_id=3201)
    messages = await fake.wait_for("sendMessage", 2)
    for message in messages:
        assert "منقضی" in message.params["text"]
        assert "<code>/gd 0.1x^2 x0=2 lr=0.4 steps=25</code>" in message.params["text"]
    notices = [a.params.get("text") for a in await fake.wait_for("answerCallbackQuery", 3)]
    assert notices[1:] == [EXPIRED_BUTTON, EXPIRED_BUTTON]
    assert len(fake.calls_to("editMessageMedia")) == 1  # nothing redrawn


async def test_a_learners_lab_in_flight_on_one_replica_refuses_a_second_on_another(
        replicas: Callable[[], Replica]) -> None:
    a = await replicas().start(now=T0)
    b = await replicas().start(now=T0)
    assert await a.leases.take(7) == "ok"  # a lab of learner 7 renders on replica a
    refused = await handle_text("/gd x^2 lr=0.3", Context(b, user_id=7, chat_id=7))
    assert [r.text for r in refused.replies if isinstance(r, Text)] == [BUSY_USER]
    other = await handle_text("/gd x^2 lr=0.3", Context(b, user_id=8, chat_id=8))
    assert any(isinstance(r, Photo) for r in other.replies)  # other learners are not held up
    await a.leases.give_back(7)
    mine = await handle_text("/gd x^2 lr=0.35", Context(b, user_id=7, chat_id=7))
    assert any(isinstance(r, Photo) for r in mine.replies)


async def test_a_lease_held_by_a_replica_that_died_runs_out(
        replicas: Callable[[], Replica]) -> None:
    dead = await replicas().start(now=T0)
    alive = await replicas().start(now=T0)
    assert await dead.leases.take(7) == "ok"  # and then the replica is killed
    refused = await handle_text("/gd x^2 lr=0.3", Context(alive, user_id=7, chat_id=7))
    assert [r.text for r in refused.replies if isinstance(r, Text)] == [BUSY_USER]
    assert isinstance(alive.clock, Clock)
    alive.clock.advance(seconds=alive.runner.longest + 1)
    served = await handle_text("/gd x^2 lr=0.3", Context(alive, user_id=7, chat_id=7))
    assert any(isinstance(r, Photo) for r in served.replies)


async def test_two_replicas_never_render_one_learners_two_labs_at_once(
        replicas: Callable[[], Replica]) -> None:
    a = await replicas().start(now=T0)
    b = await replicas().start(now=T0)
    both = await asyncio.gather(
        handle_text("/gd x^2+y^2 x0=1,1 steps=200 lr=0.01", Context(a, user_id=9, chat_id=9)),
        handle_text("/opt rosenbrock steps=300", Context(b, user_id=9, chat_id=9)))
    drawn = [any(isinstance(r, (Photo, Animation)) for r in one.replies) for one in both]
    refused = [[r.text for r in one.replies if isinstance(r, Text)] == [BUSY_USER]
               for one in both]
    assert sorted(drawn) == [False, True] and sorted(refused) == [False, True]
    assert await stored(a.storage, lambda db: db.leases.live(T0)) == 0  # given back


async def test_the_render_queue_limit_counts_the_labs_of_every_replica(
        replicas: Callable[[], Replica]) -> None:
    a = await replicas().start(now=T0)
    b = await replicas().start(now=T0)
    b.leases.limit = 2
    assert await a.leases.take(1) == "ok" and await a.leases.take(2) == "ok"
    refused = await handle_text("/gd x^2 lr=0.3", Context(b, user_id=3, chat_id=3))
    assert [r.text for r in refused.replies if isinstance(r, Text)] == [BUSY_QUEUE]
    await a.leases.give_back(1)
    served = await handle_text("/gd x^2 lr=0.3", Context(b, user_id=3, chat_id=3))
    assert any(isinstance(r, Photo) for r in served.replies)


def test_what_a_button_carries_is_stored_as_json_and_read_back_the_same() -> None:
    gd = GDRequest("0.1x^2", (2.0, -1.5), 0.4, 25)
    race = OptRequest("x^2+y^2", (1.0, 1.0), 50, ("sgd", "adam"), lr=None, beta=0.9)
    picture = SharedPicture("gd|x^2|png", "<b>کپشن</b>", "/gd x^2")
    for request in (gd, race, picture, "/gd x^2 lr=0.1"):
        assert decode(*encode(request)) == request
    kind, payload = encode(gd)
    assert decode(kind, payload.replace('"lr"', '"rate"')) is None  # stored by another version
    assert decode("Nonsense", "{}") is None and decode("text", "[1]") is None
    with pytest.raises(TypeError):
        encode(object())


async def test_a_reply_waits_for_its_buttons_to_be_stored_even_when_another_save_took_them(
        store: Storage) -> None:
    requests = ButtonRequests(store)
    requests.remember("a", "/gd x^2", T0)
    first = asyncio.ensure_future(requests.save())  # takes "a" and "b" (remembered below)
    requests.remember("b", "/gd x^3", T0)
    await asyncio.sleep(0)
    await requests.save()  # "b" went with the first save: returns only once it committed
    assert await stored(store, lambda db: db.buttons.get("b")) is not None
    await first
    fresh = ButtonRequests(store)  # another replica
    assert await fresh.recall("a", T0 + timedelta(days=29)) == "/gd x^2"
    assert await fresh.recall("a", T0 + timedelta(days=31)) == Expired("/gd x^2")
    assert await fresh.recall("zzz", T0) is None


async def test_the_hourly_tidy_forgets_old_file_ids_and_dead_leases(store: Storage) -> None:
    """Saving buttons also tidies the other shared tables once an hour: file ids older than
    twice the buttons' life, and leases whose replica died; what is still in use stays."""
    keep = timedelta(days=30)
    async with store.transaction() as db:
        await db.file_ids.put("old", "AgAD-old", "photo", T0 - 2 * keep - MINUTE)
        await db.file_ids.put("new", "AgAD-new", "photo", T0 - keep)
        await db.leases.take(1, "dead", T0 - 2 * MINUTE, T0 - MINUTE, 5)
        await db.leases.take(2, "alive", T0, T0 + MINUTE, 5)
    requests = ButtonRequests(store, keep=keep)
    requests.remember("tok", "/gd x^2", T0)
    await requests.save()
    assert await stored(store, lambda db: db.file_ids.get("old")) is None
    assert await stored(store, lambda db: db.file_ids.get("new")) == ("AgAD-new", "photo")
    assert await stored(store, lambda db: db.leases.prune(T0)) == 0  # the dead one went
    assert await stored(store, lambda db: db.leases.live(T0)) == 1
