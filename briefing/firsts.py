"""Does a news item report a first-time event? A cue grammar, no model: pure, deterministic, fast.

A first-time event is something new in kind for its actor or place: a first deployment, a first-ever
ruling, the first woman in a role, a government taking a step it never took, a market opening, the end
of a centuries-old practice (the labelling rules of ``first_events/README.md`` in the evaluation data).

Most uses of "first" are not that (about 1 in 12 cue matches on real feeds is). The grammar below
reads each "first" in its clause and drops, in this order:

- items that are not news reports: opinion, analysis columns, explainers, obituaries, questions;
- other senses: company and policy names ("First Brands", "America First"), "first lady",
  "first-time buyers", "at first", "put X first";
- plans and possibilities: "plans to launch its first", "would mark the first time", "X to open first";
  a first told only in the description of a headline that reports talks or a plan ("... in stake sale talks");
- ordinals and periods: first quarter/half/10 months/round/day/term, an official's first trip, meeting,
  speech or interview, "first look/take/glimpse";
- statistics and records: "first rise in three months", "first monthly decline", a price crossing a level
  "for the first time", rate cuts, inflows;
- comparisons ("first ... since X", "first ... in N years"), except a rare break: an action (talks, an
  auction, sanctions, a test...) that has not happened in at least three years, said as "in N years",
  "in decades" or "in a generation". "Since <date or event>" is how statistics and resumptions are
  worded ("first rate cut since 2008", "first attack since the truce"), so it never counts.

What is left counts only in a shape that says something happened: "first-ever X", "for the first time",
"becomes the first bank to offer...", "launches Europe's first ETF", "first deployment of troops",
"named the first female prime minister" (a person only when made the first now, not when described by an
earlier first), a headline opening with "First North Korean troops reach...". Meetings recur: "first talks"
counts only as first-ever or as a rare break in the headline.
A few strong non-"first" cues count too: "in a historic shift", "in a military first", "never before
seen", "ends a 180-year-old tradition".

Known gaps: events told without a cue ("Ukraine destroys warplanes deep inside Russia") are missed, and
follow-ups that repeat the cue ("reactions to the first ...") are not told apart here; ``briefing.rank``
drops an event already reported in a related past article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PHRASE_WORDS = 10
"""A phrase names what is new in a few words: it goes into a reason line."""


@dataclass(frozen=True)
class FirstEvent:
    phrase: str  # the words that say what is new, e.g. "first deployment of North Korean troops"
    where: str  # "title" or "text"


def _words(*groups: str) -> str:
    """An alternation of whitespace-separated words, for building readable patterns."""
    return "|".join(word for group in groups for word in group.split())


def _set(*groups: str) -> frozenset[str]:
    return frozenset(word for group in groups for word in group.split())


# --- whole items that are not reports of an event ------------------------------------------------------

# Opinion, analysis and explainer labels, obituaries, photo and sports roundups, live pages, newsletters.
# The README labels these 0 even when they mention a first ("Latin America's first elected female
# president ... dies at 95"; "Who is Sarah Mullally, the Church's first female leader?").
_NOT_A_REPORT = re.compile(
    r"^\s*(?:opinion|analysis|review|the big read|heard on the street|letters?|lex|explainer|live|watch|video"
    r"|photos?|in pictures|podcast|quiz|week ahead)\b"
    r"|^\s*top (?:\w+ )?stories\b"
    r"|\bdies at \d+|\bdead at \d+|\bobituary\b|\bas it happened\b|\bin this newsletter\b",
    re.IGNORECASE,
)
# Question and explainer openings, case-sensitive so that "WHO confirms first case" stays a report.
_QUESTION = re.compile(r"^\s*(?:Who|What|Why|How|Where|When|Will|Should|Can|Could|Is|Are|Does|Do|Here['’]s|Here Is"
                       r"|Here is)\b")

# --- the cue ------------------------------------------------------------------------------------------

# Each occurrence of "first" is read with what stands before it in its clause (``left``) and after it
# (``right``). "for the first time", "the first time" and "first-ever" are one cue each.
_FIRST = re.compile(
    r"\b(?:(?P<for>for )?(?:the )?first[- ]time\b(?!-)|first[- ]ever\b|first\b)",
    re.IGNORECASE,
)

# Clauses: a sentence, a headline part after a colon or a spaced dash, a "|" label.
_CLAUSE_BREAK = re.compile(r"(?<=[.!?;])\s+|:\s+|\s+[—–-]{1,2}\s+|\s*\|\s*")

# --- other senses ------------------------------------------------------------------------------------

# Names and fixed phrases where "first" is part of a name or a title, not an ordinal of an event.
_OTHER_SENSE_AFTER = re.compile(
    r"^[- ](?:brands?|lady|ladies|minister|ministers|principles|nations|amendment|republic|citizens|solar"
    r"|horizon|class|hand|name|names|aid|responders?|mover|come|of all|and foremost|things first|ft"
    r"|coast|niagara|baptist|presbyterian|methodist|lutheran|evangelical|congregational"
    r"|-?time[- ](?:home[- ]?)?(?:buyers?|owners?|investors?|voters?|visitors?|users?|founders?|mothers?|parents?))\b"
    r"|^ [^,]{1,40}, (?:now|then|next)\b",  # "First Canada, Now Australia": a sequence, not an event
    re.IGNORECASE,
)
_OTHER_SENSE_BEFORE = re.compile(
    r"(?:\bamerica|\bdeputy|\bat|\bone of the|\bamong the|\bnot the|\bstrike|\bcome|\bcomes|\bcame|\bput|\bputs"
    r"|\bputting|\bgo|\bgoes|\bwent|^be the)\s+$",
    re.IGNORECASE,
)
# "first" used as an adverb: "it first needs to", "declaring victory first and", "what worsens first:".
_ADVERB_AFTER = re.compile(
    r"^\s*(?:$|[^\w\s'’-]|(?:and|or|but|then|needs?|must|had|has|have|denied|said|told|appeared|thought|before|"
    r"because|when|while|is|was|were|are)\b)",
    re.IGNORECASE,
)

# --- plans, possibilities, speculation ------------------------------------------------------------------

# Something that has not happened yet: README rule "plans, proposals, threats and possibilities".
# "Set for" is not here on purpose: "Japan set for first female prime minister" reports a decided outcome.
_PLAN_BEFORE = re.compile(
    r"\b(?:" + _words(
        "will would could may might can should shall 'll ’ll",
        "plan plans planned planning proposes proposed proposal proposals considers considering mulls weighs",
        "eyes eyeing seeks seeking aims aiming hopes hoping wants want expects expected expecting likely",
        "prepares preparing poised threatens threatening threat vows pledges promises possible possibly",
        "chance if unless whether bid",
    ) + r")\b"
    + r"|\b(?:set|due|ready|on track|on course|about|going) to\b"
    # A headline infinitive just before the cue: "Saba Capital to launch UK's first ETF".
    + r"|\bto \w+ (?:up |out |off )?(?:[\w.&-]+['’]s? |its |their |his |her |the |a |an )?$",
    re.IGNORECASE,
)
_PLAN_AFTER = re.compile(
    r"^[^,;]{0,60}?\b(?:is|are|was|were|being)?\s*(?:planned|proposed|expected|mooted|slated|scheduled|mulled)\b",
    re.IGNORECASE,
)

# A headline that reports a prospect (negotiations, a plan) makes a first told only in its description a prospect
# too: "Hedge fund Millennium valued at $14bn in minority stake sale talks" / "... as it opens up to external
# investors for the first time" (the sale has not happened).
_PROSPECT_TITLE = re.compile(
    r"\b(?:in (?:\w+ ){0,2}talks|(?:sale|merger|takeover|stake|buyout|acquisition|investment|funding) talks"
    r"|holds? talks|nears?|close to|weighs|considers|mulls|explores|eyes|plans|prepares|seeks"
    r"|(?:set|poised|due|ready|in line) to)\b",
    re.IGNORECASE,
)

# --- ordinals and periods -----------------------------------------------------------------------------

# "first" + a number is a period ("first 10 months", "first 100 days", "first 5,000m heat").
_PERIOD_NUMBER = re.compile(
    r"^[- ](?:\d|" + _words("two three four five six seven eight nine ten eleven twelve few several couple") + r")\b",
    re.IGNORECASE,
)
# Nouns that make "first X" an ordinal or a period, not a first-ever: README "ordinal or period uses" and
# "an official's first trip or first meeting", plus "first look/take/impressions".
_ORDINAL_NOUNS = _set(
    # periods and rounds
    "quarter quarters half halves half-year day days night nights weekend week weeks month months year years",
    "term terms season seasons session sessions round rounds heat heats leg legs stage stages phase phases",
    "game games match matches set sets lap laps inning innings hour hours minute minutes century decade",
    "quarterly half-yearly semester edition instalment installment episode chapter part wave waves era",
    # an official's routine firsts
    "trip trips visit visits meeting meetings speech speeches address interview interviews comments remarks",
    "appearance appearances call calls conference briefing mass sermon budget tweet post posts vote votes",
    "statement statements hearing hearings testimony sitting",
    # first look, take, impressions, data
    "look looks glance glimpse glimpses take takes impression impressions reading readings estimate estimates",
    "data report reports review reviews sign signs hint hints indication indications batch step steps",
    "time-ever draft results detail details image images photos pictures footage arrests charges casualties",
    "deaths victims win wins loss losses goal goals medal medals title titles place thing things person word",
    "words date dates line lines",
    # promotional releases: "First Trailer for ...", "first poster", "first pic of the wedding"
    "trailer trailers teaser teasers poster posters clip clips video videos photo pic pics picture snap snaps",
    "selfie still stills preview previews peek song single track album headshot headshots listen",
    "of in",  # "first of many", "the first of Russia's land grabs", "the first in a series"
)
# "first X of the year / of Trump's term / of the season / during his second term / as secretary".
_ORDINAL_TAIL = re.compile(
    r"^[^,;]{0,50}?\b(?:of|in|during|since|for) (?:the |this |that |his |her |its |their |a |an |[\w.-]+['’]s )?"
    r"(?:\w+ ){0,2}(?:year|years|term|season|month|week|presidency|administration|tenure|reign|era|war|wars"
    r"|series|campaign|tour|conference|office|job)\b"
    r"|^[^,;]{0,50}?\b(?:as|since) (?:secretary|president|prime minister|pope|pontiff|chancellor|leader|chief"
    r"|chair|governor|minister|ceo|chief executive|head|coach|manager)\b"
    r"|^[^,;]{0,50}?\bin office\b",
    re.IGNORECASE,
)

# --- statistics and records ---------------------------------------------------------------------------

# Nouns of statistics, prices and flows: "first rise in three months", "first monthly decline since March",
# "first rate cut since 2008", "first-ever net outflow". README: routine statistics and records are 0.
_STAT_NOUNS = _set(
    "rise rises fall falls drop drops decline declines decrease increase increases gain gains growth",
    "contraction dip dips rebound jump jumps slump slide surge deficit surplus cut cuts reduction hike hikes",
    "profit profits loss inflow inflows outflow outflows sales sale deflation inflation recession",
    "monthly weekly quarterly annual yearly daily year-on-year net record high highs low lows dissent",
    "rate rates price prices yield yields trade trades deal-flow issuance listings ipo ipos debut",
    "uptick downturn upturn expansion improvement deterioration",
)
# Words that, in the clause before "for the first time" or after "becomes the first ... to", say a number
# moved: "Gold hits $3,500 for first time", "Nvidia becomes first company to reach $4tn".
_STAT_CLAUSE = re.compile(
    # "reach"/"cross" only with a number: troops reaching the front is an event, gold reaching $3,500 is not.
    r"[$€£¥]\s?\d|\d\s?%|\b(?:up|down) (?:by )?\d|\d[\d,.]*\s?(?:bn|tn|mn|m|k|points|pts|trillion|billion|million)\b"
    r"|\b\d{1,3}(?:,\d{3})+\b|\b(?!(?:19|20)\d\d\b)\d{4,}\b"  # 100,000 or 6000, not a year
    # a level crossed, even a year-like one: "S&P 500 closes above 1900 for the first time"
    r"|\b(?:above|below|beyond)\s[$€£¥]?\d"
    r"|\b(?:" + _words(
        "hit hits hitting top tops topped topping",
        "surpass surpasses surpassed pass passes passed exceed exceeds exceeded break breaks broke",
        "rise rises rose risen rising fall falls fell fallen falling drop drops dropped decline declines declined",
        "gain gains gained climb climbs climbed slip slips slipped edge edges edged tick ticks ticked",
        "turn turns turned grow grows grew shrink shrinks shrank contract contracts contracted expand expands",
        "expanded increase increases increased decrease decreases decreased rebound rebounds rebounded",
        "recover recovers recovered soar soars soared surge surges surged plunge plunges plunged",
        "tumble tumbles tumbled slide slides slid jump jumps jumped cut cuts cutting lower lowers lowered",
        "raise raises raised higher lower negative positive inflows outflows inflow outflow money",
        "record records worth valued valuation value price prices index indices rate rates inflation",
        "deflation yield yields unemployment jobless sentiment confidence gdp output exports imports",
        "sales profit profits revenue revenues earnings stocks shares bonds leading lead ahead polls poll",
    ) + r")\b",
    re.IGNORECASE,
)

# --- comparisons: "first ... since X", "first ... in N years" ---------------------------------------------

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "several": 3, "many": 3,
}
# "in three years", "in more than four decades", "in a generation", "in years", "in two summers".
_IN_SPAN = re.compile(
    r"\bin (?:(?:more than|over|almost|nearly|about|around|at least|the past|the last|the) )?"
    r"(?:(?P<n>\d+|" + "|".join(_NUMBER_WORDS) + r")\s+(?P<unit>[a-z]+)|(?P<bare>years|decades|generations|ages))\b",
    re.IGNORECASE,
)
_SINCE = re.compile(r"\bsince\b|\bin (?:19|20)\d\d\b|\bthis (?:year|month|week)\b", re.IGNORECASE)
_EVER = re.compile(r"^\s*(?:-?ever\b|in (?:its|their|his|her|the|[\w.-]+['’]s) (?:\d+|[\w-]+)[- ]year history"
                   r"|in (?:its |their |the )?history)", re.IGNORECASE)
MIN_BREAK_YEARS = 3
"""A first-in-N-years counts as a rare break from this many years on ("first direct talks in three years")."""

# Actions whose first occurrence in years is a rare break, not a statistic (README: "first direct
# Russia–Ukraine talks in three years", "first Libyan exploration auction in 18 years").
_ACTION_NOUNS = _set(
    "talks negotiations summit contact contacts dialogue auction auctions licensing deal accord agreement treaty",
    "sanctions election elections referendum census execution executions test tests launch launches",
    "mission missions deployment deployments strike strikes airstrike airstrikes exploration loan",
    "recognition ruling determination declaration famine ban conviction indictment impeachment approval",
    "licence license penalty fine nationalisation nationalization default case cases outbreak use",
    "effort attempt crackdown intervention operation invasion incursion attack attacks raid",
    "flight flights landing spacewalk bond bonds",
)
# Verbs that, before "first X" or "'s first X", say the thing happened: "launches Europe's first active ETF",
# "completes its first blockchain-powered fundraising", "Measures mark Trump's first effort".
_EVENT_VERB_BEFORE = re.compile(
    r"\b(?:" + _words(
        "launch launches launched opens opened open unveils unveiled completes completed imposes imposed",
        "holds held hold conducts conducted stages staged deploys deployed sends sent signs signed",
        "approves approved issues issued grants granted declares declared reports reported confirms confirmed",
        "carries carried performs performed begins began begin starts started introduces introduced",
        "mark marks marked makes made creates created builds built hails hailed sets establishes established",
        "names named appoints appointed elects elected gets got wins won",
        "discover discovers discovered discovery find finds detect detects detected spot spots spotted",
        "hosts hosted implant implants implanted",
    ) + r")\b[^,;]{0,60}$",
    re.IGNORECASE,
)
# Verbs after "first X" that say it happened, in a headline that opens with it: "Europe's first production
# plant for rare-earth magnets opens", "First ETF tracking autocallables launched in US".
_EVENT_VERB_AFTER = re.compile(
    r"^[^,;]{0,60}?\b(?:" + _words(
        "opens opened launches launched begins began starts started unveiled goes went arrives arrived lands",
        "landed approved declared confirmed reported held signed deployed reach reaches reached enters entered",
        "debuts debuted takes took",
    ) + r")\b",
    re.IGNORECASE,
)
# A headline that opens with "First X" and says what it may or will do is about a prospect, not an event:
# "First US MERS Patient May Be Sent Home Soon", "First Humans to Be Placed in Suspended Animation".
_MODAL_AFTER = re.compile(r"^[^,;]{0,60}?(?:(?<!\bin )(?<!\bby )\b(?:may|might|could|would|will|should)\s+(?!\d)[a-z]+"
                          r"|\bto be\b)", re.IGNORECASE)
# "first two cases": a number, but a first case in a country is a first-time event when it is confirmed.
_FIRST_CASES = re.compile(r"^[- ]\w+ (?:known |confirmed )?(?:cases?|infections?)\b", re.IGNORECASE)
_CONFIRMED_BEFORE = re.compile(r"\b(?:confirms?|confirmed|reports?|reported|records?|recorded)\b", re.IGNORECASE)
# Saying or performing something "for the first time" is a person's first, not the world's: "Mila Kunis Opens Up
# for the First Time About Pregnancy", "Lana Del Rey Performs 'Ultraviolence' For The First Time".
_PERSONAL_FIRST = re.compile(
    r"\b(?:" + _words(
        "speaks spoke speaking talked talking discusses discussed discussing addresses addressed comments commented",
        "reveals revealed revealing performs performed performing sings sang singing",
    ) + r"|breaks? (?:his|her|their) silence)\b[^,;]{0,50}$"
    # not "opens up to external investors for the first time"
    r"|\b(?:opens?|opened|opening) up(?: (?:about|on)\b[^,;]{0,50})?\s*$",
    re.IGNORECASE,
)
# Wire-service prefixes hide a headline's opening word: "RPT UPDATE 2-First cargo of ... oil sold to Europe".
_WIRE_PREFIX = re.compile(r"^(?:RPT\s+|REFILE-|CORRECTED-|(?:UPDATE|WRAPUP)\s+\d+-|EXCLUSIVE-)+")
_HEADLINE_SUBJECT = re.compile(r"^\s*(?:the |[\w.-]+['’]s |its |their )?$", re.IGNORECASE)
# "... is/was/becomes the first": the item names something as the first of its kind.
_COPULA_BEFORE = re.compile(
    r"\b(?:is|was|were|are|becomes|became|become|becoming|marks|marked|mark|named|appointed|elected|makes|made"
    r"|as|be)\s+(?:the |a |its |their |his |her |[\w.-]+['’]s )?(?:\w+ )?$",
    re.IGNORECASE,
)
# The first woman (or first person of a kind) to hold a role.
_PERSON = re.compile(
    r"^[- ](?:\w+ )?(?:female|woman|women|black|gay|openly gay|transgender|muslim|jewish|catholic|hindu|sikh"
    r"|latina|latino|hispanic|indigenous|asian|african|arab)\b",
    re.IGNORECASE,
)
_APPOINTED_BEFORE = re.compile(
    r"\b(?:named|appointed|elected|sworn in|becomes|became|become|gets|got|set for|picks|picked|chooses|chose"
    r"|appoints|names|elects|canonised|canonized)\b[^,;]{0,60}$",
    re.IGNORECASE,
)
_APPOINTED_AFTER = re.compile(
    r"^[^,;]{0,60}?\b(?:named|appointed|elected|sworn in|takes office|took office|canonised|canonized)\b",
    re.IGNORECASE,
)
# "X becomes the first ...": the item names something as the first of its kind ("Teen becomes Catholic
# Church's first millennial saint"). Statistics ("becomes first company to reach $4tn") are dropped before.
_BECOMES_BEFORE = re.compile(r"\b(?:becomes|became|become|becoming)\b[^,;]{0,40}$", re.IGNORECASE)
# Meetings recur: "first face-to-face talks on tariffs" is the first of a series, unless it breaks years
# of silence ("first direct peace talks in three years") or is the first ever.
_MEETING_NOUNS = _set("talks negotiations summit summits contact contacts dialogue meeting meetings")
# Verbs after "becomes the first X to ..." that make it a statistic: Eli Lilly "first drugmaker worth $1tn".
_STAT_INFINITIVE = re.compile(
    r"\bto (?:" + _words(
        "reach hit top cross surpass pass exceed recover be break rise fall gain achieve post record"
    ) + r")\b",
    re.IGNORECASE,
)

# --- strong cues without "first" -------------------------------------------------------------------------

# "In Historic Shift, U.K., Australia and Canada Recognize a Palestinian State"; "in a military first".
# Not a bare "historic": "historic highs", "historic conclave", "historic increase in tariffs" are not events.
_HISTORIC = re.compile(
    r"\bin (?:a )?historic (?:shift|move|step|decision|break|reversal|first|vote|ruling)\b|^in a first\b"
    r"|\bin (?:a |an )?(?:historic|military|world|global|national|legal|diplomatic|medical|scientific|space"
    r"|industry|european|european|african|asian)[- ]first\b"
    r"|\b(?:a|an) (?:historic|military|world|global|diplomatic|medical|scientific|legal)[- ]first\b",
    re.IGNORECASE,
)
# "never before seen", "never before used": strong, and rare enough in news prose to trust.
_NEVER_BEFORE = re.compile(r"\bnever[- ]before[- ](?:seen|done|used|tried|attempted|recorded|granted)\b"
                           r"(?![- ](?:pics?|photos?|pictures?|images?|footage|videos?|clips?|snaps?)\b)",
                           re.IGNORECASE)  # a never-before-seen photo is a release, not an event
# The end of a centuries-old institution or practice: "ends 180-year-old tradition", "ending centuries of".
_HISTORIC_END = re.compile(
    r"\b(?:ends?|ended|ending|scraps?|scrapped|abolish(?:es|ed)?|retires?|retired|closes?|closed|dissolves?"
    r"|dissolved)\b[^,;.]{0,40}?\b(?:\d{3,}|centuries|century)[- ](?:years?[- ]old|old|of)\b"
    r"|\bcenturies[- ]old\b[^,;.]{0,40}?\b(?:ends?|ended|ending|scrapped|abolished|comes to an end)\b",
    re.IGNORECASE,
)

# Every cue above holds one of these (a "first", "historic" or "never", a century or a 3-digit age): an item
# without any is read no further. Most items have none, and splitting them into clauses to try each pattern
# was most of the detector's time in a 1,000-article day's ranking.
_ANY_CUE = re.compile(r"first|historic|never|centur|\d{3}[- ](?:year|old|of)", re.IGNORECASE)

_STOP_NP = _set(
    "of to in on at for from by with since as after amid while that which who when where but and or than",
    "is are was were be been will would could may might has have had after before over under into across",
)
_TRAILING = " \t,;:.!?\"'“”‘’()[]—–-|"


def first_event(title: str, text: str = "") -> FirstEvent | None:
    """The first-time event this item reports, or None.

    Args:
        title: the headline.
        text: the description or the opening of the article (a few sentences are enough).

    Returns:
        ``FirstEvent(phrase, where)``: ``phrase`` is a short fragment naming what is new, taken from the
        item ("first deployment of North Korean troops", "recognize a Palestinian state in historic shift");
        ``where`` is ``"title"`` or ``"text"``. None when nothing in the item reads as a first-time event.
    """
    title = _clean(title)
    text = _clean(text)
    if _NOT_A_REPORT.search(title) or _QUESTION.search(title) or title.endswith("?"):
        return None
    title = _WIRE_PREFIX.sub("", title)
    for where, value in (("title", title), ("text", text)):
        if where == "text" and _PROSPECT_TITLE.search(title):
            break
        if not _ANY_CUE.search(value):
            continue
        for number, clause in enumerate(_CLAUSE_BREAK.split(value)):
            phrase = _in_clause(clause.strip(), is_title=where == "title", opens_title=where == "title" and number == 0)
            if phrase:
                return FirstEvent(phrase, where)
    return None


def _clean(value: str) -> str:
    return " ".join(str(value or "").split())


def _in_clause(clause: str, is_title: bool, opens_title: bool) -> str | None:
    if not clause or clause.endswith("?") or len(clause) > 600:
        return None
    for found in _FIRST.finditer(clause):
        phrase = _read_first(clause, found, is_title=is_title, opens=opens_title and found.start() == 0)
        if phrase:
            return phrase
    for pattern in (_HISTORIC, _NEVER_BEFORE, _HISTORIC_END):
        found = pattern.search(clause)
        if found and not _PLAN_BEFORE.search(clause[: found.start()]):
            return _around(clause, found.start(), found.end())
    return None


def _read_first(clause: str, found: re.Match[str], is_title: bool, opens: bool) -> str | None:
    """Read one "first" in its clause: a phrase when it reports a first-time event, else None."""
    left, right = clause[: found.start()], clause[found.end():]
    cue = found.group(0).lower()
    if _OTHER_SENSE_AFTER.search(right) or _OTHER_SENSE_BEFORE.search(left):
        return None
    if _PLAN_BEFORE.search(left) or _PLAN_AFTER.search(right):
        return None
    if cue.endswith("first-time") and re.match(r"^ (?!(?:since|in|ever|that|this|on)\b)\w", right, re.IGNORECASE):
        return None  # "easier for first-time buyers": an adjective, not "for the first time"
    if "time" in cue:
        return _read_first_time(clause, found, left, right)
    if _ADVERB_AFTER.search(right):
        return None
    if _PERIOD_NUMBER.search(right) and not (_FIRST_CASES.search(right) and _CONFIRMED_BEFORE.search(left)):
        return None
    noun_phrase = _noun_phrase(right)
    # "X is the first ...", or in a headline without its verb: "U of M facility first to implant bionic eye".
    named_first = _COPULA_BEFORE.search(left) is not None or (
        is_title and bool(left.strip()) and re.match(r"^ to \w+", right, re.IGNORECASE) is not None)
    to_verb = re.match(r"^[^,;]{0,60}?\bto \w+", right, re.IGNORECASE)
    if not noun_phrase and not (named_first and right.lower().startswith(" to ")):
        return None  # "the first of many", "first in a series"
    lowered = [word.lower().strip(_TRAILING) for word in noun_phrase]
    if any(word in _STAT_NOUNS or word in _ORDINAL_NOUNS for word in lowered[:3]):
        return None
    tail = right.split(",")[0]
    if _SINCE.search(tail):
        return None  # "first trade talks since Trump's tariffs", "first Russian panda bonds since 2017"
    span = _IN_SPAN.search(tail)
    is_action = any(word in _ACTION_NOUNS for word in lowered[:4])
    ever = "ever" in cue or _EVER.search(right) is not None
    if span and not ever:
        # "FDA approves first new sweetener in 12 years": an act, like "first ... talks in three years"
        acted = is_action or _EVENT_VERB_BEFORE.search(left) is not None
        if not (acted and is_title and _years(span) >= MIN_BREAK_YEARS):
            # "first dual dissent in 30 years", "first growth in four months"; a rare break told only in the
            # description is background to another story ("... first face-to-face summit in six years").
            return None
        return _phrase(found.group(0), right, upto=span.end())
    if not ever and any(word in _MEETING_NOUNS for word in lowered[:4]):
        return None
    if _ORDINAL_TAIL.search(right):
        return None  # "first pact of Trump's trade wars", "first trip to Asia as secretary of state"
    person = _PERSON.search(right) is not None
    if named_first and to_verb and (_STAT_INFINITIVE.search(to_verb.group(0))
                                    or (not noun_phrase and _STAT_CLAUSE.search(right[:40]))):
        return None  # "becomes first company to reach $4tn", "first benchmark to recover all losses"
    if (ever or named_first) and _STAT_CLAUSE.search(" ".join(noun_phrase)):
        return None
    if person:
        if _APPOINTED_BEFORE.search(left) or (opens and _APPOINTED_AFTER.search(right)):
            return _phrase(found.group(0), right)
        # "praise for Japan's first female prime minister", "Tanzania's first female leader championed
        # human rights": the person is described, the event was earlier.
        return None
    if _BECOMES_BEFORE.search(left):
        return _phrase(found.group(0), right)
    if opens and _MODAL_AFTER.search(right):
        return None
    if opens or (is_title and _HEADLINE_SUBJECT.match(left) and _EVENT_VERB_AFTER.search(right)):
        return _phrase(found.group(0), right)  # "First North Korean troops reach the front"
    if ever or is_action or _EVENT_VERB_BEFORE.search(left) or (named_first and to_verb):
        return _phrase(found.group(0), right)
    return None


def _read_first_time(clause: str, found: re.Match[str], left: str, right: str) -> str | None:
    """"for the first time" and "the first time (that) ...": an event unless a number moved or it compares."""
    if not found.group("for") and not _COPULA_BEFORE.search(left) and not _EVER.search(right):
        return None  # "the first time I saw", "first time buyers"
    if _SINCE.search(right.split(",")[0]):
        return None  # "for the first time since June", "first time since the truce"
    if _STAT_CLAUSE.search(left[-90:]) or _STAT_CLAUSE.search(right[:60]):
        return None  # "Gold hits $3,500 for first time", "inflation turns negative for the first time"
    if found.group("for") and _PERSONAL_FIRST.search(left) and not _IN_SPAN.search(right.split(",")[0]):
        return None
    span = _IN_SPAN.search(right.split(",")[0])
    if span and not _EVER.search(right):
        actions = {word.lower().strip(_TRAILING) for word in left.split()} & _ACTION_NOUNS
        if not (actions and _years(span) >= MIN_BREAK_YEARS):
            return None  # "For the first time in many decades, the greenback looks vulnerable"
        return _tail_phrase(left, found.group(0), right[: span.end()])
    if _ORDINAL_TAIL.search(right):
        return None  # "meet for the first time in Trump's second term"
    if found.group("for"):
        return _tail_phrase(left, found.group(0), right if _EVER.search(right) else "")
    # "The incident was the first time the alliance has engaged Russian drones"
    return _phrase(found.group(0), right)


def _noun_phrase(right: str) -> list[str]:
    """The words after "first" up to a preposition, a verb-like stop word or punctuation (at most 5)."""
    words: list[str] = []
    for word in right.split():
        bare = word.lower().strip(_TRAILING)
        if not bare or bare in _STOP_NP:
            break
        words.append(word)
        if word[-1] in ",;:.!?)" or len(words) == 5:
            break
    return words


def _years(span: re.Match[str]) -> float:
    """How many years an "in N <unit>" comparison spans; 0 for months, summers and other short units."""
    if span.group("bare"):
        # "in decades", "in a generation" are strong; a bare "in years" ("first glimpse in years") is vague.
        return 2 if span.group("bare").lower() == "years" else 10
    count = span.group("n").lower()
    number = int(count) if count.isdigit() else _NUMBER_WORDS.get(count, 1)
    unit = span.group("unit").lower()
    if unit.startswith(("decade", "generation")):
        return number * 10
    if unit.startswith("centur"):
        return number * 100
    if unit.startswith("year"):
        return number
    return 0


_PHRASE_END = re.compile(r"[,;:()“”\"]|\s[—–-]\s|\s(?:that|which|who|whose|where|when|while|after|amid|as|because|but"
                         r"|despite|before|says|said|according)\s", re.IGNORECASE)


def _phrase(cue: str, right: str, upto: int | None = None) -> str:
    """"first" and the words after it, to the clause's next comma, relative clause or MAX_PHRASE_WORDS."""
    rest = right[:upto] if upto is not None else _PHRASE_END.split(right)[0]
    words = (cue + rest).split()[:MAX_PHRASE_WORDS]
    while len(words) > 2 and words[-1].lower().strip(_TRAILING) in _STOP_NP:
        words.pop()  # "first major bank to offer spot bitcoin and" -> "... spot bitcoin"
    return _tidy(" ".join(words))


