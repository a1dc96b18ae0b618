from __future__ import annotations

import pytest

from quizbank.domain import presentation
from quizbank.domain.types import MatchPair, NumericKey, Option, QuestionDraft, QuestionType, Response

SENTINEL = "KEY-SENTINEL-7f3a"


def test_shown_item_carries_no_correctness():
    draft = QuestionDraft(QuestionType.SINGLE, "Q", options=(Option("a", SENTINEL, True, feedback="fb"),
                                                             Option("b", "B")))
    shown = presentation.present(draft, ["b", "a"], None)
    assert [c.text for c in shown.choices] == ["B", SENTINEL]
    assert "correct" not in repr(shown) and "fb" not in repr(shown)


def test_form_answers_map_back_through_the_display_order():
    draft = QuestionDraft(QuestionType.MULTIPLE, "Q", options=(Option("a", "A", True), Option("b", "B"),
                                                               Option("c", "C", True)))
    response = presentation.response_from_form(draft, ["c", "a", "b"], {"choice": ["0", "1"]})
    assert set(response.selected) == {"c", "a"}


def test_ordering_and_matching_forms():
    steps = QuestionDraft(QuestionType.ORDERING, "Q", options=(Option("s1", "1"), Option("s2", "2"),
                                                               Option("s3", "3")))
    response = presentation.response_from_form(steps, ["s3", "s1", "s2"], {"pos_0": ["3"], "pos_1": ["1"],
                                                                          "pos_2": ["2"]})
    assert response.selected == ("s1", "s2", "s3")
    with pytest.raises(presentation.InvalidAnswer):
        presentation.response_from_form(steps, ["s3", "s1", "s2"], {"pos_0": ["1"], "pos_1": ["1"]})
    match = QuestionDraft(QuestionType.MATCHING, "Q", pairs=(MatchPair("p1", "L1", "R1"), MatchPair("p2", "L2", "R2")))
    response = presentation.response_from_form(match, ["p2", "p1"], {"match_0": ["1"], "match_1": ["0"]})
    assert dict(response.matches) == {"p1": "p1", "p2": "p2"}


@pytest.mark.parametrize("form", [{"choice": ["9"]}, {"choice": ["-1"]}, {"choice": ["x"]},
                                  {"choice": ["0", "1"]}])
def test_tampered_single_answers_are_refused(form):
    draft = QuestionDraft(QuestionType.SINGLE, "Q", options=(Option("a", "A", True), Option("b", "B")))
    with pytest.raises(presentation.InvalidAnswer):
        presentation.response_from_form(draft, ["a", "b"], form)


def test_review_shows_key_feedback_and_numeric_expectation():
    numeric = QuestionDraft(QuestionType.NUMERIC, "Q", numeric=NumericKey(0.7, 0.05, "cm"), explanation="E")
    reviewed = presentation.review(numeric, [], Response(text="0.5"), 0.0)
    assert reviewed.expected_text == "0.7 ± 0.05 cm" and reviewed.given_text == "0.5"
