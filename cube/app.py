"""HTTP API of the cube service (Slicer-style), served by uvicorn (see cube/serve.py).

Two releases, same routes:

* ``/…``        the official release (正式版): schema CUBE_SCHEMA (default ``official``), every role;
* ``/review/…`` the review release (审核版): schema CUBE_REVIEW_SCHEMA (default ``marts``), roles
  reviewer and admin only.

Routes (under each prefix): ``/whoami``, ``/cubes``, ``/cube/{c}/model``, ``/cube/{c}/aggregate``,
``/cube/{c}/members/{dim}``, ``/cube/{c}/facts``, ``/cube/{c}/pivot``, ``/kpis``; ``/health`` is public.
Every data route needs ``Authorization: Bearer <token>`` (tokens: var/secrets/cube_tokens.json, see
cube/access.py); a missing or unknown token answers 401, a route the role may not use 403.
Output: JSON by default, ``format=csv`` or ``format=xlsx`` for tables. Bad parameters answer 400 (404 for an
unknown cube) with {"error": ..., "message": ...}; missing warehouse tables or an unreachable database 503.
Other settings: CUBE_STATEMENT_TIMEOUT_MS (default 60000), the database from
foundation.settings.warehouse_url() (env WAREHOUSE_URL), CUBE_AGGREGATES=off to read every aggregate from the fact.
Aggregate awareness: an aggregate answer carries ``query_path`` ({"summary", "cells": "aggregate:<table>" |
"fact"}), where each statement read (cube/plan.py ``plan``); /facts always reads the fact.
"""
from __future__ import annotations

import contextvars
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import queue
import re
import threading
import time
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import psycopg
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import errors as pg_errors
from psycopg import sql
from starlette.exceptions import HTTPException as StarletteHTTPException

from cube import access, calc, kpi
from cube.cache import CACHE
from cube.model import Cube, load_cubes, with_calibers
from cube.query import MAX_PAGE_SIZE, AggregateQuery, Cut, QueryError, build_facts, build_request
from foundation import openapi_docs, query_parameters, settings

SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
FORMATS = ("json", "csv", "xlsx")


def _schema(var: str, schema: str) -> str:
    if not SCHEMA_RE.match(schema):
        raise RuntimeError(f"{var} {schema!r} is not a valid schema name")
    return schema


def schema_name() -> str:
    """Schema of the official release (public API)."""
    return _schema("CUBE_SCHEMA", settings.get().cube_schema)


def review_schema_name() -> str:
    """Schema of the review release (/review API)."""
    return _schema("CUBE_REVIEW_SCHEMA", settings.get().cube_review_schema)


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.headers = status, error, message, headers


AUTH_DOC = """
**Access.** Every route except `/health`, `/docs` and `/openapi.json` needs a bearer token:
`Authorization: Bearer <token>`. Tokens are generated on the first start of the service into
`var/secrets/cube_tokens.json` (one per role: `admin`, `leadership`, `analyst`, `reviewer`,
`district_<code>` for each of the 16 districts); roles and their perspectives are in `access/model.yaml`.
An anonymous request or an unknown token gets **401**; a route the role may not use gets **403**
(the `/review` release needs `reviewer` or `admin`; `/facts` needs a role with drill-through).
A district role only ever sees its own district: every query is cut to it, whatever it asks.

**Releases.** `/…` reads the official release (正式版, schema `official`); `/review/…` the same routes
over the review release (审核版, schema `marts`).

**Cuts** `cut=dim[@level]:spec` separated by `|`: point `district:110105`, set `district:110105;110108`,
range (time) `month:202401-202406`, open `month:202401-`, inverted `!person_type:retired`.
**Drill-down** `drilldown=district|time@month` (a dimension alone goes one level below its cut).
**Measures** `measures=a,b`; calculated members of any measure: `<m>.yoy` (同比), `<m>.mom` (环比, previous
period of the same grain), `<m>.ytd` (本年累计, additive measures), `<m>.share` (占比 of the result total).
Stocks (期末人数) take the last month of a period, opening balances (期初数, 上期结转) its first month
(`stock_month` / `opening_month` in the answer); ratios are ratios of sums.
**Output** `format=json|csv|xlsx`. Errors: 400/404 with `{"error", "message"}`, never 500 for bad input; a
parameter the route does not take is a 400 naming it (and the closest one it does take), never ignored.
"""

app = FastAPI(
    title="北京市人力资源和社会保障统计数据仓库 · 多维分析服务 (cube)",
    description="Slicer-style OLAP API over the warehouse: aggregate with cuts, drill-down, calculated members, "
                "pivot, drill-through, KPIs. Measures are the MetricFlow metrics of the dbt semantic layer.\n"
                + AUTH_DOC,
    version="0.2.0",
    docs_url=None,  # /docs is served with local assets (foundation.openapi_docs): no CDN on the bureau's network
    redoc_url=None,  # ReDoc would load from a CDN too; /docs is the one API page
)
openapi_docs.mount(app)
bearer = HTTPBearer(auto_error=False, description="token from var/secrets/cube_tokens.json")


