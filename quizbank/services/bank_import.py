"""Importing question files: a dry-run plan first, then one all-or-nothing transaction of drafts.

Imported questions always arrive as drafts for review, whatever their source said.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import delete, select

from quizbank import formats
from quizbank.domain import question_types
from quizbank.domain.drafts import content_hash
from quizbank.domain.types import Problem, QuestionDraft
from quizbank.errors import Conflict, DomainError, NotFound
from quizbank.extensions import db
from quizbank.formats.native import ID_PATTERN
from quizbank.models import Competency, ImportBatch, Question, VersionStatus, utcnow

from . import audit
from .authoring import next_external_id
from .question_versions import add_version
from .unit_of_work import write_transaction


@dataclass(frozen=True)
class PlannedItem:
    position: int
    action: str  # create | new_version | unchanged | refused
    external_id: str
    competency: str
    stem: str
    reasons: tuple[str, ...] = ()
    draft: QuestionDraft | None = None


@dataclass
class ImportPlan:
    format_label: str
    items: list[PlannedItem] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)  # constructs we refuse, bad encoding, …
    categories: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for i in self.items if i.action == action)

    @property
    def refused(self) -> int:
        return self.count("refused") + sum(1 for p in self.file_problems if p.severity == "error")


def parse_upload(data: bytes, format_name: str = "") -> tuple[formats.BankFormat, formats.ParseResult]:
    if len(data) > formats.MAX_IMPORT_BYTES:
        raise DomainError(f"The file is larger than {formats.MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
    if format_name:
        try:
            fmt: formats.BankFormat | None = formats.get(format_name)
        except KeyError:
            raise DomainError(f"Unknown format {format_name!r}.") from None
    else:
        fmt = formats.detect(data)
    if fmt is None:
        raise DomainError("This file is in no format we read: GIFT, Aiken, Moodle XML, QTI 3.0 (zip) or quizbank YAML.")
    return fmt, fmt.parse(data)


def plan(data: bytes, *, mapping: Mapping[str, str], default_competency: str = "", format_name: str = "") -> ImportPlan:
    fmt, parsed = parse_upload(data, format_name)
    competencies = {c.code: c for c in db.session.scalars(select(Competency))}
    result = ImportPlan(fmt.label, file_problems=list(parsed.problems),
                        categories=sorted({d.category for d in parsed.drafts if d.category}))
    for position, draft in enumerate(parsed.drafts, start=1):
        code = mapping.get(draft.category) or (draft.competency if draft.competency in competencies else "") or \
            default_competency
        draft = replace(draft, competency=code)
        reasons = [p.message for p in question_types.validate(draft, for_review=False)]
        if code not in competencies:
            reasons.append("no competency: choose one for its category or a default")
        existing = db.session.scalar(select(Question).where(Question.external_id == draft.external_id)) \
            if draft.external_id and ID_PATTERN.match(draft.external_id) else None
        if reasons:
            action = "refused"
        elif existing is None:
            action = "create"
        elif competencies[code].module_id != existing.module_id:
            action, reasons = "refused", [f"{draft.external_id} exists in another module"]
        elif any(v.content_hash == content_hash(draft) for v in existing.versions):
            action = "unchanged"
        else:
            action = "new_version"
        result.items.append(PlannedItem(position, action, draft.external_id or "", code, draft.stem[:140],
                                        tuple(reasons), draft))
    return result


def start_batch(*, user_id: int, filename: str, data: bytes, format_name: str = "") -> ImportBatch:
    """Stores the upload for its dry run (nothing is imported yet); old unconfirmed uploads are cleared."""
    fmt, _parsed = parse_upload(data, format_name)
    with write_transaction():
        db.session.execute(delete(ImportBatch).where(ImportBatch.created_at < utcnow() - timedelta(days=2)))
        # Shown back only as text; control characters (a NUL is refused by PostgreSQL) are dropped.
        shown_name = "".join(c for c in filename if c.isprintable())[:255] or "upload"
        batch = ImportBatch(user_id=user_id, filename=shown_name, format_name=fmt.name, data=data)
        db.session.add(batch)
    return batch


def batch_of(user_id: int, batch_id: int) -> ImportBatch:
    batch = db.session.scalar(select(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.user_id == user_id))
    if batch is None:
        raise NotFound("No such upload.")
    return batch


def set_mapping(*, user_id: int, batch_id: int, mapping: Mapping[str, str], default_competency: str) -> None:
    with write_transaction():
        batch = batch_of(user_id, batch_id)
        batch.mapping = {k: v for k, v in mapping.items() if v}
        batch.default_competency = default_competency


@dataclass(frozen=True)
class ImportResult:
    created: list[str]
    new_versions: list[str]
    unchanged: int
    refused: int


def apply(items: Iterable[PlannedItem], *, user_id: int, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Writes the plan's creations and new versions as drafts, inside the caller's transaction."""
    created, versions, unchanged, refused = [], [], 0, 0
    competencies = {c.code: c for c in db.session.scalars(select(Competency))}
    for item in items:
        if progress:
            progress(1)
        if item.action in ("refused", "unchanged") or item.draft is None:
            refused += item.action == "refused"
            unchanged += item.action == "unchanged"
            continue
        competency = competencies[item.competency]
        if item.action == "create":
            wanted = item.external_id
            external_id = wanted if wanted and wanted.startswith(competency.module.code + "-") and not \
                db.session.scalar(select(Question.id).where(Question.external_id == wanted)) else \
                next_external_id(competency.module)
            question = Question(external_id=external_id, module_id=competency.module_id)
            db.session.add(question)
            db.session.flush()
            created.append(external_id)
        else:
            question = db.session.scalar(select(Question).where(Question.external_id == item.external_id))
            versions.append(item.external_id)
        add_version(question, item.draft, competency, VersionStatus.DRAFT, origin="import", author_id=user_id)
    return ImportResult(created, versions, unchanged, refused)


def confirm_batch(*, user_id: int, batch_id: int) -> ImportResult:
    """Re-plans the stored upload and imports it in one transaction: all or nothing."""
    with write_transaction():
        batch = batch_of(user_id, batch_id)
        if batch.applied_at is not None:
            raise Conflict("This upload was imported already.")
        result = apply(plan(batch.data, mapping=batch.mapping, default_competency=batch.default_competency,
                            format_name=batch.format_name).items, user_id=user_id)
        batch.applied_at = utcnow()
        audit.record(user_id, "bank.import", "bank", batch.id,
                     f"{batch.filename}: {len(result.created)} created, {len(result.new_versions)} new versions, "
                     f"{result.refused} refused")
    return result
