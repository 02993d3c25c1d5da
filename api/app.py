"""The read-only HTTP API: the CLI's tables over HTTP, each behind a bearer token.

Every route reads through the same `warehouse` functions as the CLI and the dashboard
(`series_table`, `spikes_report`, `search_articles`, ...), so the three never disagree.
A route checks what the warehouse would only fail on (dates it cannot place, unknown
entities, spans too long to serve), names the parameter, and answers 422.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, some local to create_app.

import base64
import binascii
import hashlib
import re
import threading
import types
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from fastapi import Depends, FastAPI, Path, Query, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, BeforeValidator

import warehouse
from api.errors import ApiProblem, ErrorBody, install_handlers
from api.responses import MEDIA_TYPES, NEXT_CURSOR_HEADER, Format, Report, Responder
from api.schemas import (
    ArticlesTable,
    ComentionsTable,
    EntitiesTable,
    EventsTable,
    FeedsTable,
    Health,
    LensTable,
    SeriesTable,
    SourcesTable,
    SpikesTable,
)

__all__ = ["create_app"]

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
MAX_BUCKETS = 200_000  # per entity and outlet: a day series from 1900 to 2199, or 22 years of hours
MAX_DAYS = 3650  # the longest window, baseline or smoothing span in days
_BUCKET_HOURS = {"hour": 1, "day": 24, "week": 24 * 7, "month": 24 * 28}
MAX_QUERIES = 20  # per request: each query is matched against every article in the period
MAX_COLLECTION_NAME = 80  # as `newstally collections add` allows

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_only(value: object) -> object:
    """YYYY-MM-DD only: pydantic alone also takes a number (as a Unix time) or a datetime for a date."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("not a date: use YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
Bucket = Literal["hour", "day", "week", "month"]
Metric = Literal["articles", "mentions", "share"]


def _product_version() -> str:
    try:
        return version("newstally")
    except PackageNotFoundError:
        return "0.0.0"


def _responses(body: type[BaseModel], *extra: int) -> dict[int | str, dict[str, Any]]:
    errors: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": text}
        for status, text in (
            (401, "no valid token: send `Authorization: Bearer TOKEN`"),
            (404, "unknown event"),
            (422, "a parameter the warehouse cannot use; `parameter` names it"),
            (503, "the warehouse cannot be read"),
        )
        if status in (401, 422, 503, *extra)
    }
    return {
        200: {
            "model": body,
            "description": "the table; provenance in `meta` (JSON), the Newstally-Provenance header and an ETag",
            "content": {MEDIA_TYPES["csv"].split(";")[0]: {}, MEDIA_TYPES["parquet"]: {}},
        },
        304: {"description": "not modified: the ETag sent in If-None-Match still holds"},
        **errors,
    }


def _entity_list(values: list[str] | None, parameter: str, known: list[str], *, required: bool) -> list[str] | None:
    """Repeated and comma-separated ids as one list, each checked against the watchlist."""
    if values is None:
        if required:
            raise ApiProblem(422, "give at least one entity id, e.g. putin,trump", parameter=parameter)
        return None
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not ids:
        raise ApiProblem(422, "give at least one entity id, e.g. putin,trump", parameter=parameter)
    unknown = [entity_id for entity_id in ids if entity_id not in known]
    if unknown:
        shown = ", ".join(repr(entity_id[:40]) for entity_id in unknown[:5])
        raise ApiProblem(422, f"unknown entity {shown}; known: {', '.join(known)}", parameter=parameter)
    return ids


def _query_list(values: list[str] | None) -> list[str]:
    """Each query checked by the parser the warehouse counts with; a mistake names `query` and says where."""
    texts = list(dict.fromkeys(values or []))
    if len(texts) > MAX_QUERIES:
        raise ApiProblem(422, f"{len(texts)} queries; at most {MAX_QUERIES} in one request", parameter="query")
    for text in texts:
        try:
            warehouse.parse_query(text)
        except warehouse.QueryInvalid as error:
            raise ApiProblem(422, str(error), parameter="query") from None
    return texts


