"""Rank stories as an editor would, and say why. Pure: history and time are handed in.

Status first: a new story or a first-time development (``briefing.firsts``) counts as fully novel,
an update as novel as it is, a repeat goes last. Then importance: how many publishers carry the story,
a first-time event in it, a publisher placing it in several of its feeds, and the importance prior
(``briefing.importance``: how widely stories of its kind are covered elsewhere). Opinion, analysis and
newsletters are ranked in their own group (``separate_kinds``), after the day's news; so is, just after the news,
a prospect that another of today's stories reports as done (``briefing.happened``). Weights are in
``RankConfig.weights``; docs/design-notes.md says how they were chosen.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from .cluster import is_bare_headline
from .config import RankConfig
from .firsts import FirstEvent, first_event
from .happened import acts_named, acts_reported, announced_acts, has_happened, same_doer
from .models import SECTION_LABEL, Article, HistoryItem, RankedStory, Status, Story, first_words, is_title_case

_POSSESSIVE = re.compile(r"['’]s?$")
_TERM = re.compile(r"(?<![\w.])(?:[A-Z][\w'’-]*[A-Za-z]|[A-Z]{2,}|\d[\d,.]*%?)")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_SENTENCE_END = re.compile(r"[.!?:;\"“”‘’(—–-]\s*$")
_SENTENCE_STARTERS = frozenset(
    "The A An In On At As After Before But And Or If When While With For From By To Of It Its This That "
    "These Those He She They We I You His Her Their Our Mr Mrs Ms Dr Update Breaking Live Watch Video "
    "Opinion ".split()
)
_FILLER = frozenset("""
about above according across after again against ahead also amid among another around back because been before
behind being below between both came come comes could despite does doing down during each either even every
first from further have having here into just last later less like made make makes many more most much must near
next only other over part says said same should since some still such than that their them then there these they
this those through time today under until upon very week weeks what when where which while will with within
without would year years your update updated report reports reported news live watch video new""".split())
"""Words too common in news to say what changed (and the calendar, below)."""
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december".split()
)
_FILLER |= _CALENDAR
_SHOUTED = frozenset("""
is it in on at of to be do go no not and the are was has all but for yes its new watch video photos live update
breaking exclusive report omg lol wow""".upper().split())
"""Words set in capitals for emphasis or as a label ("Mila Kunis IS Pregnant", "UPDATE 3-"), not acronyms."""
_CONTENT_WORD = re.compile(r"[a-z][a-z'’-]{3,}")
VIEWS = frozenset({"opinion"})
"""Kinds of piece that argue rather than report: a past one does not make a story known. Not analysis: an
explainer reports too ("How to see the 'blood moon'" before the eclipse; on UCI's week B counting it out let
continuing stories into the top ten, new@10 0.79 → 0.74)."""
READS_AS_FEATURE = 0.7
"""A feature model's probability this high is said in the reasons (held out: 12 of 13 such pieces were features)."""
WIDELY_COVERED = 0.75
"""An importance prior this high (log2 units: 1.7x the publishers the reader's count shows) is said in the reasons."""
EDITOR_RANKS_LOW = 0.3
"""A news grade this low is said in the reasons (on bench editor's tune days, 92% of such pieces were graded 0)."""


def key_terms(text: str, title: str = "") -> frozenset[str]:
    """Names and numbers in an article, lower-cased: a cheap stand-in for entities that needs no model.

    Casing only tells where the writer chose it: in prose, a capitalised word that does not open a
    sentence. A sentence-case ``title`` counts as prose; a Title-Case one ("Fighting Intensifies
    Around Pokrovsk, According To Officials") gives only its numbers and acronyms.
    """
    terms = set(_prose_terms(text))
    if title:
        found = _prose_terms(title)
        terms.update(found if not is_title_case(title) else (t for t in found if t[0].isdigit() or t.isupper()))
    return frozenset(term.lower() for term in terms)


