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
from typing import Any, Protocol

from sqlalchemy import Row, bindparam, select

from quizbank.domain.drafts import draft_from_parts
from quizbank.domain.types import QuestionDraft
from quizbank.extensions import db
from quizbank.models import AttemptItem, Competency, Question, QuestionVersion

CAPACITY = 4096  # versions; a draft is a few kilobytes, so the cache stays in the low megabytes

DraftKey = tuple[int, str, int]  # version id, content hash, question id
_cache: OrderedDict[DraftKey, QuestionDraft] = OrderedDict()
_lock = threading.Lock()


_VERSIONS = QuestionVersion.__table__
_QUESTIONS, _COMPETENCIES = Question.__table__, Competency.__table__
# What a draft is built from (the same parts `question_versions.draft_of` takes from the entities): a cold
# cache builds 25 at a time when an exam opens, so on the tables.
_CONTENT = (select(_VERSIONS.c.id, _VERSIONS.c.qtype, _VERSIONS.c.stem, _VERSIONS.c.body, _VERSIONS.c.explanation,
                   _VERSIONS.c.references, _VERSIONS.c.difficulty, _VERSIONS.c.critical, _VERSIONS.c.scenario,
                   _COMPETENCIES.c.code.label("competency"), _QUESTIONS.c.external_id)
            .join_from(_VERSIONS, _COMPETENCIES, _COMPETENCIES.c.id == _VERSIONS.c.competency_id)
            .join(_QUESTIONS, _QUESTIONS.c.id == _VERSIONS.c.question_id)
            .where(_VERSIONS.c.id.in_(bindparam("ids", expanding=True))))


def _draft(row: Row[Any]) -> QuestionDraft:
    return draft_from_parts(
        qtype=row.qtype.value, stem=row.stem, body=row.body, competency=row.competency, explanation=row.explanation,
        references=row.references or (), difficulty=row.difficulty.value, critical=row.critical,
        scenario=row.scenario, external_id=row.external_id)


_KEYS = (select(_VERSIONS.c.id, _VERSIONS.c.content_hash, _VERSIONS.c.question_id)
         .where(_VERSIONS.c.id.in_(bindparam("ids", expanding=True))))


_ITEMS = AttemptItem.__table__
# An attempt's items joined to their versions, and the columns `draft_key` reads: how the exam's reads get
# each pinned draft's cache key in the statement that reads the items.
ITEMS_WITH_VERSIONS = _ITEMS.join(_VERSIONS, _VERSIONS.c.id == _ITEMS.c.question_version_id)
KEY_COLUMNS = (_ITEMS.c.question_version_id, _VERSIONS.c.content_hash, _VERSIONS.c.question_id)


class _KeyedRow(Protocol):
    question_version_id: int
    content_hash: str
    question_id: int


def draft_key(row: _KeyedRow) -> DraftKey:
    """The cache key of a row that read `KEY_COLUMNS` (from `ITEMS_WITH_VERSIONS`), saving
    `drafts_of_versions`'s query."""
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
        built = {row.id: _draft(row) for row in db.session.execute(_CONTENT, {"ids": missing})}
        with _lock:
            for vid, draft in built.items():
                _cache[keys[vid]] = draft
            while len(_cache) > CAPACITY:
                _cache.popitem(last=False)
        found.update(built)
    return found
