"""The faithfulness guard: no generated sentence reaches the briefing unless the sources back it.

Every sentence of a generated summary is checked against the story's sources:

- **number**: every number in it (normalised: "2,500" = "2500", "$90m" = "$90 million" = 90,000,000,
  "5%" = "5 percent", "three" = "3", "two hundred and fifty" = "250", "the '40s" = "the 1940s",
  "12.30pm" = "12:30 pm"; a source's "second season" backs "season 2") occurs in the sources;
- **date**: every month, weekday and year occurs in the sources;
- **quote**: every quoted span occurs, word for word, in the sources (each part, where an ellipsis marks
  words left out);
- **name**: every name occurs in the sources. A name is a capitalised word inside a sentence; in
  lower-cased text (where case says nothing) a word the encoder's vocabulary does not hold whole
  (rare words: most names, places, brands) stands in for it; a sentence's first word counts only when the next word
  is capitalised too or the vocabulary lacks it, as such and as an inflection or derivation of a vocabulary word
  ("Superstars", "Faked", "Conservationist" are common words). Accents do not count ("Jose" = "José"); a
  country and its adjective are one name ("China" = "Chinese", "Kiwi" = "New Zealand"), and so are a creed's
  forms ("Islamist" = "Islamic"); an acronym in capitals stands for the capitalised words it abbreviates
  ("NRA"); a name of letters and digits ("COVID-19", "G20") must occur whole, and its digits are no figure;
- **unsupported**: some source sentence (or two adjacent ones, for a sentence that fuses them; or any two,
  by their vectors' normalised sum, when those two also hold ``min_coverage`` of its content words) is
  close to it: MiniLM cosine at least ``min_similarity``; and at least ``min_coverage`` of its content
  words (no stopwords, no contractions) occur in the sources;
- **negation**: the closest supporting source sentences do not all differ from it in polarity (a
  "not", "never", "no", "n't", "didn't"... in one and not the other; in the sources, and against the closest
  sentence, "refused to", "failed to", "declined to", "unable to" and "denied" negate too). Of a pair of
  adjacent sentences, the closer one's polarity is kept; a negated word is found in another inflection ("did
  not run" backs "never ran"). A rhetorical negation in the closest sentence ("not just any rhino", "isn't the
  only") bears on nothing unless the sentence keeps its "just", "only", "first".

A sentence that fails is dropped, with its reason; a summary left shorter than ``min_words`` is
replaced by the extractive one. ``Verdict`` records what happened, for the briefing's JSON.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .sentences import split_sentences

__all__ = ["Check", "Dropped", "Guard", "GuardSettings", "Verdict", "acronyms", "extract_numbers", "identifiers",
           "negated_words", "negation_flip", "source_units"]


class _Embedder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class GuardSettings:
    """Thresholds (tuned on half of 200 CNN/DM articles: docs/BENCHMARKS.md, "Faithfulness guard")."""

    min_similarity: float = 0.3
    """A sentence needs a source sentence (or adjacent pair) at least this close (MiniLM cosine)."""
    reverse_similarity: float = 0.7
    """A sentence this close to a negated source sentence must keep the negation."""
    min_coverage: float = 0.52
    """At least this share of a sentence's content words (four or more) must occur in the sources (same stem
    or first five letters): a sentence of new words is a new claim however close its embedding is."""
    min_words: int = 12
    """A summary with fewer words left after the guard falls back to the extractive summary."""
    check_names: bool = True
    check_support: bool = True
    any_two: bool = True
    """Support may come from any two source sentences together (their vectors' normalised sum), not only one
    sentence or two adjacent ones: a summary sentence often fuses two facts from far apart. The two must then
    also hold ``min_coverage`` of its content words themselves (not just the sources as a whole)."""
    nearest_polarity: bool = True
    """A sentence close to a pair of adjacent source sentences must keep the polarity of the closer of the two
    (not a negation in its neighbour)."""


@dataclass(frozen=True)
class Dropped:
    sentence: str
    reason: str  # "number", "date", "quote", "name", "unsupported", "negation"
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"sentence": self.sentence, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True)
class Check:
    """One sentence's verdict: ``reason`` is None when it passed."""

    sentence: str
    reason: str | None = None
    detail: str = ""
    similarity: float = 0.0

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class Verdict:
    """What the guard did to one story's generated summary.

    ``backend`` is the backend whose text was used: the generator's, or ``extractive`` when the
    guard fell back (``reason`` then says why).
    """

    backend: str
    dropped: tuple[Dropped, ...] = ()
    reason: str | None = None
    kept: tuple[str, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"dropped": [d.to_dict() for d in self.dropped], "reason": self.reason}


# --- numbers ---------------------------------------------------------------------------------------

_SMALL = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_MULTIPLIERS = {"hundred": 100, "dozen": 12}
_BIG = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6, "billion": 1e9, "bn": 1e9,
           "b": 1e9, "trillion": 1e12, "tn": 1e12, "hundred": 1e2}
_SCALE_WORDS = "thousand|million|billion|trillion|hundred|mln|mn|bn|tn|k|m|b"
_NUMBER = re.compile(
    rf"(?<![\w.])(\d+(?:,\d{{3}})+|\d+(?:\.\d+)?|\.\d+)(?:\s?({_SCALE_WORDS})\b)?", re.IGNORECASE)
