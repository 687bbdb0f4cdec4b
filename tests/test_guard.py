"""The faithfulness guard on hand-written faithful and unfaithful summaries."""

from __future__ import annotations

import pytest

from briefing.summarize.guard import Guard, GuardSettings, extract_numbers, identifiers, negation_flip

from .helpers import WordVectors

SOURCES = [
    "Storm Ciara hits Wales. Storm Ciara brought winds of 90 mph to the Welsh coast on Sunday, cutting power "
    "to 2,500 homes. The Met Office said the damage would cost about $90m to repair. Officials did not order "
    "an evacuation of Cardiff. \"We have never seen anything like it,\" said Mayor Huw Thomas.",
    "Power cut to thousands as Ciara batters Wales. Engineers restored power to most homes by Monday evening, "
    "Western Power said. Rail services between Cardiff and Swansea were suspended for three days.",
]

FAITHFUL = [
    "Storm Ciara brought 90 mph winds to the Welsh coast on Sunday and cut power to 2500 homes.",
    "The Met Office said repairs would cost about $90 million.",
    "Officials did not order an evacuation of Cardiff.",
    "Rail services between Cardiff and Swansea were suspended for three days.",
]


def words() -> WordVectors:
    """The stand-in encoder, with the names of the summaries above in its vocabulary."""
    return WordVectors(dim=512, vocabulary={"storm", "power", "homes", "wales", "the", "mayor", "winds", "cardiff",
                                            "swansea"})


@pytest.fixture
def guard() -> Guard:
    return Guard(words(), GuardSettings(min_similarity=0.45, reverse_similarity=0.6))


def test_numbers_are_normalised() -> None:
    assert extract_numbers("2,500 homes") == extract_numbers("2500 homes") == {2500.0}
    assert extract_numbers("$90m") == extract_numbers("$90 million") == extract_numbers("90 mn") == {90e6}
    assert extract_numbers("5%") == extract_numbers("5 percent") == {5.0}
    assert extract_numbers("three days") == {3.0}
    assert extract_numbers("twenty-five people") == {25.0}
    assert extract_numbers("1.5bn") == {1.5e9}
    assert extract_numbers("two million") == {2e6}
    assert extract_numbers("one of the") == set()


def test_faithful_sentences_pass(guard: Guard) -> None:
    checks = guard.check(FAITHFUL, SOURCES)
    assert [c.reason for c in checks] == [None] * len(FAITHFUL)


@pytest.mark.parametrize(("sentence", "reason"), [
    ("Storm Ciara brought 90 mph winds to the Welsh coast on Sunday and cut power to 3,500 homes.", "number"),
    ("The Met Office said repairs would cost about $80 million.", "number"),
    ("Rail services between Cardiff and Swansea were suspended for four days.", "number"),
    ("Storm Ciara brought 90 mph winds to the Welsh coast on Tuesday and cut power to 2500 homes.", "date"),
    ("Storm Ciara brought 90 mph winds to the Welsh coast in 2019.", "date"),
    ("Rail services between Cardiff and Bristol were suspended for three days.", "name"),
    ("Officials did not order an evacuation of Newport.", "name"),
    ("Mayor Huw Thomas said: \"We have never seen such damage.\"", "quote"),
    ("Officials ordered an evacuation of Cardiff.", "negation"),
    ("Engineers did not restore power to most homes by Monday evening, Western Power said.", "negation"),
    ("The storm also damaged the roof of a school.", "unsupported"),
])
def test_unfaithful_sentences_are_dropped_with_the_reason(guard: Guard, sentence: str, reason: str) -> None:
    check = guard.check([FAITHFUL[0], sentence], SOURCES)
    assert check[0].ok
    assert check[1].reason == reason, check[1].detail


def test_round_figures_may_approximate_but_precise_ones_may_not(guard: Guard) -> None:
    sources = ["The whale swam 10,190 miles from Russia to Mexico, scientists said."]
    ok = guard.check(["The whale swam more than 10,000 miles from Russia to Mexico."], sources)
    assert ok[0].ok
    wrong = guard.check(["The whale swam more than 10,200 miles from Russia to Mexico."], sources)
    assert wrong[0].reason == "number"
    too_far = guard.check(["The whale swam more than 20,000 miles from Russia to Mexico."], sources)
    assert too_far[0].reason == "number"


