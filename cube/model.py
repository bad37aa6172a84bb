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
  ``additive`` (summed over everything), ``stock`` (summed over every dimension except time; over a
  time span the value of the last month in the span is taken), ``none`` (count distinct: computed
  from the facts for every cell, never summed).
* ``calculated_measures``: ``type: ratio`` of two measures, computed after aggregation.

Names of measures and calculated measures are the MetricFlow metric names of ``semantic_model``;
missing labels and descriptions are filled in from the dbt semantic-layer YAML, so they are defined
once (warehouse/models/marts/semantic/). No SQL text is taken from the model: identifiers are quoted
and filter values passed as parameters by cube/query.py.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CUBES_DIR = Path(__file__).resolve().parent / "cubes"
SEMANTIC_DIR = Path(__file__).resolve().parent.parent / "warehouse" / "models" / "marts" / "semantic"

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
AGGS = {"sum", "count", "count_distinct"}
ADDITIVITY = {"additive", "stock", "none"}
LEVEL_TYPES = {"int", "text"}


class ModelError(ValueError):
    """The cube definition file is invalid (a deployment error, not a user error)."""


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

    def to_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "description": self.description,
                "aggregation": self.agg, "additivity": self.additivity, "unit": self.unit}


@dataclass(frozen=True)
class CalculatedMeasure:
    name: str
    label: str
    type: str
    numerator: str
    denominator: str
    scale: int = 4
    description: str | None = None
    unit: str | None = None

    @property
    def depends_on(self) -> tuple[str, str]:
        return (self.numerator, self.denominator)

    def to_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "description": self.description,
                "type": self.type, "numerator": self.numerator, "denominator": self.denominator,
                "unit": self.unit}


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

    @property
    def all_measure_names(self) -> list[str]:
        return [*self.measures, *self.calculated]

    def measure_label(self, name: str) -> str:
        m = self.measures.get(name) or self.calculated[name]
        return m.label

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
            "dimensions": [d.to_dict() for d in self.dimensions.values()],
            "measures": [m.to_dict() for m in self.measures.values()],
            "calculated_measures": [c.to_dict() for c in self.calculated.values()],
            "default_measures": list(self.default_measures),
            "level_aliases": {k: f"{d}@{lv}" for k, (d, lv) in self.level_aliases().items()},
        }


# ---------------------------------------------------------------------------------------------
# loading

def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise ModelError(f"{what}: invalid name {value!r} (lower-case snake_case expected)")
    return value


