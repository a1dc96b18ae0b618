"""Reading and checking bank files on disk (the bundled banks, or files named on the command line)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from quizbank.domain.bank_check import BankSource, check_sources
from quizbank.domain.types import Problem
from quizbank.formats.native import parse_bank

BUNDLED_BANKS = Path(__file__).resolve().parent.parent / "content" / "banks"


def bundled_bank_paths() -> list[Path]:
    return sorted(BUNDLED_BANKS.glob("*.yaml"))


def read_sources(paths: Iterable[Path]) -> tuple[list[BankSource], list[Problem]]:
    """Parses every file; returns the sources and every problem, per file and across files."""
    sources: list[BankSource] = []
    problems: list[Problem] = []
    for path in paths:
        bank = parse_bank(path.read_bytes(), where=path.name)
        problems.extend(bank.problems)
        sources.append(BankSource(path.name, bank.module, bank.drafts, bank.lines))
    problems.extend(check_sources(sources))
    return sources, problems
