"""Query planning: which storage answers a parsed cube query exactly (aggregate awareness).

``plan(q)`` returns a ``Plan`` naming the storage each part of the statement reads: the cells and summed measures
from the fact or from a month pre-aggregate declared under ``aggregates:`` in the cube file (e.g. agg_pension_month),
the count-distinct measures from the same source or from one of the ``distinct_aggregates``.

A month pre-aggregate answers when the table exists in the schema and every cut and drill-down level and every
stored measure needed is kept by it, and the result stays exact: additive, stock and opening measures are sums of
sums (balances still take the last / first month of each cell's span, the aggregate keeps the month); a
count-distinct measure only when it is declared ``exact_within`` a time grain and every cell of the result lies
within one member of that grain (the time dimension drilled to that grain or finer, or cut to a single member of it).
Everything else, and drill-through, reads the fact.

Distinct counts over longer periods (``distinct_aggregates``, e.g. 缴费人数 over a quarter, a year or any month
range): when the aggregates above cannot count them exactly, the planner looks for a structure that can —
``period_counts`` (the counts per calendar year / quarter and combination of dimensions: exact when every cell
is one such period and each other cut is a single member or a drilled dimension), ``spell_counts`` (counted
runs of consecutive months per combination of dimensions: exact when each cell's months are one contiguous
range; with the movers' own spells also for sets of members of undrilled dimensions) or ``year_bitmask``
(person × year × attributes with a month mask: exact for any time cut, turned into per-year month masks, and
any cut of its dimensions). The distinct measures are then read from there and the other measures from the month
aggregate (or the fact); the path reads ``<main> + distinct:<table>``.

The time arithmetic the SQL builders share with the planner (a query's time cuts as per-year month masks, each
cell's months as one contiguous range) is computed here once per query.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cube.model import AggregateTable, DistinctAggregate, Measure
from cube.parse import Cut, Drilldown, QueryError, sql_measure_name

if TYPE_CHECKING:
    from cube.query import AggregateQuery

MASK_YEARS = (1900, 2100)       # years a time cut is turned into month masks over (year bitmask aggregates)
PATTERN_MONTHS = 64             # months per window of a pattern_counts table (bits of a bigint)


def _year_of(grain: str, value: Any) -> int | None:
    if value is None:
        return None
    return {"year": lambda v: int(v), "quarter": lambda v: int(str(v)[:4]), "month": lambda v: int(v) // 100}[grain](value)


def _cut_holds(c: Cut, grain: str, year: int, month: int) -> bool:
    """Whether the month (year, month) passes the time cut ``c`` on a level of the given calendar grain."""
    value: Any = {"year": year, "quarter": f"{year}Q{(month - 1) // 3 + 1}", "month": year * 100 + month}[grain]
    if c.kind == "range":
        ok = (c.low is None or value >= c.low) and (c.high is None or value <= c.high)
    else:
        ok = value in c.values
    return ok != c.invert


# ---------------------------------------------------------------------------------------------
# the plan

@dataclass(frozen=True)
class Plan:
    """Where one statement reads. ``aggregate``: the month pre-aggregate of the cells and summed measures (None: the
    fact); ``distinct``: the structure the count-distinct measures are counted from (None: the same source)."""
    aggregate: AggregateTable | None
    distinct: DistinctAggregate | None
    why: str

    @property
    def storage(self) -> str:
        """The storage type of the distinct part, else of the main part: fact | aggregate | period_counts |
        spell_counts | year_bitmask."""
        if self.distinct is not None:
            return self.distinct.type
        return "aggregate" if self.aggregate is not None else "fact"

    @property
    def path(self) -> str:
        """``aggregate:<table>`` or ``fact``: where the statement reads; ``… + distinct:<table>`` when the
        count-distinct measures come from a distinct aggregate."""
        main = f"aggregate:{self.aggregate.table}" if self.aggregate else "fact"
        return main if self.distinct is None else f"{main} + distinct:{self.distinct.table}"


def plan(q: AggregateQuery) -> Plan:
    """The storage that answers ``q`` exactly (``q.use``: auto, or fact / aggregate forced; QueryError when an
    aggregate is forced and none is exact)."""
    if q.use not in ("auto", "fact", "aggregate"):
        raise QueryError(f"unknown query path {q.use!r}")
    if q.use == "fact":
        return Plan(None, None, "fact forced")
    reasons: list[str] = []
    for agg in q.cube.aggregates:
        why = f"{agg.table} not in schema {q.schema}" if not present(q, agg.table) else uncovered(q, agg)
        if why is None:
            return Plan(agg, None, "covered")
        reasons.append(why)
    if any(m.additivity == "none" for m in base_measures(q)):
        found = _distinct_plan(q, reasons)
        if found is not None:
            return found
    if q.use == "aggregate":
        raise QueryError("no aggregate answers this query exactly: " + ("; ".join(reasons) or "none declared"))
    return Plan(None, None, "; ".join(reasons) or "no aggregate declared")


def _distinct_plan(q: AggregateQuery, reasons: list[str]) -> Plan | None:
    """The first distinct aggregate that counts the query exactly, with the month aggregate (or the fact) for the
    rest; None (reasons appended) when there is none — or, forced onto aggregates, when no month aggregate fits."""
    skipped: list[str] = []      # why the structures before the chosen one do not count it (in plan.why)
    for dagg in q.cube.distinct_aggregates:
        why = f"{dagg.table} not in schema {q.schema}" if not present(q, dagg.table) else uncovered_distinct(q, dagg)
        if why is not None:
            reasons.append(why)
            skipped.append(why if dagg.table in why else f"{dagg.table}: {why}")
            continue
        main = next((a for a in q.cube.aggregates
                     if present(q, a.table) and uncovered(q, a, skip_distinct=True) is None), None)
        if main is None and q.use == "aggregate":
            return None
        return Plan(main, dagg, f"distinct counts from {dagg.table}" + (
            f" ({'; '.join(skipped)})" if skipped else ""))
    return None


# ---------------------------------------------------------------------------------------------
# coverage



def single_member_of(q: AggregateQuery, grain: str) -> bool:
    """Every cell of the result lies within one member of the time ``grain`` (one month)."""
    tdim = q.cube.time_dim
    glevel = tdim.level_of_grain(grain) if tdim else None
    if glevel is None:
        return False
    gi = tdim.level_index(glevel.name)
    if any(d.dimension == tdim.name and tdim.level_index(d.level) >= gi for d in q.drilldowns):
        return True
    for c in q.cuts:
        if c.dimension != tdim.name or c.invert or tdim.level_index(c.level) < gi:
            continue
        if c.kind == "point" or (c.kind == "range" and c.low is not None and c.low == c.high):
            return True
    return False


def uncovered(q: AggregateQuery, agg: AggregateTable, skip_distinct: bool = False) -> str | None:
    """Why ``agg`` cannot answer this query exactly (None: it can); ``skip_distinct``: leave the
    count-distinct measures out (they are read from a distinct aggregate)."""
    for d in q.drilldowns:
        if not agg.covers_level(d.dimension, d.level):
            return f"drill-down {d.dimension}@{d.level} not in {agg.table}"
        dim = q.cube.dimensions[d.dimension]
        for lv in dim.path_to(d.level):
            if not agg.covers_level(d.dimension, lv.name):
                return f"level {d.dimension}@{lv.name} not in {agg.table}"
    for c in q.cuts:
        if not agg.covers_level(c.dimension, c.level):
            return f"cut on {c.dimension}@{c.level} not in {agg.table}"
    for m in base_measures(q):
        if skip_distinct and m.additivity == "none":
            continue
        am = agg.measures.get(m.name)
        if am is None:
            return f"measure {m.name} not in {agg.table}"
        if m.additivity == "none" and not single_member_of(q, am.exact_within):
            return (f"{m.name} is a distinct count: exact from {agg.table} only within one {am.exact_within} "
                    f"(drill down to or cut a single {am.exact_within})")
    return None


# -- distinct counts over periods -------------------------------------------------------------

def time_cuts(q: AggregateQuery) -> list[Cut]:
    tdim = q.cube.time_dim
    return [c for c in q.cuts if tdim is not None and c.dimension == tdim.name]


def time_drill(q: AggregateQuery) -> Drilldown | None:
    tdim = q.cube.time_dim
    return next((d for d in q.drilldowns if tdim is not None and d.dimension == tdim.name), None)


def period_plan(q: AggregateQuery, dagg: DistinctAggregate) -> tuple[str, list | None] | None:
    """(calendar grain of ``dagg`` that every cell is exactly one member of, members or None), or None.

    Members None: the time cuts select whole members (cuts on that grain or coarser) and are applied as they
    are. Otherwise (``data_months`` known) the time cuts select, within the months that have data, exactly
    all the data months of each member they touch (e.g. month:202401-202412 when 2024 has data for those
    months only): the members are listed and replace the time cuts."""
    grain = period_grain(q, dagg)
    if grain is not None:
        return grain, None
    if q.data_months is None:
        return None
    tdim = q.cube.time_dim
    tcuts = [(c, tdim.level(c.level).grain) for c in time_cuts(q)]
    if any(g is None for _, g in tcuts):
        return None
    data = [(y, m) for y, bits in q.data_months.items() for m in range(1, 13) if bits >> (m - 1) & 1]
    chosen = {(y, m) for y, m in data if all(_cut_holds(c, g, y, m) for c, g in tcuts)}
    drill = time_drill(q)
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


def period_grain(q: AggregateQuery, dagg: DistinctAggregate) -> str | None:
    """The calendar grain (year | quarter) of ``dagg`` that every cell is exactly one member of, or None."""
    tdim = q.cube.time_dim
    tcuts = time_cuts(q)
    drill = time_drill(q)
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


def uncovered_distinct(q: AggregateQuery, dagg: DistinctAggregate) -> str | None:
    """Why ``dagg`` cannot count this query's distinct measures exactly (None: it can)."""
    return _dimensions_uncovered(q, dagg) or _UNCOVERED_BY_TYPE[dagg.type](q, dagg)


