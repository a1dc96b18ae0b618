"""GIFT: the sample bank, each construct, the problems reported, and what dump() refuses."""

from __future__ import annotations

import json
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
from quizbank.formats import MAX_IMPORT_BYTES, gift

SAMPLE = Path(__file__).parent / "samples" / "bank.gift"


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def parse_text(text: str):
    return gift.parse(text.encode("utf-8"))


@pytest.fixture(scope="module")
def sample():
    return gift.parse(SAMPLE.read_bytes())


def test_sample_reads_every_supported_construct(sample) -> None:
    by_title = {d.title: d for d in sample.drafts}
    assert [d.qtype for d in sample.drafts] == [
        QuestionType.SINGLE,
        QuestionType.TRUE_FALSE,
        QuestionType.TRUE_FALSE,
        QuestionType.MULTIPLE,
        QuestionType.MATCHING,
        QuestionType.NUMERIC,
        QuestionType.NUMERIC,
        QuestionType.SINGLE,
        QuestionType.SINGLE,
    ]
    assert {d.category for d in sample.drafts} == {"$course$/top/Dry needling/Safety"}

    gauge = by_title["Gauge"]
    assert gauge.external_id == "SAF-0201" and gauge.competency == "SAF-01"
    assert gauge.difficulty is Difficulty.EASY
    assert gauge.references == ("Dommerholt J. Dry needling. 2011.",)
    assert gauge.explanation == "Filiform, solid needles are used; hypodermic needles are not."
    assert [o.text for o in gauge.keys] == ["0.25 mm"]
    assert gauge.options[1].feedback == "That is a hypodermic needle."

    pleura = by_title["Pleura depth"]
    assert pleura.stem.startswith("Over the **thoracic** wall")  # [markdown] marker removed, text kept
    assert pleura.options == true_false(
        True, "Yes: thin patients have even less.", "Check the surface anatomy again."
    )
    assert pleura.explanation == "Depth varies with build."

    untitled = next(d for d in sample.drafts if d.title == "")
    assert untitled.keys[0].id == "false"

    contraindications = by_title["Contraindications"]
    assert contraindications.scoring is Scoring.PARTIAL
    assert [o.correct for o in contraindications.options] == [True, True, False, False]

    assert by_title["Syncope"].pairs[1] == MatchPair("b", "Loss of consciousness", "Syncope")
    assert by_title["Depth"].numeric == NumericKey(50, 10)
    assert by_title["Range"].numeric == NumericKey(15, 5)

    escapes = by_title["Escapes"]
    assert escapes.stem == "Which symbol marks feedback in GIFT: # or = or ~ or { }?"
    assert [o.text for o in escapes.options] == ["# (hash)", "= (equals)", "~ (tilde)", "{} (braces)"]

    html = by_title["Html text"]
    assert html.stem == "Which structure lies directly under GB-21?"
    assert html.options[0].text == "The apex of the lung"


def test_sample_reports_each_unsupported_construct_with_its_line(sample) -> None:
    text = SAMPLE.read_text()
    found = {(p.line, p.message.split(" (")[0].split(" is ")[0]) for p in sample.problems}
    assert found == {
        (line_of(text, "Consent essay"), "an essay question"),
        (line_of(text, "::Sharps::"), "a short-answer question"),
        (line_of(text, "disposed of in a"), "a missing-word question"),
        (line_of(text, "description without"), "a description"),
    }
    assert all(p.severity == "error" for p in sample.problems)


def test_parsing_continues_after_a_broken_question() -> None:
    result = parse_text("Broken {=a ~b\n\nFine {=yes ~no}\n\nAlso broken }{\n\nLast {T}\n")
    assert [d.stem for d in result.drafts] == ["Fine", "Last"]
    assert [p.line for p in result.problems] == [1, 5]
    assert "braces do not match" in result.problems[0].message


def test_escapes_and_newlines_are_read() -> None:
    result = parse_text(r"Path C\:\\temp\\new\nsecond line \{x\} {=a\=b\#c ~d\~e}")
    draft = result.drafts[0]
    assert draft.stem == "Path C:\\temp\\new\nsecond line {x}"
    assert [o.text for o in draft.options] == ["a=b#c", "d~e"]


def test_multiple_answer_weights() -> None:
    whole = parse_text("Pick {~%100%only ~wrong ~other}").drafts[0]
    assert whole.qtype is QuestionType.MULTIPLE and whole.scoring is Scoring.ALL_OR_NOTHING
    uneven = parse_text("Pick {~%70%a ~%30%b ~c}")
    assert uneven.drafts[0].scoring is Scoring.PARTIAL
    assert "scored that way" in uneven.problems[0].message and uneven.problems[0].severity == "warning"
    platform = parse_text("Pick {~%50%a ~%50%b ~%-50%c}")
    assert platform.problems == ()


def test_partial_credit_in_single_answer_is_reported() -> None:
    result = parse_text("Pick {=a ~%50%b ~c}")
    assert [o.correct for o in result.drafts[0].options] == [True, False, False]
    assert "partial-credit" in result.problems[0].message


def test_true_false_spellings_and_feedback() -> None:
    result = parse_text("A {T}\n\nB {FALSE#wrong#right}\n\nC {true}\n\nD {F####why}")
    assert [d.keys[0].id for d in result.drafts] == ["true", "false", "true", "false"]
    assert result.drafts[1].options == true_false(False, "wrong", "right")
    assert result.drafts[3].explanation == "why"


