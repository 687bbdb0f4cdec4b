from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.happened import actor, acts_named, acts_reported, announced_acts, has_happened, same_doer

# Real pairs from the season's feeds (WSJ, NYT, FT, 2025): a later headline, the earlier one, the act it reports.
HAPPENED = [
    ("Hamas Releases Last Living U.S. Hostage From Gaza", "Hamas Says It Will Release Last U.S. Hostage From Gaza",
     "release"),
    ("South Korean Left-Leaning Candidate Wins Presidential Election",
     "South Korean Left-Leaning Candidate Poised to Win Presidential Election", "win"),
    ("Trump Visits Federal Reserve as Campaign Against Powell Intensifies",
     "Trump to Visit Federal Reserve As Campaign Against Powell Intensifies", "visit"),
    ("Fed Cuts Rates for First Time This Year", "Week Ahead for FX, Bonds: Fed Set to Cut Rates; Policy Decisions Due",
     "cut"),
    ("When the Federal Reserve cut interest rates Wednesday, Chair Jerome Powell said",
     "Week Ahead for FX, Bonds: Fed Set to Cut Rates; Policy Decisions Due", "cut"),
    ("Bank of Japan Stands Pat on Rates, Plans to Slow Bond-Buying Tapering",
     "Bank of Japan Likely to Stand Pat Again, Discuss Further Bond Taper", "stand"),
    ("Philippines’ Leader Meets With Trump to Clinch Trade Deal",
     "In Search of Trade Deal, Philippines’ Leader Will Meet With Trump", "meet"),
    # an event said to be coming, reported by its noun after "launches" (WSJ, 2025-06-12)
    ("Israel Launches Attack on Iran’s Nuclear Facilities",
     "Israeli Attack on Iran Could Come Within Days, U.S. and Israeli Officials Say", "attack"),
]

NOT_YET = [
    # announced again, not done
    ("Hamas Agrees to Release Gaza Hostages, but Sets Conditions", "Trump Gives Hamas Ultimatum to Release Hostages"),
    ("For Israel’s Hostage Families, Another Anxious Wait for Their Loved Ones to Be Released",
     "Trump Gives Hamas Ultimatum to Release Hostages or Face Destruction"),
    # a noun, not the act: "Rate Cuts", "Meeting", a place after "to"
    ("Powell Isn’t Trump’s Only Holdout Against Cuts at a Divided Fed",
     "Will Jay Powell resist pressure from Donald Trump to cut US interest rates?"),
    ("Bank of England Should Slow Interest-Rate Cuts, Pill Says",
     "China’s central bank said it would cut interest rates and inject liquidity"),
    ("Who Was in the Room for Trump-Putin Meeting", "European Leaders Plan to Meet Trump Before Putin Talks"),
    ("Opinion | Give Ukraine the Tomahawks, Mr. President", "Trump May Send Tomahawks to Ukraine"),
    ("Israel Expands Gaza Offensive and Strikes Houthis in Yemen",
     "Israel Strikes Yemeni Port in Response to Houthi Hit on Airport"),
    # "forced to", "had to": done already (UCI, April 2014)
    ("Miley Cyrus Hospitalised, Cancels Concert", "Miley Cyrus Forced To Cancel Charlotte 'Bangerz' Concert"),
    # a figure of speech
    ("Trump fires at the Fed. America’s economy is collateral damage",
     "President Trump is threatening to fire Federal Reserve Chair Jerome Powell unless he cuts interest rates"),
    # a deal: announcing it is the news, and later headlines retell it (UCI, March 2014)
    ("As Facebook Buys Oculus, Is A Virtual Reality Social Network Next?",
     "Facebook to buy virtual reality goggles maker Oculus for $2 billion"),
    # a different act
    ("Meta readies $25bn bond sale as soaring AI costs trigger stock sell-off",
     "Meta to raise $25bn from bond sale amid soaring AI costs"),
    # the coming attack's noun without an act: a possessive's noun, an attack mentioned, another prospect
    ("Israel’s Attacks Hit More Than Iran’s Nuclear Program",
     "Israeli Attack on Iran Could Come Within Days, U.S. and Israeli Officials Say"),
    ("In Twist, U.S. Diplomacy Served as Cover for Israeli Surprise Attack",
     "Israeli Attack on Iran Could Come Within Days, U.S. and Israeli Officials Say"),
    ("Trump Touts Iran Bombing, Warns More Strikes Could Come",
     "Israeli Attack on Iran Could Come Within Days, U.S. and Israeli Officials Say"),
    # nothing was announced
    ("Israel Launches Attack on Iran’s Nuclear Facilities", "Israeli Strikes Sow Fear and Anxiety in Tehran"),
]


@pytest.mark.parametrize(("headline", "earlier", "act"), HAPPENED)
def test_a_later_headline_reporting_what_an_earlier_one_announced(headline: str, earlier: str, act: str) -> None:
    assert has_happened(headline, earlier) == act