_NUMBER_WORD = "|".join(sorted([*_SMALL, *_TENS, *_MULTIPLIERS, *_BIG], key=len, reverse=True))
# whole words ("dozens", "tenant", "fourth" are not numbers), not starting at the "million" of "1.5 million"
_WORD_NUMBER = re.compile(
    rf"\b(?:{'|'.join(sorted([*_SMALL, *_TENS, *_MULTIPLIERS], key=len, reverse=True))})\b"
    rf"(?:(?:\s+and\s+|[\s-]+)(?:{_NUMBER_WORD})\b)*", re.IGNORECASE)
_IGNORED_WORD_NUMBERS = frozenset({"one", "zero"})  # "one of the", "no one", "zero-sum": rarely a figure


def _word_values(run: str) -> list[float]:
    """The numbers a run of number words states: "two hundred and fifty" is 250, "three hundred thousand" 300,000,
    "two dozen" 24, "twenty-five" 25; words that do not compose ("five six") are separate numbers."""
    values: list[float] = []
    total = current = 0.0
    last: str | None = None  # the kind of the previous word: small, tens, multiplier, big
    words: list[str] = []

    def flush() -> None:
        nonlocal total, current, last, words
        if words and not (len(words) == 1 and words[0] in _IGNORED_WORD_NUMBERS):
            values.append(total + current)
        total = current = 0.0
        last, words = None, []

    for word in (w for w in re.split(r"[\s-]+", run.lower()) if w and w != "and"):
        if word in _SMALL:
            if not (last in (None, "multiplier", "big") or (last == "tens" and _SMALL[word] < 10)):
                flush()
            current += _SMALL[word]
            kind = "small"
        elif word in _TENS:
            if last not in (None, "multiplier", "big"):
                flush()
            current += _TENS[word]
            kind = "tens"
        elif word in _MULTIPLIERS:
            if last not in (None, "small", "tens"):
                flush()
            current = (current or 1) * _MULTIPLIERS[word]
            kind = "multiplier"
        else:
            total += (current or 1) * _BIG[word]
            current = 0.0
            kind = "big"
        words.append(word)
        last = kind
    flush()
    return values


def extract_numbers(text: str) -> set[float]:
    """The numbers in ``text`` as values: digits with thousands commas and scale words ("$90m", "1.5 billion"),
    and number words ("three", "twenty-five", "two hundred and fifty", "two million"); "one" alone is not
    counted."""
    found: set[float] = set()
    for match in _NUMBER.finditer(text):
        value = float(match.group(1).replace(",", ""))
        scale = match.group(2)
        found.add(value * _SCALES[scale.lower()] if scale else value)
    for match in _WORD_NUMBER.finditer(text):
        found.update(_word_values(match.group(0)))
    return {round(v, 6) for v in found}


_APPROX = re.compile(
    r"\b(more than|over|at least|above|upwards of|nearly|almost|under|less than|fewer than|up to|just under|"
    r"about|around|some|roughly|approximately|an estimated|close to)\s+[$£€]?\s?$", re.IGNORECASE)
_AT_LEAST = frozenset({"more than", "over", "at least", "above", "upwards of"})
_AT_MOST = frozenset({"nearly", "almost", "under", "less than", "fewer than", "up to", "just under", "close to"})


_IDENTIFIER = re.compile(r"(?<![\w.-])([A-Za-z]+)(-?)(\d+)(?:[A-Za-z]+)?(?![\w-])")


_FIGURE_PREFIXES = frozenset("over under mid pre post top late early non anti ex pro all".split())
"""Prefixes that leave a figure a figure ("Over-55s", "Mid-1990s", "Top-10")."""


def _identifier_spans(text: str) -> list[re.Match[str]]:
    """Names made of letters and digits ("COVID-19", "F-16", "G20", "MH370"): not figures but names, whose
    digits are part of the name. A hyphenated one needs a capital and no common prefix ("mid-1990s", "Over-55s"
    are figures, "Covid-19" is not)."""
    return [m for m in _IDENTIFIER.finditer(text) if not m.group(2) or (
        any(c.isupper() for c in m.group(1)) and m.group(1).lower() not in _FIGURE_PREFIXES)]


def identifiers(text: str) -> set[str]:
    """The letter-and-digit names in ``text``, lower-cased and without the hyphen: "COVID-19" and "Covid19" are
    both "covid19"."""
    return {(m.group(1) + m.group(3)).lower() for m in _IDENTIFIER.finditer(text)}


_DOT_TIME = re.compile(r"(?<![\w.])(\d{1,2})\.(\d{2})(?=\s?[ap]\.?m\b)", re.IGNORECASE)


def _without_identifiers(text: str) -> str:
    """``text`` with its letter-and-digit names blanked (same length), so that "COVID-19" states no figure 19, and
    a time written with a dot as one with a colon ("12.30pm" is 12:30, the hour 12 and 30 minutes, not 12.3)."""
    text = _DOT_TIME.sub(r"\1:\2", text)
    for m in _identifier_spans(text):
        text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    return text


