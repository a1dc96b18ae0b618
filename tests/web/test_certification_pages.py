"""Certification through the pages: verification, dashboard, CSV, trainee file, confirmed actions."""

from __future__ import annotations

import csv
import io
import statistics
import time
from datetime import timedelta

import pytest

from quizbank.models import utcnow
from quizbank.services import certification, tracks


@pytest.fixture
def track(db, small_bank):  # type: ignore[no-untyped-def]
    return tracks.save_track(tracks.TrackSpec(
        code="TST-TRACK", name="Test practitioner", description="", validity_months=12, module_codes=("TST",),
        skills=(("PRAC-01", "Pincer palpation"),)), actor_id=None)


@pytest.fixture
def certified(db, make_user, track):  # type: ignore[no-untyped-def]
    admin = make_user("admin")
    trainee = make_user(name="Zoë Holder", email="zoe@example.org")
    cert = certification.grant(actor_id=admin.id, user_id=trainee.id, track_id=track.id,
                               reason="Prior certification recognised", now=utcnow())
    return trainee, cert


def test_verification_page_shows_only_public_facts(client, certified):
    _trainee, cert = certified
    page = client.get(f"/verify/{cert.verification_code}").get_data(as_text=True)
    assert "Zoë Holder" in page and "Test practitioner" in page and "Valid" in page and cert.reference in page
    assert "zoe@example.org" not in page and "Prior certification" not in page
    data = client.get(f"/verify/{cert.verification_code}.json").get_json()
    assert data["status"] == "valid" and data["holder"] == "Zoë Holder" and "email" not in data


def test_unknown_code_is_a_plain_not_found_in_html_and_json(client, track):
    page = client.get("/verify/not-a-code")
    assert page.status_code == 404 and "Certificate not found" in page.get_data(as_text=True)
    data = client.get("/verify/not-a-code.json")
    assert data.status_code == 404 and data.get_json() == {"found": False, "message": "not found"}


def test_unknown_and_known_codes_take_the_same_time(app, client, certified):
    _trainee, cert = certified

    def timed(code: str) -> float:
        start = time.perf_counter()
        client.get(f"/verify/{code}")
        return time.perf_counter() - start

    known = [timed(cert.verification_code) for _ in range(7)]
    unknown = [timed("zz" + cert.verification_code[2:]) for _ in range(7)]
    floor = app.config.get("VERIFY_MIN_SECONDS", 0.08)
    assert min(known) >= floor and min(unknown) >= floor
    # Medians within 25% of each other: the floor dominates both paths.
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.25 * floor + 0.01


def test_revocation_goes_through_a_confirmation_page_and_shows_publicly_at_once(client, login_as, certified):
    _trainee, cert = certified
    login_as("admin")
    confirm = client.get(f"/admin/certificates/{cert.id}/revoke")
    assert confirm.status_code == 200 and "permanent" in confirm.get_data(as_text=True)
    missing = client.post(f"/admin/certificates/{cert.id}/revoke", data={"reason": ""})
    assert missing.status_code == 200 and "This field is required" in missing.get_data(as_text=True)
    assert "Valid" in client.get(f"/verify/{cert.verification_code}").get_data(as_text=True)
    done = client.post(f"/admin/certificates/{cert.id}/revoke", data={"reason": "Practised outside scope"})
    assert done.status_code == 302
    page = client.get(f"/verify/{cert.verification_code}").get_data(as_text=True)
    assert "Revoked" in page and "since" in page
    assert client.get(f"/admin/certificates/{cert.id}/explode").status_code == 404


def test_dashboard_filters_search_and_paginates(client, login_as, make_user, track, certified):
    for n in range(30):
        make_user(name=f"Bulk Trainee {n:02d}")
    login_as("admin")
    page = client.get(f"/admin/certification?track={track.id}").get_data(as_text=True)
    assert "Page 1 of 2" in page and "PRAC-01" in page
    assert "Zoë Holder" in client.get(f"/admin/certification?track={track.id}&status=certified").get_data(as_text=True)
    only_certified = client.get(f"/admin/certification?track={track.id}&status=certified").get_data(as_text=True)
    assert "Bulk Trainee" not in only_certified
    searched = client.get(f"/admin/certification?track={track.id}&q=bulk trainee 07").get_data(as_text=True)
    assert "Bulk Trainee 07" in searched and "Bulk Trainee 08" not in searched
    expiring = client.get(f"/admin/certification?track={track.id}&expiring=400").get_data(as_text=True)
    assert "Zoë Holder" in expiring
    assert "Zoë Holder" not in client.get(f"/admin/certification?track={track.id}&expiring=30").get_data(as_text=True)


