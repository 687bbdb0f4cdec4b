"""``python -m bench first-events`` on a tiny labelled file and a tiny pool of fake feed snapshots: counts, halves,
JSON, the fresh labels joined to the pool by link, and missing data."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pytest

from bench.__main__ import main
from bench.common import read_jsonl
from bench.first_events import FRESH_FILE, half_of
from bench.first_events_pool import build_pool, unlabelled_cue

ROWS = [
    # (title, label, sample, kind): old = cue words, new = briefing.firsts
    ("Russia, Ukraine Begin First Direct Peace Talks in Three Years", 1, "cue", "first in years (rare break)"),  # both
    ("Gold hits $3,500 for first time", 0, "cue", "statistic/record"),  # old FP
    ("Entities linked to First Brands file for bankruptcy protection", 0, "cue", "other sense"),  # old FP
    ("Acme announces first quarterly dividend", 0, "cue", "statistic/record"),  # old FP ("announces")
    ("UK regulator approves Pisces private share market", 1, "random", "new market/regime"),  # both miss
    ("Central bank holds rates steady", 0, "random", "routine news"),  # neither
]


def _link(index: int, half: str) -> str:
    """A link that lands in the wanted half (the split is by sha1 of the link)."""
    for attempt in range(100):
        link = f"https://example.com/{index}/{attempt}"
        if half_of(link) == half:
            return link
    raise AssertionError("no link found")


FRESH = [
    # (title, description, label, half, quoted)
    ("Japan Gets Its First Female Leader, a Conservative Who Favors a Stronger Military", "", 1, "heldout", True),
    ("Hedge fund Millennium valued at $14bn in minority stake sale talks",
     "It opens up to external investors for the first time Markets", 0, "heldout", False),  # a prospect
    ("Swiss inflation turns negative for first time in four years", "", 0, "dev", False),  # old FP
    ("Apple opens its first retail stores in India", "", 1, "dev", False),
    ("Britain’s Royals Give Up Their Luxury Train", "", 1, "heldout", False),  # both miss
]


def _rss(items: list[tuple[str, str, str, str | None]]) -> bytes:
    """A minimal RSS 2.0 feed of (title, description, link, pubDate or None) items."""
    body = "".join(
        f"<item><title>{escape(title)}</title><description>{escape(description)}</description>"
        f"<link>{escape(link)}</link>" + (f"<pubDate>{published}</pubDate>" if published else "") + "</item>"
        for title, description, link, published in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{body}'
            "</channel></rss>").encode()


def _snapshots(data: Path) -> None:
    """Fake daily/ and daily_extra/ snapshots holding the fresh items' text (the pool the bench rebuilds)."""
    links = [_link(100 + index, half) for index, (_, _, _, half, _) in enumerate(FRESH)]
    first = [(title, f"<p>{description}</p>", link, "Fri, 16 May 2025 08:00:00 GMT")
             for (title, description, *_), link in zip(FRESH[:3], links[:3], strict=True)]
    day = data / "daily" / "2025-05-16" / "output"
    day.mkdir(parents=True)
    (day / "ft-home.xml.gz").write_bytes(gzip.compress(_rss(first)))
    day = data / "daily" / "2025-05-17" / "output"
    day.mkdir(parents=True)
    (day / "wsj_world.xml.gz").write_bytes(gzip.compress(_rss([
        (FRESH[0][0], "repeated link, later snapshot", links[0], None),
        (FRESH[3][0], FRESH[3][1], links[3], None),
        (FRESH[2][0].upper(), "same title, other link", "https://example.com/same-title", None),
        ("Central bank holds rates steady", "word " * 100, "https://example.com/other", None)])))
    (data / "daily_extra").mkdir()
    (data / "daily_extra" / "bbc_2024-08-08.xml").write_bytes(_rss([(FRESH[4][0], FRESH[4][1], links[4], None)]))


