"""The read-only HTTP API (`newstally api`): the CLI's tables as JSON, CSV or Parquet behind bearer tokens.

Routes read only through `warehouse` functions, the ones the CLI and the dashboard use.
Errors are JSON (api.errors): 401 without a valid token, 404 for an unknown event, 422
naming the parameter a request got wrong, 503 when the warehouse cannot be read.
"""

from api.app import create_app

__all__ = ["create_app"]
