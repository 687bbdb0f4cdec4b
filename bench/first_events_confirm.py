"""A learned confirmer for ``briefing.firsts``, cross-validated across the four first-event label sets (issue #9 §2).

``python -m bench first-events --confirmer``. The four sets, pooled: ``labels`` (300, title + description),
``fresh`` (240 cue items, text from the rebuilt pool), ``uci`` and ``uci2`` (400 UCI headlines each, headline only).
Per item: the product's MiniLM vector of the text as the product embeds it (``briefing.pipeline.embedding_text`` of
the item as an article: the headline, or "headline. first 50 words of the description"; the encoder of
``EmbedConfig()``, as ``bench/first_events_context.py`` makes it), and the rule ``briefing.firsts.first_event(title,
description)`` (description "" for UCI), its hit in the title or in the description.

Models: the logistic regression of ``bench/first_events_model.py`` (its fit, its C grid, its inner cross-validation).
Variants, every one scored against ``rules`` (the rule alone) on the same items:

- ``lr``: the regression on the vector alone, threshold for the best F1 of the regression;
- ``firsts AND lr``: the confirmer: a rule hit that the same regression keeps; threshold (and C) for the best F1 of
  the AND, so it is tuned to confirm, not to detect;
- ``lr+rule``: the regression on the vector plus two indicators, rule hit in the title and rule hit in the
  description.

Protocols: **leave one set out** (train on three sets, test on the fourth) and stratified 10-fold CV on the pooled
items (seed 0). In both, C and the threshold are chosen by the inner stratified 5-fold CV of
``first_events_model.inner_scores`` on the training part only. The ``ceiling`` column reads the best precision at
recall >= 0.70 off the test fold's own scores (a threshold chosen on the test fold: an upper bound on what any
threshold rule could do with these scores, not a result).

Honesty: the rules were written from the labels (both halves), the fresh dev half and the first UCI sample, so the
rule features are in-sample there; on the fresh held-out half and the second UCI sample they are clean.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from briefing.firsts import first_event
from briefing.models import Article
from briefing.pipeline import embedding_text

from . import first_events_model as model
from .common import DataMissing, read_jsonl, require, table, write_result
from .first_events import DATA_FILE, TARGET_PRECISION, TARGET_RECALL, UnknownLink, load, load_fresh, scores

SETS = ("labels", "fresh", "uci", "uci2")
VARIANTS = ("rules", "lr", "firsts AND lr", "lr+rule")
LEARNED = VARIANTS[1:]
OUTER_FOLDS = 10
VECTORS = "first-events-confirmer-vectors.npz"


@dataclass(frozen=True)
class Case:
    set: str
    key: str  # the link (labels, fresh) or the UCI id
    title: str
    description: str
    label: int
    rule: str | None  # first_event's "where: phrase", None without a hit
    half: str = ""  # labels and fresh: dev or heldout
    note: str = ""


def product_text(title: str, description: str) -> str:
    """The text the product embeds for an item with this title and feed description (``embedding_text``)."""
    when = datetime(2000, 1, 1, tzinfo=UTC)
    return embedding_text(Article(id=0, title=title, text=description, url=None, published=when, content_hash=""))


def _case(name: str, key: str, title: str, description: str, label: int, half: str = "", note: str = "") -> Case:
    event = first_event(title, description)
    return Case(name, key, title, description, label, None if event is None else f"{event.where}: {event.phrase}",
                half, note)


def features(vectors: np.ndarray, cases: Sequence[Case]) -> dict[str, np.ndarray]:
    """Per learned variant: the feature matrix (the vector, and for ``lr+rule`` the two rule indicators)."""
    in_title = np.array([c.rule is not None and c.rule.startswith("title") for c in cases], dtype=float)
    in_text = np.array([c.rule is not None and not c.rule.startswith("title") for c in cases], dtype=float)
    return {"lr": vectors, "lr+rule": np.hstack([vectors, in_title[:, None], in_text[:, None]])}


def fold(x: dict[str, np.ndarray], labels: np.ndarray, rule: np.ndarray, train: np.ndarray,
         test: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, Any]]:
    """Decisions and scores on ``test`` of every variant, each model and threshold chosen on ``train`` only."""
    y = labels[train]
    hits: dict[str, np.ndarray] = {"rules": rule[test].copy()}
    scored: dict[str, np.ndarray] = {}
    chosen: dict[str, Any] = {}
    inner = model.inner_scores(x["lr"][train], y)
    for name, gate in (("lr", None), ("firsts AND lr", rule[train])):
        c, threshold = model.best_threshold(inner, y, gate)
        scored[name] = model._fit(x["lr"][train], y, c).predict_proba(x["lr"][test])[:, 1]
        hits[name] = scored[name] >= threshold
        chosen[name] = {"C": c, "threshold": threshold}
    hits["firsts AND lr"] &= rule[test]
    c, threshold = model.best_threshold(model.inner_scores(x["lr+rule"][train], y), y)
    scored["lr+rule"] = model._fit(x["lr+rule"][train], y, c).predict_proba(x["lr+rule"][test])[:, 1]
    hits["lr+rule"] = scored["lr+rule"] >= threshold
    chosen["lr+rule"] = {"C": c, "threshold": threshold}
    return hits, scored, chosen


def leave_one_set_out(groups: np.ndarray) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(held-out set, training indices, test indices): train on every other set, test on this one."""
    for name in dict.fromkeys(groups.tolist()):
        yield name, np.flatnonzero(groups != name), np.flatnonzero(groups == name)


