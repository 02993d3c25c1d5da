"""A warehouse moved into a DuckLake (catalog in a real PostgreSQL, data in a folder) reads the same.

The cluster is started by the session fixture `postgres_cluster` (tests/postgres_cluster.py);
every command runs through the real CLI, as a user would run it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import warehouse
import warehouse.counting.queries
from tests.conftest import REPO_ROOT
from tests.integration.feed_server import respond, running_feed_server
from tests.postgres_cluster import PostgresCluster
from warehouse.counting import remembered


def newstally(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ}
    environment.pop("NEWSTALLY_DB", None)
    environment.pop("NEWSTALLY_LAKE_DATA", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "newstally", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo warehouse: eight fictional outlets since 2017 at eight articles a day in all (~30,000)."""
    path = tmp_path_factory.mktemp("file") / "demo.duckdb"
    result = newstally("--db", str(path), "demo", "--articles-per-day", "8")
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def lake(
    demo_file: Path, postgres_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """The demo warehouse imported into a new lake: (the --db target, the data folder)."""
    conninfo = postgres_cluster.create_database("lake_of_demo")
    target = f"ducklake:postgres:{conninfo}"
    data = tmp_path_factory.mktemp("lake") / "data"
    created = newstally("--db", target, "--lake-data", str(data), "lake", "init")
    assert created.returncode == 0, created.stderr
    imported = newstally("--db", target, "lake", "import", str(demo_file))
    assert imported.returncode == 0, imported.stderr
    assert "imported" in imported.stderr
    return target, data


READS = [
    ("series", "--entity", "putin,trump", "--bucket", "week"),
    ("series", "--entity", "xi", "--by-source", "--from", "2018-01-01", "--to", "2018-12-31", "--tz", "Europe/Berlin"),
    ("series", "--entity", "putin", "--with", "trump", "--smooth", "7", "--unique"),
    ("series", "--query", "sanction* AND (Putin OR Trump)", "--bucket", "month"),
    ("spikes", "--format", "csv"),
    ("spikes", "--entity", "putin,trump", "--min-count", "2", "--threshold", "2.5", "--format", "json"),
    ("event-lens", "helsinki_2018", "--format", "csv"),
    ("comentions", "--from", "2018-01-01", "--to", "2018-06-30", "--format", "csv"),
    ("status", "--format", "csv"),
    ("feeds", "list", "--format", "csv"),
    ("events", "list", "--format", "csv"),
]


@pytest.mark.parametrize("command", READS, ids=" ".join)
def test_a_read_on_the_lake_prints_exactly_what_it_prints_on_the_file(
    command: tuple[str, ...], demo_file: Path, lake: tuple[str, Path]
) -> None:
    on_file = newstally("--db", str(demo_file), *command)
    on_lake = newstally("--db", lake[0], *command)
    assert on_file.returncode == 0, on_file.stderr
    assert on_file.stdout.count("\n") > 1
    assert (on_lake.returncode, on_lake.stdout) == (on_file.returncode, on_file.stdout)


def test_a_query_asked_again_of_the_same_lake_is_answered_from_its_remembered_matches(
    lake: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    passes = []
    read = warehouse.counting.queries._read_query_mentions
    monkeypatch.setattr(
        warehouse.counting.queries,
        "_read_query_mentions",
        lambda *args, **limits: passes.append(1) or read(*args, **limits),
    )
    remembered.forget_all()
    wh = warehouse.Warehouse(lake[0], lake_data=str(lake[1]))
    try:
        whole = warehouse.entity_series(wh, [], queries=["sanction*"], bucket="month")
        again = warehouse.entity_series(wh, [], queries=["sanction*"], bucket="week", tz="Europe/Berlin")
        remembered.forget_all()
        fresh = warehouse.entity_series(wh, [], queries=["sanction*"], bucket="week", tz="Europe/Berlin")
    finally:
        remembered.forget_all()
    assert whole["articles"].sum() > 0
    assert again.equals(fresh)
    assert len(passes) == 2  # the first read and the one after forgetting


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_export_from_the_lake_is_byte_identical_to_the_one_from_the_file(
    suffix: str, demo_file: Path, lake: tuple[str, Path], tmp_path: Path
) -> None:
    outputs = {}
    for name, db in (("file", str(demo_file)), ("lake", lake[0])):
        out = tmp_path / f"{name}{suffix}"
        result = newstally("--db", db, "export", "--out", str(out), "--entity", "putin,macron", "--bucket", "month")
        assert result.returncode == 0, result.stderr
        meta = json.loads(Path(f"{out}.meta.json").read_text(encoding="utf-8"))
        # The command line names the warehouse and the output file, and the clock moved on;
        # everything else must agree.
        for differing in ("command", "file", "generated_at"):
            meta.pop(differing)
        outputs[name] = (out.read_bytes(), meta)
    assert outputs["lake"] == outputs["file"]
    assert outputs["file"][1]["rows"] > 200


def test_the_imported_lake_passes_a_full_check(lake: tuple[str, Path]) -> None:
    result = newstally("--db", lake[0], "check", "--full")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems found" in result.stderr


def test_the_lake_keeps_its_data_as_parquet_in_the_data_folder(lake: tuple[str, Path]) -> None:
    assert list(lake[1].rglob("*.parquet"))


def test_maintain_compacts_and_keeps_every_row(lake: tuple[str, Path], demo_file: Path) -> None:
    before = newstally("--db", lake[0], "series", "--entity", "putin", "--bucket", "month")
    result = newstally("--db", lake[0], "lake", "maintain", "--keep-hours", "0")
    assert result.returncode == 0, result.stderr
    assert "data files before" in result.stderr
    after = newstally("--db", lake[0], "series", "--entity", "putin", "--bucket", "month")
    assert after.stdout == before.stdout
    assert newstally("--db", lake[0], "check").returncode == 0


def test_a_backup_by_file_copy_is_refused_on_a_lake_in_one_line(lake: tuple[str, Path], tmp_path: Path) -> None:
    result = newstally("--db", lake[0], "backup", "--out", str(tmp_path / "copy.duckdb"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "back up its PostgreSQL database (pg_dump) and its data path together" in result.stderr


def _rss(items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><pubDate>{date}</pubDate></item>"
        for guid, title, date in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Herald</title>{entries}</channel></rss>'.encode()


ITEMS = {
    "/herald.xml": [
        ("h1", "Putin lands in Anchorage", "Thu, 14 Aug 2025 18:00:00 GMT"),
        ("h2", "Trump and Putin meet at the base", "Fri, 15 Aug 2025 20:00:00 GMT"),
    ],
    "/gazette.xml": [
        ("g1", "Zelensky awaits the Alaska outcome", "Fri, 15 Aug 2025 09:00:00 GMT"),
        ("g2", "Markets shrug", "Fri, 15 Aug 2025 11:00:00 GMT"),
    ],
}


def test_feeds_fetch_retally_and_events_write_to_a_lake_as_they_do_to_a_file(lake_catalog: str, tmp_path: Path) -> None:
    target = f"ducklake:postgres:{lake_catalog}"
    file = tmp_path / "file.duckdb"
    assert newstally("--db", target, "--lake-data", str(tmp_path / "data"), "lake", "init").returncode == 0
    with running_feed_server() as server:
        for path, items in ITEMS.items():
            server.routes[path] = lambda handler, items=items: respond(handler, 200, _rss(items))
        for db in (target, str(file)):
            for path in ITEMS:
                added = newstally("--db", db, "feeds", "add", server.url(path), "--source", path.strip("/xml."))
                assert added.returncode == 0, added.stderr
            fetched = newstally("--db", db, "fetch")
            assert fetched.returncode == 0, fetched.stderr
            assert "4 new articles, 0 failed" in fetched.stdout + fetched.stderr
            # Fetched again, nothing is stored twice.
            again = newstally("--db", db, "fetch", "--force")
            assert "0 new articles" in again.stdout + again.stderr
    for command in (
        ("series", "--entity", "putin,trump,zelensky", "--from", "2025-08-14", "--to", "2025-08-15", "--by-source"),
        ("feeds", "list", "--format", "csv"),
    ):
        on_file, on_lake = newstally("--db", str(file), *command), newstally("--db", target, *command)
        assert on_file.returncode == 0, on_file.stderr
        assert _without_times(on_lake.stdout) == _without_times(on_file.stdout)
    putin = newstally("--db", target, "series", "--entity", "putin", "--from", "2025-08-15", "--to", "2025-08-15")
    assert putin.stdout.splitlines()[1:] == ["2025-08-15,putin,1,1,3,0.333333"]
    for command in (("retally",), ("events", "remove", "helsinki_2018"), ("check", "--full")):
        result = newstally("--db", target, *command)
        assert result.returncode == 0, result.stderr
    assert "helsinki_2018" not in newstally("--db", target, "events", "list", "--format", "csv").stdout


def _without_times(text: str) -> str:
    """feeds list names when each feed was added and fetched: the clock's, not the data's."""
    return re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?", "TIME", text)


def test_a_writer_killed_while_it_holds_the_lock_does_not_block_the_next(lake_catalog: str, tmp_path: Path) -> None:
    target = f"ducklake:postgres:{lake_catalog}"
    assert newstally("--db", target, "--lake-data", str(tmp_path / "data"), "lake", "init").returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_THE_LOCK, target],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        holder.kill()
        holder.wait(timeout=30)
        result = newstally("--db", target, "feeds", "add", "http://127.0.0.1:9/feed.xml")
        assert result.returncode == 0, result.stderr
        # The killed writer's half-done transaction left nothing behind; the next writer's is whole.
        assert newstally("--db", target, "check", "--full").returncode == 0
        events = newstally("--db", target, "events", "list", "--format", "csv").stdout
        assert "helsinki_2018" in events and "held" not in events
    finally:
        holder.kill()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()


_HOLD_THE_LOCK = """
import sys, time
import warehouse
with warehouse.Warehouse(sys.argv[1]).writing() as connection:
    connection.execute("INSERT INTO events VALUES ('held', 'Held', DATE '2025-01-01', DATE '2025-01-01', [], '', [])")
    print("holding", flush=True)
    time.sleep(600)
"""


def test_a_lake_at_another_schema_version_is_not_written(lake_catalog: str, tmp_path: Path) -> None:
    target = f"ducklake:postgres:{lake_catalog}"
    assert newstally("--db", target, "--lake-data", str(tmp_path / "data"), "lake", "init").returncode == 0
    forget = "import sys, warehouse.engine.lake as l; c = l._attached(sys.argv[1], None, create=False).cursor();"
    forget += " c.execute('USE lake'); c.execute('DELETE FROM schema_migrations WHERE version = 8')"
    subprocess.run([sys.executable, "-c", forget, target], check=True, cwd=REPO_ROOT, timeout=120)
    result = newstally("--db", target, "events", "remove", "helsinki_2018")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "is at schema 7 and this newstally writes schema" in result.stderr


def test_importing_twice_is_refused_and_changes_nothing(lake: tuple[str, Path], demo_file: Path) -> None:
    again = newstally("--db", lake[0], "lake", "import", str(demo_file))
    assert again.returncode == 2
    assert again.stderr.strip().endswith("already holds data; import only into a new lake")
    assert newstally("--db", lake[0], "check").returncode == 0


def test_init_on_a_lake_that_exists_is_refused(lake: tuple[str, Path], tmp_path: Path) -> None:
    result = newstally("--db", lake[0], "--lake-data", str(tmp_path), "lake", "init")
    assert result.returncode == 2
    assert "already holds newstally's tables" in result.stderr


def test_reading_a_database_that_holds_no_lake_says_how_to_make_one(postgres_cluster: PostgresCluster) -> None:
    target = f"ducklake:postgres:{postgres_cluster.create_database('not_a_lake')}"
    result = newstally("--db", target, "series", "--entity", "putin")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "no lake at" in result.stderr and "lake init" in result.stderr
    # Reading did not create a catalog in that database.
    assert postgres_cluster.psql("not_a_lake", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0\n"


def test_lake_commands_on_a_file_say_what_db_must_be(demo_file: Path) -> None:
    result = newstally("--db", str(demo_file), "lake", "maintain")
    assert result.returncode == 2
    assert "lake commands need --db ducklake:postgres:CONNINFO" in result.stderr


def test_a_missing_extension_wheel_is_one_clear_line(lake: tuple[str, Path], tmp_path: Path) -> None:
    # An installed package of the wheel's name that holds no extension file shadows the real one.
    shadow = tmp_path / "shadow" / "duckdb_extension_ducklake"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("", encoding="utf-8")
    path = os.pathsep.join([str(tmp_path / "shadow"), str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])
    result = newstally("--db", lake[0], "series", "--entity", "putin", env={"PYTHONPATH": path})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "pip install duckdb-extension-ducklake==" in result.stderr


def test_a_lake_whose_data_folder_is_gone_says_so_in_one_line_and_loses_nothing(
    demo_file: Path, postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    target = f"ducklake:postgres:{postgres_cluster.create_database('lake_without_data')}"
    data = tmp_path / "data"
    assert newstally("--db", target, "--lake-data", str(data), "lake", "init").returncode == 0
    assert newstally("--db", target, "lake", "import", str(demo_file)).returncode == 0
    before = newstally("--db", target, "series", "--entity", "putin", "--bucket", "month")
    assert before.returncode == 0, before.stderr
    data.rename(tmp_path / "unmounted")

    for command in (("series", "--entity", "putin", "--bucket", "month"), ("retally",)):
        result = newstally("--db", target, *command)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        assert "cannot reach the data files of lake" in result.stderr and "nothing was changed" in result.stderr

    (tmp_path / "unmounted").rename(data)
    after = newstally("--db", target, "series", "--entity", "putin", "--bucket", "month")
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout


def test_a_connection_uri_is_refused_with_the_form_to_use_instead() -> None:
    result = newstally("--db", "ducklake:postgres:postgresql://news@127.0.0.1/news", "series", "--entity", "putin")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "give the connection string as key=value pairs" in result.stderr


def test_the_lake_and_its_data_path_can_come_from_the_environment(
    demo_file: Path, postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    target = f"ducklake:postgres:{postgres_cluster.create_database('lake_from_env')}"
    env = {"NEWSTALLY_DB": target, "NEWSTALLY_LAKE_DATA": str(tmp_path / "data")}
    assert newstally("lake", "init", env=env).returncode == 0
    assert newstally("lake", "import", str(demo_file), env=env).returncode == 0
    assert list((tmp_path / "data").rglob("*.parquet"))
    on_lake = newstally("series", "--entity", "putin", "--bucket", "month", env={"NEWSTALLY_DB": target})
    on_file = newstally("--db", str(demo_file), "series", "--entity", "putin", "--bucket", "month")
    assert on_lake.returncode == 0, on_lake.stderr
    assert on_lake.stdout == on_file.stdout
