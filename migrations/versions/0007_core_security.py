"""core security: failed mail, rate-limit counters shared by every worker

Revision ID: 0007_core_security
Revises: 0006_accounts
Create Date: 2026-11-29 15:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_core_security'
down_revision = '0006_accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limit_counters',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('hits >= 0', name=op.f('ck_rate_limit_counters_hits_not_negative')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters'))
    )
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counters_expires_at'), ['expires_at'], unique=False)

    # A message that can never be sent is marked failed.
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_messages_message_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_outbox_messages_message_status'), "status IN ('queued', 'sent', 'failed')"
        )


def downgrade():
    op.execute("UPDATE outbox_messages SET status = 'queued' WHERE status = 'failed'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_messages_message_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_outbox_messages_message_status'), "status IN ('queued', 'sent')"
        )

    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counters_expires_at'))

    op.drop_table('rate_limit_counters')