def _dimensions_uncovered(q: AggregateQuery, dagg: DistinctAggregate) -> str | None:
    """The measures, drill-downs and cuts other than time that ``dagg`` does not hold."""
    tdim = q.cube.time_dim
    for m in base_measures(q):
        if m.additivity == "none" and m.name != dagg.measure:
            return f"distinct measure {m.name} not in {dagg.table}"
    for d in q.drilldowns:
        if d.dimension == tdim.name:
            continue
        for lv in q.cube.dimensions[d.dimension].path_to(d.level):
            if not dagg.covers_level(d.dimension, lv.name):
                return f"level {d.dimension}@{lv.name} not in {dagg.table}"
    for c in q.cuts:
        if c.dimension != tdim.name and not dagg.covers_level(c.dimension, c.level):
            return f"cut on {c.dimension}@{c.level} not in {dagg.table}"
    return None


def _calendar_uncovered(q: AggregateQuery, dagg: DistinctAggregate, grains: tuple[str, ...] | None) -> str | None:
    """A time drill-down outside ``grains`` (None: any calendar grain) or a time cut on a level without a grain."""
    tdim = q.cube.time_dim
    drill = time_drill(q)
    grain = tdim.level(drill.level).grain if drill is not None else None
    if drill is not None and (grain is None if grains is None else grain not in grains):
        return (f"{dagg.table} counts by calendar periods, not by {drill.level}" if grains is None
                else f"{dagg.table} counts by year or quarter, not by {drill.level}")
    if any(tdim.level(c.level).grain is None for c in time_cuts(q)):
        return f"time cut on a level without a calendar grain: not expressible as months in {dagg.table}"
    return None


