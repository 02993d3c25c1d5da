"""`newstally import-articles`: Media Cloud, GDELT and generic article lists counted like fed articles.

Every file here is written by hand in its tool's documented column layout; the
expected counts are worked out from the rows by hand.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import warehouse
from ingest import ArticleListInvalid, import_articles
from tests.integration.test_cli import newstally

# Media Cloud's story list CSV (API v2 stories_public/list, as its web tools download it):
# publish_date in UTC without a zone. Row 5 repeats row 1's story (the same link but for
# a tracking parameter); row 6 has a date nobody can read; row 7 has no title.
MEDIA_CLOUD = """\
stories_id,publish_date,title,url,language,ap_syndicated,media_id,media_name,media_url
1001,2020-04-21 09:00:00,Putin meets Xi in Beijing,https://www.nytimes.com/2020/04/21/world/putin-xi.html,en,False,1,New York Times,https://nytimes.com
1002,2020-04-21 15:30:00,Trump answers Putin on oil,https://www.nytimes.com/2020/04/21/us/trump-oil.html,en,False,1,New York Times,https://nytimes.com
1003,2020-04-22 08:00:00,Weather for the week ahead,https://www.nytimes.com/2020/04/22/weather.html,en,False,1,New York Times,https://nytimes.com
1004,2020-04-22 10:00:00.123456,Putin addresses the nation,https://www.bbc.co.uk/news/world-1004,en,False,2,BBC News,https://bbc.co.uk
1005,2020-04-21 09:00:00,Putin meets Xi in Beijing,https://www.nytimes.com/2020/04/21/world/putin-xi.html?utm_source=mc,en,False,1,New York Times,https://nytimes.com
1006,sometime in April,Macron calls Putin,https://www.bbc.co.uk/news/world-1006,en,False,2,BBC News,https://bbc.co.uk
1007,2020-04-22 12:00:00,,https://www.bbc.co.uk/news/world-1007,en,False,2,BBC News,https://bbc.co.uk
"""  # noqa: E501

# The GDELT DOC 2.0 API's article list as CSV (mode=ArtList&format=csv): a byte-order mark,
# four columns, dates in UTC as "YYYY-MM-DD HH:MM:SS"; the outlet is the link's host.
GDELT_CSV = (
    "\ufeffURL,MobileURL,Date,Title\n"
    "https://www.theguardian.com/world/2020/apr/21/putin,https://amp.theguardian.com/world/2020/apr/21/putin,"
    "2020-04-21 08:15:00,Putin and Macron discuss Libya\n"
    "https://www.theguardian.com/world/2020/apr/22/trump,,2020-04-22 21:45:00,Trump threatens tariffs\n"
    "https://lemonde.fr/international/article/2020/04/22/xi,,2020-04-22 06:00:00,Xi Jinping receives Putin\n"
    "https://lemonde.fr/international/article/2020/04/22/bad,,22/04/2020 25:61,Putin again\n"
)
# The same API as JSON (format=json): seendate in GDELT's compact form, domain given.
GDELT_JSON = {
    "articles": [
        {"url": "https://www.spiegel.de/ausland/putin-a", "url_mobile": "", "title": "Putin droht dem Westen",
         "seendate": "20200421T101500Z", "socialimage": "", "domain": "spiegel.de", "language": "German",
         "sourcecountry": "Germany"},
        {"url": "https://www.spiegel.de/ausland/merkel-b", "url_mobile": "", "title": "Merkel und Macron in Paris",
         "seendate": "20200422T070000Z", "socialimage": "", "domain": "spiegel.de", "language": "German",
         "sourcecountry": "Germany"},
        {"url": "https://tass.ru/politika/c", "url_mobile": "", "title": "Putin meets Xi",
         "seendate": "20200422T120000Z", "socialimage": "", "domain": "tass.ru", "language": "English",
         "sourcecountry": "Russia"},
    ]
}  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def series(db: Path, entity: str, *, by_source: bool = False) -> dict[tuple[str, ...], tuple[int, int]]:
    """`newstally series` over 21-22 April 2020: (day[, outlet]) -> (articles, total_articles), empty rows left out."""
    extra = ["--by-source"] if by_source else []
    done = newstally("series", "--entity", entity, "--from", "2020-04-21", "--to", "2020-04-22", *extra, db=db)
    assert done.returncode == 0, done.stderr
    rows = csv.DictReader(io.StringIO(done.stdout))
    return {
        (row["bucket_start"][:10], *([row["source"]] if by_source else [])): (
            int(row["articles"]),
            int(row["total_articles"]),
        )
        for row in rows
        if int(row["total_articles"])
    }


def stderr_lines(done) -> list[str]:
    return [line for line in done.stderr.splitlines() if " INFO " not in line]


def test_a_media_cloud_story_csv_is_counted_per_outlet_with_bad_rows_named(tmp_path: Path):
    path = write(tmp_path / "mc-stories.csv", MEDIA_CLOUD)
    db = tmp_path / "newstally.duckdb"

    done = newstally("import-articles", str(path), db=db)

    assert done.returncode == 0, done.stderr
    assert stderr_lines(done) == [
        f"{path}: row 6: date 'sometime in April' is not a date",
        f"{path}: row 7: no title",
        f"{path} (mediacloud): 7 rows, 4 new articles of 2 outlets; 2 rows could not be used",
    ]
    # NYT: 1001 and 1002 on the 21st (1005 is 1001 again), 1003 on the 22nd; BBC: 1004 on the 22nd.
    assert series(db, "putin", by_source=True) == {
        ("2020-04-21", "New York Times"): (2, 2),
        ("2020-04-22", "New York Times"): (0, 1),
        ("2020-04-22", "BBC News"): (1, 1),
    }
    assert series(db, "trump") == {("2020-04-21",): (1, 2), ("2020-04-22",): (0, 2)}


def test_reimporting_the_same_list_adds_nothing(tmp_path: Path):
    path = write(tmp_path / "mc-stories.csv", MEDIA_CLOUD)
    db = tmp_path / "newstally.duckdb"
    newstally("import-articles", str(path), db=db)

    again = newstally("import-articles", str(path), "--format", "mediacloud", db=db)

    assert again.returncode == 0, again.stderr
    assert f"{path} (mediacloud): 7 rows, 0 new articles of 2 outlets; 2 rows could not be used" in again.stderr
    assert series(db, "putin") == {("2020-04-21",): (2, 2), ("2020-04-22",): (1, 2)}


def test_the_newer_media_cloud_export_with_domains_for_names(fresh_warehouse, tmp_path: Path):
    path = write(
        tmp_path / "search-export.csv",
        "id,indexed_date,language,media_name,media_url,publish_date,title,url\n"
        "a1,2020-04-23 01:00:00,en,nytimes.com,nytimes.com,2020-04-21T09:00:00+02:00,Putin and Xi,"
        "https://www.nytimes.com/a1\n"
        "a2,2020-04-23 01:00:00,en,,https://www.bbc.co.uk,2020-04-21,Trump in Ohio,https://www.bbc.co.uk/a2\n",
    )

    report = import_articles(fresh_warehouse, path)

    assert (report.format, report.rows, report.articles_new, report.problems) == ("mediacloud", 2, 2, ())
    # A media_url without a name names the outlet by its host.
    assert report.outlets == ("bbc.co.uk", "nytimes.com")
    assert series(fresh_warehouse.path, "putin") == {("2020-04-21",): (1, 2)}


def test_a_gdelt_article_list_csv_and_json_are_counted_by_domain(tmp_path: Path):
    csv_path = write(tmp_path / "artlist.csv", GDELT_CSV)
    json_path = write(tmp_path / "artlist.json", json.dumps(GDELT_JSON))
    db = tmp_path / "newstally.duckdb"

    from_csv = newstally("import-articles", str(csv_path), db=db)
    from_json = newstally("import-articles", str(json_path), "--format", "gdelt", db=db)

    assert from_csv.returncode == 0, from_csv.stderr
    assert stderr_lines(from_csv) == [
        f"{csv_path}: row 4: date '22/04/2020 25:61' is not a date",
        f"{csv_path} (gdelt): 4 rows, 3 new articles of 2 outlets; 1 rows could not be used",
    ]
    assert from_json.returncode == 0, from_json.stderr
    assert f"{json_path} (gdelt): 3 rows, 3 new articles of 2 outlets; 0 rows could not be used" in from_json.stderr
    assert series(db, "putin", by_source=True) == {
        ("2020-04-21", "theguardian.com"): (1, 1),
        ("2020-04-21", "spiegel.de"): (1, 1),
        ("2020-04-22", "theguardian.com"): (0, 1),
        ("2020-04-22", "lemonde.fr"): (1, 1),
        ("2020-04-22", "spiegel.de"): (0, 1),
        ("2020-04-22", "tass.ru"): (1, 1),
    }
    assert series(db, "trump") == {("2020-04-21",): (0, 2), ("2020-04-22",): (1, 4)}


def test_a_generic_parquet_list_with_timestamps_is_imported(fresh_warehouse, tmp_path: Path):
    path = tmp_path / "clippings.parquet"
    table = pa.table(
        {
            "Title": ["Putin visits Minsk", "Trump tweets", None],
            "URL": ["https://daily.example/1", "https://daily.example/2", "https://daily.example/3"],
            "Date": pa.array(
                [datetime(2020, 4, 21, 7, 0), datetime(2020, 4, 22, 7, 0), datetime(2020, 4, 22, 8, 0)],
                pa.timestamp("us"),
            ),
            "Outlet": ["Daily Example", "Daily Example", "Daily Example"],
        }
    )
    pq.write_table(table, path)

    report = import_articles(fresh_warehouse, path)

    assert (report.format, report.rows, report.articles_new, report.outlets) == ("generic", 3, 2, ("Daily Example",))
    assert [(problem.row, problem.reason) for problem in report.problems] == [(3, "no title")]
    assert series(fresh_warehouse.path, "putin") == {("2020-04-21",): (1, 1), ("2020-04-22",): (0, 1)}


def test_a_generic_csv_row_dated_after_the_file_was_written_is_stored_but_not_counted(fresh_warehouse, tmp_path):
    path = write(
        tmp_path / "list.csv",
        "title,url,date,outlet,summary\n"
        "Putin in Minsk,https://daily.example/1,2020-04-21T07:00:00Z,Daily Example,<p>Visit</p>\n"
        "Putin in 2030,https://daily.example/2,2030-04-21T07:00:00Z,Daily Example,A typo in the year\n"
        "A brief,,2020-04-22 10:00,Daily Example,Trump golfs\n",
    )
    written = datetime(2020, 5, 1, tzinfo=UTC).timestamp()
    os.utime(path, (written, written))

    report = import_articles(fresh_warehouse, path)

    # All three are stored (the brief, without a link, by its title and date); the 2030 one is
    # "future" to a file written in May 2020, and is left out of every count.
    assert (report.rows, report.articles_new, report.problems) == (3, 3, ())
    assert warehouse.corpus_facts(fresh_warehouse).articles == 2  # the articles with usable dates
    assert series(fresh_warehouse.path, "putin") == {("2020-04-21",): (1, 1), ("2020-04-22",): (0, 1)}
    assert series(fresh_warehouse.path, "trump") == {("2020-04-21",): (0, 1), ("2020-04-22",): (1, 1)}


@pytest.mark.parametrize(
    ("name", "text", "args", "message"),
    [
        ("missing.csv", None, [], "newstally: error: no such file: {path}"),
        (
            "list.csv",
            MEDIA_CLOUD,
            ["--format", "csv"],
            "newstally import-articles: error: argument --format: invalid choice: 'csv'",
        ),
        ("list.csv", "headline,link\nPutin,https://x.example/1\n", [], "is not one of a known article list"),
        ("list.csv", MEDIA_CLOUD, ["--format", "generic"], "not a generic article list: no column date, no column"),
        (
            "list.csv",
            "title,url,date,outlet,publish_date,media_name\nPutin,https://x.example/1,2020-01-01,X,2020-01-01,X\n",
            [],
            "the header fits both mediacloud and generic: say which with --format",
        ),
        ("list.parquet", "not parquet at all", [], "not a readable Parquet file"),
        ("list.csv", "", [], "an empty file, no header"),
    ],
    ids=["missing-file", "unknown-format", "unknown-header", "wrong-format", "ambiguous", "bad-parquet", "empty"],
)
def test_a_list_that_cannot_be_read_is_one_line_and_exit_2_with_nothing_stored(tmp_path, name, text, args, message):
    path = tmp_path / name
    if text is not None:
        write(path, text)
    db = tmp_path / "newstally.duckdb"

    done = newstally("import-articles", str(path), *args, db=db)

    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert message.format(path=path) in line
    if db.exists():
        assert warehouse.corpus_facts(warehouse.Warehouse(db)).articles == 0


def test_the_python_entry_point_raises_for_an_unknown_format(fresh_warehouse, tmp_path: Path):
    path = write(tmp_path / "list.csv", MEDIA_CLOUD)

    with pytest.raises(ArticleListInvalid, match="unknown article list format 'nexis'"):
        import_articles(fresh_warehouse, path, format="nexis")
