"""Config: defaults, one-line errors naming file and key, discovery, paths relative to the file."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from briefing.config import Config, find_config_path, load_config, parse_config, user_config_path
from briefing.errors import ConfigError
from briefing.models import Feed

from .helpers import config_error, write

# defaults ----------------------------------------------------------------------


def test_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "empty.toml", ""))
    assert config.model_dump() == Config().model_dump()
    assert config.feeds == []
    assert config.briefing.timezone == "UTC"
    assert config.briefing.day_ends_at == "06:00"
    assert config.source == (tmp_path / "empty.toml").resolve()


def test_starter_config_loads_and_shows_the_defaults(tmp_path: Path) -> None:
    starter = files("briefing").joinpath("data/starter.toml").read_text(encoding="utf-8")
    config = load_config(write(tmp_path / "default.toml", starter))
    assert config.model_dump() == Config().model_dump()


def test_values_are_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "c.toml", """
[briefing]
timezone = "Europe/Berlin"
day_ends_at = "24:00"
max_stories = 5

[fetch]
timeout = 3

[summarize.extractive]
redundancy = 0.5

[[feeds]]
url = "https://example.com/rss"
name = "Example"
full_text = true
"""))
    assert config.zone.key == "Europe/Berlin"
    assert config.briefing.day_ends_at == "24:00"
    assert config.briefing.max_stories == 5
    assert config.fetch.timeout == 3.0
    assert config.summarize.extractive.redundancy == 0.5
    assert config.feed_records() == [Feed(url="https://example.com/rss", name="Example", full_text=True)]


# errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('titel = "x"\n', "titel"),
        ("[fetch]\ntimeoutt = 3\n", "fetch.timeoutt"),
        ("[rank.weights]\nnovelty2 = 1.0\n", "rank.weights.novelty2"),
        ("[summarize.extractive]\nwhatever = 1\n", "summarize.extractive.whatever"),
        ('[[feeds]]\nurl = "https://a.example/rss"\nnmae = "A"\n', "feeds.0.nmae"),
        ("[fetchh]\ntimeout = 3\n", "fetchh"),
        ('[delivery.email]\nsender = "me@example.com"\nto = ["you@example.com"]\nhots = "smtp"\n',
         "delivery.email.hots"),
    ],
)
def test_unknown_key_is_named(tmp_path: Path, body: str, key: str) -> None:
    message = config_error(write(tmp_path / "my.toml", body))
    assert f"{key}: unknown key" in message


@pytest.mark.parametrize(
    ("body", "key", "shown"),
    [
        ('[fetch]\ntimeout = "fast"\n', "fetch.timeout", "'fast'"),
        ("[fetch]\ntimeout = 0\n", "fetch.timeout", "0"),
        ("[fetch]\nconcurrency = 1.5\n", "fetch.concurrency", "1.5"),
        ('[briefing]\nmax_stories = "many"\n', "briefing.max_stories", "'many'"),
        ('[output]\nformats = ["md", "pdf"]\n', "output.formats.1", "'pdf'"),
        ("[briefing]\ntimezone = 1\n", "briefing.timezone", "1"),
        ('feeds = "https://a.example/rss"\n', "feeds", "'https://a.example/rss'"),
        ('[[feeds]]\nname = "No URL"\n', "feeds.0.url", "required key is missing"),
        ('[[feeds]]\nurl = ""\n', "feeds.0.url", "''"),
    ],
)
def test_wrong_value_names_key_and_value(tmp_path: Path, body: str, key: str, shown: str) -> None:
    message = config_error(write(tmp_path / "c.toml", body))
    assert f": {key}: " in message
    assert shown in message


def test_several_problems_are_all_named_on_one_line(tmp_path: Path) -> None:
    message = config_error(write(tmp_path / "c.toml", "[fetch]\ntimeout = -1\nretries = -1\nbogus = 1\n"))
    assert "fetch.timeout: " in message
    assert "; fetch.retries: " in message
    assert "; fetch.bogus: unknown key" in message


def test_each_problem_shows_the_bad_value_once(tmp_path: Path) -> None:
    message = config_error(write(tmp_path / "c.toml", '[briefing]\nday_ends_at = "6am"\ntimezone = "Mars"\n'))
    assert message.count("'6am'") == 1
    assert message.count("'Mars'") == 1
    assert "Value error" not in message
    assert "briefing.day_ends_at: expected HH:MM" in message and "briefing.timezone: unknown IANA" in message


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "UTC ", "../etc/passwd", ""])
def test_bad_timezone(tmp_path: Path, zone: str) -> None:
    message = config_error(write(tmp_path / "c.toml", f'[briefing]\ntimezone = "{zone}"\n'))
    assert "briefing.timezone" in message
    assert repr(zone) in message


def test_timezone_naming_a_region_folder_is_a_config_error(tmp_path: Path) -> None:
    config_error(write(tmp_path / "c.toml", '[briefing]\ntimezone = "Europe"\n'))


@pytest.mark.parametrize("value", ["6am", "25:00", "24:30", "06:60", "", "noon"])
def test_bad_day_ends_at(tmp_path: Path, value: str) -> None:
    message = config_error(write(tmp_path / "c.toml", f'[briefing]\nday_ends_at = "{value}"\n'))
    assert "briefing.day_ends_at" in message
    assert "HH:MM" in message


def test_day_ends_at_must_be_text(tmp_path: Path) -> None:
    message = config_error(write(tmp_path / "c.toml", "[briefing]\nday_ends_at = 6\n"))
    assert "briefing.day_ends_at" in message


@pytest.mark.parametrize("value", ["00:00", "06:30", "23:59", "24:00"])
def test_good_day_ends_at(tmp_path: Path, value: str) -> None:
    config = load_config(write(tmp_path / "c.toml", f'[briefing]\nday_ends_at = "{value}"\n'))
    assert config.briefing.day_ends_at == value


@pytest.mark.parametrize("value", ["06:00+02:00", "0600", "T06:00"])
def test_day_ends_at_is_strictly_hh_mm(tmp_path: Path, value: str) -> None:
    config_error(write(tmp_path / "c.toml", f'[briefing]\nday_ends_at = "{value}"\n'))


def test_source_is_not_a_config_key(tmp_path: Path) -> None:
    message = config_error(write(tmp_path / "c.toml", 'source = "/somewhere/else.toml"\n'))
    assert "source: unknown key" in message


def test_message_is_one_line_even_for_odd_keys(tmp_path: Path) -> None:
    config_error(write(tmp_path / "c.toml", '[fetch]\n"time\\nout" = 1\n'))


def test_missing_file_suggests_init(tmp_path: Path) -> None:
    message = config_error(tmp_path / "nowhere" / "c.toml")
    assert "not found" in message
    assert f"briefing init --config {tmp_path / 'nowhere' / 'c.toml'}" in message


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "dir.toml").mkdir()
    assert "cannot read" in config_error(tmp_path / "dir.toml")


@pytest.mark.parametrize("body", ["[fetch\ntimeout = 3\n", "title = \n", 'a = "unterminated\n', "x = 1\nx = 2\n"])
def test_invalid_toml(tmp_path: Path, body: str) -> None:
    assert "invalid TOML" in config_error(write(tmp_path / "bad.toml", body))


def test_non_utf8_file(tmp_path: Path) -> None:
    body = '[briefing]\ntitle = "Tägliche Übersicht"\n'.encode("latin-1")
    message = config_error(write(tmp_path / "latin1.toml", body))
    assert "not UTF-8" in message


def test_parse_config_without_a_file_names_only_the_key() -> None:
    with pytest.raises(ConfigError, match=r"^fetch\.retries: "):
        parse_config({"fetch": {"retries": -1}})


# discovery ---------------------------------------------------------------------


def test_default_location_is_configs_default_toml_in_the_working_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"configs/default\.toml"):
        load_config()
    write(tmp_path / "configs" / "default.toml", '[briefing]\ntitle = "Here"\n')
    assert load_config().briefing.title == "Here"


def test_user_level_config_comes_after_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    with pytest.raises(ConfigError, match=r"default\.toml: config file not found, nor .*xdg/briefing/config\.toml"):
        load_config()
    write(xdg / "briefing" / "config.toml", '[briefing]\ntitle = "User"\n')
    assert find_config_path() == xdg / "briefing" / "config.toml"
    assert load_config().briefing.title == "User"
    write(tmp_path / "configs" / "default.toml", '[briefing]\ntitle = "Here"\n')
    assert load_config().briefing.title == "Here"
    monkeypatch.setenv("BRIEFING_CONFIG", str(xdg / "briefing" / "config.toml"))
    assert load_config().briefing.title == "User"


def test_user_level_config_without_xdg_is_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_config_path() == tmp_path / "home" / ".config" / "briefing" / "config.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")  # the XDG spec: relative values are ignored
    assert user_config_path() == tmp_path / "home" / ".config" / "briefing" / "config.toml"


def test_env_var_points_at_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "configs" / "default.toml", '[briefing]\ntitle = "Default"\n')
    elsewhere = write(tmp_path / "elsewhere" / "mine.toml", '[briefing]\ntitle = "From env"\n')
    monkeypatch.setenv("BRIEFING_CONFIG", str(elsewhere))
    config = load_config()
    assert config.briefing.title == "From env"
    assert config.source == elsewhere.resolve()

    explicit = write(tmp_path / "explicit.toml", '[briefing]\ntitle = "Flag"\n')
    assert load_config(explicit).briefing.title == "Flag"


def test_env_var_to_missing_file_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_CONFIG", str(tmp_path / "gone.toml"))
    with pytest.raises(ConfigError, match=r"gone\.toml"):
        load_config()


# paths -------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "project" / "conf" / "briefing.toml", """
[store]
path = "data/briefing.db"

