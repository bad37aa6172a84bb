"""Daily (T+1) increments of the catalogue's 按日 sources, drawn from the same simulated world as the monthly drop.

    python -m cli daily-generate --month 202501 [--days 5] [--out var/exchange/daily]

The upstream systems (市公安局, 市经信局, 市场监管, 积分落户) log every change; the monthly roll-ups in
var/exchange/<YYYYMM>/ are their month-end states (or, for 死亡注销, the month's registrations). The increments of
month M are exactly the differences between the roll-ups of M-1 and M — the same ID numbers and credit codes,
the same births, deaths, deregistrations and listings — each dated on the day it happened (the row's own date
when it falls in M: 登记日期, 注销日期, 列入日期, 签发日期, 申报日期; otherwise a fixed day derived from the key).
Replaying all of M's days on the state of M-1 gives M's roll-up exactly (tested).

Per interface the feed starts with sequence 1, the initial full load (every row of the M-1 roll-up an insert,
dated on its last day); then one file per calendar day, sequence = days since that date + 1, an empty file on a
day without changes (so a missing sequence is a gap, not a quiet day). Each file is written as `.part`, renamed,
then its completion signal `<file>.ok` (interface, business_date, seq, rows, sha256, counts per operation);
mtime = the next morning (T+1). The monthly roll-ups must exist (`make generate`); nothing else is read.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import zlib
from pathlib import Path

from foundation import settings
from foundation.daily_spec import OK_SUFFIX, DailySpec, load_daily_specs
from foundation.months import month_index, month_str


def month_days(month: str) -> list[dt.date]:
    first = dt.date(int(month[:4]), int(month[4:]), 1)
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return [first + dt.timedelta(days=k) for k in range((nxt - first).days)]


def _rows(path: Path, ds: DailySpec) -> dict[bytes, list[bytes]]:
    """The monthly file's rows by business key, fields as delivered (data_month dropped). Lines whose column
    count does not fit the spec are skipped (a structure scenario of the monthly drop is not a change)."""
    names = ds.base.column_names
    key_idx = [names.index(k) for k in ds.key]
    month_idx = names.index("data_month")
    out: dict[bytes, list[bytes]] = {}
    if not path.exists():
        return out
    delim = ds.base.delimiter.encode()
    with path.open("rb") as f:
        for line in f:
            fields = line.rstrip(b"\r\n").split(delim)
            if len(fields) != len(names):
                continue
            key = delim.join(fields[i] for i in key_idx)
            out.setdefault(key, [v for i, v in enumerate(fields) if i != month_idx])
    return out


def _day_of(ds: DailySpec, key: bytes, fields: list[bytes] | None, days: list[dt.date]) -> dt.date:
    """The business date of a change: the row's own date when it falls in the month, else a day from the key."""
    if fields is not None:
        names = [c.name for c in ds.entity_columns]
        for col in reversed(ds.change_date_from):  # deregistration before registration: the later event
            v = fields[names.index(col)].decode("ascii", "replace")
            if len(v) == 8 and v.isdigit() and v[:6] == f"{days[0]:%Y%m}":
                d = int(v[6:])
                if 1 <= d <= len(days):
                    return days[d - 1]
    return days[zlib.crc32(key) % len(days)]


def changes_of_month(ds: DailySpec, exchange: Path, month: str) -> dict[dt.date, list[tuple[str, bytes, list[bytes]]]]:
    """The month's changes by business date: (op, key, fields)."""
    days = month_days(month)
    prev = month_str(month_index(month) - 1)
    cur = _rows(exchange / month / ds.base.file_name(month), ds)
    out: dict[dt.date, list] = {d: [] for d in days}
    if ds.monthly_kind == "events":
        for key, fields in cur.items():
            out[_day_of(ds, key, fields, days)].append(("I", key, fields))
        return out
    before = _rows(exchange / prev / ds.base.file_name(prev), ds)
    for key, fields in cur.items():
        old = before.get(key)
        if old is None:
            out[_day_of(ds, key, fields, days)].append(("I", key, fields))
        elif old != fields:
            out[_day_of(ds, key, fields, days)].append(("U", key, fields))
    for key, fields in before.items():
        if key not in cur:
            out[_day_of(ds, key, None, days)].append(("D", key, fields))
    return out


