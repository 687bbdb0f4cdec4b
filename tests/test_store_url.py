"""store.url: the default SQLite file, SQLite and PostgreSQL URLs, and one-line errors for bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.config import load_config, parse_config
from briefing.errors import StoreError
from briefing.store import BriefingStore, SQLiteStore, open_store, redact
from briefing.store.factory import sqlite_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_url_the_store_is_the_sqlite_file_at_store_path(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "conf" / "b.toml", '[store]\npath = "data/b.db"\n'))
    assert config.store_url == f"sqlite:///{tmp_path / 'conf' / 'data' / 'b.db'}"
    with open_store(config.store_url) as store:
        assert isinstance(store, SQLiteStore) and isinstance(store, BriefingStore)
        assert store.count_items() == 0
    assert (tmp_path / "conf" / "data" / "b.db").is_file()


def test_a_relative_sqlite_url_is_resolved_against_the_config_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "conf" / "b.toml", '[store]\nurl = "sqlite:///shared/one.db"\n'))
    assert config.store_path == tmp_path / "conf" / "shared" / "one.db"
    assert config.store_url == f"sqlite:///{tmp_path / 'conf' / 'shared' / 'one.db'}"


def test_an_absolute_sqlite_url_stays(tmp_path: Path) -> None:
    db = tmp_path / "abs" / "x.db"
    config = parse_config({"store": {"url": f"sqlite:///{db}"}})
    assert config.store_path == db
    assert sqlite_path(config.store_url) == str(db)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_memory_urls_open_a_private_store(url: str) -> None:
    with open_store(url) as store:
        assert store.location == ":memory:"


def test_a_postgres_url_is_kept_as_written() -> None:
    url = "postgresql://news@db.internal:5433/briefing?options=-csearch_path%3Dteam"
    assert parse_config({"store": {"url": url}}).store_url == url


@pytest.mark.parametrize("url", ["mysql://root@localhost/briefing", "briefing.db", "http://example.com/db",
                                 "sqlite:relative.db"])
def test_an_unknown_url_is_one_line_naming_it_and_the_forms_to_write(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = str(caught.value)
    assert "\n" not in message
    assert url in message and "sqlite:///" in message and "postgresql://" in message


def test_passwords_never_reach_messages() -> None:
    assert redact("postgresql://ann:s3cret@db:5432/news") == "postgresql://ann:***@db:5432/news"
    assert redact("postgresql://ann@db/news") == "postgresql://ann@db/news"
    with pytest.raises(StoreError) as caught:
        open_store("mysql://ann:s3cret@db/news")
    assert "s3cret" not in str(caught.value)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#@"), max_size=40))
def test_redact_never_raises_and_never_shows_the_password(secret: str) -> None:
    shown = redact(f"postgresql://ann:{secret}Zq9@db/news")
    assert f"{secret}Zq9" not in shown
    assert shown.startswith("postgresql://") and shown.endswith("@db/news")


def test_a_postgres_url_without_the_driver_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing.store import postgres

    monkeypatch.setattr(postgres, "psycopg", None)
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://ann:s3cret@db.internal/news")
    message = str(caught.value)
    assert message.startswith("postgresql://ann:***@db.internal/news: ")
    assert "pip install 'briefing[postgres]'" in message and "\n" not in message