def semantic_metadata(semantic_dir: Path = SEMANTIC_DIR) -> dict[str, dict]:
    """Labels/descriptions of MetricFlow metrics and semantic-model measures, by name.

    Metric entries win over measure entries; ``kind`` says which one was found."""
    out: dict[str, dict] = {}
    if not semantic_dir.is_dir():
        return out
    for path in sorted(semantic_dir.glob("*.yml")) + sorted(semantic_dir.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for sm in doc.get("semantic_models") or []:
            for m in sm.get("measures") or []:
                out.setdefault(m["name"], {"kind": "measure", "semantic_model": sm["name"], **m})
        for m in doc.get("metrics") or []:
            out[m["name"]] = {"kind": "metric", **m}
    return out


def _load_level(raw: dict, where: str) -> Level:
    name = _name(raw.get("name"), f"{where} level")
    typ = raw.get("type", "text")
    if typ not in LEVEL_TYPES:
        raise ModelError(f"{where}.{name}: type must be one of {sorted(LEVEL_TYPES)}")
    if not raw.get("key"):
        raise ModelError(f"{where}.{name}: key column missing")
    pattern = raw.get("pattern")
    if pattern:
        re.compile(pattern)
    members = {str(k): str(v) for k, v in (raw.get("members") or {}).items()}
    return Level(
        name=name, label=str(raw.get("label") or name), key=_name(raw["key"], f"{where}.{name}.key"),
        type=typ, pattern=pattern,
        label_columns=tuple(_name(c, f"{where}.{name}.label_columns") for c in raw.get("label_columns") or ()),
        label_template=raw.get("label_template"),
        order=_name(raw["order"], f"{where}.{name}.order") if raw.get("order") else None,
        members=members, null_label=raw.get("null_label"),
    )


def load_cube(path: Path, semantic: dict[str, dict] | None = None) -> Cube:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ModelError(f"{path}: not a mapping")
    semantic = semantic_metadata() if semantic is None else semantic
    name = _name(raw.get("name"), f"{path} name")
    where = f"cube {name}"

    dims: dict[str, Dimension] = {}
    for dname, d in (raw.get("dimensions") or {}).items():
        _name(dname, f"{where} dimension")
        levels = tuple(_load_level(lv, f"{where}.{dname}") for lv in d.get("levels") or ())
        if not levels:
            raise ModelError(f"{where}.{dname}: at least one level is required")
        if len({lv.name for lv in levels}) != len(levels):
            raise ModelError(f"{where}.{dname}: duplicate level names")
        table = d.get("table")
        if table and not (d.get("key") and d.get("fact_key")):
            raise ModelError(f"{where}.{dname}: a dimension table needs key and fact_key")
        dims[dname] = Dimension(
            name=dname, label=str(d.get("label") or dname), levels=levels, description=d.get("description"),
            table=_name(table, f"{where}.{dname}.table") if table else None,
            key=_name(d["key"], f"{where}.{dname}.key") if table else None,
            fact_key=_name(d["fact_key"], f"{where}.{dname}.fact_key") if table else None,
            is_time=(dname == raw.get("time_dimension")),
        )
    if not dims:
        raise ModelError(f"{where}: no dimensions")
    time_dim = raw.get("time_dimension")
    if time_dim is not None and time_dim not in dims:
        raise ModelError(f"{where}: time_dimension {time_dim!r} is not a dimension")

    def meta(mname: str) -> dict:
        return semantic.get(mname) or {}

    measures: dict[str, Measure] = {}
    for mname, m in (raw.get("measures") or {}).items():
        _name(mname, f"{where} measure")
        agg = m.get("agg")
        if agg not in AGGS:
            raise ModelError(f"{where}.{mname}: agg must be one of {sorted(AGGS)}")
        additivity = m.get("additivity", "additive")
        if additivity not in ADDITIVITY:
            raise ModelError(f"{where}.{mname}: additivity must be one of {sorted(ADDITIVITY)}")
        if agg == "count_distinct" and additivity != "none":
            raise ModelError(f"{where}.{mname}: count_distinct measures have additivity none")
        if additivity == "stock" and not time_dim:
            raise ModelError(f"{where}.{mname}: stock measures need a time_dimension")
        if agg != "count" and not m.get("column"):
            raise ModelError(f"{where}.{mname}: column required for agg {agg}")
        filt = tuple((_name(k, f"{where}.{mname}.filter"), v) for k, v in (m.get("filter") or {}).items())
        md = meta(mname)
        measures[mname] = Measure(
            name=mname, label=str(m.get("label") or md.get("label") or mname), agg=agg,
            additivity=additivity, column=_name(m["column"], f"{where}.{mname}.column") if m.get("column") else None,
            filter=filt, description=m.get("description") or md.get("description"), unit=m.get("unit"),
        )

    calculated: dict[str, CalculatedMeasure] = {}
    for cname, c in (raw.get("calculated_measures") or {}).items():
        _name(cname, f"{where} calculated measure")
        if cname in measures:
            raise ModelError(f"{where}.{cname}: name used by a measure")
        if c.get("type") != "ratio":
            raise ModelError(f"{where}.{cname}: only type ratio is supported")
        for part in ("numerator", "denominator"):
            if c.get(part) not in measures:
                raise ModelError(f"{where}.{cname}: {part} {c.get(part)!r} is not a measure")
        md = meta(cname)
        calculated[cname] = CalculatedMeasure(
            name=cname, label=str(c.get("label") or md.get("label") or cname), type="ratio",
            numerator=c["numerator"], denominator=c["denominator"], scale=int(c.get("scale", 4)),
            description=c.get("description") or md.get("description"), unit=c.get("unit"),
        )

    defaults = tuple(raw.get("default_measures") or [*measures, *calculated])
    for dm in defaults:
        if dm not in measures and dm not in calculated:
            raise ModelError(f"{where}: default measure {dm!r} is not defined")

    return Cube(
        name=name, label=str(raw.get("label") or name), description=raw.get("description"),
        fact=_name(raw.get("fact"), f"{where} fact"), time_key=_name(raw.get("time_key") or "month_start", f"{where} time_key"),
        dimensions=dims, measures=measures, calculated=calculated, default_measures=defaults,
        semantic_model=raw.get("semantic_model"), time_dimension=time_dim,
    )


def cubes_dir() -> Path:
    return Path(os.environ.get("CUBE_MODELS_DIR", CUBES_DIR))


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
