"""SQL of an aggregate query, one builder per storage type the plan (cube/plan.py) names:

* ``fact``: the fact table (summed measures, ``count(distinct …)``, drill-through);
* ``aggregate``: a month pre-aggregate (every measure a sum of its column);
* ``period_counts``, ``spell_counts``, ``pattern_counts``, ``year_bitmask``: the four structures counting distinct entities over
  periods longer than a month (``distinct_aggregates`` of the cube file).

``build(q)`` assembles the statement: ``g`` / ``w`` / ``a`` (cells.py: the cells of summed measures, balances taking
the last / first month of each time member), ``d`` (the count-distinct measures from the builder of the planned
storage), then the final select (ratios and sums of calculated members after aggregation, ordering, paging, and the
total cell count). Calculated ``sum`` members (e.g. 应处理案件数 = opening + flow) add their terms after each was
aggregated by its own rule; ratios may divide by them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psycopg import sql

from cube import plan as planning
from cube.model import PERIOD_VALUE, Measure
from cube.sqlbuild import cells, fact, pattern_counts, period_counts, spell_counts, year_bitmask
from cube.sqlbuild.common import BALANCE_COLUMNS, Attr, Params, Source, attributes  # noqa: F401

if TYPE_CHECKING:
    from cube.query import AggregateQuery

DISTINCT_BUILDERS = {"period_counts": period_counts.distinct_cte, "spell_counts": spell_counts.distinct_cte,
                     "pattern_counts": pattern_counts.distinct_cte, "year_bitmask": year_bitmask.distinct_cte}


def build(q: AggregateQuery, the_plan: planning.Plan) -> tuple[sql.Composed, dict[str, Any]]:
    params = Params()
    agg, dagg = the_plan.aggregate, the_plan.distinct
    attrs = attributes(q)
    base = planning.base_measures(q)
    if agg is None or dagg is not None:
        summed = [m for m in base if m.additivity in ("additive", *PERIOD_VALUE)]
        distinct = [m for m in base if m.additivity == "none"]
    else:       # from an aggregate every measure is a sum (distinct counts only when exact: see plan())
        summed, distinct = base, []
    src = Source(q, params)
    from_ = src.from_(agg)
    ctes = cells.ctes(src, agg, attrs, summed, from_, src.where())
    if distinct:
        # grouped by the level keys only (labels and order columns are not needed to join on)
        if dagg is None:
            ctes.append(fact.distinct_cte(src, attrs, distinct, from_))
        else:       # level keys (time: year, quarter) are the aggregate's own columns: no join
            own = Source(q, params, frozenset(dagg.dimensions) | {q.cube.time_dimension})
            ctes.append(DISTINCT_BUILDERS[dagg.type](own, dagg, attrs))
    balances = cells.balances_of(summed)
    stmt = sql.SQL("with {}\nselect {}\nfrom a{}{}{}").format(
        sql.SQL(",\n").join(ctes), sql.SQL(", ").join(_out_columns(q, attrs, {m.name for m in distinct}, balances)),
        _join_distinct(attrs, distinct), _order_by(q, attrs), _limit(q, params))
    return stmt, params.values


def _out_columns(q: AggregateQuery, attrs: list[Attr], distinct_names: set[str], balances: list[str]
                 ) -> list[sql.Composable]:
    """The drilled attributes, every measure of the statement (``x_<name>``), the balance months and the total."""
    def mref(name: str) -> sql.Composable:
        c = q.cube.calculated.get(name)
        if c is not None and c.type == "sum":     # each term already aggregated by its own rule
            return sql.SQL("({})").format(sql.SQL(" + ").join(mref(t) for t in c.terms))
        table = "d" if name in distinct_names else "a"
        return sql.SQL("coalesce({}, 0)").format(sql.Identifier(table, f"m_{name}"))

    out = [sql.SQL("a.{}").format(sql.Identifier(n)) for a in attrs for n in (a.key, a.order, *a.labels)]
    for name in planning.sql_measures(q):
        c = q.cube.calculated.get(name)
        if c is not None and c.type == "ratio":
            num = mref(c.numerator)
            if c.multiplier != 1:
                num = sql.SQL("({} * {})").format(num, sql.Literal(c.multiplier))
            expr = sql.SQL("round({}::numeric / nullif({}, 0), {})").format(num, mref(c.denominator), sql.Literal(c.scale))
        else:
            expr = mref(name)
        out.append(sql.SQL("{} as {}").format(expr, sql.Identifier(f"x_{name}")))
    out += [sql.SQL("a.{}").format(sql.SQL(BALANCE_COLUMNS[k][1])) for k in balances]
    out.append(sql.SQL("count(*) over () as __total"))
    return out


def _join_distinct(attrs: list[Attr], distinct: list[Measure]) -> sql.Composable:
    if not distinct:
        return sql.SQL("")
    on = (sql.SQL(" and ").join(sql.SQL("a.{0} is not distinct from d.{0}").format(sql.Identifier(a.key))
                                for a in attrs) if attrs else sql.SQL("true"))
    return sql.SQL("\nleft join d on {}").format(on)


def _order_by(q: AggregateQuery, attrs: list[Attr]) -> sql.Composable:
    """Requested keys first, then the drilled levels' natural order."""
    items: list[sql.Composable] = []
    for o in q.order:
        direction = sql.SQL("desc nulls last" if o.descending else "asc nulls last")
        if o.is_measure:
            items.append(sql.SQL("{} {}").format(sql.Identifier(f"x_{o.ref}"), direction))
            continue
        items += [sql.SQL("a.{} {}").format(sql.Identifier(a.order), direction) for a in attrs
                  if a.dimension.name == o.ref]
    for a in attrs:
        items.append(sql.SQL("a.{} asc nulls last").format(sql.Identifier(a.order)))
        items.append(sql.SQL("a.{} asc nulls last").format(sql.Identifier(a.key)))
    return sql.SQL("\norder by {}").format(sql.SQL(", ").join(items)) if items else sql.SQL("")


def _limit(q: AggregateQuery, params: Params) -> sql.Composable:
    """A page of cells; a summary (no page size) over no rows still yields one row (zeros)."""
    if q.pagesize is None:
        return sql.SQL("")
    return sql.SQL("\nlimit {} offset {}").format(params.add(q.pagesize), params.add(q.page * q.pagesize))
