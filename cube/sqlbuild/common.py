"""What every SQL builder of the cube shares: parameters, the drilled attributes, FROM / WHERE over a table of the
cube (fact, pre-aggregate or a derived table) with its dimension joins, measure filters.

Values never enter SQL text: identifiers come from the cube model and are quoted with ``psycopg.sql``; values are
parameters (``Params``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psycopg import sql

from cube.model import AggregateTable, Dimension, Level, Measure

if TYPE_CHECKING:
    from cube.query import AggregateQuery

# per balance kind: the window column holding the month whose value a cell takes, and the output column naming it
BALANCE_COLUMNS = {"stock": ("__last", "__stock_t"), "opening": ("__first", "__opening_t")}


class Params:
    """Named parameters for one statement."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> sql.Placeholder:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return sql.Placeholder(name)


@dataclass
class Attr:
    """One drilled level: SQL aliases of its key, order and label columns."""
    dimension: Dimension
    level: Level
    key: str
    order: str
    labels: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return self.dimension.name if self.level.name == self.dimension.name else f"{self.dimension.name}.{self.level.name}"


def attributes(q: AggregateQuery) -> list[Attr]:
    """Every level along the drilled paths, in drill-down order (k0, o0, l0_0 …)."""
    out: list[Attr] = []
    i = 0
    for dd in q.drilldowns:
        dim = q.cube.dimensions[dd.dimension]
        for lv in dim.path_to(dd.level):
            out.append(Attr(dim, lv, key=f"k{i}", order=f"o{i}",
                            labels=[f"l{i}_{j}" for j in range(len(lv.label_columns))]))
            i += 1
    return out


