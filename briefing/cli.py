"""The command line: parse options, call the library, print. No SQL, no rules here."""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from .config import DEFAULT_CONFIG, Config, FeedConfig, find_config_path, load_config
from .errors import BriefingError, ConfigError

app = typer.Typer(help="A local-first daily news briefing: your feeds, summarized and ranked by novelty.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
feeds_app = typer.Typer(help="List, add, remove, import and check feeds.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: $BRIEFING_CONFIG, then ./configs/default.toml, "
                 "then ~/.config/briefing/config.toml)."),
]
DateOption = Annotated[str | None, typer.Option(
    "--date", "-d", help="Briefing date: YYYY-MM-DD (2025-6-2 too), today, yesterday, or days back (-1).")]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"briefing {version('briefing')}")
        except PackageNotFoundError:
            typer.echo("briefing (not installed; run from a source folder)")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False) -> None:
    """A local-first daily news briefing: your feeds, summarized and ranked by novelty."""
ExecutorOption = Annotated[str | None, typer.Option(
    "--executor", help="Where the model runs: local or ray (default: the config's executor).")]
WaitOption = Annotated[bool, typer.Option(
    "--wait/--no-wait", help="When another run holds the lock (outputs/.lock): wait for it, or exit 1 at once.")]


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _config(path: Path | None) -> Config:
    return load_config(path)


_DAYS_BACK = re.compile(r"^[+-]?\d{1,5}$")
_LOOSE_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _parse_date(value: str | None, settings: Config | None = None) -> date | None:
    """``--date``: YYYY-MM-DD (or 2025-6-2), ``today``, ``yesterday``, or a day offset (``-1``) from today in
    the configured timezone."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("today", "yesterday") or _DAYS_BACK.match(text):
        from .pipeline import today

        now = today(settings) if settings is not None else date.today()
        offset = {"today": 0, "yesterday": -1}.get(text)
        return now + timedelta(days=offset if offset is not None else int(text))
    match = _LOOSE_DATE.match(text)
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ConfigError(f"--date: expected YYYY-MM-DD, today, yesterday or -N (days back), got {value!r}")


def _shown(path: Path) -> str:
    """A path as printed: relative to the working folder when inside it, else absolute; never 'configs/..'."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive on Windows
        return absolute
    return absolute if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


class _LogProgress:
    """Plain lines on stderr, for cron and logs."""

    def stage(self, name: str, total: int | None = None) -> None:
        suffix = f" ({total})" if total else ""
        typer.echo(f"{datetime.now().strftime('%H:%M:%S')} {name}{suffix}", err=True)

    def advance(self, amount: int = 1) -> None:
        pass

    def log(self, message: str) -> None:
        typer.echo(f"{datetime.now().strftime('%H:%M:%S')} {message}", err=True)


