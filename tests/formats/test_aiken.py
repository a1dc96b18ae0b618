"""Aiken: the sample file, problems with line numbers, and what dump() refuses or drops."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizbank.domain.question_types import true_false
from quizbank.domain.types import Difficulty, Option, QuestionDraft, QuestionType
from quizbank.formats import aiken

SAMPLE = Path(__file__).parent / "samples" / "bank.aiken.txt"


def line_of(needle: str) -> int:
    return next(i for i, line in enumerate(SAMPLE.read_text().splitlines(), 1) if needle in line)


def test_sample_questions() -> None:
    result = aiken.parse(SAMPLE.read_bytes())
    first, second = result.drafts
    assert first.stem == "Which structure is at risk when needling the upper trapezius too deeply?"
    assert [(o.id, o.text, o.correct) for o in first.options] == [
        ("a", "The lung apex", True),
        ("b", "The femoral nerve", False),
        ("c", "The radial artery", False),
        ("d", "The spleen", False),
    ]
    assert second.stem == "A patient faints during dry needling.\nWhat is the first action?"
    assert second.keys[0].text == "Remove all needles and lay the patient down"


def test_sample_problems_carry_their_lines() -> None:
    problems = aiken.parse(SAMPLE.read_bytes()).problems
    assert [(p.line, p.message.split(" (")[0].split(";")[0]) for p in problems] == [
        (line_of("ANSWER: Z"), "the answer 'Z' is not an option letter"),
        (line_of("An option with no question"), "an option before any question text"),
        (line_of("This line is not an option"), "unexpected text after the options"),
        (line_of("Which hand hygiene"), "the question has no 'ANSWER:' line"),
    ]


def test_repeated_option_letter() -> None:
    result = aiken.parse(b"Q\nA. x\nA. y\nANSWER: A\n\nNext\nA. 1\nB. 2\nANSWER: B\n")
    assert [d.stem for d in result.drafts] == ["Next"]
    assert result.problems[0].line == 3 and "repeated" in result.problems[0].message


def test_dump_writes_aiken_and_drops_what_aiken_cannot_hold() -> None:
    draft = QuestionDraft(
        QuestionType.SINGLE,
        "Scenario line one\n\nWhich needle?",
        competency="SAF-01",
        title="Needle",
        options=(Option("x1", "0.16 mm", True, feedback="yes"), Option("x2", "1.2 mm", fixed=True)),
        explanation="Filiform needles.",
        references=("Ref",),
        difficulty=Difficulty.HARD,
        external_id="SAF-1",
    )
    text = aiken.dump([draft]).decode()
    assert text == "Scenario line one\nWhich needle?\nA. 0.16 mm\nB. 1.2 mm\nANSWER: A\n"
    back = aiken.parse(text.encode()).drafts[0]
    assert back == QuestionDraft(
        QuestionType.SINGLE,
        "Scenario line one\nWhich needle?",
        options=(Option("a", "0.16 mm", True), Option("b", "1.2 mm")),
    )


def single(stem: str = "Q", *options: Option) -> QuestionDraft:
    return QuestionDraft(
        QuestionType.SINGLE,
        stem,
        options=options or (Option("a", "x", True), Option("b", "y")),
        external_id="SAF-0042",
    )


@pytest.mark.parametrize(
    ("draft", "reason"),
    [
        (
            QuestionDraft(QuestionType.TRUE_FALSE, "T", options=true_false(True), external_id="SAF-0042"),
            "single-answer questions only",
        ),
        (
            QuestionDraft(
                QuestionType.MULTIPLE,
                "M",
                options=(Option("a", "x", True), Option("b", "y", True), Option("c", "z")),
                external_id="SAF-0042",
            ),
            "single-answer questions only",
        ),
        (single("Q", Option("a", "x"), Option("b", "y")), "exactly one key"),
        (single("Q", *(Option(str(i), f"o{i}", i == 0) for i in range(27))), "2 to 26 options"),
        (single("Intro\nB. looks like an option"), "would read back"),
        (single("ANSWER: A"), "would read back"),
        (single("Q", Option("a", "two\nlines", True), Option("b", "y")), "spans lines"),
        (single(" \n "), "stem is empty"),
    ],
)
def test_dump_refuses_naming_the_question(draft: QuestionDraft, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        aiken.dump([draft])
    assert "SAF-0042" in str(caught.value)


def test_encoding_problem_has_a_line() -> None:
    result = aiken.parse("Q\nA. ok\nB. caf\xe9\nANSWER: A\n".encode("cp1252"))
    assert result.drafts == () and result.problems[0].line == 3


def test_sniff() -> None:
    assert aiken.sniff(SAMPLE.read_bytes())
    assert not aiken.sniff(b"What? {=a ~b}")
    assert not aiken.sniff(b"<quiz></quiz>")
