"""bench store: the store alone on a tiny synthetic day, on SQLite and on the test PostgreSQL server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.store import STEPS
from tests.pgserver import PgServer


def test_missing_data_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["store", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "out")]) == 2
    assert "not found" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


def test_thirty_articles_on_both_stores_leave_no_schema_behind(shared_data: Path, pg_server: PgServer,
                                                               tmp_path: Path) -> None:
    import psycopg

    assert main(["store", "--data", str(shared_data), "--out", str(tmp_path), "--sizes", "30",
                 "--store", pg_server.url]) == 0
    doc = json.loads((tmp_path / "store.json").read_text())
    assert doc["command"].startswith("python -m bench store")
    assert [(r["articles"], r["store"]) for r in doc["results"]] == [(30, "sqlite"), (30, "postgresql")]
    for result in doc["results"]:
        assert set(result["seconds"]) == {*STEPS, "total"}
        assert all(seconds >= 0 for seconds in result["seconds"].values())
    with psycopg.connect(pg_server.url) as conn:
        left = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench_store_%'").fetchall()
    assert left == []
