"""`newstally --help` starts fast: building the parser imports no analysis, storage or network code."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

HEAVY = ("pandas", "numpy", "duckdb", "pyarrow", "httpx", "streamlit", "altair", "rich", "warehouse", "ingest")


def test_building_the_parser_imports_nothing_heavy():
    probe = (
        "import sys\n"
        "from newstally.cli import build_parser\n"
        "build_parser().format_help()\n"
        f"print(sorted({{name.split('.')[0] for name in sys.modules}} & {set(HEAVY)!r}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
