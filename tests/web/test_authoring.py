"""Instructors write, review, publish, version and retire questions in the browser."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from quizbank.extensions import db as database
from quizbank.models import Attempt, Question, QuestionVersion, VersionStatus
from tests.conftest import answer_everything_correctly
from tests.html_safety import live_script


def question_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "competency": "TST-01", "qtype": "single", "difficulty": "medium",
        "stem": "Which layer lies deepest when a needle approaches the lung over a rib?",
        "options-0-text": "Parietal pleura", "options-0-correct": "y",
        "options-0-feedback": "Yes: last before the lung.",
        "options-1-text": "Endothoracic fascia", "options-2-text": "Intercostal muscle", "options-3-text": "Skin",
        "explanation": "The parietal pleura is the last layer before the pleural space.",
        "references": "Standring S (ed). 2020. Gray's Anatomy, 42nd ed. Elsevier.",
        "answer": "true", "scoring": "all_or_nothing",
    }
    data.update(overrides)
    return data


def create(client, **overrides: object) -> int:  # type: ignore[no-untyped-def]
    response = client.post("/instructor/questions/new", data=question_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/questions/(\d+)", response.headers["Location"]).group(1))


def latest(question_id: int) -> QuestionVersion:
    database.session.expire_all()  # requests commit in their own sessions
    return database.session.get(Question, question_id).versions[-1]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"options-1-correct": "y"}, "exactly one key"),
    ({"options-1-text": "Parietal pleura"}, "option repeated"),
    ({"options-3-text": "All of the above"}, "all/none of the above"),
    ({"qtype": "numeric"}, "numeric question needs an answer"),
    ({"qtype": "matching", "pairs-0-left": "Radial nerve", "pairs-0-right": "Spiral groove"}, "at least two pairs"),
    ({"stem": ""}, "This field is required"),
    ({"competency": "NOPE-01"}, "Not a valid choice"),
])
def test_every_rule_is_shown_beside_its_field(client, login_as, small_bank, overrides, message):
    login_as("instructor")
    page = client.post("/instructor/questions/new", data=question_form(**overrides)).get_data(as_text=True)
    assert message.lower() in page.lower()
    assert "invalid-feedback" in page
    assert database.session.scalar(select(Question).where(Question.external_id == "TST-0010")) is None


def test_every_type_can_be_created(client, login_as, small_bank):
    login_as("instructor")
    create(client, qtype="multiple", **{"options-1-correct": "y"}, scoring="partial")
    create(client, qtype="truefalse", answer="false")
    create(client, qtype="ordering", stem="Order the needlestick steps from first to last, please.")
    create(client, qtype="matching", stem="Match each nerve to where it is most exposed to a needle.",
           **{"pairs-0-left": "Radial", "pairs-0-right": "Spiral groove", "pairs-1-left": "Common fibular",
              "pairs-1-right": "Fibular neck"})
    create(client, qtype="numeric", stem="By how many centimetres did a shoulder bolster increase depth?",
           numeric_value="0.7", numeric_tolerance="0.1", numeric_unit="cm")
    types = [latest(q.id).qtype.value for q in database.session.scalars(
        select(Question).where(Question.external_id > "TST-0009").order_by(Question.external_id))]
    assert types == ["multiple", "truefalse", "ordering", "matching", "numeric"]


def test_submitting_needs_an_explanation_and_a_reference(client, login_as, small_bank):
    login_as("instructor")
    qid = create(client, explanation="", references="")
    response = client.post(f"/instructor/versions/{latest(qid).id}/submit", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Not ready for review" in page and "explanation is required" in page
    assert latest(qid).status is VersionStatus.DRAFT


def test_four_eyes_the_author_cannot_publish_but_another_instructor_can(app, client, login_as, make_user, login,
                                                                       small_bank):
    login_as("instructor")
    qid = create(client)
    version_id = latest(qid).id
    client.post(f"/instructor/versions/{version_id}/submit")
    refused = client.post(f"/instructor/versions/{version_id}/publish", follow_redirects=True)
    assert "authors cannot publish their own" in refused.get_data(as_text=True)
    assert latest(qid).status is VersionStatus.IN_REVIEW
    reviewer = app.test_client()
    login(make_user("instructor"), c=reviewer)
    reviewer.post(f"/instructor/versions/{version_id}/publish")
    assert latest(qid).status is VersionStatus.PUBLISHED


def test_return_to_draft_needs_a_comment_and_keeps_it(app, client, login_as, make_user, login, small_bank):
    login_as("instructor")
    qid = create(client)
    version_id = latest(qid).id
    client.post(f"/instructor/versions/{version_id}/submit")
    reviewer = app.test_client()
    login(make_user("instructor"), c=reviewer)
    assert "comment is required" in reviewer.post(f"/instructor/versions/{version_id}/return", data={"comment": ""},
                                                  follow_redirects=True).get_data(as_text=True)
    reviewer.post(f"/instructor/versions/{version_id}/return", data={"comment": "Distractor C is also defensible."})
    page = client.get(f"/instructor/questions/{qid}").get_data(as_text=True)
    assert "Distractor C is also defensible." in page and latest(qid).status is VersionStatus.DRAFT


def test_editing_a_published_question_starts_a_draft_and_past_attempts_keep_their_version(
        app, client, login_as, make_user, login, small_bank):
    trainee_client = app.test_client()
    login(make_user("trainee"), c=trainee_client)
    start = trainee_client.post("/trainee/modules/TST/start")
    attempt_id = int(re.search(r"/attempts/(\d+)/", start.headers["Location"]).group(1))
    answer_everything_correctly(trainee_client, attempt_id)
    trainee_client.post(f"/trainee/attempts/{attempt_id}/submit")
    review_before = trainee_client.get(f"/trainee/attempts/{attempt_id}/result").get_data(as_text=True)
    score_before = database.session.get(Attempt, attempt_id).score

    login_as("instructor")
    singles = select(Question).join(QuestionVersion).where(QuestionVersion.qtype == "single")
    for question in database.session.scalars(singles):
        published = latest(question.id)
        response = client.get(f"/instructor/questions/{question.id}/edit")
        assert response.status_code == 200
        data = question_form(competency=published.competency.code, qtype=published.qtype.value,
                             stem=published.stem + " (revised)", explanation="Rewritten explanation.")
        saved = client.post(f"/instructor/questions/{question.id}/edit", data=data)
        assert saved.status_code == 302, re.findall(r'invalid-feedback[^>]*>([^<]*)', saved.get_data(as_text=True))
        database.session.expire_all()
        versions = database.session.get(Question, question.id).versions
        assert [v.status for v in versions] == [VersionStatus.PUBLISHED, VersionStatus.DRAFT]
    assert database.session.get(Attempt, attempt_id).score == score_before
    review_after = trainee_client.get(f"/trainee/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "(revised)" not in review_after and "Rewritten explanation" not in review_after
    assert review_after.count("review-item") == review_before.count("review-item")


PAYLOADS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '[click](javascript:alert(1))',
            '<a href="javascript:alert(1)">x</a>', '<svg onload=alert(1)>', '{{7*7}}']


def test_script_and_event_handler_payloads_in_a_stem_render_inert(client, login_as, small_bank):
    login_as("instructor")
    qid = create(client, stem="Stem " + " ".join(PAYLOADS), **{"options-1-text": "<b onmouseover=alert(1)>B</b>"})
    page = client.get(f"/instructor/questions/{qid}").get_data(as_text=True)
    assert live_script(page) == []
    assert "{{7*7}}" in page and ">49<" not in page


def test_images_are_checked_by_content_and_served_with_their_real_type(client, login_as, small_bank):
    login_as("instructor")
    fake = client.post("/instructor/questions/new", data={**question_form(),
                       "image": (io.BytesIO(b"<html><script>x</script></html>"), "figure.png")},
                       content_type="multipart/form-data")
    assert "not a PNG, JPEG or WebP" in fake.get_data(as_text=True)
    png = io.BytesIO()
    PILImage.new("RGB", (8, 8), "red").save(png, "PNG")
    ok = client.post("/instructor/questions/new", data={**question_form(),
                     "image": (io.BytesIO(png.getvalue()), "figure.jpg")}, content_type="multipart/form-data")
    assert ok.status_code == 302
    qid = int(re.search(r"/questions/(\d+)", ok.headers["Location"]).group(1))
    image = latest(qid).image
    served = client.get(f"/media/{image.sha256}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]


def test_bulk_retire_asks_for_confirmation_first(client, login_as, small_bank):
    login_as("instructor")
    ids = [str(q.id) for q in database.session.scalars(select(Question).limit(2))]
    confirm = client.post("/instructor/questions/bulk", data={"ids": ids, "action": "retire"})
    assert confirm.status_code == 200 and "Retire 2 question(s)?" in confirm.get_data(as_text=True)
    assert all(latest(int(i)).status is VersionStatus.PUBLISHED for i in ids)
    client.post("/instructor/questions/bulk", data={"ids": ids, "action": "retire", "confirmed": "1"})
    assert all(latest(int(i)).status is VersionStatus.RETIRED for i in ids)


def test_history_shows_a_readable_diff(client, login_as, small_bank):
    login_as("instructor")
    question = database.session.scalar(select(Question).where(Question.external_id == "TST-0001"))
    published = latest(question.id)
    client.post(f"/instructor/questions/{question.id}/edit",
                data=question_form(competency="TST-01", stem=published.stem, explanation="A better explanation."))
    page = client.get(f"/instructor/questions/{question.id}/history").get_data(as_text=True)
    assert "diff-removed" in page and "diff-added" in page and "A better explanation." in page


def test_bank_list_filters_and_shows_coverage(client, login_as, small_bank):
    login_as("instructor")
    page = client.get("/instructor/questions?module=TST&type=numeric").get_data(as_text=True)
    assert "TST-0009" in page and "TST-0001" not in page and "TST-01 5/3" in page
    assert "(1)" in page


def test_reloading_the_files_never_overwrites_a_browser_edit(client, login_as, small_bank, tmp_path):
    from quizbank.services.bank_loading import load_banks
    from tests.conftest import small_bank_yaml

    login_as("instructor")
    question = database.session.scalar(select(Question).where(Question.external_id == "TST-0002"))
    client.post(f"/instructor/questions/{question.id}/edit",
                data=question_form(competency="TST-01", explanation="Edited in the browser."))
    path = tmp_path / "tst.yaml"
    path.write_text(small_bank_yaml().replace("Because of reason 2.", "Changed in the file."))
    report = load_banks([path])
    assert report.conflicts == ["TST-0002"]
    database.session.expire_all()
    versions = database.session.get(Question, question.id).versions
    assert [v.origin for v in versions] == ["file", "web", "file"]
    assert "Edited in the browser." in versions[1].explanation and "Changed in the file." in versions[2].explanation