def _check_dates(start: date | None, end: date | None, *, names: tuple[str, str] = ("from", "to")) -> None:
    for day, name in ((start, names[0]), (end, names[1])):
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise ApiProblem(422, f"date {day} out of range: use {EARLIEST_DATE} to {LATEST_DATE}", parameter=name)
    if start is not None and end is not None and start > end:
        raise ApiProblem(422, f"{names[1]} ({end}) is before {names[0]} ({start})", parameter=names[1])


def _check_span(start: date | None, end: date | None, bucket: str) -> None:
    first = start or date(1990, 1, 1)
    last = end or datetime.now(UTC).date() + timedelta(days=1)
    buckets = ((last - first).days + 1) * 24 // _BUCKET_HOURS[bucket]
    if buckets > MAX_BUCKETS:
        raise ApiProblem(
            422,
            f"about {buckets:,} {bucket} buckets asked for; at most {MAX_BUCKETS:,}:"
            " narrow from/to or use a longer bucket",
            parameter="bucket" if start and end else "from",
        )


def _cursor_text(published_at: datetime, article_id: int) -> str:
    stamp = published_at.astimezone(UTC).replace(tzinfo=None).isoformat()
    return base64.urlsafe_b64encode(f"{stamp}|{article_id}".encode()).decode().rstrip("=")