def _tail_phrase(left: str, cue: str, rest: str) -> str:
    """The end of what happened, then the cue: "mourns troops killed fighting for Russia for first time"."""
    before = re.split(r"[,;:()“”\"]", left)[-1].split()
    room = MAX_PHRASE_WORDS - len((cue + " " + rest).split())
    return _tidy(" ".join([*before[-max(room, 0):], cue, rest]))


def _around(clause: str, start: int, end: int) -> str:
    """A cue without "first": what happened, from the words around the cue.

    "In Historic Shift, U.K., Australia and Canada Recognize a Palestinian State" -> the main clause;
    "Drones Shoot Down Russian Jets in Military First" -> the words before the cue, then the cue.
    """
    cue = clause[start:end]
    if not clause[:start].strip() and clause[end:].lstrip().startswith(","):
        main = clause[end:].lstrip(" ,").split()  # an opening "In historic shift, ..." introduces the news
        if main:
            return _tidy(" ".join(main[:MAX_PHRASE_WORDS]))
    after = _PHRASE_END.split(clause[end:])[0].split()
    if len(after) >= 2:
        return _tidy(" ".join([cue, *after][:MAX_PHRASE_WORDS]))
    before = re.split(r"[,;:()“”\"]", clause[:start])[-1].split()
    return _tidy(" ".join([*before[-(MAX_PHRASE_WORDS - 2):], cue, *after]))


def _tidy(phrase: str) -> str:
    phrase = " ".join(phrase.split()).strip(_TRAILING)
    if phrase[:1].isupper() and phrase.split(" ", 1)[0].lower() in ("first", "first-ever", "for", "the", "in"):
        phrase = phrase[0].lower() + phrase[1:]
    return phrase
