"""The published pool of each module (what a start draws from), kept per process.

A start needs every published version of its module: about 600 rows for a bundled module, the largest
read a start makes. The pool only changes when a version is published, superseded or retired, or a
question or competency changes, and on each of those writes the database replaces the module's
`pool_token` (triggers, revision 0011), whoever makes the write. A start reads the token with the module's
terms and takes the pool kept under that token, or reads it and keeps it. The token is read before the
pool, so a kept pool is never older than its token; a token is random, so one from a rolled-back change
or another database never names a different pool.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from quizbank.domain.assembly import PoolItem
from quizbank.extensions import db
from quizbank.models import Competency, Question, QuestionVersion, VersionStatus

from .pinned_drafts import DraftKey

CAPACITY = 64  # pools; a module's pool is a few hundred small tuples


@dataclass(frozen=True)
class PublishedPool:
    items: tuple[PoolItem, ...]
    keys: Mapping[int, DraftKey]  # version id → its draft's cache key (saves a query for the drafts)


_VERSIONS, _QUESTIONS, _COMPETENCIES = QuestionVersion.__table__, Question.__table__, Competency.__table__
_POOL = (select(_VERSIONS.c.id, _VERSIONS.c.question_id, _VERSIONS.c.content_hash, _COMPETENCIES.c.code)
         .join_from(_VERSIONS, _QUESTIONS, _QUESTIONS.c.id == _VERSIONS.c.question_id)
         .join(_COMPETENCIES, _COMPETENCIES.c.id == _VERSIONS.c.competency_id)
         .where(_QUESTIONS.c.module_id == bindparam("module_id"), _VERSIONS.c.status == VersionStatus.PUBLISHED))

_kept: OrderedDict[tuple[int, str], PublishedPool] = OrderedDict()
_lock = threading.Lock()


def read_pool(module_id: int) -> PublishedPool:
    """The module's published pool as the database holds it now."""
    rows = db.session.execute(_POOL, {"module_id": module_id}).all()
    return PublishedPool(tuple(PoolItem(vid, qid, code) for vid, qid, _digest, code in rows),
                         {vid: (vid, digest, qid) for vid, qid, digest, _code in rows})


def pool_of(module_id: int, token: str) -> PublishedPool:
    """The module's published pool, given the `pool_token` just read from its row."""
    if not token:  # a row written without a token: nothing can tell when its pool changes
        return read_pool(module_id)
    key = (module_id, token)
    with _lock:
        pool = _kept.get(key)
        if pool is not None:
            _kept.move_to_end(key)
            return pool
    pool = read_pool(module_id)
    with _lock:
        _kept[key] = pool
        while len(_kept) > CAPACITY:
            _kept.popitem(last=False)
    return pool
