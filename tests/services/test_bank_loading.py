"""Loading bank files: idempotent, versioned, never deleting; the checker reports with file and line."""

from __future__ import annotations

from sqlalchemy import select

from quizbank.formats.native import parse_bank
from quizbank.models import Question, VersionStatus
from quizbank.services.bank_files import read_sources
from quizbank.services.bank_loading import BankInvalid, load_banks
from tests.conftest import small_bank_yaml


def test_loading_twice_changes_nothing(db, tmp_path):
    path = tmp_path / "tst.yaml"
    path.write_text(small_bank_yaml())
    assert len(load_banks([path]).created) == 9
    again = load_banks([path])
    assert len(again.unchanged) == 9 and not again.created and not again.updated


def test_a_changed_question_becomes_a_new_version_and_a_removed_one_is_retired(db, tmp_path):
    path = tmp_path / "tst.yaml"
    path.write_text(small_bank_yaml())
    load_banks([path])
    text = small_bank_yaml().replace("Because of reason 3.", "A clearer reason.")
    start = text.index("  - id: TST-0004")
    end = text.index("  - id: TST-0005")
    path.write_text(text[:start] + text[end:])
    report = load_banks([path])
    assert report.updated == ["TST-0003"] and report.retired == ["TST-0004"]
    changed = db.session.scalar(select(Question).where(Question.external_id == "TST-0003"))
    assert [v.status for v in changed.versions] == [VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED]
    removed = db.session.scalar(select(Question).where(Question.external_id == "TST-0004"))
    assert removed is not None and removed.versions[-1].status is VersionStatus.RETIRED
    path.write_text(text)  # put it back: restored, not duplicated
    assert load_banks([path]).restored == ["TST-0004"]


def test_an_invalid_file_loads_nothing(db, tmp_path):
    path = tmp_path / "tst.yaml"
    path.write_text(small_bank_yaml().replace("correct: true, feedback", "correct: false, feedback", 1))
    try:
        load_banks([path])
    except BankInvalid as exc:
        assert any("exactly one key" in p for p in exc.problems)
    else:
        raise AssertionError("an invalid bank was loaded")
    assert db.session.scalar(select(Question)) is None


def test_problems_carry_file_and_line(tmp_path):
    broken = small_bank_yaml().replace("type: numeric", "type: essay").replace("TST-0002", "TST-0001")
    broken = broken.replace('{text: "wrong one 3"}', '{text: "All of the above"}')
    path = tmp_path / "broken.yaml"
    path.write_text(broken)
    _sources, problems = read_sources([path])
    messages = [str(p) for p in problems]
    assert any(m.startswith("broken.yaml:") and "essay" in m for m in messages)
    assert any("duplicate id TST-0001" in m for m in messages)
    assert any("all/none of the above" in m for m in messages)
    assert all(p.line is not None for p in problems if "essay" in p.message or "above" in p.message)


def test_near_duplicate_stems_and_unknown_competencies_are_reported(tmp_path):
    text = small_bank_yaml().replace("Test stem number 2 about topic 838.", "Test stem number 1, about topic 919?")
    text = text.replace("competency: TST-02\n    difficulty: medium\n    critical: false\n    stem: Test stem number 9",
                        "competency: TST-07\n    difficulty: medium\n    critical: false\n    stem: Test stem number 9")
    path = tmp_path / "tst.yaml"
    path.write_text(text)
    _sources, problems = read_sources([path])
    messages = " ".join(str(p) for p in problems)
    assert "near-duplicate stems" in messages and "unknown competency TST-07" in messages


def test_bad_yaml_and_wrong_encoding_are_reported_not_crashed_on():
    assert "not valid YAML" in str(parse_bank(b"questions: [\n  - {id: X", "x.yaml").problems[0])
    assert "not UTF-8" in str(parse_bank("questions: []\n# caf\xe9".encode("latin-1"), "y.yaml").problems[0])
    assert "needs a 'questions' list" in str(parse_bank(b"- just a list", "z.yaml").problems[0])
