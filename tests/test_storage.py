"""The storage layer: URLs, the schema, exclusive slot claims, answers and spaced
repetition — on SQLite and, when a server is given, PostgreSQL — and a ``kill -9`` in the
middle of writes."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import SCHEMA_VERSION, Claim, PollInfo, Storage, normalize_url
from bot.storage.tables import Base, SchemaVersion

ROOT = Path(__file__).resolve().parents[1]
TEHRAN = ZoneInfo("Asia/Tehran")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
PG_SKIP = "PostgreSQL not available: set BOT_TEST_PG_URL (the CI script starts a server)"


@pytest.fixture(scope="module")
def pg_url() -> str:
    """The PostgreSQL server the CI script (.ci/postgres) started, or a skip."""
    url = os.environ.get("BOT_TEST_PG_URL", "").strip()
    if not url:
        pytest.skip(PG_SKIP)
    return url


async def _drop_tables(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    url = request.getfixturevalue("pg_url")
    await _drop_tables(url)
    return url


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Storage]:
    storage = await Storage.open(db_url)
    yield storage
    await storage.close()


@pytest.fixture
async def twin(db_url: str, store: Storage) -> AsyncIterator[Storage]:
    """A second Storage on the same database, as a second bot process would open it."""
    storage = await Storage.open(db_url)
    yield storage
    await storage.close()


def poll(number: int, quiz_id: str = "q1", chat_id: int = 7, kind: str = "practice") -> PollInfo:
    return PollInfo(f"poll-{number}", quiz_id, chat_id, number, kind, None)


# --- URLs and the schema ---------------------------------------------------------------
@pytest.mark.parametrize(("url", "expected"), [
    ("sqlite:///data/bot.db", "sqlite+aiosqlite:///data/bot.db"),
    ("sqlite:////var/lib/bot/bot.db", "sqlite+aiosqlite:////var/lib/bot/bot.db"),
    ("sqlite+aiosqlite:///bot.db", "sqlite+aiosqlite:///bot.db"),
    ("postgresql://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
    ("postgres://u:p@h:5433/db", "postgresql+asyncpg://u:p@h:5433/db"),
    ("postgresql+psycopg2://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
    ("postgresql+asyncpg://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
])
def test_urls_get_the_async_driver(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


async def test_open_creates_the_schema_and_records_its_version(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "bot.db"
    storage = await Storage.open(f"sqlite:///{path}")
    await storage.close()
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        versions = db.execute("SELECT id, version FROM schema_version").fetchall()
    assert {"users", "polls", "answers", "reviews", "slots", "counters", "schema_version"} <= tables
    assert versions == [(1, SCHEMA_VERSION)]


async def test_opening_twice_keeps_data_and_one_version_row(store: Storage, db_url: str) -> None:
    await store.set_counter("channel_lesson", 5)
    again = await Storage.open(db_url)
    try:
        assert await again.migrate() == SCHEMA_VERSION
        assert await again.counter("channel_lesson") == 5
        async with again.sessions() as session:
            rows = (await session.execute(select(SchemaVersion.id, SchemaVersion.version))).all()
        assert [tuple(r) for r in rows] == [(1, SCHEMA_VERSION)]
    finally:
        await again.close()


#: The slots table as version 1 of the schema created it (before ``votes``).
SLOTS_V1 = """CREATE TABLE slots (key VARCHAR(64) PRIMARY KEY, kind VARCHAR(16), status VARCHAR(16),
    owner VARCHAR(64), payload TEXT, number INTEGER, chat_id BIGINT, message_id BIGINT,
    poll_id VARCHAR(128), attempts INTEGER, error TEXT, updated_at TIMESTAMP)"""


async def test_a_version_1_database_is_migrated_and_keeps_its_data(db_url: str) -> None:
    engine = create_async_engine(normalize_url(db_url))
    async with engine.begin() as connection:
        await connection.execute(text(SLOTS_V1))
        await connection.execute(text("CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER)"))
        await connection.execute(text("INSERT INTO schema_version VALUES (1, 1)"))
        await connection.execute(text(
            "INSERT INTO slots VALUES ('2026-11-23:quiz', 'quiz', 'sent', 'a', 'q1', 7, 5, 9, 'p',"
            " 1, '', '2026-11-23 14:30:00')"))
    await engine.dispose()

    storage = await Storage.open(db_url)
    try:
        slot = await storage.slot("2026-11-23:quiz")
        assert slot is not None and (slot.payload, slot.number, slot.message_id) == ("q1", 7, 9)
        assert slot.votes is None
        await storage.save_votes("2026-11-23:quiz", [2, 1])
        assert (await storage.slot("2026-11-23:quiz")).votes == [2, 1]
        assert await storage.counter("channel_quiz") == 0  # tables new since then exist
        async with storage.sessions() as session:
            assert (await session.get(SchemaVersion, 1)).version == SCHEMA_VERSION
    finally:
        await storage.close()


# --- slots and counters ----------------------------------------------------------------
async def test_only_one_of_two_processes_claims_a_slot(store: Storage, twin: Storage) -> None:
    counters = ("channel_quiz", "channel_quiz_number")
    results = await asyncio.gather(
        store.claim_slot("2026-11-23:quiz", "quiz", "a", T0, counters, _quiz_choice),
        twin.claim_slot("2026-11-23:quiz", "quiz", "b", T0, counters, _quiz_choice),
    )
    [winner] = [r for r in results if r is not None]
    assert (winner.status, winner.payload, winner.number) == ("claimed", "quiz-1", 1)
    slot = await twin.slot("2026-11-23:quiz")
    assert slot == winner and slot.owner == ("a" if results[0] is not None else "b")
    assert await store.counter("channel_quiz") == 1
    assert await twin.counter("channel_quiz_number") == 1
    assert await store.claim_slot("2026-11-23:quiz", "quiz", "c", T0, counters) is None
    assert await twin.counter("channel_quiz") == 1  # a lost claim burns no number


def _quiz_choice(counters: dict[str, int]) -> Claim:
    return Claim(f"quiz-{counters['channel_quiz']}", counters["channel_quiz_number"])


async def test_a_claim_never_exists_without_its_choice(store: Storage) -> None:
    """Choosing runs inside the claiming transaction: if it fails, nothing is claimed and
    no number is burnt (no crash can leave a claim that says nothing)."""
    def broken(_: dict[str, int]) -> Claim:
        raise RuntimeError("the course could not be read")

    with pytest.raises(RuntimeError):
        await store.claim_slot("2026-11-23:quiz", "quiz", "a", T0, ("channel_quiz",), broken)
    assert await store.slot("2026-11-23:quiz") is None
    assert await store.counter("channel_quiz") == 0
    skipped = await store.claim_slot("2026-11-23:reveal", "reveal", "a", T0,
                                     choose=lambda _: Claim(skipped="no quiz to reveal"))
    assert skipped is not None and (skipped.status, skipped.error) == ("skipped", "no quiz to reveal")


async def test_two_slots_claimed_at_once_share_a_new_counter(store: Storage, twin: Storage) -> None:
    """Both claims succeed and take numbers 1 and 2, even when the counter row does not
    exist yet (two transactions may both try to create it)."""
    results = await asyncio.gather(
        store.claim_slot("2026-11-23:quiz", "quiz", "a", T0, ("channel_quiz",),
                         lambda c: Claim(number=c["channel_quiz"])),
        twin.claim_slot("2026-11-23:quiz:now-1", "quiz", "b", T0, ("channel_quiz",),
                        lambda c: Claim(number=c["channel_quiz"])),
    )
    assert sorted(r.number for r in results if r is not None) == [1, 2]
    assert await store.counter("channel_quiz") == 2


async def test_transition_is_atomic(store: Storage, twin: Storage) -> None:
    await store.claim_slot("k", "lesson", "a", T0)
    moved = await asyncio.gather(store.transition("k", ["claimed", "failed"], "sending"),
                                 twin.transition("k", ["claimed", "failed"], "sending"))
    assert sorted(moved) == [False, True]
    slot = await twin.slot("k")
    assert slot is not None and (slot.status, slot.attempts) == ("sending", 1)
    assert not await store.transition("k", ["claimed", "failed"], "sending")
    assert not await store.transition("missing", ["claimed"], "sending")
    assert await store.transition("k", ["sending"], "failed")
    assert (await store.slot("k")).attempts == 1  # only a move to 'sending' counts


async def test_slot_times_follow_the_given_clock(store: Storage) -> None:
    """Backoff compares the teacher's clock with a slot's time, so both must be the same
    clock: a transition at a chosen time records that time (in any time zone)."""
    later = (T0 + timedelta(hours=5)).astimezone(TEHRAN)
    await store.claim_slot("k", "quiz", "a", T0.astimezone(TEHRAN))
    assert (await store.slot("k")).updated_at == T0
    await store.transition("k", ["claimed"], "sending", later)
    assert (await store.slot("k")).updated_at == later


# --- answers and reviews ---------------------------------------------------------------
async def test_an_answer_counts_once_per_learner_and_poll(store: Storage) -> None:
    assert await store.record_answer(7, "Sara", poll(1), 2, False, T0)
    assert not await store.record_answer(7, "Sara", poll(1), 0, True, T0 + timedelta(hours=5))
    assert await store.record_answer(8, "Ali", poll(1), 0, True, T0)
    answers = await store.answers(7)
    assert [(a.quiz_id, a.correct, a.answered_at) for a in answers] == [("q1", False, T0)]
    assert await store.next_review(7) == T0 + DAY  # the repeat did not move the review


async def test_a_new_learner_answering_two_polls_at_once_keeps_both(store: Storage,
                                                                    twin: Storage) -> None:
    """Two updates of a learner the bot has never seen, handled at the same moment (two
    processes, or two concurrent updates): both answers count, neither is taken for a
    repeat because both tried to create the learner."""
    results = await asyncio.gather(
        store.record_answer(7, "Sara", poll(1, "q1"), 2, False, T0),
        twin.record_answer(7, "Sara", poll(2, "q2"), 2, False, T0),
    )
    assert results == [True, True]
    assert sorted(a.quiz_id for a in await store.answers(7)) == ["q1", "q2"]


async def test_a_first_correct_answer_schedules_no_review(store: Storage) -> None:
    await store.record_answer(7, "Sara", poll(1), 0, True, T0)
    assert await store.next_review(7) is None
    assert await store.due_reviews(7, T0 + timedelta(days=365)) == []


async def test_reviews_come_back_after_1_3_and_7_days_then_retire(store: Storage) -> None:
    await store.record_answer(7, "Sara", poll(1), 2, False, T0)
    assert await store.due_reviews(7, T0 + DAY - SECOND) == []
    first = T0 + DAY
    assert await store.due_reviews(7, first) == ["q1"]

    await store.record_answer(7, "Sara", poll(2), 0, True, first)
    assert await store.next_review(7) == first + 3 * DAY
    assert await store.due_reviews(7, first + 3 * DAY - SECOND) == []

    second = first + 3 * DAY
    await store.record_answer(7, "Sara", poll(3), 0, True, second)
    assert await store.next_review(7) == second + 7 * DAY

    third = second + 7 * DAY
    await store.record_answer(7, "Sara", poll(4), 0, True, third)
    assert await store.next_review(7) is None
    assert await store.due_reviews(7, third + timedelta(days=365)) == []


async def test_a_wrong_review_starts_again_at_one_day(store: Storage) -> None:
    await store.record_answer(7, "Sara", poll(1), 2, False, T0)
    await store.record_answer(7, "Sara", poll(2), 0, True, T0 + DAY)  # next in 3 days
    again = T0 + 4 * DAY
    await store.record_answer(7, "Sara", poll(3), 1, False, again)
    assert await store.next_review(7) == again + DAY
    await store.record_answer(7, "Sara", poll(4), 0, True, again + DAY)
    assert await store.next_review(7) == again + 4 * DAY  # and climbs 1 → 3 again


async def test_due_reviews_come_longest_waiting_first_per_learner(store: Storage) -> None:
    await store.record_answer(7, "Sara", poll(1, "late"), 1, False, T0 + timedelta(hours=2))
    await store.record_answer(7, "Sara", poll(2, "early"), 1, False, T0)
    await store.record_answer(8, "Ali", poll(3, "other"), 1, False, T0)
    assert await store.due_reviews(7, T0 + 2 * DAY) == ["early", "late"]
    assert await store.due_reviews(8, T0 + 2 * DAY) == ["other"]


async def test_times_in_any_zone_mean_the_same_instant(store: Storage) -> None:
    """An answer given at a Tehran-zoned time is due exactly one day later in UTC."""
    await store.record_answer(7, "Sara", poll(1), 2, False, T0.astimezone(TEHRAN))
    assert await store.due_reviews(7, T0 + DAY - SECOND) == []
    assert await store.due_reviews(7, T0 + DAY) == ["q1"]
    assert (await store.answers(7))[0].answered_at == T0


async def test_leaderboard_orders_by_correct_answers_since_the_week_start(store: Storage) -> None:
    """The Persian week starts Saturday 00:00 Tehran = Friday 20:30 UTC; an answer at
    Friday 21:00 UTC belongs to the new week."""
    week_start = datetime(2026, 11, 21, 0, 0, tzinfo=TEHRAN)
    last_week = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)
    this_week = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    group = -2002
    await store.record_answer(1, "Ali", poll(1, chat_id=group, kind="group"), 0, True, last_week)
    await store.record_answer(1, "Ali", poll(2, chat_id=group, kind="group"), 0, True, last_week)
    await store.record_answer(2, "Sara", poll(1, chat_id=group, kind="group"), 0, True, this_week)
    await store.record_answer(3, "Reza", poll(1, chat_id=group, kind="group"), 1, False, this_week)
    await store.record_answer(2, "Sara", poll(9, chat_id=-1), 0, True, this_week)  # another chat

    week = await store.leaderboard(group, week_start)
    assert [(s.name, s.correct, s.answered) for s in week] == [("Sara", 1, 1), ("Reza", 0, 1)]
    everything = await store.leaderboard(group)
    assert [(s.name, s.correct) for s in everything] == [("Ali", 2), ("Sara", 1), ("Reza", 0)]


# --- a killed process ------------------------------------------------------------------
WRITER = """
import asyncio, sys
from datetime import datetime, timezone
from bot.storage import PollInfo, Storage