def _figures(text: str) -> list[tuple[tuple[float, ...], str | None]]:
    """Each number of ``text`` as the values it may stand for, with the approximation before it ("more than",
    "about"...), if any. A decade written short ("the '40s") stands for the 1940s or the 2040s. The digits of a
    name ("COVID-19", "F-16") are no figure."""
    text = _without_identifiers(text)
    figures: list[tuple[tuple[float, ...], str | None]] = []
    for match in [*_NUMBER.finditer(text), *_WORD_NUMBER.finditer(text)]:
        values = extract_numbers(match.group(0))
        if not values:
            continue
        if _short_decade(text, match):
            figures.append(((1900 + min(values), 2000 + min(values)), None))
            continue
        approx = _APPROX.search(text[max(0, match.start() - 24) : match.start()])
        figures.extend(((v,), approx.group(1).lower() if approx else None) for v in values)
    return figures


def _short_decade(text: str, match: re.Match[str]) -> bool:
    """Whether ``match`` is the "40" of "'40s" or "’40s"."""
    return (re.fullmatch(r"\d0", match.group(0)) is not None and text[match.end() : match.end() + 1] == "s"
            and text[max(0, match.start() - 1) : match.start()] in ("'", "’", "‘", "`"))


def _backed(value: float, approx: str | None, sources: frozenset[float]) -> bool:
    """Whether a source states ``value``, or a figure that the approximation ``approx`` allows: "more than
    10,000" for 10,190, "nearly 14,000" for 13,500 (a round figure only: "about 4,602" must be exact)."""
    if value in sources:
        return True
    if approx is None or not _round(value):
        return False
    if approx in _AT_LEAST:
        low, high = value, value * 1.2
    elif approx in _AT_MOST:
        low, high = value * 0.8, value
    else:
        low, high = value * 0.9, value * 1.1
    return any(low <= v <= high for v in sources)


def _round(value: float) -> bool:
    """A figure people round to: at most two significant digits ("10,000", "160", "1.5 million")."""
    if value <= 0:
        return False
    digits = f"{value:.6e}".split("e")[0].replace(".", "").rstrip("0")
    return len(digits) <= 2


_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
             "tenth": 10, "eleventh": 11, "twelfth": 12}
_ORDINAL = re.compile(rf"\b({'|'.join(_ORDINALS)})\b", re.IGNORECASE)


def _number_variants(text: str) -> set[float]:
    """A source's numbers, plus each scaled figure's bare mantissa ("90 million" also gives 90), each short
    decade's years ("'40s" gives 1940 and 2040) and each ordinal word's number (a "second season" is season 2;
    only in sources: a summary's "fourth" states no figure)."""
    text = _without_identifiers(text)
    values = extract_numbers(text)
    values.update(float(_ORDINALS[m.group(1).lower()]) for m in _ORDINAL.finditer(text))
    for match in _NUMBER.finditer(text):
        values.add(round(float(match.group(1).replace(",", "")), 6))
        if _short_decade(text, match):
            values.update({1900 + float(match.group(0)), 2000 + float(match.group(0))})
    return values


# --- words, names, dates, quotes -------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_MONTHS = frozenset("january february march april june july august september october november december "
                    "jan feb mar apr jun jul aug sep sept oct nov dec".split())  # "may" is a verb too often
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_QUOTE = re.compile(r"``\s*(.+?)\s*''|\"([^\"]+)\"|“([^”]+)”")
_ELLIPSIS = re.compile(r"\.\s*\.\s*\.|…|\[\.\.\.\]")
_NEGATIONS = frozenset("not no never none nobody nothing neither nor cannot without n't".split())
_STOP = frozenset(
    "a an the and or but if of to in on at by for with from as into onto over under about after before between "
    "through during since until than then so that this these those there here is are was were be been being am "
    "has have had do does did will would shall should can could may might must it its he she they we you i me "
    "him her them us my your his their our who whom whose which what when where why how all any both each few "
    "more most other some such only own same too very just also not no nor up down out off again further once "
    "said says say told according mr mrs ms dr however meanwhile additionally furthermore moreover despite "
    "one although though while overall instead still yet now today yesterday tomorrow earlier later".split())