def test_negation_must_bear_on_what_the_sources_negate() -> None:
    negated = ["officials", "can"]
    assert negation_flip("Officials can not confirm the toll.", ["confirm"]) is None
    assert negation_flip("Officials can not confirm the toll.", negated) is not None
    assert negation_flip("Officials confirmed the toll.", [], closest="Officials did not confirm the toll.")
    assert negation_flip("Officials confirmed the toll.", [], closest=None) is None


def test_lower_cased_text_takes_names_from_the_vocabulary() -> None:
    guard = Guard(words(), GuardSettings(min_similarity=0.3))
    sources = ["storm ciara cut power to homes in cardiff , officials said ."]
    # "bristol" is not a common word (the stand-in vocabulary lacks it) and no source has it
    assert guard.check(["storm ciara cut power to homes in bristol ."], sources)[0].reason == "name"
    # "swansea" is in the vocabulary: in lower-cased text a common-looking word is not taken for a name
    assert guard.check(["storm ciara cut power to homes in swansea ."], sources)[0].reason is None


def test_one_batch_for_many_summaries() -> None:
    encoder = words()
    guard = Guard(encoder, GuardSettings(min_similarity=0.45))
    results = guard.check_many([(FAITHFUL, SOURCES), (["The storm damaged a school roof."], SOURCES)])
    assert encoder.calls == 1
    assert all(c.ok for c in results[0]) and results[1][0].reason == "unsupported"


def test_verdict_keeps_what_passed_and_falls_back_when_too_little_is_left(guard: Guard) -> None:
    sentences = [FAITHFUL[0], "Officials ordered an evacuation of Newport.", FAITHFUL[3]]
    verdict = guard.apply(sentences, guard.check(sentences, SOURCES), backend="instruct", fallback=["extractive."])
    assert verdict.backend == "instruct"
    assert verdict.kept == (FAITHFUL[0], FAITHFUL[3])
    assert verdict.to_dict()["dropped"][0]["reason"] == "name"
    assert verdict.reason == "1 of 3 sentences dropped"

    short = ["Cardiff is wet.", "The storm also damaged the roof of a school."]
    verdict = guard.apply(short, guard.check(short, SOURCES), backend="instruct", fallback=["Lead one.", "Two."])
    assert verdict.backend == "extractive" and verdict.kept == ("Lead one.", "Two.")
    assert "extractive summary used" in (verdict.reason or "")
    empty = guard.apply([], [], backend="instruct", fallback=["Lead."])
    assert empty.backend == "extractive" and empty.reason == "the model wrote nothing"


def test_clean_summary_has_an_empty_verdict(guard: Guard) -> None:
    verdict = guard.apply(FAITHFUL, guard.check(FAITHFUL, SOURCES), backend="instruct", fallback=[])
    assert verdict.to_dict() == {"dropped": [], "reason": None}


@pytest.mark.slow
def test_real_minilm_tells_supported_from_invented_sentences() -> None:
    from briefing.embed import Encoder

    guard = Guard(Encoder())
    checks = guard.check([*FAITHFUL, "Thousands of residents fled to emergency shelters in England."], SOURCES)
    assert [c.reason for c in checks[:-1]] == [None] * len(FAITHFUL)
    assert checks[-1].reason in {"unsupported", "name"}


def test_a_sentence_of_words_no_source_uses_is_unsupported_when_coverage_is_asked() -> None:
    sentence = "Officials did not order an evacuation of Cardiff, blaming budget shortfalls and staffing disputes."
    loose = Guard(words(), GuardSettings(min_similarity=0.3, min_coverage=0.0))
    assert loose.check([sentence], SOURCES)[0].ok
    strict = Guard(words(), GuardSettings(min_similarity=0.3, min_coverage=0.7))
    check = strict.check([sentence], SOURCES)[0]
    assert check.reason == "unsupported" and "budget" in check.detail
    assert all(c.ok for c in strict.check(FAITHFUL, SOURCES))