def _error(status: int, error: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


@app.exception_handler(ApiError)
def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return _error(exc.status, exc.error, exc.message, exc.headers)


@app.exception_handler(QueryError)
def _query_error(_: Request, exc: QueryError) -> JSONResponse:
    return _error(400, "bad_request", str(exc))


@app.exception_handler(access.AccessError)
def _access_error(_: Request, exc: access.AccessError) -> JSONResponse:
    return _error(exc.status, "forbidden" if exc.status == 403 else "unauthorized", str(exc))


@app.exception_handler(StarletteHTTPException)
def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    return _error(exc.status_code, "not_found" if exc.status_code == 404 else "http_error", str(exc.detail))


@app.exception_handler(RequestValidationError)
def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    msgs = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "query")
        msgs.append(f"{loc}: {e.get('msg')}")
    return _error(400, "bad_request", "; ".join(msgs))


@app.exception_handler(Exception)
def _internal_error(_: Request, exc: Exception) -> JSONResponse:   # pragma: no cover - a bug, logged by uvicorn
    import traceback

    traceback.print_exception(exc)
    return _error(500, "internal_error", f"internal error ({type(exc).__name__}); see the service log")


@app.on_event("startup")
def _startup() -> None:
    path = access.ensure_tokens(log=print)
    print(f"[cube] access tokens (one per role): {path}")


# ---------------------------------------------------------------------------------------------
# database: a small connection pool and the cached runner

STATEMENT_TIMEOUT_MS = int(os.environ.get("CUBE_STATEMENT_TIMEOUT_MS", "60000"))


class _Pool:
    def __init__(self, size: int = 8) -> None:
        self._q: queue.LifoQueue = queue.LifoQueue(maxsize=size)

    def _new(self) -> psycopg.Connection:
        timeout = settings.get().cube_statement_timeout_ms
        try:
            return psycopg.connect(settings.warehouse_url(), connect_timeout=10, autocommit=True,
                                   options=f"-c statement_timeout={timeout} -c default_transaction_read_only=on")
        except psycopg.OperationalError as exc:
            print(f"[cube] cannot connect to the warehouse database: {exc}", flush=True)
            raise ApiError(503, "database_unavailable", "cannot connect to the warehouse database") from None

    def run(self, stmt: sql.Composable, params: dict | None, timeout_ms: int | None = None
            ) -> tuple[list[str], list[tuple]]:
        try:
            conn = self._q.get_nowait()
        except queue.Empty:
            conn = self._new()
        ok = False
        try:
            # what is left of the request's time (REQUEST_TIMEOUT_S), else the service's statement timeout
            ms = max(1, int(timeout_ms)) if timeout_ms is not None else STATEMENT_TIMEOUT_MS
            if getattr(conn, "_wh_timeout", None) != ms:
                conn.execute(sql.SQL("set statement_timeout = {}").format(sql.Literal(ms)))
                conn._wh_timeout = ms
            cur = conn.execute(stmt, params)
            out = ([d.name for d in cur.description], cur.fetchall())
            ok = True
            return out
        finally:
            if ok and not conn.closed:
                try:
                    self._q.put_nowait(conn)
                except queue.Full:
                    conn.close()
            else:
                conn.close()


POOL = _Pool(settings.get().cube_pool_size)

# ---------------------------------------------------------------------------------------------
# cost guard: every statement not answered from the cache is estimated first (EXPLAIN, planning only).
# Too many result rows or too high a cost → 422 explaining what to cut; a heavy statement (cost above
# CUBE_HEAVY_COST) needs one of the token's CUBE_HEAVY_PER_TOKEN slots (else 429); every request has
# CUBE_REQUEST_TIMEOUT_S in all (its statements get what is left as statement_timeout; then 504).
MAX_RESULT_ROWS = int(os.environ.get("CUBE_MAX_RESULT_ROWS", "200000"))
MAX_COST = float(os.environ.get("CUBE_MAX_COST", "20000000"))
HEAVY_COST = float(os.environ.get("CUBE_HEAVY_COST", "500000"))
HEAVY_PER_TOKEN = int(os.environ.get("CUBE_HEAVY_PER_TOKEN", "2"))
REQUEST_TIMEOUT_S = float(os.environ.get("CUBE_REQUEST_TIMEOUT_S", "30"))


@dataclass
class RequestState:
    token_role: str
    deadline: float


REQUEST: contextvars.ContextVar[RequestState | None] = contextvars.ContextVar("cube_request", default=None)
_heavy_lock = threading.Lock()
_heavy_running: dict[str, int] = {}


def _remaining_ms() -> int | None:
    state = REQUEST.get()
    if state is None:
        return None
    left = state.deadline - time.monotonic()
    if left <= 0:
        raise ApiError(504, "timeout", f"the request exceeded its {REQUEST_TIMEOUT_S:.0f} s; cut the cube further "
                                       "or drill down less")
    return int(left * 1000)


