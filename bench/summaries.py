"""ROUGE on CNN/DailyMail: Lead-3, our backends, sumy LexRank/TextRank and newspaper4k, in one run.

Data: ``cnndm/test_even.jsonl.gz`` (lowercased, PTB-tokenized; ``highlights`` are "\\n"-joined
reference sentences). Scores: ``rouge_score`` F1 with ``use_stemmer=True``; rougeLsum over
"\\n"-joined sentences of candidate and reference. Every system gets the same sentence splitter
(``briefing.summarize.split_sentences``) so the comparison is about selection, not splitting.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .common import read_jsonl, require, table, write_result

DATA_FILE = "cnndm/test_even.jsonl.gz"
METRICS = ("rouge1", "rouge2", "rougeLsum")
README_LEAD3 = {"rouge1": 40.10, "rouge2": 17.55, "rougeLsum": 36.44}
"""Lead-3 on the full even half as the data README measured it."""
PUBLISHED_LEAD3 = {"rouge1": 40.3, "rouge2": 17.7, "rougeLsum": 36.6}
"""Published Lead-3 on the CNN/DM test set (See et al. 2017)."""
LEAD3_TOLERANCE = 0.5
EXTERNAL = ("lead3", "lexrank", "textrank", "newspaper4k")
SENTENCES = 3
CHUNK = 32
"""Articles per backend call, as the pipeline batches them."""
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_FIXED_TIME = datetime(2015, 4, 1, tzinfo=UTC)


@dataclass
class Doc:
    index: int
    id: str
    article: str
    highlights: str
    sentences: list[str]


@dataclass
class SystemResult:
    name: str
    status: str = "ok"  # "ok", or "not available: ..." / "failed: ..."
    note: str = ""
    setup_s: float = 0.0
    run_s: float = 0.0
    scores: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METRICS})
    summary_sentences: list[int] = field(default_factory=list)

    def mean(self, metric: str) -> float | None:
        values = self.scores[metric]
        return 100.0 * float(np.mean(values)) if values else None


def default_systems() -> list[str]:
    from briefing.summarize import BACKENDS

    return ["lead3", *BACKENDS, "lexrank", "textrank", "newspaper4k"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--systems", default=None,
                        help="comma list (default: lead3, every configured backend, lexrank, textrank, newspaper4k)")
    parser.add_argument("--split", choices=("all", "train", "dev"), default="all",
                        help="rows by index in file order: train = index %% 5 == 0, dev = the rest (default: all)")
    parser.add_argument("--title", choices=("none", "first-sentence"), default="none",
                        help="title handed to title-aware systems; CNN/DM has none (default: none = empty)")
    parser.add_argument("--sentences", type=int, default=SENTENCES, help="summary length in sentences (default 3)")
    parser.add_argument("--runtime", choices=("torch", "onnx"), default=None,
                        help="embed.runtime of the encoder (default: briefing's default)")


def load_docs(path: Path, split: str, limit: int | None) -> list[Doc]:
    from briefing.summarize import split_sentences

    docs: list[Doc] = []
    for index, row in enumerate(read_jsonl(path)):
        if split == "train" and index % 5 != 0:
            continue
        if split == "dev" and index % 5 == 0:
            continue
        docs.append(Doc(index, row["id"], row["article"], row["highlights"], split_sentences(row["article"])))
        if limit is not None and len(docs) >= limit:
            break
    return docs


# --- systems ----------------------------------------------------------------------------------------
# A system factory returns (batch function: docs -> list of sentence lists, note); it raises
# Unavailable when its library is missing.


class Unavailable(Exception):
    pass


Batch = Callable[[Sequence[Doc]], list[list[str]]]


def _title(doc: Doc, mode: str) -> str:
    return doc.sentences[0] if mode == "first-sentence" and doc.sentences else ""


def _lead3(k: int, _title_mode: str, _encoder: Any) -> tuple[Batch, str]:
    return (lambda docs: [d.sentences[:k] for d in docs]), "first k sentences of split_sentences, no filter"


def _backend(name: str) -> Callable[[int, str, Any], tuple[Batch, str]]:
    def factory(k: int, title_mode: str, encoder: Any) -> tuple[Batch, str]:
        from briefing.config import SummarizeConfig
        from briefing.models import Article
        from briefing.store import content_hash
        from briefing.summarize import make_summarizer

        config = SummarizeConfig(backend=name, max_sentences=k)
        summarizer = make_summarizer(config, encoder)

        def run(docs: Sequence[Doc]) -> list[list[str]]:
            articles = []
            for doc in docs:
                title = _title(doc, title_mode)
                articles.append(Article(id=doc.index, title=title, text=doc.article, url=None,
                                        published=_FIXED_TIME, content_hash=content_hash(title, doc.article)))
            out: list[list[str]] = []
            for start in range(0, len(articles), CHUNK):
                made = summarizer.summarize(articles[start : start + CHUNK], max_sentences=k)
                out.extend(list(s.sentences) if s.sentences else [s.text] for s in made)
            return out

        return run, f"briefing backend {name!r} (model {summarizer.model_id})"

    return factory


class _SumyTokenizer:
    """sumy's Tokenizer needs NLTK punkt; this one uses our splitter and a regex for words."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        from briefing.summarize import split_sentences

        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(_WORD.findall(sentence))


