"""Did what an earlier headline announced happen? "Hamas to Release Last Living U.S. Hostage" one day,
"Hamas Releases Last Living U.S. Hostage" the next: nearly the same words, and the news of the week.

Pure string rules on headlines, no model: an earlier headline announces an act when it puts a verb after
"to", "set to", "poised to", "expected to", "will", "may" and the like; a later headline reports it when
that verb appears in it in a finite form (releases, released, won, made) and not itself announced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

_ANNOUNCE = re.compile(
    r"(?<!forced )(?<!had )(?<!has )(?<!have )(?<!got )(?<!used )\b(?:to|will|would|may|might|could|shall)\s+"
    r"(?:be\s+)?([A-Za-z]+)", re.IGNORECASE)
"""A verb still to come: "to Release", "poised to Win", "will meet", "could be fixed"; not "Forced To Cancel"."""
_IRREGULAR = {
    "begin": ("began", "begun"), "bring": ("brought",), "buy": ("bought",), "choose": ("chose", "chosen"),
    "fall": ("fell", "fallen"), "fight": ("fought",), "find": ("found",), "give": ("gave", "given"),
    "go": ("went", "gone"), "hold": ("held",), "keep": ("kept",), "leave": ("left",), "lose": ("lost",),
    "make": ("made",), "meet": ("met",), "pay": ("paid",), "rise": ("rose", "risen"), "seek": ("sought",),
    "sell": ("sold",), "send": ("sent",), "shut": ("shut",), "sink": ("sank", "sunk"), "speak": ("spoke",),
    "strike": ("struck",), "take": ("took", "taken"), "tell": ("told",), "win": ("won",), "withdraw": ("withdrew",),
    "cut": ("cut",), "hit": ("hit",), "put": ("put",), "quit": ("quit",), "set": ("set",), "split": ("split",),
    "spend": ("spent",), "build": ("built",), "lead": ("led",), "freeze": ("froze", "frozen"), "break": ("broke",),
}
_ACTS = frozenset('''
accept adopt agree announce appoint approve arrest ban bar begin block call cancel capture charge close convict
cut declare default defang delay deploy die elect end endorse extend fine fire fix float free hike hold impose
indict intercept invade join kill land launch leave lift list lower meet name nominate open oust pardon pass pay
publish quit raise ratify reach receive reject release reopen resign resume return sanction seize sentence settle
shut sign split stand strike sue suspend unveil veto visit vote win withdraw
'''.split())
"""Acts whose happening is news. A closed list, because a Title-Case headline cannot tell the verb in "to Release"
from the noun in "in Response to Houthi Hit", and a noun's plural looks like a verb's third person. Deals are
left out: "Facebook to Buy Oculus" is itself the news, and "As Facebook Buys Oculus…" the next day retells it."""
_COMING = re.compile(r"\b(?:could|may|might|will|would)\s+(?:soon\s+)?(?:come|happen|begin|start)\b", re.IGNORECASE)
"""A prospect put as an event that is to come: "Israeli Attack on Iran Could Come Within Days"."""
_EVENT_NOUNS = {"attack": "attack", "attacks": "attack", "strike": "strike", "strikes": "strike",
                "airstrike": "strike", "airstrikes": "strike", "invasion": "invade", "offensive": "offensive"}
"""Nouns of military acts, each with the act it names ("offensive" has no verb: only "launches an offensive")."""
_FURTHER = frozenset("more further additional new fresh another renewed".split())
_LAUNCHED = frozenset("launches launched begins began mounts mounted carries carried starts started".split())
"""Finite verbs that report an act named by its noun: "Israel Launches Attack on Iran's Nuclear Facilities"."""
_WORD = re.compile(r"[A-Za-z]+")
_CONTRACTION = re.compile(r"n[’']t\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[.,;:!?—–|]\s")
_WORD_OR_POSSESSIVE = re.compile(r"[A-Za-z]+(?:[’']s\b)?")
_HEADLINE_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_FIGURATIVE_NEXT = frozenset({"at", "back", "off"})
_NOT_A_DOER = frozenset("and or as but u s says said report reports officially finally again also".split())
_BEFORE_A_NOUN = frozenset(
    "a an the of for to in on at by with from against amid over after before about its their his her our further "
    "more new first second rate be been being "
    "interest july june august september october november december january february march april may".split()
)


def announced_acts(headline: str) -> frozenset[str]:
    """Base verbs a headline announces ("Hamas to Release…" → {"release"}), lower-cased; also the act of an
    event said to be coming ("Israeli Attack on Iran Could Come Within Days" → {"attack"})."""
    acts = {m.group(1).lower() for m in _ANNOUNCE.finditer(headline) if m.group(1).lower() in _ACTS}
    for coming in _COMING.finditer(headline):
        clause = _CLAUSE_BREAK.split(headline[: coming.start()])[-1]  # its subject, not an earlier clause's noun
        before = [w.lower() for w in _WORD.findall(clause)][-7:]
        # "More Strikes Could Come" is a prospect of further strikes: the day's strikes do not make it done.
        acts.update(_EVENT_NOUNS[w] for prior, w in zip(["", *before], before, strict=False)
                    if w in _EVENT_NOUNS and prior not in _FURTHER)
    return frozenset(acts)


def _forms(verb: str) -> set[str]:
    stem = verb[:-1] if verb.endswith("e") else verb
    forms = {verb, verb + "s", verb + "es", stem + "ed", verb + "ed"}  # not -ing: "Meeting", "Ending" are nouns
    if verb.endswith("y") and len(verb) > 3 and verb[-2] not in "aeiou":
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    if len(verb) <= 4 and verb[-1] not in "aeiouwy" and verb[-2] in "aeiou" and verb[-3] not in "aeiou":
        forms.add(verb + verb[-1] + "ed")  # stop → stopped
    return forms | set(_IRREGULAR.get(verb, ()))


def _done_forms(verb: str) -> set[str]:
    """The finite forms that report ``verb`` done. The bare form alone is not enough: "Trump and Netanyahu Meet"
    reads like "… Meet Demands"."""
    return (_forms(verb) if verb != "offensive" else set()) - ({verb} - set(_IRREGULAR.get(verb, ())))


def has_happened(headline: str, earlier: str) -> str | None:
    """The act ``earlier`` announced and ``headline`` reports as done, or None.

    ``headline`` must report the act itself, not announce it again: "Hamas Releases Last Living U.S.
    Hostage" after "Hamas to Release…" gives "release"; "Hamas Agrees to Release…" gives None.
    """
    again = announced_acts(headline)
    words = [w.lower() for w in _WORD_OR_POSSESSIVE.findall(headline)]
    acted = _acted(headline, passive=True)  # "Freed Hostage Released by Hamas" reports the release
    for verb in sorted(announced_acts(earlier) - again):
        if _done_forms(verb) & acted or _launched(words, verb):
            return verb
    return None


def _acted(headline: str, passive: bool = False) -> set[str]:
    """Lower-cased words of ``headline`` in a verb's place. As a verb it follows its subject: after an article, a
    preposition, a possessive or "rate" it is a noun ("Rate Cuts", "Israel’s Attacks"), after "be" a passive still
    to come ("… Loved Ones to Be Released"); before "at", "back" or "off" a figure of speech ("Trump fires at the
    Fed"). Without ``passive``, not before "by" either ("Hostages Held by Hamas" is no act of the headline's
    subject). A negated contraction is one word ("Won’t" is not "won")."""
    words = [w.lower() for w in _WORD_OR_POSSESSIVE.findall(_CONTRACTION.sub("nt", headline))]
    return {w for before, w, after in zip(words, words[1:], [*words[2:], ""], strict=False)
            if before not in _BEFORE_A_NOUN and not before.endswith(("’s", "'s"))
            and after not in _FIGURATIVE_NEXT and (passive or after != "by")}


def _acts_by_form(forms_of: Callable[[str], set[str]]) -> dict[str, frozenset[str]]:
    """Each word form of the closed list's acts, with the acts it is a form of (built once: ranking asks per
    headline)."""
    acts: dict[str, set[str]] = {}
    for verb in _ACTS:
        for form in forms_of(verb):
            acts.setdefault(form, set()).add(verb)
    return {form: frozenset(verbs) for form, verbs in acts.items()}


_ACTS_NAMED = _acts_by_form(_forms)
_ACTS_DONE = _acts_by_form(_done_forms)


def _acts_in(words: Iterable[str], by_form: Mapping[str, frozenset[str]]) -> frozenset[str]:
    return frozenset().union(*(by_form.get(word, ()) for word in words))


def acts_reported(headline: str) -> frozenset[str]:
    """Acts (base verbs of the closed list) that ``headline`` reports as done: "Trump Holds Call With Russia's
    Putin" → {"hold"}; "Trump to Hold Call…" → none."""
    return _acts_in(_acted(headline), _ACTS_DONE)