# A country (or region) and the adjectives and nouns for its people: "French" names France as surely as "France"
# does, so either backs the other; "Japanese" still does not back "China".
_PLACE_FORMS = (
    "afghanistan afghan", "albania albanian", "algeria algerian", "america american", "argentina argentine "
    "argentinian", "armenia armenian", "australia australian aussie", "austria austrian", "bangladesh bangladeshi",
    "belgium belgian", "bolivia bolivian", "bosnia bosnian", "brazil brazilian", "britain british briton",
    "bulgaria bulgarian", "cambodia cambodian", "canada canadian", "chile chilean", "china chinese",
    "colombia colombian", "croatia croatian", "cuba cuban", "cyprus cypriot", "czech czechia", "denmark danish dane",
    "ecuador ecuadorian", "egypt egyptian", "england english englishman", "ethiopia ethiopian", "europe european",
    "finland finnish", "france french frenchman", "georgia georgian", "germany german", "ghana ghanaian",
    "greece greek", "haiti haitian", "hungary hungarian", "iceland icelandic icelander", "india indian",
    "indonesia indonesian", "iran iranian", "iraq iraqi", "ireland irish", "israel israeli", "italy italian",
    "jamaica jamaican", "japan japanese", "kenya kenyan", "korea korean", "kuwait kuwaiti",
    "lebanon lebanese", "libya libyan", "malaysia malaysian", "mexico mexican", "morocco moroccan",
    "nepal nepali nepalese", "netherlands dutch dutchman", "zealand zealander kiwi", "nigeria nigerian",
    "norway norwegian", "pakistan pakistani", "palestine palestinian", "peru peruvian", "philippines philippine "
    "filipino", "poland polish", "portugal portuguese", "qatar qatari", "romania romanian", "russia russian",
    "rwanda rwandan", "arabia arabian saudi", "scotland scottish scot", "serbia serbian serb", "somalia somali",
    "spain spanish spaniard", "sudan sudanese", "sweden swedish swede", "switzerland swiss", "syria syrian",
    "taiwan taiwanese", "thailand thai", "tunisia tunisian", "turkey turkish turk", "uganda ugandan",
    "ukraine ukrainian", "venezuela venezuelan", "vietnam vietnamese", "wales welsh", "yemen yemeni",
    "zimbabwe zimbabwean", "africa african", "asia asian", "texas texan", "california californian",
)
_PLACE_OF = {form: frozenset(group.split()) for group in _PLACE_FORMS for form in group.split()}


def _fold(text: str) -> str:
    """``text`` without accents: a summary's "Jose Lopez" is the sources' "José López"."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(_fold(text))]


def _stem(word: str) -> str:
    for suffix in ("'s", "ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_IRREGULAR = {inflected: base for group in (
    "say said", "go went gone", "take took taken", "make made", "find found", "leave left", "win won", "lose lost",
    "tell told", "hold held", "begin began begun", "bring brought", "catch caught", "fall fell fallen",
    "give gave given", "get got gotten", "run ran", "see saw seen", "send sent", "shoot shot", "spend spent",
    "stand stood", "strike struck", "teach taught", "think thought", "throw threw thrown", "write wrote written",
    "know knew known", "grow grew grown", "lead led", "meet met", "pay paid", "sell sold", "seek sought",
    "fight fought", "buy bought", "build built", "drive drove driven", "eat ate eaten", "flee fled",
    "hide hid hidden", "ride rode ridden", "rise rose risen", "speak spoke spoken", "steal stole stolen",
    "swim swam swum", "wake woke woken", "wear wore worn", "bear bore born borne", "child children", "man men",
    "woman women", "person people", "die died dying", "lie lying", "keep kept", "feel felt", "hear heard",
    "mean meant", "sleep slept", "sit sat", "break broke broken", "choose chose chosen", "forget forgot forgotten",
    "forgive forgave forgiven", "freeze froze frozen", "bite bit bitten", "blow blew blown", "draw drew drawn",
    "drink drank drunk", "fly flew flown", "hang hung", "lay laid", "lend lent", "shake shook shaken", "sing sang sung",
    "sink sank sunk", "stick stuck", "swear swore sworn", "sweep swept", "tear tore torn", "weep wept",
    "arise arose arisen", "withdraw withdrew withdrawn", "understand understood", "become became", "come came",
    "feed fed", "deal dealt", "dig dug", "bleed bled", "slay slew slain",
    "mouse mice", "life lives", "wife wives", "knife knives", "wolf wolves", "leaf leaves", "foot feet",
    "tooth teeth") for base, *forms in [group.split()] for inflected in (base, *forms)}


def _lemmas(word: str) -> frozenset[str]:
    """The base forms ``word`` may be an inflection of, a little generously: "killed", "kills", "killing" all give
    "kill"; "used" "use"; "stopped" "stop"; "cities" "city"; "making" "make"; "ran" "run" (a table of irregular
    verbs and plurals). Two words are the same word when their sets meet: used where a negation's word is looked
    for in the sources ("did not run" backs "never ran"), not for coverage, where it let invented claims through."""
    forms = {word}
    if word in _IRREGULAR:
        forms.add(_IRREGULAR[word])
    for suffix, replacements in (("ies", ("y",)), ("ied", ("y",)), ("es", ("", "e")), ("s", ("",)),
                                 ("ed", ("", "e")), ("ing", ("", "e")), ("'s", ("",))):
        if word.endswith(suffix) and not word.endswith("ss"):
            stem = word[: -len(suffix)]
            forms.update(stem + r for r in replacements if len(stem + r) >= 3)  # "used" is "use"
            if suffix in ("ed", "ing") and len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "aeiouls":
                forms.add(stem[:-1])  # "stopped", "planning"
    return frozenset(forms)


def _normal(text: str) -> str:
    return " ".join(_words(text))


def _content_words(words: list[str]) -> list[str]:
    """The words that carry a claim: no stopwords, no negated auxiliaries ("isn't", the PTB "n't") and no
    other contraction's ending ("it's" is "it", "they're" is "they")."""
    content = []
    for word in words:
        if word.endswith("n't"):
            continue
        base = word.split("'")[0] if re.search(r"'(re|ll|ve|d|m)$", word) or word.endswith("'s") else word
        if base not in _STOP and len(base) > 2:
            content.append(word if base == word or word.endswith("'s") else base)
    return content


