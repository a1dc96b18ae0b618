"""axe-core (from the npm registry) audits every page of every role, with seeded data, in Debian chromium.

Each role's walk visits its pages the way a user reaches them (links, forms), runs axe with the WCAG 2.1 A/AA
rules on each, and fails with every serious or critical violation found, page by page. The pages are listed
by name so that a page silently missing from the walk (a redirect, an error page) fails too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from quizbank.services.demo import DEMO_ACCOUNTS
from tests.browser.conftest import ROOT, sign_in
from tests.browser.test_keyboard_exam import ALL_TYPES_CODE, load_all_types_module, question_kind

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n =>
      n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n").slice(1, 2).join("")),
  }));
}"""

GIFT_UPLOAD = b"""$CATEGORY: Imported/Hygiene

::Hand hygiene:: Before which step of needling is hand hygiene performed? {
=Before touching the patient's skin
~Only after the session
~Only when gloves are torn
~Never, if gloves are worn
}

::Reflection:: Describe your last needling session. {}
"""


class Audit:
    """Runs axe on pages and keeps every blocking violation by page name."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.audited: list[str] = []
        self.findings: dict[str, list[str]] = {}

    def visit(self, name: str, path: str, status: int = 200) -> None:
        response = self.page.goto(path)
        answered = response.status if response else None
        assert answered == status, f"{name}: {path} answered {answered}, not {status}"
        self.check(name)

    def check(self, name: str) -> None:
        """Audits the page as it is now."""
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate(RUN_AXE, WCAG_21_AA)
        blocking = [f"{v['impact']} {v['id']}: {v['help']} at {'; '.join(v['nodes'])}"
                    for v in violations if v["impact"] in BLOCKING]
        self.audited.append(name)
        if blocking:
            self.findings[f"{name} ({self.page.url})"] = blocking

    def assert_clean(self, expected_pages: list[str]) -> None:
        assert self.audited == expected_pages, f"pages audited: {self.audited}"
        report = "\n".join(f"{page}:\n  " + "\n  ".join(found) for page, found in self.findings.items())
        assert not self.findings, f"serious or critical WCAG 2.1 AA violations:\n{report}"


@pytest.fixture(scope="module")
def audit_context(browser, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/ensure-test-tools (npm ci)")
    # The app's CSP forbids inline scripts, and add_script_tag inlines axe: only the audit context bypasses it.
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context
    context.close()


@pytest.fixture(scope="module")
def phone_audit_context(browser, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 760}, is_mobile=True,
                                  has_touch=True, bypass_csp=True)
    yield context
    context.close()


@pytest.fixture
def audit(audit_context) -> Iterator[Audit]:  # type: ignore[no-untyped-def]
    audit_context.clear_cookies()
    tab = audit_context.new_page()
    tab.set_default_timeout(15000)
    yield Audit(tab)
    tab.close()


def sign_out(page: Page) -> None:
    button = page.get_by_role("button", name="Sign out")
    if not button.is_visible():  # on a phone it sits behind the menu button
        page.get_by_role("button", name="Show navigation").click()
    button.click()
    page.wait_for_url(re.compile(r"/(login)?$"))


def answer_anything(page: Page) -> None:
    """Gives some answer to the shown question, whatever its type (the change event saves it)."""
    kind = question_kind(page)
    if kind in ("single", "truefalse", "multiple"):
        page.locator("#answer-form input[name=choice]").first.check()
    elif kind == "numeric":
        page.locator("#number").fill("1")
        page.locator("#number").dispatch_event("change")
    else:
        selects = page.locator("#answer-form select")
        for i in range(selects.count()):
            selects.nth(i).select_option(index=i + 1)


def test_audit_reports_a_violation_it_is_meant_to_catch(audit):
    """The audit itself can fail: an unlabelled field and an image without text are caught as blocking."""
    audit.visit("sign-in page", "/login")
    audit.page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<input id="unlabelled"><img src="/static/none.png">');
    }""")
    audit.check("sign-in page with planted faults")
    found = "\n".join(audit.findings.get(f"sign-in page with planted faults ({audit.page.url})", []))
    assert "critical label" in found and "critical image-alt" in found


