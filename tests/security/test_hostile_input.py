"""Every payload of tests/security/payloads.py in every field a person can fill in, rendered in every
view that shows that field: no live script, event handler or javascript: URL after parsing the HTML,
and no template is ever evaluated ({{7*7}} stays literal).

The world is built once per module on a database of its own: one entity per payload for each kind of
field (trainees, cohorts, questions with their options/feedback/explanations/references, review
comments, tracks and skills, certificates with grant and revocation reasons, sign-off notes, hours
notes, extra-attempt reasons, an import file), then each view is opened for each entity.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import answer_form
from tests.html_safety import live_script
from tests.security.payloads import PAYLOADS, evaluated_template
from tests.security.support import PASSWORD, add_accounts, committing_app

pytestmark = pytest.mark.slow

N = len(PAYLOADS)
WORDS = ["amber", "basalt", "cedar", "dune", "ember", "fjord", "glacier", "harbour", "island", "jasper", "kelp",
         "lagoon", "meadow", "nectar", "orchard", "prairie", "quartz", "river", "summit", "tundra", "upland",
         "valley", "willow", "yarrow", "zephyr"]
TYPES = ["single", "multiple", "truefalse", "ordering", "matching", "numeric"]


def _words(i: int) -> str:
    """Words unique to item i, so the bank checker sees no near-duplicate stems."""
    return " ".join(f"{WORDS[(i + k * 7) % len(WORDS)]}{i}x{k}" for k in range(5))


def _question(i: int, payload: str) -> dict:  # type: ignore[type-arg]
    kind = TYPES[i % len(TYPES)]
    entry: dict = {"id": f"XSS-{i + 1:04d}", "competency": "XSS-01", "type": kind, "difficulty": "medium",  # type: ignore[type-arg]
                   "title": payload, "stem": f"Case {_words(i)}.\n\n{payload}", "explanation": payload,
                   "references": [payload, f"Reference {i}."]}
    if kind == "single":
        entry["options"] = [{"text": payload, "correct": True, "feedback": payload},
                            {"text": f"other {i} b", "feedback": payload}, f"other {i} c", f"other {i} d"]
    elif kind == "multiple":
        entry["options"] = [{"text": payload, "correct": True, "feedback": payload},
                            {"text": f"second key {i}", "correct": True}, f"other {i} c", f"other {i} d"]
    elif kind == "truefalse":
        entry["answer"] = True
    elif kind == "ordering":
        entry["steps"] = [payload, f"step {i} two", f"step {i} three"]
    elif kind == "matching":
        entry["pairs"] = [{"left": payload, "right": f"right {i} a"}, {"left": f"left {i} b", "right": payload},
                          {"left": f"left {i} c", "right": f"right {i} c"}]
    else:
        entry.update(answer=3, tolerance=0, unit=payload[:20])
    return entry


def hostile_bank() -> str:
    return yaml.safe_dump({
        "module": {"code": "XSS", "title": PAYLOADS[0], "description": PAYLOADS[1], "pass_mark": 50,
                   "form_length": N, "time_limit_minutes": 600, "attempts_allowed": 5, "wait_hours": 0,
                   "review_policy": "after_attempt", "require_all_critical": False, "competency_min_percent": 0,
                   "blueprint": {"XSS-01": N}},
        "competencies": {"XSS-01": PAYLOADS[2]},
        "questions": [_question(i, p) for i, p in enumerate(PAYLOADS)],
    }, allow_unicode=True, sort_keys=False)


def moodle_file() -> bytes:
    """A Moodle XML export whose names, texts, answers, feedback and categories are all payloads."""
    quiz = ElementTree.Element("quiz")
    category = ElementTree.SubElement(quiz, "question", type="category")
    ElementTree.SubElement(ElementTree.SubElement(category, "category"), "text").text = "$course$/" + PAYLOADS[3]
    for i, payload in enumerate(PAYLOADS):
        question = ElementTree.SubElement(quiz, "question", type="multichoice")
        ElementTree.SubElement(ElementTree.SubElement(question, "name"), "text").text = payload
        text = ElementTree.SubElement(question, "questiontext", format="html")
        ElementTree.SubElement(text, "text").text = f"Imported {_words(i)} {payload}"
        feedback = ElementTree.SubElement(question, "generalfeedback", format="html")
        ElementTree.SubElement(feedback, "text").text = payload
        ElementTree.SubElement(question, "single").text = "true"
        for n, fraction in enumerate(("100", "0", "0", "0")):
            answer = ElementTree.SubElement(question, "answer", fraction=fraction, format="html")
            ElementTree.SubElement(answer, "text").text = payload if n == 0 else f"choice {i} {n}"
            ElementTree.SubElement(ElementTree.SubElement(answer, "feedback"), "text").text = payload
    return ElementTree.tostring(quiz, encoding="utf-8", xml_declaration=True)


@dataclass
class HostileWorld:
    app: Flask
    admin: object
    instructor: object
    trainees: list = field(default_factory=list)  # type: ignore[type-arg]
    cohort_ids: list[int] = field(default_factory=list)
    track_ids: list[int] = field(default_factory=list)
    question_ids: list[int] = field(default_factory=list)
    certificate_ids: list[int] = field(default_factory=list)
    verification_codes: list[str] = field(default_factory=list)
    attempt_id: int = 0
    study_id: int = 0
    batch_id: int = 0


def _build(app: Flask) -> HostileWorld:
    from quizbank.extensions import db
    from quizbank.models import (
        AttemptItem,
        CertificateState,
        Cohort,
        CohortMembership,
        HoursKind,
        Question,
        SignOffOutcome,
        TrackSkill,
        utcnow,
    )
    from quizbank.services import (
        attempts,
        authoring,
        bank_import,
        certification,
        practicals,
        progress,
        standard_setting,
        tracks,
    )
    from quizbank.services.question_versions import draft_of

    now = utcnow()
    with app.app_context():
        admin = add_accounts("admin", 1, "hostile", names=[PAYLOADS[4][:120]])[0]
        instructor, reviewer = add_accounts("instructor", 2, "hostile", names=[PAYLOADS[5][:120], PAYLOADS[6][:120]])
        trainees = add_accounts("trainee", N, "hostile", names=[p[:120] for p in PAYLOADS])
        world = HostileWorld(app, admin, instructor, trainees)
        cohorts = [Cohort(name=f"{p[:110]} #{i}", description=p[:500]) for i, p in enumerate(PAYLOADS)]
        db.session.add_all(cohorts)
        db.session.flush()
        db.session.add_all([CohortMembership(cohort_id=c.id, user_id=t.id)
                            for c, t in zip(cohorts, trainees, strict=True)])
        db.session.commit()
        world.cohort_ids = [c.id for c in cohorts]
        # Work that reconciles certification runs before the tracks exist, where reconciling is cheap.
        for other in trainees[1:4]:  # graded attempts for the statistics pages
            taken = attempts.start_attempt(other.id, "XSS", now=now, grace_seconds=30)
            for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == taken.id)):
                attempts.save_answer(other.id, taken.id, item.position, answer_form(item, wrong=other.id % 2 == 0),
                                     flagged=False, now=now, grace_seconds=30)
            attempts.submit(other.id, taken.id, now=now, grace_seconds=30)
        for payload, trainee in zip(PAYLOADS, trainees, strict=True):
            practicals.record_hours(actor_id=instructor.id, trainee_id=trainee.id, kind=HoursKind.SUPERVISED,
                                    hours=1.5, done_on=date.today() - timedelta(days=1), note=payload, now=now)
            progress.grant_extra_attempt(actor_id=instructor.id, trainee_id=trainee.id, module_code="XSS",
                                         reason=payload)
        for i, payload in enumerate(PAYLOADS):
            track = tracks.save_track(tracks.TrackSpec(
                code=f"X{i:03d}", name=payload[:200], description=payload, validity_months=12, module_codes=("XSS",),
                skills=((f"S{i:03d}", payload[:200]),)), actor_id=admin.id)
            world.track_ids.append(track.id)
        skills = dict(db.session.execute(select(TrackSkill.track_id, TrackSkill.id)).all())
        for i, (payload, trainee) in enumerate(zip(PAYLOADS, trainees, strict=True)):
            cert = certification.grant(actor_id=admin.id, user_id=trainee.id, track_id=world.track_ids[i],
                                       reason=payload, now=now)
            world.certificate_ids.append(cert.id)
            world.verification_codes.append(cert.verification_code)
            if i % 3 == 1:
                certification.change_state(actor_id=admin.id, certificate_id=cert.id, to=CertificateState.REVOKED,
                                           reason=payload, now=now)
            elif i % 3 == 2:
                certification.change_state(actor_id=admin.id, certificate_id=cert.id, to=CertificateState.SUSPENDED,
                                           reason=payload, now=now)
            practicals.sign_off(supervisor_id=instructor.id, trainee_id=trainee.id, skill_id=skills[world.track_ids[i]],
                                observed_on=date.today() - timedelta(days=1), outcome=SignOffOutcome.NOT_YET,
                                notes=payload, now=now)
        questions = list(db.session.scalars(select(Question).where(Question.external_id.like("XSS-%"))
                                            .order_by(Question.external_id)))
        world.question_ids = [q.id for q in questions]
        for question, payload in zip(questions, PAYLOADS, strict=True):
            version = question.versions[-1]
            authoring.add_comment(actor_id=reviewer.id, version_id=version.id, body=payload)
            draft = draft_of(version)
            authoring.save_draft(author_id=instructor.id, question_id=question.id,
                                 draft=draft.__class__(**{**draft.__dict__, "explanation": payload + " (v2)"}))
        # The first trainee sits the module: every stem, option and key is on some page of theirs.
        world.attempt_id = attempts.start_attempt(trainees[0].id, "XSS", now=now, grace_seconds=30).id
        world.study_id = standard_setting.open_study(actor_id=instructor.id, module_code="XSS",
                                                     panel_ids=[instructor.id, reviewer.id]).id
        world.batch_id = bank_import.start_batch(user_id=instructor.id, filename=f"{PAYLOADS[7][:200]}.xml",
                                                 data=moodle_file()).id
        db.session.remove()
    return world


@pytest.fixture(scope="module")
def world(scratch_databases) -> HostileWorld:  # type: ignore[no-untyped-def]
    app = committing_app(scratch_databases("sec_hostile"), {"xss": hostile_bank()}, VERIFY_MIN_SECONDS=0)
    return _build(app)


@dataclass
class Scan:
    """Opens pages and keeps what it found: live script, evaluated templates, unexpected statuses."""

    client: FlaskClient
    label: str
    pages: int = 0
    findings: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    live: int = 0  # script elements, event handlers and javascript: URLs found after parsing
    evaluated: int = 0  # templates that ran instead of being shown

    def open(self, url: str, method: str = "GET", expect: tuple[int, ...] = (200,), **kwargs: object) -> str:
        response = self.client.open(url, method=method, **kwargs)
        body = response.get_data(as_text=True)
        self.pages += 1
        self.statuses[response.status_code] += 1
        if response.status_code not in expect:
            self.findings.append(f"{url}: status {response.status_code}")
        live, evaluated = live_script(body), evaluated_template(body)
        self.live += len(live)
        self.evaluated += len(evaluated)
        self.findings += [f"{url}: {f}" for f in live] + [f"{url}: template evaluated ({f})" for f in evaluated]
        return body

    def absorb(self, other: Scan) -> None:
        self.pages += other.pages
        self.live += other.live
        self.evaluated += other.evaluated
        self.findings += other.findings


def _scan(world: HostileWorld, account: object, label: str) -> Scan:
    client = world.app.test_client()
    if account is not None:
        assert client.post("/login", data={"email": account.email, "password": PASSWORD}).status_code == 302  # type: ignore[attr-defined]
    return Scan(client, label)


TRAINEE_FIELDS = ["stem", "option text", "option feedback", "explanation", "references", "ordering step",
                  "matching left and right", "numeric unit", "module title", "module description", "track name",
                  "skill title", "competency title"]
AUTHORING_FIELDS = ["stem", "title", "option text", "option feedback", "explanation", "references", "review comment",
                    "author and reviewer names", "competency title", "import file name", "import category",
                    "imported question name, text, answers and feedback"]
PEOPLE_FIELDS = ["trainee name", "admin and instructor names", "cohort name", "cohort description", "track name",
                 "track description", "skill title", "grant reason", "revocation and suspension reasons",
                 "sign-off notes", "hours notes", "extra-attempt reason", "audit summaries"]
PUBLIC_FIELDS = ["holder name", "track name"]
REFLECTED_FIELDS = ["user search", "audit actor and action", "certification search", "question search",
                    "trainee search", "verification code in the path", "login next", "verification code parameter"]


def _report(scan: Scan, figure, fields: list[str]) -> None:  # type: ignore[no-untyped-def]
    figure(f"hostile input, {scan.label}: payloads={N} fields={len(fields)} pages={scan.pages} "
           f"live_script={scan.live} templates_evaluated={scan.evaluated} findings={len(scan.findings)}")
    assert scan.findings == [], "\n".join(scan.findings[:30])


def test_trainee_views_show_hostile_questions_as_text(world, figure):
    trainee = world.trainees[0]
    scan = _scan(world, trainee, "trainee quiz and review")
    scan.open("/trainee/")
    scan.open("/trainee/modules/XSS")
    scan.open("/trainee/certification")
    seen_literal = False
    for position in range(1, N + 1):
        page = scan.open(f"/trainee/attempts/{world.attempt_id}/q/{position}")
        seen_literal |= "{{7*7}}" in html.unescape(page)
    scan.open(f"/trainee/attempts/{world.attempt_id}")
    from quizbank.extensions import db
    from quizbank.models import AttemptItem

    with world.app.app_context():
        forms = {i.position: answer_form(i) for i in db.session.scalars(
            select(AttemptItem).where(AttemptItem.attempt_id == world.attempt_id))}
        db.session.remove()
    for position, form in forms.items():
        scan.open(f"/trainee/attempts/{world.attempt_id}/q/{position}", "POST", expect=(302,), data=form)
    scan.open(f"/trainee/attempts/{world.attempt_id}/submit", "POST", expect=(302,))
    review = scan.open(f"/trainee/attempts/{world.attempt_id}/result")
    _report(scan, figure, TRAINEE_FIELDS)
    assert seen_literal and "{{7*7}}" in html.unescape(review), "{{7*7}} must stay literal"
    assert "QBCOMMENT" in review and "{% raw %}" in html.unescape(review)


def test_authoring_views_show_hostile_questions_comments_and_imports_as_text(world, figure):
    scan = _scan(world, world.instructor, "authoring, statistics, standard setting, import")
    for page in range(1, N // 20 + 3):
        scan.open(f"/instructor/questions?page={page}&module=XSS")
    for question_id in world.question_ids:
        scan.open(f"/instructor/questions/{question_id}")
        scan.open(f"/instructor/questions/{question_id}/edit")
        scan.open(f"/instructor/questions/{question_id}/history")
    for question_id in world.question_ids[:12]:  # the preview's "check my answer", every type twice
        scan.open(f"/instructor/questions/{question_id}/check", "POST", data={"choice": "0", "number": "3"})
    scan.open("/instructor/")
    scan.open("/instructor/statistics")
    scan.open("/instructor/statistics/XSS")
    for kind in ("histogram", "scatter", "passrate"):
        scan.open(f"/instructor/statistics/XSS/chart/{kind}.svg")
    scan.open(f"/instructor/standard-setting/{world.study_id}")
    scan.open("/instructor/standard-setting")
    plan = scan.open(f"/instructor/import/{world.batch_id}")
    scan.open("/instructor/export")
    _report(scan, figure, AUTHORING_FIELDS)
    assert "{{7*7}}" in html.unescape(plan), "the import plan shows the imported text literally"


def test_admin_and_instructor_files_show_hostile_people_data_as_text(world, figure):
    scan = _scan(world, world.admin, "admin dashboards and trainee files")
    instructor = _scan(world, world.instructor, "instructor trainee files")
    scan.open("/admin/")
    for page in range(1, N // 25 + 3):
        scan.open(f"/admin/users?page={page}")
        instructor.open(f"/instructor/trainees?page={page}")
    scan.open("/admin/cohorts")
    scan.open("/admin/tracks")
    literal = False
    for i, trainee in enumerate(world.trainees):
        page = scan.open(f"/admin/trainees/{trainee.id}")
        literal |= PAYLOADS[i] == "{{7*7}}" and "{{7*7}}" in html.unescape(page)
        instructor.open(f"/instructor/trainees/{trainee.id}")
        scan.open(f"/admin/cohorts/{world.cohort_ids[i]}")
        scan.open(f"/admin/tracks/{world.track_ids[i]}")
        if i % 6 == 0:  # these show fields the pages above show too; a sample of every kind of payload
            scan.open(f"/admin/trainees/{trainee.id}/grant")
            scan.open(f"/admin/certificates/{world.certificate_ids[i]}/revoke")
    # One dashboard lists every track's name (its selector) and every holder of the track shown.
    for track_id in world.track_ids[:3]:
        for page in (1, 2):
            scan.open(f"/admin/certification?track={track_id}&per_page=100&page={page}")
    from quizbank.extensions import db
    from quizbank.models import AuditEvent

    with world.app.app_context():
        events = db.session.scalar(select(func.count(AuditEvent.id)))
        db.session.remove()
    for page in range(1, events // 50 + 2):
        scan.open(f"/admin/audit?page={page}")
    scan.absorb(instructor)
    _report(scan, figure, PEOPLE_FIELDS)
    assert literal, "the trainee named {{7*7}} is shown by that name"


def test_the_public_verification_page_shows_hostile_names_as_text(world, figure):
    scan = _scan(world, None, "verification page")
    literal = False
    for i, code in enumerate(world.verification_codes):
        page = scan.open(f"/verify/{code}")
        literal |= PAYLOADS[i] == "{{7*7}}" and "{{7*7}}" in html.unescape(page)
        response = world.app.test_client().get(f"/verify/{code}.json")
        assert response.is_json and response.get_json()["holder"] == PAYLOADS[i][:120]
    _report(scan, figure, PUBLIC_FIELDS)
    assert literal


def test_hostile_text_in_addresses_and_search_boxes_is_not_reflected_as_markup(world, figure):
    from urllib.parse import quote

    admin = _scan(world, world.admin, "reflected query strings")
    anonymous = _scan(world, None, "reflected query strings (anonymous)")
    for payload in PAYLOADS:
        q = quote(payload, safe="")
        admin.open(f"/admin/users?q={q}")
        admin.open(f"/admin/audit?actor={q}&action={q}")
        admin.open(f"/admin/certification?q={q}")
        admin.open(f"/instructor/questions?q={q}")
        admin.open(f"/instructor/trainees?q={q}")
        anonymous.open(f"/verify/{q}", expect=(404,))
        anonymous.open(f"/login?next={q}")
        anonymous.open(f"/verify?code={q}", expect=(302, 404))
    admin.absorb(anonymous)
    _report(admin, figure, REFLECTED_FIELDS)


def test_formula_cells_in_csv_exports_are_neutralised(world, figure):
    import csv
    import io

    client = world.app.test_client()
    client.post("/login", data={"email": world.admin.email, "password": PASSWORD})
    dangerous = risky = 0
    for track_id in world.track_ids[:3]:  # each lists every trainee, by name
        response = client.get(f"/admin/certification.csv?track={track_id}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment")
        for row in list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]:
            for cell in row:
                risky += cell.lstrip("'").startswith(("=", "+", "-", "@", "\t", "\r"))
                dangerous += cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    items = client.get("/instructor/statistics/XSS/items.csv")
    for row in csv.reader(io.StringIO(items.get_data(as_text=True))):
        dangerous += sum(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    figure(f"csv exports: formula-looking cells={risky} left live={dangerous}")
    assert risky >= 5, "the hostile names reached the export: the check has something to check"
    assert dangerous == 0


def test_no_hostile_text_broke_the_world_it_was_stored_in(world):
    """Every payload was stored as given (the views above had the real thing to render)."""
    from quizbank.extensions import db
    from quizbank.models import Cohort, QuestionVersion, User

    with world.app.app_context():
        names = set(db.session.scalars(select(User.name)))
        explanations = set(db.session.scalars(select(QuestionVersion.explanation)))
        cohorts = list(db.session.scalars(select(Cohort.description)))
        db.session.remove()
    stored = [p for p in PAYLOADS if p[:120].strip() in names and p in explanations and p[:500] in cohorts]
    assert len(stored) >= N - 2 and N >= 100, [p for p in PAYLOADS if p not in stored]


def test_the_markdown_renderer_alone_keeps_every_payload_inert():
    from quizbank.web.rendering import markdown_html

    findings = [(p, f) for p in PAYLOADS for f in live_script(str(markdown_html(p)))]
    assert findings == []
    assert re.search(r"href=\"javascript", str(markdown_html("[x](javascript:alert(1))")), re.I) is None


# A PDF runs script only through these (fpdf2's /OpenAction is a plain page destination, not an action).
PDF_ACTIVE_CONTENT = ("/JavaScript", "/JS", "/Launch", "/RichMedia", "/EmbeddedFile", "/SubmitForm", "/ImportData")


def test_certificate_pdfs_of_hostile_names_carry_no_active_content(world, figure):
    from io import BytesIO

    from pypdf import PdfReader

    checked, problems = 0, []
    for i in range(0, N, 6):  # a sample of the certificates left active (every third is)
        client = world.app.test_client()
        client.post("/login", data={"email": world.trainees[i].email, "password": PASSWORD})
        response = client.get(f"/trainee/certificates/{world.certificate_ids[i]}.pdf")
        if response.status_code != 200 or response.mimetype != "application/pdf":
            problems.append(f"{PAYLOADS[i]!r}: status {response.status_code} {response.mimetype}")
            continue
        data = response.get_data()
        reader = PdfReader(BytesIO(data))
        raw = data.decode("latin-1")
        problems += [f"{PAYLOADS[i]!r}: {key}" for key in PDF_ACTIVE_CONTENT if re.search(re.escape(key) + r"\b", raw)]
        for page in reader.pages:
            for annotation in page.get("/Annots") or []:
                action = annotation.get_object().get("/A") or {}
                if str(action.get("/URI", "")).strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                    problems.append(f"{PAYLOADS[i]!r}: link {action.get('/URI')}")
        checked += 1
    figure(f"hostile input, certificate PDF: holders={checked} active_content={len(problems)}")
    assert problems == [], problems[:20]
    assert checked >= N // 6


def test_the_corpus_is_hostile_and_the_detector_sees_it(figure):
    """Pasted raw into a page, half the corpus runs script (the rest are markdown, template, CSS and
    formula payloads that need a renderer's help): the scans above would have seen any of them."""
    raw = [p for p in PAYLOADS if live_script(f"<html><body><p>{p}</p></body></html>")]
    figure(f"hostile corpus: payloads={N} live_when_pasted_raw={len(raw)} detector=tests/html_safety.live_script")
    assert N >= 100 and len(raw) >= 50
