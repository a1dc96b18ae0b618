"""Checks across a whole set of bank files: ids, competencies, blueprints, near-duplicate stems."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .types import ModuleSpec, Problem, QuestionDraft

NEAR_DUPLICATE_JACCARD = 0.8


@dataclass(frozen=True)
class BankSource:
    where: str  # file name for messages
    module: ModuleSpec | None
    drafts: tuple[QuestionDraft, ...]
    lines: dict[str, int]


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.casefold()))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def near_duplicates(
    stems: Sequence[tuple[str, str]], threshold: float = NEAR_DUPLICATE_JACCARD
) -> list[tuple[str, str]]:
    """Pairs of ids whose stems share at least `threshold` of their words (Jaccard similarity)."""
    words = [(qid, _words(stem)) for qid, stem in stems]
    pairs = []
    for i, (qid_a, a) in enumerate(words):
        for qid_b, b in words[i + 1:]:
            # Cheap bound first: Jaccard cannot exceed the ratio of the set sizes.
            small, large = sorted((len(a), len(b)))
            if large and small / large < threshold:
                continue
            if _jaccard(a, b) >= threshold:
                pairs.append((qid_a, qid_b))
    return pairs


def check_sources(sources: Sequence[BankSource]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    located: dict[str, tuple[str, int | None]] = {}
    for source in sources:
        module = source.module
        if module is None:
            problems.append(Problem("the file has no 'module' header", None, source.where))
        competencies = {code for code, _ in module.competencies} if module else set()
        available: Counter[str] = Counter()
        for draft in source.drafts:
            qid = draft.external_id or "?"
            line = source.lines.get(qid)
            located[qid] = (source.where, line)
            if qid in seen:
                problems.append(Problem(f"duplicate id {qid} (also in {seen[qid]})", line, source.where))
            seen[qid] = source.where
            if module and not qid.startswith(module.code + "-"):
                problems.append(Problem(f"{qid}: ids in this file start with {module.code}-", line, source.where))
            if module and draft.competency not in competencies:
                problems.append(Problem(f"{qid}: unknown competency {draft.competency}", line, source.where))
            available[draft.competency] += 1
        if module:
            problems.extend(_blueprint_problems(module, available, source.where))
    for a, b in near_duplicates([(d.external_id or "?", d.stem) for s in sources for d in s.drafts]):
        where, line = located.get(a, ("", None))
        problems.append(Problem(f"{a} and {b} have near-duplicate stems", line, where))
    return problems


def _blueprint_problems(module: ModuleSpec, available: Counter[str], where: str) -> list[Problem]:
    problems = []
    codes = {code for code, _ in module.competencies}
    total = 0
    for code, count in module.blueprint:
        total += count
        if code not in codes:
            problems.append(Problem(f"blueprint names {code}, which is not a competency of {module.code}", None, where))
        elif available[code] < count:
            # A warning: questions written in the browser may still fill it; quizzes refuse until they do.
            problems.append(Problem(
                f"blueprint asks for {count} items of {code} but the bank has only {available[code]}", None, where,
                severity="warning"))
    if total != module.form_length:
        problems.append(Problem(f"blueprint sums to {total}, but form_length is {module.form_length}", None, where))
    return problems
