from __future__ import annotations

from quizbank import create_app
from quizbank.config import normalise_database_url


def test_first_run_writes_a_random_secret_key_into_instance(tmp_path, monkeypatch):
    monkeypatch.setattr("quizbank.ROOT", tmp_path)
    (tmp_path / "instance").mkdir()
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    secret = (tmp_path / "instance" / "secret_key").read_text().strip()
    assert len(secret) >= 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == secret
    assert oct((tmp_path / "instance" / "secret_key").stat().st_mode)[-3:] == "600"


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    monkeypatch.setattr("quizbank.ROOT", tmp_path)
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text("ATTEMPT_GRACE_SECONDS = 5\nSESSION_IDLE_MINUTES = 7\n")
    monkeypatch.setenv("QUIZBANK_ATTEMPT_GRACE_SECONDS", "12")
    monkeypatch.setenv("QUIZBANK_DATABASE_URL", "sqlite:///" + str(tmp_path / "x.sqlite"))
    app = create_app()
    assert app.config["ATTEMPT_GRACE_SECONDS"] == 12
    assert app.config["SESSION_IDLE_MINUTES"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite")
    assert app.config["DEBUG"] is False


def test_unset_database_url_means_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.setattr("quizbank.ROOT", tmp_path)
    monkeypatch.delenv("QUIZBANK_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'quizbank.sqlite'}"


def test_postgres_urls_use_the_psycopg_driver():
    assert normalise_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"
