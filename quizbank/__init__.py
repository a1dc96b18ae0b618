"""quizbank: training and certification for IMS and dry-needling practitioners."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Builds the app: configuration, extensions, blueprints, CLI and error pages. Wiring only."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .config import load_config

    load_config(app, test_config)
    app.jinja_env.add_extension("jinja2.ext.do")

    from . import cli, errors, security
    from .db_session import configure_postgresql
    from .extensions import (
        check_limits_in_their_decorators,
        configure_sqlite,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
    )
    from .pool_liveness import ping_after_idle
    from .web import register_blueprints

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    check_limits_in_their_decorators(app)
    login_manager.init_app(app)
    with app.app_context():
        ping_after_idle(db.engine, float(app.config["DB_PING_AFTER_IDLE_SECONDS"]))
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        elif db.engine.dialect.name == "postgresql":
            configure_postgresql(db.engine)

    from flask_bootstrap import Bootstrap5

    Bootstrap5(app)
    security.init_app(app)
    register_blueprints(app)
    errors.init_app(app)
    cli.init_app(app)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    return app
