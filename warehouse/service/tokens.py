"""Tokens for the HTTP API: made, listed, revoked, and checked, with only their SHA-256 stored.

A token is 32 random bytes in URL-safe base64 (`secrets.token_urlsafe`), shown once when
made. Its hash is looked up directly, so checking one costs one indexed read and no
comparison that leaks timing about a stored secret.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from warehouse.engine.clock import from_stored, to_stored, utc_now
from warehouse.engine.db import Warehouse, fetch_one
from warehouse.errors import WarehouseError

__all__ = ["ApiToken", "TokenInvalid", "create_token", "list_tokens", "revoke_token", "token_holder"]

TOKEN_BYTES = 32
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
_HAS_TOKENS_TABLE = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'api_tokens'"
_ACTIVE_NAME = "SELECT name FROM api_tokens WHERE token_sha256 = ? AND revoked_at IS NULL"


class TokenInvalid(WarehouseError):
    """A token name that is malformed, already in use, or unknown."""


@dataclass(frozen=True)
class ApiToken:
    """A token as `newstally tokens list` shows it: never the token itself."""

    name: str
    created_at: datetime  # UTC
    revoked_at: datetime | None  # UTC; None while valid

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        shown = name if len(name) <= 40 else f"{name[:37]}..."
        raise TokenInvalid(
            f"bad token name {shown!r}: use up to 64 letters, digits, '_', '.', '@' or '-',"
            " starting with a letter or digit"
        )


def create_token(wh: Warehouse, name: str) -> str:
    """A new token for `name`, stored as its hash; the only time the token itself is seen."""
    _check_name(name)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with wh.writing() as connection:
        row = fetch_one(connection.execute("SELECT revoked_at FROM api_tokens WHERE name = ?", [name]))
        if row is not None and row[0] is None:
            raise TokenInvalid(f"a token named {name!r} exists already; revoke it first or pick another name")
        connection.execute("DELETE FROM api_tokens WHERE name = ?", [name])
        connection.execute(
            "INSERT INTO api_tokens (name, token_sha256, created_at) VALUES (?, ?, ?)",
            [name, _digest(token), to_stored(utc_now())],
        )
    return token


def list_tokens(wh: Warehouse) -> list[ApiToken]:
    """Every token by name, revoked ones too."""
    with wh.reading() as connection:
        if not _has_tokens_table(connection):
            return []
        rows = connection.execute("SELECT name, created_at, revoked_at FROM api_tokens ORDER BY name").fetchall()
    return [ApiToken(name, from_stored(created), from_stored(revoked)) for name, created, revoked in rows]  # type: ignore[arg-type]


def revoke_token(wh: Warehouse, name: str) -> ApiToken:
    """Refuse the token of `name` from now on; revoking a revoked token changes nothing."""
    with wh.writing() as connection:
        row = fetch_one(connection.execute("SELECT created_at, revoked_at FROM api_tokens WHERE name = ?", [name]))
        if row is None:
            raise TokenInvalid(f"no token named {name!r} (see 'newstally tokens list')")
        created, revoked = row
        if revoked is None:
            revoked = to_stored(utc_now())
            connection.execute("UPDATE api_tokens SET revoked_at = ? WHERE name = ?", [revoked, name])
    return ApiToken(name, from_stored(created), from_stored(revoked))  # type: ignore[arg-type]


def token_holder(wh: Warehouse, token: str) -> str | None:
    """The name of the valid token `token`, or None (unknown, revoked, or no token was ever made)."""
    if not token:
        return None
    with wh.reading() as connection:
        if not _has_tokens_table(connection):
            return None
        row = fetch_one(connection.execute(_ACTIVE_NAME, [_digest(token)]))
    return None if row is None else str(row[0])


def _has_tokens_table(connection) -> bool:
    """A warehouse last written before migration 0006 has no token table: nobody holds a token yet."""
    row = fetch_one(connection.execute(_HAS_TOKENS_TABLE))
    return bool(row and row[0])
