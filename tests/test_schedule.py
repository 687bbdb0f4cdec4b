"""The scheduler: cron decisions on a fake clock (DST included), catch-up, wiring, signals."""

from __future__ import annotations

import itertools
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from typer.testing import CliRunner

from briefing import schedule
from briefing.cli import app
from briefing.config import Config, load_config
from briefing.errors import ConfigError, Interrupted, StoreError
from briefing.schedule import (
    catch_up_needed,
    crontab_weekdays,
    describe,
    due_today,
    is_repeated_wall_time,
    make_trigger,
    next_fire,
    serve,
)

from .test_lock import CLI, stub_config

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def fires(trigger: object, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time in [start, end), asked the way the scheduler asks: (previous, now=that time)."""
    out: list[datetime] = []
    previous: datetime | None = None
    now = start
    while True:
        fire = trigger.get_next_fire_time(previous, now)  # type: ignore[attr-defined]
        if fire is None or fire >= end:
            return out
        out.append(fire)
        previous = now = fire


def utc_times(moments: list[datetime]) -> list[str]:
    return [m.astimezone(UTC).strftime("%m-%d %H:%M") for m in moments]


# --- DST: the 06:30 briefing runs exactly once on the days clocks change ---


@pytest.mark.parametrize(("zone", "change_day", "hours_between"), [
    (BERLIN, date(2026, 3, 29), 23),      # spring forward 02:00 -> 03:00
    (BERLIN, date(2026, 10, 25), 25),     # fall back 03:00 -> 02:00
    (NEW_YORK, date(2026, 3, 8), 23),     # spring forward 02:00 -> 03:00
    (NEW_YORK, date(2026, 11, 1), 25),    # fall back 02:00 -> 01:00
], ids=["berlin-spring", "berlin-autumn", "new-york-spring", "new-york-autumn"])
def test_0630_fires_once_per_local_day_across_a_dst_change(zone: ZoneInfo, change_day: date,
                                                           hours_between: int) -> None:
    start = datetime.combine(change_day - timedelta(days=3), datetime.min.time(), zone)
    end = datetime.combine(change_day + timedelta(days=4), datetime.min.time(), zone)
    got = fires(make_trigger("30 6 * * *", zone), start, end)

    local = [f.astimezone(zone) for f in got]
    assert [d.date() for d in local] == [change_day + timedelta(days=n) for n in range(-3, 4)]
    assert {(d.hour, d.minute) for d in local} == {(6, 30)}
    # 24 h apart, except the night the clocks change (subtract in UTC: same-zone subtraction is wall time)
    gaps = [(b.astimezone(UTC) - a.astimezone(UTC)).total_seconds() / 3600 for a, b in itertools.pairwise(got)]
    assert gaps == [24, 24, hours_between, 24, 24, 24]
    # the raw APScheduler trigger agrees for a time outside the switching hour
    assert fires(CronTrigger.from_crontab("30 6 * * *", timezone=zone), start, end) == got


@pytest.mark.parametrize(("zone", "cron", "day", "utc_fires"), [
    # 02:30 does not exist on the spring-forward night: one run, at 03:30 summer time
    (BERLIN, "30 2 * * *", date(2026, 3, 29), ["03-29 01:30"]),
    (NEW_YORK, "30 2 * * *", date(2026, 3, 8), ["03-08 07:30"]),
])
def test_a_time_skipped_by_spring_forward_runs_once_an_hour_later(zone: ZoneInfo, cron: str, day: date,
                                                                   utc_fires: list[str]) -> None:
    start = datetime.combine(day, datetime.min.time(), zone)
    end = start + timedelta(hours=23)
    ours = fires(make_trigger(cron, zone), start, end)
    assert utc_times(ours) == utc_fires
    assert ours[0].astimezone(UTC).astimezone(zone).strftime("%H:%M %Z") in ("03:30 CEST", "03:30 EDT")
    assert fires(CronTrigger.from_crontab(cron, timezone=zone), start, end) == ours  # APScheduler's own behaviour


@pytest.mark.parametrize(("zone", "cron", "day", "apscheduler_fires", "our_fires"), [
    # 02:30 happens twice on the fall-back night in Berlin, 01:30 twice in New York
    (BERLIN, "30 2 * * *", date(2026, 10, 25), ["10-25 00:30", "10-25 01:30"], ["10-25 00:30"]),
    (NEW_YORK, "30 1 * * *", date(2026, 11, 1), ["11-01 05:30", "11-01 06:30"], ["11-01 05:30"]),
])
def test_a_time_repeated_by_fall_back_runs_once_not_twice(zone: ZoneInfo, cron: str, day: date,
                                                          apscheduler_fires: list[str], our_fires: list[str]) -> None:
    start = datetime.combine(day, datetime.min.time(), zone)
    end = start + timedelta(hours=25)
    assert utc_times(fires(CronTrigger.from_crontab(cron, timezone=zone), start, end)) == apscheduler_fires
    assert utc_times(fires(make_trigger(cron, zone), start, end)) == our_fires


def test_repeated_wall_time_is_only_the_second_occurrence() -> None:
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert not is_repeated_wall_time(first, BERLIN)                      # 02:30 CEST
    assert is_repeated_wall_time(first + timedelta(hours=1), BERLIN)     # 02:30 CET
    assert not is_repeated_wall_time(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), BERLIN)
    assert not is_repeated_wall_time(datetime(2026, 7, 1, 4, 30, tzinfo=UTC), BERLIN)


# --- crontab weekdays: 0 is Sunday in crontab, Monday in APScheduler 3 ---


@pytest.mark.parametrize(("field", "names"), [
    ("*", "*"), ("1-5", "mon,tue,wed,thu,fri"), ("0", "sun"), ("7", "sun"), ("5-7", "fri,sat,sun"),
    ("*/2", "sun,tue,thu,sat"), ("1,3,5", "mon,wed,fri"), ("mon-fri", "mon-fri"), ("sat,0", "sat,sun"),
])
def test_crontab_weekdays_become_names(field: str, names: str) -> None:
    assert crontab_weekdays(field) == names


def test_weekdays_1_to_5_mean_monday_to_friday() -> None:
    start = datetime(2026, 11, 23, tzinfo=BERLIN)  # a Monday
    end = start + timedelta(days=7)
    assert [f.strftime("%a") for f in fires(make_trigger("30 6 * * 1-5", BERLIN), start, end)] == [
        "Mon", "Tue", "Wed", "Thu", "Fri"]
    # what plain from_crontab would do: APScheduler 3 counts 0 as Monday
    raw = fires(CronTrigger.from_crontab("30 6 * * 1-5", timezone=BERLIN), start, end)
    assert [f.strftime("%a") for f in raw] == ["Tue", "Wed", "Thu", "Fri", "Sat"]


@pytest.mark.parametrize("cron", ["30 6 * *", "61 6 * * *", "30 6 * * 8", "30 6 * * 5-2", "x 6 * * *"])
def test_a_bad_cron_expression_is_a_config_error(cron: str) -> None:
    with pytest.raises(ConfigError, match=r"^schedule\.cron: "):
        make_trigger(cron, BERLIN)


# --- next run and catch-up decisions on a fake clock ---


def test_next_fire_and_its_log_text() -> None:
    now = datetime(2026, 11, 24, 7, 0, tzinfo=BERLIN)
    fire = next_fire("30 6 * * *", BERLIN, now)
    assert fire == datetime(2026, 11, 25, 6, 30, tzinfo=BERLIN)
    assert describe(fire, BERLIN, now) == "2026-11-25 06:30 CET (Europe/Berlin), in 23h30m"
    assert next_fire("30 6 * * *", BERLIN, datetime(2026, 11, 24, 6, 29, tzinfo=BERLIN)) == datetime(
        2026, 11, 24, 6, 30, tzinfo=BERLIN)


def test_due_today_only_once_the_time_has_passed() -> None:
    assert due_today("30 6 * * *", BERLIN, datetime(2026, 11, 24, 6, 29, tzinfo=BERLIN)) is None
    assert due_today("30 6 * * *", BERLIN, datetime(2026, 11, 24, 6, 31, tzinfo=BERLIN)) == datetime(
        2026, 11, 24, 6, 30, tzinfo=BERLIN)
    assert due_today("30 6 * * 1-5", BERLIN, datetime(2026, 11, 29, 12, 0, tzinfo=BERLIN)) is None  # Sunday
    # any `now` timezone; the schedule's zone decides the day
    assert due_today("30 6 * * *", NEW_YORK, datetime(2026, 11, 24, 11, 0, tzinfo=UTC)) is None  # 06:00 EST
    assert due_today("30 6 * * *", NEW_YORK, datetime(2026, 11, 24, 12, 0, tzinfo=UTC)) is not None


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(stub_config(tmp_path))  # Europe/Berlin, cron 30 6 * * *


def write_outputs(config: Config, day: str, formats: tuple[str, ...] = ("md", "html", "json")) -> None:
    """Files as a person would copy them in: no run wrote them."""
    config.output_dir.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        (config.output_dir / f"{day}.{fmt}").write_text("x")


def record_run(config: Config, day: str, status: str) -> None:
    """A run of ``day`` as the pipeline records it, finished with ``status``."""
    from briefing.store import Store

    with Store(config.store_path) as store:
        started = datetime(2026, 11, 24, 6, 30, tzinfo=BERLIN)
        run = store.start_run(date.fromisoformat(day), started)
        store.finish_run(run, started + timedelta(minutes=1), status, {}, [])


def test_catch_up_before_the_due_time_is_not_needed(config: Config) -> None:
    assert not catch_up_needed(config, datetime(2026, 11, 24, 6, 29, tzinfo=BERLIN))


def test_catch_up_after_the_due_time_with_the_briefing_missing_is_needed(config: Config) -> None:
    assert catch_up_needed(config, datetime(2026, 11, 24, 6, 31, tzinfo=BERLIN))
    assert catch_up_needed(config, datetime(2026, 11, 24, 23, 59, tzinfo=BERLIN))
    record_run(config, "2026-11-23", "ok")  # yesterday's does not count
    assert catch_up_needed(config, datetime(2026, 11, 24, 6, 31, tzinfo=BERLIN))
    record_run(config, "2026-11-24", "failed")  # a failed run wrote nothing: run again
    assert catch_up_needed(config, datetime(2026, 11, 24, 6, 31, tzinfo=BERLIN))


def test_catch_up_with_hand_copied_files_is_still_needed(config: Config) -> None:
    write_outputs(config, "2026-11-24")
    assert catch_up_needed(config, datetime(2026, 11, 24, 6, 31, tzinfo=BERLIN))


def test_catch_up_with_the_briefing_built_is_not_needed(config: Config) -> None:
    record_run(config, "2026-11-24", "ok")
    assert not catch_up_needed(config, datetime(2026, 11, 24, 6, 31, tzinfo=BERLIN))


def test_an_unreadable_store_counts_as_no_briefing(config: Config) -> None:
    config.store_path.parent.mkdir(parents=True, exist_ok=True)
    config.store_path.write_bytes(b"not a database, just bytes " * 100)
    assert catch_up_needed(config, datetime(2026, 11, 24, 6, 31, tzinfo=BERLIN))


def test_schedule_timezone_overrides_the_briefing_timezone(config: Config) -> None:
    config = config.model_copy(update={"schedule": config.schedule.model_copy(
        update={"timezone": "America/New_York"})})
    assert schedule.schedule_zone(config) == NEW_YORK
    assert not catch_up_needed(config, datetime(2026, 11, 24, 11, 0, tzinfo=UTC))  # 06:00 in New York
    assert catch_up_needed(config, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))


# --- serve(): a fake job and a fake clock ---


class Recorder:
    def __init__(self, action: Callable[[Callable[[], bool]], object] | None = None) -> None:
        self.lines: list[str] = []
        self.calls = 0
        self.action = action

    def log(self, line: str) -> None:
        self.lines.append(line)

    def job(self, should_stop: Callable[[], bool]) -> None:
        self.calls += 1
        if self.action:
            self.action(should_stop)


@pytest.fixture
def no_blocking(monkeypatch: pytest.MonkeyPatch) -> list[BlockingScheduler]:
    """Make BlockingScheduler.start return at once, keeping the scheduler for inspection."""
    started: list[BlockingScheduler] = []
    monkeypatch.setattr(BlockingScheduler, "start", lambda self, *a, **k: started.append(self))
    return started


def fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def test_serve_catches_up_a_missed_briefing_on_start(config: Config, no_blocking: list[BlockingScheduler]) -> None:
    rec = Recorder()
    serve(config, rec.job, log=rec.log, clock=fixed(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)))
    assert rec.calls == 1
    assert rec.lines[1] == "catch-up: today's briefing was due at 06:30 CET and is missing"
    assert rec.lines[2] == "run starting (catch-up)"
    assert rec.lines[3] == "next run: 2026-11-25 06:30 CET (Europe/Berlin), in 21h30m"
    assert rec.lines[-1] == "stopped"


def test_serve_does_not_run_before_the_due_time_or_when_present(config: Config,
                                                                no_blocking: list[BlockingScheduler]) -> None:
    rec = Recorder()
    serve(config, rec.job, log=rec.log, clock=fixed(datetime(2026, 11, 24, 6, 0, tzinfo=BERLIN)))
    record_run(config, "2026-11-24", "ok")
    serve(config, rec.job, log=rec.log, clock=fixed(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)))
    assert rec.calls == 0
    assert [line for line in rec.lines if line.startswith("next run")] == [
        "next run: 2026-11-24 06:30 CET (Europe/Berlin), in 0h30m",
        "next run: 2026-11-25 06:30 CET (Europe/Berlin), in 21h30m"]


def test_once_now_runs_even_when_the_briefing_exists(config: Config, no_blocking: list[BlockingScheduler]) -> None:
    write_outputs(config, "2026-11-24")
    rec = Recorder()
    serve(config, rec.job, log=rec.log, once_now=True, clock=fixed(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)))
    assert rec.calls == 1
    assert "run starting (--once-now)" in rec.lines


def test_the_scheduled_job_has_the_designed_options_and_logs_failures(
        config: Config, no_blocking: list[BlockingScheduler]) -> None:
    config = config.model_copy(update={"schedule": config.schedule.model_copy(update={"misfire_grace_hours": 2.5})})

    def fail(should_stop: Callable[[], bool]) -> None:
        raise StoreError("disk full")

    rec = Recorder(fail)
    serve(config, rec.job, log=rec.log, clock=fixed(datetime(2026, 11, 24, 6, 0, tzinfo=BERLIN)))
    (scheduler,) = no_blocking
    jobs = {job.id: job for job in scheduler.get_jobs()}
    briefing_job = jobs["briefing"]
    assert (briefing_job.coalesce, briefing_job.max_instances, briefing_job.misfire_grace_time) == (True, 1, 9000)
    assert str(briefing_job.trigger) == "cron[month='*', day='*', day_of_week='*', hour='6', minute='30']"
    assert jobs["wake"].trigger.interval == timedelta(seconds=schedule.WAKE_SECONDS)
    briefing_job.func(*briefing_job.args)  # what the scheduler does at 06:30
    assert rec.calls == 1
    assert rec.lines[-3:-1] == ["run starting (scheduled)", "run failed: disk full"]
    assert rec.lines[-1].startswith("next run: ")  # and the schedule goes on


def signal_when(condition: Callable[[], bool], signum: int = signal.SIGTERM) -> threading.Thread:
    """Send ``signum`` to this process once ``condition()`` holds (polled from a thread)."""
    def wait_then_signal() -> None:
        deadline = time.monotonic() + 10
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        os.kill(os.getpid(), signum)

    thread = threading.Thread(target=wait_then_signal, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_running_scheduler(config: Config, monkeypatch: pytest.MonkeyPatch, signum: int) -> None:
    monkeypatch.setattr(schedule, "WAKE_SECONDS", 0.5)
    rec = Recorder()
    before = signal.getsignal(signum)
    thread = signal_when(lambda: any(line.startswith("next run") for line in rec.lines), signum)
    started = time.monotonic()
    serve(config, rec.job, log=rec.log, clock=fixed(datetime(2026, 11, 24, 6, 0, tzinfo=BERLIN)))
    thread.join()
    assert time.monotonic() - started < 5
    assert rec.calls == 0
    assert rec.lines[-1] == "stopped"
    assert signal.getsignal(signum) is before


def test_a_signal_just_before_the_scheduler_starts_still_stops_it(config: Config,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real_start = BlockingScheduler.start

    def signal_then_start(self: BlockingScheduler, *args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # lands while the scheduler is not running yet
        real_start(self, *args, **kwargs)

    monkeypatch.setattr(BlockingScheduler, "start", signal_then_start)
    rec = Recorder()
    started = time.monotonic()
    serve(config, rec.job, log=rec.log, clock=fixed(datetime(2026, 11, 24, 6, 0, tzinfo=BERLIN)))
    assert time.monotonic() - started < 5  # not the 60 s wake-up
    assert rec.lines[-1] == "stopped"


def test_a_signal_during_a_run_stops_it_and_the_scheduler_never_starts(
        config: Config, no_blocking: list[BlockingScheduler]) -> None:
    running = threading.Event()

    def slow_run(should_stop: Callable[[], bool]) -> None:
        running.set()
        deadline = time.monotonic() + 10
        while not should_stop():  # a pipeline checks this between stages
            assert time.monotonic() < deadline, "the stop request never arrived"
            time.sleep(0.01)
        raise Interrupted("stopped after the fetch stage; no briefing written")

    rec = Recorder(slow_run)
    thread = signal_when(running.is_set)
    serve(config, rec.job, log=rec.log, once_now=True, clock=fixed(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)))
    thread.join()
    assert rec.lines[-2:] == ["run interrupted: stopped after the fetch stage; no briefing written", "stopped"]
    assert no_blocking == []


# --- the command, in a real process ---


def test_schedule_has_help() -> None:
    result = CliRunner().invoke(app, ["schedule", "--help"])
    assert result.exit_code == 0
    assert "--once-now" in result.output


@pytest.fixture
def lines_of() -> Iterator[Callable[[subprocess.Popen[str]], queue.Queue[str]]]:
    threads: list[threading.Thread] = []

    def start(proc: subprocess.Popen[str]) -> queue.Queue[str]:
        lines: queue.Queue[str] = queue.Queue()

        def pump() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                lines.put(line.rstrip("\n"))

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        threads.append(thread)
        return lines

    yield start
    for thread in threads:
        thread.join(10)


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM as on POSIX")
def test_schedule_once_now_then_sigterm_exits_0(tmp_path: Path, lines_of: Callable[..., queue.Queue[str]]) -> None:
    config = load_config(stub_config(tmp_path))
    proc = subprocess.Popen([*CLI, "schedule", "-c", "briefing.toml", "--once-now"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    try:
        lines = lines_of(proc)
        while not any(" next run: " in line for line in seen):
            seen.append(lines.get(timeout=60))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.stdout is not None
    out = proc.stdout.read()
    while not lines.empty():
        seen.append(lines.get())
    messages = [line.split(" ", 2)[2] for line in seen if line[:4].isdigit() and line[4] == "-"]
    assert messages[0].startswith("schedule: '30 6 * * *' in Europe/Berlin")
    assert "run starting (--once-now)" in messages
    assert messages[-2].startswith("next run: ") and "(Europe/Berlin), in " in messages[-2]
    assert messages[-1] == "stopped"
    from briefing.pipeline import today

    day = today(config).isoformat()
    assert f"out/{day}.md" in out.splitlines()  # printed relative to the working folder
    assert (config.output_dir / f"{day}.md").is_file()
