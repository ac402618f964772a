"""elearning: modules, completions, provider imports, xAPI statements, the unmatched queue, declared training

Revision ID: 0009_elearning
Revises: 0008_attendance
Create Date: 2026-11-29 17:59:11.511399

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_elearning'
down_revision = '0008_attendance'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('elearning_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('already_held', sa.Integer(), nullable=False),
    sa.Column('not_completed', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.CheckConstraint('rows_read = added + already_held + not_completed + unmatched + rejected', name=op.f('ck_elearning_imports_counts_add_up')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_elearning_imports_provider_id_providers')),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], name=op.f('fk_elearning_imports_undone_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_elearning_imports_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elearning_imports'))
    )
    with op.batch_alter_table('elearning_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_elearning_imports_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_elearning_imports_sha256'), ['sha256'], unique=False)

    op.create_table('training_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('provider_name', sa.String(length=200), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('evidence', sa.LargeBinary(), nullable=False),
    sa.Column('evidence_type', sa.String(length=40), nullable=False),
    sa.Column('evidence_name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('pending', 'verified', 'rejected', name='declaration_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.CheckConstraint("course_id IS NOT NULL OR title <> ''", name=op.f('ck_training_declarations_module_or_title')),
    sa.CheckConstraint('hours >= 0 AND hours <= 100', name=op.f('ck_training_declarations_hours_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_training_declarations_agency_id_agencies')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_training_declarations_course_id_courses')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_training_declarations_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_declarations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_declarations'))
    )
    with op.batch_alter_table('training_declarations', schema=None) as batch_op:
        batch_op.create_index('ix_training_declarations_status_agency', ['status', 'agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_declarations_user_id'), ['user_id'], unique=False)

    op.create_table('xapi_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_xapi_credentials_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_xapi_credentials_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_credentials')),
    sa.UniqueConstraint('key', name=op.f('uq_xapi_credentials_key'))
    )
    with op.batch_alter_table('xapi_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_xapi_credentials_provider_id'), ['provider_id'], unique=False)

    op.create_table('elearning_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('source', sa.Enum('import', 'xapi', 'self_declared', name='completion_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('statement_id', sa.String(length=36), nullable=True),
    sa.Column('declaration_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('renewal_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('score IS NULL OR (score >= 0 AND score <= 100)', name=op.f('ck_elearning_completions_score_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_elearning_completions_agency_id_agencies')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_elearning_completions_course_id_courses')),
    sa.ForeignKeyConstraint(['declaration_id'], ['training_declarations.id'], name=op.f('fk_elearning_completions_declaration_id_training_declarations')),
    sa.ForeignKeyConstraint(['import_id'], ['elearning_imports.id'], name=op.f('fk_elearning_completions_import_id_elearning_imports')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_elearning_completions_user_id_users')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_elearning_completions_withdrawn_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elearning_completions'))
    )
    with op.batch_alter_table('elearning_completions', schema=None) as batch_op:
        batch_op.create_index('ix_elearning_completions_completed_on', ['completed_on'], unique=False)
        batch_op.create_index('ix_elearning_completions_expires_on', ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_elearning_completions_import_id'), ['import_id'], unique=False)
        batch_op.create_index('uq_elearning_completions_held', ['user_id', 'course_id', 'completed_on'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.create_table('elearning_import_problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['elearning_imports.id'], name=op.f('fk_elearning_import_problems_import_id_elearning_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elearning_import_problems'))
    )
    with op.batch_alter_table('elearning_import_problems', schema=None) as batch_op:
        batch_op.create_index('ix_elearning_import_problems_import_row', ['import_id', 'row_number'], unique=False)

    op.create_table('xapi_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=36), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('verb', sa.String(length=500), nullable=False),
    sa.Column('object_id', sa.String(length=500), nullable=False),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['xapi_credentials.id'], name=op.f('fk_xapi_statements_credential_id_xapi_credentials')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_statements')),
    sa.UniqueConstraint('statement_id', name=op.f('uq_xapi_statements_statement_id'))
    )
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_xapi_statements_credential_id'), ['credential_id'], unique=False)

    op.create_table('unmatched_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('agency_text', sa.String(length=200), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('source', sa.Enum('import', 'xapi', 'self_declared', name='completion_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('statement_id', sa.String(length=36), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'matched', 'dismissed', name='unmatched_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('completion_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['completion_id'], ['elearning_completions.id'], name=op.f('fk_unmatched_completions_completion_id_elearning_completions')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_unmatched_completions_course_id_courses')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_unmatched_completions_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_id'], ['elearning_imports.id'], name=op.f('fk_unmatched_completions_import_id_elearning_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unmatched_completions')),
    sa.UniqueConstraint('email', 'course_id', 'completed_on', name=op.f('uq_unmatched_completions_email_course_id_completed_on'))
    )
    with op.batch_alter_table('unmatched_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unmatched_completions_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unmatched_completions_import_id'), ['import_id'], unique=False)
        batch_op.create_index('ix_unmatched_completions_status_email', ['status', 'email'], unique=False)

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('module_code', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('activity_id', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('course_url', sa.String(length=500), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_courses_activity_id'), ['activity_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_courses_provider_id_module_code'), ['provider_id', 'module_code'])

    with op.batch_alter_table('partnership_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewal_reminder_days', sa.Integer(), nullable=False, server_default='30'))

    with op.batch_alter_table('partnership_settings', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'ck_partnership_settings_renewal_reminder_days_range',
            'renewal_reminder_days BETWEEN 1 AND 180',
        )

    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_mapping', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_column('import_mapping')

    with op.batch_alter_table('partnership_settings', schema=None) as batch_op:
        batch_op.drop_constraint('ck_partnership_settings_renewal_reminder_days_range', type_='check')

    with op.batch_alter_table('partnership_settings', schema=None) as batch_op:
        batch_op.drop_column('renewal_reminder_days')

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_courses_provider_id_module_code'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_courses_activity_id'), type_='unique')
        batch_op.drop_column('course_url')
        batch_op.drop_column('activity_id')
        batch_op.drop_column('module_code')

    with op.batch_alter_table('unmatched_completions', schema=None) as batch_op:
        batch_op.drop_index('ix_unmatched_completions_status_email')
        batch_op.drop_index(batch_op.f('ix_unmatched_completions_import_id'))
        batch_op.drop_index(batch_op.f('ix_unmatched_completions_course_id'))

    op.drop_table('unmatched_completions')
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_xapi_statements_credential_id'))

    op.drop_table('xapi_statements')
    with op.batch_alter_table('elearning_import_problems', schema=None) as batch_op:
        batch_op.drop_index('ix_elearning_import_problems_import_row')

    op.drop_table('elearning_import_problems')
    with op.batch_alter_table('elearning_completions', schema=None) as batch_op:
        batch_op.drop_index('uq_elearning_completions_held', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_elearning_completions_import_id'))
        batch_op.drop_index('ix_elearning_completions_expires_on')
        batch_op.drop_index('ix_elearning_completions_completed_on')

    op.drop_table('elearning_completions')
    with op.batch_alter_table('xapi_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_xapi_credentials_provider_id'))

    op.drop_table('xapi_credentials')
    with op.batch_alter_table('training_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_declarations_user_id'))
        batch_op.drop_index('ix_training_declarations_status_agency')

    op.drop_table('training_declarations')
    with op.batch_alter_table('elearning_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_elearning_imports_sha256'))
        batch_op.drop_index(batch_op.f('ix_elearning_imports_provider_id'))

    op.drop_table('elearning_imports')
