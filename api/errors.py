"""Every error the API sends is JSON naming what went wrong, and where: never a bare 500 for a user's mistake.

ApiProblem            one status, one message, the parameter concerned (or none)
├── 401 missing or invalid token
├── 404 unknown path or event
└── 422 a parameter the warehouse cannot use (bad date, unknown zone or entity, too long a span)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

import warehouse

logger = logging.getLogger(__name__)


class Problem(BaseModel):
    """One thing wrong with a request."""

    parameter: str | None
    message: str


class ErrorBody(BaseModel):
    """The body of every error response: `error` is one line a person can read."""

    error: str
    parameter: str | None = None
    problems: list[Problem] = []


class ApiProblem(Exception):
    """An error response: raised anywhere in a request, turned into JSON by the app's handler."""

    def __init__(self, status: int, message: str, *, parameter: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter
        self.headers = headers or {}


def error_response(status: int, problems: list[Problem], headers: Mapping[str, str] | None = None) -> JSONResponse:
    first = problems[0]
    error = f"{first.parameter}: {first.message}" if first.parameter else first.message
    body = ErrorBody(error=error, parameter=first.parameter, problems=problems)
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _validation_problem(detail: dict[str, Any]) -> Problem:
    location = [part for part in detail.get("loc", ()) if part not in ("query", "path", "header")]
    parameter = str(location[0]) if location else None
    message = str(detail.get("msg", "invalid value"))
    if "input" in detail and parameter is not None and isinstance(detail["input"], str | int | float):
        shown = str(detail["input"])
        shown = shown if len(shown) <= 60 else f"{shown[:57]}..."
        message = f"{message} (got {shown!r})"
    return Problem(parameter=parameter, message=message)


def install_handlers(app: FastAPI) -> None:
    """JSON errors for our problems, FastAPI's validation, unknown paths, and the warehouse's own errors."""

    @app.exception_handler(ApiProblem)
    async def api_problem(_: Request, problem: ApiProblem) -> JSONResponse:
        return error_response(
            problem.status, [Problem(parameter=problem.parameter, message=problem.message)], problem.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = [_validation_problem(detail) for detail in error.errors()]
        return error_response(422, problems or [Problem(parameter=None, message="invalid request")])

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        return error_response(error.status_code, [Problem(parameter=None, message=str(error.detail))], error.headers)

    @app.exception_handler(warehouse.WarehouseUnavailable)
    async def unavailable(_: Request, error: warehouse.WarehouseUnavailable) -> JSONResponse:
        logger.warning("warehouse unavailable: %s", error)
        return error_response(503, [Problem(parameter=None, message=str(error))])

    @app.exception_handler(warehouse.WarehouseError)
    async def refused(_: Request, error: warehouse.WarehouseError) -> JSONResponse:
        # The warehouse raises on purpose only for what it was asked: a user's mistake.
        return error_response(422, [Problem(parameter=None, message=str(error))])
