"""Builders shared by tests: records in code, a tiny random BERT on disk."""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from briefing.config import load_config
from briefing.errors import BriefingError, ConfigError
from briefing.models import Article, Source
from briefing.store import content_hash

WORDS = (
    "the a of to in and troops front border minister bank rates storm coast talks geneva election debate "
    "chip launch market city police river flood first time country army war peace vote court says new "
    "report data growth price oil gas deal trade team game season year month week day"
).split()


def article(id: int, title: str, text: str = "", *, outlet: str = "Wire", when: datetime | None = None,
            url: str | None = None) -> Article:
    when = when or datetime(2026, 11, 26, 12, tzinfo=UTC)
    url = url or f"https://{outlet.lower().replace(' ', '')}.example.com/{id}"
    return Article(id=id, title=title, text=text, url=url, published=when, content_hash=content_hash(title, text),
                   sources=(Source(outlet=outlet, title=title, url=url, published=when, feed_url=f"feed-{outlet}"),))


def tiny_bert(folder: Path, hidden: int = 32) -> Path:
    """Save a randomly initialised 2-layer BERT and a WordPiece tokenizer: a real model, offline, in ~1 s."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    torch.manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", *WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    BertModel(config).save_pretrained(folder)
    return folder


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler for loopback test servers: ``reply`` sends a 200 with a body, nothing is logged."""

    def reply(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def loopback_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 in a thread; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class WordVectors:
    """A stand-in for MiniLM in the guard: a hashed bag of lower-cased words, L2-normalised, so sentences sharing
    words are close. ``vocabulary`` is what the encoder's tokenizer knows (the guard's test for names in
    lower-cased text); ``calls`` counts ``encode`` calls."""

    def __init__(self, dim: int = 256, vocabulary: Iterable[str] = ()) -> None:
        self.dim = dim
        self.known = frozenset(vocabulary)
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, zlib.crc32(word.encode()) % self.dim] += 1.0  # hash() changes per process
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def vocabulary(self) -> frozenset[str]:
        return self.known


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    """Load a config expected to be bad; return its one-line message."""
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message, message
    assert str(path) in message
    assert isinstance(info.value, BriefingError)
    return message