def _too_big(n: float, what: str) -> ApiError:
    if what == "rows":
        return ApiError(422, "query_too_large", f"this query would produce about {int(n):,} cells (limit "
                        f"{MAX_RESULT_ROWS:,}): cut the cube (e.g. a shorter period or fewer members) or drill down "
                        "fewer dimensions / coarser levels")
    return ApiError(422, "query_too_expensive", f"this query is estimated to cost {n:,.0f} (limit {MAX_COST:,.0f}): "
                    "cut the cube or drill down fewer dimensions / coarser levels")


def _estimate(stmt: sql.Composable, params: dict | None) -> tuple[float, float]:
    """(total cost, result rows) of the statement's plan, without running it."""
    _, rows = POOL.run(sql.SQL("explain (format json) ") + stmt, params)
    plan = rows[0][0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    top = node = plan[0]["Plan"]
    rows = float(node.get("Plan Rows", 0))
    # the cells a query produces before paging: the largest estimate down the chain of Limit / Sort / window
    # nodes on top of the aggregate (the page's LIMIT says nothing about the work)
    while node.get("Node Type") in ("Limit", "Sort", "Incremental Sort", "WindowAgg", "Subquery Scan", "Result",
                                    "Gather Merge", "Gather", "Unique") and node.get("Plans"):
        node = node["Plans"][0]
        rows = max(rows, float(node.get("Plan Rows", 0)))
    return float(top.get("Total Cost", 0)), rows


_ESTIMATES: dict[tuple, tuple[float, float]] = {}    # statement key → (cost, rows): EXPLAIN once per statement


def _check(key: tuple, stmt: sql.Composable, params: dict | None) -> tuple[float, float] | None:
    """Refuse what is too large or too expensive (422, saying what to cut). None for internal statements."""
    if REQUEST.get() is None:    # internal statements (members lists, health) are small by construction
        return None
    estimate = _ESTIMATES.get(key)
    if estimate is None:
        estimate = _estimate(stmt, params)
        if len(_ESTIMATES) > 20000:
            _ESTIMATES.clear()
        _ESTIMATES[key] = estimate
    cost, rows = estimate
    if rows > MAX_RESULT_ROWS:
        raise _too_big(rows, "rows")
    if cost > MAX_COST:
        raise _too_big(cost, "cost")
    return estimate


def _take_heavy_slot(estimate: tuple[float, float] | None) -> bool:
    """A statement costing more than HEAVY_COST needs one of its token's HEAVY_PER_TOKEN slots (else 429).
    Returns True when a slot was taken (the caller releases it)."""
    state = REQUEST.get()
    if state is None or estimate is None or estimate[0] <= HEAVY_COST:
        return False
    with _heavy_lock:
        running = _heavy_running.get(state.token_role, 0)
        if running >= HEAVY_PER_TOKEN:
            raise ApiError(429, "too_many_heavy_queries",
                           f"{running} expensive queries of this token are still running (at most {HEAVY_PER_TOKEN} at "
                           "a time): wait for them, or cut the cube further", {"Retry-After": "5"})
        _heavy_running[state.token_role] = running + 1
    return True


def _release_heavy() -> None:
    state = REQUEST.get()
    if state is None:
        return
    with _heavy_lock:
        _heavy_running[state.token_role] = max(0, _heavy_running.get(state.token_role, 0) - 1)


def run_sql(schema: str, stmt: sql.Composable, params: dict | None = None) -> tuple[list[str], list[tuple]]:
    """Run a read-only statement, through the result cache."""
    key = (schema, stmt.as_string(None), repr(sorted((params or {}).items())))
    estimate = _check(key, stmt, params)    # before the cache too: a refused query stays refused
    hit = CACHE.get(key)
    if hit is not None:
        return hit
    heavy = _take_heavy_slot(estimate)
    try:
        result = POOL.run(stmt, params, _remaining_ms())
    except (pg_errors.UndefinedTable, pg_errors.UndefinedColumn, pg_errors.InvalidSchemaName) as exc:
        raise ApiError(503, "warehouse_not_built",
                       f"the cube's tables are missing or out of date in schema {schema!r} "
                       f"({exc.diag.message_primary}); build the marts (dbt) and publish the release, "
                       f"or set CUBE_SCHEMA / CUBE_REVIEW_SCHEMA") from None
    except pg_errors.QueryCanceled:
        raise ApiError(504, "timeout", f"the query took too long (limit {REQUEST_TIMEOUT_S:.0f} s per request); "
                       "cut the cube further or drill down less") from None
    except pg_errors.DataError as exc:
        raise ApiError(400, "bad_request", f"a parameter value is out of range: {exc.diag.message_primary}") from None
    except psycopg.OperationalError as exc:
        print(f"[cube] warehouse database error: {exc}", flush=True)
        raise ApiError(503, "database_unavailable", "warehouse database error (see the service log)") from None
    finally:
        if heavy:
            _release_heavy()
    CACHE.put(key, result)
    return result


# ---------------------------------------------------------------------------------------------
# request context: role, release, cube views

@dataclass
class Ctx:
    role: access.Role
    schema: str
    review: bool
    state: RequestState | None = None      # the token's deadline and heavy-query slots (cost guard)

    def cube(self, name: str) -> Cube:
        cubes = load_cubes()
        visible = {n: v for n, c in cubes.items() if (v := access.view(c, self.role)) is not None}
        if name not in visible:
            raise ApiError(404, "not_found", f"unknown cube {name!r}; cubes: {', '.join(visible) or 'none'}")
        return visible[name]

    def cubes(self) -> list[Cube]:
        return [v for c in load_cubes().values() if (v := access.view(c, self.role)) is not None]

    def restrict(self, cube: Cube) -> list[Cut]:
        if not self.role.district:
            return []
        dim = cube.dimensions[cube.district_dimension]
        return [Cut(dim.name, dim.levels[-1].name, "point", values=(self.role.district,))]

    def run(self, stmt: sql.Composable, params: dict | None = None) -> tuple[list[str], list[tuple]]:
        token = REQUEST.set(self.state)
        try:
            return run_sql(self.schema, stmt, params)
        finally:
            REQUEST.reset(token)


def _context(review: bool):
    def dep(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Ctx:
        CACHE.check()
        if creds is None:
            raise ApiError(401, "unauthorized", "authentication required: send 'Authorization: Bearer <token>' "
                           "(ask the administrator for your role's token)", {"WWW-Authenticate": "Bearer"})
        role = access.role_for_token(creds.credentials)
        if role is None:
            raise ApiError(401, "unauthorized", "unknown token", {"WWW-Authenticate": "Bearer"})
        if review and not role.review:
            raise ApiError(403, "forbidden", f"role {role.name!r} may not read the review release (/review); "
                           "roles reviewer and admin may")
        return Ctx(role, review_schema_name() if review else schema_name(), review,
                   RequestState(role.name, time.monotonic() + REQUEST_TIMEOUT_S))
    return dep


# ---------------------------------------------------------------------------------------------
# output

def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _table_response(fmt: str, name: str, header: list[str], rows: list[list[Any]]) -> Response:
    rows = [[_jsonable(v) for v in r] for r in rows]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        w.writerows(rows)
        return Response(("\ufeff" + buf.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(name[:31])
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def _fmt(value: str | None) -> str:
    fmt = (value or "json").lower()
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {value!r}; formats: {', '.join(FORMATS)}")
    return fmt


# ---------------------------------------------------------------------------------------------
# aggregate (shared by /aggregate, /pivot and /kpis)

def aggregates_enabled() -> bool:
    """CUBE_AGGREGATES=off makes every query read the fact (aggregate awareness off)."""
    return settings.get().cube_aggregates


def available_aggregates(ctx: Ctx, cube: Cube) -> frozenset[str]:
    """The cube's aggregate tables that exist in the release's schema (a release published before the
    aggregate existed simply has none: its queries read the fact). Through the result cache, so it is
    checked again whenever the data version changes."""
    if not cube.aggregate_tables or not aggregates_enabled():
        return frozenset()
    stmt = sql.SQL("select t from unnest({}::text[]) as t where to_regclass(quote_ident({}) || '.' || quote_ident(t)) "
                   "is not null").format(sql.Placeholder("t"), sql.Placeholder("s"))
    _, rows = ctx.run(stmt, {"t": cube.aggregate_tables, "s": ctx.schema})
    return frozenset(r[0] for r in rows)


def data_months(ctx: Ctx, cube: Cube, available: frozenset[str]) -> dict[int, int] | None:
    """{year: 12-bit mask of the months with data} of the cube's period-count table (its year rows carry them), so
    the planner can tell that e.g. month:202401-202412 selects exactly the data of 2024 when nothing else of 2024
    has data. Through the result cache (one small indexed read per data version); None without such a table."""
    dagg = next((d for d in cube.distinct_aggregates if d.type == "period_counts" and d.table in available), None)
    if dagg is None or not dagg.months_column:
        return None
    stmt = sql.SQL("select {y}, max({m}) from {t} where {p} = 'year' and {r} = {all} group by 1").format(
        y=sql.Identifier(cube.time_dim.level_of_grain("year").key), m=sql.Identifier(dagg.months_column),
        t=sql.Identifier(ctx.schema, dagg.table), p=sql.Identifier(dagg.period_column),
        r=sql.Identifier(dagg.rollup_column), all=sql.Literal(dagg.rollup_bits(set())))
    try:
        _, rows = ctx.run(stmt, {})
    except ApiError:        # an older table without the column: plan without it
        return None
    return {int(y): int(m) for y, m in rows if m}


def aggregate_result(ctx: Ctx, cube: Cube, *, cut=None, drilldown=None, measures=None, order=None,
                     page=None, pagesize=None, use: str = "auto") -> dict:
    available = available_aggregates(ctx, cube) if use != "fact" else frozenset()
    cells_q, summary_q = build_request(cube, ctx.schema, cut=cut, drilldown=drilldown, measures=measures,
                                       order=order, page=page, pagesize=pagesize, restrict=ctx.restrict(cube),
                                       available=available, use=use,
                                       data_months=data_months(ctx, cube, available) if use != "fact" else None)
    paths: dict[str, str] = {}
    opening: dict[str, Any] = {}

    def runner(q: AggregateQuery):
        role = "summary" if q is summary_q else "cells" if q is cells_q else "other"
        paths.setdefault(role, q.path)
        names, rows = ctx.run(*q.build())
        if q is summary_q:
            opening["month"] = q.opening_month(names, rows)
        return q.format_rows(names, rows)

    summary_cells, _, stock_t = runner(summary_q)
    summary = dict(summary_cells[0]) if summary_cells else {}
    cells: list[dict] = []
    total = None
    if cells_q.drilldowns:
        cells, total, _ = runner(cells_q)
        cells = [dict(c) for c in cells]
        if not cells and cells_q.page > 0:
            count_q = replace(cells_q, order=[], page=0, pagesize=1)
            total = runner(count_q)[1]
    notes = calc.apply(cube, cells_q, summary_q, cells, summary, runner)
    # keep only what was asked for (bases of calculated members were computed to derive them)
    keep = set(cells_q.measures)
    attrs = [a.ref for a in cells_q.attributes()]
    drop = set(cells_q.sql_measures()) - keep
    for c in [summary, *cells]:
        for k in drop:
            c.pop(k, None)
    result: dict[str, Any] = {
        "cube": cube.name,
        "release": "review" if ctx.review else "official",
        "summary": summary,
        "cells": cells,
        "total_cell_count": total,
        "aggregates": cells_q.measures,
        "measures": [{"name": m, "label": cube.measure_label(m)} for m in cells_q.measures],
        "cuts": [c.to_dict() for c in cells_q.cuts],
        "levels": cells_q.level_refs(),
        "attributes": attrs,
        "page": cells_q.page if cells_q.drilldowns else None,
        "page_size": cells_q.pagesize if cells_q.drilldowns else None,
        "stock_month": stock_t,
        # the month opening balances (e.g. 上期结转案件数) were taken from: the first of the cut's span
        "opening_month": opening.get("month"),
        # where each statement read: aggregate:<table> (pre-aggregate) or fact (see cube/plan.py)
        "query_path": paths,
    }
    if ctx.role.district:
        result["restricted_to_district"] = ctx.role.district
    if notes:
        result["notes"] = notes
    return result


CUT_DOC = "cuts separated by |, e.g. month:202401-202406|district:110105;110108 (see the API description)"
FORMAT_DOC = "json (default), csv or xlsx"


def _reject_unknown_parameters(request: Request) -> None:
    unknown, known = query_parameters.undeclared(request)
    if unknown:
        names = ", ".join(f"{n!r}" + (f" (did you mean {close!r}?)" if close else "") for n, close in unknown)
        raise ApiError(400, "bad_request", f"unknown parameter {names}; "
                       f"this request takes: {', '.join(sorted(known)) or 'no parameters'}")


def make_router(review: bool) -> APIRouter:
    """The routes of one release (official, or review under /review); each route's work is a function below."""
    tag = "review release (审核版)" if review else "official release (正式版)"
    router = APIRouter(tags=[tag], dependencies=[Depends(_reject_unknown_parameters)])
    ctx_dep = Depends(_context(review))
    err = {401: {"description": "no or unknown bearer token"}, 403: {"description": "not allowed for the role"},
           400: {"description": "bad parameter; the message says which and why"}}

    @router.get("/whoami", summary="The caller's role, perspectives and restrictions", responses=err)
    def whoami(ctx: Ctx = ctx_dep) -> dict:
        return {**ctx.role.to_dict(), "release": "review" if review else "official", "schema": ctx.schema,
                "perspectives": access.perspectives_of(ctx.role)}

    @router.get("/cubes", summary="Cubes visible to the caller, with their Chinese labels", responses=err)
    def list_cubes(ctx: Ctx = ctx_dep) -> list[dict]:
        return [{"name": c.name, "label": c.label, "description": c.description} for c in ctx.cubes()]

    @router.get("/cube/{name}/model", summary="Cube model: dimensions, hierarchies, measures (caller's perspective)",
                responses={**err, 404: {"description": "unknown cube"}})
    def cube_model(name: str, ctx: Ctx = ctx_dep) -> dict:
        return model_response(ctx, name)

    @router.get("/cube/{name}/aggregate", summary="Aggregate with cuts, drill-down, measures, order and paging",
                responses={**err, 404: {"description": "unknown cube"}})
    def aggregate(
        name: str,
        cut: list[str] | None = Query(None, description=CUT_DOC),
        drilldown: list[str] | None = Query(None, description="e.g. district, month, time@year, time@quarter"),
        measures: list[str] | None = Query(None, description="measure names separated by , or |; "
                                                            "<m>.yoy .mom .ytd .share for calculated members"),
        aggregates: list[str] | None = Query(None, description="alias of measures (Slicer)"),
        order: list[str] | None = Query(None, description="e.g. contribution_income:desc,district"),
        page: int | None = Query(None, description="page number, from 0"),
        pagesize: int | None = Query(None, description=f"cells per page (default 1000, max {MAX_PAGE_SIZE})"),
        format: str | None = Query(None, description=FORMAT_DOC),
        ctx: Ctx = ctx_dep,
    ) -> Response:
        return aggregate_response(ctx, name, cut=cut, drilldown=drilldown,
                                  measures=(measures or []) + (aggregates or []) or None, order=order, page=page,
                                  pagesize=pagesize, fmt=_fmt(format))

    @router.get("/cube/{name}/members/{dimension}", summary="Members (key, label) of a dimension level",
                responses={**err, 404: {"description": "unknown cube"}})
    def members(name: str, dimension: str, level: str | None = Query(None),
                format: str | None = Query(None, description=FORMAT_DOC), ctx: Ctx = ctx_dep) -> Response:
        return members_response(ctx, name, dimension, level, _fmt(format))

    @router.get("/cube/{name}/facts", summary="Drill-through: fact rows inside the cuts (paged, identifiers masked)",
                responses={**err, 404: {"description": "unknown cube"}})
    def facts(
        name: str,
        cut: list[str] | None = Query(None, description=CUT_DOC),
        fields: list[str] | None = Query(None, description="fact fields separated by , (default: all declared)"),
        order: list[str] | None = Query(None, description="e.g. pension_paid:desc"),
        page: int | None = Query(None, description="page number, from 0"),
        pagesize: int | None = Query(None, description=f"rows per page (default 100, max {MAX_PAGE_SIZE})"),
        format: str | None = Query(None, description=FORMAT_DOC),
        ctx: Ctx = ctx_dep,
    ) -> Response:
        return facts_response(ctx, name, cut=cut, fields=fields, order=order, page=page, pagesize=pagesize,
                              fmt=_fmt(format))

    @router.get("/cube/{name}/pivot", summary="Pivot table: rows × columns of drilled dimensions",
                responses={**err, 404: {"description": "unknown cube"}})
    def pivot(
        name: str,
        rows: list[str] | None = Query(None, description="drill-down(s) on rows, e.g. district"),
        columns: list[str] | None = Query(None, description="drill-down(s) on columns, e.g. time@month"),
        cut: list[str] | None = Query(None, description=CUT_DOC),
        measures: list[str] | None = Query(None, description="measure names separated by ,"),
        format: str | None = Query(None, description=FORMAT_DOC),
        ctx: Ctx = ctx_dep,
    ) -> Response:
        return pivot_response(ctx, name, rows=rows, columns=columns, cut=cut, measures=measures, fmt=_fmt(format))

    @router.get("/kpis", summary="KPIs: value, goal, status (good/warning/bad) and trend vs the previous month",
                responses=err)
    def kpis(month: int | None = Query(None, description="YYYYMM (default: the last month with data)"),
             format: str | None = Query(None, description=FORMAT_DOC), ctx: Ctx = ctx_dep) -> Response:
        return kpis_response(ctx, month, _fmt(format))

    return router


# ---------------------------------------------------------------------------------------------
# the routes' work (the same for both releases)

def model_response(ctx: Ctx, name: str) -> dict:
    d = with_calibers(name, ctx.cube(name).to_dict())     # 口径 of every published measure
    if ctx.role.district:
        d["restricted_to_district"] = ctx.role.district
    if not ctx.role.facts:
        d["fact_columns"] = []
    return d


def aggregate_response(ctx: Ctx, name: str, *, cut, drilldown, measures, order, page, pagesize, fmt: str
                       ) -> Response:
    cube = ctx.cube(name)
    res = aggregate_result(ctx, cube, cut=cut, drilldown=drilldown, measures=measures, order=order,
                           page=page, pagesize=pagesize)
    if fmt == "json":
        return JSONResponse(_jsonable(res))
    header, keys = [], []
    for a in res["attributes"]:
        header += [a, f"{a}.label"]
        keys += [a, f"{a}.label"]
    header += [f"{m['label']} ({m['name']})" for m in res["measures"]]
    keys += res["aggregates"]
    rows = [[c.get(k) for k in keys] for c in (res["cells"] if res["attributes"] else [res["summary"]])]
    return _table_response(fmt, f"{cube.name}_aggregate", header, rows)


def _member_list(ctx: Ctx, cube: Cube, dim, lv, restricted: str | None) -> list[dict]:
    """(key, label) of a level: its static members, else the distinct keys of its table (or of the fact)."""
    if lv.members:
        return [{"key": k, "label": v} for k, v in lv.members.items() if restricted in (None, k)]
    table = (sql.Identifier(ctx.schema, dim.table) if dim.table else sql.Identifier(ctx.schema, cube.fact))
    cols = [sql.Identifier(lv.key), sql.Identifier(lv.order_column), *map(sql.Identifier, lv.label_columns)]
    where = sql.SQL("{} is not null").format(sql.Identifier(lv.key))
    params: dict = {}
    if restricted:
        key = dim.key if dim.table else lv.key
        where = sql.SQL("{} and {} = %(d)s").format(where, sql.Identifier(key))
        params = {"d": restricted}
    stmt = sql.SQL("select distinct {} from {} where {} order by 2, 1").format(
        sql.SQL(", ").join(cols), table, where)
    _, rows = ctx.run(stmt, params)
    return [{"key": r[0], "label": lv.format_label(r[0], tuple(r[2:]))} for r in rows]


def members_response(ctx: Ctx, name: str, dimension: str, level: str | None, fmt: str) -> Response:
    cube = ctx.cube(name)
    if dimension not in cube.dimensions:
        raise QueryError(f"unknown dimension {dimension!r}; dimensions: {', '.join(cube.dimensions)}")
    dim = cube.dimensions[dimension]
    try:
        lv = dim.level(level) if level else dim.levels[-1]
    except KeyError:
        raise QueryError(f"unknown level {level!r} of {dimension!r}; levels: "
                         f"{', '.join(x.name for x in dim.levels)}") from None
    restricted = ctx.role.district if dim.name == cube.district_dimension else None
    data = _member_list(ctx, cube, dim, lv, restricted)
    if ctx.role.district and dim.name != cube.district_dimension:
        present = _district_members(ctx, cube, dim.name, lv.name)
        data = [m for m in data if m["key"] in present]
    if fmt != "json":
        return _table_response(fmt, f"{cube.name}_{dim.name}", ["key", "label"],
                               [[m["key"], m["label"]] for m in data])
    return JSONResponse(_jsonable({"dimension": dim.name, "level": lv.name, "members": data}))


def facts_response(ctx: Ctx, name: str, *, cut, fields, order, page, pagesize, fmt: str) -> Response:
    cube = ctx.cube(name)
    if not ctx.role.facts:
        raise ApiError(403, "forbidden", f"role {ctx.role.name!r} may not drill through to the facts")
    masked = frozenset() if ctx.role.pii else frozenset(c.name for c in cube.fact_columns if c.mask)
    stmt, params, names = build_facts(cube, ctx.schema, cut=cut, fields=fields, order=order, page=page,
                                      pagesize=pagesize, restrict=ctx.restrict(cube), masked=masked)
    cols, rows = ctx.run(stmt, params)
    masks = {c.name: c.mask for c in cube.fact_columns}
    out = []
    for r in rows:
        rec = dict(zip(cols, r))
        out.append({n: (rec[n] if ctx.role.pii else mask_value(masks.get(n), rec[n])) for n in names})
    total = rows[0][cols.index("__total")] if rows else 0
    if fmt != "json":
        labels = {c.name: c.label for c in cube.fact_columns}
        return _table_response(fmt, f"{cube.name}_facts", [f"{labels[n]} ({n})" for n in names],
                               [[o[n] for n in names] for o in out])
    body = {"cube": cube.name, "fields": names, "masked": [] if ctx.role.pii else [n for n in names if masks.get(n)],
            "page": page or 0, "page_size": pagesize or 100, "total_fact_count": total, "facts": out}
    if not rows and (page or 0) > 0:
        body["total_fact_count"] = None
    return JSONResponse(_jsonable(body))


def _last_refs(attrs: list[str], dims: list[str]) -> list[str]:
    """The drilled level of each dimension (the last attribute of its path)."""
    return [[a for a in attrs if a.split(".")[0] == d][-1] for d in dims]


def _pivot_grid(res: dict, rrefs: list[str], crefs: list[str]) -> tuple[dict, dict, dict]:
    """(row keys → labels, column keys → labels, (row key, column key) → measures) of the cells."""
    row_keys: dict[tuple, list] = {}
    col_keys: dict[tuple, list] = {}
    grid: dict[tuple, dict] = {}
    for c in res["cells"]:
        rk = tuple(c[r] for r in rrefs)
        ck = tuple(c[r] for r in crefs)
        row_keys.setdefault(rk, [c[f"{r}.label"] for r in rrefs])
        col_keys.setdefault(ck, [c[f"{r}.label"] for r in crefs])
        grid[(rk, ck)] = {m: c.get(m) for m in res["aggregates"]}
    return row_keys, col_keys, grid


def _pivot_table(fmt: str, cube: Cube, ms: list[str], rrefs: list[str], row_keys: dict, col_keys: dict,
                 grid: dict) -> Response:
    header = ["/".join(rrefs) or "-"]
    for ck, lab in col_keys.items():
        for m in ms:
            header.append(" / ".join(map(str, lab)) + (f" · {cube.measure_label(m)}" if len(ms) > 1 or lab else cube.measure_label(m)))
    table = []
    for rk, lab in row_keys.items():
        line = [" / ".join(map(str, lab))]
        for ck in col_keys:
            cell = grid.get((rk, ck)) or {}
            line += [cell.get(m) for m in ms]
        table.append(line)
    return _table_response(fmt, f"{cube.name}_pivot", header, table)


def pivot_response(ctx: Ctx, name: str, *, rows, columns, cut, measures, fmt: str) -> Response:
    from cube.query import parse_cuts, parse_drilldowns

    cube = ctx.cube(name)
    if not rows and not columns:
        raise QueryError("pivot needs rows and/or columns (drill-downs such as rows=district&columns=time@month)")
    res = aggregate_result(ctx, cube, cut=cut, drilldown=(rows or []) + (columns or []) or None,
                           measures=measures, pagesize=MAX_PAGE_SIZE)
    if (res["total_cell_count"] or 0) > MAX_PAGE_SIZE:
        raise QueryError(f"the pivot has {res['total_cell_count']} cells (max {MAX_PAGE_SIZE}); cut it further")
    row_dims = [d.dimension for d in parse_drilldowns(cube, rows, parse_cuts(cube, cut))]
    attrs = res["attributes"]
    col_dims = list(dict.fromkeys(a.split(".")[0] for a in attrs if a.split(".")[0] not in row_dims))
    rrefs, crefs = _last_refs(attrs, row_dims), _last_refs(attrs, col_dims)
    row_keys, col_keys, grid = _pivot_grid(res, rrefs, crefs)
    if fmt != "json":
        return _pivot_table(fmt, cube, res["aggregates"], rrefs, row_keys, col_keys, grid)
    body = {
        "cube": cube.name, "measures": res["measures"], "row_attributes": rrefs, "column_attributes": crefs,
        "rows": [{"key": list(k), "label": " / ".join(map(str, v))} for k, v in row_keys.items()],
        "columns": [{"key": list(k), "label": " / ".join(map(str, v))} for k, v in col_keys.items()],
        "values": [[grid.get((rk, ck)) for ck in col_keys] for rk in row_keys],
        "summary": res["summary"],
    }
    if res.get("restricted_to_district"):
        body["restricted_to_district"] = res["restricted_to_district"]
    return JSONResponse(_jsonable(body))


def kpis_response(ctx: Ctx, month: int | None, fmt: str) -> Response:
    if month is not None and not (190001 <= month <= 299912 and 1 <= month % 100 <= 12):
        raise QueryError(f"malformed month {month!r}: YYYYMM expected")
    items = kpi.evaluate(ctx, month, aggregate_result)
    if fmt != "json":
        cols = ["kpi", "label", "cube", "measure", "month", "value", "goal", "status", "previous_value",
                "change", "trend", "trend_status", "unit"]
        return _table_response(fmt, "kpis", cols, [[k.get(c) for c in cols] for k in items])
    return JSONResponse(_jsonable({"release": "review" if ctx.review else "official", "kpis": items,
                                   **({"restricted_to_district": ctx.role.district} if ctx.role.district else {})}))


PSEUDONYM_KEY_FILE = settings.SECRETS / "cube_pseudonym_key"


def _pseudonym_key() -> bytes:
    global _KEY
    if _KEY is None:
        if not PSEUDONYM_KEY_FILE.exists():
            import secrets as _secrets

            settings.write_private(PSEUDONYM_KEY_FILE, _secrets.token_hex(32))
        _KEY = bytes.fromhex(PSEUDONYM_KEY_FILE.read_text().strip())
    return _KEY


_KEY: bytes | None = None


def _district_members(ctx: Ctx, cube: Cube, dimension: str, level: str) -> set:
    """Keys of a level that occur in the caller's district: a district role's members lists name only the
    categories of its own district (an aggregate drilled by the level, restricted like every query)."""
    additive = [n for n, m in cube.measures.items() if m.agg != "count_distinct" and cube.is_exposed(n)]
    if not additive:
        return set()
    res = aggregate_result(ctx, cube, drilldown=[f"{dimension}@{level}"], measures=[additive[0]],
                           pagesize=MAX_PAGE_SIZE)
    ref = dimension if level == dimension else f"{dimension}.{level}"     # the attribute's name in the cells
    return {c[ref] for c in res["cells"] if c.get(ref) is not None}


def mask_value(kind: str | None, value: Any) -> Any:
    """Identifiers (ID numbers, person ids, phones) → a keyed pseudonym: HMAC-SHA256 with the service's secret
    key (var/secrets/cube_pseudonym_key), 16 hex digits: the same person always gets the same pseudonym (rows
    can be linked and counted) but nothing of the original is in it, and it cannot be reversed or ordered
    back without the key. Names keep their first character only (张三 → 张*)."""
    if kind is None or value is None:
        return value
    s = str(value)
    if kind == "name":
        return s[:1] + "*" * max(len(s) - 1, 1)
    digest = hmac.new(_pseudonym_key(), f"{kind}:{s}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"P{digest}" if kind in ("id_number", "phone") else "***"


@app.get("/health", summary="Liveness: \"ok\" when the service and its database answer (public, nothing else)")
def health() -> Response:
    try:
        POOL.run(sql.SQL("select 1"), None)
    except ApiError:
        return Response("unavailable", status_code=503, media_type="text/plain")
    return Response("ok", media_type="text/plain")


app.include_router(make_router(False))
app.include_router(make_router(True), prefix="/review")
