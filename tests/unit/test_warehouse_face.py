"""The warehouse's face and its layers: light to import, every listed name real, sub-packages stacked one way."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import warehouse
from tests.conftest import REPO_ROOT

# Which sub-packages each may import (besides itself and the top-level errors.py and rows.py).
# The engine stands on nothing; export reads what analysis and intake offer; service keeps the state of the
# programs around the warehouse (alert rules and history, API tokens); nothing imports upkeep, export or service.
LAYERS = {
    "engine": set(),
    "counting": {"engine"},
    "intake": {"engine", "counting"},
    "analysis": {"engine", "counting"},
    "export": {"engine", "analysis", "intake"},
    "upkeep": {"engine", "counting"},
    "service": {"engine", "counting", "analysis"},
}


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **env}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, cwd=REPO_ROOT, timeout=120
    )


def test_importing_the_warehouse_loads_neither_pandas_nor_duckdb():
    """Nor do the names a CLI needs to build its parser: the buckets and the exceptions."""
    done = _python(
        "import sys, warehouse; warehouse.BUCKETS, warehouse.WarehouseError, warehouse.UnknownEntity;"
        " print(sorted(m for m in ('pandas', 'duckdb') if m in sys.modules))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_name_of_the_face_exists_when_imported_eagerly():
    """EAGER_IMPORT makes lazy_loader import each name the stub lists at once: a stale name fails here."""
    done = _python(
        "import warehouse; missing = [n for n in warehouse.__all__ if not hasattr(warehouse, n)]; print(missing)",
        EAGER_IMPORT="1",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_face_offers_what_other_packages_use():
    for name in ("Warehouse", "entity_series", "store_articles", "check_integrity", "export_frame", "BUCKETS"):
        assert name in warehouse.__all__
    assert warehouse.__all__ == sorted(warehouse.__all__)
    assert set(dir(warehouse)) == set(warehouse.__all__)


def _imported_subpackages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "warehouse" and len(parts) > 1 and parts[1] in LAYERS:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_sub_packages_import_only_the_layers_below(layer: str):
    wrong = {
        str(path.relative_to(REPO_ROOT)): sorted(_imported_subpackages(path) - LAYERS[layer] - {layer})
        for path in (REPO_ROOT / "warehouse" / layer).rglob("*.py")
    }
    assert {path: found for path, found in wrong.items() if found} == {}


def test_sql_files_are_where_the_one_loader_reads_them():
    """Queries in warehouse/sql/, migrations in engine/migrations/ (lake variants in its lake/): nowhere else."""
    migrations = REPO_ROOT / "warehouse" / "engine" / "migrations"
    read = {REPO_ROOT / "warehouse" / "sql", migrations, migrations / "lake"}
    found = (REPO_ROOT / "warehouse").rglob("*.sql")
    stray = [str(path.relative_to(REPO_ROOT)) for path in found if path.parent not in read]
    assert stray == []
    # Every other module reads its SQL with `load_query`; extensions.py reads only the DuckDB extension
    # files inside their PyPI wheels.
    readers = [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "warehouse").rglob("*.py")
        if "resources.files(" in path.read_text(encoding="utf-8")
    ]
    assert sorted(readers) == ["warehouse/engine/extensions.py", "warehouse/engine/queries.py"]
