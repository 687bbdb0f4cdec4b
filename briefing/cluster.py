"""Group the day's articles into stories: one event, many outlets. Pure: no I/O, no clock."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from itertools import pairwise

import numpy as np

from .models import Article, Story, first_words

TITLE_ONLY_WORDS = 12
"""An article whose text has fewer words than this is clustered as a bare headline."""
FADE_FLOOR = 0.5
"""The share of two near-identical bare headlines' similarity that survives any time gap (see cluster_labels)."""
FADE_FLOOR_ABOVE = 0.7
"""Bare headlines at least this alike are near-identical: the floor above keeps them one story across the day.
Less alike pairs fade to nothing: kept at half, hours apart, loosely similar headlines still pulled whole stories
together under average link (UCI, B-cubed F1 0.881 → 0.903 on the tuning week; docs/BENCHMARKS.md §2)."""
NAMED_EVENT_PIECES = 3
"""How many of one publisher's headlines of the day must share a name before its pieces on it are one story."""
NAMED_EVENT_PAST_USES = 1
"""How many past headlines may use that name: one in the news for weeks names a subject, not the day's event."""
NAMED_EVENT_PAST_DEPTH = 2
"""The past must hold this many headlines per article of the day: a first run's backlog (81 past headlines for 80
articles on the season's first day) is too thin to tell a standing name ("President Trump") from an event's."""
_TOKEN = re.compile(r"\S+")
_NAME_WORD = re.compile(r"[A-Z][A-Za-z0-9-]*[A-Za-z0-9]")
_PHRASE_BREAK = re.compile(r"[,.:;|!?—–]$")
_POSSESSIVE = re.compile(r"[’']s?$")  # Israel’s, Francis’
_NOT_A_NAME = frozenset(
    "the a an and or of to in on at by for as with from after over into than is are was be how why what who when "
    "where new says say said will may could can".split())


def is_bare_headline(article: Article) -> bool:
    """An article whose feed gave (almost) no text: it is compared as a headline alone."""
    return len(first_words(article.text, TITLE_ONLY_WORDS)) < TITLE_ONLY_WORDS


