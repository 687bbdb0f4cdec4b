"""The cost of finding names and numbers: the casing rule (``briefing.rank.key_terms``) against spaCy's NER.

Texts: every distinct item of the ``daily/`` snapshots (title + the first 60 words of its description, HTML
stripped: what the ranker reads of a story's lead), in snapshot order, the first ``--limit``. Reports seconds per
1,000 texts for each finder, the model's load time and the process's peak RSS; ``--threads`` caps the BLAS/OpenMP
threads (threadpoolctl), ``--n-process`` is spaCy's own process pool. Run once per setting: peak RSS is the
process's. Also how often the two finders agree (Jaccard of the sets, mean).
"""

from __future__ import annotations

import argparse
import gzip
import html
import re
import resource
import time
from pathlib import Path
from typing import Any

from .common import DataMissing, table, write_result

TAG = re.compile(r"<[^>]+>")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads for the model (default 1)")
    parser.add_argument("--n-process", type=int, default=1, help="spaCy nlp.pipe processes (default 1)")
    parser.add_argument("--batch-size", type=int, default=64, help="nlp.pipe batch size (default 64)")
    parser.add_argument("--model", default=None, help="spaCy package (default: briefing.names.SPACY_MODELS)")


def feed_texts(data: Path, limit: int | None) -> list[tuple[str, str]]:
    """(first 60 words of the description, title) of each distinct item of the daily snapshots."""
    import feedparser

    from briefing.models import first_words

    daily = data / "daily"
    if not daily.is_dir():
        raise DataMissing(f"feed snapshot folder not found: {daily} (pass --data DIR or set BRIEFING_DATA)")
    seen: set[str] = set()
    texts = []
    for day in sorted(path for path in daily.iterdir() if path.is_dir()):
        for feed in sorted((day / "output").glob("*.xml.gz")):
            for entry in feedparser.parse(gzip.decompress(feed.read_bytes())).entries:
                title = _clean(entry.get("title"))
                text = " ".join(first_words(_clean(entry.get("summary")), 60))
                key = f"{title}\n{text}"
                if key in seen or not title:
                    continue
                seen.add(key)
                texts.append((text, title))
                if limit and len(texts) >= limit:
                    return texts
    return texts


def _clean(value: str | None) -> str:
    return " ".join(html.unescape(TAG.sub(" ", value or "")).split())


def run(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from briefing.names import load_spacy
    from briefing.rank import key_terms

    texts = feed_texts(args.data, args.limit)
    start = time.perf_counter()
    casing = [key_terms(text, title) for text, title in texts]
    casing_s = time.perf_counter() - start
    rss_before = _peak_rss_mib()

    from briefing import names

    with threadpool_limits(limits=args.threads):
        start = time.perf_counter()
        nlp = load_spacy(args.model)
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        docs = list(nlp.pipe((names._reading(t, h) for t, h in texts), batch_size=args.batch_size,
                             n_process=args.n_process))
        ner_s = time.perf_counter() - start
    spacy_terms = []
    for (_, title), doc in zip(texts, docs, strict=True):
        found = set(names._entity_terms(doc))
        if title and names.is_title_case(title):
            found |= key_terms("", title)
        spacy_terms.append(frozenset(found))
    agree = [len(a & b) / len(a | b) if a | b else 1.0 for a, b in zip(casing, spacy_terms, strict=True)]
    per = 1000 / len(texts)
    row: dict[str, Any] = {
        "texts": len(texts), "threads": args.threads, "n_process": args.n_process, "batch_size": args.batch_size,
        "casing_s_per_1000": round(casing_s * per, 4), "spacy_s_per_1000": round(ner_s * per, 3),
        "spacy_load_s": round(load_s, 2), "peak_rss_mib_before_spacy": rss_before,
        "peak_rss_mib": _peak_rss_mib(), "mean_terms_casing": round(sum(map(len, casing)) / len(texts), 2),
        "mean_terms_spacy": round(sum(map(len, spacy_terms)) / len(texts), 2),
        "mean_jaccard": round(sum(agree) / len(agree), 3), "pipes": list(nlp.pipe_names),
    }
    shown = {k: v for k, v in row.items() if k != "pipes"}
    print(table(list(shown), [list(shown.values())], digits=3))
    write_result(args.out, f"terms-t{args.threads}-p{args.n_process}", row, getattr(args, "argv", None))
    return 0


def _peak_rss_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