def _sumy(kind: str) -> Callable[[int, str, Any], tuple[Batch, str]]:
    def factory(k: int, _title_mode: str, _encoder: Any) -> tuple[Batch, str]:
        try:
            from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
            from sumy.nlp.stemmers import Stemmer
            from sumy.summarizers.lex_rank import LexRankSummarizer
            from sumy.summarizers.text_rank import TextRankSummarizer
            from sumy.utils import get_stop_words
        except ImportError as exc:
            raise Unavailable(f"sumy not installed ({exc.name}): pip install 'sumy>=0.11'") from exc
        cls = LexRankSummarizer if kind == "lexrank" else TextRankSummarizer
        summarizer = cls(Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")
        tokenizer = _SumyTokenizer()

        def one(doc: Doc) -> list[str]:
            if len(doc.sentences) <= k:
                return list(doc.sentences)
            sentences = [Sentence(s, tokenizer) for s in doc.sentences]
            document = ObjectDocumentModel([Paragraph(sentences)])
            return [str(s) for s in summarizer(document, k)]

        import sumy

        note = (f"sumy {sumy.__version__} {cls.__name__}, Snowball stemmer, sumy English stop words, "
                "document built from our sentence splitter (punkt not available offline)")
        return (lambda docs: [one(d) for d in docs]), note

    return factory


def _newspaper(k: int, title_mode: str, _encoder: Any) -> tuple[Batch, str]:
    try:
        import newspaper
        from newspaper import nlp, settings
        from newspaper.text import StopWords
    except ImportError as exc:
        raise Unavailable(f"`import newspaper` failed ({exc}); try `pip install newspaper4k`") from exc
    stopwords = StopWords("en")

    def one(doc: Doc) -> list[str]:
        # newspaper's nlp.summarize() minus its punkt splitter (its filter: sentences over 10 chars);
        # with an empty title nlp.summarize() returns nothing, so the scorer is called directly.
        sentences = [s for s in doc.sentences if len(s) > 10]
        keys = nlp.keywords(doc.article, stopwords, settings.SUMMARIZE_KEYWORD_COUNT)
        title_words = list(stopwords.tokenizer(_title(doc, title_mode)))
        ranks = nlp.scored_sentences(sentences, title_words, keys, stopwords)
        return [text for _, text, _ in sorted(ranks[:k], key=lambda r: r[0])]

    note = (f"newspaper4k {getattr(newspaper, '__version__', '?')}: the nlp() summary scorer "
            "(nlp.keywords + nlp.scored_sentences) on our sentence splitter; punkt not available offline")
    return (lambda docs: [one(d) for d in docs]), note


def _factory(name: str) -> Callable[[int, str, Any], tuple[Batch, str]] | None:
    from briefing.summarize import BACKENDS

    if name == "lead3":
        return _lead3
    if name in ("lexrank", "textrank"):
        return _sumy(name)
    if name == "newspaper4k":
        return _newspaper
    if name in BACKENDS:
        return _backend(name)
    return None


# --- run --------------------------------------------------------------------------------------------


def bootstrap_delta(a: Sequence[float], b: Sequence[float], *, resamples: int = 1000, seed: int = 0
                    ) -> dict[str, float]:
    """Mean of ``a - b`` (×100) with a paired-bootstrap 95% interval."""
    diff = 100.0 * (np.asarray(a) - np.asarray(b))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(diff), size=(resamples, len(diff)))
    means = diff[picks].mean(axis=1)
    return {"mean": float(diff.mean()), "ci95_low": float(np.percentile(means, 2.5)),
            "ci95_high": float(np.percentile(means, 97.5))}


def run(args: argparse.Namespace) -> int:
    path = require(args.data, DATA_FILE)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()] if args.systems else default_systems()
    unknown = [s for s in systems if _factory(s) is None]
    if unknown:
        print(f"bench summaries: unknown system(s): {', '.join(unknown)} (known: {', '.join(default_systems())})")
        return 2

    docs = load_docs(path, args.split, args.limit)
    if not docs:
        print(f"bench summaries: no articles in {path} for split {args.split!r}")
        return 2
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    references = [d.highlights.strip() for d in docs]

    encoder = None
    load_s = 0.0
    from briefing.summarize import BACKENDS

    if any(s in BACKENDS and s not in ("lead",) for s in systems):
        from briefing.config import EmbedConfig
        from briefing.embed import Encoder

        encoder = Encoder.from_config(EmbedConfig(**({"runtime": args.runtime} if args.runtime else {})))
        started = time.perf_counter()
        try:
            encoder.load()
        except Exception as exc:  # a missing model makes model systems unavailable, not the run
            print(f"bench summaries: model not available: {exc}")
        load_s = time.perf_counter() - started

    results: list[SystemResult] = []
    for name in systems:
        result = SystemResult(name)
        results.append(result)
        factory = _factory(name)
        assert factory is not None
        started = time.perf_counter()
        try:
            batch, result.note = factory(args.sentences, args.title, encoder)
        except Unavailable as exc:
            result.status = f"not available: {exc}"
            continue
        except Exception as exc:
            result.status = f"not available: {type(exc).__name__}: {_one_line(exc)}"
            continue
        result.setup_s = time.perf_counter() - started
        started = time.perf_counter()
        try:
            candidates = batch(docs)
        except Exception as exc:
            result.status = f"failed: {type(exc).__name__}: {_one_line(exc)}"
            continue
        result.run_s = time.perf_counter() - started
        for candidate, reference in zip(candidates, references, strict=True):
            scores = scorer.score(reference, "\n".join(candidate))
            for metric in METRICS:
                result.scores[metric].append(scores[metric].fmeasure)
            result.summary_sentences.append(len(candidate))
        print(f"  {name}: {len(docs)} articles in {result.run_s:.1f}s", flush=True)

    return report(args, path, docs, results, load_s)


