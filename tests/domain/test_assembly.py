from __future__ import annotations

import random

import pytest

from quizbank.domain.assembly import BankTooSmall, PoolItem, display_order, draw_form
from quizbank.domain.types import Option, QuestionDraft, QuestionType

POOL = [PoolItem(v, v, "A-01" if v <= 10 else "A-02") for v in range(1, 21)]
BLUEPRINT = {"A-01": 3, "A-02": 2}


def test_form_follows_the_blueprint():
    form = draw_form(POOL, BLUEPRINT, random.Random(1))
    assert sorted(p.competency for p in form) == ["A-01"] * 3 + ["A-02"] * 2
    assert len({p.version_id for p in form}) == 5


def test_same_seed_same_form_and_other_seeds_differ():
    first = draw_form(POOL, BLUEPRINT, random.Random(42))
    assert first == draw_form(POOL, BLUEPRINT, random.Random(42))
    assert any(draw_form(POOL, BLUEPRINT, random.Random(s)) != first for s in range(1, 6))


def test_retake_prefers_questions_not_seen_before():
    seen = {p.question_id for p in POOL if p.version_id not in (9, 10, 19, 20, 8)}
    form = draw_form(POOL, BLUEPRINT, random.Random(3), seen)
    assert {p.version_id for p in form} == {8, 9, 10, 19, 20}


def test_when_too_few_unseen_remain_seen_ones_fill_the_form():
    seen = {p.question_id for p in POOL}
    assert len(draw_form(POOL, BLUEPRINT, random.Random(3), seen)) == 5


def test_a_bank_too_small_is_refused_not_served_short():
    with pytest.raises(BankTooSmall) as err:
        draw_form(POOL[:11], {"A-01": 3, "A-02": 2}, random.Random(1))
    assert err.value.shortfalls[0].competency == "A-02"
    assert "A-02 needs 2, has 1" in str(err.value)


def test_options_are_shuffled_but_fixed_ones_keep_their_place():
    draft = QuestionDraft(QuestionType.SINGLE, "Q", options=(
        Option("a", "A", True), Option("b", "B"), Option("c", "C"), Option("d", "None of these", fixed=True)))
    orders = {tuple(display_order(draft, random.Random(s))) for s in range(30)}
    assert len(orders) > 1
    assert all(order[3] == "d" for order in orders)


def test_true_false_and_numeric_are_not_shuffled_and_ordering_never_starts_solved():
    from quizbank.domain.question_types import true_false

    tf = QuestionDraft(QuestionType.TRUE_FALSE, "Q", options=true_false(True))
    assert all(display_order(tf, random.Random(s)) == ["true", "false"] for s in range(10))
    steps = QuestionDraft(QuestionType.ORDERING, "Q", options=(Option("s1", "1"), Option("s2", "2")))
    assert all(display_order(steps, random.Random(s)) == ["s2", "s1"] for s in range(10))
