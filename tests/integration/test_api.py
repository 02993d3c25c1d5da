"""The HTTP API started for real (`newstally api`) over the hand-built spike corpus: the CLI's rows, tokens, ETags.

The corpus (tests/spike_corpus.py): three outlets, six stories a day each from 2018-06-01
to 2018-08-31, one of them about Putin and one about Trump; on 2018-07-14 each outlet
adds eight about Putin's reshuffle. So 3 × (92 × 6 + 8) = 1,680 articles, and on the 14th
27 of 42 articles mention Putin. The collection `times_herald` holds two of the three outlets:
on the 14th 18 of their 28 articles mention Putin.
"""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest

import newstally
import warehouse
from tests.integration.api_server import newstally as cli
from tests.integration.api_server import served_api
from tests.spike_corpus import build_spike_corpus

COLLECTION = "times_herald"


@dataclass
class Api:
    base: str
    db: Path
    token: str

    def get(self, path: str, *, token: str | None = "own", headers: dict | None = None, **params) -> httpx.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {self.token if token == 'own' else token}"
        return httpx.get(f"{self.base}{path}", params=params, headers=sent, timeout=60)


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[Api]:
    db = tmp_path_factory.mktemp("api") / "newstally.duckdb"
    build_spike_corpus(db)
    added = cli("feeds", "add", "https://outlet0.example/feed.xml", "--source", "Example Times", db=db)
    assert added.returncode == 0, added.stderr
    two = ("--source", "Example Times", "--source", "Example Herald")
    grouped = cli("collections", "add", COLLECTION, *two, db=db)
    assert grouped.returncode == 0, grouped.stderr
    created = cli("tokens", "create", "analyst", db=db)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert len(token) >= 40 and "\n" not in token
    with served_api(db) as base:
        yield Api(base, db, token)


def cli_rows(*args: str, db: Path) -> list[dict]:
    result = cli(*args, "--format", "json", db=db)
    assert result.returncode in (0, 1), result.stderr  # `status` exits 1 when a feed needs attention
    return json.loads(result.stdout)


def cli_csv(*args: str, db: Path) -> str:
    result = cli(*args, db=db)
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- the same rows as the CLI ---------------------------------------------------------------------

SERIES_CASES = {
    "two entities, days": (
        {"entity": "putin,trump", "from": "2018-07-10", "to": "2018-07-16"},
        ["--entity", "putin,trump", "--from", "2018-07-10", "--to", "2018-07-16"],
    ),
    "weeks in Berlin by outlet": (
        {"entity": "putin", "bucket": "week", "tz": "Europe/Berlin", "by_source": "true", "from": "2018-07-01"},
        ["--entity", "putin", "--bucket", "week", "--tz", "Europe/Berlin", "--by-source", "--from", "2018-07-01"],
    ),
    "share smoothed, unique, complete": (
        {"entity": "putin", "metric": "share", "smooth": "7", "unique": "true", "complete": "true", "to": "2018-07-20"},
        ["--entity", "putin", "--metric", "share", "--smooth", "7", "--unique", "--complete", "--to", "2018-07-20"],
    ),
    "two queries beside an entity": (
        {"entity": "putin", "query": ["reshuffle", "Trump OR Putin"], "from": "2018-07-10", "to": "2018-07-16"},
        [
            "--entity",
            "putin",
            "--query",
            "reshuffle",
            "--query",
            "Trump OR Putin",
            "--from",
            "2018-07-10",
            "--to",
            "2018-07-16",
        ],
    ),
    "a query alone, by outlet": (
        {"query": "Putin AND NOT reshuffle", "by_source": "true", "from": "2018-07-13", "to": "2018-07-15"},
        ["--query", "Putin AND NOT reshuffle", "--by-source", "--from", "2018-07-13", "--to", "2018-07-15"],
    ),
    "a collection by outlet": (
        {
            "entity": "putin,trump",
            "collection": COLLECTION,
            "by_source": "true",
            "from": "2018-07-13",
            "to": "2018-07-15",
        },
        [
            "--entity",
            "putin,trump",
            "--collection",
            COLLECTION,
            "--by-source",
            "--from",
            "2018-07-13",
            "--to",
            "2018-07-15",
        ],
    ),
    "a collection's share of a query, weeks": (
        {"query": "reshuffle", "collection": COLLECTION, "bucket": "week", "metric": "share", "from": "2018-07-01"},
        [
            "--query",
            "reshuffle",
            "--collection",
            COLLECTION,
            "--bucket",
            "week",
            "--metric",
            "share",
            "--from",
            "2018-07-01",
        ],
    ),
    "co-mentions by hour": (
        {"entity": "trump", "with": "putin", "bucket": "hour", "from": "2018-07-14", "to": "2018-07-14"},
        ["--entity", "trump", "--with", "putin", "--bucket", "hour", "--from", "2018-07-14", "--to", "2018-07-14"],
    ),
}


