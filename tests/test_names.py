"""rank.terms: names and numbers by casing (default) or by spaCy's NER; the setting, its one-line errors, the finder."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from briefing import names
from briefing.config import Config, load_config
from briefing.errors import ConfigError
from briefing.names import CasingTerms, SpacyTerms, load_spacy, spacy_missing, term_finder
from briefing.rank import key_terms

from .helpers import config_error, write

TITLE = "Fighting Intensifies Around Pokrovsk, According To Officials"
LEAD = ("According to Ukrainian officials, North Korean troops have joined the assault on Pokrovsk since August, "
        "and 1,200 soldiers were moved there on Tuesday.")
MISSING = spacy_missing()


def one_line_error(path: Path) -> str:
    message = config_error(path)
    assert "rank.terms" in message, message
    return message


def test_casing_is_the_default() -> None:
    assert Config().rank.terms == "casing"
    finder = term_finder(Config().rank.terms)
    assert isinstance(finder, CasingTerms)
    assert finder(LEAD, TITLE) == key_terms(LEAD, TITLE)


def test_unknown_setting_is_named(tmp_path: Path) -> None:
    message = one_line_error(write(tmp_path / "c.toml", '[rank]\nterms = "ner"\n'))
    assert "'casing'" in message and "'spacy'" in message and "'ner'" in message


def test_missing_spacy_is_one_line_naming_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(names.importlib.util, "find_spec", lambda name, *a: None if name == "spacy" else real(name, *a))
    message = one_line_error(write(tmp_path / "c.toml", '[rank]\nterms = "spacy"\n'))
    assert message.endswith("""rank.terms = "spacy": spaCy is not installed (pip install 'briefing[ner]')""")
    with pytest.raises(ConfigError, match=r'^rank.terms = "spacy": spaCy is not installed'):
        load_spacy()


def test_missing_model_is_one_line_naming_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(names.importlib.util, "find_spec",
                        lambda name, *a: object() if name == "spacy" else None if name.startswith("en_") else
                        real(name, *a))
    message = one_line_error(write(tmp_path / "c.toml", '[rank]\nterms = "spacy"\nspacy_model = "en_core_web_xx"\n'))
    assert 'rank.terms = "spacy": no spaCy English pipeline installed (looked for en_core_web_xx;' in message


def test_casing_config_never_looks_for_spacy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("looked for spaCy")

    monkeypatch.setattr(names.importlib.util, "find_spec", refuse)
    assert load_config(write(tmp_path / "c.toml", '[rank]\nterms = "casing"\n')).rank.terms == "casing"


# the finder's rules, on a stand-in model (no spaCy needed) ---------------------------------------------------


@dataclass
class Token:
    text: str
    is_stop: bool = False


@dataclass
class Ent:
    tokens: list[Token]
    label_: str
    start_char: int
    end_char: int

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.tokens)


class StandIn:
    """Tags a few known spans, and records what it was given to read."""

    pipe_names = ("ner",)
    SPANS: ClassVar[dict[str, str]] = {
        "the Bank of England": "ORG", "The U.S. Navy": "ORG", "the Mexican navy": "ORG",
        "North Korean": "NORP", "Pokrovsk": "GPE", "August": "DATE",
        "1,200": "CARDINAL", "4.5%": "PERCENT", "2024": "DATE", "5": "CARDINAL",
    }
    STOP: ClassVar[set[str]] = {"the", "of", "The"}

    def __init__(self) -> None:
        self.read: list[str] = []

    def pipe(self, texts, batch_size: int = 64):  # type: ignore[no-untyped-def]
        for text in texts:
            self.read.append(text)
            ents = [Ent([Token(w, w in self.STOP) for w in span.split()], label, text.index(span),
                        text.index(span) + len(span)) for span, label in self.SPANS.items() if span in text]
            yield type("Doc", (), {"text": text, "ents": ents})()


def stand_in() -> tuple[SpacyTerms, StandIn]:
    model = StandIn()
    return SpacyTerms(load=lambda _: model), model


def test_entity_words_and_numbers_lower_cased() -> None:
    finder, _ = stand_in()
    found = finder("the Bank of England held rates at 4.5% in 2024; North Korean envoys, 5 of them, came", "")
    assert found == {"bank", "england", "4.5%", "north", "korean"}  # no date, no lone digit, no "the"/"of"


def test_every_number_but_dates_and_names_capitalised_only() -> None:
    finder, _ = stand_in()
    found = finder("The U.S. Navy and the Mexican navy: banks pay £11bn, up from £8.2bn, in 2024", "")
    assert found == {"u.s", "navy", "mexican", "11", "8.2"}  # amounts the model did not tag count; "The" does not


def test_title_case_headline_gives_numbers_and_acronyms_only_and_is_not_read() -> None:
    finder, model = stand_in()
    found = finder(LEAD, TITLE)
    assert {"pokrovsk", "north", "korean", "1,200"} <= found
    assert not found & {"according", "august", "fighting", "intensifies", "officials", "tuesday"}
    assert model.read == [LEAD]
    finder("Nothing named here.", "Pokrovsk falls after 3 months")  # sentence case: read with the text
    assert model.read[-1] == "Pokrovsk falls after 3 months.\nNothing named here."


def test_each_text_is_read_once_in_batches() -> None:
    finder, model = stand_in()
    finder.prefetch([("Pokrovsk.", ""), ("August.", ""), ("Pokrovsk.", "")])
    assert model.read == ["Pokrovsk.", "August."]
    assert finder("Pokrovsk.") == {"pokrovsk"} and finder("August.") == frozenset()
    assert model.read == ["Pokrovsk.", "August."]


# the real model, where installed ----------------------------------------------------------------------------


@pytest.mark.skipif(MISSING is not None, reason=f"rank.terms = 'spacy' not testable here: {MISSING}")
def test_real_model_finds_names_in_the_lead_not_sentence_openers_or_dates() -> None:
    finder = term_finder("spacy")
    found = finder(LEAD, TITLE)
    assert {"pokrovsk", "north", "korean"} <= found, found
    assert not found & {"according", "august", "tuesday", "fighting", "intensifies"}, found
    assert "pokrovsk" not in key_terms("", TITLE)  # casing alone finds nothing in that headline either
