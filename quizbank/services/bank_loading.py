"""Loading bank files into the database: idempotent, versioned, never deleting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from quizbank.domain.drafts import content_hash
from quizbank.domain.types import ModuleSpec, QuestionDraft
from quizbank.errors import DomainError
from quizbank.extensions import db
from quizbank.models import Competency, Module, Question, VersionStatus

from . import audit
from .bank_files import bundled_bank_paths, read_sources
from .question_versions import add_version
from .unit_of_work import write_transaction


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # edited in the browser; file kept as a draft

    def summary(self) -> str:
        return (f"{len(self.created)} created, {len(self.updated)} new versions, {len(self.unchanged)} unchanged, "
                f"{len(self.retired)} retired, {len(self.restored)} restored, {len(self.conflicts)} conflicts")


class BankInvalid(DomainError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the bank files; nothing was loaded")
        self.problems = problems


def load_banks(paths: Iterable[Path] | None = None) -> LoadReport:
    """Loads the bank files (the bundled ones by default) in one transaction: all or nothing."""
    sources, problems = read_sources(paths if paths is not None else bundled_bank_paths())
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise BankInvalid([str(p) for p in errors])
    report = LoadReport()
    with write_transaction():
        for position, source in enumerate(sources):
            assert source.module is not None  # checked above
            module = _upsert_module(source.module, position)
            competencies = {c.code: c for c in module.competencies}
            seen = set()
            for draft in source.drafts:
                seen.add(draft.external_id)
                _load_question(module, competencies[draft.competency], draft, report)
            _retire_missing(module, seen, report)
        audit.record(None, "bank.load", "bank", None, report.summary())
    return report


def _upsert_module(spec: ModuleSpec, position: int) -> Module:
    module = db.session.scalar(
        select(Module).where(Module.code == spec.code).options(selectinload(Module.competencies)))
    if module is None:
        module = Module(code=spec.code)
        db.session.add(module)
    module.title = spec.title
    module.description = spec.description
    module.pass_mark_percent = spec.pass_mark_percent
    module.form_length = spec.form_length
    module.time_limit_minutes = spec.time_limit_minutes
    module.attempts_allowed = spec.attempts_allowed
    module.wait_hours = spec.wait_hours
    module.review_policy = spec.review_policy
    module.require_all_critical = spec.require_all_critical
    module.competency_min_percent = spec.competency_min_percent
    module.position = spec.position or position
    existing = {c.code: c for c in module.competencies}
    counts = dict(spec.blueprint)
    for code, title in spec.competencies:
        competency = existing.get(code) or Competency(code=code)
        competency.title = title
        competency.blueprint_count = counts.get(code, 0)
        if code not in existing:
            module.competencies.append(competency)
    db.session.flush()
    return module


def _load_question(module: Module, competency: Competency, draft: QuestionDraft, report: LoadReport) -> None:
    qid = draft.external_id or ""
    fingerprint = content_hash(draft)
    question = db.session.scalar(
        select(Question).where(Question.external_id == qid).options(selectinload(Question.versions)))
    if question is None:
        question = Question(external_id=qid, module_id=module.id)
        db.session.add(question)
        db.session.flush()
        add_version(question, draft, competency, VersionStatus.PUBLISHED, origin="file", fingerprint=fingerprint)
        report.created.append(qid)
        return
    versions = question.versions
    published = next((v for v in versions if v.status is VersionStatus.PUBLISHED), None)
    last_from_file = next((v for v in reversed(versions) if v.origin == "file"), None)
    if last_from_file is not None and last_from_file.content_hash == fingerprint:
        if published is None and versions[-1].status is VersionStatus.RETIRED and versions[-1].origin == "file":
            add_version(question, draft, competency, VersionStatus.PUBLISHED, origin="file", fingerprint=fingerprint)
            report.restored.append(qid)
        else:
            report.unchanged.append(qid)
        return
    edited_in_browser = any(v.origin != "file" and (last_from_file is None or v.number > last_from_file.number)
                            for v in versions)
    if edited_in_browser:
        # Keep both: the browser's versions stay as they are; the file's content waits as a draft.
        add_version(question, draft, competency, VersionStatus.DRAFT, origin="file", fingerprint=fingerprint)
        report.conflicts.append(qid)
        return
    if published is not None:
        published.status = VersionStatus.SUPERSEDED
        db.session.flush()
    add_version(question, draft, competency, VersionStatus.PUBLISHED, origin="file", fingerprint=fingerprint)
    report.updated.append(qid)


def _retire_missing(module: Module, seen: set[str | None], report: LoadReport) -> None:
    questions = db.session.scalars(
        select(Question).where(Question.module_id == module.id).options(selectinload(Question.versions)))
    for question in questions:
        if question.external_id in seen or not question.versions:
            continue
        latest = question.versions[-1]
        if latest.origin != "file":
            continue  # authored in the browser: not the file's to retire
        for version in question.versions:
            if version.status in (VersionStatus.PUBLISHED, VersionStatus.DRAFT, VersionStatus.IN_REVIEW):
                version.status = VersionStatus.RETIRED
        if latest.status is VersionStatus.RETIRED and question.external_id not in report.retired:
            report.retired.append(question.external_id)
    db.session.flush()
