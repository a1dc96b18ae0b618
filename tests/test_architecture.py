"""Dependencies point inward: the domain and the formats know nothing of Flask or the database."""

from __future__ import annotations

import ast
from pathlib import Path

import quizbank

PURE_PACKAGES = ("domain", "formats", "certificates")
FORBIDDEN = ("flask", "sqlalchemy", "werkzeug", "quizbank.models", "quizbank.services", "quizbank.web",
             "quizbank.extensions")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_and_formats_import_neither_flask_nor_the_database():
    root = Path(quizbank.__file__).parent
    offenders = []
    files = [p for package in PURE_PACKAGES for p in (root / package).rglob("*.py")]
    assert files
    for path in files:
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                offenders.append(f"{path.relative_to(root)} imports {name}")
    assert offenders == []


def test_the_factory_does_not_create_tables():
    source = (Path(quizbank.__file__).parent / "__init__.py").read_text()
    assert "create_all" not in source