@pytest.mark.parametrize("case", SERIES_CASES)
def test_series_is_the_cli_output_in_csv_and_the_same_rows_in_json(api: Api, case: str):
    params, argv = SERIES_CASES[case]
    expected = cli_csv("series", *argv, db=api.db)
    as_csv = api.get("/v1/series", **params, format="csv")
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text == expected
    as_json = api.get("/v1/series", **params)
    assert as_json.status_code == 200
    pd.testing.assert_frame_equal(
        pd.DataFrame(as_json.json()["rows"]), pd.read_csv(io.StringIO(expected)), check_dtype=False
    )


def test_series_counts_the_reshuffle_day_as_worked_out_by_hand(api: Api):
    rows = api.get("/v1/series", entity="putin", **{"from": "2018-07-13", "to": "2018-07-14"}).json()["rows"]
    # 13th: 18 routine stories, 3 about Putin. 14th: 18 routine + 24 reshuffle = 42, 3 + 24 = 27 about Putin.
    assert rows == [
        {"bucket_start": "2018-07-13", "entity_id": "putin", "articles": 3, "mentions": 3, "total_articles": 18,
         "share": 0.166667},
        {"bucket_start": "2018-07-14", "entity_id": "putin", "articles": 27, "mentions": 27, "total_articles": 42,
         "share": 0.642857},
    ]  # fmt: skip


def test_a_collection_counts_its_outlets_only_as_worked_out_by_hand(api: Api):
    period = {"from": "2018-07-13", "to": "2018-07-14"}
    rows = api.get("/v1/series", entity="putin", collection=COLLECTION, **period).json()["rows"]
    # Two outlets of three. 13th: 12 routine stories, 2 about Putin. 14th: 12 routine + 16 reshuffle = 28, 2 + 16 = 18.
    assert [(row["bucket_start"], row["articles"], row["total_articles"], row["share"]) for row in rows] == [
        ("2018-07-13", 2, 12, 0.166667),
        ("2018-07-14", 18, 28, 0.642857),
    ]
    found = api.get("/v1/articles", entity="putin", collection=COLLECTION, **period).json()
    assert found["total_count"] == 20
    assert {row["source"] for row in found["rows"]} == {"Example Times", "Example Herald"}


def test_collection_on_spikes_event_lens_and_comentions_is_the_cli_rows(api: Api):
    chosen = ("--collection", COLLECTION)
    spikes = api.get("/v1/spikes", collection=COLLECTION).json()["rows"]
    assert spikes == cli_rows("spikes", *chosen, db=api.db)
    assert [(row["id"], row["peak_articles"], row["peak_total_articles"]) for row in spikes] == [
        ("putin:2018-07-14", 18, 28)
    ]
    lens = api.get("/v1/event-lens/helsinki_2018", window=2, collection=COLLECTION).json()["rows"]
    assert lens == cli_rows("event-lens", "helsinki_2018", "--window", "2", *chosen, db=api.db)
    assert lens != api.get("/v1/event-lens/helsinki_2018", window=2).json()["rows"]
    period = {"from": "2018-07-01", "to": "2018-07-31"}
    comentions = api.get("/v1/comentions", collection=COLLECTION, **period).json()["rows"]
    assert comentions == cli_rows("comentions", "--from", "2018-07-01", "--to", "2018-07-31", *chosen, db=api.db)