def test_csv_export_neutralises_formula_cells(client, login_as, make_user, track):
    make_user(name="=HYPERLINK(\"http://evil\",\"x\")", email="formula@example.org")
    make_user(name="+1+1", email="plus@example.org")
    login_as("admin")
    response = client.get(f"/admin/certification.csv?track={track.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    names = [r[0] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in names and "'+1+1" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_admin_trainee_page_lists_certificates_and_audit(client, login_as, certified):
    trainee, cert = certified
    login_as("admin")
    page = client.get(f"/admin/trainees/{trainee.id}").get_data(as_text=True)
    assert cert.reference in page and "certificate.grant" in page


def test_grant_from_the_trainee_page_needs_a_reason(client, login_as, make_user, track):
    trainee = make_user()
    login_as("admin")
    refused = client.post(f"/admin/trainees/{trainee.id}/grant", data={"track": track.id, "reason": ""})
    assert "This field is required" in refused.get_data(as_text=True)
    granted = client.post(f"/admin/trainees/{trainee.id}/grant", data={"track": track.id, "reason": "Equivalence"})
    assert granted.status_code == 302


def test_instructor_signs_off_the_last_requirement_and_the_trainee_sees_the_certificate(
        app, client, login_as, make_user, login, track):
    from quizbank.extensions import db as database
    from quizbank.models import TrackSkill

    trainee = make_user()
    login_as("instructor")
    skill = database.session.scalar(database.select(TrackSkill))
    client.post(f"/instructor/trainees/{trainee.id}", data={
        "signoff-skill": skill.id, "signoff-observed_on": (utcnow() - timedelta(days=1)).date().isoformat(),
        "signoff-outcome": "passed", "signoff-notes": "Clean technique", "signoff-submit": "1"})
    trainee_client = app.test_client()
    login(trainee, c=trainee_client)
    page = trainee_client.get("/trainee/certification").get_data(as_text=True)
    assert "1 of 2 requirements met" in page and "Pass module TST" in page


def test_audit_log_filters(client, login_as, certified):
    login_as("admin")
    page = client.get("/admin/audit?action=certificate.").get_data(as_text=True)
    assert "certificate.grant" in page and "user.create" not in page
    assert "No event matches" in client.get("/admin/audit?from=2001-01-01&to=2001-01-02").get_data(as_text=True)
    assert client.get("/admin/audit?from=garbage").status_code == 200


def test_track_editor_validates_and_saves(client, login_as, small_bank):
    login_as("admin")
    bad = client.post("/admin/tracks/new", data={"code": "NEW", "name": "New", "modules": ["TST"],
                                                 "skills": "no colon here", "validity_months": 12,
                                                 "supervised_hours": 0, "renewal_ce_hours": 0})
    assert "CODE: title" in bad.get_data(as_text=True)
    ok = client.post("/admin/tracks/new", data={"code": "NEW", "name": "New track", "modules": ["TST"],
                                                "skills": "PRAC-09: Something observed", "validity_months": 12,
                                                "supervised_hours": 0, "renewal_ce_hours": 0, "active": "y"})
    assert ok.status_code == 302
    assert "New track" in client.get("/admin/tracks").get_data(as_text=True)


def test_csv_streams_every_row_of_the_view_across_chunks_in_the_dashboards_order(db, make_user, track, certified):
    from quizbank.services import cert_dashboard

    for n in range(7):
        make_user(name=f"Chunked Trainee {n}")
    query = cert_dashboard.DashboardQuery(track_id=track.id, sort="name", per_page=100)
    _track, page = cert_dashboard.dashboard(query, utcnow())
    chunks = list(cert_dashboard.csv_lines(query, utcnow(), chunk=3))
    rows = list(csv.reader(io.StringIO("".join(chunks))))
    assert len(chunks) >= 1 + 3  # the header, then at least three chunks of three rows or fewer
    assert rows[0][:3] == ["name", "email", "status"]
    assert [r[1] for r in rows[1:]] == [row.email for row in page.items]
    assert len(rows) - 1 == page.total >= 8