def test_matching_distractor_is_reported() -> None:
    result = parse_text("Match {=a -> 1 =b -> 2 = -> 3}")
    assert [p.right for p in result.drafts[0].pairs] == ["1", "2"]
    assert "'3'" in result.problems[0].message and result.problems[0].severity == "warning"


def test_numeric_variants() -> None:
    result = parse_text("A {#2.5}\n\nB {#=%100%3:0.5#ok =%50%4:1 ~#no}\n\nC {#abc}\n\nD {#=%50%1}")
    assert [d.numeric for d in result.drafts] == [NumericKey(2.5, 0), NumericKey(3, 0.5)]
    messages = [p.message for p in result.problems]
    assert any("wrong answers" in m for m in messages)
    assert any("not a number" in m and p.line == 5 for m, p in zip(messages, result.problems, strict=True))
    assert any("without a 100 % answer" in m for m in messages)


def test_metadata_comment_problems_are_warnings() -> None:
    result = parse_text(
        '// @quizbank {not json\nA {T}\n\n// @quizbank {"colour": "red", "critical": 1}\nB {T}'
    )
    assert len(result.drafts) == 2
    assert [p.severity for p in result.problems] == ["warning"] * 3
    assert "not valid JSON" in result.problems[0].message and result.problems[0].line == 1


def test_dump_writes_moodle_gift() -> None:
    drafts = [
        QuestionDraft(
            QuestionType.MULTIPLE,
            "Choose",
            options=(Option("a", "x", True), Option("b", "y", True), Option("c", "z")),
            scoring=Scoring.PARTIAL,
            category="Safety",
            title="T: 1",
            competency="SAF-01",
            explanation="Because.",
        ),
        QuestionDraft(QuestionType.NUMERIC, "Depth?", numeric=NumericKey(12.5, 0.5, "mm")),
    ]
    text = gift.dump(drafts).decode()
    assert text.startswith("$CATEGORY: Safety\n\n// @quizbank ")
    assert "::T\\: 1::Choose{" in text and "\t~%50%x\n" in text and "\t~%-50%z\n" in text
    assert "\t####Because.\n" in text and "\t#12.5:0.5\n" in text
    meta = json.loads(text.splitlines()[2].removeprefix("// @quizbank "))
    assert meta == {"competency": "SAF-01", "scoring": "partial"}
    assert gift.parse(text.encode()).drafts == tuple(drafts)


def test_text_survives_exactly_apart_from_surrounding_whitespace() -> None:
    stem = "Tabs\tand  double  spaces\n\nkept; \\n stays literal; [html] <b>not html</b>"
    draft = QuestionDraft(QuestionType.TRUE_FALSE, stem, options=true_false(True))
    assert gift.parse(gift.dump([draft])).drafts == (draft,)


@pytest.mark.parametrize(
    ("draft", "reason"),
    [
        (
            QuestionDraft(QuestionType.ORDERING, "Order", options=(Option("a", "1"), Option("b", "2"))),
            "cannot hold ordering",
        ),
        (
            QuestionDraft(
                QuestionType.MATCHING, "M", pairs=(MatchPair("a", "x -> y", "1"), MatchPair("b", "z", "2"))
            ),
            "'->'",
        ),
        (
            QuestionDraft(QuestionType.SINGLE, "S", options=(Option("a", "x"), Option("b", "y"))),
            "needs a key",
        ),
        (
            QuestionDraft(
                QuestionType.TRUE_FALSE, "T", options=(Option("yes", "Yes", True), Option("no", "No"))
            ),
            "'true' and 'false'",
        ),
        (
            QuestionDraft(QuestionType.TRUE_FALSE, "T", options=true_false(True), category="a\nb"),
            "span lines",
        ),
    ],
)
def test_dump_refuses_what_gift_cannot_hold_naming_the_question(draft: QuestionDraft, reason: str) -> None:
    draft = QuestionDraft(**{**draft.__dict__, "external_id": "SAF-0007"})
    with pytest.raises(ValueError, match=reason) as caught:
        gift.dump([draft])
    assert "SAF-0007" in str(caught.value)


def test_bad_encoding_and_size_are_problems() -> None:
    result = gift.parse("A {T}\n\nB {F}\n\nCaf\xe9 {T}".encode("latin-1"))
    assert result.drafts == () and result.problems[0].line == 5 and "UTF-8" in result.problems[0].message
    assert "larger" in gift.parse(b" " * (MAX_IMPORT_BYTES + 1)).problems[0].message


def test_crlf_files_keep_line_numbers() -> None:
    result = gift.parse(b"A {T}\r\n\r\nB {}\r\n")
    assert len(result.drafts) == 1 and result.problems[0].line == 3


def test_sniff() -> None:
    assert gift.sniff(SAMPLE.read_bytes())
    assert gift.sniff(b"What is 2+2? {=4 ~5}")
    assert not gift.sniff(b'<?xml version="1.0"?><quiz/>')
    assert not gift.sniff(b"Question?\nA. yes\nB. no\nANSWER: A\n")
    assert not gift.sniff(b'{"json": true}')
