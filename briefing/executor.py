"""Where the model stage runs: in this process (``local``) or on a Ray actor pool (``ray``).

The encoder is the only model the extractive pipeline runs, and its work is a pure map over batches of texts.
``RayEncoder`` is an ``Encoder`` whose ``encode`` plans the very batches the local encoder would run (length-sorted,
``embed.batch_size`` texts each) and sends them, a few per call, to actors that load the model once. The vectors
come back in order, to the same summarizer, cache and store code. The batches must be the local ones: with int8
activations scaled per batch, a text's vector depends on the texts beside it in its batch, so only the same batches
give the same bits (torch threads do not change them). Ray is an optional extra: ``pip install 'briefing[ray]'``.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from .embed import Encoder
from .errors import ExecutorError

if TYPE_CHECKING:
    from .config import Config, EmbedConfig, ExecutorConfig

CONNECT_TIMEOUT = 5.0
"""Seconds to wait for a cluster address to answer before saying it cannot be reached."""


def make_encoder(config: Config, *, model: str | None = None) -> Encoder:
    """The encoder ``[embed]`` describes, run where ``[executor]`` says."""
    if config.executor.kind == "ray":
        return RayEncoder.from_settings(config.embed, config.executor, model=model)
    return Encoder.from_config(config.embed, model=model)


class _Worker:
    """A Ray actor: one encoder, loaded once, that embeds the batches it is handed."""

    def __init__(self, model: str, batch_size: int, threads: int, quantize: bool, runtime: str = "torch") -> None:
        self.encoder = Encoder(model, batch_size=batch_size, threads=threads, quantize=quantize, runtime=runtime)
        self.encoder.load()

    def embed(self, batches: list[list[str]]) -> tuple[list[np.ndarray], float]:
        """The vectors of each batch, and the seconds spent computing them."""
        started = time.perf_counter()
        vectors = [self.encoder.embed_batch(batch) for batch in batches]
        return vectors, time.perf_counter() - started

    def pid(self) -> int:
        return os.getpid()


@dataclass
class PoolStats:
    """What the pool did, for the throughput bench: calls, batches, texts, wall and worker seconds."""

    calls: int = 0
    batches: int = 0
    texts: int = 0
    wall_s: float = 0.0
    worker_s: float = 0.0
    start_s: float = 0.0  # Ray start or connect plus the workers' model loads


class RayEncoder(Encoder):
    """An encoder whose batches run on a pool of Ray actors (``[executor] kind = "ray"``).

    Args:
        model, batch_size, quantize, runtime: as for ``Encoder``; the workers load this model.
        settings: the ``[executor]`` section: cluster address or local CPUs, workers, threads, retries.
    """

    def __init__(self, model: str, *, batch_size: int = 32, threads: int | None = None, quantize: bool = True,
                 runtime: str = "torch", settings: ExecutorConfig) -> None:
        super().__init__(model, batch_size=batch_size, threads=threads, quantize=quantize, runtime=runtime)
        self.settings = settings
        self.stats = PoolStats()
        self._actors: list[Any] = []
        self._pool: Any = None
        self._started_ray = False

    @classmethod
    def from_settings(cls, embed: EmbedConfig, settings: ExecutorConfig, *, model: str | None = None) -> RayEncoder:
        return cls(model or embed.model, batch_size=embed.batch_size, threads=embed.threads, quantize=embed.quantize,
                   runtime=embed.runtime, settings=settings)

    @property
    def loaded(self) -> bool:
        return self._pool is not None or super().loaded

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` on the pool; the same array, bit for bit, as ``Encoder.encode``."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        pool = self._start()
        import ray

        plan = self.plan(texts)
        per_call = self.settings.batches_per_call
        calls = [[[texts[i] for i in batch] for batch in plan[start : start + per_call]]
                 for start in range(0, len(plan), per_call)]
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        started = time.perf_counter()
        batches = iter(plan)
        try:
            for vectors, seconds in pool.map(lambda actor, call: actor.embed.remote(call), calls):
                self.stats.worker_s += seconds
                for block in vectors:
                    for row, index in zip(block, next(batches), strict=True):
                        out[index] = row
        except ray.exceptions.RayError as exc:
            raise ExecutorError(f"executor: a Ray worker failed after {self.settings.retries} retries: "
                                f"{_first_line(exc)}") from exc
        self.stats.wall_s += time.perf_counter() - started
        self.stats.calls += len(calls)
        self.stats.batches += len(plan)
        self.stats.texts += len(texts)
        return np.stack(out)

    def worker_pids(self) -> list[int]:
        """The process id of each worker (started if need be): tests kill one to see it replaced."""
        self._start()
        import ray

        return list(ray.get([actor.pid.remote() for actor in self._actors]))

    def _start(self) -> Any:
        if self._pool is not None:
            return self._pool
        started = time.perf_counter()
        already = _ray_running()
        ray = connect(self.settings)
        self._started_ray = not already and self.settings.address is None  # a Ray someone else started stays up
        from ray.util import ActorPool

        retries = self.settings.retries
        worker = ray.remote(num_cpus=self.settings.worker_threads, max_restarts=retries,
                            max_task_retries=retries)(_Worker)
        self._actors = [worker.remote(self.model_name, self.batch_size, self.settings.worker_threads, self.quantize,
                                      self.runtime)
                        for _ in range(self.settings.workers)]
        try:  # every worker loads its model before the first batch is timed
            ray.get([actor.pid.remote() for actor in self._actors])
        except ray.exceptions.RayError as exc:
            self.close()
            raise ExecutorError(f"executor: the Ray workers could not load model {self.model_name!r}: "
                                f"{_first_line(exc)}") from exc
        self._pool = ActorPool(self._actors)
        self.stats.start_s = time.perf_counter() - started
        return self._pool

    def close(self) -> None:
        """Stop the workers, and the local Ray if this encoder started it."""
        if not self._actors and not self._started_ray:
            return
        import ray

        for actor in self._actors:
            ray.kill(actor)
        self._actors, self._pool = [], None
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False


def connect(settings: ExecutorConfig) -> Any:
    """``ray``, initialized: connected to ``settings.address``, or a local Ray with ``settings.num_cpus``.

    Raises:
        ExecutorError: Ray is not installed, or the cluster cannot be reached (one line naming the address).
    """
    try:
        import ray
    except ImportError as exc:
        raise ExecutorError("executor = \"ray\" needs Ray: pip install 'briefing[ray]'") from exc
    if ray.is_initialized():
        return ray
    address = settings.address
    options: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False, "include_dashboard": False}
    if address is None:
        options["num_cpus"] = settings.num_cpus
    else:
        options.pop("include_dashboard")  # a setting for a Ray this process starts, refused when connecting
        _check_reachable(address)
    try:
        ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        where = f"the Ray cluster at {address!r}" if address else "a local Ray"
        raise ExecutorError(f"executor: cannot start or reach {where}: {_first_line(exc)}") from exc
    return ray


def _ray_running() -> bool:
    """Whether this process is already connected to a Ray (started by its caller, a test, a notebook)."""
    try:
        import ray
    except ImportError:
        return False
    return bool(ray.is_initialized())


def _check_reachable(address: str) -> None:
    """Fail at once, naming the address, when nothing listens there (Ray itself retries for minutes)."""
    if address == "auto":
        return  # Ray finds the local cluster's address itself and says at once when there is none
    parts = urlsplit(address if "://" in address else f"//{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise ExecutorError(f"executor.address {address!r}: not an address (want \"auto\", \"host:port\" "
                            "or \"ray://host:port\")")
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ExecutorError(f"executor.address {address!r}: no Ray cluster can be reached there ({reason})") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
