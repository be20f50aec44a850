"""FSRS memory cards replace the 1/3/7-day review ladder; practice preferences and
reminder consent, lessons read, reminder claims and quiz sessions.

Every learner's history is kept: the answers stay, and each (learner, question) they
answered becomes a card by replaying those answers through FSRS in order (right → Good,
wrong → Again; their timings are unknown, so never Easy). A ladder row with no answer
behind it (none should exist) becomes a card due when the row was.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from fsrs import Rating

from bot.engine.memory import replay, review

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def upgrade() -> None:
    cards = op.create_table(
        "cards",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("quiz_id", sa.String(length=128), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_review", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "quiz_id"),
    )
    op.create_index("cards_user_due", "cards", ["user_id", "due_at"])
    op.create_table(
        "preferences",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("reminder", sa.Boolean(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("quiet_from", sa.Integer(), nullable=False),
        sa.Column("quiet_to", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("timer", sa.Integer(), nullable=False),
        sa.Column("retention", sa.Float(), nullable=False),
        sa.Column("offered", sa.Boolean(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index("preferences_reminder", "preferences", ["reminder", "hour"])
    op.create_table(
        "lesson_reads",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("lesson_id", sa.String(length=128), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "lesson_id"),
    )
    op.create_table(
        "reminders",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "day"),
    )
    op.create_table(
        "quiz_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("quiz_ids", sa.Text(), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("quiz_sessions_chat", "quiz_sessions", ["chat_id", "finished_at"])
    op.create_table(
        "session_polls",
        sa.Column("poll_id", sa.String(length=128), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["quiz_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id"),
    )
    op.create_table(
        "session_answers",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("quiz_id", sa.String(length=128), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["quiz_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "user_id", "quiz_id"),
    )
    op.bulk_insert(cards, _cards_from_history())
    op.drop_table("reviews")


def _cards_from_history() -> list[dict[str, object]]:
    """Every (learner, question) answered, replayed through FSRS; orphan ladder rows."""
    bind = op.get_bind()
    history: dict[tuple[int, str], list[tuple[datetime, bool]]] = defaultdict(list)
    for user_id, quiz_id, correct, moment in bind.execute(sa.text(
            "SELECT user_id, quiz_id, correct, answered_at FROM answers")):
        history[(int(user_id), str(quiz_id))].append((_utc(_moment(moment)), bool(correct)))
    memories = {key: replay(answers) for key, answers in history.items()}
    for user_id, quiz_id, due_at in bind.execute(sa.text(
            "SELECT user_id, quiz_id, due_at FROM reviews WHERE due_at IS NOT NULL")):
        key = (int(user_id), str(quiz_id))
        if key not in memories:
            due = _utc(_moment(due_at))
            memories[key] = review(None, Rating.Again, due - timedelta(days=1))
    return [{"user_id": user_id, "quiz_id": quiz_id, "state": m.state,
             "stability": m.stability, "difficulty": m.difficulty, "due_at": m.due,
             "last_review": m.last_review, "reviews": m.reviews, "lapses": m.lapses}
            for (user_id, quiz_id), m in memories.items() if m is not None]


def _moment(value: object) -> datetime:
    """SQLite hands datetimes back as text through a raw query."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def downgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("quiz_id", sa.String(length=128), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "quiz_id"),
    )
    op.execute("INSERT INTO reviews (user_id, quiz_id, stage, due_at) "
               "SELECT user_id, quiz_id, 0, due_at FROM cards WHERE lapses > 0")
    for table in ("session_answers", "session_polls", "quiz_sessions", "reminders",
                  "lesson_reads", "preferences", "cards"):
        op.drop_table(table)
