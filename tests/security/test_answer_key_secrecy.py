"""Before submission no page, JSON reply or HTML comment gives away the key, the feedback or the
explanation, for every question type.

Two proofs: sentinels planted in feedback, explanations and references never appear; and changing
every key in the database (which option is correct, the right order, the pairs, the number) leaves
every page byte-for-byte the same — a page that does not depend on the key cannot reveal it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from quizbank.domain.drafts import content_hash
from quizbank.models import Attempt, AttemptItem, QuestionVersion
from quizbank.services.question_versions import draft_of
from tests.conftest import answer_form

SENTINELS = ("FEEDBACKSENTINEL", "EXPLANATIONSENTINEL", "REFERENCESENTINEL", "1234.5")

LEAK_BANK = """
module:
  code: LK
  title: Leak test module
  description: One question of every type.
  pass_mark: 50
  form_length: 6
  time_limit_minutes: 30
  attempts_allowed: 3
  wait_hours: 0
  review_policy: after_attempt
  require_all_critical: false
  competency_min_percent: 0
  blueprint: {LK-01: 6}
competencies:
  LK-01: Everything
questions:
  - id: LK-0001
    competency: LK-01
    type: single
    difficulty: medium
    stem: Which landmark guides needling of the lateral elbow extensor origin?
    options:
      - {text: "lateral epicondyle", correct: true, feedback: "FEEDBACKSENTINEL key one"}
      - {text: "olecranon", feedback: "FEEDBACKSENTINEL wrong one"}
      - {text: "radial styloid", feedback: "FEEDBACKSENTINEL wrong two"}
      - {text: "pisiform", feedback: "FEEDBACKSENTINEL wrong three"}
    explanation: EXPLANATIONSENTINEL single
    references: ["REFERENCESENTINEL single"]
  - id: LK-0002
    competency: LK-01
    type: multiple
    scoring: partial
    difficulty: medium
    stem: Select every finding that suggests pneumothorax after thoracic needling.
    options:
      - {text: "sudden dyspnoea", correct: true, feedback: "FEEDBACKSENTINEL m1"}
      - {text: "pleuritic chest pain", correct: true, feedback: "FEEDBACKSENTINEL m2"}
      - {text: "local itch", feedback: "FEEDBACKSENTINEL m3"}
      - {text: "mild bruising", feedback: "FEEDBACKSENTINEL m4"}
    explanation: EXPLANATIONSENTINEL multiple
    references: ["REFERENCESENTINEL multiple"]
  - id: LK-0003
    competency: LK-01
    type: truefalse
    difficulty: easy
    stem: Gloves replace hand hygiene before a dry needling session.
    answer: false
    explanation: EXPLANATIONSENTINEL truefalse
    references: ["REFERENCESENTINEL truefalse"]
  - id: LK-0004
    competency: LK-01
    type: ordering
    difficulty: medium
    stem: Put the steps of a needlestick exposure response in sequence.
    steps: [wash the wound, report the exposure, assess the source patient, arrange follow-up serology]
    explanation: EXPLANATIONSENTINEL ordering
    references: ["REFERENCESENTINEL ordering"]
  - id: LK-0005
    competency: LK-01
    type: matching
    difficulty: medium
    stem: Match each muscle with its usual referred pain region.
    pairs:
      - {left: gluteus minimus, right: lateral leg}
      - {left: infraspinatus, right: anterior shoulder}
      - {left: upper trapezius, right: temple}
    explanation: EXPLANATIONSENTINEL matching
    references: ["REFERENCESENTINEL matching"]
  - id: LK-0006
    competency: LK-01
    type: numeric
    difficulty: hard
    stem: What depth in millimetres was measured in the sonography case described?
    answer: 1234.5
    tolerance: 0.25
    unit: mm
    explanation: EXPLANATIONSENTINEL numeric
    references: ["REFERENCESENTINEL numeric"]