def stratified(labels: np.ndarray, folds: int = OUTER_FOLDS) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(min(folds, int(labels.sum())), shuffle=True, random_state=model.SEED)
    for number, (train, test) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        yield f"fold {number}", train, test


def cross_validate(x: dict[str, np.ndarray], labels: np.ndarray, rule: np.ndarray,
                   splits: Iterator[tuple[str, np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """Every item's out-of-fold decision and score per variant; the C and threshold chosen in each fold."""
    hits = {name: np.zeros(len(labels), dtype=bool) for name in VARIANTS}
    scored = {name: np.full(len(labels), np.nan) for name in LEARNED}
    chosen = {}
    for name, train, test in splits:
        fold_hits, fold_scores, chosen[name] = fold(x, labels, rule, train, test)
        for variant, hit in fold_hits.items():
            hits[variant][test] = hit
        for variant, score in fold_scores.items():
            scored[variant][test] = score
    return {"hits": hits, "scores": scored, "chosen": chosen}


def ceiling(score: np.ndarray, labels: np.ndarray, gate: np.ndarray | None = None) -> float | None:
    """The best precision at recall >= TARGET_RECALL of any threshold on these scores (read on the test items)."""
    best = None
    positives = int(labels.sum())
    for threshold in np.unique(score):
        hit = score >= threshold
        if gate is not None:
            hit &= gate
        tp = int((hit & (labels == 1)).sum())
        if positives and tp / positives >= TARGET_RECALL:
            precision = tp / int(hit.sum())
            best = precision if best is None else max(best, precision)
    return best


def summarise(result: dict[str, Any], labels: np.ndarray, rule: np.ndarray, groups: np.ndarray,
              view: str) -> tuple[dict[str, Any], list[list[Any]]]:
    metrics: dict[str, Any] = {}
    rows = []
    for part in (*dict.fromkeys(groups.tolist()), "pooled"):
        chosen = np.ones(len(labels), dtype=bool) if part == "pooled" else groups == part
        metrics[part] = {}
        for variant in VARIANTS:
            hit, y = result["hits"][variant][chosen], labels[chosen]
            found = model._counts(hit, y)
            top = None
            if variant != "rules" and not (part == "pooled" and view == "leave-one-set-out"):
                gate = rule[chosen] if variant == "firsts AND lr" else None
                top = ceiling(result["scores"][variant][chosen], y, gate)
            block = metrics[part][variant] = {**found, **scores(found["tp"], found["fp"], found["fn"]),
                                              "ceiling": top}
            block["target"] = bool(block["precision"] is not None and block["recall"] is not None
                                   and block["precision"] >= TARGET_PRECISION and block["recall"] >= TARGET_RECALL)
            rows.append([view, part, variant, found["n"], found["positives"], found["tp"], found["fp"], found["fn"],
                         block["precision"], block["recall"], block["f1"], top, "yes" if block["target"] else ""])
    return metrics, rows


def load_sets(args: argparse.Namespace) -> list[Case]:
    """The four label sets as cases; DataMissing (one line) if one is absent."""
    from .first_events_uci import LABEL_FILE, LABEL_FILE_2, STREAM
    from .first_events_uci import load as load_uci

    cases = [_case("labels", i.link, i.title, i.description, i.label, i.half, i.kind)
             for i in load(require(args.data, DATA_FILE), args.limit)]
    if args.fresh is None or not args.fresh.exists():
        raise DataMissing(f"fresh label file not found: {args.fresh}")
    cases += [_case("fresh", i.link, i.title, i.description, i.label, i.half, i.kind)
              for i in load_fresh(args.fresh, args.data, args.limit)]
    stream = list(read_jsonl(require(args.data, STREAM)))
    for name, path in (("uci", LABEL_FILE), ("uci2", LABEL_FILE_2)):
        if not path.exists():
            raise DataMissing(f"UCI label file not found: {path}")
        cases += [_case(name, str(i.id), i.title, "", i.label, note=i.kind) for i in load_uci(path, stream, args.limit)]
    return cases


def run(args: argparse.Namespace, encoder: Any = None) -> int:
    """``python -m bench first-events --confirmer``: both protocols, the tables, UCI2's confirmer errors, JSON."""
    from .first_events_context import VectorCache, make_encoder

    try:
        cases = load_sets(args)
    except DataMissing as exc:
        print(f"bench first-events --confirmer: skipped: {exc}")
        return 0
    except UnknownLink as exc:
        print(f"bench first-events --confirmer: {exc}")
        return 2
    cache = VectorCache(encoder if encoder is not None else make_encoder(), args.out / VECTORS)
    vectors = cache.encode([product_text(c.title, c.description) for c in cases])
    labels = np.array([c.label for c in cases])
    rule = np.array([c.rule is not None for c in cases])
    groups = np.array([c.set for c in cases])
    x = features(vectors, cases)
    counted = {name: (int((groups == name).sum()), int(labels[groups == name].sum())) for name in SETS}
    print(f"first-events --confirmer: {len(cases)} items, {int(labels.sum())} positive ("
          + ", ".join(f"{name} {n}/{p}" for name, (n, p) in counted.items()) + f"); {cache.embedded} texts embedded, "
          f"the rest from {args.out / VECTORS}")
    print(f"  features: the product's vector of embedding_text ({vectors.shape[1]} dims); lr+rule adds the rule's "
          "hit in the title and in the description\n  C in " + str(model.C_GRID) + f" and threshold (best F1) by inner "
          f"stratified {model.INNER_FOLDS}-fold CV on the training part only; ceiling = best precision at recall >= "
          f"{TARGET_RECALL} with a threshold read on the test items (an upper bound, not a result)")

    loso = cross_validate(x, labels, rule, leave_one_set_out(groups))
    pooled = cross_validate(x, labels, rule, stratified(labels))
    loso_metrics, loso_rows = summarise(loso, labels, rule, groups, "leave-one-set-out")
    pooled_metrics, pooled_rows = summarise(pooled, labels, rule, groups, "10-fold")
    headers = ["protocol", "test set", "variant", "n", "pos", "TP", "FP", "FN", "precision", "recall", "F1",
               "ceiling", f"P>={TARGET_PRECISION}, R>={TARGET_RECALL}"]
    print("\n" + table(headers, loso_rows))
    print("\n" + table(headers, pooled_rows))
    print("\nleave-one-set-out, chosen on the training sets: " + "; ".join(
        f"{name}: " + ", ".join(f"{v} C {c['C']:g} t {c['threshold']:.3f}" for v, c in chosen.items())
        for name, chosen in loso["chosen"].items()))

    # Halves of labels and fresh (the fresh held-out half and uci2 are the sets the rules never read).
    half_rows = []
    for name in ("labels", "fresh"):
        for half in ("dev", "heldout"):
            picked = np.array([c.set == name and c.half == half for c in cases])
            for variant in VARIANTS:
                found = model._counts(loso["hits"][variant][picked], labels[picked])
                half_rows.append([f"{name} {half}", variant, found["n"], found["positives"], found["tp"], found["fp"],
                                  found["fn"], *scores(found["tp"], found["fp"], found["fn"]).values()])
    print("\nleave-one-set-out, by half:\n" + table(["set", "variant", "n", "pos", "TP", "FP", "FN", "precision",
                                                     "recall", "F1"], half_rows))

    listed = confirmer_errors(cases, loso, "uci2")
    for key, text in (("dropped_true_positives", "rule hits it dropped that are events"),
                      ("kept_false_positives", "rule hits it kept that are not")):
        print(f"\nuci2 held out, firsts AND lr: {len(listed[key])} {text} (id | score | title | kind | rule)")
        for entry in listed[key]:
            print(f"  {entry['id']} | {entry['score']:.3f} | {entry['title']} | {entry['kind']} | {entry['rule']}")

    payload = {"sets": {name: {"n": n, "positives": p} for name, (n, p) in counted.items()},
               "features": "briefing.pipeline.embedding_text vectors (EmbedConfig()); lr+rule: + rule hit in title, "
                           "rule hit in description",
               "inner": {"C": list(model.C_GRID), "folds": model.INNER_FOLDS, "criterion": "best F1"},
               "leave_one_set_out": {"metrics": loso_metrics, "chosen": loso["chosen"]},
               "stratified_10_fold": {"metrics": pooled_metrics, "seed": model.SEED},
               "uci2_confirmer_errors": listed, "embedded": cache.embedded}
    out = write_result(args.out, "first-events-confirmer", payload, args.argv)
    print(f"\nwrote {out}")
    return 0


def confirmer_errors(cases: Sequence[Case], result: dict[str, Any], name: str) -> dict[str, list[dict[str, Any]]]:
    """The confirmer's dropped true positives and kept false positives on one held-out set."""
    listed: dict[str, list[dict[str, Any]]] = {"dropped_true_positives": [], "kept_false_positives": []}
    for i, case in enumerate(cases):
        if case.set != name or case.rule is None:
            continue
        kept = bool(result["hits"]["firsts AND lr"][i])
        if bool(case.label) != kept:
            key = "dropped_true_positives" if case.label else "kept_false_positives"
            listed[key].append({"id": case.key, "score": float(result["scores"]["firsts AND lr"][i]),
                                "title": case.title, "kind": case.note, "rule": case.rule})
    return listed
