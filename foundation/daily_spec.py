"""Daily (T+1) increment contracts (interfaces/daily/*.yaml): the catalogue's 按日 sources as the upstream's
change records of one business day, beside their monthly roll-up (the `base` interface).

A daily file carries, per line, `change_op` (I insert, U update, D delete — the full row image every time; for D
the row as it was), `change_date` (the business date of the change = the file's date), then the base interface's
columns without `data_month`. Its name is `<file_prefix>_<YYYYMMDD>_<seq:06d>.txt`; the completion signal
`<file>.ok` (JSON: interface, business_date, seq, rows, sha256) is written by the upstream after the file
(interfaces/README.md, "Daily deliveries"). Sequence 1 is the initial full load (every row an insert).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from foundation import settings
from foundation.spec import Column, Spec, load_specs

OK_SUFFIX = ".ok"
OPS = ("I", "U", "D")
CHANGE_COLUMNS = (
    Column(name="change_op", label="变更类型(I新增/U修改/D删除)", type="string", length=1),
    Column(name="change_date", label="变更业务日期", type="date"),
)


@dataclass(frozen=True)
class DailySpec:
    interface: str              # e.g. police_hukou_register_daily; the state table is raw.<interface>
    title: str
    base: Spec                  # the monthly interface whose columns the increment carries
    file_prefix: str
    key: tuple[str, ...]        # business key of the current state
    monthly_kind: str           # snapshot (the monthly file is the month-end state) | events (the month's records)
    change_date_from: tuple[str, ...]
    spec: Spec                  # the daily file's own layout (change columns + base columns), for validation
    path: Path = dataclasses.field(compare=False, default=Path())

    def file_name(self, day: dt.date, seq: int) -> str:
        return f"{self.file_prefix}_{day:%Y%m%d}_{seq:06d}.txt"

    @property
    def pattern(self) -> re.Pattern:
        return re.compile(rf"^{re.escape(self.file_prefix)}_(\d{{8}})_(\d{{6}})\.txt$")

    @property
    def entity_columns(self) -> list[Column]:
        return [c for c in self.base.columns if c.name != "data_month"]

    @property
    def provider(self) -> str:
        return self.base.provider


def _parse(path: Path, specs: dict[str, Spec]) -> DailySpec:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    base = specs[raw["base"]]
    entity = [c for c in base.columns if c.name != "data_month"]
    key = tuple(raw["key"])
    missing = [k for k in key if k not in {c.name for c in entity}]
    if missing:
        raise ValueError(f"{path}: key columns not in {base.interface}: {missing}")
    if raw["monthly_kind"] not in ("snapshot", "events"):
        raise ValueError(f"{path}: monthly_kind must be snapshot or events")
    spec = Spec(interface=raw["interface"], title=raw["title"], source=base.source, provider=base.provider,
                file_pattern=raw["file_prefix"] + "_{date}_{seq}.txt", encoding=base.encoding,
                delimiter=base.delimiter, arrival_day=1, period="daily", primary_key=key,
                columns=CHANGE_COLUMNS + tuple(entity), path=path)
    return DailySpec(interface=raw["interface"], title=raw["title"], base=base, file_prefix=raw["file_prefix"],
                     key=key, monthly_kind=raw["monthly_kind"],
                     change_date_from=tuple(raw.get("change_date_from") or ()), spec=spec, path=path)


@functools.lru_cache(maxsize=None)
def load_daily_specs(root: Path | None = None) -> dict[str, DailySpec]:
    """Every daily contract by its interface name."""
    root = root or settings.INTERFACES
    specs = load_specs(root)
    return {d.interface: d for d in (_parse(p, specs) for p in sorted((root / "daily").glob("*.yaml")))}
