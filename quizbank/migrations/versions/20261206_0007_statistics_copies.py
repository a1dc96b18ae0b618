"""statistics copies: the attempt's number, total and submission time on its items and item choices

Item statistics group every response of a module by version and attempt total. Copying the three
attempt facts they filter and group on (written once, at grading) lets them read one covering index
instead of joining millions of responses to their attempts. Existing rows are filled from their attempts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 12:44:59.963039

"""
from alembic import op
import sqlalchemy as sa

import quizbank.models.types


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


# Lightweight table descriptions for the backfill: the columns it reads and writes, as of this revision.
attempts = sa.table("attempts", sa.column("id"), sa.column("number"), sa.column("points"),
                    sa.column("submitted_at"), sa.column("status"))
items = sa.table("attempt_items", sa.column("id"), sa.column("attempt_id"), sa.column("question_version_id"),
                 sa.column("attempt_number"), sa.column("attempt_points"), sa.column("attempt_submitted_at"))
choices = sa.table("item_choices", sa.column("attempt_item_id"), sa.column("question_version_id"),
                   sa.column("attempt_number"), sa.column("attempt_points"), sa.column("attempt_submitted_at"))


def _of_attempt(column: str):
    return sa.select(attempts.c[column]).where(attempts.c.id == items.c.attempt_id).scalar_subquery()


def _of_item(column: str):
    return sa.select(items.c[column]).where(items.c.id == choices.c.attempt_item_id).scalar_subquery()


def upgrade():
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt_number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attempt_points', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('attempt_submitted_at', quizbank.models.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('item_choices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attempt_number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attempt_points', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('attempt_submitted_at', quizbank.models.types.UTCDateTime(timezone=True), nullable=True))

    # Fill the copies from the attempts (graded attempts only carry a total and a submission time).
    op.execute(items.update().values(attempt_number=_of_attempt("number")))
    graded = sa.select(attempts.c.id).where(attempts.c.status == "graded")
    op.execute(items.update().where(items.c.attempt_id.in_(graded)).values(
        attempt_points=_of_attempt("points"), attempt_submitted_at=_of_attempt("submitted_at")))
    op.execute(choices.update().values(
        question_version_id=_of_item("question_version_id"), attempt_number=_of_item("attempt_number"),
        attempt_points=_of_item("attempt_points"), attempt_submitted_at=_of_item("attempt_submitted_at")))

    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.alter_column('attempt_number', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_attempt_items_version'))
        batch_op.create_index('ix_attempt_items_statistics', ['question_version_id', 'attempt_points', 'attempt_number', 'attempt_submitted_at', 'score', 'seconds_spent'], unique=False)

    with op.batch_alter_table('item_choices', schema=None) as batch_op:
        batch_op.alter_column('question_version_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('attempt_number', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('attempt_points', existing_type=sa.Float(), nullable=False)
        batch_op.alter_column('attempt_submitted_at', existing_type=quizbank.models.types.UTCDateTime(timezone=True), nullable=False)
        batch_op.create_index('ix_item_choices_statistics', ['question_version_id', 'option_id', 'attempt_points', 'attempt_number', 'attempt_submitted_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_item_choices_question_version_id_question_versions'), 'question_versions', ['question_version_id'], ['id'])


def downgrade():
    with op.batch_alter_table('item_choices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_item_choices_question_version_id_question_versions'), type_='foreignkey')
        batch_op.drop_index('ix_item_choices_statistics')
        batch_op.drop_column('attempt_submitted_at')
        batch_op.drop_column('attempt_points')
        batch_op.drop_column('attempt_number')
        batch_op.drop_column('question_version_id')

    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.drop_index('ix_attempt_items_statistics')
        batch_op.create_index(batch_op.f('ix_attempt_items_version'), ['question_version_id'], unique=False)
        batch_op.drop_column('attempt_submitted_at')
        batch_op.drop_column('attempt_points')
        batch_op.drop_column('attempt_number')