def test_queries_count_the_reshuffle_day_as_worked_out_by_hand(api: Api):
    params = {"query": ["reshuffle", "Trump OR Putin"], "from": "2018-07-13", "to": "2018-07-14"}
    rows = api.get("/v1/series", **params).json()["rows"]
    # 13th: no reshuffle; 3 Putin + 3 Trump stories of 18. 14th: 24 reshuffle stories, those and the 6 routine
    # ones of 42.
    assert [(row["bucket_start"], row["entity_id"], row["articles"], row["total_articles"]) for row in rows] == [
        ("2018-07-13", "reshuffle", 0, 18),
        ("2018-07-13", "Trump OR Putin", 6, 18),
        ("2018-07-14", "reshuffle", 24, 42),
        ("2018-07-14", "Trump OR Putin", 30, 42),
    ]


def test_spikes_of_a_query_are_the_cli_rows(api: Api):
    expected = cli_rows("spikes", "--query", "reshuffle", db=api.db)
    rows = api.get("/v1/spikes", query="reshuffle").json()["rows"]
    assert rows == expected
    assert [(row["id"], row["peak_articles"], row["peak_total_articles"]) for row in rows] == [
        ("reshuffle:2018-07-14", 24, 42)
    ]


def test_articles_found_by_a_query(api: Api):
    one_day = {"from": "2018-07-14", "to": "2018-07-14"}
    # The 27 Putin stories of the 14th less the 24 about the reshuffle: the three routine ones.
    found = api.get("/v1/articles", query="Putin AND NOT reshuffle", **one_day).json()
    assert found["total_count"] == 3
    assert all(row["title"].startswith("Putin: story 0 of 14 July") for row in found["rows"])
    assert api.get("/v1/articles", query="title:minister", **one_day).json()["total_count"] == 21


def test_spikes_are_the_cli_rows_in_json_and_csv(api: Api):
    expected = cli_rows("spikes", db=api.db)
    rows = api.get("/v1/spikes").json()["rows"]
    assert rows == expected
    assert [row["id"] for row in rows] == ["putin:2018-07-14"]
    as_csv = api.get("/v1/spikes", format="csv").text
    pd.testing.assert_frame_equal(
        pd.read_csv(io.StringIO(as_csv)), pd.read_csv(io.StringIO(cli_csv("spikes", "--format", "csv", db=api.db)))
    )


def test_event_lens_is_the_cli_rows_in_json_and_csv(api: Api):
    expected = cli_rows("event-lens", "helsinki_2018", "--window", "2", db=api.db)
    assert api.get("/v1/event-lens/helsinki_2018", window=2).json()["rows"] == expected
    as_csv = api.get("/v1/event-lens/helsinki_2018", window=2, format="csv").text
    shown = cli_csv("event-lens", "helsinki_2018", "--window", "2", "--format", "csv", db=api.db)
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(as_csv)), pd.read_csv(io.StringIO(shown)))


def test_comentions_events_and_feeds_are_the_cli_rows(api: Api):
    period = {"from": "2018-07-01", "to": "2018-07-31"}
    assert api.get("/v1/comentions", **period).json()["rows"] == cli_rows(
        "comentions", "--from", "2018-07-01", "--to", "2018-07-31", db=api.db
    )
    assert api.get("/v1/events", **period).json()["rows"] == cli_rows(
        "events", "list", "--from", "2018-07-01", "--to", "2018-07-31", db=api.db
    )
    feeds = api.get("/v1/feeds").json()["rows"]
    # `status --format json` writes a missing value as "", the API as null (as spikes and event-lens do).
    assert [{key: "" if value is None else value for key, value in feed.items()} for feed in feeds] == cli_rows(
        "status", db=api.db
    )
    assert [(feed["source"], feed["state"]) for feed in feeds] == [("Example Times", "new")]


def test_entities_and_sources_are_the_notebook_tables(api: Api):
    notebook = newstally.open(api.db)
    assert api.get("/v1/entities").json()["rows"] == notebook.entities().to_dict("records")
    sources = api.get("/v1/sources").json()["rows"]
    assert [source["name"] for source in sources] == ["Example Courier", "Example Herald", "Example Times"]


