"""Scoring and validation of every question type."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from quizbank.domain import question_types
from quizbank.domain.types import MatchPair, NumericKey, Option, QuestionDraft, QuestionType, Response, Scoring


def single() -> QuestionDraft:
    return QuestionDraft(QuestionType.SINGLE, "Which?", "SAF-01",
                         options=(Option("a", "A"), Option("b", "B", True), Option("c", "C"), Option("d", "D")),
                         explanation="why", references=("ref",))


def multiple(scoring: Scoring) -> QuestionDraft:
    return QuestionDraft(QuestionType.MULTIPLE, "Which?", "SAF-01", scoring=scoring,
                         options=(Option("a", "A", True), Option("b", "B", True), Option("c", "C"),
                                  Option("d", "D")))


def test_single_best_answer_scores_only_the_key():
    assert question_types.score(single(), Response(selected=("b",))) == 1.0
    assert question_types.score(single(), Response(selected=("a",))) == 0.0
    assert question_types.score(single(), Response(selected=("a", "b"))) == 0.0
    assert question_types.score(single(), Response()) == 0.0


def test_multiple_response_all_or_nothing():
    draft = multiple(Scoring.ALL_OR_NOTHING)
    assert question_types.score(draft, Response(selected=("a", "b"))) == 1.0
    assert question_types.score(draft, Response(selected=("a",))) == 0.0
    assert question_types.score(draft, Response(selected=("a", "b", "c"))) == 0.0


def test_multiple_response_partial_is_right_minus_wrong_floored_at_zero():
    draft = multiple(Scoring.PARTIAL)
    assert question_types.score(draft, Response(selected=("a",))) == 0.5
    assert question_types.score(draft, Response(selected=("a", "c"))) == 0.0
    assert question_types.score(draft, Response(selected=("c", "d"))) == 0.0
    assert question_types.score(draft, Response(selected=("a", "b", "c"))) == 0.5


def test_true_false():
    draft = QuestionDraft(QuestionType.TRUE_FALSE, "Is it?", options=question_types.true_false(False))
    assert question_types.score(draft, Response(selected=("false",))) == 1.0
    assert question_types.score(draft, Response(selected=("true",))) == 0.0


def ordering(scoring: Scoring = Scoring.ALL_OR_NOTHING) -> QuestionDraft:
    return QuestionDraft(QuestionType.ORDERING, "Order", scoring=scoring,
                         options=tuple(Option(f"s{i}", f"step {i}") for i in range(1, 5)))


def test_ordering_all_or_nothing_and_partial():
    assert question_types.score(ordering(), Response(selected=("s1", "s2", "s3", "s4"))) == 1.0
    assert question_types.score(ordering(), Response(selected=("s2", "s1", "s3", "s4"))) == 0.0
    partial = ordering(Scoring.PARTIAL)
    assert question_types.score(partial, Response(selected=("s2", "s1", "s3", "s4"))) == 0.5


def test_matching_gives_a_share_per_correct_pair():
    draft = QuestionDraft(QuestionType.MATCHING, "Match", scoring=Scoring.PARTIAL,
                          pairs=(MatchPair("p1", "L1", "R1"), MatchPair("p2", "L2", "R2"),
                                 MatchPair("p3", "L3", "R3"), MatchPair("p4", "L4", "R4")))
    answer = Response(matches=(("p1", "p1"), ("p2", "p3"), ("p3", "p2"), ("p4", "p4")))
    assert question_types.score(draft, answer) == 0.5


def test_numeric_within_tolerance_with_decimal_comma_and_unit():
    draft = QuestionDraft(QuestionType.NUMERIC, "Depth?", numeric=NumericKey(19.0, 1.0, "mm"))
    for text, expected in [("19", 1), ("18", 1), ("20.0", 1), ("20,5", 0), ("17.9", 0), ("19 mm", 1),
                           ("", 0), ("nineteen", 0), ("1e3", 0)]:
        assert question_types.score(draft, Response(text=text)) == expected, text


def test_validation_finds_two_keys_repeated_options_and_all_of_the_above():
    draft = QuestionDraft(QuestionType.SINGLE, "Q?", "SAF-01",
                          options=(Option("a", "Same", True), Option("b", "same", True),
                                   Option("c", "All of the above"), Option("d", "D")))
    messages = " ".join(p.message for p in question_types.validate(draft))
    assert "exactly one key" in messages
    assert "repeated" in messages
    assert "all/none of the above" in messages
    assert "explanation" in messages and "reference" in messages


option_ids = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), unique=True, max_size=5)


@given(keys=st.lists(st.booleans(), min_size=3, max_size=5), chosen=option_ids,
       scoring=st.sampled_from(list(Scoring)))
def test_multiple_score_is_always_between_zero_and_one(keys, chosen, scoring):
    options = tuple(Option("abcde"[i], f"opt {i}", k) for i, k in enumerate(keys))
    draft = QuestionDraft(QuestionType.MULTIPLE, "Q", options=options, scoring=scoring)
    value = question_types.score(draft, Response(selected=tuple(chosen)))
    assert 0.0 <= value <= 1.0


@given(n=st.integers(2, 7), data=st.data())
def test_a_fully_correct_response_scores_one_and_any_response_stays_in_range(n, data):
    pairs = tuple(MatchPair(f"p{i}", f"L{i}", f"R{i}") for i in range(n))
    steps = tuple(Option(f"s{i}", f"step {i}") for i in range(n))
    for scoring in Scoring:
        matching = QuestionDraft(QuestionType.MATCHING, "M", pairs=pairs, scoring=scoring)
        order = QuestionDraft(QuestionType.ORDERING, "O", options=steps, scoring=scoring)
        assert question_types.score(matching, Response(matches=tuple((p.id, p.id) for p in pairs))) == 1.0
        assert question_types.score(order, Response(selected=tuple(s.id for s in steps))) == 1.0
        shuffled = data.draw(st.permutations([p.id for p in pairs]))
        assert 0 <= question_types.score(matching, Response(matches=tuple(zip([p.id for p in pairs], shuffled,
                                                                              strict=True)))) <= 1
        assert 0 <= question_types.score(order, Response(selected=tuple(data.draw(st.permutations(
            [s.id for s in steps]))))) <= 1
