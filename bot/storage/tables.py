"""The database schema (SQLAlchemy 2 typed models).

The models are the truth; Alembic migrations (``bot/storage/migrations``) are generated
from them with ``python -m bot db revision -m "…"`` and checked against them in CI
(``alembic check``): a column added here without its migration fails the suite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored as UTC. SQLite keeps a datetime's wall-clock digits and drops its
    zone, so a Tehran time (a week start, an injected clock) would be stored and compared
    3½ hours off; converting every value on the way in keeps both databases exact."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value  # naive values are UTC already (the storage's convention)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(256), default="")
    lesson_position: Mapped[int] = mapped_column(Integer, default=0)  # last lesson order read
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SentPoll(Base):
    """A quiz poll the bot sent: poll answers only carry the poll id."""

    __tablename__ = "polls"
    poll_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # practice | channel | group
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Answer(Base):
    """One learner's answer to one poll; a poll counts once per learner."""

    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    poll_id: Mapped[str] = mapped_column(String(128))
    quiz_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    option: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        Index("answers_user_poll", "user_id", "poll_id", unique=True),
        Index("answers_chat_time", "chat_id", "answered_at"),
    )


class Review(Base):
    """Spaced repetition: when a question answered wrong comes back to this learner."""

    __tablename__ = "reviews"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    stage: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Slot(Base):
    """A scheduled channel post, claimed by a unique key before it is sent."""

    __tablename__ = "slots"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # "2026-11-23:quiz"
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # claimed | sending | sent | failed | skipped
    owner: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text, default="")  # lesson or quiz id
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    poll_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # a reveal's vote counts as JSON, once it has closed its poll ("[]": closed, counts unknown)
    votes: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Counter(Base):
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
