"""The guard bench's variant script: each unfaithful variant changes what it says it changes."""

from __future__ import annotations

import numpy as np

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
