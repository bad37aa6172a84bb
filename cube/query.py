"""Slicer-style query parsing and SQL building for the cube service.

Request syntax (a subset of the Cubes "Slicer" API):

* ``cut``: cuts separated by ``|`` (or repeated ``cut`` parameters); each ``[!]dim[@level]:spec``
  where ``spec`` is a point ``110105``, a set ``110105;110108`` or, on time levels only, a range
  ``202401-202406`` (open ends ``202401-`` / ``-202406``). ``!`` inverts the cut. A backslash escapes
  ``| : ; - \\``. A level name may stand for its dimension (``month:202401`` = ``time@month:202401``);
  on the time dimension without a level, the level is inferred from the value (2024, 2024Q1, 202401).
* ``drilldown``: ``dim``, ``dim@level`` (also ``dim:level``) or a level name, separated by ``|`` or
  ``,``. ``dim`` alone drills to the level below the dimension's cut, else to its top level.
* ``measures`` (alias ``aggregates``): names separated by ``|`` or ``,``.
* ``order``: ``name[:asc|desc]`` separated by ``,`` or ``|``; ``name`` is a selected measure or a
  drilled dimension (``district``, ``time``, ``time.month``, ``month``).
* ``page`` (0-based) and ``pagesize``.

Stock measures (additivity ``stock``, closing balances) are summed over every dimension but time: a cell
spanning several months takes the last month (with data, after the cuts) of its time span, the same rule as
MetricFlow's ``non_additive_dimension`` with ``window_choice: max``. Opening balances (additivity ``opening``,
e.g. 上期结转案件数) take the first month instead (``window_choice: min``): by quarter each quarter's first month,
over a month range its first month. The month is the same for every cell of a time member (districts, causes, …
add up to their total). Calculated ``sum`` members (e.g. 应处理案件数 = opening + flow) add their terms after
each was aggregated by its own rule; ratios may divide by them. Values never enter SQL text:
identifiers come from the cube model and are quoted with ``psycopg.sql``; values are parameters.

Aggregate awareness: ``AggregateQuery.plan()`` answers from a pre-aggregate declared under ``aggregates:``
in the cube file (e.g. agg_pension_month) instead of the fact when the table exists in the schema and every
cut and drill-down level and every stored measure needed is kept by it, and the result stays exact:
additive, stock and opening measures are sums of sums (balances still take the last / first month of each
cell's span, the aggregate keeps the month); a count-distinct measure only when it is declared ``exact_within`` a time
grain and every cell of the result lies within one member of that grain (the time dimension drilled to
that grain or finer, or cut to a single member of it). Everything else, and drill-through, reads the fact.

Distinct counts over longer periods (``distinct_aggregates``, e.g. 缴费人数 over a quarter, a year or any month
range): when the aggregates above cannot count them exactly, ``plan_full()`` looks for a structure that can —
``period_counts`` (the counts per calendar year / quarter and combination of dimensions: exact when every cell
is one such period and each other cut is a single member or a drilled dimension), ``spell_counts`` (counted
runs of consecutive months per combination of dimensions: exact when each cell's months are one contiguous
range; with the movers' own spells also for sets of members of undrilled dimensions) or ``year_bitmask``
(person × year × attributes with a month mask: exact for any time cut, turned into per-year month masks, and
any cut of its dimensions). The distinct measures are then read from there and the other measures from the month
aggregate (or the fact); the path reads ``<main> + distinct:<table>``.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from psycopg import sql

from cube.model import (
    CALC_LABELS,
    PERIOD_VALUE,
    SQL_CALCS,
    AggregateTable,
    CalculatedMeasure,
    Cube,
    Dimension,
    DistinctAggregate,
    Level,
    Measure,
)

# per balance kind: the window column holding the month whose value a cell takes, and the output column naming it
BALANCE_COLUMNS = {"stock": ("__last", "__stock_t"), "opening": ("__first", "__opening_t")}
MAX_VALUE_LEN = 100
MAX_SET_SIZE = 1000
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10000


class QueryError(ValueError):
    """A bad request parameter (reported as HTTP 400 with this message)."""


# ---------------------------------------------------------------------------------------------
# tokenising with backslash escapes

def split_escaped(text: str, seps: str, maxsplit: int = -1) -> list[str]:
    """Split on any unescaped character of ``seps``; escapes are kept (removed by ``unescape``)."""
    parts, cur, i, n = [], [], 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if ch in seps and (maxsplit < 0 or n < maxsplit):
            parts.append("".join(cur))
            cur = []
            n += 1
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_list(values: Iterable[str] | str | None, seps: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in split_escaped(v, seps) if p.strip())
    return out


MASK_YEARS = (1900, 2100)       # years a time cut is turned into month masks over (year bitmask aggregates)


def _year_of(grain: str, value: Any) -> int | None:
    if value is None:
        return None
    return {"year": lambda v: int(v), "quarter": lambda v: int(str(v)[:4]), "month": lambda v: int(v) // 100}[grain](value)


def _cut_holds(c: "Cut", grain: str, year: int, month: int) -> bool:
    """Whether the month (year, month) passes the time cut ``c`` on a level of the given calendar grain."""
    value: Any = {"year": year, "quarter": f"{year}Q{(month - 1) // 3 + 1}", "month": year * 100 + month}[grain]
    if c.kind == "range":
        ok = (c.low is None or value >= c.low) and (c.high is None or value <= c.high)
    else:
        ok = value in c.values
    return ok != c.invert


# ---------------------------------------------------------------------------------------------
# parsed request

@dataclass(frozen=True)
class Cut:
    dimension: str
    level: str
    kind: str                       # point | set | range
    values: tuple = ()              # point/set values (typed)
    low: Any = None                 # range bounds (None = open)
    high: Any = None
    invert: bool = False

    def to_dict(self) -> dict:
        d = {"dimension": self.dimension, "level": self.level, "type": self.kind, "invert": self.invert}
        if self.kind == "range":
            d.update({"from": self.low, "to": self.high})
        elif self.kind == "point":
            d["value"] = self.values[0]
        else:
            d["values"] = list(self.values)
        return d


@dataclass(frozen=True)
class Drilldown:
    dimension: str
    level: str


@dataclass(frozen=True)
class Order:
    ref: str                        # measure name or dimension name
    is_measure: bool
    descending: bool = False


def _resolve(cube: Cube, token: str, what: str) -> tuple[Dimension, Level | None]:
    """``dim``, ``dim@level``, ``dim:level`` (drilldown only) or a level alias → (dimension, level)."""
    dim_name, level_name = token, None
    if "@" in token:
        dim_name, level_name = token.split("@", 1)
    aliases = cube.level_aliases()
    if dim_name not in cube.dimensions:
        if level_name is None and dim_name in aliases:
            dim_name, level_name = aliases[dim_name]
        else:
            raise QueryError(f"unknown dimension {dim_name!r} in {what}; dimensions of cube {cube.name!r}: "
                             f"{', '.join(cube.dimensions)} (level shortcuts: {', '.join(aliases)})")
    dim = cube.dimensions[dim_name]
    if level_name is None:
        return dim, None
    try:
        return dim, dim.level(level_name)
    except KeyError:
        raise QueryError(f"unknown level {level_name!r} of dimension {dim_name!r} in {what}; levels: "
                         f"{', '.join(lv.name for lv in dim.levels)}") from None


def _typed(level: Level, dim: Dimension, raw: str) -> Any:
    value = unescape(raw).strip()
    if not value:
        raise QueryError(f"empty value in cut on {dim.name}@{level.name}")
    if len(value) > MAX_VALUE_LEN:
        raise QueryError(f"value too long in cut on {dim.name}@{level.name}")
    if not level.matches(value):
        raise QueryError(f"malformed value {value!r} for {dim.name}@{level.name} "
                         f"(expected to match {level.pattern})")
    if level.type == "int":
        try:
            return int(value)
        except ValueError:
            raise QueryError(f"malformed value {value!r} for {dim.name}@{level.name}: integer expected") from None
    return value


def _infer_level(dim: Dimension, raw_values: list[str], text: str) -> Level:
    if len(dim.levels) == 1:
        return dim.levels[0]
    found = set()
    for raw in raw_values:
        v = unescape(raw).strip()
        matches = [lv for lv in dim.levels if lv.pattern and lv.matches(v)]
        if not matches:
            raise QueryError(f"malformed cut {text!r}: cannot tell the level of {v!r} on dimension {dim.name!r}; "
                             f"use {dim.name}@<level>:value with level one of "
                             f"{', '.join(lv.name for lv in dim.levels)}")
        found.add(matches[0].name)
    if len(found) != 1:
        raise QueryError(f"malformed cut {text!r}: values of different levels ({', '.join(sorted(found))})")
    return dim.level(found.pop())


def parse_cut(cube: Cube, text: str) -> Cut:
    text = text.strip()
    invert = text.startswith("!")
    body = text[1:] if invert else text
    parts = split_escaped(body, ":", maxsplit=1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise QueryError(f"malformed cut {text!r}: expected dimension:value, dimension:a;b or dimension:from-to")
    dim, level = _resolve(cube, unescape(parts[0].strip()), "cut")
    spec = parts[1].strip()
    rangeable = dim.is_time
    set_parts = split_escaped(spec, ";")
    if rangeable and len(set_parts) == 1 and len(split_escaped(spec, "-")) > 1:
        bounds = split_escaped(spec, "-")
        if len(bounds) != 2:
            raise QueryError(f"malformed range in cut {text!r}: expected from-to")
        lo_raw, hi_raw = bounds[0].strip(), bounds[1].strip()
        if not lo_raw and not hi_raw:
            raise QueryError(f"malformed range in cut {text!r}: both ends empty")
        if level is None:
            level = _infer_level(dim, [b for b in (lo_raw, hi_raw) if b], text)
        lo = _typed(level, dim, lo_raw) if lo_raw else None
        hi = _typed(level, dim, hi_raw) if hi_raw else None
        if lo is not None and hi is not None and lo > hi:
            raise QueryError(f"malformed range in cut {text!r}: from is after to")
        return Cut(dim.name, level.name, "range", low=lo, high=hi, invert=invert)
    raw_values = [p.strip() for p in set_parts]
    if any(not v for v in raw_values):
        raise QueryError(f"malformed cut {text!r}: empty value")
    if len(raw_values) > MAX_SET_SIZE:
        raise QueryError(f"too many values in cut {text!r} (max {MAX_SET_SIZE})")
    if level is None:
        level = _infer_level(dim, raw_values, text)
    values = tuple(dict.fromkeys(_typed(level, dim, v) for v in raw_values))
    return Cut(dim.name, level.name, "point" if len(values) == 1 else "set", values=values, invert=invert)


def parse_cuts(cube: Cube, cuts: Iterable[str] | str | None) -> list[Cut]:
    return [parse_cut(cube, c) for c in _split_list(cuts, "|")]


def parse_drilldowns(cube: Cube, drilldowns: Iterable[str] | str | None, cuts: list[Cut] = ()) -> list[Drilldown]:
    out: list[Drilldown] = []
    for token in _split_list(drilldowns, "|,"):
        token = unescape(token)
        if ":" in token and "@" not in token:       # dim:level (Cubes' dim@hierarchy:level, hierarchy omitted)
            token = token.replace(":", "@", 1)
        dim, level = _resolve(cube, token, "drilldown")
        if level is None:
            cut_levels = [dim.level_index(c.level) for c in cuts if c.dimension == dim.name and not c.invert
                          and c.kind == "point"]
            idx = min(max(cut_levels) + 1, len(dim.levels) - 1) if cut_levels else 0
            level = dim.levels[idx]
        if any(d.dimension == dim.name for d in out):
            raise QueryError(f"dimension {dim.name!r} drilled down more than once")
        out.append(Drilldown(dim.name, level.name))
    return out


def parse_measures(cube: Cube, measures: Iterable[str] | str | None) -> list[str]:
    names = _split_list(measures, "|,")
    if not names:
        return [m for m in cube.default_measures if cube.is_exposed(m)]
    for name in names:       # a member of a member (insured_total.yoy.yoy, pension_paid.ytd.yoy): refused, named
        base, dot, kind = name.rpartition(".")
        inner = cube.resolve_measure(base) if dot and kind in CALC_LABELS else None
        if isinstance(inner, CalculatedMeasure) and inner.type not in SQL_CALCS:
            raise QueryError(f"measure {name!r}: the calculated member .{kind} of {base!r}, itself a calculated "
                             f"member ({inner.type}), is not supported; .yoy, .mom, .ytd and .share apply to a stored "
                             f"measure or a ratio / sum measure (e.g. {sql_measure_name(cube, base)}.{kind})")
    unknown = [m for m in names if cube.resolve_measure(m) is None]
    if unknown:
        raise QueryError(f"unknown measure(s) {', '.join(map(repr, unknown))} for cube {cube.name!r}; "
                         f"available: {', '.join(cube.all_measure_names)} (and <measure>.yoy, .mom, .ytd, .share)")
    for name in names:
        m = cube.resolve_measure(name)
        if isinstance(m, CalculatedMeasure) and m.type in ("yoy", "mom", "ytd") and not cube.time_dimension:
            raise QueryError(f"measure {name!r}: cube {cube.name!r} has no time dimension")
        if isinstance(m, CalculatedMeasure) and m.type == "ytd":
            base = cube.measures.get(m.base)
            if base is None or base.additivity != "additive":
                raise QueryError(f"measure {name!r}: year-to-date is only defined for additive measures "
                                 f"(flows such as amounts); {m.base!r} is "
                                 f"{'a calculated measure' if base is None else 'a ' + base.additivity + ' measure'}")
    return list(dict.fromkeys(names))


def sql_measure_name(cube: Cube, name: str) -> str:
    """The measure computed in SQL for ``name``: itself for stored, ratio and sum measures, the base (recursively)
    for time-intelligence and share members, which are computed from query results (cube/calc.py)."""
    m = cube.resolve_measure(name) or cube.measures.get(name) or cube.calculated.get(name)
    while isinstance(m, CalculatedMeasure) and m.type not in SQL_CALCS:
        name = m.base
        m = cube.measures.get(name) or cube.calculated.get(name)
    return name


def parse_order(cube: Cube, order: Iterable[str] | str | None, drilldowns: list[Drilldown],
                measures: list[str]) -> list[Order]:
    out: list[Order] = []
    drilled = {d.dimension for d in drilldowns}
    for token in _split_list(order, ",|"):
        name, _, direction = token.partition(":")
        direction = direction.strip().lower() or "asc"
        if direction not in ("asc", "desc"):
            raise QueryError(f"malformed order {token!r}: direction must be asc or desc")
        name = name.strip()
        if name in measures:
            if sql_measure_name(cube, name) != name:
                raise QueryError(f"cannot order by {name!r}: calculated members (.yoy, .mom, .ytd, .share) are "
                                 f"computed after paging; order by {sql_measure_name(cube, name)!r} instead")
            out.append(Order(name, True, direction == "desc"))
            continue
        dim_token = name.replace(".", "@", 1)
        try:
            dim, _ = _resolve(cube, dim_token, "order")
        except QueryError:
            raise QueryError(f"cannot order by {name!r}: not a selected measure ({', '.join(measures)}) "
                             f"nor a drilled-down dimension ({', '.join(drilled) or 'none'})") from None
        if dim.name not in drilled:
            raise QueryError(f"cannot order by {name!r}: dimension {dim.name!r} is not drilled down")
        out.append(Order(dim.name, False, direction == "desc"))
    return out


def parse_paging(page: int | None, pagesize: int | None) -> tuple[int, int]:
    page = 0 if page is None else page
    pagesize = DEFAULT_PAGE_SIZE if pagesize is None else pagesize
    if page < 0:
        raise QueryError("page must be >= 0 (pages are numbered from 0)")
    if page > 1_000_000:
        raise QueryError("page must be <= 1000000")
    if not 1 <= pagesize <= MAX_PAGE_SIZE:
        raise QueryError(f"pagesize must be between 1 and {MAX_PAGE_SIZE}")
    return page, pagesize


# ---------------------------------------------------------------------------------------------
# SQL building

class Params:
    """Named parameters for one statement."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> sql.Placeholder:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return sql.Placeholder(name)


