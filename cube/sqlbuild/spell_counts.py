"""SQL over counted spells (``type: spell_counts``, warehouse/macros/distinct_spells.sql): the distinct entities of a
cell over a contiguous month range are the spells meeting the range whose prior spell (same entity, same
combination) ended before it — a sum of pre-counted rows. With sets of members of undrilled dimensions: the steady
entities' counts plus the movers once each, by a DISTINCT over the movers' own spells."""
from __future__ import annotations

import datetime

from psycopg import sql

from cube import plan
from cube.model import DistinctAggregate
from cube.sqlbuild.common import Attr, Source, group_by, ordinals, simple_cte, sum_of_parts


def spell_source(src: Source, dagg: DistinctAggregate, movers: bool = False) -> sql.Composable:
    """The spell-count rows that count for each cell (a spell meeting the cell's month range whose prior
    spell ended before it), with the level keys of the drilled time path, as a derived table; ``movers``:
    the movers' own spells meeting the range instead (counted by a DISTINCT)."""
    q, params = src.q, src.params
    tdim = q.cube.time_dim
    drill = plan.time_drill(q)
    levels = tdim.path_to(drill.level) if drill is not None else []
    ranges = plan.spell_ranges(q) or []

    def month(i: int) -> datetime.date:
        return datetime.date(i // 12, i % 12 + 1, 1)

    arrays, names = [], []
    for j, lv in enumerate(levels):
        arrays.append(sql.SQL("{}::{}[]").format(params.add([r[0][j] for r in ranges]),
                                                 sql.SQL("int" if lv.type == "int" else "text")))
        names.append(sql.Identifier(lv.key))
    arrays += [sql.SQL("{}::date[]").format(params.add([month(r[1]) for r in ranges])),
               sql.SQL("{}::date[]").format(params.add([month(r[2]) for r in ranges]))]
    first, last, prior = (sql.Identifier("s", c) for c in (dagg.first_column, dagg.last_column, dagg.prior_column))
    on = sql.SQL("{} <= p.__hi and {} >= p.__lo").format(first, last)
    if not movers:
        on = sql.SQL("{} and ({} is null or {} < p.__lo)").format(on, prior, prior)
    return sql.SQL("(select s.*{} from {} as s join unnest({}) as p({}) on {})").format(
        sql.SQL("").join(sql.SQL(", p.{}").format(n) for n in names),
        sql.Identifier(q.schema, dagg.mover_table if movers else dagg.table),
        sql.SQL(", ").join(arrays), sql.SQL(", ").join([*names, sql.SQL("__lo"), sql.SQL("__hi")]), on)


def distinct_cte(src: Source, dagg: DistinctAggregate, attrs: list[Attr]) -> sql.Composable:
    q, params = src.q, src.params
    d_cols = src.key_selects(attrs)
    grouped = {d.dimension for d in q.drilldowns} | {c.dimension for c in q.cuts}
    rolled = [sql.SQL("{} = {}").format(sql.Identifier("f", dagg.rollup_column), params.add(dagg.rollup_bits(grouped)))]
    sets = bool(plan.member_sets(q))
    if sets:        # steady entities summed over the members, movers counted once
        rolled.append(sql.SQL("not {}").format(sql.Identifier("f", dagg.movers_column)))
        m_from = src.from_(source=spell_source(src, dagg, movers=True))
        m_where = src.where(skip_time=True)
    d_from = src.from_(source=spell_source(src, dagg))
    d_where = src.where(skip_time=True, extra=rolled)
    total = sql.SQL("sum({})::bigint as {}").format(sql.Identifier("f", dagg.column), sql.Identifier(f"m_{dagg.measure}"))
    if not sets:
        return simple_cte([*d_cols, total], d_from, d_where, len(attrs))
    # the steady entities' spell counts (each lies in one member) plus the movers once each: distinct
    # (cell, mover) pairs over the movers' own spells meeting the cells' ranges
    keys = [sql.Identifier(a.key) for a in attrs]
    d_group = sql.SQL("\n  group by {}").format(ordinals(len(attrs))) if attrs else sql.SQL("")
    steady = sql.SQL("select {} from {}{}{}").format(sql.SQL(", ").join(
        [*d_cols, sql.SQL("sum({})::bigint as n").format(sql.Identifier("f", dagg.column))]), d_from, d_where, d_group)
    mover = sql.SQL("select {} from (select distinct {} from {}{}) x{}").format(
        sql.SQL(", ").join([*keys, sql.SQL("count(*)::bigint as n")]),
        sql.SQL(", ").join([*d_cols, sql.SQL("{} as __e").format(sql.Identifier("f", dagg.mover_entity_column))]),
        m_from, m_where, group_by(keys))
    return sum_of_parts(keys, dagg.measure, steady, mover)