def cluster_articles(articles: Sequence[Article], vectors: np.ndarray, threshold: float,
                     title_only_threshold: float | None = None, headline_hours: float | None = None,
                     same_publisher_threshold: float | None = None,
                     headline_vectors: Callable[[Sequence[str]], np.ndarray] | None = None,
                     past_headlines: Sequence[str] | None = None, named_event_floor: float = 0.0,
                     shown_before: Collection[int] = ()) -> list[Story]:
    """Average-link agglomerative clustering on cosine similarity.

    Average link (not single link) keeps a chain of loosely related pieces from collapsing
    into one giant story. Two clusters merge while their mean pairwise similarity is at
    least ``threshold``.

    Args:
        articles: the day's articles.
        vectors: one L2-normalized row per article.
        threshold: cosine similarity needed to be the same story.
        title_only_threshold: the same for two articles that are both bare headlines (feeds
            without text), whose same-story similarities run much lower; None: ``threshold``.
        headline_hours: for two bare headlines, the time scale over which their similarity
            fades with the hours between them (see :func:`cluster_labels`); None or 0: no fading.
        same_publisher_threshold: two articles with text from one publisher are one story only
            this alike: an outlet seldom writes twice about one event in a day, so a loosely similar
            pair from it is two events on one subject (the day's routine war report and the first
            foreign troops at the front). None: ``threshold``.
        headline_vectors: embeds headlines (L2-normalized rows). On a day that mixes bare headlines and
            articles with text, each bare headline and article with text are then compared headline to
            headline as well, and the closer of the two counts: a headline-only feed's item ("Swiss inflation
            turns negative for first time in four years") is far from another outlet's title + lead on the
            same event, but close to its headline. None: article vectors only.
        past_headlines: the headlines of the last days (the ranker's history), to tell the day's event by its name.
        named_event_floor: with ``past_headlines``, a publisher's pieces with text whose headlines share the day's
            event's name (see :func:`_named_event_pairs`: "Air India" in its news story, its feature on the sole
            survivor and its graphic of the flight) are one story when at least this alike, whatever
            ``threshold`` and ``same_publisher_threshold`` say; 0: no such rule.
        shown_before: ids of articles an earlier briefing listed (back with a new revision). They take no part in
            the named-event rule: each is judged against what the reader saw, and tying the day's new pieces to it
            would make them old news.

    Returns:
        Stories, each with its most central article as lead, largest first.
    """
    if len(articles) == 0:
        return []
    title_only = np.array([is_bare_headline(a) for a in articles])
    hours = np.array([a.published.timestamp() / 3600.0 for a in articles]) if headline_hours else None
    apart = None
    if same_publisher_threshold is not None and same_publisher_threshold > threshold:
        apart = _same_publisher_apart(articles, vectors, title_only, same_publisher_threshold)
    mixed = None
    if headline_vectors is not None and title_only.any() and not title_only.all():
        headlines = np.asarray(headline_vectors([a.title for a in articles]), dtype=np.float32)
        mixed = _mixed_headline_similarity(headlines, title_only)
    if (past_headlines is not None and named_event_floor > 0
            and len(past_headlines) >= NAMED_EVENT_PAST_DEPTH * len(articles)):
        # A column argues: two on one event are two arguments, and one is no piece of the news it argues about.
        takes_part = ~title_only & np.array([a.kind != "opinion" and a.id not in shown_before for a in articles])
        named = _named_event_pairs(articles, vectors, takes_part, past_headlines, named_event_floor)
        if named.any():
            if apart is not None:
                apart = apart & ~named
            # Counted as just alike enough: average link then joins the pieces only when every pair of them is named.
            joined = np.where(named, np.nextafter(np.float64(threshold), 1.0), -1.0)
            mixed = joined if mixed is None else np.maximum(mixed, joined)
    labels = cluster_labels(vectors, threshold, title_only, title_only_threshold, hours, headline_hours, apart, mixed)
    stories: list[Story] = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        stories.append(_story([articles[i] for i in members], vectors[members]))
    stories.sort(key=lambda s: (-len(s.articles), s.lead.published, s.lead.id))
    return stories


def _same_publisher_apart(articles: Sequence[Article], vectors: np.ndarray, title_only: np.ndarray,
                          above: float) -> np.ndarray:
    """The condensed-order mask of pairs with text, from one publisher, less alike than ``above``."""
    first, second = np.triu_indices(len(articles), k=1)
    names: dict[str, int] = {}
    rows = [[names.setdefault(source.publisher, len(names)) for source in article.sources] for article in articles]
    carried = np.zeros((len(articles), len(names)), dtype=np.float32)
    for row, columns in enumerate(rows):
        carried[row, columns] = 1.0
    shared = (carried @ carried.T)[first, second] > 0
    similarity = (vectors @ vectors.T)[first, second]  # n x n, not one row per pair: 3,000 articles are 36 MB
    return shared & ~title_only[first] & ~title_only[second] & (similarity < above)


def headline_names(title: str) -> set[str]:
    """Two capitalised words in a row in a headline, lower-cased ("air india", "pope francis"): a name, or in a
    Title-Case headline any pair of words (the callers tell them apart)."""
    words = _TOKEN.findall(title)
    names = set()
    for first, second in pairwise(words):
        if _PHRASE_BREAK.search(first):
            continue
        first, second = _POSSESSIVE.sub("", first), _POSSESSIVE.sub("", second.rstrip(",.:;|!?—–"))
        if (_NAME_WORD.fullmatch(first) and _NAME_WORD.fullmatch(second)
                and first.lower() not in _NOT_A_NAME and second.lower() not in _NOT_A_NAME):
            names.add(f"{first.lower()} {second.lower()}")
    return names


