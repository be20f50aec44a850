"""Nothing is scored twice: ``answers.score_key``, unique per learner.

An answer names what it scores (``bot.practice.score_key``): in a group, the chat's
question of one local day; in private, the question's review it belongs to. A second
copy of a scored question is kept without a key and counts nowhere.

The answers already stored get their keys by the same rules, oldest first, so the
copies a group's members answered again stop counting on /top. Every earlier private
answer was one review (revision 0004 replayed each as one), so each is keyed by its own
moment, as a review made now would be. The group's day is in ``BOT_TIMEZONE`` (default
Asia/Tehran), as the bot counts it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("score_key", sa.String(length=256), nullable=True))
    bind = op.get_bind()
    keys = _keys(bind.execute(sa.text(
        "SELECT id, user_id, chat_id, quiz_id, answered_at FROM answers "
        "ORDER BY answered_at, id")))
    if keys:
        bind.execute(sa.text("UPDATE answers SET score_key = :key WHERE id = :id"),
                     [{"id": id_, "key": key} for id_, key in keys.items()])
    with op.batch_alter_table("answers") as batch:
        batch.create_index("answers_user_score", ["user_id", "score_key"], unique=True)


def _keys(rows: Iterable[Any]) -> dict[int, str]:
    """Each stored answer's key, the first of equal keys keeping it. The formats are
    ``bot.practice``'s of this revision, copied so that later changes there leave this
    migration as it was run."""
    zone = _zone()
    taken: set[tuple[int, str]] = set()
    keys: dict[int, str] = {}
    for id_, user_id, chat_id, quiz_id, answered_at in rows:
        moment = _moment(answered_at)
        if int(chat_id) != int(user_id):
            key = f"g:{int(chat_id)}:{quiz_id}:{moment.astimezone(zone).date().isoformat()}"
        else:
            key = f"r:{quiz_id}:{moment.strftime('%Y-%m-%dT%H:%M:%S.%f')}"
        if (int(user_id), key) not in taken:
            taken.add((int(user_id), key))
            keys[int(id_)] = key
    return keys


def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(os.environ.get("BOT_TIMEZONE", "").strip() or "Asia/Tehran")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Tehran")


def _moment(value: object) -> datetime:
    """UTC; SQLite hands datetimes back as naive text through a raw query."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_index("answers_user_score")
        batch.drop_column("score_key")
