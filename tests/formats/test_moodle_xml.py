"""Moodle XML: a realistic export, unsupported types, our fields in idnumber/tags, and safe parsing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from quizbank.domain.question_types import true_false
from quizbank.domain.types import (
    Difficulty,
    MatchPair,
    NumericKey,
    Option,
    QuestionDraft,
    QuestionType,
    Scoring,
)
from quizbank.formats import moodle_xml

SAMPLE = Path(__file__).parent / "samples" / "moodle_export.xml"


def quiz(*questions: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>' + "".join(questions) + "</quiz>").encode()


def question(kind: str, name: str, body: str = "", text: str = "Stem?") -> str:
    return (
        f'<question type="{kind}"><name><text>{name}</text></name>'
        f'<questiontext format="html"><text>{text}</text></questiontext>{body}</question>'
    )


@pytest.fixture(scope="module")
def sample():
    return moodle_xml.parse(SAMPLE.read_bytes())


def test_sample_reads_the_supported_types(sample) -> None:
    single, multiple, truefalse, matching, numeric = sample.drafts
    assert {d.category for d in sample.drafts} == {"$course$/top/Dry needling/Safety"}

    assert single.qtype is QuestionType.SINGLE and single.title == "Pneumothorax risk region"
    assert single.stem == "Over which region does dry needling carry the highest risk of pneumothorax?"
    assert single.keys[0].text == "Upper trapezius over the apex of the lung"
    assert single.keys[0].feedback == "Yes – the lung apex rises above the clavicle."
    assert single.explanation.startswith("The pleura lies close beneath")
    assert (single.external_id, single.competency, single.difficulty, single.critical) == (
        "SAF-0101",
        "SAF-02",
        Difficulty.HARD,
        True,
    )

    assert multiple.qtype is QuestionType.MULTIPLE and multiple.scoring is Scoring.PARTIAL
    assert multiple.stem == "Which of these are contraindications to dry needling?\nSelect all that apply."
    assert [o.correct for o in multiple.options] == [True, True, False, False]
    assert multiple.options[2].feedback == "Not a contraindication on its own."

    assert truefalse.options == true_false(False, "Recapping causes needlestick injuries.", "Correct.")
    assert truefalse.explanation == "Never recap: dispose of needles directly into a sharps container."

    assert matching.scoring is Scoring.PARTIAL
    assert matching.pairs[0] == MatchPair("a", "Bruising", "Puncture of a superficial vessel")
    assert len(matching.pairs) == 3

    assert numeric.numeric == NumericKey(50, 10, "mm") and numeric.external_id == "SAF-0105"


def test_sample_reports_essay_shortanswer_and_distractor(sample) -> None:
    errors = [(p.where, p.message) for p in sample.problems if p.severity == "error"]
    assert errors == [
        ("question 7 (Informed consent)", 'essay questions (type "essay") are not supported'),
        ("question 8 (Sharps container)", 'short-answer questions (type "shortanswer") are not supported'),
    ]
    warnings = [p for p in sample.problems if p.severity == "warning"]
    assert len(warnings) == 1 and "Allergy to latex gloves" in warnings[0].message
    assert warnings[0].where == "question 5 (Adverse events)"


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("multianswer", "cloze"),
        ("ddwtos", "drag-and-drop into text"),
        ("calculated", "calculated"),
        ("description", "description"),
        ("ddimageortext", "drag-and-drop onto image"),
        ("gapselect", "select"),
        ("randomsamatch", "random short-answer"),
        ("mystery", "mystery"),
    ],
)
def test_unsupported_types_are_named_with_their_position(kind: str, label: str) -> None:
    data = quiz(
        question(
            "truefalse",
            "Fine",
            '<answer fraction="100"><text>true</text></answer>'
            '<answer fraction="0"><text>false</text></answer>',
        ),
        question(kind, "Other"),
    )
    result = moodle_xml.parse(data)
    assert len(result.drafts) == 1
    assert result.problems[0].where == "question 2 (Other)"
    assert label in result.problems[0].message and f'"{kind}"' in result.problems[0].message


def test_ordering_question_type() -> None:
    body = (
        "<gradingtype>ALL_OR_NOTHING</gradingtype>"
        '<answer fraction="2"><text>Palpate the taut band</text></answer>'
        '<answer fraction="1"><text>Clean the skin</text></answer>'
        '<answer fraction="3"><text>Insert the needle</text></answer>'
    )
    draft = moodle_xml.parse(quiz(question("ordering", "Steps", body))).drafts[0]
    assert draft.qtype is QuestionType.ORDERING and draft.scoring is Scoring.ALL_OR_NOTHING
    assert [o.text for o in draft.options] == ["Clean the skin", "Palpate the taut band", "Insert the needle"]


def test_numerical_extra_answers_and_units_are_reported() -> None:
    body = (
        '<answer fraction="100"><text>30</text><tolerance>2</tolerance></answer>'
        '<answer fraction="50"><text>35</text><tolerance>5</tolerance></answer>'
        "<units><unit><multiplier>1</multiplier><unit_name>mm</unit_name></unit>"
        "<unit><multiplier>0.1</multiplier><unit_name>cm</unit_name></unit></units>"
    )
    result = moodle_xml.parse(quiz(question("numerical", "Depth", body)))
    assert result.drafts[0].numeric == NumericKey(30, 2, "mm")
    assert len([p for p in result.problems if p.severity == "warning"]) == 2


def test_dump_puts_our_fields_in_idnumber_tags_and_feedback() -> None:
    draft = QuestionDraft(
        QuestionType.MULTIPLE,
        "Which apply?",
        competency="SAF-03",
        scoring=Scoring.ALL_OR_NOTHING,
        options=(Option("o1", "A", True), Option("o2", "B", True, fixed=True), Option("o3", "C")),
        explanation="Both apply.",
        references=("Brady S et al. 2014.", "Halle JS. 2016."),
        difficulty=Difficulty.EASY,
        critical=True,
        scenario=True,
        external_id="SAF-0003",
        title="Applies",
        category="Safety",
    )
    root = ET.fromstring(moodle_xml.dump([draft]))
    category, written = root.findall("question")
    assert category.get("type") == "category" and category.findtext("category/text") == "Safety"
    assert written.get("type") == "multichoice" and written.findtext("single") == "false"
    assert written.findtext("idnumber") == "SAF-0003"
    assert [t.findtext("text") for t in written.findall("tags/tag")] == [
        "competency:SAF-03",
        "difficulty:easy",
        "scoring:all_or_nothing",
        "critical",
        "scenario",
    ]
    assert written.findtext("generalfeedback/text") == (
        "Both apply.\n\nReferences:\n- Brady S et al. 2014.\n- Halle JS. 2016."
    )
    assert [a.get("fraction") for a in written.findall("answer")] == ["50", "50", "-50"]
    assert moodle_xml.parse(moodle_xml.dump([draft])).drafts == (draft,)


def test_explanation_that_looks_like_a_reference_block_survives() -> None:
    draft = QuestionDraft(
        QuestionType.TRUE_FALSE,
        "S",
        options=true_false(True),
        explanation="Read this.\n\nReferences:\n- not a real reference block",
    )
    assert moodle_xml.parse(moodle_xml.dump([draft])).drafts == (draft,)


def test_dump_refuses_naming_the_question() -> None:
    base = QuestionDraft(QuestionType.TRUE_FALSE, "S", options=true_false(True), external_id="SAF-0011")
    for bad in (
        QuestionDraft(**{**base.__dict__, "stem": "bell \x07"}),
        QuestionDraft(**{**base.__dict__, "references": ("two\nlines",)}),
        QuestionDraft(**{**base.__dict__, "competency": "SAF,01"}),
        QuestionDraft(**{**base.__dict__, "options": (Option("yes", "Yes", True), Option("no", "No"))}),
    ):
        with pytest.raises(ValueError, match="SAF-0011"):
            moodle_xml.dump([bad])


def test_foreign_tags_and_bad_values_are_reported_not_fatal() -> None:
    body = (
        '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
        "<tags><tag><text>difficulty:impossible</text></tag><tag><text>week-3</text></tag></tags>"
    )
    result = moodle_xml.parse(quiz(question("truefalse", "T", body)))
    assert result.drafts[0].difficulty is Difficulty.MEDIUM
    assert [p.severity for p in result.problems] == ["warning"]


def test_malformed_xml_and_wrong_root() -> None:
    broken = moodle_xml.parse(b"<quiz>\n<question type='truefalse'>\n</quiz>")
    assert broken.drafts == () and broken.problems[0].line == 3 and "malformed" in broken.problems[0].message
    other = moodle_xml.parse(b"<questions/>")
    assert "not <quiz>" in other.problems[0].message


def test_entities_and_external_references_are_refused() -> None:
    xxe = b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>'
    result = moodle_xml.parse(xxe)
    assert result.drafts == () and "refused" in result.problems[0].message
    assert "root:" not in str(result)


def test_bad_encoding_is_reported() -> None:
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><quiz><!-- caf\xe9 --></quiz>'.encode("latin-1")
    result = moodle_xml.parse(data)
    assert result.drafts == () and "UTF-8" in result.problems[0].message


def test_sniff() -> None:
    assert moodle_xml.sniff(SAMPLE.read_bytes())
    assert moodle_xml.sniff(b"\xef\xbb\xbf<!-- export -->\n<quiz>")
    assert not moodle_xml.sniff(b"<quizzes/>")
    assert not moodle_xml.sniff(b"Q? {=a ~b}")
