"""HTTP API of the cube service (Slicer-style), served by uvicorn (see cube/serve.py).

    GET /health                         liveness + database reachability
    GET /cubes                          cubes with their Chinese labels
    GET /cube/{name}/model              dimensions, hierarchies, measures, calculated measures
    GET /cube/{name}/aggregate          ?cut=&drilldown=&measures=&order=&page=&pagesize=
    GET /cube/{name}/members/{dim}      ?level=   members (key, label) of a dimension level

Bad parameters answer 400 (404 for an unknown cube) with {"error": ..., "message": ...}; missing
warehouse tables or an unreachable database answer 503 with a message saying what to do.
Settings: CUBE_SCHEMA (default ``marts``), CUBE_STATEMENT_TIMEOUT_MS (default 60000), the database
from ops.settings.warehouse_url() (env WAREHOUSE_URL).
"""
from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from typing import Any

import psycopg
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg import errors as pg_errors
from psycopg import sql

from cube.model import Cube, load_cubes
from cube.query import QueryError, build_request
from ops import settings

SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]*$")


def schema_name() -> str:
    schema = os.environ.get("CUBE_SCHEMA", "marts")
    if not SCHEMA_RE.match(schema):
        raise RuntimeError(f"CUBE_SCHEMA {schema!r} is not a valid schema name")
    return schema


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


app = FastAPI(
    title="北京市人力资源和社会保障统计数据仓库 · 多维分析服务 (cube)",
    description="Slicer-style OLAP API over the warehouse marts: aggregate with cuts, drill-down, "
                "measure selection, ordering and paging. Measures are the MetricFlow metrics of the "
                "dbt semantic layer.",
    version="0.1.0",
)


@app.exception_handler(ApiError)
def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse({"error": exc.error, "message": exc.message}, status_code=exc.status)


@app.exception_handler(QueryError)
def _query_error(_: Request, exc: QueryError) -> JSONResponse:
    return JSONResponse({"error": "bad_request", "message": str(exc)}, status_code=400)


@app.exception_handler(RequestValidationError)
def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    msgs = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "query")
        msgs.append(f"{loc}: {e.get('msg')}")
    return JSONResponse({"error": "bad_request", "message": "; ".join(msgs)}, status_code=400)


# ---------------------------------------------------------------------------------------------
# helpers

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


def _cube(name: str) -> Cube:
    cubes = load_cubes()
    if name not in cubes:
        raise ApiError(404, "not_found", f"unknown cube {name!r}; cubes: {', '.join(cubes)}")
    return cubes[name]


def _connect() -> psycopg.Connection:
    timeout = int(os.environ.get("CUBE_STATEMENT_TIMEOUT_MS", "60000"))
    try:
        conn = psycopg.connect(settings.warehouse_url(), connect_timeout=10,
                               options=f"-c statement_timeout={timeout}")
    except psycopg.OperationalError as exc:
        raise ApiError(503, "database_unavailable", f"cannot connect to the warehouse database: {exc}".strip()) from None
    conn.read_only = True
    return conn


def _run(stmt: sql.Composable, params: dict | None = None) -> tuple[list[str], list[tuple]]:
    try:
        with _connect() as conn:
            cur = conn.execute(stmt, params)
            return [d.name for d in cur.description], cur.fetchall()
    except (pg_errors.UndefinedTable, pg_errors.UndefinedColumn, pg_errors.InvalidSchemaName) as exc:
        raise ApiError(503, "warehouse_not_built",
                       f"the cube's tables are missing or out of date in schema {schema_name()!r} "
                       f"({exc.diag.message_primary}); build the marts (dbt) or set CUBE_SCHEMA") from None
    except pg_errors.QueryCanceled:
        raise ApiError(503, "timeout", "the query took too long; cut the cube further or drill down less") from None


# ---------------------------------------------------------------------------------------------
# endpoints

@app.get("/health", summary="Liveness and database reachability")
def health() -> dict:
    status = {"status": "ok", "schema": schema_name(), "cubes": list(load_cubes())}
    try:
        with _connect() as conn:
            conn.execute("select 1")
        status["database"] = "ok"
    except ApiError as exc:
        status["database"] = exc.message
    return status


