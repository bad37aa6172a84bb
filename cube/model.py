"""Cube model: loads and validates the cube definitions in cube/cubes/*.yaml.

A cube file names a fact table (in the schema given by CUBE_SCHEMA, default ``marts``) and declares

* ``dimensions``: each with an optional dimension ``table`` joined on ``key`` = fact ``fact_key``, and
  an ordered list of ``levels`` (the hierarchy, top to bottom, e.g. year > quarter > month). A level
  has a ``key`` column (in the dimension table, or in the fact table for a degenerate dimension
  without ``table``), a ``type`` (int | text) used to validate cut values, an optional ``pattern``
  (regex a cut value must match; also used to infer the level of ``time:2024Q1``), labels from
  ``label_columns`` (+ ``label_template``, Python ``str.format`` over those columns) or from a static
  ``members`` map, and an ``order`` column (defaults to the key).
* ``measures``: ``agg`` (sum | count | count_distinct) over a fact ``column`` with an optional
  equality ``filter`` on fact columns, and ``additivity``:
  ``additive`` (summed over everything), ``stock`` (closing balance, 期末数: summed over every dimension
  except time; over a time span the value of the last month in the span is taken), ``opening`` (opening
  balance, 期初数 / 上期结转: summed over every dimension except time; over a time span the value of the
  first month in the span is taken), ``none`` (count distinct: computed from the facts for every cell,
  never summed).
* ``calculated_measures``: ``type: ratio`` of two measures (or of ``sum`` members), ``type: sum`` of
  stored measures (``terms``, e.g. 应处理案件数 = 上期结转 (opening) + 本期受理 (flow): each term keeps its own
  rule over time), computed after aggregation.
* ``aggregates`` (optional): pre-aggregated tables of the fact (same schema) the query planner may answer
  from instead of the fact (aggregate awareness, cube/plan.py ``plan``). Each names its
  ``table``, the ``row_count`` column (fact rows behind an aggregate row), the ``dimensions`` it keeps
  (a name: every level; ``{name: [levels]}``: only those levels), with the same key columns as the fact
  (``fact_key`` of a dimension table, level keys of a degenerate dimension, and the fact's ``time_key``
  when it keeps the time dimension), and the stored ``measures`` it holds: ``measure: column`` (the
  column is summed; the measure's ``filter`` is applied to the aggregate's own columns) or
  ``{column, filter_in_column: true}`` when the column already holds only the filtered rows.
  A count-distinct measure may only be listed with ``exact_within: <time grain>``: the declaration
  that its entity occurs at most once per member of that grain (e.g. one fact row per person and month),
  so summing is exact when every result cell lies within one month, and only then is it used.

* ``distinct_aggregates`` (optional): structures that answer a count-distinct measure exactly over periods
  longer than the ``exact_within`` grain (cube/plan.py ``plan``). ``type: period_counts``:
  the distinct counts themselves per calendar period (``grains``, e.g. year and quarter; the ``period_column``
  names the grain, the fact's ``time_key`` holds the period's first month) for every combination of the listed
  ``dimensions`` (GROUP BY CUBE; ``rollup_column`` holds PostgreSQL's GROUPING() bits in the listed order, the
  first dimension the highest bit; the period is keyed by columns named like the keys of the time dimension's
  year and quarter levels, e.g. ``year``, ``year_quarter``); used when every cell is exactly one such period and
  every other cut is a single member; with ``months_column`` (the year's months with data, as a 12-bit mask)
  also when the time cuts select exactly the data months of whole periods. Both types hold the level keys of their dimensions as own columns (no
  dimension table is joined when reading them). ``type: year_bitmask``: one row per entity (the measure's ``column``), calendar year
  (``year_column``) and combination of the dimensions, with a 12-bit mask of the months (``months_column``,
  bit 0 = January) and ``single_column`` (the entity has one row in that year); rows hold only the measure's
  filtered fact rows. Lossless, so any time cut (as masks) and any cut of the dimensions is exact; the time
  dimension may be drilled to year or quarter. ``type: spell_counts``: the entities' spells (runs of consecutive
  months) counted (``column``) per combination of the dimensions (``rollup_column`` as for period_counts) and per
  ``first_column``, ``last_column`` (first and last month of the spell, month-start dates) and ``prior_column``
  (last month of the entity's previous spell in the same combination, null for the first): the distinct entities
  of a cell over a contiguous month range are the spells meeting the range whose prior spell ended before it
  (warehouse/macros/distinct_spells.sql). Exact when every cell's months are one contiguous range (any time
  cut that is one, drilled to year or quarter: each member's part of it) and every other cut is a single
  member or a drilled dimension; a sum of a few thousand rows, no DISTINCT. With ``movers_column`` (true on the
  rows counting entities whose combination changed), ``mover_table`` and ``mover_entity_column`` (those entities'
  own spells: entity number, the dimensions' keys, ``first_column``, ``last_column``) also sets and inversions on
  undrilled dimensions: the steady entities' counts plus a DISTINCT over the movers' spells. ``type:
  pattern_counts``: entities counted (``column``) per combination of the dimensions (``rollup_column``), 64-month
  window (``window_column``, month index // 64) and the entity's month pattern in it (``pattern_column``, bigint,
  bit = month index % 64; warehouse/macros/distinct_patterns.sql): the distinct entities of a cell over any set
  of months within one window (gaps allowed) are the sum over the patterns sharing a month with it. Exact when
  every cell's months lie in one window and every other cut is a single member or a drilled dimension.

Names of measures and calculated measures are the MetricFlow metric names of ``semantic_model``
(or given by ``metric:`` where MetricFlow needs a globally unique name, e.g. ``unemployment_insured``);
missing labels and descriptions are filled in from the dbt semantic-layer YAML, so they are defined
once (warehouse/models/marts/semantic/). No SQL text is taken from the model: identifiers are quoted
and filter values passed as parameters by the SQL builders (cube/sqlbuild/). The YAML is first validated
by the typed models of cube/spec.py (pydantic): errors name the file and the key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cube.spec import (
    AggregateSpec,
    CalculatedSpec,
    CubeSpec,
    DimensionSpec,
    LevelSpec,
    MeasureSpec,
    ModelError,
    parse_spec,
)
from foundation import settings

CUBES_DIR = Path(__file__).resolve().parent / "cubes"
SEMANTIC_DIR = Path(__file__).resolve().parent.parent / "warehouse" / "models" / "marts" / "semantic"
# 指标口径: the warehouse's indicator definitions (one row per published indicator, with the cube measure it is
# published as); served with the measures by /cube/{c}/model
INDICATORS_CSV = Path(__file__).resolve().parent.parent / "warehouse" / "seeds" / "indicators" / "indicator_definitions.csv"
CALIBER_FIELDS = ("indicator_code", "indicator_name", "definition", "period_basis", "codes_rule", "attribution",
                  "rounding", "mart", "mart_column")

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
AGGS = {"sum", "count", "count_distinct"}
ADDITIVITY = {"additive", "stock", "opening", "none"}
# balances: over a time span the value of its last (closing, max) or first (opening, min) month is taken
PERIOD_VALUE = {"stock": "max", "opening": "min"}
LEVEL_TYPES = {"int", "text"}




@dataclass(frozen=True)
class Level:
    name: str
    label: str
    key: str
    type: str = "text"
    pattern: str | None = None
    label_columns: tuple[str, ...] = ()
    label_template: str | None = None
    order: str | None = None
    members: dict[str, str] = field(default_factory=dict)
    null_label: str | None = None
    grain: str | None = None            # year | quarter | month on the time dimension (time intelligence)

    @property
    def order_column(self) -> str:
        return self.order or self.key

    def matches(self, value: str) -> bool:
        return self.pattern is None or re.fullmatch(self.pattern, value) is not None

    def format_label(self, key: Any, label_values: tuple) -> str | None:
        if key is None:
            return self.null_label
        if self.members:
            return self.members.get(str(key), str(key))
        if not self.label_columns:
            return str(key)
        if self.label_template:
            return self.label_template.format(*label_values)
        return None if label_values[0] is None else str(label_values[0])

    def to_dict(self) -> dict:
        d = {"name": self.name, "label": self.label, "key": self.key, "type": self.type}
        if self.pattern:
            d["pattern"] = self.pattern
        if self.members:
            d["members"] = [{"key": k, "label": v} for k, v in self.members.items()]
        if self.grain:
            d["grain"] = self.grain
        return d


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    levels: tuple[Level, ...]
    description: str | None = None
    table: str | None = None
    key: str | None = None
    fact_key: str | None = None
    is_time: bool = False

    def level(self, name: str) -> Level:
        for lv in self.levels:
            if lv.name == name:
                return lv
        raise KeyError(name)

    def level_of_grain(self, grain: str) -> Level | None:
        return next((lv for lv in self.levels if lv.grain == grain), None)

    def level_index(self, name: str) -> int:
        return [lv.name for lv in self.levels].index(name)

    def path_to(self, level_name: str) -> tuple[Level, ...]:
        return self.levels[: self.level_index(level_name) + 1]

    def to_dict(self) -> dict:
        return {
            "name": self.name, "label": self.label, "description": self.description,
            "role": "time" if self.is_time else None,
            "hierarchy": [lv.name for lv in self.levels],
            "levels": [lv.to_dict() for lv in self.levels],
        }


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    agg: str
    additivity: str
    column: str | None = None
    filter: tuple[tuple[str, Any], ...] = ()
    description: str | None = None
    unit: str | None = None
    columns: tuple[str, ...] = ()       # agg sum over several columns: sum(a + b) (nulls count as 0)
    metric: str | None = None           # MetricFlow metric name (default: the measure name)

    def to_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "description": self.description,
                "aggregation": self.agg, "additivity": self.additivity, "unit": self.unit}


CALC_TYPES = {"ratio", "sum", "yoy", "mom", "ytd", "share"}
SQL_CALCS = {"ratio", "sum"}        # computed in the statement (the others from query results, cube/calc.py)
TIME_CALCS = {"yoy", "mom", "ytd"}
CALC_LABELS = {"yoy": "同比增长率", "mom": "环比增长率", "ytd": "本年累计", "share": "占比"}


@dataclass(frozen=True)
class CalculatedMeasure:
    """``ratio``: numerator ÷ denominator after aggregation (ratio of sums, scaled by ``multiplier``);
    ``sum``: the sum of the stored measures ``terms`` after aggregation (each aggregated by its own rule);
    ``yoy`` / ``mom``: growth of ``base`` against the same period a year before / the previous period
    of the same grain; ``ytd``: ``base`` summed from January to the end of the cell's period (additive
    measures only); ``share``: ``base`` of the cell ÷ ``base`` of the whole result (the summary)."""
    name: str
    label: str
    type: str
    numerator: str | None = None
    denominator: str | None = None
    base: str | None = None
    scale: int = 4
    multiplier: int = 1
    description: str | None = None
    unit: str | None = None
    metric: str | None = None
    terms: tuple[str, ...] = ()

    @property
    def depends_on(self) -> tuple[str, ...]:
        if self.type == "ratio":
            return (self.numerator, self.denominator)
        if self.type == "sum":
            return self.terms
        return (self.base,)

    def to_dict(self) -> dict:
        d = {"name": self.name, "label": self.label, "description": self.description,
             "type": self.type, "unit": self.unit}
        if self.type == "ratio":
            d.update(numerator=self.numerator, denominator=self.denominator)
            if self.multiplier != 1:
                d["multiplier"] = self.multiplier
        elif self.type == "sum":
            d["terms"] = list(self.terms)
        else:
            d["base"] = self.base
        return d


@dataclass(frozen=True)
class FactColumn:
    """A column of the fact table that drill-through (/facts) may return; ``mask`` marks personal
    identifiers (id_number | name | phone), masked unless the role has PII access."""
    name: str
    label: str
    mask: str | None = None


MASKS = {"id_number", "name", "phone"}


@dataclass(frozen=True)
class AggregateMeasure:
    """How an aggregate table holds a stored measure: ``column`` is summed; ``filter_in_column``: the
    column already holds only the rows of the measure's filter; ``exact_within``: (count-distinct only)
    the time grain within which summing the column equals the distinct count."""
    column: str
    filter_in_column: bool = False
    exact_within: str | None = None


@dataclass(frozen=True)
class AggregateTable:
    """A pre-aggregate of the fact (see the module docstring, ``aggregates``)."""
    table: str
    row_count: str
    dimensions: dict[str, tuple[str, ...]]          # dimension → levels kept
    measures: dict[str, AggregateMeasure]

    def covers_level(self, dimension: str, level: str) -> bool:
        return level in self.dimensions.get(dimension, ())

    def to_dict(self) -> dict:
        return {"table": self.table, "dimensions": {d: list(lv) for d, lv in self.dimensions.items()},
                "measures": list(self.measures)}


DISTINCT_TYPES = {"period_counts", "spell_counts", "pattern_counts", "year_bitmask"}


@dataclass(frozen=True)
class DistinctAggregate:
    """A structure answering a count-distinct measure over multi-month periods exactly (see the module docstring,
    ``distinct_aggregates``)."""
    table: str
    type: str                                       # period_counts | spell_counts | pattern_counts | year_bitmask
    measure: str
    column: str                                     # period_counts, spell_counts: the count; year_bitmask: the entity
    dimensions: dict[str, tuple[str, ...]]          # non-time dimension → levels kept
    order: tuple[str, ...] = ()                     # dimension order of the GROUPING() bits (period_counts)
    grains: tuple[str, ...] = ()                    # period_counts: year | quarter
    period_column: str | None = None
    rollup_column: str | None = None
    year_column: str | None = None                  # year_bitmask
    months_column: str | None = None
    single_column: str | None = None
    first_column: str | None = None                 # spell_counts: first / last month of the spell, last month
    last_column: str | None = None                  # of the entity's prior spell in the same cell (null: none)
    prior_column: str | None = None
    movers_column: str | None = None                # spell_counts: flag of the movers' rows (optional, with:)
    mover_table: str | None = None                  # the movers' own spells (entity number, tuple, first, last)
    mover_entity_column: str | None = None
    window_column: str | None = None                # pattern_counts: 64-month window number, month pattern in it
    pattern_column: str | None = None

    def covers_level(self, dimension: str, level: str) -> bool:
        return level in self.dimensions.get(dimension, ())

    def rollup_bits(self, grouped: set[str]) -> int:
        """GROUPING() value for the cells grouped by (or cut to one member of) ``grouped``."""
        n = len(self.order)
        return sum(1 << (n - 1 - i) for i, d in enumerate(self.order) if d not in grouped)


@dataclass(frozen=True)
class Cube:
    name: str
    label: str
    fact: str
    time_key: str
    dimensions: dict[str, Dimension]
    measures: dict[str, Measure]
    calculated: dict[str, CalculatedMeasure]
    default_measures: tuple[str, ...]
    description: str | None = None
    semantic_model: str | None = None
    time_dimension: str | None = None
    district_dimension: str | None = None
    fact_columns: tuple[FactColumn, ...] = ()
    exposed_measures: frozenset[str] | None = None     # perspective: None = every measure
    aggregates: tuple[AggregateTable, ...] = ()
    distinct_aggregates: tuple[DistinctAggregate, ...] = ()

    @property
    def aggregate_tables(self) -> list[str]:
        """Every pre-aggregate table the planner may read (cube/app.py checks which exist)."""
        return ([a.table for a in self.aggregates] + [d.table for d in self.distinct_aggregates]
                + [d.mover_table for d in self.distinct_aggregates if d.mover_table])

    @property
    def all_measure_names(self) -> list[str]:
        names = [*self.measures, *self.calculated]
        if self.exposed_measures is None:
            return names
        return [n for n in names if n in self.exposed_measures]

    def is_exposed(self, name: str) -> bool:
        return self.exposed_measures is None or name in self.exposed_measures

    def resolve_measure(self, name: str) -> Measure | CalculatedMeasure | None:
        """A stored or calculated measure by name; ``<measure>.yoy|mom|ytd|share`` makes a calculated
        member of any measure on the fly. None when unknown (or outside the perspective)."""
        if name in self.measures or name in self.calculated:
            return (self.measures.get(name) or self.calculated[name]) if self.is_exposed(name) else None
        base, dot, kind = name.rpartition(".")
        if dot and kind in CALC_LABELS and (b := self.resolve_measure(base)) is not None:
            return CalculatedMeasure(name=name, label=f"{b.label}{CALC_LABELS[kind]}", type=kind, base=base,
                                     unit=b.unit if kind == "ytd" else None)
        return None

    def measure_label(self, name: str) -> str:
        m = self.resolve_measure(name) or self.measures.get(name) or self.calculated[name]
        return m.label

    @property
    def time_dim(self) -> Dimension | None:
        return self.dimensions.get(self.time_dimension) if self.time_dimension else None

    def level_aliases(self) -> dict[str, tuple[str, str]]:
        """Level names usable as a shortcut for ``dimension@level`` (``month`` → ``time@month``),
        for level names that are unique in the cube and not themselves dimension names."""
        seen: dict[str, list[tuple[str, str]]] = {}
        for d in self.dimensions.values():
            for lv in d.levels:
                seen.setdefault(lv.name, []).append((d.name, lv.name))
        return {k: v[0] for k, v in seen.items() if len(v) == 1 and k not in self.dimensions}

    def to_dict(self) -> dict:
        return {
            "name": self.name, "label": self.label, "description": self.description,
            "semantic_model": self.semantic_model, "fact": self.fact,
            "time_dimension": self.time_dimension,
            "district_dimension": self.district_dimension,
            "dimensions": [d.to_dict() for d in self.dimensions.values()],
            "measures": [m.to_dict() for m in self.measures.values() if self.is_exposed(m.name)],
            "calculated_measures": [c.to_dict() for c in self.calculated.values() if self.is_exposed(c.name)],
            "calculated_members": {k: f"<measure>.{k}: {v}" for k, v in CALC_LABELS.items()},
            "default_measures": [m for m in self.default_measures if self.is_exposed(m)],
            "fact_columns": [{"name": c.name, "label": c.label, "masked": c.mask} for c in self.fact_columns],
            "level_aliases": {k: f"{d}@{lv}" for k, (d, lv) in self.level_aliases().items()},
        }


# ---------------------------------------------------------------------------------------------
# loading

@lru_cache(maxsize=4)
def calibers(path: str = str(INDICATORS_CSV)) -> dict[tuple[str, str], dict]:
    """{(cube, measure): 口径} from the indicator definitions (empty when the file is absent)."""
    import csv

    p = Path(path)
    if not p.is_file():
        return {}
    with p.open(encoding="utf-8") as f:
        return {(r["cube"], r["cube_measure"]): {k: r[k] for k in CALIBER_FIELDS}
                for r in csv.DictReader(f) if r.get("cube") and r.get("cube_measure")}


def with_calibers(cube_name: str, model: dict) -> dict:
    """The model dict with each measure's 口径 (caliber) attached where the indicator definitions publish it."""
    cal = calibers()
    for key in ("measures", "calculated_measures"):
        for m in model.get(key) or []:
            c = cal.get((cube_name, m.get("name")))
            if c:
                m["caliber"] = c
    return model