def test_public_pages_and_error_pages_pass_the_audit(audit, new_account):
    audit.visit("home", "/")
    audit.visit("sign-in", "/login")
    audit.page.get_by_label("Email").fill("nobody@example.org")
    audit.page.get_by_label("Password").fill("wrong passphrase")
    audit.page.get_by_role("button", name="Sign in").click()
    expect(audit.page.locator(".alert, .invalid-feedback").first).to_be_visible()
    audit.check("sign-in refused")
    audit.visit("verify form", "/verify")
    audit.visit("verify, unknown code", "/verify/NO-SUCH-CODE", status=404)
    audit.visit("not found", "/no-such-page", status=404)

    # A certified demo trainee's progress page, and the public page of that certificate.
    certified = DEMO_ACCOUNTS[3]
    sign_in(audit.page, certified.email, certified.password)
    audit.visit("certification progress, certified", "/trainee/certification")
    verify_path = audit.page.get_by_role("link", name="Public verification page").first.get_attribute("href")
    audit.visit("forbidden", "/admin/", status=403)
    audit.visit("change password", "/account/password")
    audit.page.get_by_label("New password", exact=True).fill("short")
    audit.page.get_by_label("Repeat the new password").fill("different")
    audit.page.get_by_label("Current password").fill("not my passphrase")
    audit.page.get_by_role("button", name="Change password").click()
    expect(audit.page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    audit.check("change password with errors")
    sign_out(audit.page)
    audit.visit("verify, valid certificate", verify_path)

    audit.assert_clean(["home", "sign-in", "sign-in refused", "verify form", "verify, unknown code", "not found",
                        "certification progress, certified", "forbidden", "change password",
                        "change password with errors", "verify, valid certificate"])


def test_trainee_pages_pass_the_audit_with_an_attempt_in_progress_and_a_graded_one(audit, new_account, server_env,
                                                                                   tmp_path):
    load_all_types_module(server_env, tmp_path)
    page = audit.page
    sign_in(page, *new_account("trainee"))
    audit.visit("dashboard, nothing started", "/trainee/")
    audit.visit("certification, nothing met", "/trainee/certification")

    # A graded PRO attempt with its review: answer the first option of each question, submit.
    audit.visit("module page before a first attempt", "/trainee/modules/PRO")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r"/q/1$"))
    for _ in range(8):
        answer_anything(page)
        page.get_by_role("button", name=re.compile("Next|Save and review")).click()
        page.wait_for_load_state("load")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url(re.compile(r"/result$"))
    audit.check("result with review")

    # An attempt in progress on the module with every question type: each question, flagged, the overview.
    page.goto(f"/trainee/modules/{ALL_TYPES_CODE}")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r"/q/1$"))
    kinds = []
    for position in range(1, 7):
        kind = question_kind(page)
        kinds.append(kind)
        audit.check(f"question {position} ({kind}), unanswered")
        if position == 1:
            page.locator("#flagged").check()
        page.get_by_role("button", name=re.compile("Next|Save and review")).click()
        page.wait_for_load_state("load")
    assert sorted(kinds) == sorted(["single", "multiple", "truefalse", "ordering", "matching", "numeric"])
    audit.check("attempt overview")
    page.locator(".overview-list a").first.click()
    answer_anything(page)
    expect(page.get_by_text(re.compile("^Saved at"))).to_be_visible()
    audit.check("question 1, answered and saved")
    audit.visit("dashboard, one passed or failed and one in progress", "/trainee/")
    audit.visit("module page with history", "/trainee/modules/PRO")

    audit.assert_clean(["dashboard, nothing started", "certification, nothing met",
                        "module page before a first attempt", "result with review",
                        *[f"question {n} ({k}), unanswered" for n, k in enumerate(kinds, 1)],
                        "attempt overview", "question 1, answered and saved",
                        "dashboard, one passed or failed and one in progress", "module page with history"])


