from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quizbank.domain.attempt_policy import may_start
from quizbank.domain.grading import GradableItem, grade
from quizbank.domain.timing import accepts_answers, deadline_for
from quizbank.domain.types import ModuleRules, Option, QuestionDraft, QuestionType, Response


def item(position: int, competency: str, correct: bool, critical: bool = False) -> GradableItem:
    draft = QuestionDraft(QuestionType.SINGLE, f"Q{position}", competency, critical=critical,
                          options=(Option("a", "A", True), Option("b", "B")))
    return GradableItem(position, draft, Response(selected=("a" if correct else "b",)))


def test_total_and_competency_breakdown():
    score = grade([item(1, "X-01", True), item(2, "X-01", False), item(3, "X-02", True), item(4, "X-02", True)],
                  ModuleRules(0.75))
    assert score.total == 3 and score.fraction == 0.75 and score.passed
    assert [(c.competency, c.fraction) for c in score.competencies] == [("X-01", 0.5), ("X-02", 1.0)]


def test_below_the_pass_mark_fails_and_says_so():
    score = grade([item(1, "X-01", True), item(2, "X-01", False)], ModuleRules(0.75))
    assert not score.passed
    assert "below the pass mark" in score.failed_rules[0]


def test_a_missed_critical_item_fails_whatever_the_total():
    items = [item(i, "X-01", True) for i in range(1, 10)] + [item(10, "X-01", False, critical=True)]
    strict = grade(items, ModuleRules(0.8, require_all_critical=True))
    assert strict.fraction == 0.9 and not strict.passed
    assert "safety-critical" in strict.failed_rules[0] and "10" in strict.failed_rules[0]
    assert grade(items, ModuleRules(0.8, require_all_critical=False)).passed


def test_competency_minimum_is_non_compensatory():
    items = [item(i, "X-01", True) for i in range(1, 9)] + [item(9, "X-02", False), item(10, "X-02", False)]
    score = grade(items, ModuleRules(0.75, competency_min=0.5))
    assert score.fraction == 0.8 and not score.passed
    assert "X-02 scored 0%" in score.failed_rules[0]


def test_deadline_and_grace():
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    deadline = deadline_for(start, 30)
    assert accepts_answers(deadline + timedelta(seconds=30), deadline, 30)
    assert not accepts_answers(deadline + timedelta(seconds=31), deadline, 30)


def test_attempts_allowed_extra_grants_and_waiting_period():
    now = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    used_up = may_start(now=now, attempts_used=3, attempts_allowed=3, extra_granted=0, last_submitted_at=None,
                        wait_hours=0)
    assert not used_up.allowed and "all 3 attempt" in used_up.reason
    assert may_start(now=now, attempts_used=3, attempts_allowed=3, extra_granted=1, last_submitted_at=None,
                     wait_hours=0).allowed
    waiting = may_start(now=now, attempts_used=1, attempts_allowed=3, extra_granted=0,
                        last_submitted_at=now - timedelta(hours=2), wait_hours=24)
    assert not waiting.allowed and waiting.opens_at == now + timedelta(hours=22)
