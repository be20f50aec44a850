"""Shared state of the replicas: what each button stands for (``button_requests``), the
Telegram file id of each uploaded picture (``file_ids``), and the labs in flight under a
lease (``lab_leases``: one per learner, counted for the global render queue).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 20:42:16.114383
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('button_requests',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token')
    )
    with op.batch_alter_table('button_requests', schema=None) as batch_op:
        batch_op.create_index('button_requests_created', ['created_at'], unique=False)

    op.create_table('file_ids',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('file_id', sa.String(length=256), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('lab_leases',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id')
    )
    with op.batch_alter_table('lab_leases', schema=None) as batch_op:
        batch_op.create_index('lab_leases_until', ['until'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lab_leases', schema=None) as batch_op:
        batch_op.drop_index('lab_leases_until')

    op.drop_table('lab_leases')
    op.drop_table('file_ids')
    with op.batch_alter_table('button_requests', schema=None) as batch_op:
        batch_op.drop_index('button_requests_created')

    op.drop_table('button_requests')
