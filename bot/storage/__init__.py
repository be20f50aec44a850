"""All persistent state, behind one object: learners, polls and answers, spaced
repetition, channel post slots and counters.

SQLAlchemy 2 (async): SQLite under the data folder by default, PostgreSQL by URL. Every
method is one transaction, so a ``kill -9`` between two calls loses nothing that was
acknowledged and corrupts nothing (SQLite runs in WAL mode).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import case, event, func, select, text, update
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.storage.tables import Answer, Base, Counter, Review, SchemaVersion, SentPoll, Slot, User

#: ``SchemaVersion.__table__`` as the Table it is (the ORM types it as a FromClause).
_SCHEMA_VERSION_TABLE = Base.metadata.tables[SchemaVersion.__tablename__]

SCHEMA_VERSION = 2
#: What brings a database from the version before to this one (run in order at start).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: ("ALTER TABLE slots ADD COLUMN votes TEXT",),
}
#: Days until a question answered wrong comes back: after a miss, then after each
#: correct review; a third correct review retires it.
REVIEW_DAYS = (1, 3, 7)



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


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PollInfo:
    poll_id: str
    quiz_id: str
    chat_id: int
    message_id: int
    kind: str
    number: int | None


@dataclass(frozen=True)
class AnswerInfo:
    quiz_id: str
    chat_id: int
    correct: bool
    answered_at: datetime


@dataclass(frozen=True)
class SlotInfo:
    key: str
    kind: str
    status: str
    owner: str
    payload: str
    number: int | None
    chat_id: int | None
    message_id: int | None
    poll_id: str | None
    attempts: int
    error: str
    updated_at: datetime
    votes: list[int] | None = None  # a reveal's counts, once its poll is closed


@dataclass(frozen=True)
class Claim:
    """What a slot will post, decided in the transaction that claims it (so no crash can
    leave a claim that says nothing): a lesson or quiz id and the quiz number, or why
    there is nothing to post (the slot is then ``skipped``)."""

    payload: str = ""
    number: int | None = None
    skipped: str = ""


@dataclass(frozen=True)
class Standing:
    user_id: int
    name: str
    correct: int
    answered: int


def _slot_info(slot: Slot) -> SlotInfo:
    return SlotInfo(
        key=slot.key, kind=slot.kind, status=slot.status, owner=slot.owner, payload=slot.payload,
        number=slot.number, chat_id=slot.chat_id, message_id=slot.message_id, poll_id=slot.poll_id,
        attempts=slot.attempts, error=slot.error, updated_at=_utc(slot.updated_at) or datetime.now(UTC),
        votes=json.loads(slot.votes) if slot.votes is not None else None,
    )


class Storage:
    """The bot's state. Create with ``await Storage.open(url)``; close with ``close()``."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        options: dict[str, Any] = {}
        if self.url.startswith("sqlite"):
            options["connect_args"] = {"timeout": 30}
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.url.startswith("sqlite"):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    async def open(cls, url: str) -> Storage:
        database = make_url(normalize_url(url)).database
        if url.startswith("sqlite") and database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        storage = cls(url)
        await storage.migrate()
        return storage

    async def close(self) -> None:
        await self.engine.dispose()

    async def migrate(self) -> int:
        """Create the schema, or bring an older one up to date with ``MIGRATIONS``, in one
        transaction; returns the version now in place."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_SCHEMA_VERSION_TABLE.create, checkfirst=True)
            version = (await connection.execute(
                select(SchemaVersion.version).where(SchemaVersion.id == 1).with_for_update()
            )).scalar()
            for step in range((version or SCHEMA_VERSION) + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    await connection.execute(text(statement))
            await connection.run_sync(Base.metadata.create_all)  # tables new in this version
            if version is None:
                await connection.execute(_SCHEMA_VERSION_TABLE.insert().values(id=1, version=SCHEMA_VERSION))
            elif version < SCHEMA_VERSION:
                await connection.execute(update(SchemaVersion).where(SchemaVersion.id == 1)
                                         .values(version=SCHEMA_VERSION))
        return SCHEMA_VERSION

    # --- learners ---------------------------------------------------------------------
    async def touch_user(self, user_id: int, name: str, now: datetime | None = None) -> None:
        async with self.sessions.begin() as session:
            await self._touch(session, user_id, name, now or datetime.now(UTC))

    @staticmethod
    async def _touch(session: Any, user_id: int, name: str, now: datetime) -> None:
        user = await _get_or_add(session, User, user_id, lambda: User(
            id=user_id, name=name[:256], lesson_position=0, created_at=now))
        if name and user.name != name:
            user.name = name[:256]

    async def lesson_position(self, user_id: int) -> int:
        async with self.sessions() as session:
            user = await session.get(User, user_id)
            return user.lesson_position if user else 0

    async def set_lesson_position(self, user_id: int, order: int, name: str = "") -> None:
        async with self.sessions.begin() as session:
            await self._touch(session, user_id, name, datetime.now(UTC))
            await session.execute(update(User).where(User.id == user_id).values(lesson_position=order))

    # --- polls and answers ------------------------------------------------------------
    async def save_poll(self, poll_id: str, quiz_id: str, chat_id: int, message_id: int,
                        kind: str, number: int | None = None) -> None:
        async with self.sessions.begin() as session:
            session.add(SentPoll(poll_id=poll_id, quiz_id=quiz_id, chat_id=chat_id,
                                 message_id=message_id, kind=kind, number=number,
                                 created_at=datetime.now(UTC)))

    async def find_poll(self, poll_id: str) -> PollInfo | None:
        async with self.sessions() as session:
            poll = await session.get(SentPoll, poll_id)
            if poll is None:
                return None
            return PollInfo(poll.poll_id, poll.quiz_id, poll.chat_id, poll.message_id, poll.kind,
                            poll.number)

    async def record_answer(self, user_id: int, name: str, poll: PollInfo, option: int,
                            correct: bool, now: datetime) -> bool:
        """Store an answer and move the question's review date; False if this learner
        already answered this poll (a repeated update is harmless)."""
        try:
            async with self.sessions.begin() as session:
                await self._touch(session, user_id, name, now)
                await session.flush()
                session.add(Answer(user_id=user_id, poll_id=poll.poll_id, quiz_id=poll.quiz_id,
                                   chat_id=poll.chat_id, option=option, correct=correct,
                                   answered_at=now))
                await session.flush()
                await self._schedule_review(session, user_id, poll.quiz_id, correct, now)
        except IntegrityError:
            return False
        return True

    @staticmethod
    async def _schedule_review(session: Any, user_id: int, quiz_id: str, correct: bool,
                               now: datetime) -> None:
        if not correct:
            review = await _get_or_add(session, Review, (user_id, quiz_id), lambda: Review(
                user_id=user_id, quiz_id=quiz_id, stage=0, due_at=None))
            review.stage, review.due_at = 0, now + timedelta(days=REVIEW_DAYS[0])
            return
        review = await session.get(Review, (user_id, quiz_id))
        if review is not None and review.due_at is not None:
            review.stage += 1
            review.due_at = (now + timedelta(days=REVIEW_DAYS[review.stage])
                             if review.stage < len(REVIEW_DAYS) else None)

    async def answers(self, user_id: int) -> list[AnswerInfo]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Answer.quiz_id, Answer.chat_id, Answer.correct, Answer.answered_at)
                .where(Answer.user_id == user_id).order_by(Answer.answered_at)
            )
            return [AnswerInfo(q, c, bool(ok), _utc(at)) for q, c, ok, at in rows]  # type: ignore[arg-type]

    async def due_reviews(self, user_id: int, now: datetime) -> list[str]:
        """Quiz ids whose review is due, the longest-waiting first."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(Review.quiz_id).where(Review.user_id == user_id, Review.due_at.is_not(None),
                                             Review.due_at <= now).order_by(Review.due_at)
            )
            return list(rows.scalars())

    async def next_review(self, user_id: int) -> datetime | None:
        async with self.sessions() as session:
            value = await session.scalar(
                select(func.min(Review.due_at)).where(Review.user_id == user_id,
                                                      Review.due_at.is_not(None))
            )
            return _utc(value)

    async def leaderboard(self, chat_id: int, since: datetime | None = None,
                          limit: int = 10) -> list[Standing]:
        """Learners of one group by correct answers to that group's polls."""
        correct = func.sum(case((Answer.correct, 1), else_=0))
        query = (select(Answer.user_id, User.name, correct, func.count(Answer.id))
                 .join(User, User.id == Answer.user_id)
                 .where(Answer.chat_id == chat_id)
                 .group_by(Answer.user_id, User.name)
                 .order_by(correct.desc(), func.count(Answer.id).asc(), Answer.user_id)
                 .limit(limit))
        if since is not None:
            query = query.where(Answer.answered_at >= since)
        async with self.sessions() as session:
            rows = await session.execute(query)
            return [Standing(u, n, int(c or 0), int(t)) for u, n, c, t in rows]

    # --- channel slots and counters ---------------------------------------------------
    async def claim_slot(self, key: str, kind: str, owner: str, now: datetime,
                         counters: Sequence[str] = (),
                         choose: Callable[[dict[str, int]], Claim] = lambda _: Claim(),
                         ) -> SlotInfo | None:
        """Claim a post slot by its unique key; None if anyone claimed it already. The
        named counters advance, and ``choose`` turns their new values into what the slot
        posts, in the same transaction: a lost claim burns no number, and a claim never
        exists without its choice."""
        try:
            async with self.sessions.begin() as session:
                slot = Slot(key=key, kind=kind, status="claimed", owner=owner, payload="",
                            attempts=0, error="", updated_at=now)
                session.add(slot)
                await session.flush()
                claim = choose({name: await self._increment(session, name) for name in counters})
                slot.payload, slot.number = claim.payload, claim.number
                if claim.skipped:
                    slot.status, slot.error = "skipped", claim.skipped
                await session.flush()
                return _slot_info(slot)
        except IntegrityError:
            return None

    @staticmethod
    async def _increment(session: Any, name: str) -> int:
        counter = await _get_or_add(session, Counter, name, lambda: Counter(name=name, value=0),
                                    lock=True)
        counter.value += 1
        await session.flush()
        return counter.value

    async def transition(self, key: str, from_statuses: Sequence[str], to_status: str,
                         now: datetime | None = None) -> bool:
        """Move a slot between states atomically; False if it was not in ``from_statuses``
        (another instance got there first). ``now`` is the caller's clock, the one its
        retry backoff is measured with."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(Slot).where(Slot.key == key, Slot.status.in_(from_statuses))
                .values(status=to_status, updated_at=now or datetime.now(UTC),
                        attempts=Slot.attempts + (1 if to_status == "sending" else 0))
            )
            # An UPDATE's result is a CursorResult; AsyncSession.execute is typed as Result.
            return cast("CursorResult[Any]", result).rowcount == 1

    async def update_slot(self, key: str, **values: Any) -> None:
        values.setdefault("updated_at", datetime.now(UTC))
        async with self.sessions.begin() as session:
            await session.execute(update(Slot).where(Slot.key == key).values(**values))

    async def save_votes(self, key: str, votes: list[int]) -> None:
        """A reveal's vote counts, kept once its poll is closed: a retried reveal must not
        ask Telegram to close the poll again (it refuses a closed poll)."""
        async with self.sessions.begin() as session:
            await session.execute(update(Slot).where(Slot.key == key).values(votes=json.dumps(votes)))

    async def slot(self, key: str) -> SlotInfo | None:
        async with self.sessions() as session:
            slot = await session.get(Slot, key)
            return _slot_info(slot) if slot else None

    async def slots(self, statuses: Sequence[str] = (), limit: int = 50) -> list[SlotInfo]:
        query = select(Slot).order_by(Slot.updated_at.desc()).limit(limit)
        if statuses:
            query = query.where(Slot.status.in_(statuses))
        async with self.sessions() as session:
            return [_slot_info(s) for s in (await session.execute(query)).scalars()]

    async def counter(self, name: str) -> int:
        async with self.sessions() as session:
            counter = await session.get(Counter, name)
            return counter.value if counter else 0

    async def set_counter(self, name: str, value: int) -> None:
        async with self.sessions.begin() as session:
            counter = await session.get(Counter, name)
            if counter is None:
                session.add(Counter(name=name, value=value))
            else:
                counter.value = value


async def _get_or_add(session: Any, model: type[Base], key: Any, make: Callable[[], Any],
                      lock: bool = False) -> Any:
    """The row with this primary key, inserted by ``make`` when missing. Another
    transaction may insert the same row at the same moment (two updates of a new learner,
    two claims sharing a new counter): its row is used, rather than failing this one."""
    row = await session.get(model, key, with_for_update=lock)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(make())
        except IntegrityError:
            pass
        row = await session.get(model, key, with_for_update=lock)
    return row


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    """WAL survives a killed process without corruption and lets readers run beside a
    writer; a busy timeout lets two bot processes share the file."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
