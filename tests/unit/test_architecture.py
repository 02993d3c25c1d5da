"""The one-way imports of DESIGN.md: ingest → warehouse ← dashboard and api; newstally → all; SQL only in warehouse."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGES = ("ingest", "warehouse", "dashboard", "api", "newstally")
ALLOWED = {
    "ingest": {"ingest", "warehouse"},
    "warehouse": {"warehouse"},
    "dashboard": {"dashboard", "warehouse"},
    "api": {"api", "warehouse"},
    "newstally": set(PACKAGES),
}


def imported_names(path: Path) -> set[str]:
    """Top-level names of every absolute import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def imported_packages(path: Path) -> set[str]:
    return imported_names(path) & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_the_design_allows(package: str):
    wrong = {
        str(path.relative_to(REPO_ROOT)): sorted(imported_packages(path) - ALLOWED[package])
        for path in (REPO_ROOT / package).rglob("*.py")
    }
    assert {path: found for path, found in wrong.items() if found} == {}


SQL_LOOKING = re.compile(r"""["'](\s*)(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE)\b""")


@pytest.mark.parametrize("package", ["ingest", "dashboard", "api", "newstally"])
def test_no_sql_outside_the_warehouse(package: str):
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / package).rglob("*.py")
        if SQL_LOOKING.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["ingest", "dashboard", "api", "newstally"])
def test_only_the_warehouse_opens_duckdb(package: str):
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / package).rglob("*.py")
        if "duckdb" in imported_names(path)
    ]
    assert offenders == []
