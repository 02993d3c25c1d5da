"""The one-way imports of DESIGN.md: ingest → warehouse ← dashboard, alerts and api; newstally → all;
SQL only in warehouse.

One crossing back is allowed: the dashboard reads `newstally.settings`, the one settings module every
entry point shares (CLI, scheduler, dashboard), and nothing else of newstally.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGES = ("ingest", "warehouse", "dashboard", "alerts", "api", "newstally")
ALLOWED = {
    "ingest": {"ingest", "warehouse"},
    "warehouse": {"warehouse"},
    "dashboard": {"dashboard", "warehouse", "newstally"},
    "alerts": {"alerts", "warehouse"},
    "api": {"api", "warehouse"},
    "newstally": set(PACKAGES),
}
# Of the packages allowed above, the only modules a package may import (a whole package when absent).
ALLOWED_MODULES = {"dashboard": {"newstally": {"newstally.settings"}}}


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


def modules_of(package: str, path: Path) -> set[str]:
    """The modules of `package` a file imports: `from newstally import settings` is `newstally.settings`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names if alias.name.split(".")[0] == package)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == package:
            modules.update(f"{package}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith(f"{package}."):
            modules.add(str(node.module))
    return modules


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_the_design_allows(package: str):
    wrong = {
        str(path.relative_to(REPO_ROOT)): sorted(imported_packages(path) - ALLOWED[package])
        for path in (REPO_ROOT / package).rglob("*.py")
    }
    assert {path: found for path, found in wrong.items() if found} == {}


@pytest.mark.parametrize(("package", "reaches"), [(p, r) for p, by in ALLOWED_MODULES.items() for r in by])
def test_a_crossing_back_imports_only_its_allowed_modules(package: str, reaches: str):
    allowed = ALLOWED_MODULES[package][reaches]
    wrong = {
        str(path.relative_to(REPO_ROOT)): sorted(modules_of(reaches, path) - allowed)
        for path in (REPO_ROOT / package).rglob("*.py")
    }
    assert {path: found for path, found in wrong.items() if found} == {}


SQL_LOOKING = re.compile(r"""["'](\s*)(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE)\b""")


@pytest.mark.parametrize("package", ["ingest", "dashboard", "alerts", "api", "newstally"])
def test_no_sql_outside_the_warehouse(package: str):
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / package).rglob("*.py")
        if SQL_LOOKING.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["ingest", "dashboard", "alerts", "api", "newstally"])
def test_only_the_warehouse_opens_duckdb(package: str):
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / package).rglob("*.py")
        if "duckdb" in imported_names(path)
    ]
    assert offenders == []
