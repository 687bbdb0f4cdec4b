"""Abstractive summaries per article from a local encoder-decoder model (BART, T5, PEGASUS), guarded.

``summarize.backend = "seq2seq"`` with ``summarize.model`` = a local model folder or a Hugging Face id
already in the local cache (nothing is downloaded). Each article is cut on sentence boundaries into
chunks that fit the model's input limit; every chunk is summarized with beam search (length-sorted
batches, right padding for the encoder), the chunk summaries are joined and, when that is still long,
summarized once more. Every summary goes through the faithfulness guard against its article; a
summary the guard leaves too short, an article too short to condense, and the articles left when the
run's time budget is spent keep their extractive summaries.

Summaries are cached by the pipeline under ``cache_params`` (model, generation settings, guard); the
backend actually used and the guard's verdict ride along in ``Summary.note`` as JSON. An article that
ran out of time comes back with ``backend = "extractive"`` and is not cached, so a later run tries it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..embed import offline_torch
from ..errors import SummaryError
from ..models import Article, RankedStory, Summary
from .extractive import candidate_sentences
from .guard import Guard, Verdict
from .sentences import split_sentences

if TYPE_CHECKING:
    from ..config import SummarizeConfig
    from . import Summarizer

NAME = "seq2seq"
VERSION = 1
"""Bumped whenever chunking or post-processing changes what a cached summary would be."""
DEFAULT_LIMIT = 512
"""Input tokens per chunk when neither the tokenizer nor the model config states a limit."""


@dataclass(frozen=True)
class Chunk:
    """One piece of an article for the model: ``index`` counts the article's chunks from 0."""

    article: int
    index: int
    text: str
    tokens: int


def note(backend: str, guard: dict[str, Any] | None) -> str:
    """The JSON a summary carries: the backend whose text it is and the guard's verdict."""
    return json.dumps({"backend": backend, "guard": guard}, ensure_ascii=False)


def read_note(summary: Summary) -> tuple[str, dict[str, Any] | None] | None:
    """``(backend used, guard verdict)`` from a summary written by this backend, else None."""
    if not summary.note:
        return None
    try:
        data = json.loads(summary.note)
    except ValueError:
        return None
    if not isinstance(data, dict) or "backend" not in data:
        return None
    return str(data["backend"]), data.get("guard")


def pack_sentences(sentences: Sequence[str], lengths: Sequence[int], budget: int) -> list[tuple[str, int]]:
    """Sentences packed in order into chunks of at most ``budget`` tokens: ``(text, tokens)`` each.

    A chunk ends only at a sentence boundary; a sentence longer than the budget is a chunk of its own
    (the tokenizer truncates it).
    """
    chunks: list[tuple[str, int]] = []
    current: list[str] = []
    used = 0
    for sentence, length in zip(sentences, lengths, strict=True):
        if current and used + length > budget:
            chunks.append((" ".join(current), used))
            current, used = [], 0
        current.append(sentence)
        used += length
    if current:
        chunks.append((" ".join(current), used))
    return chunks