@pytest.mark.parametrize(("headline", "earlier"), NOT_YET)
def test_not_happened(headline: str, earlier: str) -> None:
    assert has_happened(headline, earlier) is None


def test_announced_acts_are_the_listed_acts_after_to_will_may() -> None:
    assert announced_acts("Hamas to Release Last Living U.S. Hostage From Gaza on Monday") == {"release"}
    assert announced_acts("North Korea Races to Fix Capsized Warship; Kim May Visit") == {"fix", "visit"}
    assert announced_acts("Trump May Send Tomahawks to Ukraine") == frozenset()  # "send" and "Ukraine": not listed


@given(st.text(max_size=120), st.text(max_size=120))
def test_never_raises(headline: str, earlier: str) -> None:
    assert has_happened(headline, earlier) in (None, *announced_acts(earlier))


def test_a_coming_attack_happens_when_a_headline_reports_it_by_its_verb_or_launches_it() -> None:
    coming = "Pentagon Warns Strikes Could Come Within Hours"
    assert announced_acts(coming) == {"strike"}
    # more of what already happened: the day's report of the first strikes does not make it done (2025-06-22)
    assert announced_acts("Trump Touts Iran Bombing, Warns More Strikes Could Come") == frozenset()
    assert has_happened("U.S. Strikes Three Iranian Nuclear Sites", coming) == "strike"
    assert has_happened("Israel Launched Massive Strikes Overnight", coming) == "strike"
    assert has_happened("Israel’s Strikes Leave Iran Guessing", coming) is None  # a possessive's noun
    assert has_happened("Russia Begins Offensive in the East", "A Russian Offensive May Come by Summer") == "offensive"
    assert announced_acts("Strikes End. More Layoffs Could Come") == frozenset()  # another clause's noun


@pytest.mark.parametrize(("headline", "act", "doer"), [
    ("Fed Cuts Rates for First Time This Year", "cut", {"fed"}),
    ("Bank of England Cuts Rates After Tight Vote", "cut", {"bank", "england"}),
    ("Hamas Releases Last Living U.S. Hostage", "release", {"hamas"}),
    ("Israel Launches Attack on Iran’s Nuclear Facilities", "attack", {"israel"}),
    ("Russia’s Central Bank Cuts Key Rate Again", "cut", {"russia", "central", "bank"}),
    ("Hamas to Release Last Living U.S. Hostage", "release", set()),  # announced, not done
    ("Cuts Rates", "cut", set()),  # nothing before the verb
])
def test_actor_is_who_did_it(headline: str, act: str, doer: set[str]) -> None:
    assert actor(headline, act) == doer


@pytest.mark.parametrize(("headline", "other", "act", "same"), [
    ("Fed Cuts Rates for First Time This Year", "Bank of England Cuts Rates After Tight Vote", "cut", False),
    ("Fed Cuts Rates for First Time This Year", "Fed Cuts Rates by Quarter Point", "cut", True),
    ("Freed Hostage Released by Hamas Reunites With Family", "Hamas Releases Last Living U.S. Hostage", "release",
     True),  # the other names this one's doer
])
def test_same_doer(headline: str, other: str, act: str, same: bool) -> None:
    assert same_doer(headline, other, act) is same


@pytest.mark.parametrize(("headline", "reported"), [
    ("Trump Holds Call With Russia’s Putin on Ending the War in Ukraine", {"hold"}),
    ("Trump said the U.S. reached a trade deal with the European Union", {"reach"}),
    ("Canada imposes import curbs on steel", {"impose"}),
    ("Trump Extends China Tariff Truce by Three Months", {"extend"}),
    ("India Says It Intercepted Missiles and Drones Launched by Pakistan", {"intercept"}),  # not Pakistan's launch
    ("Trump to Hold Call With Putin", set()),  # announced, not done
    ("Israel Prepares to Receive Its Last Living Hostages Held by Hamas", set()),  # a passive: Hamas's act
    ("Zelensky Says He Won’t Exchange Land for Peace", set()),  # "Won’t" is not "won"
    ("Rate Cuts Loom as Growth Slows", set()),  # a noun after "rate"
    ("Trump fires at the Fed", set()),  # a figure of speech
])
def test_acts_reported_are_done_by_the_headlines_subject(headline: str, reported: set[str]) -> None:
    assert acts_reported(headline) == reported


def test_acts_named_take_any_form() -> None:
    assert acts_named("Trump Plans Call With Putin After Diplomatic Dance") == {"call"}
    assert acts_named("Hamas to Release Last Living U.S. Hostage") == {"release"}
    assert acts_named("Fed Cut Looms") == {"cut"}
    assert "hold" not in acts_named("Trump Plans Call With Putin")  # what "Trump Holds Call…" reports is new
