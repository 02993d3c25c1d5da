"""The one-way imports of DESIGN.md: ingest → warehouse ← dashboard, alerts and api; dashboard → alerts
(the Alerts page and "Alert me" check channel URLs as the alerts package reads them); newstally → all;
SQL only in warehouse; one package reaches another only through its face.

One crossing back is allowed: the dashboard reads `newstally.settings`, the one settings module every
entry point shares (CLI, scheduler, dashboard), and nothing else of newstally.

A package's face is its `__init__`: `from warehouse import entity_series` or `import warehouse`, never
`from warehouse.analysis.series import ...` nor `import ingest.feeds`. What each face offers is pinned in
FACES below, so making a name public (or taking one back) is a deliberate change of this test.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGES = ("ingest", "warehouse", "dashboard", "alerts", "api", "newstally")
ALLOWED = {
    "ingest": {"ingest", "warehouse"},
    "warehouse": {"warehouse"},
    "dashboard": {"dashboard", "warehouse", "alerts", "newstally"},
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


# What each package offers other packages: its `__all__`, read after import (the lazy faces, ingest and
# warehouse, list their names in `__init__.pyi`). `ingest.demo` is the face of the demo sub-package, which
# the ingest face re-exports; other packages use the ingest face.
FACES = {
    "ingest": [
        "ARTICLE_LIST_FORMATS",
        "ArchiveNotFound",
        "ArchiveReport",
        "ArticleListInvalid",
        "ArticleListReport",
        "DemoFeedServer",
        "DemoOutlet",
        "DemoReport",
        "FeedListEntry",
        "FeedListInvalid",
        "FeedMalformed",
        "FeedUnavailable",
        "IngestError",
        "ParsedFeed",
        "USER_AGENT",
        "archive_files",
        "canonical_url",
        "demo_feed_urls",
        "demo_outlets",
        "export_opml",
        "fetch_due",
        "fetch_feed",
        "generate_day",
        "generate_history",
        "import_articles",
        "import_opml",
        "ingest_archive",
        "live_items",
        "load_demo",
        "make_client",
        "next_fetch_time",
        "opml_document",
        "parse_feed",
        "plain_text",
        "read_opml",
        "require_http_url",
        "require_public_url",
        "run_scheduler",
        "serve_demo_feeds",
        "set_on_signals",
        "start_parser_pool",
    ],
    "ingest.demo": [
        "DEFAULT_CALENDAR_PATH",
        "DemoFeedServer",
        "DemoOutlet",
        "DemoReport",
        "FeedDocument",
        "HISTORY_START",
        "demo_feed_urls",
        "demo_outlet",
        "demo_outlets",
        "generate_day",
        "generate_history",
        "live_items",
        "load_demo",
        "serve_demo_feeds",
    ],
    "warehouse": [
        "ALERT_HISTORY_COLUMNS",
        "AlertEpisode",
        "AlertMessage",
        "AlertRule",
        "AlertRuleExists",
        "AlertRuleInvalid",
        "AlertSnapshot",
        "ApiToken",
        "Arrival",
        "ArticleEvidence",
        "BUCKETS",
        "COMENTION_COLUMNS",
        "COMENTION_REPORT_COLUMNS",
        "ChannelFailure",
        "Collection",
        "CollectionInvalid",
        "CorpusFacts",
        "DEFAULT_RECOUNT_ARTICLES",
        "DateQuality",
        "EPISODE_REPORT_COLUMNS",
        "EVENT_REPORT_COLUMNS",
        "EXPORT_SUFFIXES",
        "Entity",
        "EntityDraft",
        "EntityLift",
        "Episode",
        "Event",
        "FEED_STATUS_COLUMNS",
        "Feed",
        "FeedDocument",
        "FeedHealth",
        "FeedListEntry",
        "FeedPlan",
        "FeedPlans",
        "FeedState",
        "FetchArrival",
        "FetchOutcome",
        "FetchResult",
        "FetchedArticle",
        "FoundMentions",
        "Headline",
        "INTEGRITY_COLUMNS",
        "IntegrityProblem",
        "KeyedArticles",
        "LENS_REPORT_COLUMNS",
        "LakeNotSupported",
        "LakeUpgrade",
        "LensDays",
        "LensResult",
        "METRICS",
        "ORIGINALITY_COLUMNS",
        "OUTLET_DIVERGENCE_COLUMNS",
        "OutletLift",
        "PendingDelivery",
        "PreparedDocument",
        "Query",
        "QueryInvalid",
        "RISING_COLUMNS",
        "RISING_WINDOWS",
        "RisingReport",
        "RisingTerm",
        "SERIES_COLUMNS",
        "SOURCE_REPORT_COLUMNS",
        "STOP_WORDS",
        "Source",
        "TokenInvalid",
        "UnknownAlertRule",
        "UnknownArticle",
        "UnknownCollection",
        "UnknownEntity",
        "UnknownEvent",
        "UnknownFeed",
        "UnknownTimeZone",
        "Warehouse",
        "WarehouseError",
        "WarehouseNotWritable",
        "WarehouseUnavailable",
        "Watchlist",
        "WatchlistChange",
        "WatchlistInvalid",
        "WatchlistVersion",
        "add_alert_rule",
        "add_collection",
        "add_entity_alert_rule",
        "add_event",
        "add_feed",
        "add_feeds",
        "alert_episode_messages",
        "alert_headlines",
        "alert_history",
        "alert_pass_snapshot",
        "alert_window_counts",
        "alert_window_counts_many",
        "backup_warehouse",
        "check_integrity",
        "claim_due_feeds",
        "comention_matrix",
        "comention_outlet_divergence",
        "comention_report",
        "comention_rows",
        "corpus_facts",
        "corpus_provenance",
        "coverage_originality",
        "create_token",
        "csv_ready",
        "current_watchlist",
        "data_version",
        "detect_spikes",
        "due_feeds",
        "enable_feed",
        "ensure_source",
        "entity_draft_from_query",
        "entity_series",
        "episode_rows",
        "event_lens",
        "event_rows",
        "events_report",
        "explain_article",
        "export_bundle",
        "export_frame",
        "export_records",
        "failing_alert_channels",
        "feed_health",
        "feed_status_report",
        "feed_status_rows",
        "flat_frame",
        "get_alert_rule",
        "get_feed",
        "identity_key",
        "import_warehouse",
        "import_watchlist",
        "ingest_completeness",
        "init_lake",
        "is_lake_target",
        "json_records",
        "keyed_articles",
        "lens_days",
        "lens_report",
        "lens_rows",
        "list_alert_rules",
        "list_collections",
        "list_entities",
        "list_events",
        "list_feeds",
        "list_sources",
        "list_tokens",
        "load_events",
        "load_events_file",
        "load_watchlist",
        "maintain_lake",
        "mark_alert_delivered",
        "metric_columns",
        "move_feed",
        "note_alert_episode",
        "open_alert_episode",
        "open_warehouse",
        "parse_query",
        "prepare_document",
        "prepare_storing",
        "provenance",
        "record_alert_message",
        "record_delivery_attempt",
        "record_fetch",
        "record_fetches",
        "release_abandoned_claims",
        "release_feeds",
        "remove_alert_rule",
        "remove_collection",
        "remove_event",
        "remove_feed",
        "require_entities",
        "retally",
        "retire_entity",
        "revert_watchlist",
        "revoke_token",
        "rising_terms",
        "save_entity",
        "search_articles",
        "series_columns",
        "series_table",
        "share_of_voice",
        "source_volume",
        "sources_report",
        "spike_episodes",
        "spike_episodes_peaking_within",
        "spikes_report",
        "store_articles",
        "store_documents",
        "store_intake",
        "token_holder",
        "update_held_alert",
        "upgrade_lake",
        "watchlist_export",
        "watchlist_history",
        "widened",
        "write_provenance",
    ],
    "dashboard": [],
    "alerts": [
        "AlertsError",
        "BASELINE_WEEKS",
        "CHANNEL_FAILING_AFTER",
        "ChannelInvalid",
        "DEFAULT_COOLDOWN_HOURS",
        "DEFAULT_DASHBOARD_URL",
        "DEFAULT_MIN_ARTICLES",
        "DEFAULT_THRESHOLD",
        "PassReport",
        "QuietHours",
        "RuleInvalid",
        "Verdict",
        "add_digest_rule",
        "add_spike_rule",
        "background_passes",
        "check_channel",
        "failing_channels",
        "judge",
        "run_pass",
        "send_digest",
        "shown_as",
        "test_rule",
    ],
    "api": [
        "create_app",
    ],
    "newstally": [
        "__version__",
        "open",
    ],
}


def _face_names(package: str) -> list[str]:
    return list(importlib.import_module(package).__all__)


@pytest.mark.parametrize("package", sorted(FACES))
def test_each_face_offers_exactly_the_pinned_names(package: str):
    names = _face_names(package)
    assert len(names) == len(set(names)), "a name listed twice"
    assert sorted(names) == FACES[package]


@pytest.mark.parametrize("package", ["ingest", "warehouse"])
def test_every_name_of_a_lazy_face_exists(package: str):
    """EAGER_IMPORT makes lazy_loader import every name its stub lists: a stale name fails here."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {package} as p; print([n for n in p.__all__ if not hasattr(p, n)])"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "EAGER_IMPORT": "1"},
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_ingest_stub_lists_its_names_for_type_checkers_too():
    """`ingest/__init__.pyi` keeps an `__all__` for mypy beside the imports lazy_loader reads: the two agree."""
    stub = ast.parse((REPO_ROOT / "ingest" / "__init__.pyi").read_text(encoding="utf-8"))
    listed = next(
        ast.literal_eval(node.value)
        for node in stub.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets)
    )
    assert sorted(listed) == FACES["ingest"]


