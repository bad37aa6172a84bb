"""Parsing of the cube's request parameters (Slicer syntax) into cuts, drill-downs, measures, order and paging.

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
* ``page`` (0-based) and ``pagesize``; ``fields`` of drill-through (/facts).

Every error is a ``QueryError`` (HTTP 400) whose message names the parameter, the value and what is expected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from cube.model import CALC_LABELS, SQL_CALCS, CalculatedMeasure, Cube, Dimension, Level

MAX_VALUE_LEN = 100
MAX_SET_SIZE = 1000
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10000
DEFAULT_FACTS_PAGE_SIZE = 100


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



def parse_fact_order(cube: Cube, order: Iterable[str] | str | None, masked: frozenset[str]) -> list[tuple[str, bool]]:
    """Drill-through order: ``field[:asc|desc]`` → [(field, descending)]; a masked field cannot be ordered by."""
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
    return orders