def _named_event_pairs(articles: Sequence[Article], vectors: np.ndarray, takes_part: np.ndarray,
                       past_headlines: Sequence[str], floor: float) -> np.ndarray:
    """Condensed mask of pairs of one publisher's articles (those that ``takes_part``) that name the day's event and
    are ``floor`` alike.

    The event's name is two capitalised words that at least ``NAMED_EVENT_PIECES`` of one publisher's headlines
    share today, that at most ``NAMED_EVENT_PAST_USES`` past headlines use, and that no headline or text of the day
    writes in lower case (then it is a phrase, not a name: "interest rates", "oil price"). A big event gets several
    pieces from one outlet, and their texts tell different angles (the Air India crash of 2025-06-12: the news,
    the sole survivor, the flight's last seconds, 0.38–0.57 alike), while the name is what they share.
    """
    first, second = np.triu_indices(len(articles), k=1)
    named = np.zeros(len(first), dtype=bool)
    names = [headline_names(a.title) if takes_part[i] else set() for i, a in enumerate(articles)]
    pieces: dict[tuple[str, str], set[int]] = {}
    for i, article in enumerate(articles):
        for publisher in {source.publisher for source in article.sources}:
            for name in names[i]:
                pieces.setdefault((publisher, name), set()).add(i)
    candidates = {name for (_, name), members in pieces.items() if len(members) >= NAMED_EVENT_PIECES}
    if not candidates:
        return named
    day_text = [f"{a.title} {a.text}" for a in articles]
    events = set()
    for name in candidates:
        first_word, second_word = map(re.escape, name.split())
        pattern = re.compile(rf"\b({first_word})(?:[’']s?)?\s+({second_word})\b", re.IGNORECASE)
        used = sum(1 for title in past_headlines if pattern.search(title))
        generic = any(not word[0].isupper() for text in day_text for m in pattern.finditer(text) for word in m.groups())
        if used <= NAMED_EVENT_PAST_USES and not generic:
            events.add(name)
    if not events:
        return named
    similarity = (vectors @ vectors.T)[first, second]
    for (_, name), members in pieces.items():
        if name in events and len(members) >= NAMED_EVENT_PIECES:
            inside = np.zeros(len(articles), dtype=bool)
            inside[sorted(members)] = True
            named |= inside[first] & inside[second] & (similarity >= floor)
    return named


def _mixed_headline_similarity(headlines: np.ndarray, title_only: np.ndarray) -> np.ndarray:
    """Condensed (``pdist`` order): for a bare headline and an article with text, their headlines' cosine; else -1."""
    first, second = np.triu_indices(len(headlines), k=1)
    mixed = title_only[first] != title_only[second]
    out = np.full(len(first), -1.0)
    out[mixed] = np.einsum("ij,ij->i", headlines[first[mixed]], headlines[second[mixed]])
    return out


def cluster_labels(vectors: np.ndarray, threshold: float, title_only: np.ndarray | None = None,
                   title_only_threshold: float | None = None, hours: np.ndarray | None = None,
                   headline_hours: float | None = None, apart: np.ndarray | None = None,
                   mixed_headlines: np.ndarray | None = None) -> np.ndarray:
    """A cluster label per row of ``vectors``.

    Pairs of rows that are both ``title_only`` have their distance rescaled so that
    ``title_only_threshold`` on them means what ``threshold`` means elsewhere. With ``hours``
    (publication times) and ``headline_hours``, such a pair's similarity is also scaled by
    ``exp(-gap / headline_hours)``: two loosely similar headlines are one story only when they
    came out close together. Near-identical ones (``FADE_FLOOR_ABOVE``) keep at least
    ``FADE_FLOOR`` of it, so they still join across the day. Articles with text are compared on similarity alone.
    Pairs marked in ``apart`` (condensed, ``pdist`` order) count as unrelated (cosine 0).
    ``mixed_headlines`` (condensed): a similarity per pair that counts where it is higher (a bare
    headline against another article's headline; -1 elsewhere).
    """
    n = len(vectors)
    if n == 1:
        return np.zeros(1, dtype=int)
    distances = np.clip(cosine_distances(vectors), 0.0, 2.0)
    if mixed_headlines is not None:
        distances = np.minimum(distances, np.clip(1.0 - mixed_headlines, 0.0, 2.0))
    if title_only is not None and title_only.any():
        first, second = np.triu_indices(n, k=1)  # the order pdist uses
        both = title_only[first] & title_only[second]
        if hours is not None and headline_hours:
            gap = np.abs(hours[first[both]] - hours[second[both]])
            fade = np.exp(-gap / headline_hours)
            near_identical = 1.0 - distances[both] >= FADE_FLOOR_ABOVE
            fade[near_identical] = FADE_FLOOR + (1.0 - FADE_FLOOR) * fade[near_identical]
            distances[both] = 1.0 - (1.0 - distances[both]) * fade
        if title_only_threshold is not None:
            distances[both] *= (1.0 - threshold) / (1.0 - title_only_threshold)
    if apart is not None:
        distances[apart] = np.maximum(distances[apart], 1.0)
    return average_link(distances, n, cut=1.0 - threshold)


