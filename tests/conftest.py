from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pgserver

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The evaluation data folder: $BRIEFING_DATA, else ../shared/data beside the repo."""
    return Path(os.environ.get("BRIEFING_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"evaluation data not found at {path} (set BRIEFING_DATA)")
    return path


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BRIEFING_") and name != "BRIEFING_DATA" and not name.startswith("BRIEFING_PG_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # No user-level config of the machine running the tests is ever found.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    """A throwaway PostgreSQL server on loopback for the whole session; the tests that need it are skipped,
    with the reason, where psycopg or the server binaries are missing or the server does not start."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL store tests need psycopg: pip install -e '.[postgres]'")
    try:
        server = pgserver.start()
    except pgserver.Unavailable as exc:
        pytest.skip(f"PostgreSQL store tests skipped: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store of each kind: an SQLite file, and a fresh schema on the test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'briefing.db'}"
    return str(request.getfixturevalue("pg_server").fresh_url())