class _RichProgress:
    """A bar per stage on a terminal."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bars = Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                              TimeElapsedColumn(), transient=False)
        self._task: object | None = None

    def __enter__(self) -> _RichProgress:
        self._bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._bars.update(self._task, completed=self._bars.tasks[-1].total or 1)  # type: ignore[arg-type]
        self._bars.stop()

    def stage(self, name: str, total: int | None = None) -> None:
        if self._task is not None:
            task = self._bars.tasks[-1]
            self._bars.update(self._task, completed=task.total or 1, total=task.total or 1)  # type: ignore[arg-type]
        self._task = self._bars.add_task(name, total=total or 1)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._bars.advance(self._task, amount)  # type: ignore[arg-type]

    def log(self, message: str) -> None:
        self._bars.console.log(message)


def _progress(quiet: bool) -> _LogProgress | _RichProgress | None:
    if quiet:
        return None
    return _RichProgress() if sys.stderr.isatty() else _LogProgress()


@app.command()
def run(
    config: ConfigOption = None,
    day: DateOption = None,
    no_fetch: Annotated[bool, typer.Option("--no-fetch", help="Use stored items only; no network.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    wait: WaitOption = False,
    email: Annotated[bool, typer.Option(
        "--email/--no-email", help="Email the briefing (default: when delivery.email is configured).")] = True,
    resend: Annotated[bool, typer.Option(
        "--resend", help="Email it again to recipients who already have this date's briefing.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the date's files even when this build has fewer articles than they do.")] = False,
    executor: ExecutorOption = None,
) -> None:
    """Fetch the feeds and write today's (or --date's) briefing, then email it when configured.

    SIGTERM or Ctrl-C stops after the current stage, writes nothing and exits 0.
    """
    from .errors import Interrupted
    from .lock import stop_on_signals

    settings = _with_executor(_config(config), executor)
    when = _parse_date(day, settings)
    stop = threading.Event()
    try:
        with stop_on_signals(stop.set):
            _run_once(settings, when, fetch=not no_fetch, progress=_progress(quiet), wait=wait,
                      should_stop=stop.is_set, email=email, resend=resend, force=force)
    except Interrupted as exc:
        typer.echo(f"interrupted: {exc}", err=True)


def _with_executor(settings: Config, executor: str | None) -> Config:
    """``settings`` with ``executor.kind`` set from ``--executor`` (None: as configured)."""
    if executor is None:
        return settings
    if executor not in ("local", "ray"):
        raise ConfigError(f"--executor: want local or ray, got {executor!r}")
    return settings.model_copy(update={"executor": settings.executor.model_copy(update={"kind": executor})})


def _run_once(settings: Config, when: date | None, *, fetch: bool, progress: _LogProgress | _RichProgress | None,
              wait: bool | float, should_stop: Callable[[], bool], email: bool = True,
              resend: bool = False, force: bool = False) -> None:
    """One briefing under the run lock, then its summary lines: what `run` and each scheduled run do."""
    from .lock import run_lock
    from .pipeline import Pipeline

    with run_lock(settings, wait, should_stop=should_stop, on_wait=progress.log if progress else None):
        pipeline = Pipeline(settings, progress=progress, should_stop=should_stop)
        try:
            if isinstance(progress, _RichProgress):
                with progress:
                    result = pipeline.run(when, fetch=fetch, email=email, resend=resend, force=force)
            else:
                result = pipeline.run(when, fetch=fetch, email=email, resend=resend, force=force)
        finally:
            pipeline.close()
    b = result.briefing
    failed = f", {len(b.failed_feeds)} feed(s) failed" if b.failed_feeds else ""
    typer.echo(f"{b.date}: {len(b.stories)} stories from {b.stats['articles']} articles{failed} "
               f"in {result.timings['total']:.1f}s")
    from .render import empty_explanation

    if explanation := empty_explanation(b):
        typer.echo(explanation)
    for path in result.paths:
        typer.echo(_shown(path))
    if result.email is not None:
        from .mail import report_lines

        for line in report_lines(result.email):
            if not line.startswith("warning:"):
                typer.echo(line)
    for warning in result.warnings:
        typer.echo(warning, err=True)


@app.command()
def schedule(
    config: ConfigOption = None,
    once_now: Annotated[bool, typer.Option("--once-now", help="Run a briefing at once, then follow the schedule.")]
    = False,
) -> None:
    """Stay in the foreground and write the briefing on schedule.cron (catching up a missed one on start).

    SIGTERM or Ctrl-C stops after the current stage of a run in progress and exits 0.
    """
    from .schedule import serve

    settings = _config(config)

    def job(should_stop: Callable[[], bool]) -> None:
        _run_once(settings, None, fetch=True, progress=_LogProgress(), wait=True, should_stop=should_stop)

    serve(settings, job, log=_log_line, once_now=once_now)


def _log_line(message: str) -> None:
    typer.echo(f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} {message}", err=True)


@app.command()
def regenerate(
    day: Annotated[str, typer.Option("--date", "-d", help="The stored briefing's date, YYYY-MM-DD.")],
    config: ConfigOption = None,
    backend: Annotated[str | None, typer.Option(
        "--backend", help="Summarize with another backend; written as outputs/D.<backend>.*")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="Summarize with another model; written as outputs/D.<backend>.<model>.*")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write here instead: a file (its suffix picks the format) or a folder.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace an existing file written by --backend, --model or --out.")] = False,
    refresh: Annotated[bool, typer.Option(
        "--refresh", help="Rebuild from everything known now (late arrivals, edited articles) as outputs/D.refreshed.*"
        " and say what changed.")] = False,
    wait: WaitOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    executor: ExecutorOption = None,
) -> None:
    """Rebuild a day's briefing from stored items only (no network), as its last run made it.

    With the same config and model the files come out byte-identical to the originals, however the
    feeds changed since: the store keeps every revision of every article.
    """
    from .lock import run_lock
    from .pipeline import Pipeline

    settings = _with_executor(_config(config), executor)
    when = _parse_date(day, settings)
    assert when is not None
    progress = _progress(quiet)  # a model backend (--backend instruct) spends minutes in the brief stage
    with run_lock(settings, wait, on_wait=progress.log if progress else None):
        pipeline = Pipeline(settings, progress=progress)
        try:
            with progress if isinstance(progress, _RichProgress) else nullcontext():
                result = pipeline.regenerate(when, backend=backend, model=model, out=out, force=force,
                                             refresh=refresh)
        finally:
            pipeline.close()
    for path in result.paths:
        typer.echo(f"{_shown(path)} ({'written' if path in result.changed else 'unchanged'})")
    if refresh:
        typer.echo(f"against the briefing sent for {when}: "
                   + ("no story added, dropped or moved" if not result.differences else ""))
        for line in result.differences:
            typer.echo(f"  {line}")
    for warning in result.warnings:
        typer.echo(warning, err=True)


@app.command()
def init(
    path: Annotated[Path | None, typer.Argument(
        help="Where to write the config (the same as --config).", show_default=False)] = None,
    config: ConfigOption = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter config (and an example OPML file beside it).

    Default: ./configs/default.toml (or $BRIEFING_CONFIG). Briefings go to ./outputs/ and the store to
    ./briefing.db in the folder you run it in; the timezone is this machine's.
    """
    from .config import starter_config, system_timezone

    env = os.environ.get("BRIEFING_CONFIG")
    target = config or path or (Path(env) if env else DEFAULT_CONFIG)
    if target.exists() and not force:
        _fail(f"{_shown(target)} exists; use --force to overwrite", 2)
    zone = system_timezone()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(starter_config(target, timezone=zone), encoding="utf-8")
        opml = target.with_name("feeds.example.opml")
        if not opml.exists():
            from importlib.resources import files

            opml.write_text(files("briefing").joinpath("data/feeds.example.opml").read_text(encoding="utf-8"),
                            encoding="utf-8")
    except OSError as exc:
        _fail(f"{_shown(target)}: cannot write the config: {exc.strerror or exc}", 1)
    found = find_config_path(None)
    flag = "" if os.path.abspath(found) == os.path.abspath(target) else f" --config {_shown(target)}"
    typer.echo(f"wrote {_shown(target)} (timezone {zone}; briefings go to {_shown(Path('outputs'))}/, "
               f"the store to {_shown(Path('briefing.db'))})")
    typer.echo(f"next: briefing feeds add URL{flag}      (a feed, or a site's page: its feeds are offered)\n"
               f"      briefing feeds import-opml {_shown(opml)}{flag}\n"
               f"      briefing run{flag}")