def face_crossings(package: str, path: Path) -> list[str]:
    """Each import in a file that reaches another package other than through its face.

    Allowed: `import warehouse`, `from warehouse import NAME` with NAME in the face's `__all__`, and
    the modules ALLOWED_MODULES names (`from newstally import settings`, `import newstally.settings`).
    """
    allowed_modules = set().union(*ALLOWED_MODULES.get(package, {}).values())
    wrong: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in PACKAGES and top != package and alias.name != top and alias.name not in allowed_modules:
                    wrong.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top not in PACKAGES or top == package or node.module in allowed_modules:
                continue
            if node.module != top:
                wrong.append(f"line {node.lineno}: from {node.module} import ...")
                continue
            face = set(_face_names(top))
            for alias in node.names:
                if alias.name not in face and f"{top}.{alias.name}" not in allowed_modules:
                    wrong.append(f"line {node.lineno}: from {top} import {alias.name} (not in {top}.__all__)")
    return wrong


@pytest.mark.parametrize("package", PACKAGES)
def test_other_packages_are_reached_only_through_their_faces(package: str):
    wrong = {
        str(path.relative_to(REPO_ROOT)): face_crossings(package, path) for path in (REPO_ROOT / package).rglob("*.py")
    }
    assert {path: found for path, found in wrong.items() if found} == {}


def test_the_face_check_catches_a_submodule_import(tmp_path: Path):
    """The check itself: each way round a face is reported, the face and the allowed crossing are not."""
    module = tmp_path / "page.py"
    module.write_text(
        "import warehouse\n"
        "import ingest.feeds\n"
        "from warehouse import entity_series\n"
        "from warehouse import analysis\n"
        "from warehouse.analysis.series import entity_series as series\n"
        "from newstally import settings\n"
        "from newstally import cli\n"
        "def later():\n"
        "    from api.app import create_app\n",
        encoding="utf-8",
    )
    assert face_crossings("dashboard", module) == [
        "line 2: import ingest.feeds",
        "line 4: from warehouse import analysis (not in warehouse.__all__)",
        "line 5: from warehouse.analysis.series import ...",
        "line 7: from newstally import cli (not in newstally.__all__)",
        "line 9: from api.app import ...",
    ]
