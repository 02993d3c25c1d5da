"""DuckDB extensions come from their installed wheels, never from the network."""

from __future__ import annotations

import socket
from pathlib import Path

import duckdb
import pytest

from warehouse.engine import extensions


@pytest.fixture
def own_extension_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "extensions"
    monkeypatch.setenv(extensions.EXTENSION_DIRECTORY_VARIABLE, str(directory))
    return directory


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_lake_extensions_load_from_the_wheels_with_the_extension_repository_unreachable(
    own_extension_directory: Path, tmp_path: Path
) -> None:
    # Any download would go to a port nobody listens on, and fail.
    unreachable = {"custom_extension_repository": f"http://127.0.0.1:{_closed_port()}"}
    connection = extensions.connect_offline(names=("ducklake", "postgres_scanner", "httpfs"), config=unreachable)
    try:
        loaded = dict(
            connection.execute(
                "SELECT extension_name, install_path FROM duckdb_extensions()"
                " WHERE extension_name IN ('ducklake', 'postgres_scanner', 'httpfs') AND loaded"
            ).fetchall()
        )
        assert set(loaded) == {"ducklake", "postgres_scanner", "httpfs"}
        assert all(Path(path).is_relative_to(own_extension_directory) for path in loaded.values())
        # The extension works: a lake with a local catalog file takes a table and gives it back.
        connection.execute(f"ATTACH 'ducklake:{tmp_path / 'catalog.ducklake'}' AS lake (DATA_PATH '{tmp_path}/data/')")
        connection.execute("CREATE TABLE lake.numbers AS SELECT 7 AS n")
        assert connection.execute("SELECT n FROM lake.numbers").fetchall() == [(7,)]
    finally:
        connection.close()


def test_no_extension_is_autoloaded_behind_newstallys_back(own_extension_directory: Path) -> None:
    connection = extensions.connect_offline(names=())
    try:
        with pytest.raises(duckdb.Error):
            connection.execute("ATTACH 'ducklake:whatever.ducklake' AS lake")
    finally:
        connection.close()


def test_a_second_connection_reuses_the_installed_files(own_extension_directory: Path) -> None:
    extensions.connect_offline().close()
    installed = sorted(own_extension_directory.rglob("*.duckdb_extension"))
    stamps = [path.stat().st_mtime_ns for path in installed]
    extensions.connect_offline().close()
    assert [path.name for path in installed] == [
        "ducklake.duckdb_extension",
        "httpfs.duckdb_extension",
        "postgres_scanner.duckdb_extension",
    ]
    assert [path.stat().st_mtime_ns for path in installed] == stamps


def test_a_missing_wheel_is_one_line_naming_the_package_to_install(
    own_extension_directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(extensions._WHEELS, "ducklake", ("no_such_extension_wheel", "duckdb-extension-ducklake"))
    with pytest.raises(extensions.ExtensionMissing) as raised:
        extensions.connect_offline()
    message = str(raised.value)
    assert "\n" not in message
    assert message == (
        "the DuckDB extension ducklake is not installed;"
        f" install it with: pip install duckdb-extension-ducklake=={duckdb.__version__}"
    )
