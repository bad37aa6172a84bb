"""Direct SQL for the cubes' measures, written from the cube model's definitions (count, count distinct, sum of
a column or columns, equality filters; closing balances at the last month of the cell's period, opening balances
at its first; calculated sums and ratios of those), independently of cube/query.py: the oracle the cube
integration tests compare the API's answers with."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

import psycopg
import pytest

from foundation import settings


def cube_tables(cubes: Iterable) -> list[str]:
    """Every marts table the cubes read: dimensions, facts and pre-aggregates."""
    cubes = list(cubes)
    return sorted({d.table for c in cubes for d in c.dimensions.values() if d.table}
                  | {c.fact for c in cubes} | {t for c in cubes for t in c.aggregate_tables})


@contextmanager
def marts_copy(schema: str, tables: Iterable[str], how_to_build: str = "dbt build") -> Iterator[psycopg.Connection]:
    """A scratch schema holding a copy of marts.<t> for each table (what the cube tests query and may alter),
    dropped afterwards; the test fails naming the missing tables when the marts are not built."""
    tables = list(tables)
    with psycopg.connect(settings.warehouse_url(), autocommit=True) as conn:
        missing = [t for t in tables if conn.execute("select to_regclass(%s)", (f"marts.{t}",)).fetchone()[0] is None]
        if missing:
            pytest.fail(f"missing {', '.join('marts.' + t for t in missing)}: build the marts first ({how_to_build})")
        conn.execute(f"create schema {schema}")
        try:
            for t in tables:
                conn.execute(f"create table {schema}.{t} as table marts.{t}")
            yield conn
        finally:
            conn.execute(f"drop schema if exists {schema} cascade")


def _lit(v) -> str:
    return f"'{v}'" if isinstance(v, str) else str(v)


def direct(db, schema: str, cube, where: str = "true", params: tuple = (), group: str | None = None,
           time_group: str | None = None) -> dict:
    """{group value: {measure: value}} over the rows of ``schema``'s fact matching ``where``; ``group`` a SQL
    expression over the fact's columns ('all' when None), ``time_group`` the expression of the cell's period
    (balances take its last / first month with data)."""
    tg = time_group or "'all'"
    exprs = []
    for m in cube.measures.values():
        cond = " and ".join(f"{k} in ({', '.join(_lit(x) for x in v)})" if isinstance(v, tuple) else f"{k} = {_lit(v)}"
                            for k, v in m.filter) or "true"
        if m.additivity == "stock":          # closing balance: the last month of the cell's period
            cond += " and month_start = last_month"
        elif m.additivity == "opening":      # opening balance (上期结转): its first month
            cond += " and month_start = first_month"
        if m.agg == "count":
            e = f"count(*) filter (where {cond})"
        elif m.agg == "count_distinct":
            e = f"count(distinct {m.column}) filter (where {cond})"
        elif m.columns:
            e = "coalesce(sum(" + " + ".join(f"coalesce({c}, 0)" for c in m.columns) + f") filter (where {cond}), 0)"
        else:
            e = f"coalesce(sum({m.column}) filter (where {cond}), 0)"
        exprs.append(e)
    rows = db.execute(f"""
        with f as (select *, {group or "'all'"} as g__, {tg} as t__ from {schema}.{cube.fact} where {where}),
             l as (select *, max(month_start) over (partition by t__) as last_month,
                          min(month_start) over (partition by t__) as first_month from f)
        select g__, {', '.join(exprs)} from l group by g__""", params).fetchall()
    out = {}
    for r in rows:
        vals = dict(zip(cube.measures, r[1:]))
        for name, c in cube.calculated.items():
            if c.type == "sum":
                vals[name] = sum(vals[t] for t in c.terms)
        for name, c in cube.calculated.items():
            if c.type == "ratio":
                num, den = vals[c.numerator], vals[c.denominator]
                vals[name] = None if not den else (Decimal(num) * c.multiplier / Decimal(den)).quantize(
                    Decimal(1).scaleb(-c.scale), rounding=ROUND_HALF_UP)        # PostgreSQL's round()
        out[r[0]] = vals
    return out
