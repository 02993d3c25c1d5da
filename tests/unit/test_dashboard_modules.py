"""Where the dashboard's code lives: Altair in charts.py, table shaping in tables.py (neither touches Streamlit),
the warehouse reached only through data.py, page boilerplate in layout.py."""

from __future__ import annotations

import ast
from pathlib import Path

import dashboard
from tests.conftest import REPO_ROOT
from tests.unit.test_architecture import imported_names

DASHBOARD = REPO_ROOT / "dashboard"


def modules_importing(name: str) -> list[str]:
    return sorted(str(path.relative_to(DASHBOARD)) for path in DASHBOARD.rglob("*.py") if name in imported_names(path))


def calls_on(path: Path, name: str) -> list[str]:
    """The attribute calls made on `name` in a file, e.g. `st.dataframe`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(
        f"{name}.{node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == name
    )


def test_only_charts_builds_altair_charts_and_only_data_serialises_them():
    assert modules_importing("altair") == ["charts.py", "data.py"]


def test_charts_and_tables_never_touch_streamlit():
    for module in ("charts.py", "tables.py"):
        assert "streamlit" not in imported_names(DASHBOARD / module), module


def test_pages_list_tables_and_write_their_url_through_layout():
    for page in sorted((DASHBOARD / "app_pages").glob("*.py")):
        direct = [call for call in calls_on(page, "st") if call == "st.dataframe"]
        assert direct == [], page.name
        assert "st.query_params.from_dict" not in page.read_text(encoding="utf-8"), page.name


def test_the_dashboard_is_an_app_whose_face_offers_nothing_to_other_packages():
    assert dashboard.__all__ == []
