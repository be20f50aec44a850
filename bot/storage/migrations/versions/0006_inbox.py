"""The inbox: every update stored before it is acknowledged, claimed by one replica at a
time under a lease (``inbox``), and the Bot API calls made for it (``inbox_calls``), so
handling it again replays them instead of replying twice.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 18:33:02.897271
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('update_id')
    )
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.create_index('inbox_status', ['status', 'update_id'], unique=False)

    op.create_table('inbox_calls',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('method', sa.String(length=64), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('update_id', 'seq')
    )


def downgrade() -> None:
    op.drop_table('inbox_calls')
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index('inbox_status')

    op.drop_table('inbox')
