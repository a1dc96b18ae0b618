"""module pool token, replaced by the database whenever the published pool may change

Starting an attempt draws from the module's published pool (about 600 versions for a bundled module).
Each process keeps the pool it read, keyed by `modules.pool_token`, which a start reads with the module's
terms. Triggers replace the token on every write that can change a pool, whoever makes it (the app, a bulk
load, a script): a version inserted, deleted or changed in status, competency, content or question; a
question moved or deleted; a competency renamed, moved or deleted. The token is random, so a change that
was rolled back never hands its token to a different pool.

On SQLite, recreating one of these tables (`batch_alter_table`) drops its triggers: a later migration that
does so must create them again (`create_triggers`). A test checks that each write still replaces the token.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The modules whose pool a write may change: NEW for inserts, OLD for deletes, both for updates.
_MODULE_OF_VERSION = 'SELECT module_id FROM questions WHERE id = {row}.question_id'
_TRIGGERS = {  # name: (event, table, module ids as a subquery or list for each row)
    'pool_token_version_insert': ('INSERT', 'question_versions', [_MODULE_OF_VERSION.format(row='NEW')]),
    'pool_token_version_update': ('UPDATE OF status, competency_id, content_hash, question_id', 'question_versions',
                                  [_MODULE_OF_VERSION.format(row='OLD'), _MODULE_OF_VERSION.format(row='NEW')]),
    'pool_token_version_delete': ('DELETE', 'question_versions', [_MODULE_OF_VERSION.format(row='OLD')]),
    'pool_token_question_update': ('UPDATE OF module_id', 'questions', ['SELECT OLD.module_id', 'SELECT NEW.module_id']),
    'pool_token_question_delete': ('DELETE', 'questions', ['SELECT OLD.module_id']),
    'pool_token_competency_update': ('UPDATE OF code, module_id', 'competencies',
                                     ['SELECT OLD.module_id', 'SELECT NEW.module_id']),
    'pool_token_competency_delete': ('DELETE', 'competencies', ['SELECT OLD.module_id']),
}
_RANDOM = {'sqlite': 'lower(hex(randomblob(16)))', 'postgresql': 'md5(random()::text || clock_timestamp()::text)'}


def _bump(dialect, modules):
    where = ' OR '.join(f'id IN ({subquery})' for subquery in modules)
    return f'UPDATE modules SET pool_token = {_RANDOM[dialect]} WHERE {where};'


def create_triggers():
    dialect = op.get_bind().dialect.name
    for name, (event, table, modules) in _TRIGGERS.items():
        if dialect == 'sqlite':
            op.execute(f'CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {_bump(dialect, modules)} END')
        else:
            returned = 'OLD' if event == 'DELETE' else 'NEW'
            op.execute(f'CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ '
                       f'BEGIN {_bump(dialect, modules)} RETURN {returned}; END $$')
            op.execute(f'CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()')


def drop_triggers():
    dialect = op.get_bind().dialect.name
    for name, (_event, table, _modules) in _TRIGGERS.items():
        if dialect == 'sqlite':
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON {table}')
            op.execute(f'DROP FUNCTION IF EXISTS {name}()')


def upgrade():
    # Added with an empty default (SQLite adds a NOT NULL column only with a constant default), then every
    # module gets a token of its own.
    op.add_column('modules', sa.Column('pool_token', sa.String(length=32), server_default='', nullable=False))
    op.execute(f'UPDATE modules SET pool_token = {_RANDOM[op.get_bind().dialect.name]}')
    create_triggers()


def downgrade():
    drop_triggers()
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('pool_token')
