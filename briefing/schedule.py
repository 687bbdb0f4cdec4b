"""Unattended daily runs: a cron expression in a timezone, catch-up on start, a clean stop.

The decisions are functions of ``now`` (``next_fire``, ``due_today``, ``catch_up_needed``, which
also reads the store's run records), so tests drive them with a fake clock. ``serve`` wires them to
APScheduler 3's ``BlockingScheduler``; APScheduler is imported only when a trigger is built.

Two corrections to plain ``CronTrigger.from_crontab``, both found by the tests:

- crontab numbers weekdays from Sunday = 0 (7 is Sunday too), APScheduler 3 from Monday = 0,
  so ``30 6 * * 1-5`` would run Tuesday to Saturday. Numeric weekdays are rewritten as names.
- on the autumn DST change a time inside the repeated hour (02:30 in Berlin, 01:30 in New
  York) exists twice and APScheduler fires at both; the second one is skipped here.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .config import Config
from .errors import BriefingError, ConfigError, Interrupted, StoreError
from .lock import stop_on_signals

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger  # type: ignore[import-untyped]

__all__ = [
    "briefing_built",
    "catch_up_needed",
    "crontab_weekdays",
    "describe",
    "due_today",
    "is_repeated_wall_time",
    "make_trigger",
    "next_fire",
    "schedule_zone",
    "serve",
]

WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
WAKE_SECONDS = 60
"""The scheduler wakes at least this often. Its sleep uses a monotonic clock, which stops while
the machine is suspended; waking often lets it notice a missed run soon after resume."""


def schedule_zone(config: Config) -> ZoneInfo:
    """The timezone of the cron expression: ``schedule.timezone``, else ``briefing.timezone``."""
    return ZoneInfo(config.schedule.timezone or config.briefing.timezone)


def crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field in APScheduler 3's terms (numbers become names).

    Raises:
        ConfigError: a number outside 0-7 or a malformed range.
    """
    if not any(c.isdigit() for c in field):
        return field  # "*", names and name ranges mean the same in both
    names: list[str] = []
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        if not any(c.isdigit() for c in base) and base != "*":
            if step_text:
                raise ConfigError(f"schedule.cron: unsupported day-of-week {part!r}; use numbers with a step")
            names.append(base)
            continue
        try:
            step = int(step_text) if step_text else 1
            if base == "*":
                first, last = 0, 6
            elif "-" in base:
                first_text, last_text = base.split("-")
                first, last = int(first_text), int(last_text)
            else:
                first = last = int(base)
                if step_text:
                    last = 6
        except ValueError:
            raise ConfigError(f"schedule.cron: bad day-of-week {part!r}") from None
        if not (0 <= first <= 7 and 0 <= last <= 7 and first <= last and step >= 1):
            raise ConfigError(f"schedule.cron: bad day-of-week {part!r} (crontab: 0-7, 0 and 7 are Sunday)")
        names.extend(WEEKDAYS[n % 7] for n in range(first, last + 1, step))
    return ",".join(dict.fromkeys(names))


def is_repeated_wall_time(moment: datetime, zone: ZoneInfo) -> bool:
    """True when ``moment`` is the second occurrence of its local wall time (the hour DST repeats)."""
    local = moment.astimezone(zone)
    first = local.replace(tzinfo=None).replace(tzinfo=zone, fold=0)
    return first.astimezone(UTC) < local.astimezone(UTC)


@functools.cache
def _once_per_wall_time() -> type[BaseTrigger]:
    from apscheduler.triggers.base import BaseTrigger

    class OncePerWallTime(BaseTrigger):  # type: ignore[misc]
        """Wraps a cron trigger so a repeated local time (autumn DST change) fires once."""

        def __init__(self, inner: Any, zone: ZoneInfo) -> None:
            self.inner = inner
            self.zone = zone

        def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
            fire: datetime | None = self.inner.get_next_fire_time(previous_fire_time, now)
            while fire is not None and is_repeated_wall_time(fire, self.zone):
                fire = self.inner.get_next_fire_time(fire, fire)
            return fire

        def __str__(self) -> str:
            return str(self.inner)

    return OncePerWallTime


def make_trigger(cron: str, zone: ZoneInfo) -> BaseTrigger:
    """The APScheduler trigger for a 5-field crontab expression in ``zone``.

    Raises:
        ConfigError: the expression is not a valid crontab line.
    """
    from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

    fields = cron.split()
    if len(fields) != 5:
        raise ConfigError(f"schedule.cron: expected 5 fields (minute hour day month weekday), got {cron!r}")
    expr = " ".join([*fields[:4], crontab_weekdays(fields[4])])
    try:
        inner = CronTrigger.from_crontab(expr, timezone=zone)
    except ValueError as exc:
        raise ConfigError(f"schedule.cron: {exc} (got {cron!r})") from None
    return _once_per_wall_time()(inner, zone)


