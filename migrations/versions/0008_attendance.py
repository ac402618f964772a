"""attendance: the minutes after a session's start from which a virtual attendee counts as late

Revision ID: 0008_attendance
Revises: 0007_core_security
Create Date: 2026-11-29 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_attendance'
down_revision = '0007_core_security'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partnership_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_after_minutes', sa.Integer(), nullable=False, server_default='15'))

    with op.batch_alter_table('partnership_settings', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'ck_partnership_settings_late_after_minutes_range',
            'late_after_minutes BETWEEN 1 AND 120',
        )


def downgrade():
    with op.batch_alter_table('partnership_settings', schema=None) as batch_op:
        batch_op.drop_constraint('ck_partnership_settings_late_after_minutes_range', type_='check')

    with op.batch_alter_table('partnership_settings', schema=None) as batch_op:
        batch_op.drop_column('late_after_minutes')