class Seq2SeqSummarizer:
    """Summarizes each article with a local seq2seq model; see the module docstring.

    Args:
        config: the summarize section (``model``, ``threads``, ``time_budget_s``, ``seq2seq``, ``guard``).
        fallback: the extractive summarizer used where the model's text is not.
        guard: the faithfulness guard every generated summary passes.
    """

    name = NAME

    def __init__(self, config: SummarizeConfig, *, fallback: Summarizer, guard: Guard) -> None:
        if not config.model:
            raise SummaryError('summarize.model: the seq2seq backend needs a local BART, T5 or PEGASUS model folder '
                               'or a Hugging Face id in the local cache (e.g. model = "~/models/distilbart-cnn-12-6")')
        self.config = config
        self.options = config.seq2seq
        self.fallback = fallback
        self.guard = guard
        self.threads = config.threads or os.cpu_count() or 1
        self._model: Any = None
        self._tokenizer: Any = None
        self.prefix = ""
        self.limit = DEFAULT_LIMIT
        self.load_seconds: float | None = None
        self.deadline: float | None = None
        self.out_of_time = 0  # articles this run left to extractive summaries for want of time
        self.generate_calls = 0
        self.batches: list[list[int]] = []  # the input lengths of each generate() batch, in order

    @property
    def model_id(self) -> str:
        return str(self.config.model)

    @property
    def chunk_size(self) -> int:
        """Articles per ``summarize`` call from the pipeline: small enough for a steady progress bar and a prompt
        stop, large enough for length-sorted batches."""
        return max(16, 8 * self.options.batch_size)

    # -- loading ------------------------------------------------------------------------------------

    def load(self) -> None:
        """Load the model and tokenizer once, from a folder or the local Hugging Face cache only.

        Raises:
            SummaryError: the model cannot be found, or is not an encoder-decoder model.
        """
        if self._model is not None:
            return
        started = time.perf_counter()
        torch = offline_torch(self.threads)
        from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer
        path = Path(self.model_id).expanduser()
        location = str(path) if path.is_dir() else self.model_id
        where = f"the folder {location}" if path.is_dir() else f"{location!r} (not a folder, nor in the local cache)"
        try:
            model_config = AutoConfig.from_pretrained(location, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise SummaryError(f"cannot load the seq2seq model from {where}: {str(exc).splitlines()[0]} "
                               "(summarize.model wants a BART, T5 or PEGASUS folder, or a cached id)") from exc
        if not getattr(model_config, "is_encoder_decoder", False):
            kind = getattr(model_config, "model_type", "unknown")
            raise SummaryError(f"{location} holds a {kind!r} model, not a seq2seq (encoder-decoder) one: point "
                               'summarize.model at a BART, T5 or PEGASUS folder, or use backend = "instruct"')
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=True)
            self._model = AutoModelForSeq2SeqLM.from_pretrained(location, local_files_only=True,
                                                                dtype=torch.float32)
        except (OSError, ValueError, ImportError) as exc:
            raise SummaryError(f"cannot load the seq2seq model from {where}: {str(exc).splitlines()[0]}") from exc
        self._model.eval()
        self._tokenizer.padding_side = "right"  # the encoder reads the whole input; the decoder starts afresh
        params = (getattr(model_config, "task_specific_params", None) or {}).get("summarization", {})
        self.prefix = str(params.get("prefix") or "")  # T5: "summarize: "
        self.limit = self._input_limit(model_config)
        self.load_seconds = time.perf_counter() - started

    def _input_limit(self, model_config: Any) -> int:
        own = getattr(self._tokenizer, "model_max_length", None)
        if not isinstance(own, int) or own > 100_000:  # "no limit" is a huge sentinel
            own = getattr(model_config, "max_position_embeddings", None) or DEFAULT_LIMIT
        wanted = self.options.max_input_tokens
        return min(own, wanted) if wanted else own

    # -- chunking -----------------------------------------------------------------------------------

    def chunks(self, article_index: int, text: str) -> list[Chunk]:
        """The article's first ``max_chunks`` chunks, each whole sentences within the input limit."""
        self.load()
        sentences = split_sentences(text)
        if not sentences:
            return []
        lengths = [len(ids) for ids in self._tokenizer(sentences, add_special_tokens=False)["input_ids"]]
        fixed = self._tokenizer.num_special_tokens_to_add(pair=False)
        if self.prefix:
            fixed += len(self._tokenizer(self.prefix, add_special_tokens=False)["input_ids"])
        budget = max(8, self.limit - fixed)
        packed = pack_sentences(sentences, lengths, budget)[: self.options.max_chunks]
        return [Chunk(article_index, i, text, tokens + fixed) for i, (text, tokens) in enumerate(packed)]

    # -- generation ---------------------------------------------------------------------------------

    def generate(self, texts: Sequence[str]) -> list[str]:
        """One summary per text (already within the input limit), in input order."""
        self.load()
        import torch

        encoded = self._tokenizer([self.prefix + t for t in texts], return_tensors="pt", padding=True,
                                  truncation=True, max_length=self.limit)
        options = self.options
        kwargs: dict[str, Any] = {"num_beams": options.num_beams, "max_new_tokens": options.max_new_tokens,
                                  "no_repeat_ngram_size": options.no_repeat_ngram_size, "do_sample": False}
        if options.num_beams > 1:
            kwargs["early_stopping"] = True
        floor = getattr(self._model.generation_config, "min_length", 0) or 0
        if floor > options.max_new_tokens // 2:  # e.g. BART-CNN's 56 under a small token budget
            kwargs["min_length"] = options.max_new_tokens // 2
        self.generate_calls += 1
        self.batches.append([int(n) for n in encoded["attention_mask"].sum(dim=1).tolist()])
        with torch.inference_mode():
            output = self._model.generate(**encoded, **kwargs)
        return [t.strip() for t in self._tokenizer.batch_decode(output, skip_special_tokens=True)]

    def _run(self, items: Sequence[tuple[Any, str, int]]) -> dict[Any, str]:
        """Summaries of ``(key, text, tokens)`` items in length-sorted batches (longest first), until the deadline."""
        order = sorted(items, key=lambda item: -item[2])
        done: dict[Any, str] = {}
        size = self.options.batch_size
        for start in range(0, len(order), size):
            if self.deadline is not None and time.monotonic() >= self.deadline:
                break
            batch = order[start : start + size]
            for (key, _, _), text in zip(batch, self.generate([text for _, text, _ in batch]), strict=True):
                done[key] = text
        return done

    def start_run(self) -> None:
        """Start the run's time budget (``summarize.time_budget_s``) and its counts."""
        self.deadline = time.monotonic() + self.config.time_budget_s
        self.out_of_time = 0

    def notes(self) -> list[str]:
        """Lines for the footer about the run as a whole."""
        if not self.out_of_time:
            return []
        plural = "s" if self.out_of_time != 1 else ""
        return [f"{self.out_of_time} article{plural} kept extractive summaries: the {self.config.time_budget_s:g} s "
                f"time budget for {self.name} summaries ran out (a later run summarizes them)"]

    def texts(self, articles: Sequence[Article], max_sentences: int) -> list[str | None]:
        """The model's summary of each article (chunks summarized, joined, re-summarized when long), or None
        for an article too short to condense or left when the deadline passed."""
        return self._texts(articles, max_sentences)[0]

    def _texts(self, articles: Sequence[Article],
               max_sentences: int) -> tuple[list[str | None], dict[int, list[Chunk]]]:
        self.load()
        chunks: dict[int, list[Chunk]] = {}
        for i, article in enumerate(articles):
            if len(candidate_sentences(article.text, max_sentences + 1)) > max_sentences:
                chunks[i] = self.chunks(i, article.text)
        done = self._run([((c.article, c.index), c.text, c.tokens) for cs in chunks.values() for c in cs])
        joined: dict[int, str] = {}
        for i, parts in chunks.items():
            if parts and all((i, c.index) in done for c in parts):
                joined[i] = " ".join(done[(i, c.index)] for c in parts)
        again = []
        for i, text in joined.items():
            if len(chunks[i]) > 1 and len(split_sentences(text)) > max_sentences:
                tokens = len(self._tokenizer(text, add_special_tokens=False)["input_ids"])
                again.append((i, text, min(tokens, self.limit)))
        shorter = self._run(again)
        for i, _, _ in again:
            if i in shorter:
                joined[i] = shorter[i]
            else:
                del joined[i]
        out: list[str | None] = [None] * len(articles)
        for i, text in joined.items():
            out[i] = text
        return out, chunks

    def summarize(self, articles: Sequence[Article], *, max_sentences: int) -> list[Summary]:
        """A summary per article, in order: the model's (less what the guard dropped) or the extractive one."""
        if not articles:
            return []
        if self.deadline is None:
            self.start_run()
        from .stories import generated_sentences

        texts, chunks = self._texts(articles, max_sentences)
        written = [(i, generated_sentences(t, max_sentences)) for i, t in enumerate(texts) if t is not None]
        # Checked against what the model read: the title and each chunk (a source each, so that the guard's
        # per-source sentence cap covers every chunk).
        checks = self.guard.check_many([(sentences, [articles[i].title, *(c.text for c in chunks[i])])
                                        for i, sentences in written])
        verdicts: dict[int, Verdict] = {}
        for (i, sentences), row in zip(written, checks, strict=True):
            verdicts[i] = self.guard.apply(sentences, row, backend=self.name, fallback=())
        extractive_needed = [i for i in range(len(articles))
                             if i not in verdicts or verdicts[i].backend != self.name]
        extractive = dict(zip(extractive_needed, self.fallback.summarize(
            [articles[i] for i in extractive_needed], max_sentences=max_sentences), strict=True))
        out: list[Summary] = []
        budget_reason = f"time budget of {self.config.time_budget_s:g} s spent: extractive summary used"
        for i, article in enumerate(articles):
            verdict = verdicts.get(i)
            if verdict is not None and verdict.backend == self.name:
                out.append(Summary(article.content_hash, " ".join(verdict.kept), self.name, tuple(verdict.kept),
                                   note(self.name, verdict.to_dict())))
                continue
            plain = extractive[i]
            if verdict is not None:  # the guard left too little
                out.append(Summary(article.content_hash, plain.text, self.name, plain.sentences,
                                   note("extractive", verdict.to_dict())))
            elif texts[i] is None and len(candidate_sentences(article.text, max_sentences + 1)) > max_sentences:
                self.out_of_time += 1  # not cached (backend "extractive"): a later run tries again
                out.append(Summary(article.content_hash, plain.text, "extractive", plain.sentences,
                                   note("extractive", {"dropped": [], "reason": budget_reason})))
            else:  # too short to condense: its own sentences
                out.append(Summary(article.content_hash, plain.text, self.name, plain.sentences,
                                   note("extractive", None)))
        return out


