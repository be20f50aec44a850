"""The database schema (SQLAlchemy 2 typed models).

The models are the truth; Alembic migrations (``bot/storage/migrations``) are generated
from them with ``python -m bot db revision -m "…"`` and checked against them in CI
(``alembic check``): a column added here without its migration fails the suite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
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
    """One learner's answer to one poll; a poll counts once per learner. ``score_key``
    names what the answer scores (:func:`bot.practice.score_key`: a group's question of
    one day, a private review of a question); it is unique per learner, so a second copy
    of the same question is kept (streaks, what was asked) with no key: it scores nothing."""

    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    poll_id: Mapped[str] = mapped_column(String(128))
    quiz_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    option: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    score_key: Mapped[str | None] = mapped_column(String(256), nullable=True)
    __table_args__ = (
        Index("answers_user_poll", "user_id", "poll_id", unique=True),
        Index("answers_user_score", "user_id", "score_key", unique=True),
        Index("answers_chat_time", "chat_id", "answered_at"),
    )


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


# --- practice: the memory model, preferences, reading, reminders, sessions -------------
class MemoryCard(Base):
    """FSRS: one learner's memory of one question (see :mod:`bot.engine.memory`)."""

    __tablename__ = "cards"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[int] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("cards_user_due", "user_id", "due_at"),)


class Preference(Base):
    """A learner's practice settings and reminder consent (absent: the defaults, off)."""

    __tablename__ = "preferences"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reminder: Mapped[bool] = mapped_column(Boolean, default=False)
    hour: Mapped[int] = mapped_column(Integer)
    zone: Mapped[str] = mapped_column(String(64))
    quiet_from: Mapped[int] = mapped_column(Integer)
    quiet_to: Mapped[int] = mapped_column(Integer)
    length: Mapped[int] = mapped_column(Integer)
    timer: Mapped[int] = mapped_column(Integer)
    retention: Mapped[float] = mapped_column(Float)
    offered: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("preferences_reminder", "reminder", "hour"),)


class LessonRead(Base):
    """A lesson the learner marked «✅ خواندم»."""

    __tablename__ = "lesson_reads"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReminderClaim(Base):
    """A learner's reminder of one local day, claimed (inserted) before it is sent: a
    second replica, or a second tick, finds the row and sends nothing."""

    __tablename__ = "reminders"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # "2026-11-23", local
    owner: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # claimed | sent | failed | blocked
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QuizSession(Base):
    """A /quiz session: a learner's in a private chat (``user_id``), a group's shared one
    (``user_id`` 0)."""

    __tablename__ = "quiz_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    quiz_ids: Mapped[str] = mapped_column(Text)  # JSON list, in asking order
    asked: Mapped[int] = mapped_column(Integer, default=0)  # polls sent so far
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (Index("quiz_sessions_chat", "chat_id", "finished_at"),)


class SessionPoll(Base):
    """Which session (and which of its questions) a sent poll belongs to."""

    __tablename__ = "session_polls"
    poll_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    session_id: Mapped[int] = mapped_column(Integer, ForeignKey("quiz_sessions.id",
                                                                ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1-based


class SessionAnswer(Base):
    """A question scored in a session: once per learner, whatever copies they answer."""

    __tablename__ = "session_answers"
    session_id: Mapped[int] = mapped_column(Integer, ForeignKey("quiz_sessions.id",
                                                                ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- the runtime: updates received, handled once --------------------------------------
class InboxUpdate(Base):
    """An update from Telegram, stored before it is acknowledged (the webhook's 200, the
    polling offset). Replicas claim ``new`` rows (and ``working`` rows whose lease has
    run out: their replica died) and mark them ``done``; an update that keeps failing is
    ``quarantined``. ``update_id`` is unique, so an update delivered twice is stored once."""

    __tablename__ = "inbox"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))  # message | poll_answer | callback_query …
    payload: Mapped[str] = mapped_column(Text)  # the update's JSON, as Telegram sent it
    status: Mapped[str] = mapped_column(String(16))  # new | working | done | quarantined
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("inbox_status", "status", "update_id"),)


class InboxCall(Base):
    """A Bot API call made while handling an update, with Telegram's answer: handling the
    update again (its replica died before marking it done) replays these answers instead
    of sending the same replies twice."""

    __tablename__ = "inbox_calls"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    method: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(Text)  # the call's result, JSON


# --- shared state of the replicas -----------------------------------------------------
class ButtonRequest(Base):
    """What a keyboard button (or a ``run-`` deep link) stands for: its callback data
    carries only ``token`` (Telegram allows 64 bytes), the request itself is here, so any
    replica answers the press, also after a restart. ``created_at`` is refreshed when the
    same request is offered again; a request older than ``BOT_BUTTON_DAYS`` has expired."""

    __tablename__ = "button_requests"
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # what ``payload`` decodes to
    payload: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("button_requests_created", "created_at"),)


class FileId(Base):
    """Telegram's ``file_id`` of an uploaded picture, by the digest of its rendered key:
    any replica sends a picture one of them uploaded by id instead of uploading again."""

    __tablename__ = "file_ids"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16))  # photo | animation | document
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LabLease(Base):
    """A learner's lab in flight (one at a time, across replicas), held by ``owner``
    until ``until``: a job cannot outlive its time limit, so a lease whose replica died
    simply runs out. The live leases are the jobs queued or running everywhere (the
    global queue limit counts them)."""

    __tablename__ = "lab_leases"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("lab_leases_until", "until"),)


class SendPace(Base):
    """A send budget the replicas share (Telegram's ~30 messages a second per bot, 20 a
    minute per group), kept as the generic cell rate algorithm keeps a token bucket: the
    theoretical time the next send is due (``next_at``), and until when Telegram asked
    every replica to wait (``paused_until``, a 429's ``retry_after``). Times are seconds
    since the epoch; ``name`` is ``bot`` or ``chat:<id>``."""

    __tablename__ = "send_pace"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)
    paused_until: Mapped[float] = mapped_column(Float)
