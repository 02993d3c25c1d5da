"""API tokens in the warehouse: only their hash stored, revocation, names; the cheap data version servers key on."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

import warehouse
from tests.conftest import article


def test_a_new_token_is_stored_only_as_its_sha256(fresh_warehouse):
    token = warehouse.create_token(fresh_warehouse, "alice")
    with fresh_warehouse.reading() as connection:
        stored = connection.execute("SELECT * FROM api_tokens").fetchall()
    assert len(stored) == 1
    assert hashlib.sha256(token.encode()).hexdigest() in stored[0]
    assert token not in stored[0]
    assert warehouse.token_holder(fresh_warehouse, token) == "alice"


def test_a_revoked_token_is_refused_and_listed_as_revoked(fresh_warehouse):
    token = warehouse.create_token(fresh_warehouse, "alice")
    warehouse.create_token(fresh_warehouse, "bob")
    revoked = warehouse.revoke_token(fresh_warehouse, "alice")
    assert revoked.revoked_at is not None
    assert warehouse.token_holder(fresh_warehouse, token) is None
    assert [(token.name, token.active) for token in warehouse.list_tokens(fresh_warehouse)] == [
        ("alice", False),
        ("bob", True),
    ]


def test_a_revoked_name_can_be_given_a_new_token_but_an_active_one_cannot(fresh_warehouse):
    old = warehouse.create_token(fresh_warehouse, "alice")
    with pytest.raises(warehouse.TokenInvalid, match="exists already"):
        warehouse.create_token(fresh_warehouse, "alice")
    warehouse.revoke_token(fresh_warehouse, "alice")
    new = warehouse.create_token(fresh_warehouse, "alice")
    assert (warehouse.token_holder(fresh_warehouse, old), warehouse.token_holder(fresh_warehouse, new)) == (
        None,
        "alice",
    )


@pytest.mark.parametrize("name", ["", "two words", "-dash-first", "x" * 65, "ünïcode"])
def test_a_malformed_token_name_is_refused(fresh_warehouse, name: str):
    with pytest.raises(warehouse.TokenInvalid, match="bad token name"):
        warehouse.create_token(fresh_warehouse, name)


def test_unknown_and_empty_tokens_have_no_holder(fresh_warehouse):
    warehouse.create_token(fresh_warehouse, "alice")
    assert warehouse.token_holder(fresh_warehouse, "guess") is None
    assert warehouse.token_holder(fresh_warehouse, "") is None
    with pytest.raises(warehouse.TokenInvalid, match="no token named 'carol'"):
        warehouse.revoke_token(fresh_warehouse, "carol")


def test_the_data_version_changes_with_every_write_and_only_then(fresh_warehouse):
    first = warehouse.data_version(fresh_warehouse)
    assert warehouse.data_version(fresh_warehouse) == first
    assert first == warehouse.corpus_facts(fresh_warehouse).data_version
    warehouse.store_articles(fresh_warehouse, "Outlet", [article("1", "Putin", "", datetime(2018, 7, 16, tzinfo=UTC))])
    second = warehouse.data_version(fresh_warehouse)
    assert second != first
    assert second == warehouse.corpus_facts(fresh_warehouse).data_version
    warehouse.create_token(fresh_warehouse, "alice")
    assert warehouse.data_version(fresh_warehouse) != second