def next_fire(cron: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """When the schedule fires next at or after ``now`` (aware), in ``zone``; None if never."""
    fire: datetime | None = make_trigger(cron, zone).get_next_fire_time(None, now.astimezone(zone))
    return fire


def due_today(cron: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The schedule's first fire time on ``now``'s local date if it has passed, else None."""
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), time(0), zone)
    fire: datetime | None = make_trigger(cron, zone).get_next_fire_time(None, midnight)
    if fire is None or fire.astimezone(zone).date() != local.date() or fire > now:
        return None
    return fire


def briefing_built(config: Config, day: date) -> bool:
    """Whether a run recorded in the store wrote the briefing dated ``day``.

    The store's run records decide, not the output folder: a file copied in by hand is no
    briefing, and a failed run that left none is retried. A store that cannot be read counts as
    no briefing (the run then says what is wrong with it).
    """
    from .store import store_for

    try:
        with store_for(config) as store:
            return store.last_briefing_run(day) is not None
    except StoreError:
        return False


def catch_up_needed(config: Config, now: datetime) -> bool:
    """On start: is today's briefing due (its fire time passed) but no run has written it?"""
    from .pipeline import today

    if due_today(config.schedule.cron, schedule_zone(config), now) is None:
        return False
    return not briefing_built(config, today(config, now))


def describe(moment: datetime | None, zone: ZoneInfo, now: datetime) -> str:
    """``2026-11-25 06:30 CET (Europe/Berlin), in 14h05m`` for log lines."""
    if moment is None:
        return "never (the cron expression matches no future time)"
    minutes = max(0, int((moment - now).total_seconds() // 60))
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M %Z} ({zone.key}), in {minutes // 60}h{minutes % 60:02d}m"


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def serve(config: Config, job: Callable[[Callable[[], bool]], object], *, log: Callable[[str], None],
          once_now: bool = False, clock: Callable[[], datetime] = _wall_clock) -> None:
    """Run ``job`` on the config's schedule until SIGTERM/SIGINT.

    On start, runs ``job`` at once when ``once_now`` is set or today's briefing is due and
    missing (catch-up). A signal sets the flag handed to ``job`` (the pipeline stops after its
    current stage) and stops the scheduler; ``serve`` returns once the current run is over.

    Args:
        config: the config; ``schedule`` gives cron, timezone and misfire grace.
        job: one briefing run, taking the run lock itself; gets a ``should_stop`` callable.
            Its ``BriefingError`` is logged and the schedule goes on.
        log: where plain log lines go.
        once_now: run at once on start, whether or not a catch-up is due.
        clock: the current time (tests pass a fake one).

    Raises:
        ConfigError: the cron expression is invalid.
    """
    from apscheduler.events import EVENT_SCHEDULER_STARTED  # type: ignore[import-untyped]
    from apscheduler.schedulers import SchedulerNotRunningError  # type: ignore[import-untyped]
    from apscheduler.schedulers.blocking import BlockingScheduler  # type: ignore[import-untyped]
    from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

    cron, zone = config.schedule.cron, schedule_zone(config)
    trigger = make_trigger(cron, zone)
    stop = threading.Event()
    busy = threading.Lock()
    scheduler = BlockingScheduler(timezone=zone)

    def log_next() -> None:
        now = clock()
        log(f"next run: {describe(next_fire(cron, zone, now), zone, now)}")

    def run_job(reason: str) -> None:
        with busy:
            if stop.is_set():
                return
            log(f"run starting ({reason})")
            try:
                job(stop.is_set)
            except Interrupted as exc:
                log(f"run interrupted: {exc}")
                return
            except BriefingError as exc:
                log(f"run failed: {exc}")
            except Exception:
                log("run failed with an unexpected error (a bug, please report it):\n"
                    + traceback.format_exc().rstrip())
            if not stop.is_set():
                log_next()

    def shutdown(_event: object = None) -> None:
        if stop.is_set() and scheduler.running:
            with contextlib.suppress(SchedulerNotRunningError):  # the other caller was first
                scheduler.shutdown(wait=False)

    def request_stop() -> None:
        # Runs in the signal handler: set the flag, and shut the scheduler down from another
        # thread rather than re-entering its locks here.
        stop.set()
        threading.Thread(target=shutdown, name="briefing-stop", daemon=True).start()

    def wake() -> None:
        shutdown()  # a no-op unless stopping; the point is that the scheduler wakes up

    with stop_on_signals(request_stop):
        hours = config.schedule.misfire_grace_hours
        log(f"schedule: {cron!r} in {zone.key}; a run missed by up to {hours:g}h (sleep, restart) still happens")
        now = clock()
        due = due_today(cron, zone, now)
        if once_now:
            run_job("--once-now")
        elif due is not None and catch_up_needed(config, now):
            log(f"catch-up: today's briefing was due at {due.astimezone(zone):%H:%M %Z} and is missing")
            run_job("catch-up")
        else:
            log_next()
        if stop.is_set():
            log("stopped")
            return
        scheduler.add_job(run_job, trigger, args=["scheduled"], id="briefing", name="daily briefing",
                          coalesce=True, max_instances=1, misfire_grace_time=int(hours * 3600))
        scheduler.add_job(wake, IntervalTrigger(seconds=WAKE_SECONDS, timezone=zone), id="wake",
                          name="wake", coalesce=True, max_instances=1, misfire_grace_time=None)
        # A signal that comes before start() has set the state to running finds nothing to
        # shut down; this listener, called once it is running, catches that one.
        scheduler.add_listener(shutdown, EVENT_SCHEDULER_STARTED)
        scheduler.start()  # blocks until request_stop shuts it down
        with busy:  # a run in progress stops after its current stage
            pass
        log("stopped")