def test_instructor_pages_pass_the_audit(audit, new_account):
    page = audit.page
    second_instructor = new_account("instructor")  # a second panellist for the standard-setting study
    instructor = DEMO_ACCOUNTS[1]
    sign_in(page, instructor.email, instructor.password)
    audit.visit("coverage", "/instructor/")
    audit.visit("question list", "/instructor/questions")
    audit.visit("question list of one module", "/instructor/questions?module=SAF")
    question_path = page.locator("table a[href*='/instructor/questions/']").first.get_attribute("href")
    audit.visit("question preview", question_path)
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text(re.compile(r"^Score"))).to_be_visible()
    audit.check("question preview, answer checked")
    audit.visit("question editor", f"{question_path}/edit")
    audit.visit("question history", f"{question_path}/history")
    audit.visit("retire confirmation", f"{question_path}/retire")
    audit.visit("new question", "/instructor/questions/new")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check("new question with errors")

    page.goto("/instructor/questions?module=SAF")
    page.locator("table input[name=ids]").first.check()
    page.get_by_label("With the selected").select_option("retire")
    page.get_by_role("button", name="Continue…").click()
    expect(page.get_by_role("heading", name=re.compile("Retire 1 question"))).to_be_visible()
    audit.check("bulk action confirmation")

    audit.visit("import", "/instructor/import")
    page.get_by_label(re.compile("^File")).set_input_files(
        {"name": "hygiene.gift", "mimeType": "text/plain", "buffer": GIFT_UPLOAD})
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name=re.compile("Import report"))).to_be_visible()
    expect(page.locator("table tr.table-danger")).to_have_count(1)
    audit.check("import report with a refused question")
    audit.visit("export", "/instructor/export")

    audit.visit("statistics list", "/instructor/statistics")
    audit.visit("module statistics", "/instructor/statistics/SAF")
    audit.visit("module statistics, no match", "/instructor/statistics/SAF?from=1990-01-01&to=1990-01-02")
    audit.visit("standard setting", "/instructor/standard-setting")
    # The panel: the demo instructor (ticked already) and the instructor created last, whose box comes last by id.
    boxes = page.locator("input[name=panel]")
    newest = max((boxes.nth(i) for i in range(boxes.count())), key=lambda box: int(box.get_attribute("value")))
    newest.check()
    page.get_by_role("button", name="Open study").click()
    page.wait_for_url(re.compile(r"/standard-setting/\d+$"))
    study_path = page.url
    audit.check("standard-setting study, round 1")
    for panellist, offset in ((None, 0), (second_instructor, 10)):
        if panellist:
            sign_out(page)
            sign_in(page, *panellist)
            page.goto(study_path)
        fields = page.locator("input[name^=rating-]")
        for i in range(fields.count()):
            fields.nth(i).fill(str(30 + (i * 7) % 50 + offset))
        page.get_by_role("button", name="Save my ratings").click()
        page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name="Recommended cut score")).to_be_visible()
    audit.check("standard-setting study with a recommended cut")
    sign_out(page)
    sign_in(page, instructor.email, instructor.password)

    audit.visit("trainees", "/instructor/trainees")
    audit.visit("trainees, no match", "/instructor/trainees?q=zzzz-nobody")
    page.goto("/instructor/trainees?q=Theo")
    page.get_by_role("link", name="Theo Trainee").click()
    audit.check("trainee file")

    audit.assert_clean(["coverage", "question list", "question list of one module", "question preview",
                        "question preview, answer checked", "question editor", "question history",
                        "retire confirmation", "new question", "new question with errors", "bulk action confirmation",
                        "import", "import report with a refused question", "export", "statistics list",
                        "module statistics", "module statistics, no match", "standard setting",
                        "standard-setting study, round 1", "standard-setting study with a recommended cut", "trainees",
                        "trainees, no match", "trainee file"])