class Source:
    """Building over one table of the cube for query ``q``: FROM with the dimension joins the cuts and drill-downs
    need, WHERE of the cuts, measure filters. ``denormalised``: dimensions whose level keys are columns of the
    table itself (the distinct aggregates: no dimension table is joined)."""

    def __init__(self, q: AggregateQuery, params: Params, denormalised: frozenset = frozenset()) -> None:
        self.q, self.params, self.denormalised = q, params, denormalised

    @staticmethod
    def dim_alias(dim: Dimension) -> str:
        return f"d_{dim.name}"

    def level_col(self, dim: Dimension, column: str) -> sql.Composable:
        if dim.table and dim.name not in self.denormalised:
            return sql.Identifier(self.dim_alias(dim), column)
        return sql.Identifier("f", column)

    def cut_col(self, dim: Dimension, level: Level) -> sql.Composable:
        if dim.table and level.key == dim.key:       # the fact carries the key: no join needed
            return sql.Identifier("f", dim.fact_key)
        return self.level_col(dim, level.key)

    def joins(self) -> list[Dimension]:
        q = self.q
        dims: dict[str, Dimension] = {}
        for dd in q.drilldowns:
            dim = q.cube.dimensions[dd.dimension]
            if dim.table:
                dims[dim.name] = dim
        for c in q.cuts:
            dim = q.cube.dimensions[c.dimension]
            if dim.table and dim.level(c.level).key != dim.key:
                dims[dim.name] = dim
        return [d for d in q.cube.dimensions.values() if d.name in dims and d.name not in self.denormalised]

    def from_(self, agg: AggregateTable | None = None, table: str | None = None,
              source: sql.Composable | None = None) -> sql.Composable:
        q = self.q
        table = table or (agg.table if agg else q.cube.fact)
        parts = [sql.SQL("{} as f").format(source if source is not None else sql.Identifier(q.schema, table))]
        for dim in self.joins():
            alias = self.dim_alias(dim)
            parts.append(sql.SQL("left join {} as {} on {} = {}").format(
                sql.Identifier(q.schema, dim.table), sql.Identifier(alias),
                sql.Identifier(alias, dim.key), sql.Identifier("f", dim.fact_key)))
        return sql.SQL("\n    ").join(parts)

    def where(self, skip_time: bool = False, extra: list[sql.Composable] = ()) -> sql.Composable:
        conds: list[sql.Composable] = list(extra)
        for c in self.q.cuts:
            if skip_time and c.dimension == self.q.cube.time_dimension:
                continue
            conds.append(sql.SQL("({})").format(self._cut_condition(c)))
        if not conds:
            return sql.SQL("")
        return sql.SQL("\n  where ") + sql.SQL(" and ").join(conds)

    def _cut_condition(self, c) -> sql.Composable:
        dim = self.q.cube.dimensions[c.dimension]
        col = self.cut_col(dim, dim.level(c.level))
        params = self.params
        if c.kind == "point":
            cond = sql.SQL("{} = {}").format(col, params.add(c.values[0]))
        elif c.kind == "set":
            cond = sql.SQL("{} = any({})").format(col, params.add(list(c.values)))
        else:
            bounds = []
            if c.low is not None:
                bounds.append(sql.SQL("{} >= {}").format(col, params.add(c.low)))
            if c.high is not None:
                bounds.append(sql.SQL("{} <= {}").format(col, params.add(c.high)))
            cond = sql.SQL(" and ").join(bounds)
        if c.invert:
            cond = sql.SQL("not coalesce(({}), false)").format(cond)
        return cond

    def filter(self, m: Measure, agg: AggregateTable | None = None) -> sql.Composable:
        if not m.filter or (agg is not None and agg.measures[m.name].filter_in_column):
            return sql.SQL("")
        params = self.params
        conds = [sql.SQL("{} = any({})").format(sql.Identifier("f", col), params.add(list(val))) if isinstance(val, tuple)
                 else sql.SQL("{} = {}").format(sql.Identifier("f", col), params.add(val)) for col, val in m.filter]
        return sql.SQL(" filter (where {})").format(sql.SQL(" and ").join(conds))

    def attr_selects(self, attrs: list[Attr]) -> list[sql.Composable]:
        cols: list[sql.Composable] = []
        for a in attrs:
            cols.append(sql.SQL("{} as {}").format(self.level_col(a.dimension, a.level.key), sql.Identifier(a.key)))
            cols.append(sql.SQL("{} as {}").format(self.level_col(a.dimension, a.level.order_column),
                                                   sql.Identifier(a.order)))
            for col, alias in zip(a.level.label_columns, a.labels):
                cols.append(sql.SQL("{} as {}").format(self.level_col(a.dimension, col), sql.Identifier(alias)))
        return cols

    def key_selects(self, attrs: list[Attr]) -> list[sql.Composable]:
        """The level keys only (distinct counts are grouped and joined on them)."""
        return [sql.SQL("{} as {}").format(self.level_col(a.dimension, a.level.key), sql.Identifier(a.key))
                for a in attrs]


def sum_of_parts(keys: list[sql.Composable], measure: str, *parts: sql.Composable) -> sql.Composable:
    """The ``d`` CTE as the per-cell sum of the ``n`` of partial counts over disjoint sets of entities."""
    k = sql.SQL(", ").join(keys)
    return sql.SQL("d as (\n  select {}sum(n)::bigint as {}\n  from ({}) u{}\n)").format(
        sql.SQL("{}, ").format(k) if keys else sql.SQL(""), sql.Identifier(f"m_{measure}"),
        sql.SQL("\n  union all ").join(parts), sql.SQL(" group by {}").format(k) if keys else sql.SQL(""))


def ordinals(n: int, start: int = 1) -> sql.Composable:
    return sql.SQL(", ").join(sql.SQL(str(i)) for i in range(start, start + n))


def group_by(keys: list[sql.Composable], prefix: str = " group by ") -> sql.Composable:
    return sql.SQL(prefix) + sql.SQL(", ").join(keys) if keys else sql.SQL("")


def simple_cte(cols: list[sql.Composable], from_: sql.Composable, where: sql.Composable, n_keys: int
               ) -> sql.Composable:
    """``d`` as one grouped select over the level keys (the first ``n_keys`` columns)."""
    d_group = sql.SQL("\n  group by {}").format(ordinals(n_keys)) if n_keys else sql.SQL("")
    return sql.SQL("d as (\n  select {}\n  from {}{}{}\n)").format(sql.SQL(", ").join(cols), from_, where, d_group)
