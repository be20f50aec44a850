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
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fsrs import Card, Rating, Scheduler
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import Claim, PollInfo, Recorded, Repos, Storage, normalize_url
from bot.storage.migrate import LEGACY_REVISIONS, head
from tests.db import record_answer, stored

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
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


async def empty_database(url: str) -> None:
    """Drop every table there is (the bot's, Alembic's, a legacy schema_version)."""
    engine = create_async_engine(normalize_url(url))
    async with engine.begin() as connection:
        def drop(sync: Any) -> None:
            tables = MetaData()
            tables.reflect(sync)
            tables.drop_all(sync)
        await connection.run_sync(drop)
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    url = request.getfixturevalue("pg_url")
    await empty_database(url)
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


async def claim(storage: Storage, key: str, kind: str, owner: str, now: datetime,
                counters: tuple[str, ...] = (),
                choose: Any = lambda _: Claim()) -> Any:
    async with storage.transaction() as db:
        return await db.slots.claim(key, kind, owner, now, counters, choose)


async def transition(storage: Storage, key: str, from_statuses: list[str], to: str,
                     now: datetime = T0) -> bool:
    async with storage.transaction() as db:
        return await db.slots.transition(key, from_statuses, to, now)


def slot_of(storage: Storage, key: str) -> Any:
    return stored(storage, lambda db: db.slots.get(key))


def counter(storage: Storage, name: str) -> Any:
    return stored(storage, lambda db: db.counters.get(name))


def answers_of(storage: Storage, user_id: int) -> Any:
    return stored(storage, lambda db: db.answers.of_learner(user_id))


def due(storage: Storage, user_id: int, now: datetime) -> Any:
    return stored(storage, lambda db: db.cards.due(user_id, now))


def next_due(storage: Storage, user_id: int) -> Any:
    return stored(storage, lambda db: db.cards.next_due(user_id))


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


async def revision_and_tables(storage: Storage) -> tuple[str | None, set[str]]:
    async with storage.engine.connect() as connection:
        def read(sync: Any) -> tuple[str | None, set[str]]:
            from bot.storage.migrate import current
            return current(sync), set(inspect(sync).get_table_names())
        return await connection.run_sync(read)