def render(ds: DailySpec, day: dt.date, changes: list[tuple[str, bytes, list[bytes]]]) -> tuple[bytes, dict]:
    delim = ds.base.delimiter.encode()
    stamp = f"{day:%Y%m%d}".encode()
    lines = [delim.join([op.encode(), stamp, *fields]) + b"\n" for op, _, fields in sorted(changes, key=lambda c: c[1])]
    counts = {op: sum(1 for c in changes if c[0] == op) for op in ("I", "U", "D")}
    return b"".join(lines), counts


def write_day(folder: Path, ds: DailySpec, day: dt.date, seq: int, data: bytes, counts: dict,
              signal: bool = True) -> Path:
    """The day's file (via .part, renamed), then its completion signal; mtime the next morning (T+1)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ds.file_name(day, seq)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    ts = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(2, 0)).timestamp()
    os.utime(path, (ts, ts))
    if signal:
        write_signal(path, ds, day, seq, data, counts)
    return path


def write_signal(path: Path, ds: DailySpec, day: dt.date, seq: int, data: bytes, counts: dict | None = None) -> Path:
    ok = path.with_name(path.name + OK_SUFFIX)
    ok.write_text(json.dumps({"interface": ds.interface, "business_date": day.isoformat(), "seq": seq,
                              "rows": data.count(b"\n") + (bool(data) and not data.endswith(b"\n")),
                              "sha256": hashlib.sha256(data).hexdigest(), "counts": counts or {}},
                             ensure_ascii=False) + "\n", encoding="utf-8")
    return ok


def initial_date(folder: Path, ds: DailySpec) -> dt.date | None:
    """The date of the feed's sequence 1 (its initial full load), if it was written."""
    for p in folder.glob(f"{ds.file_prefix}_*_000001.txt"):
        m = ds.pattern.match(p.name)
        if m:
            return dt.datetime.strptime(m.group(1), "%Y%m%d").date()
    return None


def generate(month: str, days: int | None = None, out: Path | None = None, exchange: Path | None = None,
             interfaces: list[str] | None = None, log=print) -> dict[str, int]:
    """Write the first `days` days of `month` (all by default) for every daily interface; returns files written."""
    exchange = exchange or settings.EXCHANGE
    out = out or exchange / "daily"
    prev = month_str(month_index(month) - 1)
    written: dict[str, int] = {}
    for name, ds in load_daily_specs().items():
        if interfaces and name not in interfaces:
            continue
        folder = out / name
        if not (exchange / month / ds.base.file_name(month)).exists():
            raise SystemExit(f"{exchange / month / ds.base.file_name(month)} 不存在: 先生成月度数据 (make generate)")
        # Sequence 1: the initial full load, the state at the end of the month before the feed's first month
        # (written again from that roll-up every time, so a regenerated drop regenerates it too).
        start = initial_date(folder, ds) or month_days(prev)[-1]
        first = f"{start:%Y%m}"
        snapshot = {} if ds.monthly_kind == "events" else _rows(exchange / first / ds.base.file_name(first), ds)
        data, counts = render(ds, start, [("I", k, f) for k, f in snapshot.items()])
        write_day(folder, ds, start, 1, data, counts)
        n = 1
        changes = changes_of_month(ds, exchange, month)
        for day in month_days(month)[:days]:
            seq = (day - start).days + 1
            if seq < 2:
                raise SystemExit(f"{name}: {day} 早于本馈送的初始全量日期 {start}")
            data, counts = render(ds, day, changes[day])
            write_day(folder, ds, day, seq, data, counts)
            n += 1
        written[name] = n
        log(f"[daily-generate] {name}: {n} 个文件 → {folder}")
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cli daily-generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--month", required=True, help="YYYYMM whose daily increments to write (its roll-up and the "
                                                    "month before must be in var/exchange)")
    ap.add_argument("--days", type=int, help="only the first N days of the month (default all)")
    ap.add_argument("--out", type=Path, help="folder (default var/exchange/daily)")
    a = ap.parse_args(argv)
    if not (len(a.month) == 6 and a.month.isdigit() and 1 <= int(a.month[4:]) <= 12):
        ap.error(f"--month {a.month!r}: 应为 YYYYMM")
    if a.days is not None and a.days < 1:
        ap.error("--days 应为正整数")
    generate(a.month, a.days, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