def test_a_short_decade_is_the_decade_the_sources_write_in_full(guard: Guard) -> None:
    sources = ["Alice Barker was a dancer in the 1930s and 1940s at the Cotton Club in New York."]
    assert guard.check(["Alice Barker was a dancer in the 1930s and '40s."], sources)[0].ok
    assert guard.check(["Alice Barker was a dancer in the 1930s and ’40s."], sources)[0].ok
    wrong = guard.check(["Alice Barker was a dancer in the 1930s and '50s."], sources)[0]
    assert wrong.reason == "number" and "1950" in wrong.detail
    # the bare figure 40 is not the decade, nor the other way round
    assert guard.check(["Alice Barker was a dancer in the '40s."], ["She danced for 40 years."])[0].reason == "number"
    assert guard.check(["Alice Barker danced for 40 years."], sources)[0].reason == "number"
    assert guard.check(["Alice Barker was a dancer in the 1940s."], ["Alice Barker was a dancer in the '40s."])[0].ok


def test_number_words_are_whole_words() -> None:
    assert extract_numbers("dozens of tenants attended the fourth tennis match") == set()
    assert extract_numbers("ten tennis courts") == {10.0}
    assert extract_numbers("twenty tents") == {20.0}
    assert extract_numbers("a dozen eggs and twenty-five tents") == {12.0, 25.0}


def test_dozens_is_not_a_figure_the_sources_must_state(guard: Guard) -> None:
    sources = ["The Virgin Mary church in Minya was burned along with dozens of other churches in August 2013."]
    assert guard.check(["The Virgin Mary church was burned along with dozens of others in August 2013."],
                       sources)[0].ok
    assert guard.check(["The Virgin Mary church was burned along with 12 others in August 2013."],
                       sources)[0].reason == "number"


def test_a_quote_may_leave_words_out_with_an_ellipsis_but_not_change_them(guard: Guard) -> None:
    sources = ["The training materials read: \"It is offensive. It violates your responsibility to treat people "
               "equally. It diverts us from catching real criminals.\""]
    cut = "The materials say racial profiling \"is offensive ... it diverts us from catching real criminals\"."
    assert guard.check([cut], sources)[0].ok
    assert guard.check([cut.replace("...", "…")], sources)[0].ok
    changed = "The materials say racial profiling \"is offensive ... it helps us catch real criminals\"."
    check = guard.check([changed], sources)[0]
    assert check.reason == "quote" and "helps us catch" in check.detail


def test_a_short_name_in_the_possessive_is_the_name(guard: Guard) -> None:
    sources = ["Mystery balloons near Kim Jong Un’s capsized warship puzzle experts. North Korea said the warship "
               "was upright and stable."]
    assert guard.check(["North Korea said Kim Jong Un’s capsized warship was upright and stable."], sources)[0].ok
    assert guard.check(["North Korea said Kim Jong Un's capsized warship was upright and stable."], sources)[0].ok
    swapped = guard.check(["North Korea said Kim Yo Jong’s capsized warship was upright and stable."], sources)[0]
    assert swapped.reason == "name" and "yo" in swapped.detail


def test_a_country_and_its_adjective_name_the_same_place(guard: Guard) -> None:
    sources = ["French police arrested two Chinese tourists in Paris on Sunday, officials said."]
    faithful = ["Police in France arrested two tourists from China in Paris on Sunday, officials said."]
    assert [c.reason for c in guard.check(faithful, sources)] == [None]
    unfaithful = ["Police in France arrested two tourists from Japan in Paris on Sunday, officials said."]
    assert guard.check(unfaithful, sources)[0].reason == "name"
    assert guard.check(["Police in Spain arrested two Chinese tourists in Paris on Sunday."], sources)[0].reason \
        == "name"


def test_an_ordinal_word_in_a_source_backs_its_number(guard: Guard) -> None:
    sources = ["Netflix confirmed on Tuesday that a second season of Daredevil will be coming in 2016."]
    assert guard.check(["Netflix confirmed that Daredevil will be back for season 2 in 2016."], sources)[0].ok
    assert guard.check(["Netflix confirmed that Daredevil will be back for season 3 in 2016."], sources)[0].reason \
        == "number"