def semantic_metadata(semantic_dir: Path = SEMANTIC_DIR) -> dict[str, dict]:
    """Labels/descriptions of MetricFlow metrics and semantic-model measures, by name.

    Metric entries win over measure entries; ``kind`` says which one was found."""
    out: dict[str, dict] = {}
    if not semantic_dir.is_dir():
        return out
    for path in sorted(semantic_dir.rglob("*.yml")) + sorted(semantic_dir.rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for sm in doc.get("semantic_models") or []:
            for m in sm.get("measures") or []:
                out.setdefault(m["name"], {"kind": "measure", "semantic_model": sm["name"], **m})
        for m in doc.get("metrics") or []:
            out[m["name"]] = {"kind": "metric", **m}
    return out


def _level(lv: LevelSpec) -> Level:
    return Level(
        name=lv.name, label=str(lv.label or lv.name), key=lv.key, type=lv.type, pattern=lv.pattern,
        label_columns=tuple(lv.label_columns), label_template=lv.label_template, order=lv.order,
        members=dict(lv.members), null_label=lv.null_label,
        grain=lv.grain or (lv.name if lv.name in ("year", "quarter", "month") else None),
    )


def _dimension(dname: str, d: DimensionSpec, where: str, time_dim: str | None) -> Dimension:
    levels = tuple(_level(lv) for lv in d.levels)
    if len({lv.name for lv in levels}) != len(levels):
        raise ModelError(f"{where}.dimensions.{dname}: duplicate level names")
    if d.table and not (d.key and d.fact_key):
        raise ModelError(f"{where}.dimensions.{dname}: a dimension table needs key and fact_key")
    return Dimension(name=dname, label=str(d.label or dname), levels=levels, description=d.description,
                     table=d.table, key=d.key if d.table else None, fact_key=d.fact_key if d.table else None,
                     is_time=(dname == time_dim))


def _measure(mname: str, m: MeasureSpec, where: str, time_dim: str | None, meta: dict) -> Measure:
    w = f"{where}.measures.{mname}"
    if m.agg == "count_distinct" and m.additivity != "none":
        raise ModelError(f"{w}: count_distinct measures have additivity none")
    if m.additivity in PERIOD_VALUE and not time_dim:
        raise ModelError(f"{w}: {m.additivity} measures need a time_dimension")
    if m.agg != "count" and not m.column and not (m.agg == "sum" and m.columns):
        raise ModelError(f"{w}: column required for agg {m.agg}")
    # a filter value is one value (column = v) or a list of values (column = any(v))
    filt = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in m.filter.items())
    return Measure(metric=m.metric, name=mname, label=str(m.label or meta.get("label") or mname), agg=m.agg,
                   additivity=m.additivity, column=m.column or None, filter=filt,
                   description=m.description or meta.get("description"), unit=m.unit, columns=tuple(m.columns))


