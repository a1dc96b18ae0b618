"""1EdTech QTI 3.0 items in an IMS content package (a zip with imsmanifest.xml).

dump() writes one item per question (items/<identifier>.xml, resource type imsqti_item_xmlv3p0) and a
manifest whose resources carry our metadata (see qti_package). parse() reads such packages, and a bare
qti-assessment-item XML file too. How drafts map to items is described in qti_write and qti_read.

The item identifier is the question's external id when that is a valid identifier, else "item-<n>"; the
external id itself always travels in the metadata. A foreign item without our metadata gets no external id.
"""

from __future__ import annotations

from collections.abc import Sequence

from quizbank.domain.types import Problem, QuestionDraft

from . import MAX_IMPORT_BYTES, BankFormat, ParseResult, decode_text, register
from .common import apply_platform_metadata, draft_strings, platform_metadata, question_label
from .markup import parse_xml, xml_unsafe
from .qti_package import (
    ITEM_TYPE,
    MANIFEST,
    PackageReader,
    PackageRefused,
    Resource,
    build_manifest,
    read_manifest,
    write_zip,
)
from .qti_read import ItemRefused, read_item
from .qti_write import QTI_NS, Identifiers, build_item, check_writable

_ZIP_MAGIC = b"PK\x03\x04"


def _read_item_file(data: bytes, where: str, meta: dict, problems: list[Problem]) -> QuestionDraft | None:
    text, decode_problems = decode_text(data, where)
    problems.extend(decode_problems)
    if text is None:
        return None
    root, xml_problems = parse_xml(text, where)
    problems.extend(xml_problems)
    if root is None:
        return None
    try:
        draft, warnings = read_item(root)
    except ItemRefused as exc:
        problems.append(Problem(str(exc), None, f"{where}: {exc.path}" if exc.path else where))
        return None
    except RecursionError:
        problems.append(Problem("the item is too deeply nested to read", None, where))
        return None
    problems.extend(Problem(w, None, where, "warning") for w in warnings)
    draft, more = apply_platform_metadata(draft, meta, where=where)
    problems.extend(more)
    return draft


def _parse_package(data: bytes) -> ParseResult:
    problems: list[Problem] = []
    try:
        package = PackageReader(data)
        manifest = package.read(MANIFEST)
        if manifest is None:
            return ParseResult((), (Problem("the package has no imsmanifest.xml at its root"),))
        text, decode_problems = decode_text(manifest, MANIFEST)
        if text is None:
            return ParseResult((), tuple(decode_problems))
        resources, problems = read_manifest(text)
        drafts, items = [], 0
        for resource in resources:
            if resource.type.startswith("imsqti_item_xmlv2"):
                problems.append(Problem("a QTI 2.x item; only QTI 3.0 items are supported", None,
                                        resource.href or resource.identifier))
            if not resource.type.startswith(ITEM_TYPE):
                continue
            items += 1
            content = package.read(resource.href) if resource.href else None
            if content is None:
                problems.append(Problem(f"resource {resource.identifier!r} names a file the package lacks",
                                        None, MANIFEST))
                continue
            draft = _read_item_file(content, resource.href, resource.metadata, problems)
            if draft is not None:
                drafts.append(draft)
    except PackageRefused as exc:
        return ParseResult((), (*problems, Problem(f"package refused: {exc}")))
    if not items:
        problems.append(Problem("the package holds no QTI 3.0 item (resource type imsqti_item_xmlv3p0)"))
    return ParseResult(tuple(drafts), tuple(problems))


def parse(data: bytes) -> ParseResult:
    """Questions of a QTI 3.0 package or item file; unsafe or bad input becomes Problems. Never raises."""
    if len(data) > MAX_IMPORT_BYTES:
        return ParseResult((), (Problem(f"the file is larger than {MAX_IMPORT_BYTES} bytes"),))
    if data.startswith(b"PK"):
        return _parse_package(data)
    problems: list[Problem] = []
    draft = _read_item_file(data, "item", {}, problems)
    return ParseResult((draft,) if draft else (), tuple(problems))


def dump(drafts: Sequence[QuestionDraft]) -> bytes:
    """A QTI 3.0 content package of `drafts`; ValueError naming the question when one cannot be written."""
    names = Identifiers(frozenset())
    files: list[tuple[str, bytes]] = []
    resources: list[Resource] = []
    for position, draft in enumerate(drafts, 1):
        label = question_label(draft, position)
        if any(xml_unsafe(value) for value in draft_strings(draft)):
            raise ValueError(f"{label}: holds a control character that XML cannot carry")
        check_writable(draft, label)
        identifier = names.take(draft.external_id or f"item-{position}", "item")
        title = " ".join(draft.title.split()) or draft.external_id or f"Question {position}"
        xml, changed = build_item(draft, identifier, title)
        meta = platform_metadata(draft, native={"title", "fixed", "option_ids", "pair_ids"})
        meta.update(changed)
        if title != draft.title:
            meta["title"] = draft.title
        href = f"items/{identifier}.xml"
        files.append((href, xml))
        resources.append(Resource(f"res-{identifier}", ITEM_TYPE, href, meta))
    return write_zip([(MANIFEST, build_manifest(resources)), *files])


def sniff(data: bytes) -> bool:
    """True for a zip whose manifest lists QTI 3.0 items, or for a QTI 3.0 item XML file."""
    if data.startswith(_ZIP_MAGIC):
        try:
            manifest = PackageReader(data).read(MANIFEST)
        except PackageRefused:
            return False
        return manifest is not None and ITEM_TYPE.encode() in manifest
    head = data[:4096]
    return b"qti-assessment-item" in head and QTI_NS.encode() in head


register(BankFormat("qti", "QTI 3.0 package", ".qti.zip", "application/zip", sniff, parse, dump))
