"""The kind of a piece, from what real feeds say: headline labels, URL sections, categories, text, feed name."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.kinds import KINDS, kind_of

FT = "https://archive.is/newest/https://www.ft.com/content/1d593248-df33-4bd2-b648-5338dfd9546a"
WSJ = "https://archive.is/newest/https://www.wsj.com/economy/trade/trump-steel-tariffs-legal-de400826"
ECONOMIST = "https://archive.is/newest/https://www.economist.com/finance-and-economics/2025/06/01/will-the-uae-break-opec"

# Real items of the daily snapshots (shared/data/daily, daily_extra): (title, url, text) -> kind.
REAL = [
    # WSJ World News carries the Opinion section, labelled in the headline and the path.
    ("Opinion | Bondi Bends on Abrego Garcia",
     "https://archive.is/newest/https://www.wsj.com/opinion/bondi-bends-on-abrego-garcia-788a79bd", "", "opinion"),
    ("Heard on the Street: Are steel tariffs as bulletproof as investors seem to believe?", WSJ, "", "analysis"),
    ("Capital Account: Trump has hit his tariff goals, for now. But these deals don’t yet represent a new order",
     "https://archive.is/newest/https://www.wsj.com/economy/trade/trumps-new-trade-order-is-fragile-ef8bb49a", "",
     "analysis"),
    ("Live Q&A: Ask Us Your Questions About the Iran-Israel Conflict",
     "https://archive.is/newest/https://www.wsj.com/world/middle-east/iran-israel-conflict-questions-cbdf080d", "",
     "live"),
    ("U.S. Factory Activity Slips Further as Trade Policies Weigh, ISM Says",
     "https://archive.is/newest/https://www.wsj.com/economy/u-s-factory-activity-slips-further-315d5470",
     "The Institute for Supply Management said Monday that its index fell to 48.5 in May.", "news"),
    ("Week Ahead for FX, Bonds: U.S. Inflation Data in Focus", WSJ, "", "news"),
    # FT (myFT following): section tags end the description; newsletters open with "Plus, ...".
    ("Dollar slides towards 3-year low as weak US data stokes economic fears", FT,
     "Treasuries under pressure following warnings on US debt load\n\nMarkets", "news"),
    ("Oaktree’s Italian football foray", FT,
     "Plus, Dai-ichi Life/M&G tie-up, dollar/Treasury yield correlation, and Daniel Katz at Sotheby’s\n\nMarkets",
     "newsletter"),
    ("The debt limit is still a thing", FT, "Plus copper tariffs\n\nMarkets", "newsletter"),
    ("Court throws Donald Trump’s tariffs into doubt", FT,
     "Also in today’s newsletter, US says it will ‘aggressively’ revoke Chinese student visas\n\nMarkets",
     "newsletter"),
    ("FirstFT: Ukraine and US move closer to signing minerals deal", FT, "", "newsletter"),
    ("The case for Trump’s tariffs", FT,
     "The arguments are believed more widely than the Maga camp, but that does not make them any more right"
     "\n\nFree Lunch", "opinion"),
    ("The S&P 500 is still significantly overpriced", FT,
     "Investors are yet to fully factor in tariffs and hits to AI and US exceptionalism\n\nFree Lunch, Markets",
     "opinion"),
    ("How Hollywood learnt to love video games", FT,
     "While superhero franchises flag, ‘A Minecraft Movie’ shows the industry has finally cracked the formula"
     "\n\nThe Big Read", "analysis"),
    ("Trade war live: Trump says no extension to August tariff deadline", FT,
     "Washington sent letters to 14 trading partners\n\nMarkets", "live"),
    ("Robotaxis, tech earnings and 24-hour trading", FT, "On today’s show, three topics from the Lex column\n\nMarkets",
     "media"),
    ("Monzo revenues hit £1bn for first time", FT,
     "London-based fintech reports rise in profits but plays down speculation of imminent IPO\n\nMarkets", "news"),
    ("How Live Nation calls the tune for the live music industry", FT, "Rivals and competition experts fear ...",
     "analysis"),
    # NYT: live blogs and videos by path; the daily briefing newsletter.
    ("Here’s the latest.",
     "https://archive.is/newest/https://www.nytimes.com/live/2025/05/08/us/trump-uk-trade-news/heres-the-latest", "",
     "live"),
    ("Did Trump Manipulate the Stock Market?",
     "https://archive.is/newest/https://www.nytimes.com/video/business/economy/100000010106635/did-trump.html", "",
     "media"),
    ("Thursday Briefing: Antiracism Protesters Gather in Britain",
     "https://www.nytimes.com/2024/08/07/briefing/britain-antiracism-protests-us-presidential-election.html", "",
     "newsletter"),
    ("As Courts Call Tariffs Into Question, Trump Again Turns to His Favorite Tool",
     "https://archive.is/newest/https://www.nytimes.com/2025/06/02/business/economy/trump-tariffs-courts.html", "",
     "news"),
    # The Economist's Finance & economics section is its reporting.
    # A question in the headline: the piece argues or explains (the Economist's analysis style).
    ("Will the UAE break OPEC?", ECONOMIST, "We find that the Emiratis are flouting the cartel’s rules", "analysis"),
    # The Atlantic: Ideas is its opinion section.
    ("Britain Rules on What a Woman Is",
     "https://archive.is/newest/https://www.theatlantic.com/ideas/archive/2025/04/britain-rules-woman/682511/", "",
     "opinion"),
    ("The Curse of ChatGPT",
     "https://archive.is/newest/https://www.theatlantic.com/newsletters/archive/2025/04/was-chatgpt/682509/", "",
     "newsletter"),
    ("Photos of the Week: Holy Week, Tapir Calf, Whale Kites",
     "https://archive.is/newest/https://www.theatlantic.com/photo/2025/04/photos-of-the-week/682496/", "", "media"),
    # CNN and BBC (daily_extra).
    ("Opinion: Why millionaires like us want to pay more in taxes",
     "https://www.cnn.com/2023/04/17/opinions/us-tax-system-wealthy-disney-pearl/index.html", "", "opinion"),
    ("Podcast: One country musician is calling for other artists to oppose assault rifles",
     "https://www.cnn.com/audio/podcasts/the-assignment/episodes/42a2f0e2", "", "media"),
    ("Review: 'Barry' takes a whack at its farewell season",
     "https://www.cnn.com/2023/04/14/entertainment/barry-season-4-review/index.html", "", "opinion"),
    ("Fox News-Dominion trial", "https://www.cnn.com/business/live-news/fox-news-dominion-trial-04-18-23/index.html",
     "", "live"),
    ("Moment Ukrainian troops cross into Russia", "https://www.bbc.com/news/videos/c4g3x2z8yg8o", "", "media"),
    ("Ukraine's incursion shows Russia's war is not going to plan", "https://www.bbc.com/news/articles/cy4y3529v7vo",
     "", "news"),
]  # fmt: skip


@pytest.mark.parametrize(("title", "url", "text", "kind"), REAL, ids=[row[0][:40] for row in REAL])
def test_real_items(title: str, url: str, text: str, kind: str) -> None:
    assert kind_of(title, url, text=text) == kind


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://www.ft.com/lex/unilever-spin-off", "opinion"),  # the FT's Lex column
        ("https://www.economist.com/leaders/2025/05/29/how-to-fix-the-fed", "opinion"),
        ("https://www.economist.com/by-invitation/2025/05/29/a-guest-essay", "opinion"),
        ("https://www.economist.com/briefing/2025/05/29/the-long-view", "analysis"),  # not a newsletter there
        ("https://www.theguardian.com/commentisfree/2025/jun/02/the-view", "opinion"),
        ("https://www.reuters.com/breakingviews/a-deal-too-far-2025-06-02/", "opinion"),
        ("https://www.nytimes.com/newsletters/2025/06/02/dealbook", "newsletter"),
        ("https://www.youtube.com/watch?v=abc", "media"),
        ("https://web.archive.org/web/20250602000000/https://www.wsj.com/opinion/x-1", "opinion"),
        ("https://www.wsj.com/world/live-shows-return-1", "news"),  # "live" inside a slug is no section
        ("https://www.ft.com/content/opinion", "news"),  # nor is the last segment
        ("https://www.wsj.com/economy/trade/trump-tariffs-countries-trade-explained-7f826419", "analysis"),
        ("not a url", "news"),
    ],
)
def test_url_sections(url: str, kind: str) -> None:
    assert kind_of("A headline", url) == kind


def test_title_labels_beat_the_url_and_trailing_labels_count() -> None:
    assert kind_of("Analysis: Why rates rose", "https://example.com/opinion/x/y") == "analysis"
    assert kind_of("Britain needs a plan | Opinion", None) == "opinion"
    assert kind_of("The Guardian view on the budget: a missed chance", None) == "opinion"
    assert kind_of("Explainer: What a rate cut means", None) == "analysis"
    assert kind_of("Places to live: the best towns", None) == "news"  # not a live blog
    assert kind_of("Trump: 'We will win'", None) == "news"  # a speaker, not a section


def test_categories_count_only_when_they_name_a_kind() -> None:
    assert kind_of("A headline", None, ["Politics", "Opinion"]) == "opinion"
    assert kind_of("A headline", None, ["Podcasts"]) == "media"
    # NYT's subject tags mention opinion polls: a subject, not a section.
    assert kind_of("A headline", None, ["Polls and Public Opinion", "Politics and Government"]) == "news"


def test_feed_name_is_the_last_resort() -> None:
    assert kind_of("A headline", "https://www.wsj.com/articles/x-1", feed_name="WSJ.com: Opinion") == "opinion"
    assert kind_of("A headline", None, feed_name="The Economist: Podcasts") == "media"
    assert kind_of("A headline", None, feed_name="WSJ.com: World News") == "news"
    assert kind_of("A headline", None, feed_name="Newsletters of the FT") == "newsletter"
    # A label in the headline is stronger than the feed it came in.
    assert kind_of("Live: the count", None, feed_name="Opinion") == "live"


def test_a_long_last_paragraph_is_no_topic_line() -> None:
    text = "First paragraph.\n\nThe review of the bank's lending will report next month, officials said."
    assert kind_of("Bank under scrutiny", None, text=text) == "news"


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(),
    url=st.one_of(st.none(), st.text(), st.builds(lambda rest: "https://archive.is/newest/" + rest, st.text())),
    categories=st.lists(st.text(), max_size=4),
    feed_name=st.text(),
    text=st.text(),
)
def test_any_input_gives_a_known_kind(title: str, url: str | None, categories: list[str], feed_name: str,
                                      text: str) -> None:
    assert kind_of(title, url, categories, feed_name, text) in KINDS


@pytest.mark.parametrize(("title", "kind"), [
    ("South Korea Elects Its Next President: What to Know", "analysis"),
    ("Will Trump come after the Community Reinvestment Act?", "analysis"),
    ("Why nature loss matters to companies — and what they can do", "analysis"),
    ("How to break China’s stranglehold on critical minerals", "analysis"),
    ("Who would pay America’s “revenge tax” on foreigners?", "analysis"),
    ("President Trump’s tariff rollout has taken numerous twists and turns since launching earlier this year. "
     "Here’s a roundup of where things stand.", "analysis"),
    ("See the Secret Networks Smuggling Drugs to the U.S. From Latin America", "analysis"),
    ("Here's how the Fed's new framework works", "analysis"),
    # The story behind the news: a headline opening with how or what (real season headlines).
    ("How Labor Unions Came to Define the L.A. Immigration Protests", "analysis"),
    ("How China Curbed Its Oil Addiction—and Blunted a U.S. Pressure Point", "analysis"),
    ("What Lobsters and Chickens Reveal About Europe’s Trade Strategy", "analysis"),
    ("Six chilling charts to send investors squirming this Hallowe’en", "analysis"),
    ("A Visual Guide to Trump’s State Visit to the U.K.", "analysis"),
    ("‘While Israel Slept’ Review: The Road to Disaster", "opinion"),
    ("Book Review: The Making of a Central Banker", "opinion"),
    ("Fed Review: Officials Weigh Changes to Bank Rules", "news"),
    # News that merely starts like a question word stays news: a title, an exclamation, a standfirst as headline.
    ("Will Smith wins best actor", "news"),
    ("How I Met Your Mother Finale Reaches A Series High In The Ratings", "news"),
    ("What A Treat! Johnny Depp Gets Handsy With Amber Heard", "news"),
    ("Howard Lutnick Is Using Government Power to Pressure Private Companies", "news"),
    ("What began as an experiment during the pandemic to lure people back to small towns and cities in the "
     "American West is now a lifeline.", "news"),
    ("Ten Killed in Bus Crash", "news"),
    ("Ukraine Says It Destroyed Dozens of Warplanes Deep Inside Russia", "news"),
    ("Israel strikes Iran's nuclear sites", "news"),
    ("Seeing red: markets slide as tariffs bite", "news"),
    ("Prince Andrew Stripped of Royal Title by King Charles", "news"),
])
def test_explainers_and_questions_are_analysis(title: str, kind: str) -> None:
    assert kind_of(title, None) == kind


@pytest.mark.parametrize(("text", "kind"), [
    # Real standfirsts from the season's feeds: the writer's own voice is a column, an editorial or a feature.
    ("Their role powering the growth of key industries means we cannot ignore economic security risks", "opinion"),
    ("Our experts discuss which companies to buy, sell or hold this week", "opinion"),
    ("I’ve loved the AI boom this year and don’t want it to stop", "opinion"),
    ("Industrial agriculture is failing us — but markets have found a solution", "opinion"),
    # News: first person only inside quotes or after a speaker's colon, and capitals that are no pronoun.
    ("“We will not back down,” the minister said of the strike.", "news"),
    ("China sent a trade envoy with a clear message: We’re willing to talk.", "news"),
    ("The U.S. and the I.R.S. said the rules would change; World War I veterans will be honoured.", "news"),
    ("Truong My Lan was sentenced to death for embezzlement.", "news"),
])
def test_a_standfirst_in_the_first_person_is_opinion(text: str, kind: str) -> None:
    assert kind_of("A headline about markets", "https://www.ft.com/content/1", text=text) == kind


@pytest.mark.parametrize(("text", "kind"), [
    ("A conversation about the long-term measurable effects of populist policies", "media"),  # FT, Martin Wolf
    ("An interview with Michael Pettis", "media"),
    ("A conversation took place between the two leaders on Tuesday.", "news"),
])
def test_a_conversation_or_interview_is_media(text: str, kind: str) -> None:
    assert kind_of("Martin Wolf on the economics of populism", "https://www.ft.com/content/1", text=text) == kind


@pytest.mark.parametrize(("title", "kind"), [
    # FT and Atlantic headlines of the 2025 season, labelled news by their feeds
    ("Stablecoins should be treated as currency", "opinion"),
    ("The EU needs to step up its challenge to the dollar", "opinion"),
    ("US clean energy rollback would be a strategic blunder", "opinion"),
    ("Universal basic credit would create a fair AI economy", "opinion"),
    ("A Loophole That Would Swallow the Constitution", "opinion"),
    ("Investors must not let the tariff drama cloud their judgment", "opinion"),
    # news that "would" or "should": a bill's projected effect, a forecast, someone quoted, a long WSJ summary
    ("House Policy Bill Would Add $3.4 Trillion to Debt, Swamping Economic Gains", "news"),
    ("Higher Tariffs Would Likely Spur ECB to Further Cut Rates", "news"),
    ("Bank of England Should Slow Interest-Rate Cuts, Pill Says", "news"),
    ("Fed’s Waller Says Central Bank Should Cut Rates in July", "news"),
    ("The Trump administration is preparing a report that would lay out alleged shortcomings at the Federal "
     "Reserve, officials said", "news"),
    ("Donald Trump’s steel tariffs prompt anger and warnings of ‘catastrophic’ job cuts", "news"),
])
def test_a_headline_that_prescribes_in_its_own_voice_is_opinion(title: str, kind: str) -> None:
    assert kind_of(title, "https://www.ft.com/content/0") == kind


@pytest.mark.parametrize(("title", "kind"), [
    # FT and Economist headlines of the 2025 season, labelled news by their feeds
    ("Greed is my fourth-quarter investment strategy", "opinion"),
    ("We’re being too gloomy about UK stocks", "opinion"),
    ("How my views on Hong Kong’s future have evolved", "opinion"),
    ("Trump’s move to fire us is a terrible warning for the US economy", "opinion"),
    ("FTAV Q&A: Gappy Paleologo", "opinion"),
    ("It’s time for the second draft of globalisation", "opinion"),
    ("Now is the time for Argentina to float the peso", "opinion"),
    ("Time to think the unthinkable about bank regulation", "opinion"),
    ("Time to act on climate, says IMF chief", "news"),
    ("Fed Cuts Rates for First Time This Year", "news"),
    ("Time To Sell? Twitter Falls To New Post-IPO Lows After Lockup Expires", "news"),  # Title Case: a label
    ("Selena Gomez gives inspirational speech to excited fans at first We Day youth event", "news"),
    # the first person in quotes or reported speech, and "US" the country, are news
    ("‘We will not back down’: Zelensky rejects ceasefire terms", "news"),
    ("We will not back down, says Zelensky", "news"),
    ("US and China agree to pause tariffs for 90 days", "news"),
])
def test_a_headline_in_the_writers_own_voice_is_opinion(title: str, kind: str) -> None:
    assert kind_of(title, "https://www.ft.com/content/0") == kind


@pytest.mark.parametrize(("title", "kind"), [
    # WSJ and FT features and explainers of the 2025 season, labelled news by their feeds
    ("Inside the Low-Tech Heist That Penetrated the Louvre", "analysis"),
    ("A Guide to China’s New Weapons on Parade in Beijing", "analysis"),
    ("Five Takeaways From Milei’s Surprising Victory in Argentina’s Election", "analysis"),
    ("Four charts show how the condo market is floundering", "analysis"),
    ("A look at the trade that crosses the Atlantic between the U.S. and the U.K.", "analysis"),
    # the words elsewhere: a report
    ("Insider Trading Charges Filed Against Former Executive", "news"),
    ("Police Find Five Things Missing From the Louvre", "news"),
])
def test_features_and_explainers_by_their_opening_are_analysis(title: str, kind: str) -> None:
    assert kind_of(title, "https://www.wsj.com/world/x-1") == kind


@pytest.mark.parametrize(("title", "kind"), [
    # the 2025 season's features by their headline's shape, labelled news by their feeds
    ("He’s Held in El Salvador’s Mega-Prison, Without Any Criminal Charges", "analysis"),
    ("They Set Out to Find the American Dream. They’re Stuck in a Mexican Nightmare.", "analysis"),
    ("Meet the China Factory Owner Who Voted for Trump and Doesn’t Regret It", "analysis"),
    ("This 95-Year-Old Dreams of Walking Home to North Korea", "analysis"),
    ("These Charts Show How Putin Is Defying Trump by Escalating Airstrikes on Ukraine", "analysis"),
    ("Behind Indonesia Protests, a Growing Economy That Doesn’t Deliver", "analysis"),
    ("Who Joined Putin in Moscow to Celebrate Victory Day", "analysis"),
    ("Her Husband Went Missing Fighting Russia. She Is Still Trying to Have His Baby.", "analysis"),
    ("Kenya Is Desperate to Pay Off Staggering Debt. Its Workers Are Paying the Price.", "analysis"),
    ("Holding gold hasn’t worked. Buy gold.", "analysis"),
    # the same openings and stops elsewhere: reports
    ("WHO Declares Mpox a Global Health Emergency", "news"),
    ("U.S. Frees Hundreds of South Koreans Without Handcuffs After Immigration Raid", "news"),
    ("‘Tariffs have lowered our exports,’ Bank of Canada Gov. Tiff Macklem says", "news"),
    ("American Bankers Are Making a Mint Helping China Inc. Go Global", "news"),
    ("Sen. Warren Presses Fed on Bank Rules", "news"),
    ("Heist at Louvre Leaves Museum Missing Priceless Jewels", "news"),
    ("Thessaly Floods Kill 12 in Greece", "news"),  # "The..." is no "These"
    # a longer "headline" is a standfirst some feeds give as the title: two sentences of a news report
    ("The Commerce Department said gross domestic product fell at an annual rate of 0.3%. Economists had expected "
     "growth, and the decline was driven by imports", "news"),
])
def test_features_by_their_headlines_shape_are_analysis(title: str, kind: str) -> None:
    assert kind_of(title, "https://www.wsj.com/world/x-1") == kind
