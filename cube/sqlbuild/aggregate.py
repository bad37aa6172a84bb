"""SQL over a month pre-aggregate (``aggregates:`` of the cube file): every measure is a sum of its stored column
(count-distinct ones only where the planner found the sum exact, ``exact_within``)."""
from __future__ import annotations

from psycopg import sql

from cube.model import AggregateTable, Measure


def row_count(agg: AggregateTable) -> sql.Composable:
    return sql.SQL("sum({})").format(sql.Identifier("f", agg.row_count))


def measure_expr(agg: AggregateTable, m: Measure) -> sql.Composable:
    return sql.SQL("sum({})").format(sql.Identifier("f", agg.measures[m.name].column))