async def test_open_creates_the_schema_at_the_newest_revision(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "bot.db"
    storage = await Storage.open(f"sqlite:///{path}")
    try:
        revision, tables = await revision_and_tables(storage)
    finally:
        await storage.close()
    assert revision == head()
    assert {"users", "polls", "answers", "cards", "slots", "counters", "alembic_version"} <= tables
    assert "schema_version" not in tables


async def test_opening_twice_keeps_data_and_the_revision(store: Storage, db_url: str) -> None:
    await stored(store, lambda db: db.counters.set("channel_lesson", 5))
    again = await Storage.open(db_url)
    try:
        assert await again.upgrade() == head()
        assert await counter(again, "channel_lesson") == 5
    finally:
        await again.close()


async def check_models_against_migrations(storage: Storage) -> None:
    """``alembic check``: raises when the models differ from what the migrations made."""
    from alembic import command

    from bot.storage.migrate import config

    async with storage.engine.connect() as connection:
        await connection.run_sync(lambda sync: command.check(config(sync)))


async def test_the_migrations_make_exactly_the_models(store: Storage) -> None:
    await check_models_against_migrations(store)


def test_a_model_change_without_a_migration_is_drift(tmp_path: Path) -> None:
    """The check can fail: a column only the models know of is reported."""
    from alembic.util import AutogenerateDiffsDetected
    from sqlalchemy import Column, Integer

    from bot.storage.tables import Counter

    column = Column("extra", Integer, nullable=True)
    Counter.__table__.append_column(column)
    try:
        async def run() -> None:
            storage = await Storage.open(f"sqlite:///{tmp_path / 'bot.db'}")
            try:
                await check_models_against_migrations(storage)
            finally:
                await storage.close()
        with pytest.raises(AutogenerateDiffsDetected, match="extra"):
            asyncio.run(run())
    finally:
        Counter.__table__._columns.remove(column)


async def legacy_database(url: str, version: int) -> None:
    """A database as the bot made it before Alembic (the DDL its code emitted at schema
    version 1 or 2), with a learner, an answer and a posted quiz in it."""
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    script = (FIXTURES / f"schema_v{version}.{dialect}.sql").read_text()
    rows = [
        "INSERT INTO users VALUES (7, 'Sara', 3, '2026-11-20 10:00:00+00:00')",
        ("INSERT INTO answers (user_id, poll_id, quiz_id, chat_id, option, correct, answered_at)"
         " VALUES (7, 'p1', 'q1', 7, 2, false, '2026-11-20 10:00:00+00:00')"),
        ("INSERT INTO slots (key, kind, status, owner, payload, number, chat_id, message_id,"
         " poll_id, attempts, error, updated_at) VALUES ('2026-11-23:quiz', 'quiz', 'sent', 'a',"
         " 'q1', 7, 5, 9, 'p', 1, '', '2026-11-23 14:30:00+00:00')"),
    ]
    engine = create_async_engine(normalize_url(url))
    async with engine.begin() as connection:
        for statement in [*script.split(";\n"), *rows]:
            if statement.strip():
                await connection.execute(text(statement))
    await engine.dispose()


@pytest.mark.parametrize("version", sorted(LEGACY_REVISIONS))
async def test_a_database_from_before_alembic_upgrades_in_place(db_url: str, version: int) -> None:
    await legacy_database(db_url, version)
    storage = await Storage.open(db_url)
    try:
        quiz = await slot_of(storage, "2026-11-23:quiz")
        assert quiz is not None and (quiz.payload, quiz.number, quiz.message_id) == ("q1", 7, 9)
        assert quiz.votes is None
        await stored(storage, lambda db: db.slots.save_votes("2026-11-23:quiz", [2, 1]))
        assert (await slot_of(storage, "2026-11-23:quiz")).votes == [2, 1]
        assert [(a.quiz_id, a.correct) for a in await answers_of(storage, 7)] == [("q1", False)]
        assert await stored(storage, lambda db: db.learners.lesson_position(7)) == 3
        revision, tables = await revision_and_tables(storage)
        assert revision == head() and "schema_version" not in tables
        await check_models_against_migrations(storage)
    finally:
        await storage.close()


@pytest.mark.parametrize("version", sorted(LEGACY_REVISIONS))
async def test_an_upgraded_legacy_database_takes_the_replicas_state(db_url: str,
                                                                    version: int) -> None:
    """Through every revision since (the inbox, buttons, file ids, lab leases): an old
    database's new tables work like a fresh one's, its data stays, and a second start
    (another replica) changes nothing."""
    from bot.storage.buttons import Stored
    from bot.storage.inbox import Incoming

    await legacy_database(db_url, version)
    storage = await Storage.open(db_url)
    now = storage.clock()
    try:
        async with storage.transaction() as db:
            assert await db.inbox.add([Incoming(11, "message", "{}")], now) == [11]
            [claimed], _ = await db.inbox.claim("replica-a", now, timedelta(minutes=1), 10, 5)
            assert claimed.update_id == 11
            assert await db.inbox.done_many([11], "replica-a", now) == {11}
            await db.buttons.put([Stored("tok", "gd", '{"f": "x^2"}', now)])
            await db.file_ids.put("digest", "AgAD-1", "photo", now)
            assert await db.leases.take(7, "replica-a", now, now + timedelta(minutes=1),
                                        limit=4) == "ok"
    finally:
        await storage.close()
    again = await Storage.open(db_url)
    try:
        async with again.transaction() as db:
            assert await db.inbox.counts() == {"done": 1}
            stored_button = await db.buttons.get("tok")
            assert stored_button is not None and stored_button.payload == '{"f": "x^2"}'
            assert await db.file_ids.get("digest") == ("AgAD-1", "photo")
            assert await db.leases.take(7, "replica-b", now, now, limit=4) == "user"
            assert await db.learners.lesson_position(7) == 3
        assert [a.quiz_id for a in await answers_of(again, 7)] == ["q1"]
        revision, _ = await revision_and_tables(again)
        assert revision == head()
        await check_models_against_migrations(again)
    finally:
        await again.close()


STARTER = """
import asyncio, sys
from bot.storage import Storage

async def main(url):
    storage = await Storage.open(url)
    print(await storage.upgrade())
    await storage.close()

asyncio.run(main(sys.argv[1]))
"""


def test_instances_starting_at_once_on_a_fresh_database_all_start(db_url: str) -> None:
    """Replicas after a deploy: the migration lock lets one create the schema while the
    others wait, then find it current (without it they collide creating the tables)."""
    starters = [subprocess.Popen([sys.executable, "-c", STARTER, db_url], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(4)]
    results = [starter.communicate(timeout=120) for starter in starters]
    assert [s.returncode for s in starters] == [0] * 4, [err[-2000:] for _, err in results]
    assert [out.strip() for out, _ in results] == [head()] * 4


async def test_the_storage_clock_is_injectable(tmp_path: Path) -> None:
    moment = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    storage = await Storage.open(f"sqlite:///{tmp_path / 'bot.db'}", clock=lambda: moment)
    try:
        assert await stored(storage, lambda db: _clock_of(db)) == moment
    finally:
        await storage.close()


async def _clock_of(db: Repos) -> datetime:
    return db.clock()


# --- slots and counters ----------------------------------------------------------------
async def test_only_one_of_two_processes_claims_a_slot(store: Storage, twin: Storage) -> None:
    counters = ("channel_quiz", "channel_quiz_number")
    results = await asyncio.gather(
        claim(store, "2026-11-23:quiz", "quiz", "a", T0, counters, _quiz_choice),
        claim(twin, "2026-11-23:quiz", "quiz", "b", T0, counters, _quiz_choice),
    )
    [winner] = [r for r in results if r is not None]
    assert (winner.status, winner.payload, winner.number) == ("claimed", "quiz-1", 1)
    slot = await slot_of(twin, "2026-11-23:quiz")
    assert slot == winner and slot.owner == ("a" if results[0] is not None else "b")
    assert await counter(store, "channel_quiz") == 1
    assert await counter(twin, "channel_quiz_number") == 1
    assert await claim(store, "2026-11-23:quiz", "quiz", "c", T0, counters) is None
    assert await counter(twin, "channel_quiz") == 1  # a lost claim burns no number


def _quiz_choice(counters: dict[str, int]) -> Claim:
    return Claim(f"quiz-{counters['channel_quiz']}", counters["channel_quiz_number"])


async def test_a_claim_never_exists_without_its_choice(store: Storage) -> None:
    """Choosing runs inside the claiming transaction: if it fails, nothing is claimed and
    no number is burnt (no crash can leave a claim that says nothing)."""
    def broken(_: dict[str, int]) -> Claim:
        raise RuntimeError("the course could not be read")

    with pytest.raises(RuntimeError):
        await claim(store, "2026-11-23:quiz", "quiz", "a", T0, ("channel_quiz",), broken)
    assert await slot_of(store, "2026-11-23:quiz") is None
    assert await counter(store, "channel_quiz") == 0
    skipped = await claim(store, "2026-11-23:reveal", "reveal", "a", T0,
                                     choose=lambda _: Claim(skipped="no quiz to reveal"))
    assert skipped is not None and (skipped.status, skipped.error) == ("skipped", "no quiz to reveal")


async def test_two_slots_claimed_at_once_share_a_new_counter(store: Storage, twin: Storage) -> None:
    """Both claims succeed and take numbers 1 and 2, even when the counter row does not
    exist yet (two transactions may both try to create it)."""
    results = await asyncio.gather(
        claim(store, "2026-11-23:quiz", "quiz", "a", T0, ("channel_quiz",),
                         lambda c: Claim(number=c["channel_quiz"])),
        claim(twin, "2026-11-23:quiz:now-1", "quiz", "b", T0, ("channel_quiz",),
                        lambda c: Claim(number=c["channel_quiz"])),
    )
    assert sorted(r.number for r in results if r is not None) == [1, 2]
    assert await counter(store, "channel_quiz") == 2


async def test_transition_is_atomic(store: Storage, twin: Storage) -> None:
    await claim(store, "k", "lesson", "a", T0)
    moved = await asyncio.gather(transition(store, "k", ["claimed", "failed"], "sending"),
                                 transition(twin, "k", ["claimed", "failed"], "sending"))
    assert sorted(moved) == [False, True]
    slot = await slot_of(twin, "k")
    assert slot is not None and (slot.status, slot.attempts) == ("sending", 1)
    assert not await transition(store, "k", ["claimed", "failed"], "sending")
    assert not await transition(store, "missing", ["claimed"], "sending")
    assert await transition(store, "k", ["sending"], "failed")
    assert (await slot_of(store, "k")).attempts == 1  # only a move to 'sending' counts


async def test_slot_times_follow_the_given_clock(store: Storage) -> None:
    """Backoff compares the teacher's clock with a slot's time, so both must be the same
    clock: a transition at a chosen time records that time (in any time zone)."""
    later = (T0 + timedelta(hours=5)).astimezone(TEHRAN)
    await claim(store, "k", "quiz", "a", T0.astimezone(TEHRAN))
    assert (await slot_of(store, "k")).updated_at == T0
    await transition(store, "k", ["claimed"], "sending", later)
    assert (await slot_of(store, "k")).updated_at == later


# --- answers and reviews ---------------------------------------------------------------
async def test_an_answer_counts_once_per_learner_and_poll(store: Storage) -> None:
    assert await record_answer(store, 7, "Sara", poll(1), 2, False, T0)
    assert not await record_answer(store, 7, "Sara", poll(1), 0, True, T0 + timedelta(hours=5))
    assert await record_answer(store, 8, "Ali", poll(1), 0, True, T0)
    answers = await answers_of(store, 7)
    assert [(a.quiz_id, a.correct, a.answered_at) for a in answers] == [("q1", False, T0)]
    assert await next_due(store, 7) == T0 + DAY  # the repeat did not move the review


async def test_a_new_learner_answering_two_polls_at_once_keeps_both(store: Storage,
                                                                    twin: Storage) -> None:
    """Two updates of a learner the bot has never seen, handled at the same moment (two
    processes, or two concurrent updates): both answers count, neither is taken for a
    repeat because both tried to create the learner."""
    results = await asyncio.gather(
        record_answer(store, 7, "Sara", poll(1, "q1"), 2, False, T0),
        record_answer(twin, 7, "Sara", poll(2, "q2"), 2, False, T0),
    )
    assert results == [Recorded.SCORED, Recorded.SCORED]
    assert sorted(a.quiz_id for a in await answers_of(store, 7)) == ["q1", "q2"]


def reference() -> Scheduler:
    """FSRS as bot/engine/memory.py documents it, built here from the package itself."""
    return Scheduler(desired_retention=0.9, learning_steps=[], relearning_steps=[],
                     enable_fuzzing=False)


async def test_a_first_answer_makes_a_card_due_when_fsrs_says(store: Storage) -> None:
    await record_answer(store, 7, "Sara", poll(1), 0, True, T0)
    expected, _ = reference().review_card(Card(card_id=1, due=T0), Rating.Good, T0)
    assert await next_due(store, 7) == expected.due == T0 + 2 * DAY  # FSRS-6: S₀(Good) ≈ 2.3 d
    assert await due(store, 7, expected.due - SECOND) == []


async def test_misses_and_right_answers_move_the_card_exactly_as_the_package_does(
        store: Storage) -> None:
    card = Card(card_id=1, due=T0)
    moment = T0
    for number, right in enumerate([False, True, True, False, True, True], 1):
        await record_answer(store, 7, "Sara", poll(number), 0 if right else 2, right, moment)
        card, _ = reference().review_card(card, Rating.Good if right else Rating.Again, moment)
        assert await next_due(store, 7) == card.due
        assert await due(store, 7, card.due - SECOND) == []
        assert await due(store, 7, card.due) == ["q1"]
        moment = card.due  # the learner comes back exactly when it is due


async def test_a_question_counts_once_per_review(store: Storage) -> None:
    """A second copy answered before the card is due (the group's poll, then the same
    question in private) is kept as an answer but does not move the card again."""
    await record_answer(store, 7, "Sara", poll(1, chat_id=-5, kind="group"), 2, False, T0)
    await record_answer(store, 7, "Sara", poll(2), 0, True, T0 + timedelta(hours=1))
    assert await next_due(store, 7) == T0 + DAY  # still the miss's schedule
    card = await stored(store, lambda db: db.cards.get(7, "q1"))
    assert (card.reviews, card.lapses) == (1, 1)
    assert len(await answers_of(store, 7)) == 2


async def test_due_reviews_come_longest_waiting_first_per_learner(store: Storage) -> None:
    await record_answer(store, 7, "Sara", poll(1, "late"), 1, False, T0 + timedelta(hours=2))
    await record_answer(store, 7, "Sara", poll(2, "early"), 1, False, T0)
    await record_answer(store, 8, "Ali", poll(3, "other"), 1, False, T0)
    assert await due(store, 7, T0 + 2 * DAY) == ["early", "late"]
    assert await due(store, 8, T0 + 2 * DAY) == ["other"]


async def test_times_in_any_zone_mean_the_same_instant(store: Storage) -> None:
    """An answer given at a Tehran-zoned time is due exactly one day later in UTC."""
    await record_answer(store, 7, "Sara", poll(1), 2, False, T0.astimezone(TEHRAN))
    assert await due(store, 7, T0 + DAY - SECOND) == []
    assert await due(store, 7, T0 + DAY) == ["q1"]
    assert (await answers_of(store, 7))[0].answered_at == T0


async def test_leaderboard_orders_by_correct_answers_since_the_week_start(store: Storage) -> None:
    """The Persian week starts Saturday 00:00 Tehran = Friday 20:30 UTC; an answer at
    Friday 21:00 UTC belongs to the new week."""
    week_start = datetime(2026, 11, 21, 0, 0, tzinfo=TEHRAN)
    last_week = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)
    this_week = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    group = -2002
    await record_answer(store, 1, "Ali", poll(1, chat_id=group, kind="group"), 0, True, last_week)
    await record_answer(store, 1, "Ali", poll(2, "q2", chat_id=group, kind="group"), 0, True,
                        last_week)
    await record_answer(store, 2, "Sara", poll(1, chat_id=group, kind="group"), 0, True, this_week)
    await record_answer(store, 3, "Reza", poll(1, chat_id=group, kind="group"), 1, False, this_week)
    await record_answer(store, 2, "Sara", poll(9, chat_id=-1), 0, True, this_week)  # another chat

    week = await stored(store, lambda db: db.answers.leaderboard(group, week_start))
    assert [(s.name, s.correct, s.answered) for s in week] == [("Sara", 1, 1), ("Reza", 0, 1)]
    everything = await stored(store, lambda db: db.answers.leaderboard(group))
    assert [(s.name, s.correct) for s in everything] == [("Ali", 2), ("Sara", 1), ("Reza", 0)]


# --- a killed process ------------------------------------------------------------------
WRITER = """
import asyncio, sys
from datetime import datetime, timezone
from bot.storage import PollInfo, Storage
from tests.db import record_answer

async def main(url):
    storage = await Storage.open(url)
    for n in range(1_000_000):
        poll = PollInfo(f"p{n}", f"q{n % 7}", -5, n, "group", None)
        await record_answer(storage, n % 13 + 1, f"user {n % 13}", poll, n % 4, n % 3 == 0,
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
        kept = {row[0] for row in db.execute("SELECT poll_id FROM answers")}
    assert {f"p{n}" for n in acknowledged} <= kept

    async def reopen() -> int:
        storage = await Storage.open(f"sqlite:///{path}")
        try:
            return sum([len(await answers_of(storage, user)) for user in range(1, 14)])
        finally:
            await storage.close()

    assert asyncio.run(reopen()) == len(kept)