def test_a_name_with_digits_is_a_name_not_a_figure(guard: Guard) -> None:
    assert identifiers("COVID-19, Covid19 and the G20 summit; F-16 jets; flight MH370") == {
        "covid19", "g20", "f16", "mh370"}
    sources = ["COVID19 cases in the county rose to 12 last week, officials said. Leaders met at the G20 summit."]
    faithful = ["COVID-19 cases in the county rose to 12 last week, officials said.",
                "Leaders met at the G20 summit."]
    assert [c.reason for c in guard.check(faithful, sources)] == [None, None]
    # the 19 of "COVID-19" is no figure a source states
    killed = ["COVID-19 killed 12 people in the county last week, officials said."]
    assert guard.check(["COVID-19 killed 19 people in the county last week, officials said."], killed)[0].reason \
        == "number"
    assert guard.check(["Leaders met at the G7 summit."], sources)[0].reason == "name"
    # a common prefix leaves a figure a figure
    assert guard.check(["Over-55s cases in the county rose to 12 last week."], sources)[0].reason == "number"



def test_a_contracted_negation_is_a_negation(guard: Guard) -> None:
    assert guard.check(["Officials didn't order an evacuation of Cardiff."], SOURCES)[0].ok
    assert guard.check(["Engineers didn't restore power to most homes by Monday evening, Western Power said."],
                       SOURCES)[0].reason == "negation"
    assert negation_flip("Officials can't confirm the toll.", ["officials"]) is not None


def test_contractions_are_not_content_words() -> None:
    guard = Guard(words(), GuardSettings(min_similarity=0.3, min_coverage=0.9))
    sources = ["The council is not going to close the library, the mayor said on Monday."]
    assert guard.check(["The council isn't going to close the library."], sources)[0].ok
    assert guard.check(["The council does n't plan to close the library ."], ["The council plans to close the "
                                                                                 "library , and does not plan"])[0].ok
    assert guard.check(["It's clear they're going to close the library."],
                       ["The mayor said it is clear that they are going to close the library."])[0].ok
    assert guard.check(["The council isn't going to sell the library."], sources)[0].reason == "unsupported"


def test_a_name_without_its_accents_is_the_same_name(guard: Guard) -> None:
    sources = ["Durham police chief José López said the teen died from a self-inflicted gunshot."]
    assert guard.check(["Police chief Jose Lopez said the teen died from a self-inflicted gunshot."], sources)[0].ok
    assert guard.check(["Police chief Juan Lopez said the teen died from a self-inflicted gunshot."],
                       sources)[0].reason == "name"


def test_a_first_word_in_the_possessive_is_still_the_first_word() -> None:
    guard = Guard(WordVectors(dim=512, vocabulary={"women", "the"}), GuardSettings(min_similarity=0.3))
    sources = ["Girls in the region need more support, the charity said on Monday."]
    assert guard.check(["Women's groups say girls in the region need more support."], sources)[0].ok
    assert guard.check(["Obama's aides say girls in the region need more support."], sources)[0].reason == "name"


def test_number_words_compose_as_written(guard: Guard) -> None:
    assert extract_numbers("two hundred people") == {200.0}
    assert extract_numbers("three hundred thousand homes") == {300_000.0}
    assert extract_numbers("two hundred and fifty") == {250.0}
    assert extract_numbers("two dozen eggs") == {24.0}
    assert extract_numbers("fifteen hundred") == {1500.0}
    assert extract_numbers("five six") == {5.0, 6.0}
    assert extract_numbers("1.5 million") == {1.5e6}
    sources = ["Two hundred people were evacuated from Cardiff on Sunday, officials said."]
    assert guard.check(["200 people were evacuated from Cardiff on Sunday, officials said."], sources)[0].ok
    assert guard.check(["102 people were evacuated from Cardiff on Sunday, officials said."], sources)[0].reason \
        == "number"


def test_a_time_is_the_same_with_a_dot_or_a_colon(guard: Guard) -> None:
    sources = ["Liberty Island was evacuated by boat at around 12:30 p.m. on Friday, officials said."]
    assert guard.check(["Liberty Island was evacuated by boat at 12.30pm on Friday, officials said."], sources)[0].ok
    assert guard.check(["Liberty Island was evacuated by boat at 12.45pm on Friday, officials said."],
                       sources)[0].reason == "number"