def _cursor_value(text: str) -> tuple[datetime, int]:
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        stamp, article_id = decoded.split("|")
        return datetime.fromisoformat(stamp), int(article_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem(
            422, "not a cursor this API gave out: pass next_cursor of the previous page", parameter="cursor"
        ) from None


_UNIONS = (Union, types.UnionType)


def _refuse_unknown_parameters(request: Request) -> None:
    """A parameter the route does not take, or one value given twice, is a mistake.

    Either would otherwise be silently ignored: a typo dropped, or all but the last of
    `source=a&source=b` thrown away while the answer looks like one about both.
    """
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    params = {param.alias: param for param in _query_params(dependant)}
    for name in request.query_params:
        shown = name if len(name) <= 40 else f"{name[:37]}..."
        if name not in params:
            raise ApiProblem(
                422, f"unknown parameter {shown!r}; this endpoint takes {', '.join(sorted(params))}", parameter=shown
            )
        if not _takes_many(params[name].field_info.annotation) and len(request.query_params.getlist(name)) > 1:
            raise ApiProblem(422, "given more than once; it takes one value", parameter=shown)


def _takes_many(annotation: Any) -> bool:
    """Whether a parameter's type is a list (`list[str] | None` included), so it may repeat."""
    if get_origin(annotation) is list:
        return True
    return any(_takes_many(member) for member in get_args(annotation) if get_origin(annotation) in _UNIONS)


def _query_params(dependant: Any) -> list[Any]:
    found = list(dependant.query_params)
    for sub in dependant.dependencies:
        found += _query_params(sub)
    return found


def create_app(wh: warehouse.Warehouse) -> FastAPI:
    """The API over one warehouse; `newstally api` serves it with uvicorn."""
    # /docs from files shipped in the package, not a CDN: it works on a machine without internet.
    app = FastAPIOffline(
        title="newstally API",
        version=_product_version(),
        description=(
            "Read-only access to the coverage tables of one newstally warehouse: the rows and columns"
            " of the `newstally` command of the same name. Send `Authorization: Bearer TOKEN`"
            " (`newstally tokens create NAME`). `format=json` (default), `csv` or `parquet`; every"
            " table carries its provenance and an ETag."
        ),
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    install_handlers(app)
    responder = Responder(wh)
    entity_cache: dict[str, list[str]] = {}
    entity_lock = threading.Lock()
    collection_cache: dict[str, dict[str, dict[str, Any]]] = {}
    bearer = HTTPBearer(auto_error=False, description="a token made by `newstally tokens create NAME`")

    token_cache: dict[tuple[str, str], str | None] = {}
    token_lock = threading.Lock()

    def require_token(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
    ) -> str:
        """The token's holder; the data version read on the way is kept for the route (its ETag)."""
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None:
            raise ApiProblem(
                401,
                "a token is needed: send 'Authorization: Bearer TOKEN' (made by 'newstally tokens create NAME')",
                headers=challenge,
            )
        data_version = warehouse.data_version(wh)
        request.state.data_version = data_version
        # Making or revoking a token is a write, which changes the data version: a verdict
        # kept under the version it was read at is never stale.
        key = (data_version, hashlib.sha256(credentials.credentials.encode("utf-8")).hexdigest())
        with token_lock:
            known = key in token_cache
            holder = token_cache.get(key)
        if not known:
            holder = warehouse.token_holder(wh, credentials.credentials)
            with token_lock:
                if len(token_cache) >= 1000 or any(version != data_version for version, _ in token_cache):
                    token_cache.clear()
                token_cache[key] = holder
        if holder is None:
            raise ApiProblem(401, "token unknown or revoked", headers=challenge)
        return holder

    def known_entities(data_version: str) -> list[str]:
        with entity_lock:
            if data_version in entity_cache:
                return entity_cache[data_version]
        ids = [str(entity_id) for entity_id in warehouse.list_entities(wh)["entity_id"]]
        with entity_lock:
            entity_cache.clear()
            entity_cache[data_version] = ids
        return ids

    def collection_record(name: str | None, data_version: str) -> dict[str, Any] | None:
        """A stored collection's name, rule and outlets now (as the export sidecar records it); 422 when unknown."""
        if name is None:
            return None
        with entity_lock:
            stored = collection_cache.get(data_version)
        if stored is None:
            stored = {
                found.name: {"name": found.name, "rule": found.rule, "outlets": list(found.outlets)}
                for found in warehouse.list_collections(wh)
            }
            with entity_lock:
                collection_cache.clear()
                collection_cache[data_version] = stored
        if name not in stored:
            shown = name if len(name) <= 40 else f"{name[:37]}..."
            known = ", ".join(stored) if stored else "none stored (newstally collections add)"
            raise ApiProblem(422, f"no collection named {shown!r}; known: {known}", parameter="collection")
        return stored[name]

    def serve(request: Request, fmt: str, build: Callable[[str], Report], *, clock: bool = False) -> Response:
        """Refuse unknown parameters, answer 304 when the client is current, else build and send the report."""
        _refuse_unknown_parameters(request)
        data_version = getattr(request.state, "data_version", None) or warehouse.data_version(wh)
        etag = responder.etag(request, data_version, clock=clock)
        unchanged = responder.not_modified(request, etag)
        if unchanged is not None:
            return unchanged
        try:
            report = build(data_version)
        except warehouse.UnknownTimeZone as error:
            raise ApiProblem(422, str(error), parameter="tz") from None
        except warehouse.QueryInvalid as error:  # e.g. a query that is also a requested entity's id
            raise ApiProblem(422, str(error), parameter="query") from None
        except warehouse.UnknownEvent as error:
            raise ApiProblem(404, str(error), parameter="event_id") from None
        except warehouse.UnknownCollection as error:  # removed since it was checked
            raise ApiProblem(422, str(error), parameter="collection") from None
        return responder.respond(request, report, fmt=fmt, etag=etag, version=data_version)

    authorized = [Depends(require_token)]
    FormatQuery = Annotated[Format, Query(alias="format", description="json (default), csv or parquet")]
    FromQuery = Annotated[IsoDate | None, Query(alias="from", description="first local date, YYYY-MM-DD")]
    ToQuery = Annotated[IsoDate | None, Query(alias="to", description="last local date, YYYY-MM-DD (inclusive)")]
    ZoneQuery = Annotated[str, Query(max_length=100, description="IANA time zone of the dates and buckets")]
    CollectionQuery = Annotated[
        str | None,
        Query(
            max_length=MAX_COLLECTION_NAME,
            description="count only the outlets of this collection, in totals and shares too"
            " (`newstally collections list`); provenance records its rule and outlets",
        ),
    ]
    LuceneQueries = Annotated[
        list[str] | None,
        Query(
            alias="query",
            description='a search in Lucene syntax counted like an entity (words, "phrases", AND, OR, NOT, word*,'
            f" title:word); repeatable, at most {MAX_QUERIES}; its rows carry the query as entity_id",
        ),
    ]

    def table(path: str, model: type[BaseModel], *statuses: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A GET route behind the token whose 200 is `model` (JSON), CSV or Parquet."""
        return app.get(
            path, dependencies=authorized, response_model=model, responses=_responses(model, *statuses), tags=["tables"]
        )

    @app.get("/v1/health", response_model=Health, tags=["service"])
    def health() -> Health:
        """Whether the server is up; needs no token."""
        return Health(status="ok", product_version=_product_version())

    @table("/v1/series", SeriesTable)
    def series(
        request: Request,
        entity: Annotated[
            list[str] | None,
            Query(description="entity id(s): comma-separated or repeated, e.g. putin,trump; or give `query`"),
        ] = None,
        queries: LuceneQueries = None,
        bucket: Annotated[Bucket, Query(description="time bucket")] = "day",
        date_from: FromQuery = None,
        date_to: ToQuery = None,
        tz: ZoneQuery = "UTC",
        by_source: Annotated[bool, Query(description="one series per outlet")] = False,
        metric: Annotated[Metric | None, Query(description="only this value column")] = None,
        smooth: Annotated[int, Query(ge=1, le=1000, description="trailing mean over N buckets")] = 1,
        unique: Annotated[bool, Query(description="count a syndicated story once")] = False,
        complete: Annotated[bool, Query(description="append `complete`: every outlet's feeds fetched")] = False,
        with_entity: Annotated[
            str | None, Query(alias="with", description="co-mentions: only articles also mentioning this entity")
        ] = None,
        collection: CollectionQuery = None,
        fmt: FormatQuery = "json",
    ) -> Response:
        """`newstally series`: bucket_start, [source,] entity_id, articles, mentions, total_articles, share
        [, complete]."""

        def build(data_version: str) -> Report:
            known = known_entities(data_version)
            texts = _query_list(queries)
            if entity is None and not texts:
                raise ApiProblem(422, "give at least one entity id, e.g. putin,trump, or a query", parameter="entity")
            entity_ids = _entity_list(entity, "entity", known, required=True) if entity is not None else []
            also = None
            if with_entity is not None:
                also_ids = _entity_list([with_entity], "with", known, required=True) or []
                if len(also_ids) != 1:
                    raise ApiProblem(422, "give one entity id", parameter="with")
                also = also_ids[0]
            _check_dates(date_from, date_to)
            _check_span(date_from, date_to, bucket)
            outlets = collection_record(collection, data_version)
            assert entity_ids is not None
            frame = warehouse.series_table(
                wh,
                entity_ids,
                queries=texts,
                bucket=bucket,
                start=date_from,
                end=date_to,
                tz=tz,
                by_source=by_source,
                metric=metric,
                with_entity=also,
                smooth=smooth,
                unique=unique,
                complete=complete,
                collection=collection,
            )
            options = {
                "table": "series",
                "entity": entity_ids,
                "query": texts,
                "bucket": bucket,
                "from": date_from,
                "to": date_to,
                "tz": tz,
                "by_source": by_source,
                "metric": metric,
                "with": also,
                "smooth": smooth,
                "unique": unique,
                "complete": complete,
                "collection": outlets,
            }
            return Report("series", options, frame=frame)

        return serve(request, fmt, build)

    @table("/v1/spikes", SpikesTable)
    def spikes(
        request: Request,
        entity: Annotated[list[str] | None, Query(description="entity id(s); default all (none with `query`)")] = None,
        queries: LuceneQueries = None,
        since: Annotated[IsoDate | None, Query(description="only episodes ending on or after this UTC date")] = None,
        window: Annotated[int, Query(ge=1, le=MAX_DAYS, description="days of past each day is judged against")] = 28,
        threshold: Annotated[
            float, Query(ge=-1000, le=1000, allow_inf_nan=False, description="score a spike day must reach")
        ] = 3.5,
        min_count: Annotated[int, Query(ge=1, le=1_000_000_000, description="articles a spike day needs")] = 5,
        collection: CollectionQuery = None,
        fmt: FormatQuery = "json",
    ) -> Response:
        """`newstally spikes`: one row per episode with its headlines, rising words and events."""

        def build(data_version: str) -> Report:
            entity_ids = _entity_list(entity, "entity", known_entities(data_version), required=False)
            texts = _query_list(queries)
            _check_dates(since, None, names=("since", "since"))
            outlets = collection_record(collection, data_version)
            rows = warehouse.spikes_report(
                wh,
                entity_ids=entity_ids,
                queries=texts,
                since=since,
                window_days=window,
                threshold=threshold,
                min_count=min_count,
                nested=fmt == "json",
                collection=collection,
            )
            options = {
                "table": "spikes",
                "entity": entity_ids,
                "query": texts,
                "since": since,
                "window": window,
                "threshold": threshold,
                "min_count": min_count,
                "collection": outlets,
            }
            return Report("spikes", options, rows=rows, columns=warehouse.EPISODE_REPORT_COLUMNS)

        return serve(request, fmt, build)

    @table("/v1/event-lens/{event_id}", LensTable, 404)
    def event_lens(
        request: Request,
        event_id: Annotated[str, Path(max_length=200, description="an event id (see /v1/events)")],
        window: Annotated[int, Query(ge=0, le=MAX_DAYS, description="days either side of the event")] = 3,
        baseline: Annotated[int, Query(ge=1, le=MAX_DAYS, description="days before the window")] = 28,
        collection: CollectionQuery = None,
        fmt: FormatQuery = "json",
    ) -> Response:
        """`newstally event-lens EVENT_ID`: per entity the lift of its share around the event, and the outlets."""

        def build(data_version: str) -> Report:
            outlets = collection_record(collection, data_version)
            _lens, rows = warehouse.lens_report(
                wh,
                event_id,
                window_days=window,
                baseline_days=baseline,
                nested=fmt == "json",
                collection=collection,
            )
            options = {
                "table": "event-lens",
                "event": event_id,
                "window": window,
                "baseline": baseline,
                "collection": outlets,
            }
            return Report("event-lens", options, rows=rows, columns=warehouse.LENS_REPORT_COLUMNS)

        return serve(request, fmt, build)

    @table("/v1/comentions", ComentionsTable)
    def comentions(
        request: Request,
        date_from: Annotated[
            IsoDate | None, Query(alias="from", description="first UTC date (default: 28 days up to `to`)")
        ] = None,
        date_to: Annotated[
            IsoDate | None, Query(alias="to", description="last UTC date (default: newest article)")
        ] = None,
        collection: CollectionQuery = None,
        fmt: FormatQuery = "json",
    ) -> Response:
        """`newstally comentions`: the share of each leader's articles that also mention each theme."""

        def build(data_version: str) -> Report:
            _check_dates(date_from, date_to)
            outlets = collection_record(collection, data_version)
            rows = warehouse.comention_report(wh, start=date_from, end=date_to, collection=collection)
            options = {"table": "comentions", "from": date_from, "to": date_to, "collection": outlets}
            return Report("comentions", options, rows=rows, columns=warehouse.COMENTION_REPORT_COLUMNS)

        return serve(request, fmt, build)

    @table("/v1/articles", ArticlesTable)
    def articles(
        request: Request,
        text: Annotated[
            str | None, Query(max_length=500, description="words in the title or summary, case-insensitive")
        ] = None,
        query: Annotated[
            str | None,
            Query(description="only articles this Lucene query matches, counted as series counts it (`query` there)"),
        ] = None,
        entity: Annotated[str | None, Query(description="only articles mentioning this entity")] = None,
        source: Annotated[str | None, Query(max_length=500, description="only this outlet (its name)")] = None,
        collection: CollectionQuery = None,
        date_from: FromQuery = None,
        date_to: ToQuery = None,
        tz: ZoneQuery = "UTC",
        limit: Annotated[int, Query(ge=1, le=1000, description="articles per page")] = 100,
        cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page")] = None,
        fmt: FormatQuery = "json",
    ) -> Response:
        """Articles newest first, as the dashboard's Articles page finds them: article_id, published_at, source,
        title, summary, url, entity_ids. Page on with `cursor`; CSV and Parquet carry it in the
        Newstally-Next-Cursor header and a `Link: rel="next"`."""

        def build(data_version: str) -> Report:
            if entity is not None:
                _entity_list([entity], "entity", known_entities(data_version), required=True)
            searched = _query_list([query]) if query is not None and query.strip() else []
            _check_dates(date_from, date_to)
            outlets = collection_record(collection, data_version)
            after = _cursor_value(cursor) if cursor is not None else None
            frame, total_count = warehouse.search_articles(
                wh,
                text=text,
                query=searched[0] if searched else None,
                entity_id=entity,
                source=source,
                start=date_from,
                end=date_to,
                tz=tz,
                limit=limit,
                after=after,
                collection=collection,
            )
            next_cursor = None
            if total_count > len(frame) and len(frame):
                last = frame.iloc[-1]
                next_cursor = _cursor_text(last["published_at"].to_pydatetime(), int(last["article_id"]))
            headers = {}
            if next_cursor:
                following = request.url.include_query_params(cursor=next_cursor)
                headers = {NEXT_CURSOR_HEADER: next_cursor, "Link": f'<{following}>; rel="next"'}
            options = {
                "table": "articles",
                "text": text,
                "query": query,
                "entity": entity,
                "source": source,
                "collection": outlets,
                "from": date_from,
                "to": date_to,
                "tz": tz,
                "limit": limit,
                "cursor": cursor,
            }
            return Report(
                "articles",
                options,
                rows=frame.to_dict("records"),
                columns=list(frame.columns),
                extra={"next_cursor": next_cursor, "total_count": total_count},
                headers=headers,
            )

        return serve(request, fmt, build)

    @table("/v1/entities", EntitiesTable)
    def entities(request: Request, fmt: FormatQuery = "json") -> Response:
        """The watchlist's entities: entity_id, kind, name; leaders first, in watchlist order."""

        def build(_: str) -> Report:
            frame = warehouse.list_entities(wh)
            return Report("entities", {"table": "entities"}, rows=frame.to_dict("records"), columns=list(frame.columns))

        return serve(request, fmt, build)

    @table("/v1/events", EventsTable)
    def events(
        request: Request, date_from: FromQuery = None, date_to: ToQuery = None, fmt: FormatQuery = "json"
    ) -> Response:
        """`newstally events list`: the calendar, by date."""

        def build(_: str) -> Report:
            _check_dates(date_from, date_to)
            rows = warehouse.events_report(wh, start=date_from, end=date_to)
            options = {"table": "events", "from": date_from, "to": date_to}
            return Report("events", options, rows=rows, columns=warehouse.EVENT_REPORT_COLUMNS)

        return serve(request, fmt, build)

    @table("/v1/sources", SourcesTable)
    def sources(request: Request, fmt: FormatQuery = "json") -> Response:
        """The outlets, by name."""

        def build(_: str) -> Report:
            rows = warehouse.sources_report(wh)
            return Report("sources", {"table": "sources"}, rows=rows, columns=warehouse.SOURCE_REPORT_COLUMNS)

        return serve(request, fmt, build)

    @table("/v1/feeds", FeedsTable)
    def feeds(request: Request, fmt: FormatQuery = "json") -> Response:
        """`newstally status`: each feed's health."""

        def build(_: str) -> Report:
            rows = warehouse.feed_status_report(wh)
            return Report("feeds", {"table": "feeds"}, rows=rows, columns=warehouse.FEED_STATUS_COLUMNS)

        return serve(request, fmt, build, clock=True)

    return app