async def main(url):
    storage = await Storage.open(url)
    for n in range(1_000_000):
        poll = PollInfo(f"p{n}", f"q{n % 7}", -5, n, "group", None)
        await storage.record_answer(n % 13 + 1, f"user {n % 13}", poll, n % 4, n % 3 == 0,
                                    datetime.now(timezone.utc))
        print(n, flush=True)

asyncio.run(main(sys.argv[1]))
"""


def test_kill_9_mid_write_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, f"sqlite:///{path}"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acknowledged: list[int] = []
    assert writer.stdout is not None
    while len(acknowledged) < 150:
        line = writer.stdout.readline()
        assert line, f"the writer died early: {writer.stderr.read() if writer.stderr else ''}"
        acknowledged.append(int(line))
    writer.send_signal(signal.SIGKILL)
    rest, _ = writer.communicate()
    acknowledged += [int(n) for n in rest.split()]
    assert writer.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {row[0] for row in db.execute("SELECT poll_id FROM answers")}
    assert {f"p{n}" for n in acknowledged} <= stored

    async def reopen() -> int:
        storage = await Storage.open(f"sqlite:///{path}")
        try:
            return sum([len(await storage.answers(user)) for user in range(1, 14)])
        finally:
            await storage.close()

    assert asyncio.run(reopen()) == len(stored)