def test_an_acronym_stands_for_the_capitalised_words_it_abbreviates(guard: Guard) -> None:
    sources = ["The National Rifle Association said its thoughts and prayers were with the Brady family."]
    assert guard.check(["The NRA said its thoughts and prayers were with the Brady family."], sources)[0].ok
    assert guard.check(["The NFL said its thoughts and prayers were with the Brady family."], sources)[0].reason \
        == "name"
    # only an acronym written in capitals: "Nra" is a name like any other
    assert guard.check(["The Nra said its thoughts and prayers were with the Brady family."], sources)[0].reason \
        == "name"


# --- issue #12, second pass: faithful forms the guard dropped, and the errors they must not let through ---------

FAR_APART = ["The city council approved a new budget for its schools on Tuesday. Heavy rain flooded several roads near "
             "the river. The fire brigade pumped water out of basements. Mayor Ann Lee resigned after the vote, saying "
             "she had lost the trust of her party."]


@pytest.mark.parametrize("any_two", [True, False])
def test_a_sentence_fusing_two_distant_source_sentences_is_supported(any_two: bool) -> None:
    guard = Guard(WordVectors(dim=512), GuardSettings(min_similarity=0.65, min_coverage=0, any_two=any_two))
    fused = guard.check(["The council approved the schools budget and Mayor Ann Lee resigned."], FAR_APART)[0]
    assert fused.ok is any_two, fused.detail  # 0.56 to either sentence alone, 0.69 to both together
    invented = guard.check(["The council cancelled the school parade and Mayor Ann Lee was arrested."], FAR_APART)[0]
    assert invented.reason == "unsupported"


def test_a_negated_word_is_found_in_the_sources_in_another_inflection() -> None:
    from briefing.summarize import guard as module

    negated = module.negated_words("The suspect did not run from the scene, police said.")
    assert negation_flip("The suspect never ran from the scene.", negated) is None  # "ran" is "run"
    assert negation_flip("The suspect ran from the scene.", [], closest="The suspect did not run from the scene.")
    assert module._same_word("ran", "run") and module._same_word("stole", "stealing")
    assert not module._same_word("ran", "rang")


def test_the_quantifier_no_bears_on_its_noun_and_the_claim() -> None:
    from briefing.summarize.guard import negated_words

    sources = negated_words("No one has claimed responsibility for the attack, police said.")
    assert negation_flip("No group has claimed responsibility for the attack.", sources) is None
    assert negation_flip("No group has attacked the police station.", sources) is not None
    assert negation_flip("Police have not claimed the group.", ["responsibility"]) is not None  # "not": one word


def test_the_polarity_kept_is_the_closer_sentence_s_not_its_neighbour_s() -> None:
    sources = ["Republicans hope the gender play backfires for Clinton in the race. If she overplays it, which she "
               "will not, it could backfire, aides say."]
    # closest to the pair (0.80), and of the two to the first sentence (0.67 against 0.52): no negation to keep
    sentence = ["Republicans hope the gender play backfires for Clinton if she overplays it, aides say."]
    for nearest, expected in ((True, None), (False, "negation")):
        guard = Guard(WordVectors(dim=512), GuardSettings(min_similarity=0.3, reverse_similarity=0.6, min_coverage=0,
                                                          nearest_polarity=nearest))
        check = guard.check(sentence, sources)[0]
        assert check.reason == expected, check.detail
    sources = ["Engineers did not restore power to the homes. Crews worked through the night, the company said."]
    flipped = Guard(WordVectors(dim=512), GuardSettings(reverse_similarity=0.6, min_coverage=0)).check(
        ["Engineers restored power to the homes, the company said."], sources)[0]
    assert flipped.reason == "negation", flipped.detail


REFUSED = ["The senator refused to testify before the committee on Monday, her office said."]
TESTIFIED = ["The senator testified before the committee on Monday, her office said."]


def test_a_refusal_in_the_sources_backs_a_negation_and_contradicts_the_plain_verb(guard: Guard) -> None:
    assert guard.check(["The senator did not testify before the committee on Monday."], REFUSED)[0].ok
    flipped = guard.check(["The senator testified before the committee on Monday."], REFUSED)[0]
    assert flipped.reason == "negation", flipped.detail
    refused = guard.check(["The senator refused to testify before the committee on Monday."], TESTIFIED)[0]
    assert refused.reason == "negation", refused.detail
    assert guard.check(["The senator testified before the committee on Monday."], TESTIFIED)[0].ok


