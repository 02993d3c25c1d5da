"""`newstally --help` starts fast: building the parser imports no analysis, storage or network code."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

HEAVY = ("pandas", "numpy", "duckdb", "pyarrow", "httpx", "streamlit", "altair", "rich", "ingest")
# The warehouse's lazy face and its plain row types may load (the --bucket choices live there); no more of it.
LIGHT_WAREHOUSE = {"warehouse", "warehouse.rows", "warehouse.errors"}


def test_building_the_parser_imports_nothing_heavy():
    probe = (
        "import sys\n"
        "from newstally.cli import build_parser\n"
        "build_parser().format_help()\n"
        f"heavy = {{name.split('.')[0] for name in sys.modules}} & {set(HEAVY)!r}\n"
        f"heavy |= {{name for name in sys.modules if name.startswith('warehouse')}} - {LIGHT_WAREHOUSE!r}\n"
        "print(sorted(heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_series_code_imports_no_pandas_query_parser_or_tally():
    """`newstally series --entity` needs duckdb and numpy; queries, the watchlist's matchers and pandas load on use."""
    probe = (
        "import sys, warehouse\n"
        "warehouse.series_columns\n"
        "loaded = {'pandas', 'luqum', 'warehouse.counting.watchlist', 'warehouse.counting.tally'} & set(sys.modules)\n"
        "print(sorted(loaded))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