def report(args: argparse.Namespace, path: Path, docs: list[Doc], results: list[SystemResult], load_s: float) -> int:
    n = len(docs)
    by_name = {r.name: r for r in results}
    lead3 = by_name.get("lead3")
    full = args.split == "all" and args.limit is None
    rows = []
    systems_json: dict[str, Any] = {}
    for r in results:
        ok = r.status == "ok"
        per_1000 = 1000.0 * r.run_s / n if ok else None
        means = {m: r.mean(m) for m in METRICS} if ok else dict.fromkeys(METRICS)
        delta = None
        if ok and lead3 is not None and lead3.status == "ok" and r is not lead3:
            delta = {m: bootstrap_delta(r.scores[m], lead3.scores[m]) for m in METRICS}
        rows.append([r.name, means["rouge1"], means["rouge2"], means["rougeLsum"],
                     delta["rouge1"]["mean"] if delta else None, per_1000,
                     "ok" if ok else r.status])
        systems_json[r.name] = {
            "status": r.status, "note": r.note, "articles": n if ok else 0,
            **{m: means[m] for m in METRICS},
            "seconds": round(r.run_s, 3) if ok else None,
            "setup_seconds": round(r.setup_s, 3) if ok else None,
            "seconds_per_1000": per_1000,
            "mean_summary_sentences": float(np.mean(r.summary_sentences)) if ok and r.summary_sentences else None,
            "delta_vs_lead3": delta,
        }

    split_text = {"all": "all rows", "train": "train rows (index % 5 == 0)", "dev": "dev rows (index % 5 != 0)"}
    print(f"\nsummaries: {path} — {n:,} articles, split {args.split} ({split_text[args.split]})"
          + (f", --limit {args.limit}" if args.limit is not None else "")
          + f", {args.sentences} sentences, title {args.title}")
    print(table(["system", "R1", "R2", "RLsum", "ΔR1 vs lead3", "s/1000 art", "status"], rows))
    if load_s:
        print(f"model load (shared encoder, not counted above): {load_s:.1f}s")

    check: dict[str, Any] = {"readme_lead3": README_LEAD3, "published_lead3": PUBLISHED_LEAD3,
                             "tolerance": LEAD3_TOLERANCE, "full_split": full}
    if lead3 is not None and lead3.status == "ok":
        ours = {m: lead3.mean(m) for m in METRICS}
        text = "/".join(f"{ours[m]:.2f}" for m in METRICS)
        if full:
            passed = all(abs(ours[m] - PUBLISHED_LEAD3[m]) <= LEAD3_TOLERANCE for m in METRICS)
            readme_gap = max(abs(ours[m] - README_LEAD3[m]) for m in METRICS)
            check.update(passed=passed, readme_max_gap=readme_gap)
            verdict = "PASS" if passed else "FAIL (scorer setup is wrong)"
            print(f"lead-3 check: {text} vs published 40.3/17.7/36.6 (±{LEAD3_TOLERANCE}): {verdict}; "
                  f"vs data README 40.10/17.55/36.44: max gap {readme_gap:.2f}")
        else:
            check["passed"] = None
            print(f"lead-3 on this slice: {text} (full even half per the data README: 40.10/17.55/36.44; "
                  "check runs only on --split all without --limit)")
    payload = {
        "data": str(path), "split": args.split, "limit": args.limit, "articles": n,
        "article_ids": [d.id for d in docs] if n <= 50 else None,
        "first_index": docs[0].index, "last_index": docs[-1].index,
        "sentences": args.sentences, "title": args.title,
        "rouge": {"package": "rouge-score", "metrics": list(METRICS), "use_stemmer": True,
                  "lsum_split": "newline", "scale": "F1 x 100"},
        "model_load_seconds": round(load_s, 3), "runtime": args.runtime or "default",
        "systems": systems_json,
        "lead3_check": check,
    }
    out = write_result(args.out, "summaries", payload, args.argv)
    print(f"wrote {out}")
    return 0


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200]