def _check_calculated(cname: str, c: CalculatedSpec, w: str, spec: CubeSpec, measures: dict[str, Measure],
                      calculated: dict[str, CalculatedMeasure]) -> None:
    """References of a calculated measure: ratio terms are measures or calculated sums, sum terms summable stored
    measures, bases defined above; time members need the time dimension, ytd an additive base."""
    if c.type == "ratio":
        for part in ("numerator", "denominator"):
            ref = getattr(c, part)
            other = spec.calculated_measures.get(ref) if ref is not None else None
            if ref not in measures and not (other is not None and other.type == "sum"):
                raise ModelError(f"{w}: {part} {ref!r} is not a measure (nor a calculated sum)")
    elif c.type == "sum":
        terms = c.terms
        if not isinstance(terms, list) or len(terms) < 2 or len(set(terms)) != len(terms):
            raise ModelError(f"{w}: terms: a list of at least two different measures expected")
        bad = [t for t in terms if t not in measures or measures[t].additivity == "none"]
        if bad:
            raise ModelError(f"{w}: terms {bad} are not summable stored measures (distinct counts do not add up)")
    else:
        base = c.base
        if base not in measures and base not in calculated:
            raise ModelError(f"{w}: base {base!r} is not a measure")
        if c.type in TIME_CALCS and not spec.time_dimension:
            raise ModelError(f"{w}: {c.type} needs a time_dimension")
        if c.type == "ytd" and (base not in measures or measures[base].additivity != "additive"):
            raise ModelError(f"{w}: ytd needs an additive stored measure as base")


