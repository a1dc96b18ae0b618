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


def _attempt(column: str) -> str:
    return f"(SELECT attempts.{column} FROM attempts WHERE attempts.id = attempt_items.attempt_id)"


def _item(column: str) -> str:
    return f"(SELECT attempt_items.{column} FROM attempt_items WHERE attempt_items.id = item_choices.attempt_item_id)"


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
    op.execute(f"UPDATE attempt_items SET attempt_number = {_attempt('number')}")
    op.execute(
        f"UPDATE attempt_items SET attempt_points = {_attempt('points')}, "
        f"attempt_submitted_at = {_attempt('submitted_at')} "
        "WHERE attempt_id IN (SELECT id FROM attempts WHERE status = 'graded')")
    op.execute(
        f"UPDATE item_choices SET question_version_id = {_item('question_version_id')}, "
        f"attempt_number = {_item('attempt_number')}, attempt_points = {_item('attempt_points')}, "
        f"attempt_submitted_at = {_item('attempt_submitted_at')}")

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
