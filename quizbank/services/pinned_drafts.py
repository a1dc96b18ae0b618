"""The domain drafts of the question versions that attempts show, kept per process.

Every page of an exam (question, autosave, grading, review) needs the drafts of the versions its attempt
pinned. An attempt only ever pins a published version, and a published version's content never changes
(an edit makes a new version), so a draft, once built, can be kept. Each call still reads the version's id,
content hash and question id (one narrow query): a reused id with other content (a restored backup, a
rolled-back test database) is another key, so it is never served a stale draft.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from quizbank.domain.types import QuestionDraft
from quizbank.extensions import db
from quizbank.models import QuestionVersion

from .question_versions import draft_of

CAPACITY = 4096  # versions; a draft is a few kilobytes, so the cache stays in the low megabytes

DraftKey = tuple[int, str, int]  # version id, content hash, question id
_cache: OrderedDict[DraftKey, QuestionDraft] = OrderedDict()
_lock = threading.Lock()


_VERSIONS = QuestionVersion.__table__
_KEYS = (select(_VERSIONS.c.id, _VERSIONS.c.content_hash, _VERSIONS.c.question_id)
         .where(_VERSIONS.c.id.in_(bindparam("ids", expanding=True))))


class _KeyedRow(Protocol):
    question_version_id: int
    content_hash: str
    question_id: int


def draft_key(row: _KeyedRow) -> DraftKey:
    """The cache key of a row that read its version's content_hash and question_id beside its own
    question_version_id (an attempt's items joined to their versions), saving `drafts_of_versions`'s query."""
    return (row.question_version_id, row.content_hash, row.question_id)


def drafts_of_versions(version_ids: Iterable[int]) -> dict[int, QuestionDraft]:
    """Version id → draft, for versions that attempts pinned."""
    wanted = set(version_ids)
    if not wanted:
        return {}
    return drafts_by_key({vid: (vid, digest, qid) for vid, digest, qid in
                          db.session.execute(_KEYS, {"ids": sorted(wanted)})})


def drafts_by_key(keys: Mapping[int, DraftKey]) -> dict[int, QuestionDraft]:
    """Version id → draft, given each version's key (id, content hash, question id)."""
    found: dict[int, QuestionDraft] = {}
    with _lock:
        for vid, key in keys.items():
            draft = _cache.get(key)
            if draft is not None:
                _cache.move_to_end(key)
                found[vid] = draft
    missing = [vid for vid in keys if vid not in found]
    if missing:
        versions = db.session.scalars(
            select(QuestionVersion).where(QuestionVersion.id.in_(missing))
            .options(joinedload(QuestionVersion.competency), joinedload(QuestionVersion.question)))
        built = {v.id: draft_of(v) for v in versions}
        with _lock:
            for vid, draft in built.items():
                _cache[keys[vid]] = draft
            while len(_cache) > CAPACITY:
                _cache.popitem(last=False)
        found.update(built)
    return found
