"""SQL-looking user text through every filter: a clean error or a literal result, and the tables intact after.

Every value a user types (CLI options, dashboard search and filters) reaches DuckDB as
a parameter, never as SQL. These tests prove it from the outside: injection attempts,
LIKE wildcards, quotes and backslashes either match literally or are refused in one
line, and afterwards every table still holds what it held and `check` finds nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import warehouse
from newstally.cli import main
from tests.conftest import SHIPPED_WATCHLIST, article
from warehouse.upkeep.integrity import check_integrity

HOSTILE = [
    "'; DROP TABLE articles; --",
    "Robert'); DROP TABLE mentions;--",
    "' OR '1'='1",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "\\'; DELETE FROM sources; --",
    "putin' --",
    "1; ATTACH '/tmp/x.db' AS x",
    "$text",
    "?",
]
# The CLI runs every option with these (each call is a whole command, so fewer strings).
CLI_HOSTILE = ["'; DROP TABLE articles; --", "' OR '1'='1", '" OR ""="', "%", "_", "\\'; DELETE FROM sources; --"]
# Text that cannot be passed through argv, only through functions the dashboard calls.
IN_PROCESS_ONLY = ["nul\x00byte", "\u202etrickery", "😀" * 300]
DAY = datetime(2018, 7, 16, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> warehouse.Warehouse:
    """One warehouse for the module: every test only adds rows, and checks what was there before survives."""
    fresh_warehouse = warehouse.open_warehouse(
        tmp_path_factory.mktemp("hostile") / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST
    )
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Putin is 100% sure", "rates rise", DAY),
            article("2", "Trump writes snake_case code", "", DAY),
            article("3", "Zelensky in Kyiv", "a back\\slash and O'Brien", DAY),
        ],
    )
    warehouse.store_articles(fresh_warehouse, "Outlet B", [article("4", "NATO summit", "", DAY)])
    warehouse.add_event(
        fresh_warehouse,
        warehouse.Event(
            event_id="hostile_test",
            name="Test summit",
            start_date=date(2018, 7, 16),
            end_date=date(2018, 7, 16),
            participants=("Putin",),
            place="Helsinki",
            entity_ids=("putin",),
        ),
    )
    return fresh_warehouse


def contents(wh: warehouse.Warehouse) -> dict[str, object]:
    """What must survive: the articles with their mentions, the entities and the calendar."""
    frame, total = warehouse.search_articles(wh, limit=1000)
    return {
        "articles": {
            int(article_id): (title, summary, tuple(entity_ids))
            for article_id, title, summary, entity_ids in zip(
                frame["article_id"], frame["title"], frame["summary"], frame["entity_ids"], strict=True
            )
        },
        "total": total,
        "entities": warehouse.list_entities(wh)["entity_id"].tolist(),
        "events": [event.event_id for event in warehouse.list_events(wh)],
    }


def assert_intact(wh: warehouse.Warehouse, before: dict) -> None:
    after = contents(wh)
    # Every article that was there is there unchanged, mentions included; the only newcomers
    # are the saved story that 'ingest-archive --source' stores once per outlet name.
    assert {key: after["articles"][key] for key in before["articles"]} == before["articles"]
    assert {title for key, (title, _, _) in after["articles"].items() if key not in before["articles"]} <= {
        "Saved story"
    }
    assert after["entities"] == before["entities"]
    assert set(before["events"]) <= set(after["events"])
    assert check_integrity(wh, watchlist_path=SHIPPED_WATCHLIST) == []


# --- the warehouse functions the dashboard calls ---------------------------------------------------


def test_search_text_is_literal_so_wildcards_match_only_themselves(seeded: warehouse.Warehouse):
    percent, total_percent = warehouse.search_articles(seeded, text="%")
    underscore, total_underscore = warehouse.search_articles(seeded, text="_")
    backslash, _ = warehouse.search_articles(seeded, text="\\")
    quote, _ = warehouse.search_articles(seeded, text="O'Brien")
    assert (percent["title"].tolist(), total_percent) == (["Putin is 100% sure"], 1)
    assert (underscore["title"].tolist(), total_underscore) == (["Trump writes snake_case code"], 1)
    assert backslash["title"].tolist() == ["Zelensky in Kyiv"]
    assert quote["title"].tolist() == ["Zelensky in Kyiv"]


def test_hostile_text_through_every_dashboard_filter_is_literal_or_refused(seeded: warehouse.Warehouse):
    before = contents(seeded)
    for text in HOSTILE + IN_PROCESS_ONLY:
        dashboard_filters_refuse_or_match_literally(seeded, text, before)
    assert_intact(seeded, before)


def dashboard_filters_refuse_or_match_literally(seeded: warehouse.Warehouse, text: str, before: dict) -> None:
    found, total = warehouse.search_articles(seeded, text=text)
    expected = sum(text.lower() in f"{title}\n{summary}".lower() for title, summary, _ in before["articles"].values())
    assert total == len(found) == expected
    found, total = warehouse.search_articles(seeded, source=text)
    assert (len(found), total) == (0, 0)
    refusals = [
        lambda: warehouse.search_articles(seeded, entity_id=text),
        lambda: warehouse.share_of_voice(seeded, [text], start=date(2018, 7, 1), end=date(2018, 7, 31)),
        lambda: warehouse.entity_series(seeded, [text]),
        lambda: warehouse.spike_episodes(seeded, entity_ids=[text]),
        lambda: warehouse.event_lens(seeded, text),
        lambda: warehouse.remove_event(seeded, text),
        lambda: warehouse.search_articles(seeded, tz=text),
        lambda: warehouse.source_volume(seeded, start=date(2018, 7, 1), end=date(2018, 7, 31), tz=text),
        lambda: warehouse.share_of_voice(seeded, ["putin"], start=date(2018, 7, 1), end=date(2018, 7, 31), tz=text),
        lambda: warehouse.entity_series(seeded, ["putin"], tz=text),
    ]
    for refused in refusals:
        with pytest.raises(warehouse.WarehouseError) as raised:
            refused()
        assert "\n" not in str(raised.value).strip()


def test_an_overlong_time_zone_name_is_refused_as_unknown(seeded: warehouse.Warehouse):
    with pytest.raises(warehouse.UnknownTimeZone):
        warehouse.search_articles(seeded, tz="Europe/" + "x" * 300)


def test_hostile_names_are_stored_and_read_back_literally(seeded: warehouse.Warehouse):
    before = contents(seeded)
    for number, text in enumerate(HOSTILE + IN_PROCESS_ONLY):
        names_are_stored_literally(seeded, text, f"named_oddly_{number}")
    assert_intact(seeded, before)


def names_are_stored_literally(seeded: warehouse.Warehouse, text: str, event_id: str) -> None:
    feed = warehouse.add_feed(seeded, "https://news.example/rss?q=" + text.replace("\x00", ""), source_name=text)
    assert feed.source_name == text
    assert text in {source.name for source in warehouse.list_sources(seeded)}
    event = warehouse.Event(
        event_id=event_id,
        name=text,
        start_date=date(2018, 7, 17),
        end_date=date(2018, 7, 17),
        participants=(text,),
        place=text,
        entity_ids=(),
    )
    warehouse.add_event(seeded, event)
    assert next(e for e in warehouse.list_events(seeded) if e.event_id == event_id).name == text
    found, total = warehouse.search_articles(seeded, source=text)
    assert (len(found), total) == (0, 0)  # the new outlet has no articles


# --- every CLI option that takes text ----------------------------------------------------------------


def cli_calls(text: str, tmp_path: Path) -> list[list[str]]:
    return [
        ["series", "--entity", text],
        ["series", "--entity", "putin", "--tz", text],
        ["series", "--entity", "putin", "--with", text],
        ["series", "--entity", "putin", "--from", text],
        ["export", "--out", str(tmp_path / "out.csv"), "--entity", text],
        ["export", "--out", str(tmp_path / "out.csv"), "--tz", text],
        ["spikes", "--entity", text],
        ["spikes", "--since", text],
        ["event-lens", text],
        ["events", "remove", text],
        ["events", "add", text, "--name", "x", "--start", "2018-07-16"],
        ["events", "add", "ok_id", "--name", "x", "--start", "2018-07-16", "--entities", text],
        ["events", "list", "--from", text],
        ["explain", text],
        ["feeds", "remove", text],
        ["feeds", "enable", text],
        ["comentions", "--from", text],
        ["feeds", "add", "https://news.example/feed?q=" + text, "--source", text, "--title", text],
        ["events", "add", "literal_names", "--name", text, "--start", "2018-07-16", "--place", text],
        ["ingest-archive", str(archive_file(tmp_path)), "--source", text + " archive"],
    ]


def archive_file(folder: Path) -> Path:
    """A saved feed whose one item is already stored under no other outlet: it adds one article per outlet name."""
    path = folder / "saved.xml"
    path.write_text(
        '<rss version="2.0"><channel><title>Saved</title><item><guid>saved-1</guid><title>Saved story</title>'
        "<pubDate>Mon, 16 Jul 2018 12:00:00 GMT</pubDate></item></channel></rss>",
        encoding="utf-8",
    )
    return path


def run_main(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as stopped:  # argparse refusing a value
        return int(stopped.code or 0)


def test_hostile_text_in_every_cli_option_is_refused_in_one_line_or_taken_literally(
    seeded: warehouse.Warehouse, tmp_path: Path, capsys
):
    before = contents(seeded)
    for text in CLI_HOSTILE:
        cli_refuses_or_stores_literally(seeded, text, tmp_path, capsys)
    assert_intact(seeded, before)


def cli_refuses_or_stores_literally(seeded: warehouse.Warehouse, text: str, tmp_path: Path, capsys) -> None:
    prefix = ["--db", str(seeded.path), "--watchlist", str(SHIPPED_WATCHLIST)]
    for call in cli_calls(text, tmp_path):
        code = run_main([*prefix, *call])
        err = capsys.readouterr().err
        assert code in (0, 2), (call, code, err)
        if code == 2:
            lines = [line for line in err.splitlines() if line.strip()]
            assert len(lines) == 1 and "error:" in lines[0], (call, err)
    sources = {source.name for source in warehouse.list_sources(seeded)}
    assert text in sources, "the --source given to 'feeds add' is stored as typed"
    assert text + " archive" in sources, "the --source given to 'ingest-archive' is stored as typed"
    assert next(e for e in warehouse.list_events(seeded) if e.event_id == "literal_names").place == text
