"""Static and configuration checks: bandit finds nothing at medium or above, debug is off outside
development, and a production configuration has no default secret and no default account."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.support import csrf_from

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_bandit_finds_nothing_at_medium_severity_or_above(figure):
    result = subprocess.run([str(BIN / "bandit"), "-r", "quizbank", "-ll", "-f", "json", "-q"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(result.stdout)
    totals = report["metrics"]["_totals"]
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    figure(f"bandit -r quizbank -ll: lines={totals['loc']} medium+={len(findings)} "
           f"(high={totals['SEVERITY.HIGH']}, medium={totals['SEVERITY.MEDIUM']}, low={totals['SEVERITY.LOW']} "
           f"not failing) nosec={totals['nosec']}")
    assert report["errors"] == []
    assert findings == [], "\n".join(findings)


@pytest.fixture
def production_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The environment of a deployment: no test or debug settings, a database of its own."""
    for name in list(os.environ):
        if name.startswith(("QUIZBANK_", "FLASK_")):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'production.sqlite'}"
    monkeypatch.setenv("QUIZBANK_DATABASE_URL", url)
    return url


def test_debug_is_off_outside_development(production_environment):
    from quizbank import create_app

    app = create_app()
    assert app.debug is False and app.testing is False and app.config["DEBUG"] is False
    assert app.config.get("PROPAGATE_EXCEPTIONS") in (None, False)
    assert app.test_client().get("/console").status_code == 404, "the Werkzeug debugger console is not served"
    sources = [ROOT / "app.py", *sorted((ROOT / "quizbank").rglob("*.py"))]
    switched_on = [str(p.relative_to(ROOT)) for p in sources
                   if re.search(r"debug\s*=\s*True|DEBUG\s*=\s*True|use_debugger", p.read_text())]
    assert switched_on == []


def test_there_is_no_default_secret_key(production_environment, tmp_path):
    from quizbank import config, create_app

    assert not hasattr(config.Defaults, "SECRET_KEY")
    app = create_app()
    secret = app.config["SECRET_KEY"]
    instance = Path(app.instance_path) / "secret_key"
    assert secret == instance.read_text().strip() and len(secret) >= 64
    code = "".join(p.read_text() for p in (ROOT / "quizbank").rglob("*.py"))
    assert secret not in code
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first, second = config.instance_secret(tmp_path / "one"), config.instance_secret(tmp_path / "two")
    assert first != second and re.fullmatch(r"[0-9a-f]{64}", first)
    assert stat.S_IMODE((tmp_path / "one" / "secret_key").stat().st_mode) == 0o600, "readable by the owner only"
    assert not [k for k, v in vars(config.Defaults).items()
                if re.search(r"SECRET|PASSWORD|TOKEN|API_KEY", k) and v], "a default for a secret setting"


def test_a_production_setup_has_no_account_until_an_admin_creates_one(production_environment, figure):
    from flask_migrate import upgrade

    from quizbank import create_app
    from quizbank.extensions import db
    from quizbank.models import User
    from quizbank.services.bank_loading import load_banks
    from quizbank.services.demo import DEMO_ACCOUNTS
    from quizbank.services.tracks import seed_default_track

    app = create_app()
    with app.app_context():
        upgrade()
        load_banks()  # the bundled banks, as `make run` and a deployment load them
        seed_default_track()
        users = db.session.scalar(db.select(db.func.count(User.id)))
        db.session.remove()
    client = app.test_client()
    demo_logins = []
    for account in DEMO_ACCOUNTS:  # with CSRF on, as a browser signs in
        token = csrf_from(client.get("/login").get_data(as_text=True))
        demo_logins.append(client.post("/login", data={"email": account.email, "password": account.password,
                                                       "csrf_token": token}).status_code)
    figure(f"production setup (migrate, load banks, seed track): accounts={users} demo_sign_ins={demo_logins}")
    assert users == 0
    assert demo_logins == [200] * len(DEMO_ACCOUNTS), "each demo sign-in is refused as a wrong password"