@dataclass
class _Attr:
    """One drilled level: SQL aliases of its key, order and label columns."""
    dimension: Dimension
    level: Level
    key: str
    order: str
    labels: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return self.dimension.name if self.level.name == self.dimension.name else f"{self.dimension.name}.{self.level.name}"


@dataclass
class AggregateQuery:
    cube: Cube
    schema: str
    cuts: list[Cut]
    drilldowns: list[Drilldown]
    measures: list[str]
    order: list[Order] = field(default_factory=list)
    page: int = 0
    pagesize: int | None = None         # None = no LIMIT (summary)
    available: frozenset = frozenset()  # aggregate tables present in the schema (none: always the fact)
    use: str = "auto"                   # auto | fact | aggregate (forced; QueryError if not exact)
    # dimensions whose level keys are columns of the table read (distinct aggregates are denormalised: no join)
    denormalised: frozenset = field(default=frozenset(), repr=False, compare=False)
    # months with data per calendar year ({year: 12-bit mask}) of the period-count tables present, when known:
    # a time cut that selects exactly the data of whole years/quarters can then be answered from their counts
    data_months: dict | None = field(default=None, repr=False, compare=False)

    # -- aggregate awareness ----------------------------------------------------------------------
    def _single_member_of(self, grain: str) -> bool:
        """Every cell of the result lies within one member of the time ``grain`` (one month)."""
        tdim = self.cube.time_dim
        glevel = tdim.level_of_grain(grain) if tdim else None
        if glevel is None:
            return False
        gi = tdim.level_index(glevel.name)
        if any(d.dimension == tdim.name and tdim.level_index(d.level) >= gi for d in self.drilldowns):
            return True
        for c in self.cuts:
            if c.dimension != tdim.name or c.invert or tdim.level_index(c.level) < gi:
                continue
            if c.kind == "point" or (c.kind == "range" and c.low is not None and c.low == c.high):
                return True
        return False

    def uncovered(self, agg: AggregateTable, skip_distinct: bool = False) -> str | None:
        """Why ``agg`` cannot answer this query exactly (None: it can); ``skip_distinct``: leave the
        count-distinct measures out (they are read from a distinct aggregate)."""
        for d in self.drilldowns:
            if not agg.covers_level(d.dimension, d.level):
                return f"drill-down {d.dimension}@{d.level} not in {agg.table}"
            dim = self.cube.dimensions[d.dimension]
            for lv in dim.path_to(d.level):
                if not agg.covers_level(d.dimension, lv.name):
                    return f"level {d.dimension}@{lv.name} not in {agg.table}"
        for c in self.cuts:
            if not agg.covers_level(c.dimension, c.level):
                return f"cut on {c.dimension}@{c.level} not in {agg.table}"
        for m in self.base_measures():
            if skip_distinct and m.additivity == "none":
                continue
            am = agg.measures.get(m.name)
            if am is None:
                return f"measure {m.name} not in {agg.table}"
            if m.additivity == "none" and not self._single_member_of(am.exact_within):
                return (f"{m.name} is a distinct count: exact from {agg.table} only within one {am.exact_within} "
                        f"(drill down to or cut a single {am.exact_within})")
        return None

    # -- distinct counts over periods -------------------------------------------------------------
    def _time_cuts(self) -> list[Cut]:
        tdim = self.cube.time_dim
        return [c for c in self.cuts if tdim is not None and c.dimension == tdim.name]

    def _time_drill(self) -> Drilldown | None:
        tdim = self.cube.time_dim
        return next((d for d in self.drilldowns if tdim is not None and d.dimension == tdim.name), None)

    def _period_plan(self, dagg: DistinctAggregate) -> tuple[str, list | None] | None:
        """(calendar grain of ``dagg`` that every cell is exactly one member of, members or None), or None.

        Members None: the time cuts select whole members (cuts on that grain or coarser) and are applied as they
        are. Otherwise (``data_months`` known) the time cuts select, within the months that have data, exactly
        all the data months of each member they touch (e.g. month:202401-202412 when 2024 has data for those
        months only): the members are listed and replace the time cuts."""
        grain = self._period_grain(dagg)
        if grain is not None:
            return grain, None
        if self.data_months is None:
            return None
        tdim = self.cube.time_dim
        tcuts = [(c, tdim.level(c.level).grain) for c in self._time_cuts()]
        if any(g is None for _, g in tcuts):
            return None
        data = [(y, m) for y, bits in self.data_months.items() for m in range(1, 13) if bits >> (m - 1) & 1]
        chosen = {(y, m) for y, m in data if all(_cut_holds(c, g, y, m) for c, g in tcuts)}
        drill = self._time_drill()
        for grain in dagg.grains:
            if drill is not None and tdim.level(drill.level).grain != grain:
                continue
            key = (lambda y, m: y) if grain == "year" else (lambda y, m: f"{y}Q{(m - 1) // 3 + 1}")
            members = {key(y, m) for y, m in chosen}
            if drill is None and len(members) > 1:
                continue
            if all({d for d in data if key(*d) == p} <= chosen for p in members):
                return grain, sorted(members)
        return None

    def _period_grain(self, dagg: DistinctAggregate) -> str | None:
        """The calendar grain (year | quarter) of ``dagg`` that every cell is exactly one member of, or None."""
        tdim = self.cube.time_dim
        tcuts = self._time_cuts()
        drill = self._time_drill()
        if drill is not None:
            level = tdim.level(drill.level)
            finest = tdim.level_index(level.name)
        else:       # not drilled: the finest time cut must pick one member; coarser cuts only filter it
            single = [c for c in tcuts if not c.invert and (c.kind == "point" or (
                c.kind == "range" and c.low is not None and c.low == c.high))]
            if not single:
                return None
            level = tdim.level(max(single, key=lambda c: tdim.level_index(c.level)).level)
            finest = tdim.level_index(level.name)
        if level.grain not in dagg.grains or any(tdim.level_index(c.level) > finest for c in tcuts):
            return None
        return level.grain

    def uncovered_distinct(self, dagg: DistinctAggregate) -> str | None:
        """Why ``dagg`` cannot count this query's distinct measures exactly (None: it can)."""
        tdim = self.cube.time_dim
        for m in self.base_measures():
            if m.additivity == "none" and m.name != dagg.measure:
                return f"distinct measure {m.name} not in {dagg.table}"
        for d in self.drilldowns:
            if d.dimension == tdim.name:
                continue
            for lv in self.cube.dimensions[d.dimension].path_to(d.level):
                if not dagg.covers_level(d.dimension, lv.name):
                    return f"level {d.dimension}@{lv.name} not in {dagg.table}"
        for c in self.cuts:
            if c.dimension != tdim.name and not dagg.covers_level(c.dimension, c.level):
                return f"cut on {c.dimension}@{c.level} not in {dagg.table}"
        drill = self._time_drill()
        if dagg.type == "year_bitmask":
            if drill is not None and tdim.level(drill.level).grain not in ("year", "quarter"):
                return f"{dagg.table} counts by year or quarter, not by {drill.level}"
            if any(tdim.level(c.level).grain is None for c in self._time_cuts()):
                return f"time cut on a level without a calendar grain: not expressible as months in {dagg.table}"
            return None
        if self._member_sets() and not (dagg.type == "spell_counts" and dagg.mover_table
                                        and self._present(dagg.mover_table)):
            c = self._member_sets()[0]
            return (f"cut on {c.dimension} is not a single member: {dagg.table} holds one distinct count "
                    f"per member, which do not add up")
        if dagg.type == "spell_counts":
            if drill is not None and tdim.level(drill.level).grain is None:
                return f"{dagg.table} counts by calendar periods, not by {drill.level}"
            if any(tdim.level(c.level).grain is None for c in self._time_cuts()):
                return f"time cut on a level without a calendar grain: not expressible as months in {dagg.table}"
            if self.spell_ranges() is None:
                return f"{dagg.table}: the months of each cell must be one contiguous range"
            return None
        if self._period_plan(dagg) is None:
            return f"{dagg.table}: cells must each be exactly one calendar {' or '.join(dagg.grains)}"
        return None

    def month_masks(self) -> tuple[list[int], list[int]]:
        """The time cuts as (years, 12-bit month masks) — the months every time cut lets through, per year."""
        if getattr(self, "_masks", None) is not None:
            return self._masks
        tdim = self.cube.time_dim
        tcuts = [(c, tdim.level(c.level).grain) for c in self._time_cuts()]
        lo, hi = MASK_YEARS
        for c, grain in tcuts:           # a cut that is not inverted bounds the years to look at
            if c.invert:
                continue
            if c.kind == "range":
                lo = lo if c.low is None else max(lo, _year_of(grain, c.low))
                hi = hi if c.high is None else min(hi, _year_of(grain, c.high))
            else:
                ys = [_year_of(grain, v) for v in c.values]
                lo, hi = max(lo, min(ys)), min(hi, max(ys))
        years, masks = [], []
        for y in range(lo, hi + 1):
            bits = 0
            for m in range(1, 13):
                if all(_cut_holds(c, grain, y, m) for c, grain in tcuts):
                    bits |= 1 << (m - 1)
            if bits:
                years.append(y)
                masks.append(bits)
        self._masks = (years, masks)
        return self._masks

    def _member_sets(self) -> list[Cut]:
        """Cuts that let several members of an undrilled dimension (other than time) through: sets, inversions."""
        drilled = {d.dimension for d in self.drilldowns}
        return [c for c in self.cuts if c.dimension != self.cube.time_dimension and c.dimension not in drilled
                and (c.invert or c.kind != "point")]

    def _present(self, table: str) -> bool:
        """Whether ``table`` is in the schema (forced onto aggregates without knowing it: every table assumed)."""
        return table in self.available or (self.use == "aggregate" and not self.available)

    def spell_ranges(self) -> list[tuple[tuple, int, int]] | None:
        """Each cell's months as one contiguous range: [(time level keys along the drilled path, first, last)],
        months as indexes year * 12 + month - 1; one range without keys when time is not drilled. None when
        some cell's months are not contiguous (e.g. a set of months with a gap). Only years with data (when
        known) are listed, so an unbounded cut yields one range per year / quarter / month with data."""
        if getattr(self, "_ranges", False) is not False:        # planned and built from the same ranges
            return self._ranges
        self._ranges = self._contiguous_ranges()
        return self._ranges

    def _contiguous_ranges(self) -> list[tuple[tuple, int, int]] | None:
        tdim = self.cube.time_dim
        drill = self._time_drill()
        grain = tdim.level(drill.level).grain if drill is not None else None
        if self._time_cuts():
            years, masks = self.month_masks()
        else:
            years = list(range(MASK_YEARS[0], MASK_YEARS[1] + 1))
            masks = [4095] * len(years)
        if self.data_months is not None and grain is not None:
            kept = [(y, b) for y, b in zip(years, masks) if y in self.data_months]
            years, masks = [y for y, _ in kept], [b for _, b in kept]
        groups: dict[tuple, list[int]] = {}
        for y, bits in zip(years, masks):
            for m in range(12):
                if bits >> m & 1:
                    key = {None: (), "year": (y,), "quarter": (y, f"{y}Q{m // 3 + 1}"),
                           "month": (y, f"{y}Q{m // 3 + 1}", y * 100 + m + 1)}[grain]
                    groups.setdefault(key, []).append(y * 12 + m)
        out = []
        for key, months in groups.items():
            if months[-1] - months[0] + 1 != len(months):       # listed in order, no repeats: a gap
                return None
            out.append((key, months[0], months[-1]))
        return out

    def _spell_source(self, dagg: DistinctAggregate, params: Params, movers: bool = False) -> sql.Composable:
        """The spell-count rows that count for each cell (a spell meeting the cell's month range whose prior
        spell ended before it), with the level keys of the drilled time path, as a derived table; ``movers``:
        the movers' own spells meeting the range instead (counted by a DISTINCT)."""
        tdim = self.cube.time_dim
        drill = self._time_drill()
        levels = tdim.path_to(drill.level) if drill is not None else []
        ranges = self.spell_ranges() or []

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
            sql.Identifier(self.schema, dagg.mover_table if movers else dagg.table),
            sql.SQL(", ").join(arrays), sql.SQL(", ").join([*names, sql.SQL("__lo"), sql.SQL("__hi")]), on)

    # -- the plan ----------------------------------------------------------------------------------
    def plan_full(self) -> tuple[AggregateTable | None, DistinctAggregate | None, str]:
        """(aggregate for the cells and the summed measures, or None for the fact; distinct aggregate for the
        count-distinct measures, or None when they come from the same source; why)."""
        if self.use not in ("auto", "fact", "aggregate"):
            raise QueryError(f"unknown query path {self.use!r}")
        if self.use == "fact":
            return None, None, "fact forced"

        present = self._present
        reasons = []
        for agg in self.cube.aggregates:
            if not present(agg.table):
                reasons.append(f"{agg.table} not in schema {self.schema}")
                continue
            why = self.uncovered(agg)
            if why is None:
                return agg, None, "covered"
            reasons.append(why)
        if any(m.additivity == "none" for m in self.base_measures()):
            for dagg in self.cube.distinct_aggregates:
                if not present(dagg.table):
                    reasons.append(f"{dagg.table} not in schema {self.schema}")
                    continue
                why = self.uncovered_distinct(dagg)
                if why is not None:
                    reasons.append(why)
                    continue
                main = next((a for a in self.cube.aggregates
                             if present(a.table) and self.uncovered(a, skip_distinct=True) is None), None)
                if main is None and self.use == "aggregate":
                    break
                return main, dagg, f"distinct counts from {dagg.table}"
        if self.use == "aggregate":
            raise QueryError("no aggregate answers this query exactly: " + ("; ".join(reasons) or "none declared"))
        return None, None, "; ".join(reasons) or "no aggregate declared"

    def plan(self) -> tuple[AggregateTable | None, str]:
        """(aggregate to read for the cells, or None for the fact; why)."""
        agg, _, why = self.plan_full()
        return agg, why

    @property
    def path(self) -> str:
        """``aggregate:<table>`` or ``fact``: where the statement reads; ``… + distinct:<table>`` when the
        count-distinct measures come from a distinct aggregate."""
        agg, dagg, _ = self.plan_full()
        main = f"aggregate:{agg.table}" if agg else "fact"
        return main if dagg is None else f"{main} + distinct:{dagg.table}"

    # -- helpers ------------------------------------------------------------------------------
    def _dim_alias(self, dim: Dimension) -> str:
        return f"d_{dim.name}"

    def _level_col(self, dim: Dimension, column: str) -> sql.Composable:
        if dim.table and dim.name not in self.denormalised:
            return sql.Identifier(self._dim_alias(dim), column)
        return sql.Identifier("f", column)

    def _cut_col(self, dim: Dimension, level: Level) -> sql.Composable:
        if dim.table and level.key == dim.key:       # the fact carries the key: no join needed
            return sql.Identifier("f", dim.fact_key)
        return self._level_col(dim, level.key)

    def sql_measures(self) -> list[str]:
        """Measures computed by the statement (stored, ratio and sum measures; bases of calculated members)."""
        return list(dict.fromkeys(sql_measure_name(self.cube, m) for m in self.measures))

    def base_measures(self) -> list[Measure]:
        """Stored measures needed for the selected (and calculated) measures, in model order."""
        needed: set[str] = set()
        todo = list(self.sql_measures())
        while todo:                 # a ratio may divide by a calculated sum of stored measures
            m = todo.pop()
            if m in self.cube.calculated:
                todo.extend(self.cube.calculated[m].depends_on)
            else:
                needed.add(m)
        return [m for name, m in self.cube.measures.items() if name in needed]

    def attributes(self) -> list[_Attr]:
        out: list[_Attr] = []
        i = 0
        for dd in self.drilldowns:
            dim = self.cube.dimensions[dd.dimension]
            for lv in dim.path_to(dd.level):
                out.append(_Attr(dim, lv, key=f"k{i}", order=f"o{i}",
                                 labels=[f"l{i}_{j}" for j in range(len(lv.label_columns))]))
                i += 1
        return out

    def _joins(self) -> list[Dimension]:
        dims: dict[str, Dimension] = {}
        for dd in self.drilldowns:
            dim = self.cube.dimensions[dd.dimension]
            if dim.table:
                dims[dim.name] = dim
        for c in self.cuts:
            dim = self.cube.dimensions[c.dimension]
            if dim.table and dim.level(c.level).key != dim.key:
                dims[dim.name] = dim
        return [d for d in self.cube.dimensions.values() if d.name in dims and d.name not in self.denormalised]

    def _from(self, agg: AggregateTable | None = None, table: str | None = None,
              source: sql.Composable | None = None) -> sql.Composable:
        table = table or (agg.table if agg else self.cube.fact)
        parts = [sql.SQL("{} as f").format(source if source is not None else sql.Identifier(self.schema, table))]
        for dim in self._joins():
            alias = self._dim_alias(dim)
            parts.append(sql.SQL("left join {} as {} on {} = {}").format(
                sql.Identifier(self.schema, dim.table), sql.Identifier(alias),
                sql.Identifier(alias, dim.key), sql.Identifier("f", dim.fact_key)))
        return sql.SQL("\n    ").join(parts)

    def _bitmask_source(self, dagg: DistinctAggregate, params: Params) -> sql.Composable:
        """The rows of a year bitmask inside the time cuts, as a derived table with the level keys of the
        dimensions and of the time dimension's year (and, drilled to quarters, quarter: one row per quarter)."""
        cols: list[str] = [dagg.column, dagg.single_column]
        for dname, levels in dagg.dimensions.items():
            cols += [self.cube.dimensions[dname].level(lv).key for lv in levels]
        drill = self._time_drill()
        by_quarter = drill is not None and self.cube.time_dim.level(drill.level).grain == "quarter"
        tdim = self.cube.time_dim
        year = sql.SQL("b.{}").format(sql.Identifier(dagg.year_column))
        select = [sql.SQL("b.{}").format(sql.Identifier(c)) for c in dict.fromkeys(cols)]
        select.append(sql.SQL("{} as {}").format(year, sql.Identifier(tdim.level_of_grain("year").key)))
        if by_quarter:
            select.append(sql.SQL("({} || 'Q' || q.q) as {}").format(
                year, sql.Identifier(tdim.level_of_grain("quarter").key)))
        months = sql.SQL("b.{}").format(sql.Identifier(dagg.months_column))
        joins, conds = [], []
        if self._time_cuts():
            years, masks = self.month_masks()
            joins.append(sql.SQL(" join unnest({}::int[], {}::int[]) as t(y, bits) on t.y = b.{}").format(
                params.add(years), params.add(masks), sql.Identifier(dagg.year_column)))
            months = sql.SQL("({} & t.bits)").format(months)
        if by_quarter:
            joins.append(sql.SQL(" cross join generate_series(1, 4) as q(q)"))
            conds.append(sql.SQL("({} & (7 << (3 * (q.q - 1)))) <> 0").format(months))
        elif self._time_cuts():
            conds.append(sql.SQL("{} <> 0").format(months))
        where = sql.SQL(" where ") + sql.SQL(" and ").join(conds) if conds else sql.SQL("")
        return sql.SQL("(select {} from {} as b{}{})").format(
            sql.SQL(", ").join(select), sql.Identifier(self.schema, dagg.table), sql.SQL("").join(joins), where)

    def _within_one_year(self) -> bool:
        """Every cell lies within one calendar year (then an entity has at most one bitmask row per cell
        unless it has several rows in that year)."""
        drill = self._time_drill()
        if drill is not None and self.cube.time_dim.level(drill.level).grain in ("year", "quarter", "month"):
            return True
        years = set(self.month_masks()[0]) if self._time_cuts() else None
        if self.data_months is not None:        # only years with data count
            years = set(self.data_months) if years is None else years & set(self.data_months)
        return years is not None and len(years) <= 1

    def _where(self, params: Params, skip_time: bool = False, extra: list[sql.Composable] = ()) -> sql.Composable:
        conds: list[sql.Composable] = list(extra)
        for c in self.cuts:
            if skip_time and c.dimension == self.cube.time_dimension:
                continue
            dim = self.cube.dimensions[c.dimension]
            col = self._cut_col(dim, dim.level(c.level))
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
            conds.append(sql.SQL("({})").format(cond))
        if not conds:
            return sql.SQL("")
        return sql.SQL("\n  where ") + sql.SQL(" and ").join(conds)

    def _filter(self, m: Measure, params: Params, agg: AggregateTable | None = None) -> sql.Composable:
        if not m.filter or (agg is not None and agg.measures[m.name].filter_in_column):
            return sql.SQL("")
        conds = [sql.SQL("{} = any({})").format(sql.Identifier("f", col), params.add(list(val))) if isinstance(val, tuple)
                 else sql.SQL("{} = {}").format(sql.Identifier("f", col), params.add(val)) for col, val in m.filter]
        return sql.SQL(" filter (where {})").format(sql.SQL(" and ").join(conds))

    def _attr_selects(self, attrs: list[_Attr]) -> list[sql.Composable]:
        cols: list[sql.Composable] = []
        for a in attrs:
            cols.append(sql.SQL("{} as {}").format(self._level_col(a.dimension, a.level.key), sql.Identifier(a.key)))
            cols.append(sql.SQL("{} as {}").format(self._level_col(a.dimension, a.level.order_column),
                                                   sql.Identifier(a.order)))
            for col, alias in zip(a.level.label_columns, a.labels):
                cols.append(sql.SQL("{} as {}").format(self._level_col(a.dimension, col), sql.Identifier(alias)))
        return cols

    @staticmethod
    def _sum_of_parts(keys: list[sql.Composable], measure: str, *parts: sql.Composable) -> sql.Composable:
        """The ``d`` CTE as the per-cell sum of the ``n`` of partial counts over disjoint sets of entities."""
        k = sql.SQL(", ").join(keys)
        return sql.SQL("d as (\n  select {}sum(n)::bigint as {}\n  from ({}) u{}\n)").format(
            sql.SQL("{}, ").format(k) if keys else sql.SQL(""), sql.Identifier(f"m_{measure}"),
            sql.SQL("\n  union all ").join(parts), sql.SQL(" group by {}").format(k) if keys else sql.SQL(""))

    @staticmethod
    def _ordinals(n: int, start: int = 1) -> sql.Composable:
        return sql.SQL(", ").join(sql.SQL(str(i)) for i in range(start, start + n))

    # -- the statement ----------------------------------------------------------------------
    def build(self) -> tuple[sql.Composed, dict[str, Any]]:
        params = Params()
        agg, dagg, _ = self.plan_full()
        attrs = self.attributes()
        base = self.base_measures()
        if agg is None or dagg is not None:
            summed = [m for m in base if m.additivity in ("additive", *PERIOD_VALUE)]
            distinct = [m for m in base if m.additivity == "none"]
        else:       # from an aggregate every measure is a sum (distinct counts only when exact: see plan())
            summed, distinct = base, []
        distinct_names = {m.name for m in distinct}
        # closing balances (stock) take the last month of a span, opening balances its first (PERIOD_VALUE)
        balances = [k for k in PERIOD_VALUE if any(m.additivity == k for m in summed)]
        has_period = bool(balances)
        time_attrs = [a for a in attrs if a.dimension.is_time]

        attr_cols = self._attr_selects(attrs)
        attr_aliases = [sql.Identifier(n) for a in attrs for n in (a.key, a.order, *a.labels)]
        from_ = self._from(agg)
        where = self._where(params)

        ctes: list[sql.Composable] = []
        # g: facts aggregated to drilled attributes (+ the month, when balances need it)
        g_cols = list(attr_cols)
        if has_period:
            g_cols.append(sql.SQL("{} as __t").format(sql.Identifier("f", self.cube.time_key)))
        g_cols.append(sql.SQL("sum({}) as __n").format(sql.Identifier("f", agg.row_count)) if agg
                      else sql.SQL("count(*) as __n"))
        for m in summed:
            if agg is not None:
                expr = sql.SQL("sum({})").format(sql.Identifier("f", agg.measures[m.name].column))
            elif m.agg == "count":
                expr = sql.SQL("count(*)")
            elif m.columns:
                expr = sql.SQL("sum({})").format(sql.SQL(" + ").join(
                    sql.SQL("coalesce({}, 0)").format(sql.Identifier("f", c)) for c in m.columns))
            else:
                expr = sql.SQL("sum({})").format(sql.Identifier("f", m.column))
            g_cols.append(sql.SQL("{}{} as {}").format(expr, self._filter(m, params, agg),
                                                       sql.Identifier(f"m_{m.name}")))
        n_group = len(attr_cols) + (1 if has_period else 0)
        group_by = sql.SQL("\n  group by {}").format(self._ordinals(n_group)) if n_group else sql.SQL("")
        ctes.append(sql.SQL("g as (\n  select {}\n  from {}{}{}\n)").format(
            sql.SQL(", ").join(g_cols), from_, where, group_by))

        source = "g"
        if has_period:
            # the first / last month of each time member (over every other attribute: cells of one time member
            # share it, so they add up to their total)
            partition = (sql.SQL("partition by {}").format(sql.SQL(", ").join(sql.Identifier(a.key) for a in time_attrs))
                         if time_attrs else sql.SQL(""))
            windows = [sql.SQL("{}(__t) over ({}) as {}").format(sql.SQL(PERIOD_VALUE[k]), partition,
                                                               sql.SQL(BALANCE_COLUMNS[k][0])) for k in balances]
            ctes.append(sql.SQL("w as (select g.*, {} from g)").format(sql.SQL(", ").join(windows)))
            source = "w"

        # a: one row per cell
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
        ctes.append(sql.SQL("a as (select {} from {}{})").format(sql.SQL(", ").join(a_cols), sql.Identifier(source), a_group))

        # d: count-distinct measures straight from the facts (not additive over anything)
        if distinct:
            # grouped by the level keys only (labels and order columns are not needed to join on) and
            # compared under the "C" collation: sorting text under a linguistic collation dominates the cost
            if dagg is not None:        # level keys (time: year, quarter) are the aggregate's own columns: no join
                self.denormalised = frozenset(dagg.dimensions) | {self.cube.time_dimension}
            d_cols = [sql.SQL("{} as {}").format(self._level_col(a.dimension, a.level.key), sql.Identifier(a.key))
                      for a in attrs]
            if dagg is None:            # from the facts
                d_from, d_where = from_, self._where(params)  # same cuts, own parameters
                for m in distinct:
                    d_cols.append(sql.SQL("count(distinct {}::text collate \"C\"){} as {}").format(
                        sql.Identifier("f", m.column), self._filter(m, params), sql.Identifier(f"m_{m.name}")))
            elif dagg.type == "period_counts":      # one stored count per cell: the right period and roll-up
                grain, members = self._period_plan(dagg)
                grouped = {d.dimension for d in self.drilldowns} | {c.dimension for c in self.cuts}
                extra = [sql.SQL("{} = {}").format(sql.Identifier("f", dagg.period_column), params.add(grain)),
                         sql.SQL("{} = {}").format(sql.Identifier("f", dagg.rollup_column),
                                                   params.add(dagg.rollup_bits(grouped)))]
                if members is not None:     # the time cuts, resolved against the months with data
                    extra.append(sql.SQL("{} = any({})").format(
                        sql.Identifier("f", self.cube.time_dim.level_of_grain(grain).key), params.add(members)))
                d_from = self._from(table=dagg.table)
                d_where = self._where(params, skip_time=members is not None, extra=extra)
                d_cols.append(sql.SQL("sum({})::bigint as {}").format(sql.Identifier("f", dagg.column),
                                                                     sql.Identifier(f"m_{dagg.measure}")))
            elif dagg.type == "spell_counts":       # a sum of counted spells: cells' month ranges joined
                grouped = {d.dimension for d in self.drilldowns} | {c.dimension for c in self.cuts}
                rolled = [sql.SQL("{} = {}").format(sql.Identifier("f", dagg.rollup_column),
                                                    params.add(dagg.rollup_bits(grouped)))]
                if self._member_sets():     # steady entities summed over the members, movers counted once
                    rolled.append(sql.SQL("not {}").format(sql.Identifier("f", dagg.movers_column)))
                    m_from = self._from(source=self._spell_source(dagg, params, movers=True))
                    m_where = self._where(params, skip_time=True)
                d_from = self._from(source=self._spell_source(dagg, params))
                d_where = self._where(params, skip_time=True, extra=rolled)
                d_cols.append(sql.SQL("sum({})::bigint as {}").format(sql.Identifier("f", dagg.column),
                                                                     sql.Identifier(f"m_{dagg.measure}")))
            else:                       # year bitmask: time cuts are month masks, the rest as usual
                d_from = self._from(source=self._bitmask_source(dagg, params))
                d_where = self._where(params, skip_time=True)
                entity = sql.SQL("{}::text collate \"C\"").format(sql.Identifier("f", dagg.column))
                single = sql.Identifier("f", dagg.single_column)
                split_where = (self._where(params, skip_time=True, extra=[single]),
                               self._where(params, skip_time=True, extra=[sql.SQL("not {}").format(single)]))
                d_cols.append(sql.SQL("count(distinct {})::bigint as {}").format(
                    entity, sql.Identifier(f"m_{dagg.measure}")))
            self.denormalised = frozenset()
            d_group = sql.SQL("\n  group by {}").format(self._ordinals(len(attrs))) if attrs else sql.SQL("")
            if dagg is not None and dagg.type == "year_bitmask" and self._within_one_year():
                # within one year an entity with a single row that year is one row of one cell: counted by a
                # hashed count(*); only the entities with several rows (moved, changed age band, …) need the
                # sort of count(distinct). The two parts are disjoint sets of entities, so they add up.
                keys = [sql.Identifier(a.key) for a in attrs]
                part = sql.SQL("select {} from {}{}{}")
                singles = part.format(sql.SQL(", ").join([*d_cols[:-1], sql.SQL("count(*)::bigint as n")]),
                                      d_from, split_where[0], d_group)
                multiples = part.format(sql.SQL(", ").join([*d_cols[:-1], sql.SQL(
                    "count(distinct {})::bigint as n").format(entity)]), d_from, split_where[1], d_group)
                ctes.append(self._sum_of_parts(keys, dagg.measure, singles, multiples))
            elif dagg is not None and dagg.type == "spell_counts" and self._member_sets():
                # the steady entities' spell counts (each lies in one member) plus the movers once each: distinct
                # (cell, mover) pairs over the movers' own spells meeting the cells' ranges
                keys = [sql.Identifier(a.key) for a in attrs]
                steady = sql.SQL("select {} from {}{}{}").format(sql.SQL(", ").join(
                    [*d_cols[:-1], sql.SQL("sum({})::bigint as n").format(sql.Identifier("f", dagg.column))]),
                    d_from, d_where, d_group)
                mover = sql.SQL("select {} from (select distinct {} from {}{}) x{}").format(
                    sql.SQL(", ").join([*keys, sql.SQL("count(*)::bigint as n")]),
                    sql.SQL(", ").join([*d_cols[:-1], sql.SQL("{} as __e").format(
                        sql.Identifier("f", dagg.mover_entity_column))]),
                    m_from, m_where,
                    sql.SQL(" group by {}").format(sql.SQL(", ").join(keys)) if keys else sql.SQL(""))
                ctes.append(self._sum_of_parts(keys, dagg.measure, steady, mover))
            elif dagg is not None and dagg.type == "year_bitmask":
                # across years an entity has a row per year (and combination): distinct (cell, entity) pairs by a
                # hashed DISTINCT, then a count per cell — about twice as fast as count(distinct), which sorts
                keys = [sql.Identifier(a.key) for a in attrs]
                inner = sql.SQL("select distinct {} as __e from {}{}").format(
                    sql.SQL(", ").join([*d_cols[:-1], entity]), d_from, d_where)
                ctes.append(sql.SQL("d as (\n  select {}count(*)::bigint as {}\n  from ({}) x{}\n)").format(
                    sql.SQL("{}, ").format(sql.SQL(", ").join(keys)) if keys else sql.SQL(""),
                    sql.Identifier(f"m_{dagg.measure}"), inner,
                    sql.SQL(" group by {}").format(sql.SQL(", ").join(keys)) if keys else sql.SQL("")))
            else:
                ctes.append(sql.SQL("d as (\n  select {}\n  from {}{}{}\n)").format(
                    sql.SQL(", ").join(d_cols), d_from, d_where, d_group))

        # final select
        def mref(name: str) -> sql.Composable:
            c = self.cube.calculated.get(name)
            if c is not None and c.type == "sum":     # each term already aggregated by its own rule
                return sql.SQL("({})").format(sql.SQL(" + ").join(mref(t) for t in c.terms))
            table = "d" if name in distinct_names else "a"
            return sql.SQL("coalesce({}, 0)").format(sql.Identifier(table, f"m_{name}"))

        out_cols = [sql.SQL("a.{}").format(al) for al in attr_aliases]
        for name in self.sql_measures():
            c = self.cube.calculated.get(name)
            if c is not None and c.type == "ratio":
                num = mref(c.numerator)
                if c.multiplier != 1:
                    num = sql.SQL("({} * {})").format(num, sql.Literal(c.multiplier))
                expr = sql.SQL("round({}::numeric / nullif({}, 0), {})").format(
                    num, mref(c.denominator), sql.Literal(c.scale))
            else:
                expr = mref(name)
            out_cols.append(sql.SQL("{} as {}").format(expr, sql.Identifier(f"x_{name}")))
        out_cols += [sql.SQL("a.{}").format(sql.SQL(BALANCE_COLUMNS[k][1])) for k in balances]
        out_cols.append(sql.SQL("count(*) over () as __total"))

        join = sql.SQL("")
        if distinct:
            on = (sql.SQL(" and ").join(sql.SQL("a.{0} is not distinct from d.{0}").format(sql.Identifier(a.key))
                                        for a in attrs) if attrs else sql.SQL("true"))
            join = sql.SQL("\nleft join d on {}").format(on)

        # ordering: requested keys first, then the drilled levels' natural order
        order_items: list[sql.Composable] = []
        for o in self.order:
            direction = sql.SQL("desc nulls last" if o.descending else "asc nulls last")
            if o.is_measure:
                order_items.append(sql.SQL("{} {}").format(sql.Identifier(f"x_{o.ref}"), direction))
            else:
                for a in attrs:
                    if a.dimension.name == o.ref:
                        order_items.append(sql.SQL("a.{} {}").format(sql.Identifier(a.order), direction))
        for a in attrs:
            order_items.append(sql.SQL("a.{} asc nulls last").format(sql.Identifier(a.order)))
            order_items.append(sql.SQL("a.{} asc nulls last").format(sql.Identifier(a.key)))
        order_by = sql.SQL("\norder by {}").format(sql.SQL(", ").join(order_items)) if order_items else sql.SQL("")

        limit = sql.SQL("")
        if self.pagesize is not None:
            limit = sql.SQL("\nlimit {} offset {}").format(params.add(self.pagesize), params.add(self.page * self.pagesize))

        # a summary over no rows still yields one row (zeros); drilled queries have no empty cells
        stmt = sql.SQL("with {}\nselect {}\nfrom a{}{}{}").format(
            sql.SQL(",\n").join(ctes), sql.SQL(", ").join(out_cols), join, order_by, limit)
        return stmt, params.values

    # -- result rows --------------------------------------------------------------------------
    def format_rows(self, names: list[str], rows: list[tuple]) -> tuple[list[dict], int, Any]:
        """Rows of the statement → (cells, total cell count, stock month of the first row)."""
        idx = {n: i for i, n in enumerate(names)}
        attrs = self.attributes()
        cells: list[dict] = []
        total = 0
        stock_t = None
        for row in rows:
            cell: dict[str, Any] = {}
            for a in attrs:
                key = row[idx[a.key]]
                cell[a.ref] = key
                cell[f"{a.ref}.label"] = a.level.format_label(key, tuple(row[idx[lbl]] for lbl in a.labels))
            for name in self.sql_measures():
                cell[name] = row[idx[f"x_{name}"]]
            cells.append(cell)
            total = row[idx["__total"]]
            if "__stock_t" in idx and stock_t is None:
                stock_t = row[idx["__stock_t"]]
        return cells, total, stock_t

    @staticmethod
    def opening_month(names: list[str], rows: list[tuple]) -> Any:
        """The month (month_start) whose value the opening balances of the first row took, or None."""
        if "__opening_t" not in names or not rows:
            return None
        return rows[0][names.index("__opening_t")]

    def level_refs(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for dd in self.drilldowns:
            dim = self.cube.dimensions[dd.dimension]
            out[dim.name] = [lv.name for lv in dim.path_to(dd.level)]
        return out


def build_request(cube: Cube, schema: str, *, cut=None, drilldown=None, measures=None, order=None,
                  page: int | None = None, pagesize: int | None = None,
                  restrict: list[Cut] = (), available: Iterable[str] = (),
                  use: str = "auto", data_months: dict | None = None) -> tuple[AggregateQuery, AggregateQuery]:
    """Parse the request parameters → (cells query, summary query). Raises QueryError.

    ``restrict``: cuts imposed by the caller's role (district); they are added to the user's cuts (AND),
    so no user cut can widen them. ``available``: the cube's aggregate tables present in the schema;
    ``use``: auto (the planner decides, each query on its own), fact or aggregate (forced); ``data_months``:
    {year: month mask} of the months with data of the cube's period-count tables (see AggregateQuery)."""
    cuts = parse_cuts(cube, cut) + list(restrict)
    drills = parse_drilldowns(cube, drilldown, cuts)
    names = parse_measures(cube, measures)
    orders = parse_order(cube, order, drills, names)
    page, pagesize = parse_paging(page, pagesize)
    available = frozenset(available)
    cells = AggregateQuery(cube, schema, cuts, drills, names, orders, page, pagesize, available, use,
                           data_months=data_months)
    summary = AggregateQuery(cube, schema, cuts, [], names, available=available, use=use, data_months=data_months)
    return cells, summary


# ---------------------------------------------------------------------------------------------
# drill-through to the facts

DEFAULT_FACTS_PAGE_SIZE = 100


def parse_fields(cube: Cube, fields: Iterable[str] | str | None) -> list[str]:
    declared = [c.name for c in cube.fact_columns]
    if not declared:
        raise QueryError(f"cube {cube.name!r} declares no fact columns: drill-through is not available")
    names = _split_list(fields, "|,")
    if not names:
        return declared
    unknown = [n for n in names if n not in declared]
    if unknown:
        raise QueryError(f"unknown fact field(s) {', '.join(map(repr, unknown))}; fields of cube {cube.name!r}: "
                         f"{', '.join(declared)}")
    return list(dict.fromkeys(names))


def build_facts(cube: Cube, schema: str, *, cut=None, fields=None, order=None, page: int | None = None,
                pagesize: int | None = None, restrict: list[Cut] = (), masked: frozenset[str] = frozenset()
                ) -> tuple[sql.Composed, dict, list[str]]:
    """Drill-through statement: declared fact columns of the facts inside the cuts, paged.
    Returns (statement, parameters, field names); the statement also yields ``__total``. Fields in ``masked``
    (shown as pseudonyms) can be neither ordered by nor used to break ties: the order would reveal them."""
    cuts = parse_cuts(cube, cut) + list(restrict)
    names = parse_fields(cube, fields)
    page, pagesize = parse_paging(page, DEFAULT_FACTS_PAGE_SIZE if pagesize is None else pagesize)
    orders: list[tuple[str, bool]] = []
    declared = {c.name for c in cube.fact_columns}
    for token in _split_list(order, ",|"):
        name, _, direction = token.partition(":")
        direction = direction.strip().lower() or "asc"
        if direction not in ("asc", "desc"):
            raise QueryError(f"malformed order {token!r}: direction must be asc or desc")
        if name.strip() not in declared:
            raise QueryError(f"cannot order facts by {name.strip()!r}: not a fact field ({', '.join(sorted(declared))})")
        if name.strip() in masked:
            raise QueryError(f"cannot order facts by {name.strip()!r}: it is masked for your role (ordering by it "
                             "would reveal the original values)")
        orders.append((name.strip(), direction == "desc"))
    q = AggregateQuery(cube, schema, cuts, [], [])
    params = Params()
    cols = [sql.SQL("{} as {}").format(sql.Identifier("f", n), sql.Identifier(n)) for n in names]
    cols.append(sql.SQL("count(*) over () as __total"))
    order_items = [sql.SQL("{} {}").format(sql.Identifier("f", n), sql.SQL("desc nulls last" if d else "asc nulls last"))
                   for n, d in orders]
    order_items += [sql.SQL("{} asc").format(sql.Identifier("f", n)) for n in names if n not in masked]
    if not order_items:
        order_items = [sql.SQL("1")]
    stmt = sql.SQL("select {}\nfrom {}{}\norder by {}\nlimit {} offset {}").format(
        sql.SQL(", ").join(cols), q._from(), q._where(params), sql.SQL(", ").join(order_items),
        params.add(pagesize), params.add(page * pagesize))
    return stmt, params.values, names