def test_denials_and_failures_negate_what_follows_but_not_a_plain_decline() -> None:
    from briefing.summarize.guard import negated_words

    assert negated_words("He denied stealing the car.") == ["stealing"]
    assert negated_words("The bank failed to repay its debts.") == ["repay"]
    assert negated_words("Shares declined sharply on Monday.") == []  # "declined" negates only before "to"
    assert negation_flip("He did not steal the car.", negated_words("He denied stealing the car.")) is None
    assert negation_flip("He stole the car.", [], closest="He denied stealing the car.") is not None


# --- issue #12, third pass: first words, nicknames, and negations in the closest sentence that bear on nothing ------


def test_kiwi_names_new_zealand(guard: Guard) -> None:
    sources = ["New Zealand's prime minister apologised on Wednesday for pulling a waitress's hair, his office said."]
    assert guard.check(["Kiwi prime minister apologised for pulling a waitress's hair."], sources)[0].ok
    australia = ["Australia's prime minister apologised on Wednesday for pulling a waitress's hair, his office said."]
    assert guard.check(["Kiwi prime minister apologised for pulling a waitress's hair."], australia)[0].reason \
        == "name"


def test_a_first_word_derived_from_a_common_word_is_no_name() -> None:
    vocabulary = {"conservation", "fake", "superstar", "laud", "the"}
    guard = Guard(WordVectors(dim=512, vocabulary=vocabulary), GuardSettings(min_similarity=0.3))
    sources = ["A conservation worker built a cultural village in Rwanda for former poachers, using a fake permit to "
               "buy the land, where star footballers visited him."]
    # words the vocabulary lacks whole, but that are a vocabulary word with an ending: not names
    for sentence in ("Conservationists built a cultural village in Rwanda for former poachers.",
                     "Faked permit was used to buy the land for the cultural village in Rwanda.",
                     "Superstars visited the cultural village in Rwanda built for former poachers."):
        assert guard.check([sentence], sources)[0].ok, sentence
    # a name the vocabulary lacks is still one; "-er" is no ending that makes a common word ("Lauder" is a name)
    for sentence, name in (("Sabuhoro built a cultural village in Rwanda for former poachers.", "sabuhoro"),
                           ("Lauder built a cultural village in Rwanda for former poachers.", "lauder")):
        check = guard.check([sentence], sources)[0]
        assert check.reason == "name" and name in check.detail, check.detail


def _flip_guard() -> Guard:
    return Guard(WordVectors(dim=512), GuardSettings(min_similarity=0.3, reverse_similarity=0.6, min_coverage=0))


def test_a_rhetorical_negation_in_the_closest_sentence_negates_nothing_the_sentence_does_not_keep() -> None:
    sources = ["But Sudan is not just any rhino in the park, keepers say."]
    check = _flip_guard().check(["Sudan is a rare rhino in the park, keepers say."], sources)[0]
    assert check.ok, check.detail
    # the negation removed, "just" kept: a flip as before
    flipped = _flip_guard().check(["But Sudan is just any rhino in the park, keepers say."], sources)[0]
    assert flipped.reason == "negation", flipped.detail
    sources = ["This is not the first time the river has flooded the town, residents say."]
    flipped = _flip_guard().check(["This is the first time the river has flooded the town, residents say."], sources)[0]
    assert flipped.reason == "negation", flipped.detail
    sources = ["But Sudan is not a rhino in the park, keepers say."]
    flipped = _flip_guard().check(["Sudan is a rare rhino in the park, keepers say."], sources)[0]
    assert flipped.reason == "negation", flipped.detail
    from briefing.summarize.guard import negated_words

    assert negated_words("He isn't the only celebrity to walk out.") == ["celebrity"]  # elsewhere, as before


def test_a_creed_s_derived_forms_name_the_same_creed(guard: Guard) -> None:
    sources = ["Police said the dead man was a wanted Islamic extremist who had trained bomb makers in the south."]
    assert guard.check(["The dead man was a wanted Islamist extremist who had trained bomb makers."], sources)[0].ok
    check = guard.check(["The dead man was a wanted Buddhist extremist who had trained bomb makers."], sources)[0]
    assert check.reason == "name" and "buddhist" in check.detail, check.detail
