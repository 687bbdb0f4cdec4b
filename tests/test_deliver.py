from __future__ import annotations

import errno
import json
import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from briefing import deliver
from briefing.deliver import write_atomic, write_briefing
from briefing.errors import RenderError
from briefing.models import Article, Briefing, FeedFailure, RankedStory, Source, Story
from briefing.render import render_html, render_json, render_markdown

T0 = datetime(2026, 11, 26, 14, 5, tzinfo=UTC)


def make_briefing(*titles: str) -> Briefing:
    stories = []
    for rank, title in enumerate(titles or ("Kraków opens first tram line", "Strike talks resume"), start=1):
        source = Source("Wire", title, f"https://wire.example/{rank}", T0)
        article = Article(rank, title, "text", source.url, T0, f"h{rank}", (source,))
        stories.append(
            RankedStory(
                story=Story((article,), article, (1.0,)),
                rank=rank,
                status="new" if rank == 1 else "update",
                score=1.0 / rank,
                novelty=0.5,
                reasons=("new: no similar story in 14 days",),
                summary=f"Summary of {title}.",
            )
        )
    return Briefing(
        date=date(2026, 11, 26),
        generated_at=T0,
        window_start=datetime(2026, 11, 25, 6, 0, tzinfo=UTC),
        window_end=datetime(2026, 11, 26, 6, 0, tzinfo=UTC),
        backend="extractive",
        model="minilm",
        stories=tuple(stories),
        failed_feeds=(FeedFailure("https://bad.example/rss", "timeout"),),
        stats={"feeds": 3},
    )


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- write_atomic ----------------------------------------------------------------------


def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    write_atomic(target, "first\n")
    assert target.read_bytes() == b"first\n"
    write_atomic(target, "second — ü\r\n")
    assert target.read_bytes() == "second — ü\r\n".encode()  # UTF-8, newlines untranslated
    assert listing(tmp_path) == ["a.md"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_write_atomic_file_modes(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    write_atomic(target, "x")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not mkstemp's 0o600
    target.chmod(0o640)
    write_atomic(target, "y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_write_atomic_failure_keeps_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "a.md"
    target.write_text("old")

    def boom(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(deliver.os, failing, boom)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert listing(tmp_path) == ["a.md"]


def test_write_atomic_onto_directory_cleans_up(tmp_path: Path) -> None:
    (tmp_path / "a.md").mkdir()
    with pytest.raises(OSError):
        write_atomic(tmp_path / "a.md", "x")
    assert listing(tmp_path) == ["a.md"]


def test_write_atomic_interrupted_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(deliver.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "a.md", "x")
    monkeypatch.undo()
    assert listing(tmp_path) == []


# --- write_briefing --------------------------------------------------------------------


def test_write_briefing_writes_all_formats(tmp_path: Path) -> None:
    b = make_briefing()
    out = tmp_path / "outputs" / "nested"
    paths = write_briefing(b, out)
    assert paths == [out / "2026-11-26.md", out / "2026-11-26.html", out / "2026-11-26.json"]
    assert listing(out) == ["2026-11-26.html", "2026-11-26.json", "2026-11-26.md"]
    assert paths[0].read_text(encoding="utf-8") == render_markdown(b)
    assert paths[1].read_text(encoding="utf-8") == render_html(b, page=True)  # with previous/next day links
    assert paths[2].read_text(encoding="utf-8") == render_json(b)
    assert json.loads(paths[2].read_bytes())["stories"][0]["title"] == "Kraków opens first tram line"


def test_write_briefing_formats_title_and_stem(tmp_path: Path) -> None:
    paths = write_briefing(make_briefing(), tmp_path, ["json", "md", "md"], title="Evening", stem="evening")
    assert paths == [tmp_path / "evening.json", tmp_path / "evening.md"]
    assert paths[1].read_text(encoding="utf-8").startswith("# Evening — Thursday, 26 November 2026\n")


def test_rewrite_is_byte_identical_and_replaces(tmp_path: Path) -> None:
    first = [p.read_bytes() for p in write_briefing(make_briefing(), tmp_path)]
    second = [p.read_bytes() for p in write_briefing(make_briefing(), tmp_path)]
    assert first == second
    write_briefing(make_briefing("Something else entirely"), tmp_path)
    assert "Something else entirely" in (tmp_path / "2026-11-26.md").read_text(encoding="utf-8")
    assert "Kraków" not in (tmp_path / "2026-11-26.md").read_text(encoding="utf-8")
    assert listing(tmp_path) == ["2026-11-26.html", "2026-11-26.json", "2026-11-26.md"]


def test_out_dir_is_a_file(tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    out.write_text("not a folder")
    with pytest.raises(RenderError) as info:
        write_briefing(make_briefing(), out)
    message = str(info.value)
    assert str(out) in message
    assert "\n" not in message
    assert isinstance(info.value.__cause__, OSError)
    assert out.read_text() == "not a folder"


def test_write_failure_names_path_and_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_briefing(make_briefing(), tmp_path)
    old = (tmp_path / "2026-11-26.md").read_bytes()

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(deliver.os, "replace", full)
    with pytest.raises(RenderError) as info:
        write_briefing(make_briefing("Newer story"), tmp_path)
    monkeypatch.undo()
    assert str(info.value) == f"could not write {tmp_path / '2026-11-26.md'}: No space left on device"
    assert (tmp_path / "2026-11-26.md").read_bytes() == old
    assert listing(tmp_path) == ["2026-11-26.html", "2026-11-26.json", "2026-11-26.md"]


def test_target_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "2026-11-26.html").mkdir()
    with pytest.raises(RenderError, match=r"could not write .*2026-11-26\.html"):
        write_briefing(make_briefing(), tmp_path)
    assert not any(name.endswith(".tmp") for name in listing(tmp_path))


def test_unknown_format_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="unknown briefing format 'pdf'"):
        write_briefing(make_briefing(), tmp_path / "out", ["md", "pdf"])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("stem", ["", ".", "..", "../escape", "a/b"])
def test_stem_must_be_a_plain_name(tmp_path: Path, stem: str) -> None:
    with pytest.raises(RenderError, match="invalid briefing file name"):
        write_briefing(make_briefing(), tmp_path, stem=stem)
    assert listing(tmp_path) == []


def test_render_error_writes_nothing(tmp_path: Path) -> None:
    b = make_briefing()
    bad = Briefing(**{**b.__dict__, "stories": (RankedStory(**{**b.stories[0].__dict__, "score": float("nan")}),)})
    with pytest.raises(RenderError, match="non-finite"):
        write_briefing(bad, tmp_path)
    assert listing(tmp_path) == []


def test_lone_surrogate_in_feed_text_still_writes(tmp_path: Path) -> None:
    paths = write_briefing(make_briefing("broken \udc80 title"), tmp_path)
    assert json.loads(paths[2].read_text(encoding="utf-8"))["stories"][0]["title"] == "broken \udc80 title"
    assert "broken \ufffd title" in paths[0].read_text(encoding="utf-8")
