"""Privacy: erased people and the retention schedule

Revision ID: 0013_privacy
Revises: 0012_compliance_pack
Create Date: 2026-11-30 06:00:36.051338

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_privacy"
down_revision = "0012_compliance_pack"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("partnership_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "retention_inactive_months", sa.Integer(), server_default="72", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("retention_outbox_days", sa.Integer(), server_default="90", nullable=False)
        )
        batch_op.add_column(
            sa.Column("retention_comment_months", sa.Integer(), server_default="36", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "retention_unmatched_months", sa.Integer(), server_default="12", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("retention_audit_months", sa.Integer(), server_default="84", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_partnership_settings_retention_inactive_months_range"),
            "retention_inactive_months BETWEEN 12 AND 240",
        )
        batch_op.create_check_constraint(
            op.f("ck_partnership_settings_retention_outbox_days_range"),
            "retention_outbox_days BETWEEN 7 AND 3650",
        )
        batch_op.create_check_constraint(
            op.f("ck_partnership_settings_retention_comment_months_range"),
            "retention_comment_months BETWEEN 1 AND 240",
        )
        batch_op.create_check_constraint(
            op.f("ck_partnership_settings_retention_unmatched_months_range"),
            "retention_unmatched_months BETWEEN 1 AND 120",
        )
        batch_op.create_check_constraint(
            op.f("ck_partnership_settings_retention_audit_months_range"),
            "retention_audit_months BETWEEN 12 AND 240",
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("erased_at")

    with op.batch_alter_table("partnership_settings", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_partnership_settings_retention_inactive_months_range"), type_="check"
        )
        batch_op.drop_constraint(
            op.f("ck_partnership_settings_retention_outbox_days_range"), type_="check"
        )
        batch_op.drop_constraint(
            op.f("ck_partnership_settings_retention_comment_months_range"), type_="check"
        )
        batch_op.drop_constraint(
            op.f("ck_partnership_settings_retention_unmatched_months_range"), type_="check"
        )
        batch_op.drop_constraint(
            op.f("ck_partnership_settings_retention_audit_months_range"), type_="check"
        )
        batch_op.drop_column("retention_audit_months")
        batch_op.drop_column("retention_unmatched_months")
        batch_op.drop_column("retention_comment_months")
        batch_op.drop_column("retention_outbox_days")
        batch_op.drop_column("retention_inactive_months")
