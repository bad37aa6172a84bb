"""Interface specs (interfaces/**/*.yaml) and the code tables they refer to.

The spec is the single description of a file: the generator writes from it, the validator checks
against it and the raw table is created from it.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from foundation import settings

TYPES = {"string", "integer", "decimal", "date", "month"}


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    rounding: str = "half_up"
    round_excess: bool = False
    nullable: bool = False
    default: str | None = None
    code_table: str | None = None
    check: str | None = None
    pii: bool = False
    min_date: str = "1753-01-01"
    range: dict | None = field(default=None, hash=False, compare=False)  # business range, see interfaces/README.md

    @property
    def pg_type(self) -> str:
        if self.type == "string":
            return f"varchar({self.length})" if self.length else "text"
        if self.type == "integer":
            return "bigint"
        if self.type == "decimal":
            return f"numeric({self.precision},{self.scale})"
        if self.type == "date":
            return "date"
        if self.type == "month":
            return "char(6)"  # YYYYMM as delivered; staging turns it into the month's first day
        raise ValueError(self.type)

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-(self.scale or 0))


@dataclass(frozen=True)
class Spec:
    interface: str
    title: str
    source: str
    provider: str
    file_pattern: str
    encoding: str
    delimiter: str
    arrival_day: int
    period: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    path: Path = field(compare=False, default=Path())

    def file_name(self, month: str) -> str:
        return self.file_pattern.format(month=month)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _parse(path: Path) -> Spec:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    cols = []
    for c in raw["columns"]:
        if c["type"] not in TYPES:
            raise ValueError(f"{path}: column {c['name']}: unknown type {c['type']!r}")
        cols.append(Column(**{k: (str(v) if k == "default" and v is not None else v) for k, v in c.items()}))
    names = [c.name for c in cols]
    missing = [k for k in raw["primary_key"] if k not in names]
    if missing:
        raise ValueError(f"{path}: primary key columns not in columns: {missing}")
    return Spec(interface=raw["interface"], title=raw["title"], source=raw["source"],
                provider=raw["provider"], file_pattern=raw["file_pattern"], encoding=raw["encoding"],
                delimiter=raw["delimiter"], arrival_day=int(raw["arrival_day"]), period=raw["period"],
                primary_key=tuple(raw["primary_key"]), columns=tuple(cols), path=path)


@functools.lru_cache(maxsize=None)
def load_specs(root: Path | None = None) -> dict[str, Spec]:
    """All interface specs by interface name (check_table.yaml files are not interface specs)."""
    root = root or settings.INTERFACES
    specs = {}
    for path in sorted(root.glob("*/*.yaml")):
        if path.name == "check_table.yaml" or path.parent.name in ("manual", "daily"):  # daily: foundation/daily_spec.py
            continue
        spec = _parse(path)
        if spec.interface in specs:
            raise ValueError(f"duplicate interface {spec.interface} in {path}")
        specs[spec.interface] = spec
    return specs


@functools.lru_cache(maxsize=None)
def load_check_tables(root: Path | None = None) -> dict[str, dict]:
    root = root or settings.INTERFACES
    return {d["check_table"]: d for d in
            (yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(root.glob("*/check_table.yaml")))}


@functools.lru_cache(maxsize=None)
def load_manual_template(root: Path | None = None) -> dict:
    """The manual-entry template definition (interfaces/manual/manual_entry.yaml)."""
    root = root or settings.INTERFACES
    return yaml.safe_load((root / "manual" / "manual_entry.yaml").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def code_table(name: str) -> dict[str, dict]:
    """Code table `name` from warehouse/seeds/codes/code_<name>.csv, keyed by code."""
    path = settings.SEEDS / "codes" / f"code_{name}.csv"
    with path.open(encoding="utf-8") as f:
        return {row["code"]: row for row in csv.DictReader(f)}