@feeds_app.command("list")
def feeds_list(config: ConfigOption = None) -> None:
    """Show the configured feeds and how their last fetch went."""
    from .store import store_for

    settings = _config(config)
    with store_for(settings) as store:
        report = {row["url"]: row for row in store.feed_report()}
    if not settings.feeds:
        typer.echo("no feeds configured; add one with `briefing feeds add URL`")
    for feed in settings.feeds:
        row = report.get(settings.feed_location(feed.url))
        state = "never fetched" if row is None else f"{row['last_status']} {row['last_fetched']}"
        if row and row["last_error"]:
            state += f" ({row['last_error']})"
        typer.echo(f"{feed.name or '-':<24} {feed.url}  [{state}]")


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="Feed URL, a site's page (its feeds are offered), or a file path.")],
    name: Annotated[str | None, typer.Option(
        "--name", help="Outlet name shown in the briefing (default: the site's name, from the feed).")] = None,
    no_check: Annotated[bool, typer.Option(
        "--no-check", help="Add without fetching it first (the name is then only what --name gives).")] = False,
    pick: Annotated[int | None, typer.Option(
        "--pick", min=1, help="For a page offering several feeds: add the Nth without asking.")] = None,
    full_text: Annotated[bool, typer.Option(
        "--full-text", help="Summarize each item's page, not the feed's text (full_text = true).")] = False,
    config: ConfigOption = None,
) -> None:
    """Add a feed to the config file, after fetching it once to check it and learn its name.

    Given a web page instead of a feed, lists the feeds the page links to (<link rel="alternate">) and adds
    the one you choose. Relative file paths are taken from the working folder.
    """
    from .discover import feed_location
    from .feeds_file import add_feeds

    path = find_config_path(config)
    settings = _config(config)
    location = feed_location(url)
    shown = location
    if not no_check:
        location, found_name, note = _check_feed(location, settings, pick)
        name = name or found_name
        shown = f"{location}{note}"
    added = add_feeds(path, [FeedConfig(url=location, name=name, full_text=full_text)])
    if not added:
        typer.echo(f"{location} is already configured in {_shown(path)}")
        return
    label = f' as "{name}"' if name else ""
    typer.echo(f"added {shown}{label} to {_shown(path)}" + ("" if name or no_check else " (rename with --name)"))


