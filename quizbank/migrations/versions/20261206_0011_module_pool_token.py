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

# SQLite: one trigger per event; each gives the module(s) of the row, before and after, a new token. Every
# statement is spelled out in full (no SQL is assembled from parts).
_SQLITE_TRIGGERS = {
    'pool_token_version_insert': (
        'CREATE TRIGGER pool_token_version_insert AFTER INSERT ON question_versions FOR EACH ROW '
        'BEGIN UPDATE modules SET pool_token = lower(hex(randomblob(16))) WHERE id = (SELECT '
        'module_id FROM questions WHERE id = NEW.question_id); END'),
    'pool_token_version_update': (
        'CREATE TRIGGER pool_token_version_update AFTER UPDATE OF status, competency_id, '
        'content_hash, question_id ON question_versions FOR EACH ROW BEGIN UPDATE modules SET '
        'pool_token = lower(hex(randomblob(16))) WHERE id IN (SELECT module_id FROM questions WHERE '
        'id IN (OLD.question_id, NEW.question_id)); END'),
    'pool_token_version_delete': (
        'CREATE TRIGGER pool_token_version_delete AFTER DELETE ON question_versions FOR EACH ROW '
        'BEGIN UPDATE modules SET pool_token = lower(hex(randomblob(16))) WHERE id = (SELECT '
        'module_id FROM questions WHERE id = OLD.question_id); END'),
    'pool_token_question_update': (
        'CREATE TRIGGER pool_token_question_update AFTER UPDATE OF module_id ON questions FOR EACH '
        'ROW BEGIN UPDATE modules SET pool_token = lower(hex(randomblob(16))) WHERE id IN '
        '(OLD.module_id, NEW.module_id); END'),
    'pool_token_question_delete': (
        'CREATE TRIGGER pool_token_question_delete AFTER DELETE ON questions FOR EACH ROW BEGIN '
        'UPDATE modules SET pool_token = lower(hex(randomblob(16))) WHERE id = OLD.module_id; END'),
    'pool_token_competency_update': (
        'CREATE TRIGGER pool_token_competency_update AFTER UPDATE OF code, module_id ON competencies '
        'FOR EACH ROW BEGIN UPDATE modules SET pool_token = lower(hex(randomblob(16))) WHERE id IN '
        '(OLD.module_id, NEW.module_id); END'),
    'pool_token_competency_delete': (
        'CREATE TRIGGER pool_token_competency_delete AFTER DELETE ON competencies FOR EACH ROW BEGIN '
        'UPDATE modules SET pool_token = lower(hex(randomblob(16))) WHERE id = OLD.module_id; END'),
}

# PostgreSQL: one function for versions (their module is their question's) and one for questions and
# competencies (which carry their module), each run by a row trigger on every event that matters.
_POSTGRESQL_FUNCTIONS = {
    'pool_token_of_version': (
        'CREATE FUNCTION pool_token_of_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF '
        "TG_OP IN ('UPDATE', 'DELETE') THEN UPDATE modules SET pool_token = md5(random()::text || "
        'clock_timestamp()::text) WHERE id = (SELECT module_id FROM questions WHERE id = '
        "OLD.question_id); END IF; IF TG_OP IN ('INSERT', 'UPDATE') THEN UPDATE modules SET "
        'pool_token = md5(random()::text || clock_timestamp()::text) WHERE id = (SELECT module_id '
        'FROM questions WHERE id = NEW.question_id); END IF; RETURN NULL; END $$'),
    'pool_token_of_module_row': (
        'CREATE FUNCTION pool_token_of_module_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
        'UPDATE modules SET pool_token = md5(random()::text || clock_timestamp()::text) WHERE id = '
        "OLD.module_id; IF TG_OP = 'UPDATE' THEN UPDATE modules SET pool_token = md5(random()::text "
        '|| clock_timestamp()::text) WHERE id = NEW.module_id; END IF; RETURN NULL; END $$'),
}
_POSTGRESQL_TRIGGERS = {  # name: (table, statement)
    'pool_token_version': ('question_versions', 'CREATE TRIGGER pool_token_version AFTER INSERT OR DELETE OR UPDATE '
                           'OF status, competency_id, content_hash, question_id ON question_versions '
                           'FOR EACH ROW EXECUTE FUNCTION pool_token_of_version()'),
    'pool_token_question': ('questions', 'CREATE TRIGGER pool_token_question AFTER DELETE OR UPDATE OF module_id '
                            'ON questions FOR EACH ROW EXECUTE FUNCTION pool_token_of_module_row()'),
    'pool_token_competency': ('competencies', 'CREATE TRIGGER pool_token_competency AFTER DELETE OR UPDATE OF code, '
                              'module_id ON competencies FOR EACH ROW EXECUTE FUNCTION pool_token_of_module_row()'),
}


def create_triggers():
    if op.get_bind().dialect.name == 'sqlite':
        for statement in _SQLITE_TRIGGERS.values():
            op.execute(statement)
    else:
        for statement in [*_POSTGRESQL_FUNCTIONS.values(), *(create for _table, create in _POSTGRESQL_TRIGGERS.values())]:
            op.execute(statement)


def drop_triggers():
    if op.get_bind().dialect.name == 'sqlite':
        for name in _SQLITE_TRIGGERS:
            op.execute(sa.DDL('DROP TRIGGER IF EXISTS %(name)s', context={'name': name}))
    else:
        for name, (table, _create) in _POSTGRESQL_TRIGGERS.items():
            op.execute(sa.DDL('DROP TRIGGER IF EXISTS %(name)s ON %(table)s', context={'name': name, 'table': table}))
        for name in _POSTGRESQL_FUNCTIONS:
            op.execute(sa.DDL('DROP FUNCTION IF EXISTS %(name)s()', context={'name': name}))


def upgrade():
    # Added with an empty default (SQLite adds a NOT NULL column only with a constant default), then every
    # module gets a token of its own.
    op.add_column('modules', sa.Column('pool_token', sa.String(length=32), server_default='', nullable=False))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('UPDATE modules SET pool_token = lower(hex(randomblob(16)))')
    else:
        op.execute('UPDATE modules SET pool_token = md5(random()::text || clock_timestamp()::text)')
    create_triggers()


def downgrade():
    drop_triggers()
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('pool_token')