def _write(data: Path, snapshots: bool = True) -> Path:
    if snapshots:
        _snapshots(data)
    folder = data / "first_events"
    folder.mkdir(parents=True)
    with (folder / "labels.jsonl").open("w", encoding="utf-8") as file:
        for index, (title, label, sample, kind) in enumerate(ROWS):
            row = {"title": title, "description": "", "link": _link(index, "dev" if index % 2 else "heldout"),
                   "published": "2025-05-16", "source": "ft-home", "label": label, "kind": kind,
                   "note": f"note {index}", "sample": sample}
            file.write(json.dumps(row) + "\n")
    fresh = data / "fresh.jsonl"
    with fresh.open("w", encoding="utf-8") as file:
        for index, (_, _, label, half, quoted) in enumerate(FRESH):
            row = {"link": _link(100 + index, half), "label": label, "kind": "", "note": "", "sample": "cue",
                   "quoted": quoted}  # our fields only: the text comes from the snapshots
            file.write(json.dumps(row) + "\n")
    return fresh


def _counts(block: dict[str, Any]) -> tuple[int, int, int, int]:
    return block["tp"], block["fp"], block["fn"], block["tn"]


def test_first_events_counts_halves_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    fresh = _write(data)
    assert main(["first-events", "--data", str(data), "--out", str(out), "--fresh", str(fresh)]) == 0
    printed = capsys.readouterr().out
    assert "6 labelled items, 2 positive" in printed
    assert "dev: 3 items" in printed and "heldout: 3 items" in printed

    document = json.loads((out / "first-events.json").read_text())
    assert document["task"] == "first-events"
    assert document["command"].startswith("python -m bench first-events")
    assert document["split"]["measured_on"] == "fresh heldout" and document["split"]["dev"] == 3
    metrics = document["metrics"]
    assert _counts(metrics["new"]["all"]["all"]) == (1, 0, 1, 4)
    assert _counts(metrics["old"]["all"]["all"]) == (1, 3, 1, 1)
    assert _counts(metrics["new"]["all"]["cue"]) == (1, 0, 0, 3)
    assert _counts(metrics["new"]["all"]["random"]) == (0, 0, 1, 1)
    assert metrics["new"]["all"]["all"]["precision"] == 1.0 and metrics["new"]["all"]["all"]["recall"] == 0.5
    for name in ("old", "new"):  # halves add up to the whole
        for key in ("tp", "fp", "fn", "tn"):
            assert metrics[name]["dev"]["all"][key] + metrics[name]["heldout"]["all"][key] == \
                metrics[name]["all"]["all"][key]
    # pool-weighted: the cue stratum's 4 items stand for 390, the random stratum's 2 for 6,089
    estimate = metrics["new"]["all"]["pool_weighted"]
    assert estimate["precision"] == 1.0
    assert estimate["recall"] == pytest.approx((390 / 4) / (390 / 4 + 6089 / 2))

    # the fresh set: counts per half and by quoted/unquoted; the target is read on its held-out half
    assert document["fresh"]["items"] == 5 and document["fresh"]["positives"] == 3
    fresh_metrics = document["fresh"]["metrics"]
    assert _counts(fresh_metrics["new"]["heldout"]["all"]) == (1, 0, 1, 1)
    assert _counts(fresh_metrics["new"]["dev"]["all"]) == (1, 0, 0, 1)
    assert _counts(fresh_metrics["old"]["dev"]["all"]) == (1, 1, 0, 0)
    assert _counts(fresh_metrics["new"]["all"]["quoted"]) == (1, 0, 0, 0)
    assert _counts(fresh_metrics["new"]["all"]["unquoted"]) == (1, 0, 1, 2)
    assert document["target"]["on"] == "fresh heldout" and document["target"]["met"] is False
    assert "fresh held-out half (cue stratum only): missed (TP 1, FP 0, FN 1" in printed
    # the title-only ablation misses a cue told in the description
    assert _counts(metrics["new-title"]["all"]["all"])[0] == 1
    assert [e["title"] for e in document["errors"]["fresh"]["new"]["false_negatives"]] == [FRESH[4][0]]

    errors = document["errors"]["labels"]
    assert [e["title"] for e in errors["new"]["false_negatives"]] == [ROWS[4][0]]
    assert errors["new"]["false_positives"] == []
    assert {e["title"] for e in errors["old"]["false_positives"]} == {ROWS[1][0], ROWS[2][0], ROWS[3][0]}
    assert ROWS[4][0] in printed and "new market/regime" in printed  # every error is listed