def _check_feed(location: str, settings: Config, pick: int | None) -> tuple[str, str | None, str]:
    """Fetch a feed once: (its location, its site's name, a note on what came); a page's feeds are offered.

    Exits 1 with a one-line reason when nothing usable is there.
    """
    from .discover import feed_links
    from .fetch import fetch_feeds
    from .models import Feed

    result = fetch_feeds([Feed(url=location)], settings.fetch)[0]
    if result.error and "HTML page" in result.error:
        links = feed_links(_page_text(location, settings), _page_base(location))
        if not links:
            _fail(f"{location}: a web page that names no feed (no <link rel=\"alternate\"> to RSS or Atom); "
                  "give the feed's own URL", 1)
        chosen = _choose_feed(location, links, pick)
        result = fetch_feeds([Feed(url=chosen)], settings.fetch)[0]
        location = chosen
    if result.error:
        _fail(f"{location}: {result.error} (check the address, or add it anyway with --no-check)", 1)
    entries = result.entries
    outlet = entries[0].outlet if entries else None
    title = f'; feed title "{result.feed_title}"' if result.feed_title and result.feed_title != outlet else ""
    return location, outlet, f" ({len(entries)} items{title})"


def _page_text(location: str, settings: Config) -> str:
    if "://" not in location:
        try:
            return Path(location).read_bytes()[: settings.fetch.max_bytes].decode("utf-8", "replace")
        except OSError as exc:
            _fail(f"{location}: cannot read: {exc.strerror}", 1)
    from .fetch import fetch_pages

    page = fetch_pages([location], settings.fetch).get(location)
    if page is None:
        _fail(f"{location}: could not fetch the page to look for its feeds", 1)
    return page


def _page_base(location: str) -> str:
    return location if "://" in location else Path(location).resolve().as_uri()


