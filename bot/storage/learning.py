"""Practice beyond single answers: FSRS memory cards, preferences and reminder consent,
lessons marked read, reminder claims, quiz sessions, and forgetting a learner.

Repositories in the storage's shape: each takes the caller's session and never commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.memory import DEFAULT_RETENTION, Memory
from bot.storage.rows import get_or_add, inserted, utc
from bot.storage.tables import (
    Answer,
    LessonRead,
    MemoryCard,
    Preference,
    QuizSession,
    ReminderClaim,
    SentPoll,
    SessionAnswer,
    SessionPoll,
    User,
)


DEFAULT_HOUR = 19
DEFAULT_QUIET = (23, 8)  # from 23:00 to 08:00
DEFAULT_LENGTH = 10  # questions in a /quiz session


@dataclass(frozen=True)
class Preferences:
    """A learner's practice settings and reminder consent (see :mod:`bot.reminders`)."""

    reminder: bool = False
    hour: int = DEFAULT_HOUR
    zone: str = "Asia/Tehran"
    quiet_from: int = DEFAULT_QUIET[0]
    quiet_to: int = DEFAULT_QUIET[1]
    length: int = DEFAULT_LENGTH
    timer: int = 0
    retention: float = DEFAULT_RETENTION
    offered: bool = False  # the reminder was offered once (after the first quiz)
    blocked: bool = False  # Telegram said the learner blocked the bot (403)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def with_(self, **changes: object) -> Preferences:
        return replace(self, **changes)  # type: ignore[arg-type]


def _memory(row: MemoryCard) -> Memory:
    return Memory(state=row.state, stability=row.stability, difficulty=row.difficulty,
                  due=utc(row.due_at), last_review=utc(row.last_review),  # type: ignore[arg-type]
                  reviews=row.reviews, lapses=row.lapses)


class CardRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int, quiz_id: str, *, lock: bool = False) -> Memory | None:
        row = await self.session.get(MemoryCard, (user_id, quiz_id), with_for_update=lock)
        return _memory(row) if row is not None else None

    async def add(self, user_id: int, quiz_id: str, memory: Memory) -> bool:
        """A learner's first card of a question; False when another transaction made it
        first (two copies of a question answered at the same moment)."""
        return await inserted(self.session, self._fill(MemoryCard(user_id=user_id, quiz_id=quiz_id),
                                                       memory))

    async def put(self, user_id: int, quiz_id: str, memory: Memory) -> None:
        row = await self.session.get(MemoryCard, (user_id, quiz_id))
        if row is None:
            row = MemoryCard(user_id=user_id, quiz_id=quiz_id)
            self.session.add(row)
        self._fill(row, memory)

    @staticmethod
    def _fill(row: MemoryCard, memory: Memory) -> MemoryCard:
        row.state, row.stability, row.difficulty = memory.state, memory.stability, memory.difficulty
        row.due_at, row.last_review = memory.due, memory.last_review
        row.reviews, row.lapses = memory.reviews, memory.lapses
        return row

    async def due(self, user_id: int, now: datetime) -> list[str]:
        """Quiz ids due for review, the longest waiting first."""
        rows = await self.session.execute(
            select(MemoryCard.quiz_id).where(MemoryCard.user_id == user_id,
                                             MemoryCard.due_at <= now)
            .order_by(MemoryCard.due_at, MemoryCard.quiz_id))
        return list(rows.scalars())

    async def count_due(self, user_id: int, now: datetime) -> int:
        return int(await self.session.scalar(
            select(func.count()).where(MemoryCard.user_id == user_id,
                                       MemoryCard.due_at <= now)) or 0)

    async def next_due(self, user_id: int) -> datetime | None:
        return utc(await self.session.scalar(
            select(func.min(MemoryCard.due_at)).where(MemoryCard.user_id == user_id)))

    async def of_learner(self, user_id: int) -> list[Memory]:
        rows = await self.session.execute(select(MemoryCard).where(MemoryCard.user_id == user_id))
        return [_memory(row) for row in rows.scalars()]


class PreferenceRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _prefs(row: Preference) -> Preferences:
        return Preferences(reminder=row.reminder, hour=row.hour, zone=row.zone,
                           quiet_from=row.quiet_from, quiet_to=row.quiet_to, length=row.length,
                           timer=row.timer, retention=row.retention, offered=row.offered,
                           blocked=row.blocked)

    async def get(self, user_id: int, default: Preferences, *, lock: bool = False) -> Preferences:
        row = await self.session.get(Preference, user_id, with_for_update=lock)
        return self._prefs(row) if row is not None else default

    async def lock(self, user_id: int, default: Preferences) -> Preferences:
        """The learner's preferences, their row made if missing and locked until the
        transaction ends: two changes at once (two presses, two replicas) both count."""
        row = await get_or_add(self.session, Preference, user_id,
                               lambda: self._fill(Preference(user_id=user_id), default), lock=True)
        return self._prefs(row)

    async def put(self, user_id: int, prefs: Preferences) -> None:
        row = await self.session.get(Preference, user_id)
        if row is None:
            row = Preference(user_id=user_id)
            self.session.add(row)
        self._fill(row, prefs)

    @staticmethod
    def _fill(row: Preference, prefs: Preferences) -> Preference:
        for name in ("reminder", "hour", "zone", "quiet_from", "quiet_to", "length", "timer",
                     "retention", "offered", "blocked"):
            setattr(row, name, getattr(prefs, name))
        return row

    async def with_reminder(self) -> list[tuple[int, Preferences]]:
        """Learners who switched the reminder on and have not blocked the bot."""
        rows = await self.session.execute(
            select(Preference).where(Preference.reminder.is_(True),
                                     Preference.blocked.is_(False))
            .order_by(Preference.user_id))
        return [(row.user_id, self._prefs(row)) for row in rows.scalars()]

    async def mark_blocked(self, user_id: int) -> None:
        await self.session.execute(update(Preference).where(Preference.user_id == user_id)
                                   .values(blocked=True))


class ReadRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mark(self, user_id: int, lesson_id: str, now: datetime) -> bool:
        """False when the lesson was marked already."""
        return await inserted(self.session, LessonRead(user_id=user_id, lesson_id=lesson_id,
                                                       read_at=now))

    async def of_learner(self, user_id: int) -> set[str]:
        rows = await self.session.execute(select(LessonRead.lesson_id)
                                          .where(LessonRead.user_id == user_id))
        return set(rows.scalars())


class ReminderRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, user_id: int, day: date, owner: str, now: datetime) -> bool:
        """Claim the learner's reminder of ``day``; False if anyone claimed it already."""
        return await inserted(self.session, ReminderClaim(
            user_id=user_id, day=day.isoformat(), owner=owner, status="claimed", updated_at=now))

    async def claimed(self, user_id: int, day: date) -> bool:
        return await self.session.get(ReminderClaim, (user_id, day.isoformat())) is not None

    async def finish(self, user_id: int, day: date, status: str, now: datetime) -> None:
        await self.session.execute(
            update(ReminderClaim).where(ReminderClaim.user_id == user_id,
                                        ReminderClaim.day == day.isoformat())
            .values(status=status, updated_at=now))


@dataclass(frozen=True)
class SessionInfo:
    id: int
    chat_id: int
    user_id: int  # 0: a group's shared session
    quiz_ids: tuple[str, ...]
    asked: int
    started_at: datetime
    last_poll_at: datetime | None
    finished_at: datetime | None

    @property
    def total(self) -> int:
        return len(self.quiz_ids)


def _session(row: QuizSession) -> SessionInfo:
    return SessionInfo(id=row.id, chat_id=row.chat_id, user_id=row.user_id,
                       quiz_ids=tuple(json.loads(row.quiz_ids)), asked=row.asked,
                       started_at=utc(row.started_at),  # type: ignore[arg-type]
                       last_poll_at=utc(row.last_poll_at), finished_at=utc(row.finished_at))


@dataclass(frozen=True)
class SessionScore:
    user_id: int
    name: str
    correct: int
    answered: int


class SessionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, chat_id: int, user_id: int, quiz_ids: list[str],
                    now: datetime) -> SessionInfo:
        """A new session; an unfinished one of the same chat and learner ends first."""
        await self.session.execute(
            update(QuizSession).where(QuizSession.chat_id == chat_id,
                                      QuizSession.user_id == user_id,
                                      QuizSession.finished_at.is_(None))
            .values(finished_at=now))
        row = QuizSession(chat_id=chat_id, user_id=user_id, quiz_ids=json.dumps(quiz_ids),
                          asked=0, started_at=now)
        self.session.add(row)
        await self.session.flush()
        return _session(row)

    async def get(self, session_id: int) -> SessionInfo | None:
        row = await self.session.get(QuizSession, session_id)
        return _session(row) if row is not None else None

    async def current(self, chat_id: int, user_id: int) -> SessionInfo | None:
        row = await self.session.scalar(
            select(QuizSession).where(QuizSession.chat_id == chat_id,
                                      QuizSession.user_id == user_id,
                                      QuizSession.finished_at.is_(None))
            .order_by(QuizSession.id.desc()).limit(1))
        return _session(row) if row is not None else None

    async def asked_in(self, chat_id: int) -> set[str]:
        """The questions a group's sessions have asked so far."""
        rows = await self.session.execute(
            select(QuizSession.quiz_ids, QuizSession.asked)
            .where(QuizSession.chat_id == chat_id, QuizSession.user_id == 0))
        return {quiz for ids, asked in rows for quiz in json.loads(ids)[:asked]}

    async def advance(self, session_id: int, asked: int, now: datetime) -> bool:
        """Count one more poll sent, if ``asked`` were sent so far: of two presses of one
        «سؤال بعدی» (two replicas, a double tap) exactly one wins."""
        result = await self.session.execute(
            update(QuizSession).where(QuizSession.id == session_id, QuizSession.asked == asked,
                                      QuizSession.finished_at.is_(None))
            .values(asked=asked + 1, last_poll_at=now))
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def finish(self, session_id: int, now: datetime) -> bool:
        """End the session; False if it had ended already (its score card went out)."""
        result = await self.session.execute(
            update(QuizSession).where(QuizSession.id == session_id,
                                      QuizSession.finished_at.is_(None))
            .values(finished_at=now))
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def add_poll(self, poll_id: str, session_id: int, position: int) -> None:
        self.session.add(SessionPoll(poll_id=poll_id, session_id=session_id, position=position))

    async def of_poll(self, poll_id: str) -> tuple[SessionInfo, int] | None:
        link = await self.session.get(SessionPoll, poll_id)
        if link is None:
            return None
        found = await self.get(link.session_id)
        return (found, link.position) if found is not None else None

    async def score(self, session_id: int, user_id: int, quiz_id: str, correct: bool,
                    now: datetime) -> bool:
        """Score a question once per learner and session; False if it was already."""
        return await inserted(self.session, SessionAnswer(
            session_id=session_id, user_id=user_id, quiz_id=quiz_id, correct=correct,
            answered_at=now))

    async def outcomes(self, session_id: int, user_id: int) -> dict[str, bool]:
        rows = await self.session.execute(
            select(SessionAnswer.quiz_id, SessionAnswer.correct)
            .where(SessionAnswer.session_id == session_id, SessionAnswer.user_id == user_id))
        return {quiz_id: bool(correct) for quiz_id, correct in rows}

    async def standings(self, session_id: int) -> list[SessionScore]:
        correct = func.sum(case((SessionAnswer.correct, 1), else_=0))
        rows = await self.session.execute(
            select(SessionAnswer.user_id, User.name, correct, func.count())
            .join(User, User.id == SessionAnswer.user_id)
            .where(SessionAnswer.session_id == session_id)
            .group_by(SessionAnswer.user_id, User.name)
            .order_by(correct.desc(), func.count().asc(), SessionAnswer.user_id))
        return [SessionScore(u, n, int(c or 0), int(t)) for u, n, c, t in rows]


async def forget(session: AsyncSession, user_id: int) -> None:
    """Delete everything stored about a learner, in the caller's one transaction: their
    answers (so their group leaderboard rows), cards, preferences and reminder consent,
    reminder claims, lessons read, sessions and session scores, the polls of their
    private chat, and the learner."""
    own_sessions = select(QuizSession.id).where(QuizSession.user_id == user_id)
    await session.execute(delete(SessionAnswer).where(
        (SessionAnswer.user_id == user_id) | SessionAnswer.session_id.in_(own_sessions)))
    await session.execute(delete(SessionPoll).where(SessionPoll.session_id.in_(own_sessions)))
    await session.execute(delete(QuizSession).where(QuizSession.user_id == user_id))
    for model, column in ((Answer, Answer.user_id), (MemoryCard, MemoryCard.user_id),
                          (Preference, Preference.user_id), (LessonRead, LessonRead.user_id),
                          (ReminderClaim, ReminderClaim.user_id), (SentPoll, SentPoll.chat_id),
                          (User, User.id)):
        await session.execute(delete(model).where(column == user_id))
