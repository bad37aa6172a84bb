"""SQL over counted month patterns (``type: pattern_counts``, warehouse/macros/distinct_patterns.sql): the distinct
entities of a cell over any set of months within one 64-month window (gaps allowed) are the entities counted on
the rows of the cell's combination whose pattern shares a month with the cell's mask — a sum, no DISTINCT."""
from __future__ import annotations

from psycopg import sql

from cube import plan
from cube.model import DistinctAggregate
from cube.sqlbuild.common import Attr, Source, simple_cte


def pattern_source(src: Source, dagg: DistinctAggregate) -> sql.Composable:
    """The pattern-count rows that count for each cell (same window, a month in common with the cell's mask),
    with the level keys of the drilled time path, as a derived table."""
    q, params = src.q, src.params
    tdim = q.cube.time_dim
    drill = plan.time_drill(q)
    levels = tdim.path_to(drill.level) if drill is not None else []
    cells = plan.pattern_cells(q) or []
    arrays, names = [], []
    for j, lv in enumerate(levels):
        arrays.append(sql.SQL("{}::{}[]").format(params.add([c[0][j] for c in cells]),
                                                 sql.SQL("int" if lv.type == "int" else "text")))
        names.append(sql.Identifier(lv.key))
    arrays += [sql.SQL("{}::int[]").format(params.add([c[1] for c in cells])),
               sql.SQL("{}::bigint[]").format(params.add([c[2] for c in cells]))]
    window, pattern = sql.Identifier("s", dagg.window_column), sql.Identifier("s", dagg.pattern_column)
    return sql.SQL("(select s.*{} from {} as s join unnest({}) as p({}) on {} = p.__w and ({} & p.__m) <> 0)").format(
        sql.SQL("").join(sql.SQL(", p.{}").format(n) for n in names), sql.Identifier(q.schema, dagg.table),
        sql.SQL(", ").join(arrays), sql.SQL(", ").join([*names, sql.SQL("__w"), sql.SQL("__m")]), window, pattern)


def distinct_cte(src: Source, dagg: DistinctAggregate, attrs: list[Attr]) -> sql.Composable:
    q, params = src.q, src.params
    grouped = {d.dimension for d in q.drilldowns} | {c.dimension for c in q.cuts}
    rolled = [sql.SQL("{} = {}").format(sql.Identifier("f", dagg.rollup_column), params.add(dagg.rollup_bits(grouped)))]
    total = sql.SQL("sum({})::bigint as {}").format(sql.Identifier("f", dagg.column), sql.Identifier(f"m_{dagg.measure}"))
    return simple_cte([*src.key_selects(attrs), total], src.from_(source=pattern_source(src, dagg)),
                      src.where(skip_time=True, extra=rolled), len(attrs))