def _choose_feed(page: str, links: list[tuple[str, str | None]], pick: int | None) -> str:
    if pick is not None:
        if pick > len(links):
            _fail(f"{page}: --pick {pick}, but the page offers {len(links)} feed(s)", 2)
        return links[pick - 1][0]
    typer.echo(f"{page} is a web page; it offers {len(links)} feed(s):")
    for number, (link, title) in enumerate(links, start=1):
        typer.echo(f"  {number}. {title or '(untitled)'}  {link}")
    if len(links) == 1:
        return links[0][0]
    if not sys.stdin.isatty():
        _fail("several feeds: choose one with --pick N (or give its URL)", 2)
    choice = typer.prompt("Add which one", default=1, type=int)
    if not 1 <= choice <= len(links):
        _fail(f"no feed number {choice}", 2)
    return links[choice - 1][0]


@feeds_app.command("remove")
def feeds_remove(url: Annotated[str, typer.Argument(help="The feed URL as configured.")],
                 config: ConfigOption = None) -> None:
    """Remove a feed from the config file (its stored items stay)."""
    from .feeds_file import remove_feed

    path = find_config_path(config)
    if not remove_feed(path, url):
        _fail(f"{path}: no feed with url {url!r}", 2)
    typer.echo(f"removed {url}")


@feeds_app.command("import-opml")
def feeds_import(opml: Annotated[Path, typer.Argument(help="An OPML file, as exported by feed readers.")],
                 config: ConfigOption = None) -> None:
    """Add every feed of an OPML file to the config file."""
    from .feeds_file import add_feeds, read_opml

    path = find_config_path(config)
    _config(config)
    feeds = read_opml(opml)
    added = add_feeds(path, feeds)
    typer.echo(f"added {len(added)} of {len(feeds)} feeds from {opml}")


@feeds_app.command("export-opml")
def feeds_export(config: ConfigOption = None) -> None:
    """Print the configured feeds as OPML."""
    from .feeds_file import write_opml

    typer.echo(write_opml(_config(config).feeds), nl=False)


@feeds_app.command("check")
def feeds_check(config: ConfigOption = None) -> None:
    """Fetch every feed now and report status, item count and error; stores nothing."""
    from .fetch import fetch_feeds

    settings = _config(config)
    results = fetch_feeds(settings.feed_records(), settings.fetch)
    bad = 0
    for result in results:
        label = result.feed.name or (result.entries[0].outlet if result.entries else None) or result.feed_title \
            or result.feed.url
        if result.error:
            bad += 1
            typer.echo(f"FAIL {label}: {result.error}")
        else:
            warning = f" (warning: {result.warning})" if result.warning else ""
            typer.echo(f"ok   {label}: {len(result.entries)} items{warning}")
    typer.echo(f"{len(results) - bad} ok, {bad} failed")
    if bad:
        raise typer.Exit(1)