def cosine_distances(vectors: np.ndarray) -> np.ndarray:
    """Condensed cosine distances (``scipy.spatial.distance.pdist(..., "cosine")``'s order and values), in float64."""
    rows = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(rows, axis=1)
    norms[norms == 0] = 1.0
    first, second = np.triu_indices(len(rows), k=1)
    similarity = (rows @ rows.T)[first, second] / (norms[first] * norms[second])
    return 1.0 - similarity


def average_link(distances: np.ndarray, n: int, cut: float) -> np.ndarray:
    """A cluster label per item: average-link (UPGMA) clustering of ``n`` items on condensed ``distances``, cut where
    the clusters are more than ``cut`` apart.

    The same partition as ``scipy.cluster.hierarchy.fcluster(linkage(distances, "average"), cut, "distance")``, ties
    included: scipy's nearest-neighbour-chain algorithm step for step (the chain starts at the first live cluster,
    prefers its previous link on a tie, then the lowest index; a merged cluster lives on in the higher slot;
    Lance–Williams averages), without importing scipy's clustering, which was 0.35–0.5 s of a one-second cached
    rerun. Average link never merges below an earlier merge of its parts, so the partition is the merges at most
    ``cut`` apart.
    """
    matrix = np.full((n, n), np.inf)
    first, second = np.triu_indices(n, k=1)
    matrix[first, second] = distances
    matrix[second, first] = distances
    size = np.ones(n)
    live = np.ones(n, dtype=bool)
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    chain: list[int] = []
    for _ in range(n - 1):
        if not chain:
            chain.append(int(np.argmax(live)))
        while True:
            x = chain[-1]
            y, nearest = (chain[-2], matrix[x, chain[-2]]) if len(chain) > 1 else (-1, np.inf)
            best = int(matrix[x].argmin())
            if matrix[x, best] < nearest:
                y, nearest = best, matrix[x, best]
            if len(chain) > 1 and y == chain[-2]:
                break
            chain.append(y)
        del chain[-2:]
        x, y = min(x, y), max(x, y)
        if nearest <= cut:
            parent[root(x)] = root(y)
        merged = (size[x] * matrix[x] + size[y] * matrix[y]) / (size[x] + size[y])
        size[y] += size[x]
        live[x] = False
        merged[~live] = np.inf
        merged[y] = np.inf
        matrix[y], matrix[:, y] = merged, merged
        matrix[x], matrix[:, x] = np.inf, np.inf
    roots = np.array([root(i) for i in range(n)])
    return np.unique(roots, return_inverse=True)[1] + 1


def _story(articles: list[Article], vectors: np.ndarray) -> Story:
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    closeness = vectors @ centroid
    # The lead is the most central article; among near ties, the one with more text to summarize.
    best = max(range(len(articles)),
               key=lambda i: (round(float(closeness[i]), 2), len(articles[i].text), -articles[i].id))
    ordered = sorted(articles, key=lambda a: (a.published, a.id))
    return Story(articles=tuple(ordered), lead=articles[best], vector=centroid.astype(np.float32))