def _names(sentence: str) -> list[str]:
    """Capitalised words (cased text), lower-cased; the caller lets a sentence's first word pass when it is
    a common word."""
    tokens = re.findall(r"[\w’'-]+", _fold(sentence))
    names = []
    for token in tokens:
        if token[:1].isupper() and any(c.isalpha() for c in token):
            names.extend(part.lower() for part in re.split(r"[-’']", token)
                         if len(part) > 1 and part[:1].isupper() and not any(c.isdigit() for c in part))
    return [n for n in names if n not in _STOP]


_DERIVATIONS = ("ists", "ist", "isms", "ism", "ness")
"""Endings that make a word of a word: a sentence's first word the vocabulary lacks is still a common word when it
is a vocabulary word with one of them ("conservationist"). Not "-er": "Lauder" is a name, not one who lauds; and
compounds are not split ("Obamacare" is not "obama" + "care")."""


_ROOT_ENDINGS = ("ists", "ist", "isms", "ism", "ics", "ic")


def _root(word: str) -> str | None:
    """``word`` without a derivational ending that names a creed, school or field ("islamist", "islamism" and
    "islamic" are "islam"), when at least five letters are left; None for other words."""
    for ending in _ROOT_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 5:
            return word[: -len(ending)]
    return None


def _next_capitalised(sentence: str) -> bool:
    tokens = sentence.split()
    return len(tokens) > 1 and tokens[1][:1].isupper()


def _tokens(text: str) -> list[str]:
    """Lower-cased word tokens, a contracted negation split off as the PTB does: "didn't" is "did", "n't"."""
    return re.findall(r"[^\W_]+?(?=n't)|n't|[^\W_]+", text.lower().replace("’", "'"))


def _same_word(a: str, b: str) -> bool:
    return (a == b or _stem(a) == _stem(b) or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])
            or bool(_lemmas(a) & _lemmas(b)))


_DENY = frozenset("deny denies denied denying".split())
_NOT_TO = frozenset("refuse refuses refused refusing fail fails failed failing decline declines declined declining "
                    "unable".split())
"""Verbs that negate what follows: "denied the charges", "refused to testify" (only before "to": "prices declined",
"the bank failed" negate nothing). Source "refused to testify", sentence "did not testify" agree; source
"testified", sentence "refused to testify" (or the reverse) is a flip."""


def _is_cue(tokens: list[str], k: int, verbs: bool = True) -> bool:
    """Whether ``tokens[k]`` negates what follows it: "not", "n't", "never"... ("no" not before a figure: "no 10
    Downing Street"), "denied", or "refused", "failed", "declined", "unable" before "to"."""
    token = tokens[k]
    after = tokens[k + 1] if k + 1 < len(tokens) else ""
    if token in _NEGATIONS:
        return not (token == "no" and after.isdigit())
    if not verbs:
        return False
    if token in _DENY:
        return True
    return token in _NOT_TO and after == "to"


def _negates(tokens: list[str]) -> bool:
    return any(_is_cue(tokens, k) for k in range(len(tokens)))


_RHETORICAL = frozenset({"just", "only", "merely", "simply", "first"})
"""After a negation, words that make it rhetorical: "not just any rhino" says it is a rhino ("not the only", "not the
first" too)."""


def _rhetorical(following: list[str]) -> str | None:
    """The word that makes a negation rhetorical, from the two tokens after it ("not just", "isn't the only"), or
    None."""
    if following[:1] and following[0] in _RHETORICAL:
        return following[0]
    if len(following) == 2 and following[0] == "the" and following[1] in ("only", "first"):
        return following[1]
    return None


def _negated_words(tokens: list[str], reach: int = 4, verbs: bool = True, quantifier_reach: int = 1,
                   against: Collection[str] | None = None) -> list[str]:
    """The content words a negation in ``tokens`` bears on: the first non-stopword after each cue (with ``verbs``,
    "denied", "refused to"... count as cues); after the quantifier "no", the first ``quantifier_reach`` ("no group
    has claimed" bears on the group and the claim). With ``against`` (the tokens of a sentence compared with these),
    a rhetorical negation ("not just any rhino", "isn't the only celebrity") bears on nothing unless ``against``
    keeps its "just", "only", "first": "Sudan is just any rhino" flips "Sudan is not just any rhino", "Sudan is
    one of the last rhinos" does not."""
    found: list[str] = []
    for k in range(len(tokens)):
        if _is_cue(tokens, k, verbs):
            rhetorical = _rhetorical(tokens[k + 1 : k + 3]) if against is not None else None
            if rhetorical is not None and rhetorical not in against:
                continue
            after = [t for t in tokens[k + 1 : k + 1 + reach] if t not in _STOP and not t.isdigit()]
            found.extend(after[: quantifier_reach if tokens[k] == "no" else 1])
    return found


