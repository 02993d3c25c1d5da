"""The Trends view read from a URL: what a link asks for, and what it falls back to when it cannot be used."""

from __future__ import annotations

from datetime import date

from dashboard.url_state import (
    EventLensView,
    SpikesView,
    TrendsView,
    default_trends_view,
    event_lens_view_from_params,
    spikes_view_from_params,
    trends_view_from_params,
)

ENTITY_IDS = ["trump", "putin", "zelensky", "biden", "nato"]
FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2025, 9, 10)


def view_from(params: dict) -> TrendsView:
    return trends_view_from_params(params, entity_ids=ENTITY_IDS, first_day=FIRST_DAY, last_day=LAST_DAY)


def test_a_bare_url_shows_the_usual_leaders_over_the_last_two_years_per_week():
    assert view_from({}) == TrendsView(
        entity_ids=("trump", "putin", "zelensky"),
        start=date(2023, 9, 10),
        end=date(2025, 9, 10),
        bucket="week",
        metric="articles",
    )


def test_a_full_url_restores_every_control():
    view = view_from(
        {"entities": "putin,nato", "from": "2018-01-01", "to": "2019-01-01", "bucket": "month", "metric": "share"}
    )

    assert view == TrendsView(("putin", "nato"), date(2018, 1, 1), date(2019, 1, 1), "month", "share")


def test_a_view_written_to_params_reads_back_the_same():
    view = TrendsView(("biden", "trump"), date(2020, 2, 29), date(2021, 3, 1), "day", "share")

    assert view_from(view.to_params()) == view


def test_a_smoothing_is_written_only_when_there_is_one_and_reads_back():
    smoothed = TrendsView(("putin",), date(2018, 1, 1), date(2019, 1, 1), "day", "share", smooth=7)

    assert smoothed.to_params()["smooth"] == "7"
    assert view_from(smoothed.to_params()) == smoothed
    assert "smooth" not in TrendsView(("putin",), date(2018, 1, 1), date(2019, 1, 1), "day", "share").to_params()


def test_a_smoothing_the_page_does_not_offer_means_none():
    for garbage in ("5", "0", "-7", "seven", "7.0", ""):
        assert view_from({"smooth": garbage}).smooth == 1
    assert view_from({"smooth": ["7", "3"]}).smooth == 3  # the last one, as for every parameter


def test_unknown_entities_are_dropped_and_none_left_means_the_default():
    assert view_from({"entities": "putin,nobody"}).entity_ids == ("putin",)
    assert view_from({"entities": "nobody,<script>"}).entity_ids == ("trump", "putin", "zelensky")
    assert view_from({"entities": ""}).entity_ids == ("trump", "putin", "zelensky")


def test_repeated_entities_parameters_are_read_too():
    assert view_from({"entities": ["trump", "biden,trump"]}).entity_ids == ("trump", "biden")


def test_garbage_dates_buckets_and_metrics_fall_back_to_defaults():
    view = view_from({"from": "last tuesday", "to": "2019-13-45", "bucket": "fortnight", "metric": "vibes"})

    assert (view.start, view.end, view.bucket, view.metric) == (date(2023, 9, 10), LAST_DAY, "week", "articles")


def test_dates_outside_the_corpus_are_clipped_to_it():
    view = view_from({"from": "1999-01-01", "to": "2030-01-01"})

    assert (view.start, view.end) == (FIRST_DAY, LAST_DAY)


def test_a_reversed_range_falls_back_to_the_default_range():
    view = view_from({"from": "2019-01-01", "to": "2018-01-01"})

    assert (view.start, view.end) == (date(2023, 9, 10), LAST_DAY)


def test_raw_is_read_as_plain_article_counts():
    assert view_from({"metric": "raw"}).metric == "articles"


def test_at_most_eight_entities_one_per_colour():
    many = [f"e{number}" for number in range(12)]
    view = trends_view_from_params(
        {"entities": ",".join(many)}, entity_ids=many, first_day=FIRST_DAY, last_day=LAST_DAY
    )

    assert view.entity_ids == tuple(many[:8])


def test_a_short_corpus_defaults_to_all_of_it():
    view = default_trends_view(ENTITY_IDS, first_day=date(2018, 6, 1), last_day=date(2018, 8, 31))

    assert (view.start, view.end) == (date(2018, 6, 1), date(2018, 8, 31))


def test_without_the_usual_leaders_the_first_entities_are_the_default():
    view = default_trends_view(["nato", "sanctions", "cyber", "energy"], first_day=FIRST_DAY, last_day=LAST_DAY)

    assert view.entity_ids == ("nato", "sanctions", "cyber")


def test_a_spike_link_restores_entity_and_episode():
    view = spikes_view_from_params({"entity": "putin", "spike": "putin:2018-07-14"}, entity_ids=ENTITY_IDS)

    assert view == SpikesView("putin", "putin:2018-07-14")
    assert view.to_params() == {"entity": "putin", "spike": "putin:2018-07-14"}


def test_a_spike_of_another_entity_or_an_unknown_entity_is_dropped():
    assert spikes_view_from_params({"entity": "putin", "spike": "trump:2018-07-14"}, entity_ids=ENTITY_IDS) == (
        SpikesView("putin", None)
    )
    assert spikes_view_from_params({"entity": "nobody"}, entity_ids=ENTITY_IDS) == SpikesView("trump", None)


def test_an_event_lens_link_restores_event_window_baseline_and_comparison():
    params = {"event": "helsinki_2018", "window": "5", "baseline": "14", "compare": "anchorage_2025"}

    view = event_lens_view_from_params(params, event_ids=["helsinki_2018", "anchorage_2025"])

    assert view == EventLensView("helsinki_2018", 5, 14, "anchorage_2025")
    assert view.to_params() == params


def test_an_unusable_event_lens_link_falls_back_to_helsinki_three_days_and_four_weeks():
    params = {"event": "nowhere", "window": "31", "baseline": "0", "compare": "helsinki_2018"}

    view = event_lens_view_from_params(params, event_ids=["helsinki_2018", "anchorage_2025"])

    assert view == EventLensView("helsinki_2018", 3, 28, None)  # comparing an event with itself says nothing


def test_a_query_spike_link_restores_the_query_and_its_episode_beside_the_entity():
    params = {"entity": "putin", "q": " putin AND helsinki ", "spike": "putin AND helsinki:2018-07-14"}

    view = spikes_view_from_params(params, entity_ids=ENTITY_IDS)

    assert view == SpikesView("putin", "putin AND helsinki:2018-07-14", query="putin AND helsinki")
    assert view.to_params() == {"entity": "putin", "q": "putin AND helsinki", "spike": "putin AND helsinki:2018-07-14"}
    # The entity's spike is not the query's; an empty query is none.
    assert spikes_view_from_params({"q": "helsinki", "spike": "trump:2018-07-14"}, entity_ids=ENTITY_IDS) == (
        SpikesView("trump", None, query="helsinki")
    )
    assert spikes_view_from_params({"entity": "putin", "q": "  "}, entity_ids=ENTITY_IDS) == SpikesView("putin")
