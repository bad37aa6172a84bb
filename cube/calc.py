"""Calculated members computed from query results: year-on-year and period-on-period growth,
year-to-date and share of total.

* ``yoy`` — (value − value of the same period one year earlier) ÷ the earlier value;
  ``mom`` — the same against the previous period of the cell's grain (month → previous month,
  quarter → previous quarter, year → previous year). The period of a cell is its drilled time member,
  or, when time is not drilled, the time cut (ranges and sets are shifted as a whole). The earlier
  values come from the same query with the time cuts shifted, so every rule of the base measure
  (stocks at the end of the period, opening balances at its start, distinct counts, ratios of sums)
  applies to both periods alike.
  Without any time cut or time drill-down there is no period: the value is null and a note says so.
* ``ytd`` — an additive measure summed from January of the year of the cell's last month to that
  month (other time cuts only determine that month); without a time cut, the last month with data.
* ``share`` — the cell's value ÷ the value of the whole result (the summary, after all cuts).

Growth and share are fractions rounded to 4 decimals (0.0523 = 5.23 %).
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any, Callable

from cube.model import SQL_CALCS, CalculatedMeasure, Cube, Level
from cube.query import AggregateQuery, Cut, Drilldown, QueryError, sql_measure_name

Runner = Callable[[AggregateQuery], tuple[list[dict], int, Any]]


# -- periods ------------------------------------------------------------------------------------

def _month_index(level: Level, value: Any) -> int:
    """Index (year*12 + month-1) of the first month of a member of a year/quarter/month level."""
    if level.grain == "month":
        v = int(value)
        return (v // 100) * 12 + v % 100 - 1
    if level.grain == "quarter":
        y, q = str(value).split("Q")
        return int(y) * 12 + (int(q) - 1) * 3
    return int(value) * 12


def _from_index(level: Level, idx: int) -> Any:
    y, m0 = divmod(idx, 12)
    if level.grain == "month":
        return y * 100 + m0 + 1
    if level.grain == "quarter":
        return f"{y}Q{m0 // 3 + 1}"
    return y


def _span(level: Level) -> int:
    return {"month": 1, "quarter": 3, "year": 12}[level.grain]


def shift(level: Level, value: Any, months: int) -> Any:
    if value is None:
        return None
    return _from_index(level, _month_index(level, value) + months)


def last_month(level: Level, value: Any) -> int:
    """yyyymm of the last month of a member."""
    idx = _month_index(level, value) + _span(level) - 1
    return (idx // 12) * 100 + idx % 12 + 1


def _shift_cut(cube: Cube, c: Cut, months: int) -> Cut:
    if c.dimension != cube.time_dimension:
        return c
    level = cube.dimensions[c.dimension].level(c.level)
    if level.grain is None:
        raise QueryError(f"cannot shift the cut on {c.dimension}@{c.level} in time: the level has no grain")
    if c.kind == "range":
        return replace(c, low=shift(level, c.low, months), high=shift(level, c.high, months))
    return replace(c, values=tuple(shift(level, v, months) for v in c.values))


# -- the post-processing ---------------------------------------------------------------------------

def _members(cube: Cube, names: list[str]) -> list[CalculatedMeasure]:
    out = []
    for n in names:
        m = cube.resolve_measure(n)
        if isinstance(m, CalculatedMeasure) and m.type not in SQL_CALCS:
            out.append(m)
    return out


def _growth(cur: Any, prev: Any) -> float | None:
    if cur is None or prev is None or prev == 0:
        return None
    return round(float((Decimal(cur) - Decimal(prev)) / Decimal(prev)), 4)


def _time_drill(q: AggregateQuery) -> tuple[Drilldown | None, Level | None]:
    for d in q.drilldowns:
        if d.dimension == q.cube.time_dimension:
            return d, q.cube.dimensions[d.dimension].level(d.level)
    return None, None


def _cell_key(q: AggregateQuery, cell: dict, time_shift: int = 0) -> tuple:
    """Key of a cell: the keys of every drilled attribute (the finest time key shifted by months)."""
    key = []
    time_drill, tlevel = _time_drill(q)
    for a in q.attributes():
        if a.dimension.is_time:
            if a.level.name == time_drill.level:
                key.append(shift(tlevel, cell[a.ref], time_shift) if time_shift else cell[a.ref])
        else:
            key.append(cell[a.ref])
    return tuple(key)


def apply(cube: Cube, cells_q: AggregateQuery, summary_q: AggregateQuery, cells: list[dict], summary: dict,
          run: Runner) -> list[str]:
    """Fill the calculated members of ``cells`` and ``summary`` in place; returns notes for the caller."""
    members = _members(cube, cells_q.measures)
    notes: list[str] = []
    if not members:
        return notes
    time_cuts = [c for c in cells_q.cuts if c.dimension == cube.time_dimension]
    time_drill, tlevel = _time_drill(cells_q)

    for m in members:
        base = sql_measure_name(cube, m.base) if m.base else None
        if m.type in ("yoy", "mom"):
            cut_levels = [cube.dimensions[c.dimension].level(c.level) for c in time_cuts]
            if m.type == "yoy":
                months = 12
            else:
                grains = ([tlevel] if tlevel else []) + cut_levels
                months = min((_span(lv) for lv in grains if lv.grain), default=0)
            # summary
            if time_cuts and months:
                prev_q = replace(summary_q, cuts=[_shift_cut(cube, c, -months) for c in summary_q.cuts],
                                 measures=[base], order=[], page=0, pagesize=None)
                prev = run(prev_q)[0]
                summary[m.name] = _growth(_value(cube, m.base, summary), _value(cube, m.base, prev[0] if prev else {}))
            else:
                summary[m.name] = None
                notes.append(f"{m.name}: the summary has no period (cut the time dimension) — null")
            # cells
            if not cells:
                continue
            if time_drill is None and not time_cuts:
                for c in cells:
                    c[m.name] = None
                notes.append(f"{m.name}: cells have no period (drill down or cut the time dimension) — null")
                continue
            if months == 0:
                months = 12
            prev_cells_q = replace(cells_q, cuts=[_shift_cut(cube, c, -months) for c in cells_q.cuts],
                                   measures=[base], order=[], page=0, pagesize=None)
            prev_cells = run(prev_cells_q)[0]
            index = {_cell_key(cells_q, c): c for c in prev_cells}
            for c in cells:
                p = index.get(_cell_key(cells_q, c, -months) if time_drill else _cell_key(cells_q, c))
                c[m.name] = _growth(_value(cube, m.base, c), _value(cube, m.base, p or {}))
        elif m.type == "share":
            total = _value(cube, m.base, summary)
            for c in cells:
                v = _value(cube, m.base, c)
                c[m.name] = None if v is None or not total else round(float(Decimal(v) / Decimal(total)), 4)
            summary[m.name] = 1.0 if total else None
        elif m.type == "ytd":
            _ytd(cube, m, cells_q, cells, summary, time_cuts, run)
    return notes


def _value(cube: Cube, name: str, cell: dict) -> Any:
    """Value of a (possibly nested calculated) measure in a cell already filled."""
    if name in cell:
        return cell[name]
    return cell.get(sql_measure_name(cube, name))


def _ytd(cube: Cube, m: CalculatedMeasure, cells_q: AggregateQuery, cells: list[dict], summary: dict,
         time_cuts: list[Cut], run: Runner) -> None:
    tdim = cube.time_dim
    month_level = tdim.level_of_grain("month")
    if month_level is None:
        raise QueryError(f"measure {m.name!r}: the time dimension has no month level")
    time_drill, tlevel = _time_drill(cells_q)

    # the end month of the summary (and of undrilled cells): from the time cuts, else the last month with data
    def cut_end() -> int | None:
        ends = []
        for c in time_cuts:
            if c.invert:
                continue
            lv = tdim.level(c.level)
            vals = [c.high] if c.kind == "range" else list(c.values)
            if c.kind == "range" and c.high is None:
                return None
            ends.extend(last_month(lv, v) for v in vals)
        return min(ends) if ends else None          # several cuts: their intersection ends at the earliest

    end = cut_end()
    ends = [last_month(tlevel, c[f"{tdim.name}.{tlevel.name}"]) for c in cells] if time_drill else []
    if end is not None:
        ends.append(end)
    # monthly series of the base measure over the non-time cuts, from January of the first year needed
    other_cuts = [c for c in cells_q.cuts if c.dimension != tdim.name]
    lo = (min(ends) // 100) * 100 + 1 if ends else None
    hi = max(ends) if ends else None
    series_cuts = other_cuts + ([Cut(tdim.name, month_level.name, "range", low=lo, high=hi)] if lo else [])
    drills = [d for d in cells_q.drilldowns if d.dimension != tdim.name] + [Drilldown(tdim.name, month_level.name)]
    series_q = AggregateQuery(cube, cells_q.schema, series_cuts, drills, [m.base], [], 0, None,
                              cells_q.available, cells_q.use)
    series = run(series_q)[0]
    mref = f"{tdim.name}.{month_level.name}"
    if end is None and not time_cuts:
        end = max((s[mref] for s in series), default=None)
    nontime = [a.ref for a in cells_q.attributes() if not a.dimension.is_time]

    def total(keys: tuple, end_month: int | None) -> Any:
        if end_month is None:
            return None
        start = (end_month // 100) * 100 + 1
        acc = Decimal(0)
        for s in series:
            if start <= s[mref] <= end_month and tuple(s.get(r) for r in nontime) == keys:
                acc += Decimal(s[m.base] or 0)
        return acc

    # summary: over every non-time member
    if end is not None:
        start = (end // 100) * 100 + 1
        summary[m.name] = sum((Decimal(s[m.base] or 0) for s in series if start <= s[mref] <= end), Decimal(0))
    else:
        summary[m.name] = None
    for c in cells:
        keys = tuple(c.get(r) for r in nontime)
        e = last_month(tlevel, c[f"{tdim.name}.{tlevel.name}"]) if time_drill else end
        if time_drill and end is not None:
            e = min(e, end)
        c[m.name] = total(keys, e)
