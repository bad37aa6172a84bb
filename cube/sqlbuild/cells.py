"""The cells of summed measures (``g`` → ``w`` → ``a``), over the fact or a month pre-aggregate.

Stock measures (additivity ``stock``, closing balances) are summed over every dimension but time: a cell spanning
several months takes the last month (with data, after the cuts) of its time span, the same rule as MetricFlow's
``non_additive_dimension`` with ``window_choice: max``. Opening balances (additivity ``opening``, e.g. 上期结转案件数)
take the first month instead (``window_choice: min``): by quarter each quarter's first month, over a month range its
first month. The month is the same for every cell of a time member (districts, causes, … add up to their total)."""
from __future__ import annotations

from psycopg import sql

from cube.model import PERIOD_VALUE, AggregateTable, Measure
from cube.sqlbuild import aggregate, fact
from cube.sqlbuild.common import BALANCE_COLUMNS, Attr, Source, ordinals


def balances_of(summed: list[Measure]) -> list[str]:
    """The balance kinds (stock, opening) among the summed measures, in PERIOD_VALUE order."""
    return [k for k in PERIOD_VALUE if any(m.additivity == k for m in summed)]


def ctes(src: Source, agg: AggregateTable | None, attrs: list[Attr], summed: list[Measure],
         from_: sql.Composable, where: sql.Composable) -> list[sql.Composable]:
    """``g`` (rows grouped to the drilled attributes, and the month when balances need it), ``w`` (the first / last
    month of each time member, with balances) and ``a`` (one row per cell)."""
    balances = balances_of(summed)
    attr_cols = src.attr_selects(attrs)
    attr_aliases = [sql.Identifier(n) for a in attrs for n in (a.key, a.order, *a.labels)]
    g_cols = list(attr_cols)
    if balances:
        g_cols.append(sql.SQL("{} as __t").format(sql.Identifier("f", src.q.cube.time_key)))
    g_cols.append(aggregate.row_count(agg) if agg else fact.row_count())
    g_cols[-1] = sql.SQL("{} as __n").format(g_cols[-1])
    for m in summed:
        expr = aggregate.measure_expr(agg, m) if agg is not None else fact.measure_expr(m)
        g_cols.append(sql.SQL("{}{} as {}").format(expr, src.filter(m, agg), sql.Identifier(f"m_{m.name}")))
    n_group = len(attr_cols) + (1 if balances else 0)
    group_by = sql.SQL("\n  group by {}").format(ordinals(n_group)) if n_group else sql.SQL("")
    out = [sql.SQL("g as (\n  select {}\n  from {}{}{}\n)").format(sql.SQL(", ").join(g_cols), from_, where, group_by)]
    source = "g"
    if balances:
        out.append(_windows(attrs, balances))
        source = "w"
    out.append(_cells(attr_aliases, summed, balances, source))
    return out


def _windows(attrs: list[Attr], balances: list[str]) -> sql.Composable:
    """The first / last month of each time member (over every other attribute: cells of one time member share it,
    so they add up to their total)."""
    time_attrs = [a for a in attrs if a.dimension.is_time]
    partition = (sql.SQL("partition by {}").format(sql.SQL(", ").join(sql.Identifier(a.key) for a in time_attrs))
                 if time_attrs else sql.SQL(""))
    windows = [sql.SQL("{}(__t) over ({}) as {}").format(sql.SQL(PERIOD_VALUE[k]), partition,
                                                       sql.SQL(BALANCE_COLUMNS[k][0])) for k in balances]
    return sql.SQL("w as (select g.*, {} from g)").format(sql.SQL(", ").join(windows))


def _cells(attr_aliases: list[sql.Composable], summed: list[Measure], balances: list[str], source: str
           ) -> sql.Composable:
    a_cols = list(attr_aliases)
    for m in summed:
        col = sql.Identifier(f"m_{m.name}")
        cast = sql.SQL("::bigint" if m.agg in ("count", "count_distinct") else "")
        if m.additivity in BALANCE_COLUMNS:
            a_cols.append(sql.SQL("sum({}) filter (where __t = {}){} as {}").format(
                col, sql.SQL(BALANCE_COLUMNS[m.additivity][0]), cast, col))
        else:
            a_cols.append(sql.SQL("sum({}){} as {}").format(col, cast, col))
    for k in balances:
        bound, month = BALANCE_COLUMNS[k]
        a_cols.append(sql.SQL("{}({}) as {}").format(sql.SQL(PERIOD_VALUE[k]), sql.SQL(bound), sql.SQL(month)))
    a_cols.append(sql.SQL("sum(__n) as __n"))
    a_group = (sql.SQL(" group by {}").format(sql.SQL(", ").join(attr_aliases)) if attr_aliases else sql.SQL(""))
    return sql.SQL("a as (select {} from {}{})").format(sql.SQL(", ").join(a_cols), sql.Identifier(source), a_group)