def _member_sets_uncovered(q: AggregateQuery, dagg: DistinctAggregate) -> str | None:
    """Sets / inversions of undrilled dimensions: only spell counts with their movers' spells add them up."""
    if member_sets(q) and not (dagg.type == "spell_counts" and dagg.mover_table and present(q, dagg.mover_table)):
        c = member_sets(q)[0]
        return (f"cut on {c.dimension} is not a single member: {dagg.table} holds one distinct count "
                f"per member, which do not add up")
    return None


def _bitmask_uncovered(q: AggregateQuery, dagg: DistinctAggregate) -> str | None:
    return _calendar_uncovered(q, dagg, ("year", "quarter"))


def _spell_uncovered(q: AggregateQuery, dagg: DistinctAggregate) -> str | None:
    why = _member_sets_uncovered(q, dagg) or _calendar_uncovered(q, dagg, None)
    if why is None and spell_ranges(q) is None:
        why = f"{dagg.table}: the months of each cell must be one contiguous range"
    return why


def _period_uncovered(q: AggregateQuery, dagg: DistinctAggregate) -> str | None:
    why = _member_sets_uncovered(q, dagg)
    if why is None and period_plan(q, dagg) is None:
        why = f"{dagg.table}: cells must each be exactly one calendar {' or '.join(dagg.grains)}"
    return why


