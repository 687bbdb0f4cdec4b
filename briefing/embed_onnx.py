"""The encoder on ONNX Runtime (``embed.runtime = "onnx"``; ``pip install -e ".[onnx]"``).

The local torch model is exported once with torch's TorchScript exporter (``dynamo=False``: the dynamo exporter
needs ``onnxscript``, and the TorchScript one runs offline with ``onnx`` alone), its BERT subgraphs fused by
onnxruntime's transformer optimizer (attention, embedding + layer norm, GELU), and, for ``embed.quantize``,
quantized with ``onnxruntime.quantization.quantize_dynamic`` (int8 weights per channel, activations quantized
per batch at run time: as with torch, a vector depends on its batch). The files are kept under
``cache_dir()/onnx/<key>/``: the key hashes the model's config, its weight files' sizes and modification times,
the model package's version and the torch, transformers and onnxruntime versions, so a different model or
version exports again. Each file is written into a temporary
folder beside it and moved into place (``os.replace``), so a reader never sees half a file.

Only ``onnxruntime`` is needed to run a cached export; exporting also needs ``onnx`` (and torch).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SummaryError

EXPORT_FORMAT = 1
"""Bumped when the export, fusion or quantization recipe changes: every cached export is made again."""
OPSET = 17
INSTALL_HINT = 'embed.runtime = "onnx" needs onnxruntime and onnx: run `pip install -e ".[onnx]"` in a checkout ' \
               '(or `pip install "briefing[onnx]"`), or set embed.runtime = "torch"'


def require_onnxruntime(*, export: bool = False) -> Any:
    """``onnxruntime`` (and, to export, a check that ``onnx`` imports too).

    Raises:
        SummaryError: one of them is not installed; the one-line message says how to install them.
    """
    try:
        import onnxruntime
        if export:
            import onnx  # noqa: F401  (the exporter and the quantizer write through it)
    except ImportError as exc:
        raise SummaryError(f"{INSTALL_HINT} ({exc.name or 'onnxruntime'} missing)") from None
    return onnxruntime


def cache_root() -> Path:
    """Where exported encoders are kept: ``cache_dir()/onnx`` (the user cache the instruct backend uses too)."""
    from .summarize.instruct import cache_dir

    return cache_dir() / "onnx"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return ""


def export_key(name: str, location: str) -> str:
    """What a cached export is valid for: the model (config, weight files, package version) and the tools."""
    folder = Path(location)
    digest = hashlib.sha256()
    parts: dict[str, Any] = {"format": EXPORT_FORMAT, "opset": OPSET, "name": name,
                             "versions": [_version(p) for p in ("torch", "transformers", "onnxruntime", name)]}
    if folder.is_dir():
        parts["config"] = (folder / "config.json").read_text(encoding="utf-8") if (folder / "config.json").is_file() \
            else ""
        parts["files"] = sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in folder.iterdir()
                                if f.is_file() and f.suffix in {".safetensors", ".bin", ".json", ".txt"})
    digest.update(json.dumps(parts, sort_keys=True).encode())
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name or name)[:60]
    return f"{safe}-{digest.hexdigest()[:16]}"


@contextlib.contextmanager
def _scratch(folder: Path) -> Any:
    """A temporary folder inside ``folder`` (same file system, so ``os.replace`` out of it is atomic)."""
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def exported(name: str, location: str, *, quantize: bool, root: Path | None = None, threads: int | None = None) -> Path:
    """The ONNX file of model ``name`` (loaded from ``location``), exporting and quantizing it if not cached."""
    folder = (root or cache_root()) / export_key(name, location)
    fp32 = folder / "model.onnx"
    target = folder / "model-int8.onnx" if quantize else fp32
    if target.is_file():
        return target
    require_onnxruntime(export=True)
    if not fp32.is_file():
        with _scratch(folder) as scratch:
            try:
                _export(location, scratch / "model.onnx", threads or os.cpu_count() or 1)
            except Exception as exc:  # the exporter raises many kinds; the run should say one line
                first = (str(exc).splitlines() or [type(exc).__name__])[0]
                raise SummaryError(f"cannot export model {name!r} to ONNX: {first}; "
                                   'fix: set embed.runtime = "torch"') from exc
            os.replace(scratch / "model.onnx", fp32)
    if quantize and not target.is_file():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with _scratch(folder) as scratch, _quiet():
            # Per channel: each output column of a weight gets its own int8 scale. Measured on 1,000 CNN/DM
            # sentences (docs/BENCHMARKS.md §3): mean cosine gap to the fp32 vectors 0.008 against 0.042 per
            # tensor (and torch int8's 0.062), at about the same speed.
            # DefaultTensorType: the fused nodes are in onnxruntime's own domain, which onnx's shape inference
            # does not type; their outputs are float.
            quantize_dynamic(fp32, scratch / target.name, weight_type=QuantType.QInt8, per_channel=True,
                             extra_options={"DefaultTensorType": 1})
            os.replace(scratch / target.name, target)
    return target


@contextlib.contextmanager
def _quiet() -> Any:
    """The exporter's and quantizer's advice (tracer warnings, "consider pre-processing") kept off the terminal."""
    import logging

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _export(location: str, path: Path, threads: int) -> None:
    """Export the model at ``location`` to ``path`` (fp32, BERT subgraphs fused), outputs ``last_hidden_state``."""
    from .embed import offline_torch

    torch = offline_torch(threads)
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    # Eager attention: its graph is the one onnxruntime's optimizer fuses into its Attention kernel (the SDPA
    # graph of transformers 5 is left unfused, and was slower).
    model = AutoModel.from_pretrained(location, local_files_only=True, attn_implementation="eager").eval()
    config = AutoConfig.from_pretrained(location, local_files_only=True)
    names = ["input_ids", "attention_mask", "token_type_ids"]

    class Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=True)
    sample = tokenizer(["a sample sentence to trace", "a"], padding=True, return_tensors="pt")
    ids, mask = sample["input_ids"], sample["attention_mask"]
    raw = path.with_name("raw.onnx")
    with _quiet(), torch.inference_mode():
        torch.onnx.export(Hidden(model), (ids, mask, torch.zeros_like(ids)), str(raw), input_names=names,
                          output_names=["last_hidden_state"], opset_version=OPSET, dynamo=False,
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]})
    del model
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        with _quiet():
            optimized = optimize_model(str(raw), model_type="bert", num_heads=int(config.num_attention_heads),
                                       hidden_size=int(config.hidden_size))
            optimized.save_model_to_file(str(path))
    except Exception:  # an architecture the optimizer does not know: the plain graph runs too
        os.replace(raw, path)
    raw.unlink(missing_ok=True)


class OnnxModel:
    """An ONNX Runtime session over an exported encoder: ``hidden(tokens)`` is the last hidden state."""

    def __init__(self, path: Path, threads: int) -> None:
        ort = require_onnxruntime()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Waiting threads sleep rather than spin, like OMP_WAIT_POLICY=PASSIVE for torch (a shared machine).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.path = path
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def hidden(self, tokens: dict[str, Any]) -> np.ndarray:
        feed = {}
        for name in self.inputs:
            value = tokens.get(name)
            feed[name] = np.zeros_like(tokens["input_ids"], dtype=np.int64) if value is None \
                else np.asarray(value, dtype=np.int64)
        return self.session.run(None, feed)[0]


class WordPieces:
    """The model's ``tokenizer.json`` run by the ``tokenizers`` library, which transformers' fast tokenizer wraps:
    the same ids, padding (right, to the batch's longest) and truncation, without importing transformers, whose
    configuration module imports torch (about 4 s and 100 MB more for a run that needs neither).

    Use ``WordPieces.for_folder``: it answers None where a folder has no ``tokenizer.json`` or pad token.
    """

    def __init__(self, tokenizer: Any, pad_id: int, pad_token: str, max_tokens: int) -> None:
        tokenizer.enable_truncation(max_tokens)
        tokenizer.enable_padding(direction="right", pad_id=pad_id, pad_token=pad_token)
        self.tokenizer = tokenizer

    @classmethod
    def for_folder(cls, folder: Path, max_tokens: int) -> WordPieces | None:
        if not (folder / "tokenizer.json").is_file():
            return None
        try:
            from tokenizers import Tokenizer
        except ImportError:
            return None
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        pad = "[PAD]"
        for name in ("special_tokens_map.json", "tokenizer_config.json"):
            with contextlib.suppress(OSError, ValueError):
                value = json.loads((folder / name).read_text(encoding="utf-8")).get("pad_token", pad)
                pad = value.get("content", pad) if isinstance(value, dict) else str(value)
                break
        pad_id = tokenizer.token_to_id(pad)
        return None if pad_id is None else cls(tokenizer, pad_id, pad, max_tokens)

    def __call__(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        encodings = self.tokenizer.encode_batch(list(texts))
        return {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}

    def get_vocab(self) -> dict[str, int]:
        return self.tokenizer.get_vocab(with_added_tokens=True)


def hidden_size(folder: Path) -> int | None:
    """``hidden_size`` from a model folder's ``config.json`` (None: not there)."""
    try:
        return int(json.loads((folder / "config.json").read_text(encoding="utf-8"))["hidden_size"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The encoder's pooling in numpy: mask-weighted mean over tokens, then L2 norm (as ``torch``'s path)."""
    weights = mask[..., None].astype(hidden.dtype)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return (pooled / norms).astype(np.float32)


def onnx_vectors(model: OnnxModel, tokenizer: Any, texts: Sequence[str], max_tokens: int) -> np.ndarray:
    texts = [text or " " for text in texts]
    if isinstance(tokenizer, WordPieces):
        tokens = tokenizer(texts)
    else:
        tokens = tokenizer(texts, padding=True, truncation=True, max_length=max_tokens, return_tensors="np")
    return mean_pool(model.hidden(tokens), tokens["attention_mask"])
