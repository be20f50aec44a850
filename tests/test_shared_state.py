"""State the replicas share through the database (revision 0007): what buttons stand
for, Telegram file ids, and labs in flight under a lease — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.storage import Storage
from bot.storage.buttons import Stored
from tests.db import stored
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
    assert await stored(twin, lambda db: db.leases.take(2, "b", later, later + MINUTE, 1)) == "queue"
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