def _pattern_uncovered(q: AggregateQuery, dagg: DistinctAggregate) -> str | None:
    why = _member_sets_uncovered(q, dagg) or _calendar_uncovered(q, dagg, None)
    if why is None and pattern_cells(q) is None:
        why = (f"{dagg.table}: the months of each cell must lie in one {PATTERN_MONTHS}-month window "
               f"(and, cut open-ended or inverted, the months with data be known)")
    return why


_UNCOVERED_BY_TYPE = {"year_bitmask": _bitmask_uncovered, "spell_counts": _spell_uncovered,
                      "period_counts": _period_uncovered, "pattern_counts": _pattern_uncovered}


def month_masks(q: AggregateQuery) -> tuple[list[int], list[int]]:
    """The time cuts as (years, 12-bit month masks) — the months every time cut lets through, per year."""
    if getattr(q, "_masks", None) is not None:
        return q._masks
    tdim = q.cube.time_dim
    tcuts = [(c, tdim.level(c.level).grain) for c in time_cuts(q)]
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
    q._masks = (years, masks)
    return q._masks


def member_sets(q: AggregateQuery) -> list[Cut]:
    """Cuts that let several members of an undrilled dimension (other than time) through: sets, inversions."""
    drilled = {d.dimension for d in q.drilldowns}
    return [c for c in q.cuts if c.dimension != q.cube.time_dimension and c.dimension not in drilled
            and (c.invert or c.kind != "point")]


def present(q: AggregateQuery, table: str) -> bool:
    """Whether ``table`` is in the schema (forced onto aggregates without knowing it: every table assumed)."""
    return table in q.available or (q.use == "aggregate" and not q.available)


def spell_ranges(q: AggregateQuery) -> list[tuple[tuple, int, int]] | None:
    """Each cell's months as one contiguous range: [(time level keys along the drilled path, first, last)],
    months as indexes year * 12 + month - 1; one range without keys when time is not drilled. None when
    some cell's months are not contiguous (e.g. a set of months with a gap). Only years with data (when
    known) are listed, so an unbounded cut yields one range per year / quarter / month with data."""
    if getattr(q, "_ranges", False) is not False:        # planned and built from the same ranges
        return q._ranges
    q._ranges = contiguous_ranges(q)
    return q._ranges