def _calculated(spec: CubeSpec, where: str, measures: dict[str, Measure], meta) -> dict[str, CalculatedMeasure]:
    calculated: dict[str, CalculatedMeasure] = {}
    for cname, c in spec.calculated_measures.items():
        w = f"{where}.calculated_measures.{cname}"
        if cname in measures:
            raise ModelError(f"{w}: name used by a measure")
        _check_calculated(cname, c, w, spec, measures, calculated)
        md = meta(c.metric or cname)
        calculated[cname] = CalculatedMeasure(
            metric=c.metric, name=cname, label=str(c.label or md.get("label") or cname), type=c.type,
            numerator=c.numerator, denominator=c.denominator, base=c.base, scale=c.scale, multiplier=c.multiplier,
            description=c.description or md.get("description"), unit=c.unit, terms=tuple(c.terms or ()))
    return calculated


def load_cube(path: Path, semantic: dict[str, dict] | None = None) -> Cube:
    """The cube of a definition file: its typed spec (cube/spec.py) checked for references and turned into the
    runtime model. Every error is a ModelError naming the file and the key."""
    spec = parse_spec(Path(path), yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    semantic = semantic_metadata() if semantic is None else semantic
    where = f"{path}: cube {spec.name}"
    time_dim = spec.time_dimension
    dims = {dname: _dimension(dname, d, where, time_dim) for dname, d in spec.dimensions.items()}
    if time_dim is not None and time_dim not in dims:
        raise ModelError(f"{where}.time_dimension: {time_dim!r} is not a dimension")

    def meta(mname: str) -> dict:
        return semantic.get(mname) or {}

    measures = {mname: _measure(mname, m, where, time_dim, meta(m.metric or mname)) for mname, m in spec.measures.items()}
    calculated = _calculated(spec, where, measures, meta)
    if time_dim and not any(lv.grain for lv in dims[time_dim].levels):
        raise ModelError(f"{where}.dimensions.{time_dim}: the time dimension's levels need a grain")
    if spec.district_dimension is not None and spec.district_dimension not in dims:
        raise ModelError(f"{where}.district_dimension: {spec.district_dimension!r} is not a dimension")
    fact_columns = tuple(FactColumn(fc.name, str(fc.label or fc.name), fc.mask)
                         for fc in (spec.facts.columns if spec.facts else ()))
    aggregates = tuple(_load_aggregate(a, f"{where}.aggregates[{i}]", spec, dims, measures)
                       for i, a in enumerate(spec.aggregates))
    distinct_aggs = tuple(_load_distinct(a, f"{where}.distinct_aggregates[{i}]", spec, dims, measures)
                          for i, a in enumerate(spec.distinct_aggregates))
    tables = [a.table for a in aggregates] + [d.table for d in distinct_aggs]
    if len(set(tables)) != len(tables):
        raise ModelError(f"{where}: an aggregate table is declared twice")
    defaults = tuple(spec.default_measures or [*measures, *calculated])
    for dm in defaults:
        if dm not in measures and dm not in calculated:
            raise ModelError(f"{where}.default_measures: {dm!r} is not defined")
    return Cube(
        name=spec.name, label=str(spec.label or spec.name), description=spec.description, fact=spec.fact,
        time_key=spec.time_key, dimensions=dims, measures=measures, calculated=calculated, default_measures=defaults,
        semantic_model=spec.semantic_model, time_dimension=time_dim, district_dimension=spec.district_dimension,
        fact_columns=fact_columns, aggregates=aggregates, distinct_aggregates=distinct_aggs,
    )


def _kept_dimensions(entries: list, where: str, dims: dict[str, Dimension]) -> dict[str, tuple[str, ...]]:
    """``[name, {name: [levels]}, ...]`` → {dimension: levels kept} (a bare name keeps every level)."""
    kept: dict[str, tuple[str, ...]] = {}
    for entry in entries or ():
        if isinstance(entry, str):
            dname, levels = entry, None
        elif isinstance(entry, dict) and len(entry) == 1:
            dname, levels = next(iter(entry.items()))
        else:
            raise ModelError(f"{where}.dimensions: a dimension name or {{dimension: [levels]}} expected")
        if dname not in dims:
            raise ModelError(f"{where}.dimensions: {dname!r} is not a dimension of the cube")
        all_levels = [lv.name for lv in dims[dname].levels]
        levels = all_levels if levels is None else list(levels)
        bad = [lv for lv in levels if lv not in all_levels]
        if bad or not levels:
            raise ModelError(f"{where}.dimensions.{dname}: unknown or no levels {bad}")
        if dname in kept:
            raise ModelError(f"{where}.dimensions: {dname!r} listed twice")
        kept[dname] = tuple(levels)
    return kept


def _aggregate_measure(mname: str, am: AggregateMeasure, w: str, m: Measure, kept: dict, dims: dict,
                       time_dim: str | None, columns: set[str]) -> None:
    """A stored measure of a month pre-aggregate: distinct counts only with ``exact_within`` a kept time grain,
    balances only with the time dimension kept, filters on the aggregate's own columns or already applied."""
    if m.additivity == "none":
        if am.exact_within is None:
            raise ModelError(f"{w}: a count-distinct measure is not additive; list it only "
                             f"with exact_within: <time grain> (summing is exact within one member of it)")
        glevel = dims[time_dim].level_of_grain(am.exact_within) if time_dim in kept else None
        if glevel is None or glevel.name not in kept[time_dim]:
            raise ModelError(f"{w}: exact_within {am.exact_within!r} needs the time dimension kept down to that grain")
    elif am.exact_within is not None:
        raise ModelError(f"{w}: exact_within only applies to count-distinct measures")
    if m.additivity in PERIOD_VALUE and time_dim not in kept:
        raise ModelError(f"{w}: a {m.additivity} measure needs the time dimension kept")
    missing = [c for c, _ in m.filter if c not in columns] if m.filter and not am.filter_in_column else []
    if missing:
        raise ModelError(f"{w}: filter column(s) {missing} are not columns of the "
                         f"aggregate (declare filter_in_column: true if the column is already filtered)")


def _load_aggregate(a: AggregateSpec, where: str, spec: CubeSpec, dims: dict[str, Dimension],
                    measures: dict[str, Measure]) -> AggregateTable:
    if a.table == spec.fact:
        raise ModelError(f"{where}: the aggregate table is the fact table itself")
    kept = _kept_dimensions(a.dimensions, where, dims)
    if not kept:
        raise ModelError(f"{where}: no dimensions")
    # the columns the aggregate shares with the fact: join keys and degenerate level keys
    columns = {a.row_count}
    for dname, levels in kept.items():
        d = dims[dname]
        columns.update([d.fact_key] if d.table else [d.level(lv).key for lv in levels])
    if spec.time_dimension in kept:
        columns.add(spec.time_key)
    ams: dict[str, AggregateMeasure] = {}
    for mname, ms in a.measures.items():
        if mname not in measures:
            raise ModelError(f"{where}.measures: {mname!r} is not a stored measure of the cube")
        am = (AggregateMeasure(column=ms) if isinstance(ms, str) else
              AggregateMeasure(column=ms.column, filter_in_column=ms.filter_in_column, exact_within=ms.exact_within))
        _aggregate_measure(mname, am, f"{where}.measures.{mname}", measures[mname], kept, dims, spec.time_dimension,
                           columns)
        ams[mname] = am
    if not ams:
        raise ModelError(f"{where}: no measures")
    return AggregateTable(table=a.table, row_count=a.row_count, dimensions=kept, measures=ams)


def _mover_spells(d, where: str, spec: CubeSpec) -> dict:
    """The optional movers' spells of a spell_counts structure: all three keys or none."""
    keys = ("movers_column", "mover_table", "mover_entity_column")
    given = [k for k in keys if getattr(d, k) is not None]
    if not given:
        return {}
    if len(given) != len(keys):
        raise ModelError(f"{where}: {', '.join(keys)} go together (missing {', '.join(k for k in keys if k not in given)})")
    if d.mover_table in (d.table, spec.fact):
        raise ModelError(f"{where}.mover_table: a table of its own expected")
    return {k: getattr(d, k) for k in keys}


def _load_distinct(d, where: str, spec: CubeSpec, dims: dict[str, Dimension], measures: dict[str, Measure]
                   ) -> DistinctAggregate:
    if d.table == spec.fact:
        raise ModelError(f"{where}: the aggregate table is the fact table itself")
    m = measures.get(d.measure)
    if m is None or m.additivity != "none":
        raise ModelError(f"{where}.measure: {d.measure!r} is not a count-distinct measure of the cube")
    time_dim = spec.time_dimension
    if not time_dim:
        raise ModelError(f"{where}: distinct aggregates need the cube's time dimension")
    kept = _kept_dimensions(d.dimensions, where, dims)
    if time_dim in kept:
        raise ModelError(f"{where}.dimensions: the time dimension is implied (periods), do not list it")
    if not kept:
        raise ModelError(f"{where}: no dimensions")
    tdim = dims[time_dim]
    if tdim.level_of_grain("year") is None:
        raise ModelError(f"{where}: the time dimension needs a year level")
    common = dict(table=d.table, type=d.type, measure=d.measure, dimensions=kept, order=tuple(kept))
    if d.type == "period_counts":
        bad = [g for g in d.grains if tdim.level_of_grain(g) is None]
        if bad:
            raise ModelError(f"{where}.grains: year and/or quarter (levels of the time dimension) expected, got {bad}")
        return DistinctAggregate(**common, column=d.column or d.measure, grains=tuple(d.grains),
                                 period_column=d.period_column, rollup_column=d.rollup_column,
                                 months_column=d.months_column or None)
    if d.type == "spell_counts":
        return DistinctAggregate(**common, column=d.column or d.measure, rollup_column=d.rollup_column,
                                 first_column=d.first_column, last_column=d.last_column, prior_column=d.prior_column,
                                 **_mover_spells(d, where, spec))
    if d.type == "pattern_counts":
        return DistinctAggregate(**common, column=d.column or d.measure, rollup_column=d.rollup_column,
                                 window_column=d.window_column, pattern_column=d.pattern_column)
    if d.column not in (None, m.column):
        raise ModelError(f"{where}.column: a year bitmask holds the measure's own column {m.column!r}")
    return DistinctAggregate(**common, column=m.column, year_column=d.year_column, months_column=d.months_column,
                             single_column=d.single_column)


def cubes_dir() -> Path:
    return settings.get().cube_models_dir


@lru_cache(maxsize=4)
def _load_all(directory: str) -> dict[str, Cube]:
    semantic = semantic_metadata()
    out: dict[str, Cube] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        cube = load_cube(path, semantic)
        if cube.name in out:
            raise ModelError(f"duplicate cube name {cube.name!r} in {path}")
        out[cube.name] = cube
    return out


def load_cubes(directory: Path | None = None) -> dict[str, Cube]:
    """All cubes of the models directory (cached; ``reload_cubes()`` clears the cache)."""
    return _load_all(str(directory or cubes_dir()))


def reload_cubes() -> None:
    _load_all.cache_clear()
