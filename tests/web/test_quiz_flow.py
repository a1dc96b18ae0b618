"""A trainee takes a quiz through the pages."""

from __future__ import annotations

import re

from quizbank.domain.types import ReviewPolicy
from quizbank.extensions import db as database
from quizbank.models import Attempt, Module
from tests.conftest import answer_everything_correctly


def _start(client) -> int:  # type: ignore[no-untyped-def]
    response = client.post("/trainee/modules/TST/start")
    assert response.status_code == 302
    return int(re.search(r"/attempts/(\d+)/q/1", response.headers["Location"]).group(1))


def test_trainee_answers_everything_correctly_submits_and_sees_the_review(client, login_as, small_bank):
    login_as("trainee")
    attempt_id = _start(client)
    answer_everything_correctly(client, attempt_id)
    overview = client.get(f"/trainee/attempts/{attempt_id}").get_data(as_text=True)
    assert "6 of 6 answered" in overview
    assert client.post(f"/trainee/attempts/{attempt_id}/submit").status_code == 302
    page = client.get(f"/trainee/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "100%" in page and "Passed" in page
    assert page.count("review-item") == 6 and "Because of reason" in page and "Journal 1:1-2" in page
    dashboard = client.get("/trainee/").get_data(as_text=True)
    assert "1 of 1 modules passed" in dashboard


def test_failed_critical_rule_is_named_on_the_result(client, login_as, small_bank):
    login_as("trainee")
    attempt_id = _start(client)
    answer_everything_correctly(client, attempt_id, wrong=True)
    client.post(f"/trainee/attempts/{attempt_id}/submit")
    page = client.get(f"/trainee/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Not passed" in page and "below the pass mark" in page


def test_no_page_before_submission_contains_the_key_or_explanation(client, login_as, small_bank):
    login_as("trainee")
    attempt_id = _start(client)
    pages = [client.get(f"/trainee/attempts/{attempt_id}/q/{n}").get_data(as_text=True) for n in range(1, 7)]
    pages.append(client.get(f"/trainee/attempts/{attempt_id}").get_data(as_text=True))
    pages.append(client.post(f"/trainee/attempts/{attempt_id}/q/1", data={"choice": "0"},
                             headers={"X-Autosave": "1"}).get_data(as_text=True))
    for html in pages:
        assert "FEEDBACKSENTINEL" not in html
        assert "Because of reason" not in html
        assert "correct" not in html.lower().replace("answered correctly", "")
        assert "19 ± 1" not in html


def test_another_trainees_attempt_is_a_404_on_every_page(app, client, login_as, make_user, login, small_bank):
    login_as("trainee")
    attempt_id = _start(client)
    intruder = app.test_client()
    login(make_user("trainee"), c=intruder)
    base = f"/trainee/attempts/{attempt_id}"
    for method, url in [("GET", base), ("GET", f"{base}/q/1"), ("POST", f"{base}/q/1"), ("POST", f"{base}/submit"),
                        ("GET", f"{base}/result")]:
        assert intruder.open(url, method=method, data={"choice": "0"}).status_code == 404, url


def test_autosave_answers_in_json_and_the_answer_survives_a_reload(client, login_as, small_bank):
    login_as("trainee")
    attempt_id = _start(client)
    response = client.post(f"/trainee/attempts/{attempt_id}/q/2", data={"flagged": "1"}, headers={"X-Autosave": "1"})
    assert response.get_json() == {"saved": True}
    page = client.get(f"/trainee/attempts/{attempt_id}").get_data(as_text=True)
    assert "1 flagged for review" in page


def test_a_tampered_answer_gets_a_clear_error(client, login_as, small_bank):
    login_as("trainee")
    attempt_id = _start(client)
    response = client.post(f"/trainee/attempts/{attempt_id}/q/1", data={"choice": "42", "number": "x" * 50,
                                                                         "pos_0": "9", "match_0": "77"},
                           headers={"X-Autosave": "1"})
    assert (response.status_code == 400 and "not one of the choices" in response.get_json()["error"]) or \
        "too long" in response.get_json()["error"] or "position" in response.get_json()["error"]


def test_review_policy_after_pass_withholds_answers_from_a_failed_attempt(client, login_as, small_bank):
    database.session.query(Module).filter_by(code="TST").update({"review_policy": ReviewPolicy.AFTER_PASS})
    database.session.commit()
    login_as("trainee")
    attempt_id = _start(client)
    client.post(f"/trainee/attempts/{attempt_id}/submit")
    page = client.get(f"/trainee/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "shown once you pass" in page and "Because of reason" not in page


def test_mass_assignment_fields_are_ignored(client, login_as, small_bank):
    login_as("trainee")
    attempt_id = _start(client)
    client.post(f"/trainee/attempts/{attempt_id}/q/1", data={"choice": "0", "score": "1", "status": "graded",
                                                              "user_id": "1", "deadline_at": "2099-01-01"})
    attempt = database.session.get(Attempt, attempt_id)
    assert attempt.status.value == "in_progress" and attempt.score is None


def test_dashboard_lists_modules_and_start_button(client, login_as, small_bank):
    login_as("trainee")
    page = client.get("/trainee/").get_data(as_text=True)
    assert "TST · Test module" in page and "Start TST quiz" in page and "0 of 1 modules passed" in page