def test_articles_page_by_cursor_through_every_article_once(api: Api):
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        body = api.get("/v1/articles", **params).json()
        seen += [row["article_id"] for row in body["rows"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 4  # 1,680 articles: 500 + 500 + 500 + 180
    assert len(seen) == len(set(seen)) == 1680
    assert seen == list(newstally.open(api.db).articles(limit=None)["article_id"])


def test_article_filters_find_the_reshuffle_stories(api: Api):
    one_day = {"from": "2018-07-14", "to": "2018-07-14"}
    assert api.get("/v1/articles", entity="putin", **one_day).json()["total_count"] == 27
    # The shared headline (3 outlets) and seven own stories in each of them.
    found = api.get("/v1/articles", text="RESHUFFLE", format="csv")
    assert len(pd.read_csv(io.StringIO(found.text))) == 24
    page = api.get("/v1/articles", text="reshuffle", limit=10, format="csv")
    assert "Newstally-Next-Cursor" in page.headers
    assert 'rel="next"' in page.headers["link"]


# --- pandas on API URLs ---------------------------------------------------------------------------


def test_pandas_reads_csv_and_parquet_straight_from_the_api(api: Api):
    query = "entity=putin,trump&from=2018-07-10&to=2018-07-16"
    headers = {"Authorization": f"Bearer {api.token}"}
    expected = pd.read_csv(io.StringIO(cli_csv("series", "--entity", "putin,trump", "--from", "2018-07-10",
                                               "--to", "2018-07-16", db=api.db)))  # fmt: skip
    from_csv = pd.read_csv(f"{api.base}/v1/series?{query}&format=csv", storage_options=headers)
    pd.testing.assert_frame_equal(from_csv, expected)
    from_parquet = pd.read_parquet(f"{api.base}/v1/series?{query}&format=parquet", storage_options=headers)
    pd.testing.assert_frame_equal(from_parquet, expected, check_dtype=False)
    assert from_parquet.attrs["newstally"]["table"] == "series"


def test_provenance_has_the_export_sidecars_fields(api: Api, tmp_path: Path):
    out = tmp_path / "putin.csv"
    exported = cli("export", "--out", str(out), "--entity", "putin", "--from", "2018-07-01", db=api.db)
    assert exported.returncode == 0, exported.stderr
    sidecar = json.loads((tmp_path / "putin.csv.meta.json").read_text())
    response = api.get("/v1/series", entity="putin", **{"from": "2018-07-01"})
    meta = response.json()["meta"]
    assert set(sidecar) <= set(meta)
    for field in ("watchlist_hash", "time_zone", "bucket", "counting_rules", "corpus", "feeds", "columns", "rows"):
        assert meta[field] == sidecar[field], field
    assert meta["corpus"]["articles"] == 1680
    header = json.loads(response.headers["Newstally-Provenance"])
    assert header["watchlist_hash"] == sidecar["watchlist_hash"]
    assert header["rows"] == sidecar["rows"]


def test_provenance_records_the_collections_rule_and_outlets_as_the_sidecar_does(api: Api, tmp_path: Path):
    out = tmp_path / "grouped.csv"
    exported = cli("export", "--out", str(out), "--entity", "putin", "--collection", COLLECTION, db=api.db)
    assert exported.returncode == 0, exported.stderr
    sidecar = json.loads((tmp_path / "grouped.csv.meta.json").read_text())
    meta = api.get("/v1/series", entity="putin", collection=COLLECTION).json()["meta"]
    assert (
        meta["options"]["collection"]
        == sidecar["options"]["collection"]
        == {
            "name": COLLECTION,
            "rule": "picked by hand",
            "outlets": ["Example Herald", "Example Times"],
        }
    )
    assert meta["rows"] == sidecar["rows"]


# --- tokens ---------------------------------------------------------------------------------------


def test_without_a_valid_token_every_table_is_a_json_401(api: Api):
    for path in ("/v1/series?entity=putin", "/v1/spikes", "/v1/articles", "/v1/feeds", "/v1/event-lens/helsinki_2018"):
        for token in (None, "not-a-token"):
            response = api.get(path, token=token)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"
            assert "token" in response.json()["error"]
    assert api.get("/v1/spikes", token=None, headers={"Authorization": f"Basic {api.token}"}).status_code == 401


def test_openapi_docs_and_health_need_no_token(api: Api):
    assert api.get("/v1/health", token=None).json()["status"] == "ok"
    document = api.get("/openapi.json", token=None).json()
    assert {"/v1/series", "/v1/spikes", "/v1/event-lens/{event_id}", "/v1/articles", "/v1/feeds"} <= set(
        document["paths"]
    )
    docs = api.get("/docs", token=None).text
    assert "swagger" in docs.lower() and "cdn" not in docs  # Swagger UI comes from the package: works offline
    assert api.get("/static-offline-docs/swagger-ui-bundle.js", token=None).status_code == 200


def test_a_revoked_token_is_refused_and_tokens_are_listed_without_their_secret(api: Api):
    created = cli("tokens", "create", "intern", db=api.db)
    intern = created.stdout.strip()
    assert api.get("/v1/sources", token=intern).status_code == 200
    assert cli("tokens", "revoke", "intern", db=api.db).returncode == 0
    refused = api.get("/v1/sources", token=intern)
    assert refused.status_code == 401
    assert refused.json()["error"] == "token unknown or revoked"
    listed = cli("tokens", "list", "--format", "json", db=api.db)
    assert [(row["name"], row["state"]) for row in json.loads(listed.stdout)] == [
        ("analyst", "active"),
        ("intern", "revoked"),
    ]
    assert intern not in listed.stdout and api.token not in listed.stdout


def test_token_mistakes_are_one_line_and_exit_2(api: Api):
    twice = cli("tokens", "create", "analyst", db=api.db)
    assert twice.returncode == 2
    assert twice.stderr.strip().splitlines() == [
        "newstally: error: a token named 'analyst' exists already; revoke it first or pick another name"
    ]
    unknown = cli("tokens", "revoke", "nobody", db=api.db)
    assert (unknown.returncode, "Traceback" in unknown.stderr) == (2, False)
    bad = cli("tokens", "create", "two words", db=api.db)
    assert bad.returncode == 2 and "bad token name" in bad.stderr


# --- ETags ----------------------------------------------------------------------------------------


def test_etag_gives_304_until_the_data_changes(api: Api):
    params = {"entity": "putin", "from": "2018-07-01", "to": "2018-07-31"}
    first = api.get("/v1/series", **params)
    etag = first.headers["etag"]
    again = api.get("/v1/series", **params, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert api.get("/v1/series", **params, format="csv").headers["etag"] != etag
    assert api.get("/v1/series", **{**params, "to": "2018-07-30"}).headers["etag"] != etag
    added = cli("events", "add", "test_meeting", "--name", "A meeting", "--start", "2018-07-20", db=api.db)
    assert added.returncode == 0, added.stderr
    changed = api.get("/v1/series", **params, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


# --- mistakes -------------------------------------------------------------------------------------

MISTAKES = [
    ("/v1/series", {"entity": "putin", "from": "2018-02-30"}, "from"),
    ("/v1/series", {"entity": "putin", "to": "yesterday"}, "to"),
    ("/v1/series", {"entity": "putin", "tz": "Mars/Olympus_Mons"}, "tz"),
    ("/v1/series", {"entity": "putin", "tz": "posix/Europe/Berlin"}, "tz"),
    ("/v1/series", {"entity": "putin,nobody"}, "entity"),
    ("/v1/series", {"entity": "putin", "with": "nobody"}, "with"),
    ("/v1/series", {}, "entity"),
    ("/v1/series", {"entity": "putin", "smooth": "0"}, "smooth"),
    ("/v1/series", {"entity": "putin", "bucket": "fortnight"}, "bucket"),
    ("/v1/series", {"entity": "putin", "format": "xml"}, "format"),
    ("/v1/series", {"entity": "putin", "from": "2018-07-02", "to": "2018-07-01"}, "to"),
    ("/v1/series", {"entity": "putin", "bucket": "hour", "from": "1900-01-01", "to": "2100-01-01"}, "bucket"),
    ("/v1/series", {"entity": "putin", "query": "putin"}, "query"),
    ("/v1/series", {"query": [f"word{number}" for number in range(21)]}, "query"),
    ("/v1/series", {"entity": "putin", "collection": "g7"}, "collection"),
    ("/v1/series", {"entity": "putin", "collection": "x" * 81}, "collection"),
    ("/v1/spikes", {"collection": "g7"}, "collection"),
    ("/v1/event-lens/helsinki_2018", {"collection": "g7"}, "collection"),
    ("/v1/comentions", {"collection": "Times_Herald"}, "collection"),
    ("/v1/articles", {"collection": "g7"}, "collection"),
    ("/v1/series", {"entity": "putin", "entities": "trump"}, "entities"),
    ("/v1/spikes", {"entity": "nobody"}, "entity"),
    ("/v1/spikes", {"threshold": "nan"}, "threshold"),
    ("/v1/articles", {"tz": "Nowhere/City"}, "tz"),
    ("/v1/articles", {"cursor": "not-a-cursor"}, "cursor"),
    ("/v1/articles", {"limit": "0"}, "limit"),
    ("/v1/comentions", {"from": "0001-01-01"}, "from"),
    ("/v1/comentions", {"to": "1.5"}, "to"),  # pydantic alone takes a number as a Unix time
    ("/v1/series", {"entity": "putin", "from": "2018-07-01T00:00:00"}, "from"),
    ("/v1/spikes", {"since": "1531526400"}, "since"),
    ("/v1/event-lens/helsinki_2018", {"window": "-1"}, "window"),
    ("/v1/articles", {"source": ["times_herald", "-1.5"]}, "source"),  # one value, or the last wins unseen
    ("/v1/series", {"entity": "putin", "bucket": ["day", "week"]}, "bucket"),
]


@pytest.mark.parametrize(("path", "params", "parameter"), MISTAKES)
def test_a_bad_parameter_is_a_422_naming_it(api: Api, path: str, params: dict, parameter: str):
    response = api.get(path, **params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["parameter"] == parameter
    assert body["error"].startswith(f"{parameter}: ")


def test_an_unknown_event_is_a_404_naming_it(api: Api):
    response = api.get("/v1/event-lens/no_such_summit")
    assert response.status_code == 404
    assert response.json()["parameter"] == "event_id"
    assert "no_such_summit" in response.json()["error"]


BAD_QUERIES = [
    ("/v1/series", "Putin AND"),
    ("/v1/series", '"unclosed phrase'),
    ("/v1/spikes", "(Putin OR Trump"),
    ("/v1/articles", "sanc*tions"),
]


@pytest.mark.parametrize(("path", "text"), BAD_QUERIES)
def test_a_query_that_does_not_parse_is_a_422_with_the_parsers_message(api: Api, path: str, text: str):
    with pytest.raises(warehouse.QueryInvalid) as refused:
        warehouse.parse_query(text)
    response = api.get(path, query=text)
    assert response.status_code == 422, response.text
    assert response.json()["parameter"] == "query"
    assert response.json()["error"] == f"query: {refused.value}"


def test_an_unknown_collection_names_the_known_ones(api: Api):
    error = api.get("/v1/series", entity="putin", collection="g7").json()["error"]
    assert error == "collection: no collection named 'g7'; known: times_herald"


def test_api_on_a_taken_port_is_one_line_and_exit_2(api: Api):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = cli("api", "--port", str(port), db=api.db)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"newstally: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


def test_the_notebook_api_gives_the_cli_rows(api: Api):
    notebook = newstally.open(str(api.db))
    series = notebook.series("putin,trump", start="2018-07-10", end="2018-07-16")
    expected = cli_csv("series", *SERIES_CASES["two entities, days"][1], db=api.db)
    pd.testing.assert_frame_equal(series, pd.read_csv(io.StringIO(expected)), check_dtype=False)
    assert notebook.spikes().to_dict("records")[0]["id"] == "putin:2018-07-14"
    by_query = notebook.series("putin", query=["reshuffle", "Trump OR Putin"], start="2018-07-10", end="2018-07-16")
    expected = cli_csv("series", *SERIES_CASES["two queries beside an entity"][1], db=api.db)
    pd.testing.assert_frame_equal(by_query, pd.read_csv(io.StringIO(expected)), check_dtype=False)
    assert list(notebook.spikes(query="reshuffle")["id"]) == ["reshuffle:2018-07-14"]
    assert len(notebook.articles(query="title:minister")) == 21
    grouped = notebook.series("putin,trump", start="2018-07-13", end="2018-07-15", by_source=True,
                              collection=COLLECTION)  # fmt: skip
    expected = cli_csv("series", *SERIES_CASES["a collection by outlet"][1], db=api.db)
    pd.testing.assert_frame_equal(grouped, pd.read_csv(io.StringIO(expected)), check_dtype=False)
    lens = notebook.event_lens("helsinki_2018", window=2)
    assert list(lens["id"]) == [row["id"] for row in cli_rows("event-lens", "helsinki_2018", "--window", "2",
                                                                   db=api.db)]  # fmt: skip


def test_importing_newstally_loads_neither_pandas_nor_the_api():
    probe = "import sys, newstally; print(sorted({'pandas', 'warehouse', 'fastapi'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