@app.command()
def history(
    config: ConfigOption = None,
    days: Annotated[int, typer.Option("--days", help="How many days back.")] = 14,
) -> None:
    """Show past runs, newest first by when they ran: start, briefing date, duration, items, stories, failed
    feeds, email."""
    from datetime import UTC

    from .store import store_for

    settings = _config(config)
    with store_for(settings) as store:
        # By when they ran, not by the date they briefed: a rebuild of a past day is listed with today's runs.
        since = datetime.now(UTC) - timedelta(days=days)
        records = [r for r in store.runs() if _aware(r.started) >= since]
        unfinished = store.unfinished_sends()
    if not records:
        typer.echo(f"no runs in the last {days} days" if days else "no runs yet")
    zone = settings.zone
    if records:
        typer.echo(f"{'started (' + settings.briefing.timezone + ')':<22} {'for date':<11} {'secs':>6} {'fetched':>7} "
                   f"{'new':>5} {'stories':>7} {'failed':>6}  {'status':<11}  email")
    for r in records:
        s = r.stats
        started = _aware(r.started).astimezone(zone)
        typer.echo(f"{started.strftime('%Y-%m-%d %H:%M:%S'):<22} {r.date.isoformat():<11} "
                   f"{s.get('seconds_total', 0):>6.1f} {s.get('entries', 0):>7} {s.get('new', 0):>5} "
                   f"{s.get('stories', 0):>7} {len(r.failed_feeds):>6}  {r.status:<11}  {r.email_status or '-'}")
    for d in unfinished:
        since = d.sending_since.strftime("%Y-%m-%d %H:%M:%S") if d.sending_since else "?"
        typer.echo(f"email {d.date} to {d.recipient}: handed to the server at {since} UTC, outcome not recorded "
                   f"(the run stopped mid-send); the next run for {d.date} sends it again as {d.message_id}, "
                   "which mail stores drop if the first one arrived")


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _briefing_file(settings: Config, day: str | None, suffix: str) -> Path:
    """The dated briefing file to show: --date's, else the newest in the output folder."""
    out_dir = settings.output_dir
    when = _parse_date(day, settings)
    if when is None:
        dated = sorted(p for p in out_dir.glob(f"*{suffix}") if re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.stem))
        if not dated:
            _fail(f"no briefings in {_shown(out_dir)} yet; write one with `briefing run`", 1)
        return dated[-1]
    path = out_dir / f"{when.isoformat()}{suffix}"
    if not path.is_file():
        _fail(f"{_shown(path)} does not exist; write it with `briefing run --date {when.isoformat()}`", 1)
    return path


@app.command()
def show(config: ConfigOption = None, day: DateOption = None) -> None:
    """Show a briefing in the terminal (default: the newest)."""
    from rich.console import Console
    from rich.markdown import Markdown

    path = _briefing_file(_config(config), day, ".md")
    Console().print(Markdown(path.read_text(encoding="utf-8"), hyperlinks=False))


@app.command("open")
def open_(config: ConfigOption = None, day: DateOption = None) -> None:
    """Open a briefing's HTML page in the browser (default: the newest)."""
    import webbrowser

    path = _briefing_file(_config(config), day, ".html")
    typer.echo(_shown(path))
    if not webbrowser.open(path.resolve().as_uri()):
        _fail(f"no browser could be started; open {path.resolve().as_uri()} yourself", 1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find in headlines, summaries and outlets (all of them).")],
    config: ConfigOption = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Only briefings from this date on (YYYY-MM-DD, yesterday, -7...).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many matches.")] = 20,
) -> None:
    """Search every briefing written so far (SQLite full-text search, best matches first)."""
    from .search import SearchIndex

    settings = _config(config)
    start = _parse_date(since, settings)
    with SearchIndex(settings.output_dir) as index:
        index.sync()
        hits = index.search(query, since=start, limit=limit)
    if not hits:
        typer.echo(f"no matches for {query!r}" + (f" since {start}" if start else ""))
        raise typer.Exit(1)
    for hit in hits:
        snippet = " ".join(hit.snippet.replace("\x02", "").replace("\x03", "").split())
        typer.echo(f"{hit.day}  {hit.title}\n            {hit.sources}" + (f" · {hit.url}" if hit.url else ""))
        if snippet and snippet != hit.title:
            typer.echo(f"            {snippet}")


@app.command()
def serve(
    config: ConfigOption = None,
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Serve the briefings on http://127.0.0.1:PORT/: the archive, each briefing, story pages, search."""
    from .serve import make_server

    settings = _config(config)
    try:
        server = make_server(settings.output_dir, port, title=settings.briefing.title)
    except OSError as exc:
        _fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc} (try --port 8001)", 1)
    typer.echo(f"serving {_shown(settings.output_dir)} at http://127.0.0.1:{server.server_address[1]}/ "
               "(Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main() -> None:
    """Entry point: one line on stderr for our errors, exit 2 for config errors, 1 otherwise."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        app()
    except BriefingError as exc:
        if debug:
            raise
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2 if isinstance(exc, ConfigError) else 1)
