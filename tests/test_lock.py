"""The single-run lock and the clean stop: in process, with a killed holder, and through `briefing run`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from briefing.config import Config, load_config
from briefing.errors import Interrupted, LockError
from briefing.lock import lock_path, read_holder, run_lock, stop_on_signals
from briefing.pipeline import Pipeline
from briefing.store import Store
from briefing.summarize import cache_params

from .conftest import REPO
from .helpers import article, loopback_server

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and flock as on POSIX")

CLI = [sys.executable, "-c", "from briefing.cli import main; main()"]


def stub_config(folder: Path, feeds: str = "") -> Path:
    """A config with no model work: the "lead" summarizer and, by default, no feeds."""
    path = folder / "briefing.toml"
    path.write_text(textwrap.dedent("""\
        [briefing]
        timezone = "Europe/Berlin"
        [summarize]
        backend = "lead"
        [output]
        dir = "out"
        [store]
        path = "state/briefing.db"
        """) + feeds, encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(stub_config(tmp_path))


def test_second_taker_fails_at_once_naming_the_holder(config: Config) -> None:
    with run_lock(config) as path:
        assert path == config.output_dir / ".lock"
        assert read_holder(path).startswith(f"pid {os.getpid()}, started ")
        started = time.monotonic()
        with pytest.raises(LockError) as caught, run_lock(config, wait=False):
            pass
        assert time.monotonic() - started < 1
    message = str(caught.value)
    assert message.startswith(f"another briefing run holds {path} (pid {os.getpid()}, started ")
    assert message.endswith("wait for it or use --wait")


def test_lock_is_free_again_after_release_and_the_file_stays_empty(config: Config) -> None:
    with run_lock(config):
        pass
    assert lock_path(config).read_text() == ""
    with run_lock(config, wait=False):
        pass


def test_wait_with_a_limit_gives_up_with_a_clear_message(config: Config) -> None:
    with run_lock(config):
        started = time.monotonic()
        with pytest.raises(LockError, match=r"still holds .* after waiting 0.3s"), run_lock(config, wait=0.3):
            pass
        assert 0.3 <= time.monotonic() - started < 2


def hold_in_thread(config: Config, release: threading.Event) -> threading.Thread:
    """Take the lock in another thread and keep it until ``release`` is set (at most 30 s)."""
    held = threading.Event()

    def holder() -> None:
        with run_lock(config):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(5)
    return thread


def test_wait_true_takes_the_lock_when_the_holder_lets_go(config: Config) -> None:
    release = threading.Event()
    thread = hold_in_thread(config, release)
    threading.Timer(0.3, release.set).start()
    told: list[str] = []
    started = time.monotonic()
    with run_lock(config, wait=True, on_wait=told.append):
        waited = time.monotonic() - started
    thread.join()
    assert 0.2 <= waited < 3
    assert told == [f"waiting for another briefing run to finish: {lock_path(config)} "
                    f"(pid {os.getpid()}, started {told[0].split('started ')[1]}"]


def test_waiting_ends_when_asked_to_stop(config: Config) -> None:
    with run_lock(config), pytest.raises(Interrupted, match="waiting"), \
            run_lock(config, wait=True, should_stop=lambda: True):
        pass


def test_a_killed_holder_leaves_no_stale_lock(config: Config, tmp_path: Path) -> None:
    code = ("import time; from pathlib import Path; from briefing.config import load_config\n"
            "from briefing.lock import run_lock\n"
            f"with run_lock(load_config(Path({str(tmp_path / 'briefing.toml')!r}))):\n"
            "    print('locked', flush=True); time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockError, match=f"pid {holder.pid}, started"), run_lock(config):
            pass
        holder.kill()  # SIGKILL: no cleanup code runs in the holder
        holder.wait(10)
        with run_lock(config, wait=False):
            assert read_holder(lock_path(config)).startswith(f"pid {os.getpid()},")
    finally:
        holder.kill()
        holder.wait(10)


def test_first_signal_requests_a_stop_and_a_second_one_stops_at_once() -> None:
    calls: list[str] = []
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), stop_on_signals(lambda: calls.append("stop")):
        signal.raise_signal(signal.SIGTERM)
        assert calls == ["stop"]
        signal.raise_signal(signal.SIGINT)
    assert calls == ["stop"]
    assert signal.getsignal(signal.SIGINT) is before


def test_pipeline_stops_between_stages_writes_nothing_and_records_the_run(config: Config) -> None:
    class StopOnFetch:
        def stage(self, name: str, total: int | None = None) -> None:
            if name == "fetch":
                pipeline.stop()

        def advance(self, amount: int = 1) -> None:
            pass

        def log(self, message: str) -> None:
            pass

    pipeline = Pipeline(config, progress=StopOnFetch())
    try:
        with pytest.raises(Interrupted, match="stopped after the fetch stage; no briefing written"):
            pipeline.run(date(2026, 11, 24), now=datetime(2026, 11, 24, 6, 30, tzinfo=UTC))
    finally:
        pipeline.close()
    assert not config.output_dir.exists() or list(config.output_dir.iterdir()) == []
    with Store(config.store_path) as store:
        assert [r.status for r in store.runs()] == ["interrupted"]


def test_should_stop_hook_is_checked_between_stages(config: Config) -> None:
    pipeline = Pipeline(config, should_stop=lambda: True)
    try:
        with pytest.raises(Interrupted, match="after the fetch stage"):
            pipeline.run(date(2026, 11, 24))
    finally:
        pipeline.close()


# --- two real processes through the CLI ---


def briefing(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_run_while_locked_exits_1_with_the_lock_message(config: Config, tmp_path: Path) -> None:
    with run_lock(config) as path:
        holder = read_holder(path)
        result = briefing("run", "-c", "briefing.toml", "--date", "2026-11-24", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: another briefing run holds {path} ({holder}); wait for it or use --wait")
    assert not (config.output_dir / "2026-11-24.md").exists()


def test_run_with_wait_runs_once_the_holder_lets_go(config: Config, tmp_path: Path) -> None:
    release = threading.Event()
    thread = hold_in_thread(config, release)
    proc = subprocess.Popen([*CLI, "run", "-c", "briefing.toml", "--date", "2026-11-24", "--wait", "-q"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        assert proc.poll() is None, proc.communicate()  # still waiting
        assert not (config.output_dir / "2026-11-24.md").exists()
        release.set()
        _, err = proc.communicate(timeout=60)
    finally:
        release.set()
        thread.join()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert (config.output_dir / "2026-11-24.md").is_file()


class _SlowFeed(BaseHTTPRequestHandler):
    asked = threading.Event()

    def do_GET(self) -> None:
        type(self).asked.set()
        time.sleep(1.5)
        body = (REPO / "tests" / "feeds" / "rss20.xml").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def slow_feed() -> Iterator[str]:
    _SlowFeed.asked = threading.Event()
    with loopback_server(_SlowFeed) as url:
        yield f"{url}/feed.xml"


def test_sigterm_during_run_stops_after_the_stage_writes_nothing_and_exits_0(
        tmp_path: Path, slow_feed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    config = load_config(stub_config(tmp_path, f'[[feeds]]\nurl = "{slow_feed}"\n'))
    proc = subprocess.Popen([*CLI, "run", "-c", "briefing.toml", "--date", "2026-11-24"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _SlowFeed.asked.wait(30), "the run never fetched"
        proc.send_signal(signal.SIGTERM)  # while the fetch stage is under way
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert err.strip().splitlines()[-1] == "interrupted: stopped after the fetch stage; no briefing written"
    assert out == ""
    assert sorted(p.name for p in config.output_dir.iterdir()) == [".lock"]  # no briefing, no temp file
    with Store(config.store_path) as store:
        runs = store.runs()
        assert [r.status for r in runs] == ["interrupted"]
        assert store.count_items() == 2  # the fetch stage finished and was stored


def test_a_stop_during_summarize_keeps_the_finished_chunks(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing import pipeline as pipeline_module

    monkeypatch.setattr(pipeline_module, "SUMMARY_CHUNK", 2)

    class StopAfterFirstChunk:
        def stage(self, name: str, total: int | None = None) -> None:
            pass

        def advance(self, amount: int = 1) -> None:
            pipeline.stop()

        def log(self, message: str) -> None:
            pass

    articles = [article(i, f"Headline {i}", f"First sentence number {i} here. Second one {i} follows.")
                for i in range(5)]
    pipeline = Pipeline(config, progress=StopAfterFirstChunk())
    try:
        with pytest.raises(Interrupted, match=re.escape("after 2 of 5 articles (their summaries are kept)")):
            pipeline.summarize(articles, datetime(2026, 11, 24, 6, 30, tzinfo=UTC))
        hashes = [a.content_hash for a in articles]
        kept = pipeline.store.cached_summaries(hashes, "lead", cache_params(config.summarize, "none"))
        assert set(kept) == set(hashes[:2])
    finally:
        pipeline.close()