def test_admin_pages_pass_the_audit(audit, new_account):
    page = audit.page
    invited_email, _ = new_account("trainee")
    admin = DEMO_ACCOUNTS[0]
    sign_in(page, admin.email, admin.password)
    audit.visit("administration", "/admin/")
    audit.visit("certification dashboard", "/admin/certification")
    audit.visit("certification dashboard, no match", "/admin/certification?q=zzzz-nobody")
    page.goto("/admin/certification?q=Theo")
    page.get_by_role("link", name="Theo Trainee").click()
    audit.check("trainee file")
    trainee_path = page.url
    page.get_by_role("link", name="Suspend").first.click()
    audit.check("suspend confirmation")
    page.goto(trainee_path)
    page.get_by_role("link", name="Grant a certificate…").click()
    audit.check("grant a certificate")

    audit.visit("users", "/admin/users")
    audit.visit("new account", "/admin/users/new")
    page.get_by_label("Full name").fill("Already There")
    page.get_by_label("Email").fill(invited_email)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".invalid-feedback, .alert-danger, .alert-warning").first).to_be_visible()
    audit.check("new account with errors")
    page.goto(f"/admin/users?q={invited_email}")
    page.get_by_role("button", name=re.compile("Invitation link")).click()
    invitation = page.get_by_label("Invitation link").input_value()
    audit.check("invitation link")

    audit.visit("cohorts", "/admin/cohorts")
    page.get_by_role("link", name=re.compile("Demo cohort")).click()
    audit.check("cohort")
    page.get_by_role("searchbox").or_(page.get_by_label("Name or email")).first.fill("Browser")
    page.get_by_role("button", name="Search").click()
    audit.check("cohort with people to add")
    audit.visit("tracks", "/admin/tracks")
    page.locator(".list-group a").first.click()
    audit.check("track editor")
    audit.visit("new track", "/admin/tracks/new")
    audit.visit("audit log", "/admin/audit")
    audit.visit("audit log, no match", "/admin/audit?actor=zzzz-nobody")

    audit.visit("standard setting", "/instructor/standard-setting")
    for box in page.locator("input[name=panel]").all():
        box.check()
    page.get_by_role("button", name="Open study").click()
    page.wait_for_url(re.compile(r"/standard-setting/\d+$"))
    audit.visit("adopt a cut score", page.url.replace("/instructor/", "/admin/") + "/adopt")

    # The invitation opens the set-password page for someone signed out.
    sign_out(page)
    audit.visit("set your password", invitation)

    audit.assert_clean(["administration", "certification dashboard", "certification dashboard, no match",
                        "trainee file", "suspend confirmation", "grant a certificate", "users", "new account",
                        "new account with errors", "invitation link", "cohorts", "cohort",
                        "cohort with people to add", "tracks", "track editor", "new track", "audit log",
                        "audit log, no match", "standard setting", "adopt a cut score", "set your password"])



def test_pages_with_wide_tables_pass_the_audit_on_a_phone(phone_audit_context):
    """At 360 px the wide tables scroll in their own box: the box must be reachable and named."""
    page = phone_audit_context.new_page()
    audit = Audit(page)
    try:
        admin = DEMO_ACCOUNTS[0]
        sign_in(page, admin.email, admin.password)
        audit.visit("certification dashboard", "/admin/certification")
        audit.visit("audit log", "/admin/audit")
        audit.visit("module statistics", "/instructor/statistics/SAF")
        audit.visit("question list", "/instructor/questions")
        sign_out(page)
        trainee = DEMO_ACCOUNTS[2]
        sign_in(page, trainee.email, trainee.password)
        audit.visit("dashboard", "/trainee/")
        audit.visit("certification progress", "/trainee/certification")
        audit.assert_clean(["certification dashboard", "audit log", "module statistics", "question list", "dashboard",
                            "certification progress"])
    finally:
        page.close()