def negation_flip(sentence: str, negated_in_sources: Sequence[str], closest: str | None = None) -> str | None:
    """Why ``sentence`` reverses the sources' polarity, or None.

    A negation in the sentence must bear on a word that the sources negate somewhere
    (``negated_in_sources``: ``negated_words`` of every source sentence, where "refused to testify" and
    "denied stealing" negate "testify" and "stealing"); "no" bears on its noun and the next word ("no group has
    claimed" is backed by "no one has claimed"). A sentence with no negation that states the word its
    ``closest`` source sentence negates flips it too, and so does a sentence that refuses or denies (not a
    plain "not") what its ``closest`` source sentence states with no negation ("refused to testify" against
    "testified").
    """
    tokens = _tokens(sentence)
    mine = _negated_words(tokens, verbs=False, quantifier_reach=2)
    if mine and not any(_same_word(w, v) for w in mine for v in negated_in_sources):
        return f"negates {mine[0]!r}, which no source negates"
    if closest is not None and not _negates(tokens):
        stated = [v for v in _negated_words(_tokens(closest), against=tokens)
                  if any(_same_word(v, t) for t in tokens)]
        if stated:
            return f"states {stated[0]!r}, which its closest source sentence negates"
    if closest is not None and not _negates(_tokens(closest)):
        refused = [w for w in _negated_words(tokens) if w not in mine]  # what "refused to", "denied"... bear on
        denied = [w for w in refused if any(_same_word(w, t) for t in _tokens(closest))]
        if denied:
            return f"denies {denied[0]!r}, which its closest source sentence states"
    return None


def negated_words(text: str) -> list[str]:
    """The content words that negations in ``text`` bear on."""
    return _negated_words(_tokens(text))


@dataclass(frozen=True)
class _Sources:
    text: str  # the normalised words of all sources, space-joined, space-padded
    cased: bool  # whether the sources use capitals (else a name cannot be told by its case)
    words: frozenset[str]
    stems: frozenset[str]
    prefixes: frozenset[str]
    numbers: frozenset[float]
    negated: frozenset[str]  # words some source sentence negates
    identifiers: frozenset[str]  # letter-and-digit names ("covid19", "g20")
    acronyms: frozenset[str]  # initials of runs of capitalised words ("nra" for "National Rifle Association")
    roots: frozenset[str]  # the words without a derivational ending ("islam" for "Islamic", ``_root``)
    units: list[str]  # sentences and adjacent pairs: what a sentence may be supported by


def source_units(sentences: Sequence[str]) -> list[str]:
    """Source sentences plus each adjacent pair joined: a summary sentence often fuses two."""
    return [*sentences, *(f"{a} {b}" for a, b in itertools.pairwise(sentences))]


_CONNECTORS = frozenset({"of", "the", "and", "for", "&"})


def acronyms(text: str) -> set[str]:
    """The initials of each run of two to six capitalised words in ``text`` ("National Rifle Association" gives
    "nra", "Federal Bureau of Investigation" "fbi"), lower-cased; a connector ("of", "the", "and", "for") inside
    a run is skipped."""
    found: set[str] = set()
    for line in re.split(r"[.!?;:,()\"“”]+", _fold(text)):
        run: list[str] = []
        for token in [*line.split(), ""]:
            if token[:1].isupper() and token.isalpha():
                run.append(token[0].lower())
            elif token.lower() in _CONNECTORS and run:
                continue
            else:
                found.update("".join(run[i:j]) for i in range(len(run)) for j in range(i + 2, min(len(run), i + 6) + 1))
                run = []
    return found


def _prepare(sources: Sequence[str], max_sentences: int) -> _Sources:
    joined = "\n\n".join(sources)
    words = _words(joined)
    sentences: list[str] = []
    for source in sources:
        sentences.extend(s for s in split_sentences(source)[:max_sentences] if len(s.split()) >= 3)
    bare = {w[:-2] for w in words if w.endswith("'s")}  # "Un’s" names "Un", however short the name
    stems, prefixes = _stems_and_prefixes(words)
    return _Sources(text=f" {' '.join(words)} ", cased=joined != joined.lower(), words=frozenset(words) | bare,
                    stems=stems, prefixes=prefixes,
                    numbers=frozenset(_number_variants(joined)), negated=frozenset(negated_words(joined)),
                    identifiers=frozenset(identifiers(joined)), acronyms=frozenset(acronyms(joined)),
                    roots=frozenset(filter(None, map(_root, words))),
                    units=source_units(sentences))


