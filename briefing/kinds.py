"""What kind of piece an item is: news, or opinion, analysis, a live blog, a newsletter, media.

Pure: strings in, a kind out; no I/O. Only what the feed itself says is used, strongest first:

1. a section label in the headline: ``Opinion | ...``, ``Analysis: ...``, ``Trade war live: ...``,
   ``FirstFT: ...``, ``Podcast: ...``, ``... | Opinion``; ``The Guardian view on ...``;
2. the section in the article's URL path (archive links unwrapped first): ``/opinion/``, ``/lex/``
   (the FT's Lex column), ``/leaders/`` (the Economist's leaders), ``/live/``, ``/newsletters/``,
   ``/podcasts/``, ``/video/``...;
3. the item's categories, and a section line ending its text (FT items end with their topics,
   e.g. ``The Big Read`` or ``Markets, Free Lunch``): only whole labels that name a kind count,
   subject tags ("Markets", "Iran") are ignored;
4. how the text opens: FT newsletter teasers open with ``Plus, ...`` or ``Also in today's
   newsletter``, podcasts with ``On today's show``;
5. the feed's name: every item of a feed called "Opinion" or "Podcasts" is of that kind;
6. the headline's shape (a question, "Why ...", "Here's what ...", "See how ...": analysis), and a
   headline or text in the writer's own voice outside quotes and reported speech ("We're being too gloomy
   about UK stocks", "... means we cannot ignore ...": opinion);
7. last, a short headline that opens with "How" or "What" ("How China Curbed Its Oil Addiction"): the story
   behind the news, analysis; so is a feature's headline: a person left unnamed ("He Helped Big Companies Dodge
   Taxes…"), a profile or showcase ("Meet…", "This 95-Year-Old…", "Behind…", "Who Joined Putin…"), or two
   sentences, the second a turn or a comment ("Kenya Is Desperate to Pay Off Staggering Debt. Its Workers Are
   Paying the Price.").

Anything else is news. An unlabelled column in the third person is news here: nothing says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from .models import KINDS, is_title_case
from .publishers import unwrap_url

__all__ = ["KINDS", "kind_of"]

# Labels (lower-cased, as in a headline prefix, a category or an FT topic line) that name a kind.
_LABELS: dict[str, str] = {
    **dict.fromkeys(
        ("opinion", "opinions", "comment", "commentary", "comment is free", "editorial", "editorials",
         "our view", "the ft view", "op-ed", "oped", "op ed", "letters", "letter", "letters to the editor",
         "column", "columns", "columnist", "columnists", "review", "reviews", "lex", "breakingviews",
         "free lunch", "ft alphaville", "alphaville", "ftav", "ftav q&a", "markets insight",
         "the economist explains", "leaders", "by invitation", "guest essay", "viewpoint", "perspective",
         "perspectives", "essay"),
        "opinion",
    ),
    **dict.fromkeys(
        ("analysis", "news analysis", "explainer", "explainers", "explained", "fact check", "fact-check",
         "factbox", "factcheck", "insight", "instant insight", "the big read", "big read", "the big take",
         "long read", "the long read", "deep dive", "in charts", "military briefing", "heard on the street",
         "capital account", "streetwise", "timeline", "the interpreter", "in depth"),
        "analysis",
    ),
    **dict.fromkeys(
        ("live", "live blog", "live updates", "live coverage", "as it happened", "live q&a", "live news",
         "liveblog"),
        "live",
    ),
    **dict.fromkeys(
        ("newsletter", "newsletters", "firstft", "the morning", "morning briefing", "evening briefing",
         "dealbook", "unhedged", "due diligence", "moral money", "swamp notes", "europe express", "trade secrets",
         "energy source", "inside politics", "the lex newsletter", "the week ahead newsletter"),
        "newsletter",
    ),
    **dict.fromkeys(
        ("podcast", "podcasts", "video", "videos", "watch", "listen", "audio", "gallery", "in pictures",
         "pictures", "photos", "photo essay", "photos of the week", "the daily", "ft live"),
        "media",
    ),
}  # fmt: skip
# Headline labels matched by shape rather than spelled out.
_LABEL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|morning|evening|daily)"
                r"(?: morning| evening)? briefing$"), "newsletter"),
    (re.compile(r"^ft live\b"), "media"),  # FT Live: recordings of the FT's events and webinars
    # "‘While Israel Slept’ Review: The Road to Disaster", "Book Review: ...": a review is a critic's view
    (re.compile(r"(?:[’'\"”]|\b(?:book|film|movie|theater|theatre|album|tv|television|art|opera|dance)) review$"),
     "opinion"),
    # "Trade war live", "Bank results live" — not "Places to live", "Long live"
    (re.compile(r"^(?!.*\b(?:to|can|will|could|would|must|not|never|long|we|you|they|i) live$)(?:[\w'&.-]+ ){0,3}live$"
                r"|^live (?:updates|blog|coverage|q&a|news)\b"), "live"),
)
# URL path segments that name a kind (any segment but the last, which is the article's slug).
_PATH_SEGMENTS: dict[str, str] = {
    **dict.fromkeys(
        ("opinion", "opinions", "commentary", "comment", "commentisfree", "editorial", "editorials", "op-ed",
         "oped", "lex", "leaders", "by-invitation", "letters", "columnists", "columns", "column", "ideas",
         "breakingviews", "reviews", "alphaville", "guest-essay"),
        "opinion",
    ),
    **dict.fromkeys(
        ("analysis", "explainer", "explainers", "explained", "the-big-read", "big-read", "long-read",
         "longread", "longreads", "fact-check", "factcheck", "heard-on-the-street", "the-economist-explains",
         "interpreter", "in-depth"),
        "analysis",
    ),
    **dict.fromkeys(("live", "live-news", "live-updates", "liveblog", "live-blog", "live-coverage"), "live"),
    **dict.fromkeys(("newsletters", "newsletter", "briefing"), "newsletter"),
    **dict.fromkeys(
        ("video", "videos", "podcasts", "podcast", "audio", "av", "iplayer", "sounds", "gallery", "galleries",
         "in-pictures", "photo", "photos", "multimedia", "watch"),
        "media",
    ),
}  # fmt: skip
# Where one publisher's section means something else: the Economist's "Briefing" is its in-depth section.
_SITE_SEGMENTS: dict[str, dict[str, str]] = {
    "economist.com": {"briefing": "analysis"},
}
_MEDIA_HOSTS = frozenset({"youtube.com", "youtu.be", "vimeo.com", "podcasts.apple.com", "open.spotify.com",
                          "soundcloud.com", "tiktok.com"})
_SEPARATORS = re.compile(r"\s*(?:\||:|—|–|\s-\s)\s*")
_LABEL_MAX_WORDS = 5
_GUARDIAN_VIEW = re.compile(r"^the [\w’'.-]+(?: [\w’'.-]+)? view(?: on)?\b", re.IGNORECASE)
_TEXT_OPENINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:plus(?:,|\s+(?=[\w‘'“\"]))|also in (?:today[’']s|this|this week[’']s) newsletter|"
                r"in today[’']s newsletter|this (?:article|email) is an on-site version of|"
                r"welcome (?:back )?to (?:the |this week[’']s )?[\w’' ]{0,40}newsletter)", re.IGNORECASE),
     "newsletter"),
    (re.compile(r"^(?:on (?:today[’']s|this week[’']s|this) (?:show|episode|podcast)|in this (?:episode|podcast)|"
                r"(?:listen|watch)(?: now)?:|an? (?:conversation|interview|discussion) (?:with|about|on)\b)",
                re.IGNORECASE), "media"),
)
_TOPIC_LINE_MAX = 80
_FEED_NAME_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:opinion|opinions|commentary|comment is free|editorials?|op-eds?|columnists?|letters)\b",
                re.IGNORECASE), "opinion"),
    (re.compile(r"\banalysis\b|\bexplainers?\b", re.IGNORECASE), "analysis"),
    (re.compile(r"\bnewsletters?\b", re.IGNORECASE), "newsletter"),
    (re.compile(r"\b(?:podcasts?|videos?|audio)\b", re.IGNORECASE), "media"),
    (re.compile(r"\blive (?:blog|updates)\b", re.IGNORECASE), "live"),
)


def kind_of(title: str, url: str | None, categories: Sequence[str] = (), feed_name: str = "", text: str = "") -> str:
    """The kind of one piece: one of ``KINDS`` ("news" unless the feed says otherwise); never raises.

    Args:
        title: the headline as the feed gave it.
        url: the article link (archive links such as ``https://archive.is/newest/<url>`` are unwrapped).
        categories: the item's category or tag terms.
        feed_name: the feed's name or title.
        text: the item's text (its description), as plain text.
    """
    for find in (
        lambda: _from_title(title),
        lambda: _from_url(url),
        lambda: _from_labels([*categories, *_topic_line(text)]),
        lambda: _from_text(text),
        lambda: _from_feed_name(feed_name),
        lambda: _from_question(title),
        lambda: _from_prescription(title),
        lambda: _from_headline_voice(title),
        lambda: _from_voice(text),
        lambda: _from_story_behind(title),
    ):
        kind = find()
        if kind is not None:
            return kind
    return "news"


def _label_kind(label: str) -> str | None:
    label = " ".join(label.replace("’", "'").casefold().split()).strip(" .!?'\"‘“”")
    if not label:
        return None
    kind = _LABELS.get(label)
    if kind is not None:
        return kind
    for pattern, kind in _LABEL_PATTERNS:
        if pattern.search(label):
            return kind
    return None


def _from_title(title: str) -> str | None:
    title = " ".join(title.split())
    parts = _SEPARATORS.split(title)
    if len(parts) > 1:
        # "Opinion | The Case for ...", "Analysis: ...", "Trade war live: ..."; or "... | Opinion".
        for label in (parts[0], parts[-1]):
            if len(label.split()) <= _LABEL_MAX_WORDS:
                kind = _label_kind(label)
                if kind is not None:
                    return kind
    if _GUARDIAN_VIEW.match(title):
        return "opinion"  # "The Guardian view on ...", "The Observer view on ...": editorials
    return None


def _from_question(title: str) -> str | None:
    # "Why ...", "How to ...", "...: What to Know", a question: it explains or argues, it does not report.
    return "analysis" if _EXPLAINER.search(" ".join(title.split())) else None


def _from_story_behind(title: str) -> str | None:
    # "How China Curbed Its Oil Addiction", "What Lobsters and Chickens Reveal About Europe's Trade Strategy": a
    # headline that opens with how or what tells the story behind the news (on UCI's followed publishers: 184 of
    # 24,800 headlines, mostly celebrity features and explainers). Not a standfirst set as the headline
    # ("What began as an experiment during the pandemic to lure people back to small towns ..."): that is a sentence.
    # Last of the rules: "How my views on Hong Kong's future have evolved" is the writer's own voice, a column.
    title = " ".join(title.split())
    if len(title.split()) > _HEADLINE_WORDS:
        return None
    if _HOW_OR_WHAT.match(title) and not title.endswith("."):
        return "analysis"
    # A feature's headline: a person unnamed ("He Helped Big Companies Dodge Taxes. Now He's Writing the Rules."),
    # a profile or a showcase ("Meet the China Factory Owner Who...", "This 95-Year-Old Dreams of Walking Home",
    # "Behind Indonesia Protests, a Growing Economy...", "Who Joined Putin in Moscow"), or two sentences, the second
    # a turn or a comment ("Kenya Is Desperate to Pay Off Staggering Debt. Its Workers Are Paying the Price.").
    # News names who did what in one clause.
    if _FEATURE_OPENING.match(title) or _two_sentences(title):
        return "analysis"
    return None


_EXPLAINER = re.compile(
    r"^(?:why|how to|what (?:is|are|does|do|would|will|if|to know|we know))\b"
    r"|[:,] (?:what to know|what we know|explained|the key questions)\W*$|\?\W*$"
    r"|\bhere[’']s (?:what|how|why|where|who|a (?:roundup|look|guide|primer|timeline))\b"  # "Here's a roundup of…"
    r"|^see (?:how|what|where|why|the|inside)\b"  # "See the Secret Networks…": maps and charts, not a report
    # Features and explainers: "Inside the Low-Tech Heist That Penetrated the Louvre", "A Guide to China's New
    # Weapons on Parade", "A Visual Guide to Trump's State Visit to the U.K.", "Five Takeaways From Milei's
    # Surprising Victory", "Six chilling charts to send investors squirming this Hallowe'en", "What's in Your Go-Bag?"
    r"|^(?:inside|a (?:[\w’'-]+ )?guide to|a look at|what[’']s in)\b"
    r"|^(?:\d+|two|three|four|five|six|seven|eight|nine|ten) (?:[\w’'-]+ )?"
    r"(?:things|charts|ways|questions|takeaways|lessons)\b",
    re.IGNORECASE,
)
_HOW_OR_WHAT = re.compile(r"(?:how|what)\b(?! I\b)(?!(?: \S+){0,2}[!?])", re.IGNORECASE)
"""Not a title ("How I Met Your Mother Finale Reaches a Series High"), not an exclamation ("What A Treat! Johnny
Depp ...", "How Much? Justin Bieber ...")."""
_FEATURE_OPENING = re.compile(
    r"(?:(?:He|She|They|His|Her|Their)(?:['’](?:s|re|ve|d))?|Meet|This|These|Behind|Who(?:['’]s)?) (?![A-Z]{2,}\b)")
"""Case-sensitive: "WHO Declares…" is the World Health Organization; "This" and "These" open showcases and columns."""
_SENTENCE_BREAK = re.compile(r"([A-Za-z’']+)[’'\"”)]?\. +[A-Z‘“'][a-z’']")
_ABBREVIATIONS = frozenset(
    "gov sen rep gen col sgt capt lt mr mrs ms dr st mt ft inc co corp ltd jr sr bros no vs ave jan feb mar apr aug "
    "sep sept oct nov dec".split())


def _two_sentences(title: str) -> bool:
    """A full stop after a word (not an abbreviation, not an initial as in "U.S."), three words or more into the
    headline, then a capitalised word. Not a question or an exclamation: "Time To Sell? Twitter Falls To New
    Post-IPO Lows", "What A Treat! Johnny Depp…" are news in business and celebrity feeds."""
    for found in _SENTENCE_BREAK.finditer(title):
        word = found.group(1)
        if word[-2:].islower() and word.lower() not in _ABBREVIATIONS and len(title[: found.start(1)].split()) >= 2:
            return True
    return False


_HEADLINE_WORDS = 16
"""Longer than this, a "headline" is a standfirst sentence that some feeds (WSJ Economy) give as the title."""
_EXPLAINER_SLUG = frozenset({"explained", "explainer"})
"""Words of an article's URL slug that mark an explainer ("…/trump-tariffs-countries-trade-explained-7f826419")."""


_PRESCRIPTION = re.compile(r"\b(?:should|must|needs? to|ought to|has to|have to|would be|would (?!likely|have)\w+)\b",
                           re.IGNORECASE)
_SPEECH = (r"says?|said|warns?|tells?|told|according|urges?|argues?|claims?|believes?|vows?|insists?|predicts?|asks?|"
           r"wants?|fears?|hopes?")
"""Verbs that report what someone else says or thinks."""
_ATTRIBUTION = re.compile(rf"\b(?:{_SPEECH}|report|reports|study|survey|poll|bill|plan|proposal|rule|law)\b"
                          r"|[\d:‘’'\"“”]", re.IGNORECASE)
_REPORTED_SPEECH = re.compile(rf"\b(?:{_SPEECH})\b", re.IGNORECASE)
_TIME_TO = re.compile(r"(?:it[’']?s |now is the )?time (?:to|for)\b", re.IGNORECASE)
_PRESCRIPTION_MAX_WORDS = 12


def _from_prescription(title: str) -> str | None:
    # "Stablecoins should be treated as currency", "The EU needs to step up its challenge to the dollar",
    # "US clean energy rollback would be a strategic blunder": a headline that prescribes or judges in its own
    # voice is a column. Not when someone is quoted or a bill or plan "would" do something ("House Policy Bill
    # Would Add $3.4 Trillion to Debt"), and not a long WSJ-style sentence summary.
    title = " ".join(title.split())
    if _TIME_TO.match(title) and not _REPORTED_SPEECH.search(title) and not is_title_case(title):
        return "opinion"  # "It’s time for the second draft of globalisation", "Time to give the euro a glow-up"
    if len(title.split()) > _PRESCRIPTION_MAX_WORDS or _ATTRIBUTION.search(title):
        return None
    return "opinion" if _PRESCRIPTION.search(title) else None


_FIRST_PERSON = re.compile(
    r"(?<![:\w’'])(?<!: )\b(?:[Ww]e|[Ww]e[’'](?:re|ve|d|ll)|[Oo]ur|us|my|I[’'](?:m|ve|d|ll))\b(?![.’'-]\w)"
)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|‘[^’]*’|(?<!\w)'[^']*'(?!\w)")
_VOICE_CHARS = 300


def _from_headline_voice(title: str) -> str | None:
    # "Greed is my fourth-quarter investment strategy", "We’re being too gloomy about UK stocks", "How my views on
    # Hong Kong’s future have evolved": a headline in the writer's own voice is a column. News puts the first
    # person only in quotes or in reported speech ("We will not back down, says Zelensky", "I'm open to joining
    # politics: Angelina Jolie"). In a Title-Case headline "We" and "Our" may be a name's ("We Day", "The Fault in
    # Our Stars"): only a sentence-case one speaks for itself.
    unquoted = _QUOTED.sub(" ", " ".join(title.split()))
    if _REPORTED_SPEECH.search(unquoted) or ":" in unquoted or is_title_case(unquoted):
        return None
    for match in _FIRST_PERSON.finditer(unquoted):
        opens = not unquoted[: match.start()].strip() or unquoted[: match.start()].rstrip()[-1] in ".?!"
        if opens or match.group(0)[0].islower() or match.group(0).startswith("I"):
            return "opinion"  # a capitalised "We" inside a sentence names something ("… at first We Day")
    return None


def _from_voice(text: str) -> str | None:
    # A standfirst in the writer's own voice ("… means we cannot ignore economic security risks", "Our experts
    # discuss…") is a column, an editorial or a feature: news speaks in the first person only inside quotes.
    opening = _QUOTED.sub(" ", " ".join(text.split())[:_VOICE_CHARS])
    return "opinion" if _FIRST_PERSON.search(opening) else None


def _from_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(unwrap_url(url))
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return None
    if host in _MEDIA_HOSTS:
        return "media"
    site = next((segments for domain, segments in _SITE_SEGMENTS.items()
                 if host == domain or host.endswith("." + domain)), {})
    segments = [segment.casefold() for segment in parts.path.split("/") if segment]
    for segment in segments[:-1]:
        kind = site.get(segment) or _PATH_SEGMENTS.get(segment)
        if kind is not None:
            return kind
    if segments and _EXPLAINER_SLUG & set(segments[-1].split("-")):
        return "analysis"
    return None


def _topic_line(text: str) -> list[str]:
    """The topics of a short last line of the text, such as FT's "Markets, Free Lunch"; else nothing."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2 or len(lines[-1]) > _TOPIC_LINE_MAX or lines[-1][-1:] in ".!?\"”'’":
        return []
    return [topic for topic in lines[-1].split(",") if topic.strip()]


def _from_labels(labels: Sequence[str]) -> str | None:
    kinds = [kind for kind in (_label_kind(label) for label in labels if isinstance(label, str)) if kind]
    return kinds[0] if kinds else None


def _from_text(text: str) -> str | None:
    opening = text.lstrip()[:200]
    for pattern, kind in _TEXT_OPENINGS:
        if pattern.search(opening):
            return kind
    return None


def _from_feed_name(name: str) -> str | None:
    for pattern, kind in _FEED_NAME_WORDS:
        if pattern.search(name):
            return kind
    return None
