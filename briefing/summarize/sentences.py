"""A sentence splitter that needs no downloaded data (no NLTK punkt)."""

from __future__ import annotations

import re
from collections.abc import Callable

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt gen col lt sgt capt gov sen rep rev u.s u.k u.n e.g i.e etc vs inc "
    "ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec no fig approx dept est ".split()
)
# A sentence ends at . ! or ? (plus closing quotes/brackets) followed by space and an upper-case
# letter, digit or opening quote. Lower-cased, tokenized CNN/DM text also ends sentences at " . ".
_BOUNDARY = re.compile(r"""(?<=[.!?])(["'”’)\]]*)\s+(?=["'“‘(\[]?[A-Z0-9])""")
_TOKENIZED_BOUNDARY = re.compile(r"""(?<=\s[.!?])((?:\s(?:''|'|\)|"))*)\s+""")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; paragraphs (blank lines) always end a sentence."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n(?=\s*[-•*]\s)", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if paragraph != paragraph.lower() or " . " not in paragraph:
            pieces = _split_cased(paragraph)
        else:
            pieces = _split_tokenized(paragraph)
        sentences.extend(piece for piece in pieces if piece)
    return sentences


def _split_cased(paragraph: str) -> list[str]:
    return _split_at(paragraph, _BOUNDARY, skip=_ends_in_abbreviation)


def _split_tokenized(paragraph: str) -> list[str]:
    return _split_at(paragraph, _TOKENIZED_BOUNDARY)


def _ends_in_abbreviation(candidate: str) -> bool:
    last_word = candidate.rstrip(".!?\"'”’)]").rsplit(" ", 1)[-1].lower().rstrip(".")
    return candidate.endswith(".") and (last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()))


def _split_at(paragraph: str, boundary: re.Pattern[str], skip: Callable[[str], bool] | None = None) -> list[str]:
    """Cut at each ``boundary`` match (its group 1, closing quotes, stays with the sentence) unless ``skip``."""
    pieces: list[str] = []
    start = 0
    for match in boundary.finditer(paragraph):
        end = match.start() + len(match.group(1))
        candidate = paragraph[start:end]
        if skip is not None and skip(candidate):
            continue
        pieces.append(candidate.strip())
        start = match.end()
    pieces.append(paragraph[start:].strip())
    return pieces
