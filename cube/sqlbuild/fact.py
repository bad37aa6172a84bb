"""SQL over the fact table itself: summed measures, count-distinct measures (``count(distinct …)`` over the facts of
each cell, never summed) and drill-through (/facts)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from psycopg import sql

from cube.model import Measure
from cube.sqlbuild.common import Attr, Params, Source, simple_cte

if TYPE_CHECKING:
    from cube.query import AggregateQuery


def row_count() -> sql.Composable:
    return sql.SQL("count(*)")


def measure_expr(m: Measure) -> sql.Composable:
    """A summed (additive, stock or opening) measure over the facts of a group."""
    if m.agg == "count":
        return sql.SQL("count(*)")
    if m.columns:
        return sql.SQL("sum({})").format(sql.SQL(" + ").join(
            sql.SQL("coalesce({}, 0)").format(sql.Identifier("f", c)) for c in m.columns))
    return sql.SQL("sum({})").format(sql.Identifier("f", m.column))


def distinct_cte(src: Source, attrs: list[Attr], distinct: list[Measure], from_: sql.Composable) -> sql.Composable:
    """``d``: the count-distinct measures per cell straight from the facts (same cuts, own parameters), compared under
    the "C" collation: sorting text under a linguistic collation dominates the cost."""
    d_cols = src.key_selects(attrs)
    d_where = src.where()
    for m in distinct:
        d_cols.append(sql.SQL("count(distinct {}::text collate \"C\"){} as {}").format(
            sql.Identifier("f", m.column), src.filter(m), sql.Identifier(f"m_{m.name}")))
    return simple_cte(d_cols, from_, d_where, len(attrs))


def facts_statement(q: AggregateQuery, names: list[str], orders: list[tuple[str, bool]], masked: frozenset[str],
                    page: int, pagesize: int) -> tuple[sql.Composed, dict]:
    """Drill-through: the declared fact columns ``names`` of the facts inside the cuts, paged, with ``__total``.
    Fields in ``masked`` (shown as pseudonyms) never break ties: the order would reveal them."""
    src = Source(q, Params())
    cols = [sql.SQL("{} as {}").format(sql.Identifier("f", n), sql.Identifier(n)) for n in names]
    cols.append(sql.SQL("count(*) over () as __total"))
    order_items = [sql.SQL("{} {}").format(sql.Identifier("f", n), sql.SQL("desc nulls last" if d else "asc nulls last"))
                   for n, d in orders]
    order_items += [sql.SQL("{} asc").format(sql.Identifier("f", n)) for n in names if n not in masked]
    if not order_items:
        order_items = [sql.SQL("1")]
    stmt = sql.SQL("select {}\nfrom {}{}\norder by {}\nlimit {} offset {}").format(
        sql.SQL(", ").join(cols), src.from_(), src.where(), sql.SQL(", ").join(order_items),
        src.params.add(pagesize), src.params.add(page * pagesize))
    return stmt, src.params.values