def test_first_events_without_data_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["first-events", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "out")]) == 2
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("bench first-events: evaluation data folder not found") and "\n" not in printed

    (tmp_path / "empty").mkdir()
    assert main(["first-events", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 2
    printed = capsys.readouterr().out.strip()
    assert "first_events/labels.jsonl" in printed and "\n" not in printed
    assert not (tmp_path / "out").exists()


def test_first_events_hide_heldout_prints_no_heldout_item(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    fresh = _write(data)
    assert main(["first-events", "--data", str(data), "--out", str(out), "--fresh", str(fresh),
                 "--hide-heldout"]) == 0
    printed = capsys.readouterr().out
    assert "heldout " not in printed.split("halves by")[1].split("\n", 2)[2]  # no held-out row after the header
    # held-out errors are not listed
    assert FRESH[4][0] not in printed and ROWS[2][0] not in printed and ROWS[4][0] not in printed
    assert "target" not in printed
    document = json.loads((out / "first-events.json").read_text())
    assert set(document["fresh"]["metrics"]["new"]) == {"dev"}


def test_fresh_text_comes_from_the_pool(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write(data)
    pool = build_pool(data)
    by_link = {item["link"]: item for item in pool}
    first = by_link[_link(100, FRESH[0][3])]  # first appearance kept; a repeated link later is dropped
    assert first == {"title": FRESH[0][0], "description": "", "link": _link(100, FRESH[0][3]),
                     "published": "2025-05-16", "source": "ft-home"}
    assert by_link[_link(103, FRESH[3][3])]["published"] == "2025-05-17"  # no pubDate: the snapshot date
    assert by_link[_link(104, FRESH[4][3])]["source"] == "bbc_2024-08-08"
    assert by_link[_link(104, FRESH[4][3])]["published"] == "2024-08-08"
    assert by_link[_link(101, FRESH[1][3])]["description"] == FRESH[1][1]  # HTML stripped
    assert "https://example.com/same-title" not in by_link  # the same title (any case) later is dropped
    assert len(by_link["https://example.com/other"]["description"]) == 300
    assert len(pool) == 6
    # the unlabelled cue items: every fresh item but "Britain's Royals..." (no cue word); not the rates story
    assert [item["title"] for item in unlabelled_cue(data, pool)] == [row[0] for row in FRESH[:4]]


def test_labelled_links_are_embedded_as_the_pipeline_embeds_their_first_copy(tmp_path: Path) -> None:
    from bench.common import DataMissing
    from bench.first_events_pool import embedded, snapshot_items
    from briefing.embed import Encoder
    from briefing.models import Article
    from briefing.pipeline import embedding_text

    data = tmp_path / "data"
    _write(data)
    item = next(i for i in snapshot_items(data) if i["link"] == _link(101, FRESH[1][3]))
    vectors, model_id = embedded(data, [item["link"]])
    encoder = Encoder()
    expected = encoder.encode([embedding_text(Article(id=0, title=item["title"], text=item["description"],
                                                      url=item["link"], published=None, content_hash=""))])
    assert model_id == encoder.model_id and vectors.shape == (1, 384)
    assert float(vectors[0] @ expected[0]) > 0.999
    with pytest.raises(DataMissing, match=r"1 labelled links are not in the snapshots, e\.g\. https://nowhere"):
        embedded(data, [item["link"], "https://nowhere.example/x"])


def test_fresh_without_snapshots_is_skipped_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    fresh = _write(data, snapshots=False)
    assert main(["first-events", "--data", str(data), "--out", str(out), "--fresh", str(fresh)]) == 0
    printed = capsys.readouterr().out
    skipped = [line for line in printed.splitlines() if "fresh set skipped" in line]
    assert skipped == [f"fresh set skipped: feed snapshot folder not found: {data / 'daily'} "
                       "(pass --data DIR or set BRIEFING_DATA)"]
    assert "target" not in printed
    document = json.loads((out / "first-events.json").read_text())
    assert document["fresh"]["items"] == 0 and document["fresh"]["skipped"].startswith("feed snapshot folder")


def test_fresh_link_not_in_pool_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    fresh = _write(data)
    with fresh.open("a", encoding="utf-8") as file:
        file.write(json.dumps({"link": "https://example.com/gone", "label": 0, "sample": "cue"}) + "\n")
    assert main(["first-events", "--data", str(data), "--out", str(out), "--fresh", str(fresh)]) == 2
    printed = capsys.readouterr().out.strip()
    assert "\n" not in printed and printed.startswith("bench first-events: labelled link not in the pool")
    assert "https://example.com/gone" in printed and str(fresh) in printed
    assert not out.exists()


def test_repo_fresh_file_holds_only_our_fields() -> None:
    rows = [json.loads(line) for line in FRESH_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == 240 and len({row["link"] for row in rows}) == 240
    assert {key for row in rows for key in row} <= {"link", "label", "kind", "note", "sample", "quoted"}
    assert sum(row["label"] for row in rows) == 14 and sum(row["quoted"] for row in rows) == 30


# --- the UCI headlines labelled blind (bench/first_events_uci.py) ----------------------------------------------

UCI = [
    # (id, story, title, stratum, label)
    (11, "s1", "Russia, Ukraine Begin First Direct Peace Talks in Three Years", "cue", 1),  # both find it
    (12, "s2", "Gold hits $3,500 for first time", "cue", 0),  # old FP
    (13, "s3", "UK regulator approves Pisces private share market", "random", 1),  # both miss
    (14, "s4", "Central bank holds rates steady", "random", 0),
]


def _uci_stream(data: Path, extra: list[dict[str, Any]] | None = None) -> None:
    folder = data / "uci_news"
    folder.mkdir(parents=True)
    rows = [{"id": uid, "title": title, "url": f"https://example.com/{uid}", "publisher": "p", "category": "b",
             "story": story, "timestamp": f"2014-03-10T00:00:{uid:02d}.000Z"} for uid, story, title, _, _ in UCI]
    rows += extra or []
    with gzip.open(folder / "stream_dev.jsonl.gz", "wt", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps(row) + "\n")


def _uci_labels(path: Path, extra: list[dict[str, Any]] | None = None) -> Path:
    rows = [{"id": uid, "story": story, "stratum": stratum, "label": label, "kind": "", "note": f"n{uid}"}
            for uid, story, _, stratum, label in UCI] + (extra or [])
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_uci_titles_rebuilt_by_id_and_scored(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import first_events_uci

    data, out = tmp_path / "data", tmp_path / "out"
    _uci_stream(data)
    labels = _uci_labels(tmp_path / "uci.jsonl")
    items = first_events_uci.load(labels, read_jsonl(data / "uci_news" / "stream_dev.jsonl.gz"))
    assert [(item.id, item.title, item.stratum) for item in items] == [(u, t, s) for u, _, t, s, _ in UCI]

    monkeypatch.setattr(first_events_uci, "LABEL_FILE", labels)
    assert main(["first-events", "--uci", "--data", str(data), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    document = json.loads((out / "first-events-uci.json").read_text())
    assert document["pool"] == {"cue": 2, "random": 2}
    new, old = document["metrics"]["new-title"], document["metrics"]["old"]
    assert _counts(new["cue"]) == (1, 0, 0, 1) and _counts(new["random"]) == (0, 0, 1, 1)
    assert _counts(old["all"]) == (1, 1, 1, 1)
    assert document["errors"]["old"]["false_positives"][0]["id"] == 12
    # pool-weighted: each stratum's 2 items stand for its 2 pool headlines here
    assert new["pool_weighted"]["precision"] == 1.0 and new["pool_weighted"]["recall"] == 0.5
    assert UCI[2][2] in printed and "[random, 13]" in printed  # every error is listed with its title


def test_uci_missing_id_is_one_line_and_absent_stream_skips(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import first_events_uci

    data, out = tmp_path / "data", tmp_path / "out"
    monkeypatch.setattr(first_events_uci, "LABEL_FILE", _uci_labels(
        tmp_path / "uci.jsonl", [{"id": 99, "story": "s9", "stratum": "cue", "label": 0}]))
    assert main(["first-events", "--uci", "--data", str(data), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("bench first-events --uci: skipped: UCI stream not found") and "\n" not in printed

    _uci_stream(data)
    assert main(["first-events", "--uci", "--data", str(data), "--out", str(out)]) == 2
    printed = capsys.readouterr().out.strip()
    assert "\n" not in printed and printed.startswith("bench first-events --uci: labelled UCI id 99 is not in")
    assert not out.exists()


def test_uci_sample_is_deterministic_one_per_story_and_follows_the_cue_regex() -> None:
    from bench.first_events_pool import CUE
    from bench.first_events_uci import normalise, sample

    stream = []
    for uid in range(400):
        story = f"s{uid // 4}"  # 100 stories of 4 items
        word = "first" if uid % 3 == 0 else "Record" if uid % 7 == 0 else "plain"
        stream.append({"id": uid, "story": story, "title": f"Story {uid // 4} item {uid % 4} {word}",
                       "timestamp": f"2014-03-10T00:{uid // 60:02d}:{uid % 60:02d}.000Z"})
    stream.append({**stream[0], "id": 1000, "title": "STORY 0 -- item 0,  FIRST!", "story": "dup"})  # same title
    picked = sample(stream, {"cue": 20, "random": 10}, seed=7)
    assert picked == sample(list(stream), {"cue": 20, "random": 10}, seed=7)
    assert picked != sample(stream, {"cue": 20, "random": 10}, seed=8)
    assert [item["stratum"] for item in picked] == ["cue"] * 20 + ["random"] * 10
    assert len({item["story"] for item in picked}) == 30  # one item per story, across strata
    for item in picked:
        assert (CUE.search(item["title"]) is not None) == (item["stratum"] == "cue")
    assert 1000 not in {item["id"] for item in picked}  # a repeated headline (normalised) is not a candidate
    assert normalise("STORY 0 -- item 0,  FIRST!") == normalise("Story 0 item 0 first")
    assert len(sample(stream, {"cue": 500, "random": 0})) == 100  # no more items than stories


def test_uci_second_sample_excludes_the_first_samples_stories_and_is_deterministic() -> None:
    from bench.first_events_uci import sample, second_sample

    stream = [{"id": uid, "story": f"s{uid // 2}", "title": f"Story {uid} {'first' if uid % 4 == 0 else 'plain'}",
               "timestamp": f"2014-03-10T00:{uid // 60:02d}:{uid % 60:02d}.000Z"} for uid in range(200)]
    sizes = {"cue": 10, "random": 10}
    first = sample(stream, sizes, seed=3)
    second = second_sample(stream, sizes, seed=4, first_seed=3)
    assert second == second_sample(list(stream), sizes, seed=4, first_seed=3)
    assert [item["stratum"] for item in second] == ["cue"] * 10 + ["random"] * 10
    assert len({item["story"] for item in second}) == 20
    assert not {item["story"] for item in first} & {item["story"] for item in second}
    assert second == sample(stream, sizes, seed=4, exclude_stories={item["story"] for item in first})
    # exclusion is what keeps them apart: the same seed without it overlaps the first sample
    assert {item["story"] for item in sample(stream, sizes, seed=4)} & {item["story"] for item in first}
    assert not sample(stream, sizes, seed=4, exclude_stories={f"s{n}" for n in range(100)})


def test_repo_uci2_file_is_a_second_sample_apart_from_the_first() -> None:
    from bench.first_events_uci import LABEL_FILE, LABEL_FILE_2

    first, second = ([json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
                     for path in (LABEL_FILE, LABEL_FILE_2))
    assert len(second) == 400 and len({row["story"] for row in second}) == 400
    assert {key for row in second for key in row} == {"id", "story", "stratum", "label", "kind", "note"}
    assert sum(row["stratum"] == "cue" for row in second) == 300
    assert not {row["story"] for row in first} & {row["story"] for row in second}
    assert all(row["note"] for row in second if row["label"])


def test_repo_uci_file_holds_only_our_fields() -> None:
    from bench.first_events_uci import LABEL_FILE

    rows = [json.loads(line) for line in LABEL_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == 400 and len({row["id"] for row in rows}) == 400 and len({row["story"] for row in rows}) == 400
    assert {key for row in rows for key in row} == {"id", "story", "stratum", "label", "kind", "note"}
    assert sum(row["stratum"] == "cue" for row in rows) == 300
    assert all(row["note"] for row in rows if row["label"])
# --- in context: the detector as the ranking uses it (bench/first_events_context.py) -------------------------------

YESTERDAY = ("France recognises a Palestinian state for the first time",
             "France recognised a Palestinian state on Thursday, a first for a G7 country")
FOLLOW_UP = ("Israel condemns France over its recognition of a Palestinian state",
             "France recognised a Palestinian state for the first time on Thursday, drawing anger from Israel")
EXTRA_FOLLOW_UP = ("Israel condemns Paris over recognition of a Palestinian state", FOLLOW_UP[1])


def _context_data(data: Path) -> None:
    """A first reported in yesterday's headline, today's follow-up telling it in its description, and a copy of the
    follow-up in daily_extra/ (no history)."""
    links = ["https://example.com/yesterday", "https://example.com/follow-up", "https://example.com/extra"]
    for day, (title, description), link in (("2025-05-16", YESTERDAY, links[0]), ("2025-05-17", FOLLOW_UP, links[1])):
        folder = data / "daily" / day / "output"
        folder.mkdir(parents=True)
        (folder / "wsj_world.xml.gz").write_bytes(gzip.compress(_rss([(title, description, link, None)])))
    (data / "daily_extra").mkdir()
    (data / "daily_extra" / "bbc_2024-08-08.xml").write_bytes(_rss([(*EXTRA_FOLLOW_UP, links[2], None)]))
    (data / "first_events").mkdir()
    with (data / "first_events" / "labels.jsonl").open("w", encoding="utf-8") as file:
        for (title, description), link, label, published, source in (
                (YESTERDAY, links[0], 1, "2025-05-16", "wsj_world"),
                (FOLLOW_UP, links[1], 0, "2025-05-17", "wsj_world"),
                (EXTRA_FOLLOW_UP, links[2], 0, "2024-08-08", "bbc_2024-08-08")):
            file.write(json.dumps({"title": title, "description": description, "link": link, "published": published,
                                   "source": source, "label": label, "kind": "", "note": "", "sample": "cue"}) + "\n")


def test_in_context_drops_a_follow_up_whose_first_a_past_headline_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from bench import first_events_context as context
    from briefing.config import RankConfig
    from briefing.pipeline import embedding_text, headline_text, history_item
    from tests.helpers import WordVectors

    data, out = tmp_path / "data", tmp_path / "out"
    _context_data(data)
    encoder = WordVectors()
    monkeypatch.setattr(context, "make_encoder", lambda: encoder)
    assert main(["first-events", "--data", str(data), "--out", str(out), "--fresh", str(tmp_path / "none.jsonl"),
                 "--in-context"]) == 0
    printed = capsys.readouterr().out
    block = json.loads((out / "first-events.json").read_text())["in_context"]
    counted = block["metrics"]["labels (in-sample)"]
    # alone, the detector flags both follow-ups (their description tells the first); in context, the one with
    # yesterday's headline in its history is dropped (known_event), the one without history is kept
    assert (counted["isolated"]["tp"], counted["isolated"]["fp"]) == (1, 2)
    assert (counted["shown"]["tp"], counted["shown"]["fp"], counted["shown"]["fn"]) == (1, 1, 0)
    assert (counted["new-or-development"]["tp"], counted["new-or-development"]["fp"]) == (1, 1)
    assert [e["title"] for e in block["errors"]["shown"]] == [EXTRA_FOLLOW_UP[0]]
    assert block["items_without_history"] == {"daily_extra": 1, "empty": 2}  # the extra copy and the first day
    assert "in context, shown: 1 false positives, 0 false negatives" in printed
    assert (out / context.VECTORS).is_file()

    # the same decision, item by item: with yesterday in the history it is dropped and says why; without, kept
    config = RankConfig()

    def article(index: int, title: str, text: str, day: str) -> context.Article:
        return context.to_article(index, {"title": title, "description": text, "link": f"https://x/{index}",
                                          "published": day, "source": "wsj_world"})

    past = article(0, *YESTERDAY, "2025-05-16")
    today = article(1, *FOLLOW_UP, "2025-05-17")
    assert today.published == datetime(2025, 5, 17, tzinfo=UTC)
    vectors = encoder.encode([embedding_text(past), embedding_text(today)])
    assert float(vectors[0] @ vectors[1]) >= config.new_below  # related, as the rule needs

    def heads(titles: list[str]) -> np.ndarray:
        return encoder.encode([headline_text(t) for t in titles])

    dropped = context.decide(today, vectors[1], [history_item(past, vectors[0])], config, heads)
    kept = context.decide(today, vectors[1], [], config, heads)
    assert dropped.isolated and dropped.no_history and dropped.shown is None
    assert dropped.known_by == (YESTERDAY[0],) and not dropped.hit("shown")
    assert kept.shown == dropped.no_history and kept.status == "new" and kept.hit("new-or-development")


def test_confirmer_leave_one_set_out_never_trains_or_tunes_on_the_held_out_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--confirmer``: each held-out set is exactly one set; no test item reaches a fit, the inner CV that picks C
    and the threshold, or the threshold choice; the confirmer keeps only rule hits."""
    from bench import first_events_confirm as confirm
    from bench import first_events_model as model

    rng = np.random.default_rng(0)
    groups = np.repeat(np.array(["a", "b", "c"]), 30)
    labels = np.tile(np.array([1] * 6 + [0] * 24), 3)
    vectors = rng.normal(size=(90, 4)) + labels[:, None]  # every row distinct: a row names its item
    rule = (labels == 1) ^ (rng.random(90) < 0.2)
    x = {"lr": vectors, "lr+rule": np.hstack([vectors, rule[:, None].astype(float), np.zeros((90, 1))])}
    index = {row[:4].tobytes(): i for i, row in enumerate(vectors)}
    seen: set[int] = set()
    tuned_on: list[int] = []
    real_fit, real_inner, real_best = model._fit, model.inner_scores, model.best_threshold

    def rows(features: np.ndarray) -> set[int]:
        return {index[np.ascontiguousarray(row[:4]).tobytes()] for row in features}

    def fit(features: np.ndarray, y: np.ndarray, c: float) -> Any:
        seen.update(rows(features))
        return real_fit(features, y, c)

    def inner(features: np.ndarray, y: np.ndarray) -> dict[float, np.ndarray]:
        seen.update(rows(features))
        return real_inner(features, y)

    def best(scored: dict[float, np.ndarray], y: np.ndarray, gate: np.ndarray | None = None) -> tuple[float, float]:
        tuned_on.append(len(y))
        return real_best(scored, y, gate)

    monkeypatch.setattr(model, "_fit", fit)
    monkeypatch.setattr(model, "inner_scores", inner)
    monkeypatch.setattr(model, "best_threshold", best)
    tested = []
    for name, train, test in confirm.leave_one_set_out(groups):
        assert set(test) == set(np.flatnonzero(groups == name)) and set(train) == set(np.flatnonzero(groups != name))
        seen.clear()
        tuned_on.clear()
        hits, scored, chosen = confirm.fold(x, labels, rule, train, test)
        assert seen and not seen & set(test.tolist())  # no test item in any fit or inner fold
        assert tuned_on == [len(train)] * 3  # lr, firsts AND lr, lr+rule: thresholds from training scores only
        assert not (hits["firsts AND lr"] & ~rule[test]).any()
        assert set(chosen) == {"lr", "firsts AND lr", "lr+rule"} and all(len(s) == len(test) for s in scored.values())
        tested += test.tolist()
    assert sorted(tested) == list(range(90))

    result = confirm.cross_validate(x, labels, rule, confirm.leave_one_set_out(groups))
    metrics, _ = confirm.summarise(result, labels, rule, groups, "leave-one-set-out")
    assert metrics["pooled"]["rules"]["tp"] == int((rule & (labels == 1)).sum())
    assert metrics["a"]["lr"]["n"] == 30 and metrics["pooled"]["lr"]["n"] == 90


def test_confirmer_embeds_the_text_the_product_embeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.first_events_confirm import product_text

    assert product_text("Opinion | Apple opens its first store in India", "") == "Apple opens its first store in India."
    assert product_text("Apple opens a store", "It is the first in India.") == \
        "Apple opens a store. It is the first in India."
    assert main(["first-events", "--confirmer", "--data", str(tmp_path / "absent"), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("bench first-events --confirmer: skipped: evaluation data folder")