def acts_named(headline: str) -> frozenset[str]:
    """Acts ``headline`` names in any form, done, announced or as a noun that is also the verb ("Plans Call" names
    none; "Vote to Hold Talks" names "hold" and "vote")."""
    return _acts_in({w.lower() for w in _WORD.findall(_CONTRACTION.sub("nt", headline))}, _ACTS_NAMED)


def actor(headline: str, act: str) -> frozenset[str]:
    """Who did ``act`` in ``headline``: the lower-cased words of its clause before the verb ("Fed Cuts Rates…" →
    {"fed"}); empty when the act is not reported done there or nothing names a doer before it."""
    done = _done_forms(act) | _LAUNCHED
    clause: list[str] = []
    for part in _CLAUSE_BREAK.split(headline):
        words = [w.lower().removesuffix("’s").removesuffix("'s") for w in _WORD_OR_POSSESSIVE.findall(part)]
        for i, word in enumerate(words):
            if word in done and i:
                clause = words[:i]
                break
        if clause:
            break
    return frozenset(w for w in clause if w not in _BEFORE_A_NOUN and w not in _NOT_A_DOER)


def same_doer(headline: str, other: str, act: str) -> bool:
    """Whether ``other`` names the doer of ``act`` in ``headline``, or the other way round ("Freed Hostage Released
    by Hamas…" after "Hamas Releases…"); True when neither names one."""
    doer, other_doer = actor(headline, act), actor(other, act)
    if not doer and not other_doer:
        return True
    return bool(doer & _headline_words(other) or other_doer & _headline_words(headline))


def _headline_words(headline: str) -> set[str]:
    """Lower-cased words, hyphenated ones whole, without a possessive's ending."""
    return {w.lower().removesuffix("’s").removesuffix("'s") for w in _HEADLINE_WORD.findall(headline)}


def _launched(words: list[str], act: str) -> bool:
    """An act reported by its noun right after a finite verb that starts it ("Launches Massive Attack", "Carried Out
    Strikes"; not "Starts Talks on Strike"), in lower-cased words."""
    nouns = {noun for noun, named in _EVENT_NOUNS.items() if named == act}
    return any(w in _LAUNCHED and nouns & set(words[i + 1: i + 3]) for i, w in enumerate(words))