@app.get("/cubes", summary="Cubes with their labels")
def list_cubes() -> list[dict]:
    return [{"name": c.name, "label": c.label, "description": c.description} for c in load_cubes().values()]


@app.get("/cube/{name}/model", summary="Cube model: dimensions, hierarchies, measures")
def cube_model(name: str) -> dict:
    return _cube(name).to_dict()


@app.get("/cube/{name}/aggregate", summary="Aggregate with cuts and drill-down")
def aggregate(
    name: str,
    cut: list[str] | None = Query(None, description="e.g. month:202401-202406|district:110105;110108"),
    drilldown: list[str] | None = Query(None, description="e.g. district, month, time@year, time@quarter"),
    measures: list[str] | None = Query(None, description="measure names separated by , or |"),
    aggregates: list[str] | None = Query(None, description="alias of measures (Slicer)"),
    order: list[str] | None = Query(None, description="e.g. contribution_income:desc,district"),
    page: int | None = Query(None, description="page number, from 0"),
    pagesize: int | None = Query(None, description="cells per page (default 1000, max 10000)"),
) -> JSONResponse:
    cube = _cube(name)
    cells_q, summary_q = build_request(cube, schema_name(), cut=cut, drilldown=drilldown,
                                       measures=(measures or []) + (aggregates or []) or None,
                                       order=order, page=page, pagesize=pagesize)
    s_names, s_rows = _run(*summary_q.build())
    summary_cells, _, stock_t = summary_q.format_rows(s_names, s_rows)
    result: dict[str, Any] = {
        "cube": cube.name,
        "summary": summary_cells[0] if summary_cells else {},
        "cells": [],
        "total_cell_count": None,
        "aggregates": cells_q.measures,
        "measures": [{"name": m, "label": cube.measure_label(m)} for m in cells_q.measures],
        "cuts": [c.to_dict() for c in cells_q.cuts],
        "levels": cells_q.level_refs(),
        "attributes": [],
        "page": None,
        "page_size": None,
        "stock_month": stock_t,
    }
    if cells_q.drilldowns:
        c_names, c_rows = _run(*cells_q.build())
        cells, total, _ = cells_q.format_rows(c_names, c_rows)
        if not c_rows and cells_q.page > 0:
            # the window count is only known from a returned row: count the cells without paging
            count_q = cells_q.__class__(cube, cells_q.schema, cells_q.cuts, cells_q.drilldowns, cells_q.measures,
                                        [], 0, 1)
            n_names, n_rows = _run(*count_q.build())
            total = count_q.format_rows(n_names, n_rows)[1]
        result.update({
            "cells": cells,
            "total_cell_count": total,
            "attributes": [a.ref for a in cells_q.attributes()],
            "page": cells_q.page,
            "page_size": cells_q.pagesize,
        })
    return JSONResponse(_jsonable(result))


@app.get("/cube/{name}/members/{dimension}", summary="Members of a dimension level")
def members(name: str, dimension: str, level: str | None = Query(None)) -> JSONResponse:
    cube = _cube(name)
    if dimension not in cube.dimensions:
        raise QueryError(f"unknown dimension {dimension!r}; dimensions: {', '.join(cube.dimensions)}")
    dim = cube.dimensions[dimension]
    try:
        lv = dim.level(level) if level else dim.levels[-1]
    except KeyError:
        raise QueryError(f"unknown level {level!r} of {dimension!r}; levels: "
                         f"{', '.join(x.name for x in dim.levels)}") from None
    if lv.members:
        data = [{"key": k, "label": v} for k, v in lv.members.items()]
    else:
        table = (sql.Identifier(schema_name(), dim.table) if dim.table
                 else sql.Identifier(schema_name(), cube.fact))
        cols = [sql.Identifier(lv.key), sql.Identifier(lv.order_column), *map(sql.Identifier, lv.label_columns)]
        stmt = sql.SQL("select distinct {} from {} where {} is not null order by 2, 1").format(
            sql.SQL(", ").join(cols), table, sql.Identifier(lv.key))
        _, rows = _run(stmt)
        data = [{"key": r[0], "label": lv.format_label(r[0], tuple(r[2:]))} for r in rows]
    return JSONResponse(_jsonable({"dimension": dim.name, "level": lv.name, "members": data}))