def with_verdicts(ranked: Sequence[RankedStory], summaries: dict[str, Summary]) -> list[RankedStory]:
    """``ranked`` with each story's ``summary_backend`` and ``guard`` taken from its lead article's summary."""
    from dataclasses import replace

    out = []
    for story in ranked:
        summary = summaries.get(story.story.lead.content_hash)
        found = read_note(summary) if summary is not None else None
        if found is None:
            out.append(story)
            continue
        backend, verdict = found
        out.append(replace(story, summary_backend=backend, guard=verdict))
    return out


def stories_note(ranked: Sequence[RankedStory], name: str = NAME) -> str:
    """One footer line: how many listed stories carry the model's summary and what the guard did."""
    if not ranked:
        return ""
    used = sum(r.summary_backend == name for r in ranked)
    verdicts = [r.guard for r in ranked if r.guard is not None]
    dropped = sum(len(v.get("dropped", [])) for v in verdicts)
    sent_back = sum(1 for r in ranked if r.guard is not None and r.summary_backend != name
                    and "time budget" not in str(r.guard.get("reason") or ""))
    line = (f"{used} of {len(ranked)} stories summarized by {name}; the faithfulness guard removed {dropped} "
            f"sentence{'s' if dropped != 1 else ''}")
    if sent_back:
        line += f" and sent {sent_back} back to extractive"
    late = sum(1 for r in ranked if r.guard is not None and "time budget" in str(r.guard.get("reason") or ""))
    if late:
        line += f"; {late} kept extractive summaries (time budget spent)"
    return line + "."
