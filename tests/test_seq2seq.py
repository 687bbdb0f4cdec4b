"""The seq2seq backend: a tiny random 2-layer BART saved to disk runs the real loading, chunking, batching,
caching, time-budget and guard code in seconds."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from briefing.config import Config, SummarizeConfig
from briefing.errors import SummaryError
from briefing.summarize import cache_params
from briefing.summarize.extractive import LeadSummarizer
from briefing.summarize.guard import Guard, GuardSettings
from briefing.summarize.sentences import split_sentences
from briefing.summarize.seq2seq import Seq2SeqSummarizer, pack_sentences, read_note

from .helpers import WordVectors, article, tiny_bert

CORPUS = [
    "Storm Ciara brought winds of 90 mph to the Welsh coast on Sunday, cutting power to 2,500 homes.",
    "Engineers restored power to most homes by Monday evening. Rail services were suspended for three days.",
    "The council said schools would reopen on Wednesday. Flood defences held along the river in Cardiff.",
    "Forecasters expect calmer weather later in the week. Insurers are assessing the damage to roofs.",
]
LONG = " ".join(CORPUS * 3)  # twelve-ish sentences: several chunks at a 64-token input limit
INPUT_LIMIT = 64


def tiny_bart(folder: Path) -> Path:
    """A randomly initialised 2-layer BART with a byte-level BPE tokenizer (64 input tokens) saved to ``folder``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import BartConfig, BartForConditionalGeneration, PreTrainedTokenizerFast

    torch.manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    raw.train_from_iterator(CORPUS * 4, trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    raw.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                        unk_token="<unk>", model_max_length=INPUT_LIMIT)
    tokenizer.save_pretrained(folder)
    config = BartConfig(vocab_size=len(tokenizer), d_model=32, encoder_layers=2, decoder_layers=2,
                        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                        max_position_embeddings=128, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                        decoder_start_token_id=2, forced_bos_token_id=None, forced_eos_token_id=2)
    BartForConditionalGeneration(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def bart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bart(tmp_path_factory.mktemp("bart"))


def summarizer(model: Path | str | None, **options: object) -> Seq2SeqSummarizer:
    seq2seq = {"max_new_tokens": 8, "num_beams": 2, "batch_size": 2, **options}
    config = SummarizeConfig(backend="seq2seq", model=str(model) if model else None, threads=1, seq2seq=seq2seq)
    return Seq2SeqSummarizer(config, fallback=LeadSummarizer(), guard=Guard(WordVectors(), GuardSettings(min_words=5)))


def test_loads_a_bart_folder_with_right_padding_and_its_input_limit(bart: Path) -> None:
    s = summarizer(bart)
    s.load()
    assert s._tokenizer.padding_side == "right" and s.limit == INPUT_LIMIT and s.prefix == ""
    small = summarizer(bart, max_input_tokens=32)
    small.load()
    assert small.limit == 32
    texts = s.generate([CORPUS[0], CORPUS[1]])
    assert len(texts) == 2 and all(isinstance(t, str) for t in texts)
    assert s.generate_calls == 1


def test_a_missing_or_wrong_model_is_a_one_line_error(tmp_path: Path) -> None:
    unset = SummarizeConfig(backend="seq2seq", model="x").model_copy(update={"model": None})  # as regenerate does
    with pytest.raises(SummaryError, match="needs a local BART, T5 or PEGASUS"):
        Seq2SeqSummarizer(unset, fallback=LeadSummarizer(), guard=Guard(WordVectors()))
    with pytest.raises(SummaryError, match="cannot load the seq2seq model from") as missing:
        summarizer(tmp_path / "nothing-here").load()
    assert "\n" not in str(missing.value)
    bert = tiny_bert(tmp_path / "bert")
    with pytest.raises(SummaryError, match="'bert' model, not a seq2seq") as wrong:
        summarizer(bert).load()
    assert str(bert) in str(wrong.value) and 'backend = "instruct"' in str(wrong.value) and "\n" not in str(wrong.value)


def test_long_articles_are_chunked_on_sentence_boundaries_within_the_limit(bart: Path) -> None:
    s = summarizer(bart, max_chunks=10)
    chunks = s.chunks(0, LONG)
    assert len(chunks) > 1
    sentences = split_sentences(LONG)
    assert " ".join(c.text for c in chunks) == " ".join(sentences)  # every sentence once, in order
    for chunk in chunks:
        assert chunk.tokens <= INPUT_LIMIT
        assert len(s._tokenizer(chunk.text)["input_ids"]) <= INPUT_LIMIT
        assert split_sentences(chunk.text)[-1] in sentences  # it ends where a sentence ends
    assert len(summarizer(bart, max_chunks=2).chunks(0, LONG)) == 2
    assert pack_sentences(["a b", "c", "d e f"], [2, 1, 3], 3) == [("a b c", 3), ("d e f", 3)]
    assert pack_sentences(["huge one"], [9], 3) == [("huge one", 9)]


def test_batches_are_length_sorted_and_each_article_gets_its_own_summary(bart: Path) -> None:
    s = summarizer(bart, max_chunks=1)
    articles = [article(1, "Short", "Rail services were suspended. Engineers came back."),
                article(2, "Long", " ".join(CORPUS[1:3])), article(3, "Middle", CORPUS[1])]
    together = s.texts(articles, max_sentences=1)
    lengths = [n for batch in s.batches for n in batch]
    assert lengths == sorted(lengths, reverse=True)
    assert s.batches[0][0] > s.batches[-1][-1]  # the longest first
    alone = [s.texts([a], max_sentences=1)[0] for a in articles]
    assert together == alone and all(t is not None for t in together)  # right padding changes nothing


def _pipeline(tmp_path: Path, model: Path, backend: str = "seq2seq", **summarize: object):  # type: ignore[no-untyped-def]
    from briefing.embed import Encoder
    from briefing.pipeline import Pipeline

    tmp_path.mkdir(parents=True, exist_ok=True)
    feeds = []
    for name, offset in (("Wire", 0), ("Daily", 2)):
        path = tmp_path / f"{name}.xml"
        items = "".join(
            f"<item><title>Storm Ciara hits Wales {name} {i}</title><link>https://{name.lower()}.example.com/{i}</link>"
            f"<description>{' '.join(CORPUS[(offset + i) % 4:] + CORPUS[:(offset + i) % 4])}</description>"
            f"<pubDate>Thu, 26 Nov 2026 0{i + 1}:00:00 GMT</pubDate></item>" for i in range(2))
        path.write_text(f"<?xml version='1.0'?><rss version='2.0'><channel><title>{name}</title>{items}"
                        "</channel></rss>")
        feeds.append({"url": str(path), "name": name})
    config = Config.model_validate({
        "feeds": feeds,
        "briefing": {"timezone": "UTC", "day_ends_at": "24:00"},
        "store": {"path": str(tmp_path / "db.sqlite")},
        "output": {"dir": str(tmp_path / "out"), "formats": ["json", "md"]},
        "summarize": {"backend": backend, "model": str(model), "threads": 1,
                      "seq2seq": {"max_new_tokens": 8, "num_beams": 2},
                      "extractive": {"scorer": "centrality"},  # the shipped scorer wants MiniLM's 384 dims
                      **summarize},
    })
    bert = tmp_path / "bert"
    encoder = Encoder(str(bert if bert.is_dir() else tiny_bert(bert)), quantize=False)
    return Pipeline(config, encoder=encoder)


def test_second_run_is_served_from_the_store_without_the_model(tmp_path: Path, bart: Path) -> None:
    articles = [article(1, "Storm Ciara hits Wales", " ".join(CORPUS)), article(2, "Brief", CORPUS[0])]
    now = datetime(2026, 11, 26, 20, tzinfo=UTC)
    first = _pipeline(tmp_path, bart)
    made = first.summarize(articles, now)
    assert first.summarizer.generate_calls > 0  # type: ignore[attr-defined]
    assert read_note(made[articles[1].content_hash]) == ("extractive", None)  # one sentence: nothing to condense
    first.close()
    second = _pipeline(tmp_path, bart)
    again = second.summarize(articles, now)
    assert second.summarizer.generate_calls == 0  # type: ignore[attr-defined]
    assert {h: (s.text, s.note) for h, s in again.items()} == {h: (s.text, s.note) for h, s in made.items()}
    second.close()
    other = _pipeline(tmp_path, bart, seq2seq={"max_new_tokens": 9, "num_beams": 2})
    other.summarize(articles, now)  # another generation setting: another cache entry
    assert other.summarizer.generate_calls > 0  # type: ignore[attr-defined]
    other.close()


def test_a_spent_time_budget_falls_back_to_extractive_and_is_not_cached(tmp_path: Path, bart: Path) -> None:
    pipeline = _pipeline(tmp_path, bart, time_budget_s=0.001)
    articles = [article(1, "Storm Ciara hits Wales", " ".join(CORPUS)), article(2, "Power", " ".join(CORPUS[1:]))]
    time.sleep(0.01)
    s = pipeline.summarizer
    s.start_run()  # type: ignore[attr-defined]
    time.sleep(0.01)
    made = s.summarize(articles, max_sentences=3)
    assert s.generate_calls == 0  # type: ignore[attr-defined]
    for summary, a in zip(made, articles, strict=True):
        assert summary.backend == "extractive"
        assert summary.text == s.fallback.summarize([a], max_sentences=3)[0].text  # type: ignore[attr-defined]
        backend, verdict = read_note(summary)  # type: ignore[misc]
        assert backend == "extractive" and verdict is not None and "time budget" in verdict["reason"]
    assert "2 articles kept extractive summaries" in s.notes()[0]  # type: ignore[attr-defined]
    started: list[float] = []
    real_start = s.start_run  # type: ignore[attr-defined]

    def start_spent() -> None:  # the run's budget starts (as the pipeline asks) and is spent at once
        real_start()
        started.append(s.deadline)  # type: ignore[attr-defined]
        s.deadline -= 1  # type: ignore[attr-defined]

    s.start_run = start_spent  # type: ignore[attr-defined]
    found = pipeline.summarize(articles, datetime(2026, 11, 26, 20, tzinfo=UTC))
    assert len(started) == 1 and s.out_of_time == 2  # type: ignore[attr-defined]  # counts restart per run
    assert all(x.backend == "extractive" for x in found.values())
    params = cache_params(pipeline.config.summarize, s.model_id)
    cached = pipeline.store.cached_summaries([a.content_hash for a in articles], "seq2seq", params)
    assert cached == {}  # a later run with time to spare summarizes them
    pipeline.close()


def test_the_guard_drops_unsupported_sentences_and_a_too_short_summary_falls_back(
        bart: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = summarizer(bart, max_chunks=1)
    scripted = {
        "Storm": "Storm Ciara brought winds of 90 mph to the Welsh coast on Sunday, cutting power to 2500 homes. "
                 "The storm killed 40 people in Bristol.",
        "Council": "Schools closed in London for 12 weeks.",
    }

    def generate(texts: Sequence[str]) -> list[str]:
        return [scripted["Storm" if t.startswith("Storm") else "Council"] for t in texts]

    monkeypatch.setattr(s, "generate", generate)
    storm = article(1, "Storm Ciara hits Wales", " ".join(CORPUS))
    council = article(2, "Schools to reopen", " ".join(CORPUS[2:] + CORPUS[:2]))
    first, second = s.summarize([storm, council], max_sentences=3)
    assert first.backend == "seq2seq" and first.text.startswith("Storm Ciara brought winds of 90 mph")
    assert "Bristol" not in first.text
    backend, verdict = read_note(first)  # type: ignore[misc]
    assert backend == "seq2seq" and [d["reason"] for d in verdict["dropped"]] == ["number"]  # type: ignore[index]
    backend, verdict = read_note(second)  # type: ignore[misc]
    assert backend == "extractive" and "extractive summary used" in verdict["reason"]  # type: ignore[index]
    assert second.text == " ".join(split_sentences(council.text)[:3])  # the fallback's summary


def test_pipeline_writes_seq2seq_summaries_with_guard_verdicts_and_regenerate_takes_the_backend(
        tmp_path: Path, bart: Path) -> None:
    pipeline = _pipeline(tmp_path, bart)
    day = date(2026, 11, 26)
    result = pipeline.run(day, now=datetime(2026, 11, 26, 20, tzinfo=UTC), email=False)
    doc = json.loads(next(p for p in result.paths if p.suffix == ".json").read_text())
    assert doc["config"]["backend"] == "seq2seq" and doc["config"]["model"] == str(bart)
    assert doc["stories"]
    for story in doc["stories"]:
        assert story["backend"] in {"seq2seq", "extractive"}
        assert set(story["guard"]) == {"dropped", "reason"}  # every article here is long enough for the model
    assert any("stories summarized by seq2seq" in note and "faithfulness guard" in note
               for note in doc["config"]["notes"])
    md = next(p for p in result.paths if p.suffix == ".md").read_text()
    assert "summarized by seq2seq" in md
    pipeline.close()

    plain = _pipeline(tmp_path / "plain", bart, backend="extractive")
    plain.run(day, now=datetime(2026, 11, 26, 20, tzinfo=UTC), email=False)
    variant = plain.regenerate(day, backend="seq2seq", model=str(bart))
    assert variant.briefing.backend == "seq2seq" and variant.briefing.model == str(bart)
    assert all(p.name.startswith("2026-11-26.seq2seq.") for p in variant.paths)
    assert any("summarized by seq2seq" in note for note in variant.briefing.notes)
    plain.close()


def test_t5_gets_the_summarize_prefix_its_config_asks_for(tmp_path: Path, bart: Path) -> None:
    import torch
    from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

    torch.manual_seed(0)
    folder = tmp_path / "t5"
    tokenizer = AutoTokenizer.from_pretrained(bart)  # any tokenizer will do for a random model
    tokenizer.save_pretrained(folder)
    config = T5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2,
                      num_heads=2, pad_token_id=1, eos_token_id=2, decoder_start_token_id=1,
                      task_specific_params={"summarization": {"prefix": "summarize: "}})
    T5ForConditionalGeneration(config).save_pretrained(folder)
    s = summarizer(folder, max_chunks=10)
    chunks = s.chunks(0, LONG)
    assert s.prefix == "summarize: " and len(chunks) > 1
    prefix = len(s._tokenizer("summarize: ", add_special_tokens=False)["input_ids"])
    for chunk in chunks:  # the prefix counts against the input limit
        assert len(s._tokenizer("summarize: " + chunk.text)["input_ids"]) <= INPUT_LIMIT
        assert chunk.tokens >= prefix
    text = s.texts([article(1, "Storm", LONG)], max_sentences=3)[0]
    assert isinstance(text, str) and s.generate_calls >= 1


def test_a_seq2seq_config_without_a_model_is_refused_when_read(tmp_path: Path) -> None:
    from briefing.config import load_config
    from briefing.errors import ConfigError

    path = tmp_path / "config.toml"
    path.write_text('[[feeds]]\nurl = "feed.xml"\n\n[summarize]\nbackend = "seq2seq"\n')
    with pytest.raises(ConfigError, match=r'summarize: backend "seq2seq" needs summarize\.model') as error:
        load_config(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_bench_seq2seq_skips_without_a_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.__main__ import main

    assert main(["seq2seq", "--out", str(tmp_path)]) == 0
    assert "skipped: no local model given (pass --model" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())


def test_bench_seq2seq_runs_a_local_model_on_cnndm(tmp_path: Path, bart: Path, shared_data: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from bench.__main__ import main

    if not (shared_data / "cnndm" / "test_even.jsonl.gz").is_file():
        pytest.skip("no CNN/DM slice in the evaluation data")
    args = ["seq2seq", "--data", str(shared_data), "--out", str(tmp_path), "--model", str(bart), "--limit", "2",
            "--num-beams", "2", "--max-new-tokens", "8", "--threads", "1", "--show", "1"]
    assert main(args) == 0
    doc = json.loads((tmp_path / "seq2seq.json").read_text())
    assert doc["task"] == "seq2seq" and doc["articles"] == 2 and doc["input_limit"] == INPUT_LIMIT
    assert set(doc["rouge"]) == {"lead3", "extractive", "seq2seq (raw)", "seq2seq + guard"}
    assert doc["generate_calls"] >= 1 and "seq2seq backend on 2 CNN/DM articles" in capsys.readouterr().out


def test_the_guard_checks_against_what_the_model_read(bart: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = summarizer(bart, max_chunks=1)
    tail = "Repairs to the 4,700 damaged roofs will take until spring."
    text = LONG + " " + tail  # the last sentence lies past the first chunk: the model never reads it
    assert tail not in " ".join(c.text for c in s.chunks(0, text))
    summary = ("Storm Ciara brought winds of 90 mph to the Welsh coast on Sunday, cutting power to 2500 homes. "
               "Repairs to the 4,700 damaged roofs will take until spring.")
    monkeypatch.setattr(s, "generate", lambda texts: [summary for _ in texts])
    (made,) = s.summarize([article(1, "Storm Ciara hits Wales", text)], max_sentences=3)
    backend, verdict = read_note(made)  # type: ignore[misc]
    assert backend == "seq2seq" and "4,700" not in made.text
    assert [d["reason"] for d in verdict["dropped"]] == ["number"]  # type: ignore[index]
