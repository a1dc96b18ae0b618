"""The certificates package is pure: no Flask, no database, no network client."""

from __future__ import annotations

import ast
from pathlib import Path

import quizbank.certificates

FORBIDDEN = ("flask", "sqlalchemy", "werkzeug", "requests", "urllib.request", "http.client", "httpx", "socket",
             "quizbank.models", "quizbank.services", "quizbank.web", "quizbank.extensions")


def test_no_module_imports_flask_the_database_or_a_network_client():
    offenders = []
    files = sorted(Path(quizbank.certificates.__file__).parent.glob("*.py"))
    assert len(files) >= 5
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    assert offenders == []