def contiguous_ranges(q: AggregateQuery) -> list[tuple[tuple, int, int]] | None:
    out = []
    for key, months in cell_months(q).items():
        if months[-1] - months[0] + 1 != len(months):       # listed in order, no repeats: a gap
            return None
        out.append((key, months[0], months[-1]))
    return out


def pattern_cells(q: AggregateQuery) -> list[tuple[tuple, int, int]] | None:
    """Each cell's months as (time level keys along the drilled path, window, bigint month pattern): month
    index i = year * 12 + month - 1 is bit i % 64 of window i // 64 (warehouse/macros/distinct_patterns.sql).
    Only months with data count (when known; else the cuts must bound the years). None when some cell's
    months span two windows."""
    if getattr(q, "_patterns", False) is not False:
        return q._patterns
    data = q.data_months
    if data is None and (not time_cuts(q) or len(month_masks(q)[0]) > PATTERN_MONTHS // 12 + 1):
        q._patterns = None
        return None
    out = []
    for key, months in cell_months(q, data_only=True).items():
        windows = {i // PATTERN_MONTHS for i in months}
        if len(windows) != 1:
            q._patterns = None
            return None
        bits = 0
        for i in months:
            bits |= 1 << (i % PATTERN_MONTHS)
        out.append((key, windows.pop(), bits - (1 << 64) if bits >= 1 << 63 else bits))   # as a signed bigint
    q._patterns = out
    return out


def cell_months(q: AggregateQuery, data_only: bool = False) -> dict[tuple, list[int]]:
    """{time level keys along the drilled path: the cell's month indexes (year * 12 + month - 1), in order};
    one key () when time is not drilled. ``data_only``: only the months with data (when known)."""
    tdim = q.cube.time_dim
    drill = time_drill(q)
    grain = tdim.level(drill.level).grain if drill is not None else None
    if time_cuts(q):
        years, masks = month_masks(q)
    else:
        years = list(range(MASK_YEARS[0], MASK_YEARS[1] + 1))
        masks = [4095] * len(years)
    if q.data_months is not None and (grain is not None or data_only):
        kept = [(y, b & (q.data_months[y] if data_only else 4095)) for y, b in zip(years, masks)
                if y in q.data_months]
        years, masks = [y for y, _ in kept], [b for _, b in kept]
    groups: dict[tuple, list[int]] = {}
    for y, bits in zip(years, masks):
        for m in range(12):
            if bits >> m & 1:
                key = {None: (), "year": (y,), "quarter": (y, f"{y}Q{m // 3 + 1}"),
                       "month": (y, f"{y}Q{m // 3 + 1}", y * 100 + m + 1)}[grain]
                groups.setdefault(key, []).append(y * 12 + m)
    return groups


def within_one_year(q: AggregateQuery) -> bool:
    """Every cell lies within one calendar year (then an entity has at most one bitmask row per cell
    unless it has several rows in that year)."""
    drill = time_drill(q)
    if drill is not None and q.cube.time_dim.level(drill.level).grain in ("year", "quarter", "month"):
        return True
    years = set(month_masks(q)[0]) if time_cuts(q) else None
    if q.data_months is not None:        # only years with data count
        years = set(q.data_months) if years is None else years & set(q.data_months)
    return years is not None and len(years) <= 1


def sql_measures(q: AggregateQuery) -> list[str]:
    """Measures computed by the statement (stored, ratio and sum measures; bases of calculated members)."""
    return list(dict.fromkeys(sql_measure_name(q.cube, m) for m in q.measures))


def base_measures(q: AggregateQuery) -> list[Measure]:
    """Stored measures needed for the selected (and calculated) measures, in model order."""
    needed: set[str] = set()
    todo = list(sql_measures(q))
    while todo:                 # a ratio may divide by a calculated sum of stored measures
        m = todo.pop()
        if m in q.cube.calculated:
            todo.extend(q.cube.calculated[m].depends_on)
        else:
            needed.add(m)
    return [m for name, m in q.cube.measures.items() if name in needed]
