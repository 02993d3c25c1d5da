"""A lake's data path on S3-compatible storage: the DuckDB secret made from NEWSTALLY_S3_* variables.

No S3 server here: these check the statement and that the lake's connection holds the
secret DuckDB would pick for an s3:// file, not that a store accepted it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.engine import extensions, lake
from warehouse.errors import WarehouseUnavailable

MINIO = {
    "NEWSTALLY_S3_KEY_ID": "newsroom",
    "NEWSTALLY_S3_SECRET": "it's-a-secret",
    "NEWSTALLY_S3_REGION": "eu-central-1",
    "NEWSTALLY_S3_ENDPOINT": "minio.internal:9000",
    "NEWSTALLY_S3_URL_STYLE": "path",
    "NEWSTALLY_S3_USE_SSL": "false",
}


def test_no_variable_set_makes_no_secret() -> None:
    assert lake.s3_secret_sql({"AWS_ACCESS_KEY_ID": "elsewhere", "NEWSTALLY_S3_REGION": ""}) is None


def test_the_variables_set_become_one_temporary_secret_with_quotes_doubled() -> None:
    assert lake.s3_secret_sql(MINIO) == (
        "CREATE TEMPORARY SECRET newstally_s3 (TYPE s3, KEY_ID 'newsroom', SECRET 'it''s-a-secret',"
        " REGION 'eu-central-1', ENDPOINT 'minio.internal:9000', URL_STYLE 'path', USE_SSL 'false')"
    )
    assert lake.s3_secret_sql({"NEWSTALLY_S3_REGION": "us-east-1"}) == (
        "CREATE TEMPORARY SECRET newstally_s3 (TYPE s3, REGION 'us-east-1')"
    )


@pytest.mark.parametrize(("name", "value"), [("NEWSTALLY_S3_URL_STYLE", "virtual"), ("NEWSTALLY_S3_USE_SSL", "maybe")])
def test_a_value_duckdb_would_not_understand_is_one_line_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(WarehouseUnavailable) as raised:
        lake.s3_secret_sql({**MINIO, name: value})
    assert str(raised.value) == f"bad {name}={value!r}: use " + (
        "path or vhost" if name.endswith("URL_STYLE") else "true or false"
    )


def test_the_lake_connection_holds_the_secret_duckdb_picks_for_the_data_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(extensions.EXTENSION_DIRECTORY_VARIABLE, str(tmp_path / "extensions"))
    for name, value in MINIO.items():
        monkeypatch.setenv(name, value)
    # A DuckDB file as the catalog, so no PostgreSQL is needed; the attach path is the same.
    target = f"ducklake:{tmp_path / 'catalog.ducklake'}"
    try:
        connection = lake._attached(target, str(tmp_path / "data"), create=True)
        chosen = connection.execute(
            "SELECT name, persistent FROM which_secret('s3://newsroom-lake/newstally/main/articles/x.parquet', 's3')"
        ).fetchall()
        assert chosen == [("newstally_s3", "TEMPORARY")]
        (described,) = connection.execute(
            "SELECT secret_string FROM duckdb_secrets() WHERE name = 'newstally_s3'"
        ).fetchone() or ("",)
        fields = dict(part.split("=", 1) for part in described.split(";"))
        assert {key: fields[key] for key in ("key_id", "region", "endpoint", "url_style", "use_ssl", "secret")} == {
            "key_id": "newsroom",
            "region": "eu-central-1",
            "endpoint": "minio.internal:9000",
            "url_style": "path",
            "use_ssl": "false",
            "secret": "redacted",
        }
        loaded = connection.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()
        assert ("httpfs",) in loaded
    finally:
        lake.close_lakes()
