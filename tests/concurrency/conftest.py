"""An app on a scratch database where every transaction really commits, for tests of parallel requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import make_test_app, small_bank_yaml


@pytest.fixture(scope="module")
def committing_app(scratch_databases, tmp_path_factory, request) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from quizbank.services import tracks
    from quizbank.services.bank_loading import load_banks

    folder: Path = tmp_path_factory.mktemp("race-banks")
    (folder / "tst.yaml").write_text(small_bank_yaml())
    # Same shape, other stems (the checker refuses near-duplicate stems across banks).
    second = small_bank_yaml().replace("TST", "TSB").replace("Test stem number", "Module B asks")
    (folder / "tsb.yaml").write_text(second)
    # A database per test module: each module seeds its own track.
    app = make_test_app(scratch_databases(f"race_{request.module.__name__.rsplit('.', 1)[-1]}"), folder)
    with app.app_context():
        upgrade()
        load_banks(sorted(folder.glob("*.yaml")))
        tracks.save_track(tracks.TrackSpec(code="RACE", name="Race track", description="", validity_months=12,
                                           module_codes=("TST", "TSB"), skills=()), actor_id=None)
    yield app
