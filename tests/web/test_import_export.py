"""Importing and exporting question files through the pages and the shell."""

from __future__ import annotations

import io
import re
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from quizbank.extensions import db as database
from quizbank.models import Question, QuestionVersion, VersionStatus

SAMPLES = Path(__file__).resolve().parents[1] / "formats" / "samples"


def question_count() -> int:
    database.session.expire_all()
    return database.session.scalar(select(func.count(Question.id))) or 0


def upload(client, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post("/instructor/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_moodle_export_shows_a_dry_run_then_imports_drafts_all_at_once(client, login_as, small_bank):
    login_as("instructor")
    before = question_count()
    response = upload(client, "moodle.xml", (SAMPLES / "moodle_export.xml").read_bytes())
    assert response.status_code == 302
    plan_url = response.headers["Location"]
    page = client.get(plan_url).get_data(as_text=True)
    assert "Moodle XML" in page and "refused" in page
    assert "essay" in page.lower() and "shortanswer" in page.lower()  # reported by name, not dropped
    assert question_count() == before  # nothing written by the dry run
    batch_id = int(plan_url.rsplit("/", 1)[1])
    client.post(plan_url, data={"default_competency": "TST-01"})
    page = client.get(plan_url).get_data(as_text=True)
    creating = int(re.search(r"<strong>(\d+)</strong> to create", page).group(1))
    assert creating > 0
    client.post(f"/instructor/import/{batch_id}/confirm")
    assert question_count() == before + creating
    imported = database.session.scalars(select(QuestionVersion).where(QuestionVersion.origin == "import")).all()
    assert imported and all(v.status is VersionStatus.DRAFT for v in imported)
    again = client.post(f"/instructor/import/{batch_id}/confirm", follow_redirects=True)
    assert "imported already" in again.get_data(as_text=True) and question_count() == before + creating


def test_our_export_re_imports_unchanged(client, login_as, small_bank):
    login_as("instructor")
    for fmt in ("qti", "moodle_xml", "native"):
        exported = client.get(f"/instructor/export?format={fmt}&module=TST")
        assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
        plan_url = upload(client, f"tst.{fmt}", exported.data).headers["Location"]
        page = client.get(plan_url).get_data(as_text=True)
        assert "<strong>0</strong> to create" in page and "9 unchanged" in page, fmt


def test_unreadable_and_oversized_uploads_get_clear_errors(app, client, login_as, small_bank):
    login_as("instructor")
    junk = upload(client, "notes.docx", b"PK\x03\x04 not really a package")
    assert junk.status_code == 200 and "no format we read" in junk.get_data(as_text=True)
    broken = upload(client, "broken.xml", b'<?xml version="1.0"?><quiz><question type="multichoice"><name>')
    page = client.get(broken.headers["Location"]).get_data(as_text=True) if broken.status_code == 302 else \
        broken.get_data(as_text=True)
    assert "not well-formed" in page.lower() or "no format we read" in page or "malformed" in page.lower()
    garbage = client.post("/instructor/import", data={"file": (io.BytesIO(b"\x00\x01\x02"), "x.bin")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "no format we read" in garbage.get_data(as_text=True)
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        too_big = upload(client, "big.gift", b"::Q:: x {T}\n\n" * 500)
        assert too_big.status_code == 413 and "larger than this site accepts" in too_big.get_data(as_text=True)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved


def test_export_of_a_selection_and_formats_that_cannot_hold_it(client, login_as, small_bank):
    login_as("instructor")
    ids = [str(q.id) for q in database.session.scalars(select(Question).order_by(Question.external_id).limit(2))]
    selected = client.post("/instructor/export", data={"format": "gift", "ids": ids})
    assert selected.status_code == 200 and selected.data.count(b"\"id\": \"TST-000") == 2
    refused = client.get("/instructor/export?format=aiken&module=TST", follow_redirects=True)
    assert "cannot hold this selection" in refused.get_data(as_text=True)


def test_cli_import_dry_run_then_apply_and_export(app, db, small_bank, tmp_path):
    runner = CliRunner()
    sample = str(SAMPLES / "bank.gift")
    dry = runner.invoke(app.cli, ["quizbank", "import", sample, "--default-competency", "TST-02", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "to create" in dry.output
    before = question_count()
    applied = runner.invoke(app.cli, ["quizbank", "import", sample, "--default-competency", "TST-02"])
    assert applied.exit_code == 0, applied.output
    assert "Imported as drafts" in applied.output and question_count() > before
    out = tmp_path / "tst.xml"
    exported = runner.invoke(app.cli, ["quizbank", "export", "--format", "moodle_xml", "--module", "TST",
                                       "-o", str(out)])
    assert exported.exit_code == 0 and out.read_bytes().startswith(b"<?xml")
    bad = runner.invoke(app.cli, ["quizbank", "export", "--format", "nope", "--module", "TST"])
    assert bad.exit_code != 0 and "Unknown format" in bad.output