def _stems_and_prefixes(words: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """What a content word is matched by besides itself: the words' stems and first five letters."""
    words = list(words)
    return frozenset(_stem(w) for w in words), frozenset(w[:5] for w in words if len(w) >= 5)


def _uncovered(content: Sequence[str], words: Collection[str], stems: Collection[str],
               prefixes: Collection[str]) -> list[str]:
    """The words of ``content`` that ``words`` has neither as such, by stem, nor by their first five letters."""
    return [w for w in content if not (w in words or _stem(w) in stems or (len(w) >= 5 and w[:5] in prefixes))]


def _coverage(sentence: str, text: str) -> float:
    """The share of ``sentence``'s content words that ``text`` has, matched as the coverage rule matches them
    against all sources; 1 for a sentence with none."""
    content = _content_words(_words(sentence))
    if not content:
        return 1.0
    words = set(_words(text))
    missing = _uncovered(content, words, *_stems_and_prefixes(words))
    return (len(content) - len(missing)) / len(content)


def _best_pair(sims: np.ndarray, unit_vecs: np.ndarray, count: int) -> tuple[float, tuple[int, int]] | None:
    """The two source sentences (of the first ``count`` units, the single sentences) whose joint vector (their
    normalised sum: the mean of two sentences stands in for the embedding of both) is closest to a sentence whose
    cosine with each is ``sims``: (cosine, (i, j)), or None for fewer than two sentences."""
    if count < 2:
        return None
    vecs, own = unit_vecs[:count], sims[:count]
    gram = vecs @ vecs.T
    norms = np.sqrt(np.maximum(np.diag(gram)[:, None] + np.diag(gram)[None, :] + 2 * gram, 1e-12))
    joint = (own[:, None] + own[None, :]) / norms
    np.fill_diagonal(joint, -np.inf)
    i, j = np.unravel_index(int(np.argmax(joint)), joint.shape)
    return float(joint[i, j]), (int(min(i, j)), int(max(i, j)))


class Guard:
    """Checks generated sentences against their sources; see the module docstring for the rules.

    Args:
        encoder: embeds sentences (``briefing.embed.Encoder``); used for support and negation.
        settings: thresholds.
        known_word: says whether a lower-case word is a common one (whole in the encoder's vocabulary);
            used for names in lower-cased text only. Default: the encoder's vocabulary, when it has one.
        max_source_sentences: sentences per source compared for support.
    """

    def __init__(self, encoder: _Embedder, settings: GuardSettings | None = None, *,
                 known_word: Callable[[str], bool] | None = None, max_source_sentences: int = 40) -> None:
        self.encoder = encoder
        self.settings = settings or GuardSettings()
        self._known_word = known_word
        self.max_source_sentences = max_source_sentences

    def known_word(self, word: str) -> bool:
        if self._known_word is None:
            vocabulary = getattr(self.encoder, "vocabulary", None)
            words = vocabulary() if callable(vocabulary) else None
            self._known_word = (lambda w: w in words) if words else (lambda w: True)
        return self._known_word(word)

    # -- lexical checks ------------------------------------------------------------------------

    def lexical(self, sentence: str, sources: _Sources) -> tuple[str, str] | None:
        """The first lexical failure of ``sentence``: (reason, detail), or None."""
        words = _words(sentence)
        for word in words:
            if (word in _MONTHS or word in _WEEKDAYS) and word not in sources.words:
                return "date", f"{word!r} is in no source"
        for year in _YEAR.findall(sentence):
            if float(year) not in sources.numbers:
                return "date", f"{year} is in no source"
        for values, approx in _figures(sentence):
            if not any(_backed(value, approx, sources.numbers) for value in values):
                return "number", (f"{values[0]:g} is in no source"
                                  + (f" (nor near it, for {approx!r})" if approx else ""))
        for match in _identifier_spans(sentence):
            if (match.group(1) + match.group(3)).lower() not in sources.identifiers:
                return "name", f"{match.group(0)!r} is in no source"
        for match in _QUOTE.finditer(sentence):
            for part in _ELLIPSIS.split(next(g for g in match.groups() if g)):  # "..." marks words left out
                quoted = _normal(part)
                if quoted and f" {quoted} " not in sources.text:
                    return "quote", f"the quote {quoted!r} is in no source"
        if self.settings.check_names:
            name = self._unknown_name(sentence, words, sources)
            if name:
                return "name", f"{name!r} is in no source"
        if self.settings.min_coverage > 0:
            content = _content_words(words)
            missing = _uncovered(content, sources.words, sources.stems, sources.prefixes)
            if len(content) >= 4 and 1 - len(missing) / len(content) < self.settings.min_coverage:
                return "unsupported", (f"{len(missing)} of {len(content)} content words are in no source: "
                                       + ", ".join(missing[:6]))
        return None

    def _unknown_name(self, sentence: str, words: list[str], sources: _Sources) -> str | None:
        cased = sources.cased
        candidates = _names(sentence) if cased else [w for w in words if w not in _STOP and len(w) > 2]
        first = words[0].split("'")[0] if words else ""  # "Women's groups say": the first word is "women"
        for word in candidates:
            parts = [p for p in re.split(r"['’]", word) if p]
            base = parts[0] if parts else word
            if base in sources.words or _stem(base) in sources.stems or base in _STOP:
                continue
            if (cased and base in sources.acronyms  # "NRA", written so, for "National Rifle Association"
                    and re.search(rf"\b{re.escape(base.upper())}\b", _fold(sentence))):
                continue
            place = _PLACE_OF.get(base) or _PLACE_OF.get(_stem(base), frozenset())
            if place & sources.words:  # "French" for a source's "France", "Australians" for "Australia"
                continue
            if _root(base) in sources.roots:  # "Islamist" for a source's "Islamic"
                continue
            if cased and base != first:
                return base  # a capitalised word inside a sentence: a name
            # a sentence's first word is capitalised anyway, and a lower-cased text's words say nothing by
            # case: there a name is a word the vocabulary lacks, or a first word followed by a capitalised one
            if cased and _next_capitalised(sentence):
                return base
            if not self.known_word(base) and not (cased and self._derived_word(base)):
                return base
        return None

    def _derived_word(self, word: str) -> bool:
        """Whether ``word``, which the vocabulary lacks whole, is an inflection ("superstars", "faked") or a
        derivation ("conservationist", ``_DERIVATIONS``) of a vocabulary word: a common word at the start of a
        sentence, not a name."""
        if any(self.known_word(f) for f in _lemmas(word) if f != word):
            return True
        for suffix in _DERIVATIONS:
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and len(stem) >= 4 and (self.known_word(stem) or self.known_word(stem + "e")):
                return True
        return False

    # -- the whole check ---------------------------------------------------------------------------

    def check_many(self, items: Sequence[tuple[Sequence[str], Sequence[str]]]) -> list[list[Check]]:
        """Verdicts for many (summary sentences, sources) pairs, embedding everything in one batch stream."""
        prepared = [_prepare(sources, self.max_source_sentences) for _, sources in items]
        results: list[list[Check]] = []
        pending: list[tuple[int, int, str]] = []  # (item, sentence index, sentence) that passed the lexical checks
        for i, ((sentences, _), sources) in enumerate(zip(items, prepared, strict=True)):
            row: list[Check] = []
            for j, sentence in enumerate(sentences):
                failure = self.lexical(sentence, sources)
                if failure is not None:
                    row.append(Check(sentence, *failure))
                else:
                    row.append(Check(sentence))
                    pending.append((i, j, sentence))
            results.append(row)
        if not self.settings.check_support or not pending:
            return results
        needed = sorted({i for i, _, _ in pending})
        texts: list[str] = [s for _, _, s in pending]
        offsets: dict[int, tuple[int, int]] = {}
        for i in needed:
            offsets[i] = (len(texts), len(texts) + len(prepared[i].units))
            texts.extend(prepared[i].units)
        vectors = self.encoder.encode(texts)
        for k, (i, j, sentence) in enumerate(pending):
            start, end = offsets[i]
            results[i][j] = self._support(sentence, vectors[k], vectors[start:end], prepared[i].units,
                                          prepared[i].negated)
        return results

    def check(self, sentences: Sequence[str], sources: Sequence[str]) -> list[Check]:
        return self.check_many([(sentences, sources)])[0]

    def _support(self, sentence: str, vector: np.ndarray, unit_vecs: np.ndarray, units: list[str],
                 negated: frozenset[str]) -> Check:
        if len(units) == 0:
            return Check(sentence, "unsupported", "the sources have no sentences")
        sims = unit_vecs @ vector
        best = int(np.argmax(sims))
        top = float(sims[best])
        count = (len(units) + 1) // 2  # units are the sentences, then the adjacent pairs
        nearest = best if best < count else max(best - count, best - count + 1, key=lambda k: sims[k])
        if top < self.settings.min_similarity and self.settings.any_two:
            pair = _best_pair(sims, unit_vecs, count)
            if pair is not None and pair[0] >= self.settings.min_similarity:
                i, j = pair[1]
                joined = f"{units[i]} {units[j]}"
                if _coverage(sentence, joined) >= self.settings.min_coverage:
                    units = [*units, joined]
                    best, top, nearest = len(units) - 1, pair[0], max(i, j, key=lambda k: sims[k])
        if top < self.settings.min_similarity:
            return Check(sentence, "unsupported", f"closest source sentence at {top:.2f}: {units[best][:160]!r}",
                         similarity=top)
        # the polarity to keep is that of the closest sentence itself, not of its neighbour in a pair
        closest = units[nearest] if top >= self.settings.reverse_similarity and self.settings.nearest_polarity else (
            units[best] if top >= self.settings.reverse_similarity else None)
        flip = negation_flip(sentence, tuple(negated), closest)
        if flip is not None:
            return Check(sentence, "negation", f"{flip}; closest: {units[best][:160]!r}", similarity=top)
        return Check(sentence, similarity=top)

    def apply(self, sentences: Sequence[str], checks: Sequence[Check], *, backend: str,
              fallback: Sequence[str]) -> Verdict:
        """The verdict for one summary: kept sentences, or the ``fallback`` sentences when too little is left."""
        kept = tuple(c.sentence for c in checks if c.ok)
        dropped = tuple(Dropped(c.sentence, c.reason or "", c.detail) for c in checks if not c.ok)
        if not sentences:
            return Verdict("extractive", dropped, "the model wrote nothing", tuple(fallback))
        words = sum(len(s.split()) for s in kept)
        if words < self.settings.min_words:
            reason = (f"{len(dropped)} of {len(sentences)} sentences dropped; {words} words left "
                      f"(under {self.settings.min_words}): extractive summary used")
            return Verdict("extractive", dropped, reason, tuple(fallback))
        reason = f"{len(dropped)} of {len(sentences)} sentences dropped" if dropped else None
        return Verdict(backend, dropped, reason, kept)
