"""The send budget the replicas share (``send_pace``: one row for the bot, one per group
chat), so N replicas together keep Telegram's rates.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 20:46:50.389291
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('send_pace',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('next_at', sa.Float(), nullable=False),
    sa.Column('paused_until', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('send_pace')
