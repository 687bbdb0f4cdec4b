"""The guard bench's variant script: each unfaithful variant changes what it says it changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.guard import Item, cased, make_variants, truecase
from briefing.summarize.guard import extract_numbers

ITEMS = [
    Item(0, "police in boston said 12 people were hurt when a bus crashed on monday . the driver was taken to "
            "hospital . officials said the road will reopen on tuesday .",
         ["12 people were hurt when a bus crashed in boston .", "the road will reopen on tuesday ."]),
    Item(1, "a fire in denver destroyed three homes , officials said . no one was hurt .",
         ["a fire in denver destroyed three homes ."]),
]
NAMES = {"boston", "denver"}


def _vectors() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {s: v / np.linalg.norm(v) for s in (s for i in ITEMS for s in i.references) for v in [rng.normal(size=8)]}


def test_each_kind_changes_one_sentence_as_it_says() -> None:
    variants = make_variants(ITEMS, NAMES, _vectors(), seed=1)
    kinds = {(v.index, v.kind): v for v in variants}
    number = kinds[(0, "number")]
    assert number.sentences[number.changed] != number.original
    assert not extract_numbers(number.sentences[number.changed]) <= extract_numbers(ITEMS[0].article)
    name = kinds[(0, "name")]
    assert "denver" in name.sentences[name.changed] and "boston" not in name.sentences[name.changed]
    negation = kinds[(0, "negation")]
    assert negation.sentences[negation.changed] == "the road will not reopen on tuesday ."
    added = kinds[(0, "added")]
    assert added.sentences[:-1] == ITEMS[0].references and added.sentences[-1] == ITEMS[1].references[0]
    for v in variants:  # all other sentences untouched
        refs = ITEMS[v.index].references
        assert [s for k, s in enumerate(v.sentences) if k != v.changed] == [r for k, r in enumerate(refs)
                                                                               if k != v.changed or v.kind == "added"]


def test_capitals_come_back_on_sentence_starts_and_names() -> None:
    assert truecase("a bus crashed in boston . the driver was hurt .", NAMES) == (
        "A bus crashed in Boston . The driver was hurt .")
    items, variants = cased(ITEMS, make_variants(ITEMS, NAMES, _vectors(), seed=1), NAMES)
    assert items[0].references[0].startswith("12 people") and "Boston" in items[0].references[0]
    assert all(s[:1] == s[:1].upper() for v in variants for s in v.sentences)


def test_a_plain_added_claim_names_nothing_and_states_no_figure_the_article_lacks() -> None:
    from bench.guard import PLAIN

    items = [*ITEMS, Item(2, "the mayor of denver spoke on friday .", ["the mayor spoke about the weather ."])]
    variants = [v for v in make_variants(items, NAMES, _vectors_for(items), seed=1) if v.kind == PLAIN]
    assert variants
    for v in variants:
        added = v.sentences[v.changed]
        article = items[v.index].article
        assert v.sentences[:-1] == items[v.index].references and added not in items[v.index].references
        assert not extract_numbers(added) - extract_numbers(article)
        assert all(t in article.split() for t in added.split() if t in NAMES)


def _vectors_for(items: list[Item]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {s: v / np.linalg.norm(v) for s in (s for i in items for s in i.references) for v in [rng.normal(size=8)]}


class _Counting:
    model_id = "counting-encoder"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return np.ones((len(texts), 3), dtype=np.float32) * np.arange(1, len(texts) + 1)[:, None]

    def vocabulary(self) -> frozenset[str]:
        return frozenset()


def test_vectors_kept_in_a_file_are_not_embedded_again(tmp_path: Path) -> None:
    from bench.guard import _Memo

    path = tmp_path / "vectors.npz"
    first = _Memo(_Counting(), path)
    made = first.encode(["a storm .", "a fire ."])
    first.save()
    encoder = _Counting()
    again = _Memo(encoder, path)
    assert np.array_equal(again.encode(["a fire .", "a storm ."]), made[::-1]) and encoder.texts == []
    stamp = path.stat().st_mtime_ns
    again.save()  # nothing new: the file is not written again
    assert path.stat().st_mtime_ns == stamp
    again.encode(["new ."])
    assert encoder.texts == ["new ."]

    other = _Counting()
    other.model_id = "another-encoder"
    with pytest.raises(SystemExit, match=r"vectors\.npz: made with counting-encoder"):
        _Memo(other, path)


def test_dropped_references_are_listed_with_the_rule() -> None:
    from bench.guard import dropped_references
    from briefing.summarize.guard import Guard, GuardSettings

    from .helpers import WordVectors

    items = [Item(0, "Police in Boston said 12 people were hurt when a bus crashed on Monday.",
                  ["12 people were hurt when a bus crashed in Boston.", "14 people were hurt in Denver."])]
    dropped = dropped_references(Guard(WordVectors(), GuardSettings(check_support=False)), items)
    assert [(index, check.reason) for index, check in dropped] == [(0, "number")]
    assert dropped[0][1].sentence == "14 people were hurt in Denver."


def test_offset_selects_later_rows(tmp_path: Path) -> None:
    import gzip
    import json

    from bench.guard import load_items

    path = tmp_path / "rows.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as file:
        for k in range(6):
            file.write(json.dumps({"article": f"article {k} .", "highlights": f"highlight {k} .\nsecond {k} ."}) + "\n")
    items = load_items(path, 2, offset=3)
    assert [(i.index, i.article) for i in items] == [(0, "article 3 ."), (1, "article 4 .")]
    assert items[0].references == ["highlight 3 .", "second 3 ."]
    assert [i.article for i in load_items(path, 10, offset=5)] == ["article 5 ."]