"""


class _Comments(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.comments: list[str] = []

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def _comments(html: str) -> list[str]:
    parser = _Comments()
    parser.feed(html)
    return parser.comments


def _normalised(html: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+"', r'\1TOKEN"', html)


@pytest.fixture
def leak_bank(db, tmp_path) -> str:  # type: ignore[no-untyped-def]
    from quizbank.services.bank_loading import load_banks

    path = tmp_path / "lk.yaml"
    path.write_text(LEAK_BANK)
    load_banks([path])
    return "LK"


def _swap_every_key(db, attempt_id: int) -> None:  # type: ignore[no-untyped-def]
    """Changes what is right for every item while keeping what the trainee is shown the same."""
    items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).all()
    for item in items:
        version = db.session.get(QuestionVersion, item.question_version_id)
        body = dict(version.body)
        kind = version.qtype.value
        if kind in ("single", "truefalse", "multiple"):
            options = [dict(o, feedback="OTHERFEEDBACK") for o in body["options"]]
            flags = [o["correct"] for o in options]
            flags = [not f for f in flags] if kind != "single" else flags[-1:] + flags[:-1]
            body["options"] = [dict(o, correct=f) for o, f in zip(options, flags, strict=True)]
        elif kind == "ordering":
            body["options"] = list(reversed(body["options"]))  # the right order is now the reverse
        elif kind == "matching":
            pairs = [dict(p) for p in body["pairs"]]
            pairs[0]["right"], pairs[1]["right"] = pairs[1]["right"], pairs[0]["right"]
            body["pairs"] = pairs
            order = list(item.display_order)  # rights are shown by pair id: swap the ids too, same page
            i, j = order.index(pairs[0]["id"]), order.index(pairs[1]["id"])
            order[i], order[j] = order[j], order[i]
            item.display_order = order
        elif kind == "numeric":
            body["numeric"] = dict(body["numeric"], value=4321.0, tolerance=2.0)
        version.body = body
        version.explanation = "OTHEREXPLANATION"
        version.references = ["OTHERREFERENCE"]
        # As every writer of a version does: its fingerprint follows its content (pinned drafts key on it).
        version.content_hash = content_hash(draft_of(version))
    db.session.commit()


def test_no_page_json_or_comment_before_submission_reveals_the_key(
        app, db, client, login_as, leak_bank, clock, figure):
    login_as("trainee")
    started = client.post("/trainee/modules/LK/start")
    attempt_id = int(re.search(r"/attempts/(\d+)/q/1$", started.headers["Location"]).group(1))
    urls = ["/trainee/", "/trainee/modules/LK", "/trainee/certification", f"/trainee/attempts/{attempt_id}",
            f"/trainee/attempts/{attempt_id}/result", *[f"/trainee/attempts/{attempt_id}/q/{p}" for p in range(1, 7)]]

    def snapshot() -> dict[str, str]:
        return {url: _normalised(client.get(url).get_data(as_text=True)) for url in urls}

    before = snapshot()
    kinds = {db.session.get(QuestionVersion, i.question_version_id).qtype.value
             for i in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))}
    _swap_every_key(db, attempt_id)
    after = snapshot()
    changed = [url for url in urls if before[url] != after[url]]

    replies = []
    for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).all():
        for wrong in (False, True):
            reply = client.post(f"/trainee/attempts/{attempt_id}/q/{item.position}",
                                data=answer_form(item, wrong=wrong), headers={"X-Autosave": "1"})
            replies.append(reply.get_data(as_text=True))
    replies.append(client.post(f"/trainee/attempts/{attempt_id}/q/1", data={"choice": "9"},
                               headers={"X-Autosave": "1"}).get_data(as_text=True))
    pages_after_answers = snapshot()

    outputs = [*before.values(), *pages_after_answers.values(), *replies]
    hits = [(s, n) for n, text in enumerate(outputs) for s in (*SENTINELS, "OTHER") if s in text]
    comments = [c for text in outputs for c in _comments(text)]
    client.post(f"/trainee/attempts/{attempt_id}/submit")
    review = client.get(f"/trainee/attempts/{attempt_id}/result").get_data(as_text=True)
    figure(f"answer key secrecy: types={len(kinds)} pages={len(urls)} changed_by_key_swap={len(changed)} "
           f"json_replies={len(replies)} sentinel_hits={len(hits)} html_comments={len(comments)} "
           f"explanation_after_submit={'OTHEREXPLANATION' in review}")
    assert kinds == {"single", "multiple", "truefalse", "ordering", "matching", "numeric"}
    assert changed == [], f"these pages depend on the key: {changed}"
    assert hits == []
    assert [c for c in comments if any(s in c for s in (*SENTINELS, "correct", "key", "answer"))] == []
    assert "OTHEREXPLANATION" in review and "OTHERREFERENCE" in review, "the review shows them: the search works"
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).status.value == "graded"
