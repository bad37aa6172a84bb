"""SQL over stored distinct counts per calendar period (``type: period_counts``): one stored count per cell, read at
the cell's period grain and GROUPING() roll-up (``rollup_column``); no DISTINCT at query time."""
from __future__ import annotations

from psycopg import sql

from cube import plan
from cube.model import DistinctAggregate
from cube.sqlbuild.common import Attr, Source, simple_cte


def distinct_cte(src: Source, dagg: DistinctAggregate, attrs: list[Attr]) -> sql.Composable:
    q, params = src.q, src.params
    d_cols = src.key_selects(attrs)
    grain, members = plan.period_plan(q, dagg)
    grouped = {d.dimension for d in q.drilldowns} | {c.dimension for c in q.cuts}
    extra = [sql.SQL("{} = {}").format(sql.Identifier("f", dagg.period_column), params.add(grain)),
             sql.SQL("{} = {}").format(sql.Identifier("f", dagg.rollup_column), params.add(dagg.rollup_bits(grouped)))]
    if members is not None:     # the time cuts, resolved against the months with data
        extra.append(sql.SQL("{} = any({})").format(
            sql.Identifier("f", q.cube.time_dim.level_of_grain(grain).key), params.add(members)))
    d_from = src.from_(table=dagg.table)
    d_where = src.where(skip_time=members is not None, extra=extra)
    d_cols.append(sql.SQL("sum({})::bigint as {}").format(sql.Identifier("f", dagg.column),
                                                         sql.Identifier(f"m_{dagg.measure}")))
    return simple_cte(d_cols, d_from, d_where, len(attrs))
