"""The whole fixture corpus through the archive ingest into a real warehouse file.

Every document in tests/fixtures/feeds must end with its stories stored (as many as
its expectation says the outlet has) or with a recorded error, never a crash; and
ingesting the corpus a second time adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import warehouse
from ingest import ArchiveReport, ingest_archive
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
DOCUMENTS = sorted(FIXTURES.glob("*.xml"))


def _expectation(document: Path) -> dict:
    return json.loads(document.with_suffix(".expected.json").read_text(encoding="utf-8"))


def _expected_stories(expected: dict) -> int:
    """Distinct stories the outlet should hold: the expectation's `stories`, else one per expected article."""
    return expected.get("stories", len(expected.get("articles", [])))


def _case(document: Path) -> pytest.ParameterSet:
    known_bug = _expectation(document).get("stories_known_bug")
    marks = [pytest.mark.xfail(strict=True, reason=known_bug)] if known_bug else []
    return pytest.param(document, id=document.stem, marks=marks)


@dataclass(frozen=True)
class Ingested:
    """What ingesting one document as its own outlet did: a report, or the exception that escaped."""

    report: ArchiveReport | None
    crash: BaseException | None


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[warehouse.Warehouse, dict[str, Ingested]]]:
    """One warehouse file holding every fixture document, each ingested on its own under its file name as outlet."""
    wh = warehouse.open_warehouse(
        tmp_path_factory.mktemp("corpus") / "newstally.duckdb",
        watchlist_path=SHIPPED_WATCHLIST,
        events_path=SHIPPED_EVENTS,
    )
    outcomes: dict[str, Ingested] = {}
    for document in DOCUMENTS:
        try:
            outcomes[document.stem] = Ingested(ingest_archive(wh, [document], source_name=document.stem), None)
        except Exception as error:  # the crash is what the test reports, per document
            outcomes[document.stem] = Ingested(None, error)
    yield wh, outcomes


def _stored_articles(wh: warehouse.Warehouse, outlet: str) -> int:
    _, total = warehouse.search_articles(wh, source=outlet, limit=1)
    return total


def test_the_corpus_holds_at_least_a_hundred_documents_each_with_an_expectation():
    assert len(DOCUMENTS) >= 100
    assert [document.name for document in DOCUMENTS if not document.with_suffix(".expected.json").exists()] == []


@pytest.mark.parametrize("document", [_case(document) for document in DOCUMENTS])
def test_fixture_document_ends_with_its_stories_stored_or_a_recorded_error(document: Path, corpus):
    wh, outcomes = corpus
    expected = _expectation(document)
    outcome = outcomes[document.stem]

    assert outcome.crash is None, f"{type(outcome.crash).__name__}: {outcome.crash}"
    report = outcome.report
    assert report is not None
    assert report.files == 1
    if "raises" in expected:
        assert [path for path, _ in report.files_failed] == [document]
        assert expected["message_contains"] in report.files_failed[0][1]
        assert report.items_new == 0
        assert _stored_articles(wh, document.stem) == 0
        return

    assert report.files_failed == ()
    assert report.items_seen == expected["items_seen"]
    assert report.items_new == _expected_stories(expected)
    assert _stored_articles(wh, document.stem) == _expected_stories(expected)
    if "error_contains" in expected or expected.get("error"):
        assert [path for path, _ in report.files_partial] == [document]
        problem = report.files_partial[0][1]
        for fragment in expected.get("error_contains", [expected.get("error")]):
            assert fragment in problem
    else:
        assert report.files_partial == ()


def test_ingesting_the_whole_corpus_twice_adds_nothing(fresh_warehouse):
    first = ingest_archive(fresh_warehouse, [FIXTURES])
    stored_after_first = warehouse.search_articles(fresh_warehouse, limit=1)[1]

    second = ingest_archive(fresh_warehouse, [FIXTURES])

    assert first.files == second.files == len(DOCUMENTS)
    assert first.items_new > 0
    assert second.items_new == 0
    assert second.items_seen == first.items_seen
    assert second.files_failed == first.files_failed
    assert warehouse.search_articles(fresh_warehouse, limit=1)[1] == stored_after_first