def as_written(terms: Collection[str], text: str) -> tuple[str, ...]:
    """``terms`` (lower-cased, as :func:`key_terms` gives them) as ``text`` writes them, in its order: what a reader
    is shown ("María Corina Machado" rather than "corina, machado"). A term the text lacks goes last, as it is."""
    lowered = text.lower()
    placed = []
    for term in terms:
        spans = [found.span() for found in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", lowered)]
        # Where the text writes it as a name, if it does anywhere: "Economic" in "Organization for Economic
        # Cooperation", not the "economic" of an earlier sentence.
        start, end = next((span for span in spans if text[span[0]].isupper()), spans[0] if spans else (len(text),) * 2)
        placed.append((start, text[start:end] or term))
    return tuple(written for _, written in sorted(placed))


def content_words(text: str) -> frozenset[str]:
    """Lower-cased words of four letters or more, less news filler: what a story is about, whatever its casing."""
    return frozenset(w.strip("'’-") for w in _CONTENT_WORD.findall(text.lower()) if w not in _FILLER)


def _prose_terms(text: str) -> list[str]:
    terms = []
    for match in _TERM.finditer(text):
        term = _POSSESSIVE.sub("", match.group(0).strip(".,"))  # "Hamas’s" names Hamas
        if len(term) < 2 or term in _SENTENCE_STARTERS or term in _SHOUTED or term.lower() in _CALENDAR:
            continue  # "Thursday" is when, not what: every follow-up has a new one
        opens_sentence = not text[: match.start()].strip() or _SENTENCE_END.search(text[: match.start()])
        if opens_sentence and term[0].isalpha() and not term.isupper():
            continue  # capitalised because it starts a sentence, not because it names something
        terms.append(term)
    return terms


@dataclass(frozen=True)
class _Match:
    similarity: float
    item: HistoryItem | None
    known_terms: frozenset[str]
    known_words: frozenset[str]
    known_event: bool  # a related past article already reported a first-time event
    related_titles: tuple[str, ...] = ()  # headlines of the related past articles
    headline_similarity: float | None = None  # today's headlines to the related past ones; None: not compared


def _closest_all(stories: Sequence[Story], history: Sequence[HistoryItem], now: datetime,
                 config: RankConfig) -> list[_Match]:
    """For every story at once: the most similar history item (age-decayed), the terms already known."""
    if not history or not stories:
        return [_Match(0.0, None, frozenset(), frozenset(), False) for _ in stories]
    matrix = np.asarray([item.vector for item in history], dtype=np.float32)
    ages = np.array([(now - item.published).total_seconds() / 86400 for item in history], dtype=np.float32)
    # An old match weighs less: a story last seen two weeks ago and back today is closer to news.
    decay = 1.0 - config.history_fade * np.clip(ages / config.history_days, 0.0, 1.0)
    raw = np.asarray([story.vector for story in stories], dtype=np.float32) @ matrix.T
    effective = raw * decay
    matches = []
    events: dict[int, bool] = {}
    for row, eff_row in zip(raw, effective, strict=True):
        best = int(np.argmax(eff_row))
        related = np.flatnonzero(row >= config.new_below)
        known = frozenset().union(*(history[i].terms for i in related))
        words = frozenset().union(*(history[i].words for i in related))
        for i in related:
            if i not in events:
                events[i] = first_event(history[i].title) is not None
        known_event = any(events[i] for i in related)
        titles = tuple(dict.fromkeys(history[i].title for i in related))
        matches.append(_Match(float(eff_row[best]), history[best], known, words, known_event, titles))
    return matches


def _compare_headlines(stories: Sequence[Story], bare: Sequence[bool], matches: Sequence[_Match],
                       config: RankConfig, encode: Callable[[Sequence[str]], np.ndarray]) -> list[_Match]:
    """For each story that matches past ones: how alike its headlines are to theirs (the best pair).

    A story's text can be close to the past coverage of its subject (the same war, the same couple)
    while its headline reports something else; the headline says what happened.
    """
    todo = [i for i, match in enumerate(matches)  # a bare headline's match already is a headline's
            if match.item is not None and match.related_titles and match.similarity >= config.new_below
            and not bare[i]]
    if not todo:
        return list(matches)
    titles = sorted({t for i in todo for t in (*(a.title for a in stories[i].articles), *matches[i].related_titles)})
    vectors = dict(zip(titles, np.asarray(encode(titles), dtype=np.float32), strict=True))
    out = list(matches)
    for i in todo:
        today = np.stack([vectors[a.title] for a in stories[i].articles])
        past = np.stack([vectors[t] for t in matches[i].related_titles])
        out[i] = replace(matches[i], headline_similarity=float((today @ past.T).max()))
    return out


@dataclass(frozen=True)
class _Signals:
    """What the ranker knows about one story, before weighing it."""

    match: _Match
    novelty: float
    event: FirstEvent | None  # a first-time event the story reports, not already reported before
    announced: str | None  # a related past headline that announced what this story reports as done
    publishers: tuple[str, ...]  # display names, one per publisher
    extra_placements: int  # more copies from publishers already counted: other sections, other pieces
    related: tuple[str, ...]  # publishers of other stories today on the same subject
    fresh_terms: tuple[str, ...]  # names and numbers not in the related past articles
    fresh_words: tuple[str, ...]  # content words not in them
    words: int  # content words in the story
    kind: str
    title: str  # the lead headline
    bare_headlines: bool  # no article of the story has text beyond its headline
    importance: float  # the importance prior: wider coverage expected for a story of this kind (log2 units)
    angle_of: str | None = None  # the lead headline of today's new story this one is closer to than to its past match
    feature: float = 0.0  # how likely a story with text reads as a feature, not the day's news (0–1)
    grade: float | None = None  # the grade an editor gives pieces like this one, up to rank.grade_cap (0 not news)
    new_act: str | None = None  # an act a headline of the story reports done that no related past headline named


def _related_publishers(stories: Sequence[Story], publishers: Sequence[Mapping[str, str]],
                        above: float) -> list[tuple[str, ...]]:
    """For each story, the publishers (not its own) of today's other stories on the same subject, by name."""
    if len(stories) < 2:
        return [() for _ in stories]
    display = {key: name for names in reversed(publishers) for key, name in names.items()}
    vectors = np.asarray([story.vector for story in stories], dtype=np.float32)
    similar = vectors @ vectors.T >= above
    np.fill_diagonal(similar, False)
    found = []
    for i, row in enumerate(similar):
        others = set().union(*(publishers[j].keys() for j in np.flatnonzero(row))) - publishers[i].keys()
        found.append(tuple(sorted(display[key] for key in others)))
    return found


def publishers_of(story: Story) -> dict[str, str]:
    """The story's publishers, each with the outlet name first seen for it (what a reader recognises)."""
    names: dict[str, str] = {}
    for source in story.sources:
        names.setdefault(source.publisher, source.outlet)
    return names


def related_past(stories: Sequence[Story], history: Sequence[HistoryItem], now: datetime,
                 config: RankConfig) -> list[_Match]:
    """For each story, what the ranker knows of its past: the closest report in ``history`` and the related ones
    (opinion pieces, ``VIEWS``, left out: an argument makes no story known). What :func:`rank_stories` matches."""
    return _closest_all(stories, [item for item in history if item.kind not in VIEWS], now, config)


def story_event(story: Story, match: _Match) -> FirstEvent | None:
    """The first-time event the story reports (``briefing.firsts``, on each article's headline and opening), unless
    a related past article already reported one in its headline (``match.known_event``): then the story is a
    follow-up of it (reactions, explainers) and reports none."""
    event = None
    for article in story.articles:
        event = first_event(article.title, lead_text(article))
        if event:
            if event.where == "title":  # the headline says it best, subject included
                event = replace(event, phrase=_short(article.title.rstrip(" .:"), 16))
            break
    if event and match.known_event:
        event = None  # a follow-up of a first-time event reported earlier: reactions, explainers
    return event


def lead_text(article: Article) -> str:
    """What the ranker reads of an article beyond its headline: its first 60 words."""
    return " ".join(first_words(article.text, 60))


def _signals(story: Story, bare: bool, names: Mapping[str, str], match: _Match, related: tuple[str, ...],
             importance: float, terms_of: Callable[[str, str], frozenset[str]] = key_terms) -> _Signals:
    lead = lead_text(story.lead)
    event = story_event(story, match)
    # Only for stories with text: among a day's dozens of headlines on one celebrity, some headline of the story
    # "reports" what some earlier one announced more often than the act happens (UCI, 2014-04-14: 5 of 12 right).
    announced = None if bare else _announced_now_done(story, match.related_titles)
    new_act = None if bare or match.item is None else _new_act(story, match.related_titles)
    terms = terms_of(lead, story.lead.title)
    fresh = as_written(terms - match.known_terms, f"{story.lead.title} {lead}") if match.item else ()
    words = content_words(" ".join([*(a.title for a in story.articles), lead]))
    fresh_words = tuple(sorted(words - match.known_words)) if match.item else ()
    return _Signals(
        match=match, novelty=max(0.0, 1.0 - match.similarity), event=event, announced=announced,
        publishers=tuple(sorted(names.values())), extra_placements=max(0, story.placements - len(names)),
        related=related, fresh_terms=fresh, fresh_words=fresh_words, words=len(words), kind=story.kind,
        title=story.lead.title,
        importance=importance, bare_headlines=bare, new_act=new_act,
    )


def _new_act(story: Story, past_titles: Sequence[str]) -> str | None:
    """An act one of the story's headlines reports done that none of ``past_titles`` names in any form: "Trump
    Holds Call With Russia's Putin" after "Trump Plans Call With Putin…" (hold), "Trump Says U.S. Reached a Trade
    Deal With the EU" after "Trump's push for a new standard for global trade" (reach). Something happened."""
    named = frozenset().union(*map(acts_named, past_titles))
    for article in story.articles:
        new = acts_reported(article.title) - named
        if new:
            return min(new)
    return None


def _announced_now_done(story: Story, past_titles: Sequence[str]) -> str | None:
    """A past headline that announced what one of the story's headlines reports as done, if no other past
    headline reported the same doer doing it already (then this is a follow-up of the act, not the act).

    The doer matters: "Bank of England Cuts Rates" a week earlier does not make "Fed Cuts Rates for First Time
    This Year" a follow-up of "Fed Set to Cut Rates" (2025-09-17)."""
    for past in past_titles:
        for article in story.articles:
            act = has_happened(article.title, past)
            if act is None:
                continue
            if not any(has_happened(other, past) == act and same_doer(article.title, other, act)
                       for other in past_titles if other != past):
                return past
    return None


def _superseded(stories: Sequence[Story], bare: Sequence[bool], related_from: float) -> list[tuple[str, str] | None]:
    """For each story with text: (the act, a later headline of a related story of today's with text that reports it
    done) when one of its headlines announced it ("Israeli Attack on Iran Could Come Within Days" on the day of
    "Israel Launches Attack on Iran's Nuclear Facilities"); else None.

    Related: story vectors at least ``related_from`` alike (``rank.new_below``, as for a related past article).
    The headline rules read the act, not who does it to whom ("Pompliano set to launch bitcoin-buying vehicle" is
    not done by "Israel Launches Attack"); the subject is what the stories' texts share.
    """
    found: list[tuple[str, str] | None] = [None] * len(stories)
    prospects = [(i, article) for i, story in enumerate(stories) if not bare[i]
                 for article in story.articles if announced_acts(article.title)]  # few: most headlines announce nothing
    if not prospects:
        return found
    vectors = np.asarray([story.vector for story in stories], dtype=np.float32)
    for i, prospect in prospects:
        if found[i] is not None:
            continue
        alike = vectors @ vectors[i]
        for j, story in enumerate(stories):
            if j == i or bare[j] or alike[j] < related_from:
                continue
            for article in story.articles:
                act = has_happened(article.title, prospect.title) if article.published >= prospect.published else None
                if act:
                    found[i] = (act, article.title)
                    break
            if found[i] is not None:
                break
    return found


def _angles(stories: Sequence[Story], bare: Sequence[bool], signals: Sequence[_Signals], statuses: Sequence[Status],
            vectors: np.ndarray, config: RankConfig) -> list[str | None]:
    """For each story with text that matched the past: the lead headline of one of today's stories on a subject new
    to the history that it is more alike to than to its past match, else None.

    Such a story is an angle on today's news, not a follow-up of the past: on 2025-06-12 the WSJ's "Israel's Attacks
    Hit More Than Iran's Nuclear Program" was matched to a strike on Lebanon weeks earlier (0.58) while the day's
    "Israel Launches Attack on Iran's Nuclear Facilities", like nothing of the last two weeks, was far closer (0.72).
    A story new only by its headline (a new event in a known war) does not count: close to it is close to the war."""
    fresh = [j for j, status in enumerate(statuses)
             if status == "new" and signals[j].match.similarity < config.new_below]
    found: list[str | None] = [None] * len(stories)
    matched = [i for i, status in enumerate(statuses)
               if status not in ("new", "development") and not bare[i] and signals[i].match.item is not None]
    if not fresh or not matched:
        return found
    alike = vectors[matched] @ vectors[fresh].T  # one product: a day of a thousand stories is hundreds of each
    best = alike.argmax(axis=1)
    for row, i in enumerate(matched):
        if alike[row, best[row]] > signals[i].match.similarity:
            found[i] = stories[fresh[best[row]]].lead.title
    return found


def _another_event(match: _Match, config: RankConfig) -> bool:
    """Close to past coverage of its subject, but none of the past headlines reported this story's event."""
    return match.headline_similarity is not None and match.headline_similarity < config.same_event_above


def _status(signals: _Signals, config: RankConfig) -> Status:
    match = signals.match
    new_numbers = [t for t in signals.fresh_terms if t[0].isdigit()]
    new_below = config.headline_new_below if signals.bare_headlines else config.new_below
    if match.item is None or match.similarity < new_below:
        return "new"
    if signals.event is not None and signals.event.where == "title":
        # An ongoing story, but something in it happened for the first time, and the headline says so:
        # a "first" deep in the text of a follow-up is background more often than news.
        return "development"
    if _another_event(match, config):
        return "new"
    if signals.announced:
        return "development"  # "Hamas Releases Last Living U.S. Hostage" after "Hamas to Release…"
    # New names, numbers or a good share of new words: something material happened.
    material = (len(signals.fresh_terms) >= 2 or bool(new_numbers)
                or len(signals.fresh_words) >= max(3, signals.words / 2))
    if match.similarity < config.repeat_above and material:
        return "update"
    if match.similarity >= config.repeat_above and new_numbers:
        return "update"  # near-identical wording: only a new number counts
    if signals.new_act:
        return "update"  # close wording, but a headline reports a new act: "Holds Call" after "Plans Call"
    return "repeat"


def _score(signals: _Signals, status: Status, config: RankConfig, text_day: bool = False) -> float:
    """Status first, then importance: a new story (or a first-time development) counts as fully novel,
    so among them only importance orders; an update or repeat counts as novel as it is. ``text_day`` (real feeds):
    novelty weighs ``weights.novelty_text``, and the importance prior counts at most ``config.importance_cap``
    either way, smoothly (tanh), so it still orders the stories it would push past the cap instead of tying them
    there."""
    weights = config.weights
    novelty = 1.0 if status in ("new", "development") else signals.novelty
    return (
        (weights.novelty_text if text_day else weights.novelty) * novelty
        + weights.first_event * (1.0 if signals.event else 0.0)
        + weights.coverage * _log_share(len(signals.publishers))
        + weights.related * _log_share(len(signals.related))
        + weights.prominence * _log_share(signals.extra_placements)
        + weights.importance * (signals.importance if not text_day else
                                config.importance_cap * math.tanh(signals.importance / config.importance_cap))
        - weights.feature * signals.feature
        + weights.grade * (signals.grade or 0.0)
        + weights.new_terms * (min(1.0, len(signals.fresh_terms) / 4) if status == "update" else 0.0)
    )


def _log_share(count: int, unit: int = 10) -> float:
    return math.log1p(count) / math.log1p(unit)


def _reasons(signals: _Signals, status: Status, config: RankConfig) -> list[str]:
    matched = _short(signals.match.item.title) if signals.match.item else ""
    reasons: list[str] = []
    if status == "development" and signals.event:
        reasons.append(f"new development in an ongoing story ('{matched}'): {signals.event.phrase}")
    elif status == "development":  # _status makes a development from an event or from an announced act
        reasons.append(f"new development: what '{_short(signals.announced)}' announced has happened")
    elif signals.event:
        reasons.append(f"first-time event: {signals.event.phrase}")
    if status == "new" and signals.angle_of:
        reasons.append(f"new: an angle on today's '{_short(signals.angle_of)}', closer to it than to '{matched}'")
    elif status == "new" and _another_event(signals.match, config):
        shown = ", ".join(_fresh_headline_words(signals.title, signals.match.related_titles)[:4])
        reasons.append("new: no earlier headline reported this" + (f" ({shown})" if shown else "")
                       + f"; related: '{matched}'")
    elif status == "new":
        reasons.append(f"new: nothing like it in the last {config.history_days} days")
    elif status == "update":
        # Names and numbers, else the headline's own new words in its order: the first four content words in the
        # alphabet said nothing ("new: access, advocates, allow, angered" for a Title-Case headline on UCI).
        words = signals.fresh_terms or _fresh_headline_words(signals.title, signals.match.related_titles) \
            or signals.fresh_words
        reasons.append(f"update of '{matched}'; new: {', '.join(words[:4])}")
    elif status == "repeat":
        reasons.append(f"seen before: '{matched}'")
    reasons.append(_coverage_reason(signals))
    if signals.related and config.weights.related:
        reasons.append(f"related coverage today from {_names(signals.related)}")
    if signals.importance >= WIDELY_COVERED:
        reasons.append("the kind of story covered widely elsewhere")
    if signals.grade is not None and signals.grade <= EDITOR_RANKS_LOW and signals.kind == "news":
        reasons.append("the kind of piece an editor ranks low")
    if signals.kind != "news":
        reasons.append(signals.kind)
    elif signals.feature >= READS_AS_FEATURE and not signals.bare_headlines:
        reasons.append("reads as a feature more than the day's news")
    return reasons


def _fresh_headline_words(title: str, past_titles: Sequence[str]) -> list[str]:
    """Content words of ``title``, as written, that none of ``past_titles`` has (in any form: first five letters)."""
    known = {w[:5] for t in past_titles for w in content_words(t)}
    found = [w.strip("'’-") for w in _WORD.findall(SECTION_LABEL.sub("", title))]
    return list(dict.fromkeys(w for w in found if w.lower() in content_words(w) and w.lower()[:5] not in known))


def _coverage_reason(signals: _Signals) -> str:
    count = len(signals.publishers)
    text = f"only in {signals.publishers[0]}" if count == 1 else f"{count} publishers: {_names(signals.publishers)}"
    if signals.extra_placements:
        text += f" ({signals.extra_placements} more placement{'s' if signals.extra_placements > 1 else ''})"
    return text


def _names(names: Sequence[str], shown: int = 4) -> str:
    head = ", ".join(names[:shown])
    return head + (f" and {len(names) - shown} more" if len(names) > shown else "")


def rank_stories(
    stories: Sequence[Story],
    history: Sequence[HistoryItem],
    summaries: Mapping[int, str],
    now: datetime,
    config: RankConfig,
    separate_kinds: Collection[str] = (),
    prior: Callable[[np.ndarray], np.ndarray] | None = None,
    headline_vectors: Callable[[Sequence[str]], np.ndarray] | None = None,
    features: Callable[[np.ndarray], np.ndarray] | None = None,
    grades: Callable[[np.ndarray], np.ndarray] | None = None,
    terms: Callable[[str, str], frozenset[str]] = key_terms,
) -> list[RankedStory]:
    """Score, label and order today's stories.

    Args:
        stories: today's stories.
        history: past articles (before today's window) with their vectors and key terms; opinion pieces among
            them (``VIEWS``) are not matched: an argument makes no story known.
        summaries: summary text by lead article id.
        now: the start of today's window; history ages are measured from it.
        config: weights and thresholds.
        separate_kinds: kinds of piece (``opinion``, ``analysis``...) ranked after all of the day's news.
        prior: the importance prior over story vectors (``briefing.importance``); None: not used.
        headline_vectors: embeds headlines (L2-normalized rows), to tell a new event on a known subject
            (a development) from a follow-up; None: not told apart.
        features: log-odds that a story reads as a feature rather than the day's news, over story vectors
            (``briefing.importance.features_for``); used for stories with text only. None: not used.
        grades: the grade an editor gives pieces like these, 0–3, over story vectors
            (``briefing.importance.grades_for``); used on days with text (real feeds), up to ``config.grade_cap``.
            None: not used.
        terms: names and numbers of a lead's text and headline (``rank.terms``: :func:`key_terms`, the casing rule,
            or ``briefing.names.SpacyTerms``); the history's ``terms`` must come from the same.

    Returns:
        News stories (new, development, update) by score, then news stories that another of today's stories
        supersedes (it reports as done what their headline announced: ``briefing.happened``), then fresh stories
        of the separate kinds, then repeats; ranks 1..n in that order.
    """
    # An argument makes no story known: "Opinion | Does Israel Need to Destroy All of Iran's Nukes?" on Sunday does
    # not make Thursday's "Israel Launches Attack on Iran's Nuclear Facilities" an update.
    matches = related_past(stories, history, now, config)
    bare = [all(map(is_bare_headline, story.articles)) for story in stories]
    if headline_vectors is not None and config.same_event_above > 0:
        matches = _compare_headlines(stories, bare, matches, config, headline_vectors)
    publishers = [publishers_of(story) for story in stories]
    related = _related_publishers(stories, publishers, config.related_above)
    vectors = np.asarray([story.vector for story in stories], dtype=np.float32)
    importance = prior(vectors) if prior is not None and len(stories) else np.zeros(len(stories))
    superseded = _superseded(stories, bare, config.new_below)
    # The prior learned bare headlines: on a day with text (real feeds) it counts within its cap for every story, so
    # all compete on one scale; a day of bare headlines only, its training input, keeps all of it.
    text_day = not all(bare)
    scored: list[tuple[int, float, RankedStory]] = []
    prefetch = getattr(terms, "prefetch", None)
    if prefetch is not None:  # a model reads them in batches
        prefetch([(lead_text(story.lead), story.lead.title) for story in stories])
    all_signals = [_signals(*row, terms_of=terms) for row in zip(stories, bare, publishers, matches, related,
                                                                 map(float, importance), strict=True)]
    if features is not None and text_day:
        # Trained on standfirsts: a bare headline tells it too little (UCI's days are all bare), so on a mixed day
        # a bare story counts as the day's average story with text, neither lifted nor held back by the model.
        likely = 1.0 / (1.0 + np.exp(-np.asarray(features(vectors), dtype=np.float64)))
        average = float(likely[~np.asarray(bare)].mean())
        all_signals = [replace(signals, feature=average if bare_story else float(p))
                       for signals, bare_story, p in zip(all_signals, bare, likely, strict=True)]
    if grades is not None and text_day and config.weights.grade:
        graded = np.clip(np.asarray(grades(vectors), dtype=np.float64), 0.0, config.grade_cap)
        all_signals = [replace(signals, grade=float(g)) for signals, g in zip(all_signals, graded, strict=True)]
    statuses = [_status(signals, config) for signals in all_signals]
    for i, today in enumerate(_angles(stories, bare, all_signals, statuses, vectors, config)):
        if today is not None:
            all_signals[i], statuses[i] = replace(all_signals[i], angle_of=today), "new"
    for story, signals, status, done in zip(stories, all_signals, statuses, superseded, strict=True):
        match = signals.match
        score = _score(signals, status, config, text_day=text_day)
        reasons = _reasons(signals, status, config)
        # A prospect that today's news reports as done is yesterday's question: after the day's news, said why.
        overtaken = done is not None and status != "repeat" and signals.kind not in separate_kinds
        if overtaken:
            act, headline = done
            reasons.insert(0, f"superseded: today's '{_short(headline)}' reports the {act} it announced as done")
        group = 3 if status == "repeat" else 2 if signals.kind in separate_kinds else 1 if overtaken else 0
        ranked = RankedStory(
            story=story, rank=0, status=status, score=round(score, 6), novelty=round(signals.novelty, 6),
            reasons=tuple(reasons), summary=summaries.get(story.lead.id, ""),
            matched_title=match.item.title if match.item else None,
            superseded_by=done[1] if done is not None and overtaken else None,
        )
        scored.append((group, -score, ranked))
    scored.sort(key=lambda entry: (entry[0], entry[1], entry[2].story.lead.id))
    return [replace(ranked, rank=i) for i, (_, _, ranked) in enumerate(scored, start=1)]


def _short(title: str | None, words: int = 9) -> str:
    parts = (title or "").split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")
