"""The bundled banks: they pass the checker, meet the blueprint and content rules, and every module assembles."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from click.testing import CliRunner

from quizbank.domain.assembly import PoolItem, draw_form
from quizbank.domain.types import QuestionType
from quizbank.services.bank_files import bundled_bank_paths, read_sources

SOURCES, PROBLEMS = read_sources(bundled_bank_paths())
BY_CODE = {s.module.code: s for s in SOURCES if s.module}
BLUEPRINT_COMPETENCIES = {
    "PRO": 6, "NEU": 7, "CLR": 5, "ANA": 6, "TEC": 8, "SAF": 9, "EVD": 4,
}


def test_check_bank_finds_no_problem_and_no_warning():
    assert [str(p) for p in PROBLEMS] == []


def test_check_bank_command_passes_on_the_bundled_banks(app):
    result = CliRunner().invoke(app.cli, ["quizbank", "check-bank"])
    assert result.exit_code == 0, result.output
    assert "7 file(s)" in result.output and "no problems." in result.output


def test_seven_modules_with_every_competency_of_the_blueprint():
    assert set(BY_CODE) == set(BLUEPRINT_COMPETENCIES)
    for code, count in BLUEPRINT_COMPETENCIES.items():
        source = BY_CODE[code]
        competencies = {c for c, _ in source.module.competencies}
        assert len(competencies) == count
        assert {d.competency for d in source.drafts} == competencies, code


def test_sizes_follow_the_issue():
    total = sum(len(s.drafts) for s in SOURCES)
    assert total >= 300
    for code, source in BY_CODE.items():
        assert len(source.drafts) >= max(25, 3 * source.module.form_length), code
    assert len(BY_CODE["SAF"].drafts) >= 70
    assert len(BY_CODE["NEU"].drafts) >= 45 and len(BY_CODE["TEC"].drafts) >= 45


@pytest.mark.parametrize("code", sorted(BLUEPRINT_COMPETENCIES))
def test_at_least_a_third_are_scenarios_and_single_best_answer_dominates(code):
    drafts = BY_CODE[code].drafts
    assert sum(d.scenario for d in drafts) * 3 >= len(drafts)
    types = Counter(d.qtype for d in drafts)
    assert types[QuestionType.SINGLE] > len(drafts) / 2
    assert all(len(d.references) >= 1 and d.explanation for d in drafts)


@pytest.mark.parametrize("code", sorted(BLUEPRINT_COMPETENCIES))
def test_every_module_assembles_its_blueprint_and_supports_three_distinct_forms(code):
    source = BY_CODE[code]
    pool = [PoolItem(i, i, d.competency) for i, d in enumerate(source.drafts)]
    blueprint = dict(source.module.blueprint)
    seen: set[int] = set()
    for attempt in range(3):
        form = draw_form(pool, blueprint, random.Random(attempt), seen)
        assert len(form) == source.module.form_length
        assert not {p.question_id for p in form} & seen, "a retake repeated a question while unseen ones remained"
        seen |= {p.question_id for p in form}


def test_safety_module_has_critical_items_and_a_needlestick_ordering_item():
    saf = BY_CODE["SAF"].drafts
    assert sum(d.critical for d in saf) >= 10
    assert any(d.qtype is QuestionType.ORDERING and d.competency == "SAF-07" for d in saf)
    assert any(d.qtype is QuestionType.NUMERIC for d in saf)


def test_no_key_leans_on_all_of_the_above_or_absolutes_in_single_best_answers():
    for source in SOURCES:
        for d in source.drafts:
            for o in d.options:
                assert "all of the above" not in o.text.lower() and "none of the above" not in o.text.lower()
