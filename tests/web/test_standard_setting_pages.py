"""A two-round Angoff study through the pages, and adoption of its cut score by an admin."""

from __future__ import annotations

from sqlalchemy import select

from quizbank.extensions import db as database
from quizbank.models import AuditEvent, Module, StandardSettingStudy


def test_two_rounds_compute_a_cut_and_an_admin_adopts_it(app, client, login_as, make_user, login, small_bank):
    owner = login_as("instructor")
    second = make_user("instructor")
    opened = client.post("/instructor/standard-setting", data={"module": "TST", "panel": [owner.id, second.id]})
    assert opened.status_code == 302
    study = database.session.scalar(select(StandardSettingStudy))
    assert len(study.version_ids) == 6
    other = app.test_client()
    login(second, c=other)
    for rater, value in ((client, 60), (other, 80)):
        rater.post(f"/instructor/standard-setting/{study.id}", data={f"rating-{v}": value for v in study.version_ids})
    page = client.get(f"/instructor/standard-setting/{study.id}").get_data(as_text=True)
    assert "Recommended cut score" in page and "70%" in page
    client.post(f"/instructor/standard-setting/{study.id}", data={"step": "advance"})
    page = client.get(f"/instructor/standard-setting/{study.id}").get_data(as_text=True)
    assert "Panel, round 1: mean 70%" in page

    admin = app.test_client()
    login(make_user("admin"), c=admin)
    assert "changes from 60% to" in admin.get(f"/admin/standard-setting/{study.id}/adopt").get_data(as_text=True)
    admin.post(f"/admin/standard-setting/{study.id}/adopt")
    database.session.expire_all()
    assert database.session.scalar(select(Module.pass_mark_percent).where(Module.code == "TST")) == 70
    assert database.session.scalar(select(AuditEvent).where(AuditEvent.action == "module.pass_mark")) is not None


def test_only_the_panel_rates_and_bad_ratings_are_refused(app, client, login_as, make_user, login, small_bank):
    owner = login_as("instructor")
    second = make_user("instructor")
    client.post("/instructor/standard-setting", data={"module": "TST", "panel": [owner.id, second.id]})
    study = database.session.scalar(select(StandardSettingStudy))
    outsider = app.test_client()
    login(make_user("instructor"), c=outsider)
    refused = outsider.post(f"/instructor/standard-setting/{study.id}", data={f"rating-{study.version_ids[0]}": 50},
                            follow_redirects=True)
    assert "Only the study" in refused.get_data(as_text=True) and "panel rates" in refused.get_data(as_text=True)
    bad = client.post(f"/instructor/standard-setting/{study.id}", data={f"rating-{study.version_ids[0]}": 150},
                      follow_redirects=True)
    assert "from 0 to 100" in bad.get_data(as_text=True)
    early = client.post(f"/instructor/standard-setting/{study.id}", data={"step": "advance"}, follow_redirects=True)
    assert "Every panellist must rate every item" in early.get_data(as_text=True)
    assert "at least two" in client.post("/instructor/standard-setting", data={"module": "TST", "panel": [owner.id]},
                                         follow_redirects=True).get_data(as_text=True)
