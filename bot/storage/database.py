"""The database handle: one engine, and transactions that hand out the repositories.

Callers own the transaction (the layered-template shape): ::

    async with storage.transaction() as db:
        await db.learners.touch(user_id, name, now)
        fresh = await db.answers.add(user_id, poll, option, correct, now)

commits both or neither; repositories never commit on their own. Keep a transaction
short and never hold one across a Telegram call: on SQLite every transaction takes the
write lock (``BEGIN IMMEDIATE``), which makes SQLite behave like a single serialized
writer that two processes can share safely.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.buttons import ButtonRepo
from bot.storage.channel import CounterRepo, SlotRepo
from bot.storage.files import FileIdRepo
from bot.storage.inbox import InboxRepo
from bot.storage.leases import LabLeaseRepo
from bot.storage.pace import PaceRepo
from bot.storage.learners import LearnerRepo
from bot.storage.learning import CardRepo, PreferenceRepo, ReadRepo, ReminderRepo, SessionRepo
from bot.storage.overview import OverviewRepo
from bot.storage.practice import AnswerRepo, PollRepo

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def normalize_url(url: str) -> str:
    """Accept the forms people paste and pick the async driver: ``sqlite:///bot.db`` →
    ``sqlite+aiosqlite:///bot.db``, ``postgres(ql)://…`` → ``postgresql+asyncpg://…``."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif driver in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def default_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir / 'bot.db'}"


class Repos:
    """The repositories of one transaction (one session)."""

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.learners = LearnerRepo(session)
        self.polls = PollRepo(session)
        self.answers = AnswerRepo(session)
        self.cards = CardRepo(session)
        self.prefs = PreferenceRepo(session)
        self.reads = ReadRepo(session)
        self.reminders = ReminderRepo(session)
        self.sessions = SessionRepo(session)
        self.slots = SlotRepo(session)
        self.counters = CounterRepo(session)
        self.overview = OverviewRepo(session)
        self.inbox = InboxRepo(session)
        self.buttons = ButtonRepo(session)
        self.file_ids = FileIdRepo(session)
        self.leases = LabLeaseRepo(session)
        self.pace = PaceRepo(session)


class Storage:
    """The bot's state. Create with ``await Storage.open(url)`` (which migrates the
    schema to the newest revision); close with ``close()``."""

    def __init__(self, url: str, clock: Clock = utc_now) -> None:
        self.url = normalize_url(url)
        self.clock = clock
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {}
        if self.is_sqlite:
            options["connect_args"] = {"timeout": 30}
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_connect)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # An in-memory SQLite database is one connection that every session shares, so
        # its transactions take turns here (concurrent ones would begin inside each other).
        self._one_at_a_time: asyncio.Lock | None = (
            asyncio.Lock() if self.is_sqlite and make_url(self.url).database in (None, "", ":memory:")
            else None)

    @classmethod
    async def open(cls, url: str, clock: Clock = utc_now) -> Storage:
        storage = cls(url, clock)
        database = make_url(storage.url).database
        if storage.is_sqlite and database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        await storage.upgrade()
        return storage

    async def upgrade(self) -> str:
        """Bring the schema to the newest migration (safe when several processes start
        at once); returns the revision now in place."""
        from bot.storage.migrate import upgrade

        return await upgrade(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repos]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with self._one_at_a_time or contextlib.nullcontext():
            async with self.sessions.begin() as session:
                yield Repos(session, self.clock)


def _sqlite_connect(connection: Any, record: Any) -> None:
    """WAL survives a killed process without corruption and lets readers run beside a
    writer. The driver's own transaction handling is switched off (it would not begin
    before a SELECT, nor make DDL or savepoints transactional); ``_sqlite_begin`` starts
    every transaction instead."""
    connection.isolation_level = None
    cursor = connection.cursor()
    _wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _wal(cursor: Any) -> None:
    """Switch to WAL. On a fresh file several processes starting at once race for the
    switch, and SQLite answers "database is locked" without its busy timeout: retry."""
    for attempt in range(100):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.05)


def _sqlite_begin(connection: Any) -> None:
    """Take the write lock when a transaction starts (waiting up to the busy timeout):
    a transaction that read first and wrote later could otherwise fail on a snapshot
    another process has since changed."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
