"""The fixed-report definitions (definitions/*.yaml), checked on reading: a definition that names an unknown
kind, a missing field or a duplicate column is refused with the file and the column named."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from documents.layout import Column
from foundation import settings

HERE = Path(__file__).resolve().parent / "definitions"
# how a column adds up over the months of the district edition's 本年累计 row:
# flow = a monthly amount (summed); flow_count = persons counted in the month (a person in several months is
# counted once per month: no year total); stock = end-of-month level; ratio = not additive
KINDS = ("flow", "flow_count", "stock", "ratio")


class DefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class ReportColumn:
    key: str
    path: tuple[str, ...]
    kind: str
    decimals: int = 0
    percent: bool = False

    def layout(self) -> Column:
        return Column(self.key, self.path, self.decimals, percent=self.percent)


@dataclass(frozen=True)
class Report:
    id: str
    title: str
    system: str
    module: str
    source: str
    beijing_row: str           # "110000" (the mart's own 全市 row) or "sum" (Σ district rows)
    unit: str
    columns: tuple[ReportColumn, ...]
    file: Path
    order: int = 100           # place in the lists (the 收缴固定报表 first)


def _check(path: Path, raw: dict) -> Report:
    def need(key):
        if not raw.get(key):
            raise DefinitionError(f"{path.name}: 缺少字段 {key}")
        return raw[key]

    rid = need("id")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", rid):
        raise DefinitionError(f"{path.name}: id {rid!r} 只能含小写字母、数字和下划线")
    if raw.get("beijing_row") not in ("110000", "sum"):
        raise DefinitionError(f"{path.name}: beijing_row 须为 \"110000\"(报表集市自带全市行) 或 sum(各区县之和)")
    cols, seen = [], set()
    for i, c in enumerate(need("columns"), start=1):
        where = f"{path.name} 第 {i} 列 ({c.get('key')})"
        if not c.get("key") or not c.get("path"):
            raise DefinitionError(f"{where}: 须有 key 与 path")
        if c["key"] in seen:
            raise DefinitionError(f"{where}: 列重复")
        if c.get("kind") not in KINDS:
            raise DefinitionError(f"{where}: kind 须为 {' / '.join(KINDS)}")
        seen.add(c["key"])
        cols.append(ReportColumn(c["key"], tuple(str(p) for p in c["path"]), c["kind"], int(c.get("decimals", 0)),
                                 bool(c.get("percent", False))))
    return Report(rid, need("title"), need("system"), need("module"), need("source"), raw["beijing_row"],
                  need("unit"), tuple(cols), path, int(raw.get("order", 100)))


@lru_cache(maxsize=1)
def reports() -> tuple[Report, ...]:
    out = []
    for p in sorted(HERE.glob("*.yaml")):
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise DefinitionError(f"{p.name}: YAML 格式错误: {e}") from None
        out.append(_check(p, raw))
    out.sort(key=lambda r: (r.order, r.id))
    ids = [r.id for r in out]
    if len(ids) != len(set(ids)):
        raise DefinitionError(f"固定报表 id 重复: {sorted(i for i in ids if ids.count(i) > 1)}")
    return tuple(out)


def get(report_id: str) -> Report:
    for r in reports():
        if r.id == report_id:
            return r
    raise DefinitionError(f"没有固定报表 {report_id!r}; 可选: {', '.join(r.id for r in reports())}")


@lru_cache(maxsize=1)
def _indicator_definitions() -> dict[tuple[str, str], dict]:
    path = settings.SEEDS / "indicators" / "indicator_definitions.csv"
    with path.open(encoding="utf-8") as f:
        return {(r["mart"], r["mart_column"]): r for r in csv.DictReader(f) if r.get("mart")}


@lru_cache(maxsize=1)
def _dbt_descriptions() -> dict[tuple[str, str], str]:
    out = {}
    for p in (settings.WAREHOUSE_DBT / "models").rglob("*.yml"):
        doc = yaml.load(p.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        for m in doc.get("models") or []:
            for c in m.get("columns") or []:
                d = str(c.get("description") or "")
                if d and "{{" not in d:
                    out[(m["name"], c["name"])] = d
    return out


def notes(report: Report) -> list[str]:
    """The 口径 of every column: the indicator catalogue's definition where it has one, else the column's
    description in the dbt project (both are what the dashboards and the cube document too)."""
    lines = []
    for i, c in enumerate(report.columns, start=1):
        label = "".join(p for p in c.path if not p.startswith("其中")) if len(c.path) == 1 else " · ".join(c.path)
        ind = _indicator_definitions().get((report.source, c.key))
        if ind:
            text = f"{ind['definition']}(统计期: {ind['period_basis']})"
        else:
            text = _dbt_descriptions().get((report.source, c.key), "")
        if text:
            lines.append(f"{i}. {label}: {text}")
    return lines