[output]
dir = "../out"

[[feeds]]
url = "feeds/local.xml"

[[feeds]]
url = "https://example.com/rss?x=1"

[[feeds]]
url = "http://example.org/feed"

[[feeds]]
url = "file:///srv/feeds/a.xml"
""")
    monkeypatch.chdir(tmp_path / "project")
    config = load_config(Path("conf/briefing.toml"))
    monkeypatch.chdir(tmp_path)

    folder = (tmp_path / "project" / "conf").resolve()
    assert config.base_dir == folder
    assert config.store_path == folder / "data" / "briefing.db"
    assert config.output_dir == folder.parent / "out"  # shown and used without "conf/.."
    assert [f.url for f in config.feed_records()] == [
        str(folder / "feeds" / "local.xml"),
        "https://example.com/rss?x=1",
        "http://example.org/feed",
        "file:///srv/feeds/a.xml",
    ]
    assert config.feeds[0].url == "feeds/local.xml"


def test_absolute_paths_stay(tmp_path: Path) -> None:
    db = tmp_path / "abs" / "store.db"
    feed = tmp_path / "abs" / "feed.xml"
    config = load_config(write(tmp_path / "c" / "c.toml",
                               f'[store]\npath = "{db.as_posix()}"\n[[feeds]]\nurl = "{feed.as_posix()}"\n'))
    assert config.store_path == db
    assert config.feed_records()[0].url == str(feed)


def test_config_built_in_code_resolves_against_the_working_folder(tmp_path: Path) -> None:
    config = parse_config({"store": {"path": "x.db"}})
    assert config.source is None
    assert config.store_path == tmp_path / "x.db"


def test_separate_kinds_default_configured_and_checked() -> None:
    assert parse_config({}).briefing.separate_kinds == ["opinion", "analysis", "newsletter", "media"]
    assert parse_config({"briefing": {"separate_kinds": []}}).briefing.separate_kinds == []
    assert parse_config({"briefing": {"separate_kinds": ["opinion", "live", "opinion"]}}).briefing.separate_kinds == [
        "opinion", "live"]
    with pytest.raises(ConfigError, match=r"briefing\.separate_kinds: .*unknown kind 'columns'"):
        parse_config({"briefing": {"separate_kinds": ["columns"]}})


def test_feed_publisher_is_read_and_must_not_be_blank() -> None:
    config = parse_config({"feeds": [{"url": "https://feeds.a.dj.com/rss/RSSWorldNews.xml", "publisher": " WSJ "}]})
    assert config.feed_records() == [Feed(url="https://feeds.a.dj.com/rss/RSSWorldNews.xml", publisher="WSJ")]
    with pytest.raises(ConfigError, match=r"feeds\.0\.publisher: .*must not be empty"):
        parse_config({"feeds": [{"url": "https://example.com/rss", "publisher": "  "}]})
