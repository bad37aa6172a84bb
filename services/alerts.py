"""Alerts of the data services, recorded in svc.alert (shown on the monitoring dashboard and by
`python -m cli services alerts`):

- enumeration: one key asked about more than SERVICES_ENUM_THRESHOLD (200) distinct ID numbers / credit codes in
  SERVICES_ENUM_WINDOW_MIN (10) minutes — someone walking the population rather than checking their cases;
- volume spike: one key made more than SERVICES_SPIKE_FACTOR (5) × its average calls per 5 minutes over the
  previous hour, and at least SERVICES_SPIKE_MIN_CALLS (300), in the last 5 minutes.

Counted from the audit log (distinct keyed hashes: no identifier is ever read in clear). One alert per key, kind
and window: a key that keeps enumerating gets a new alert when the window has moved on.
"""
from __future__ import annotations

import os

from . import audit
from .store import SCHEMA


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def check(conn, key_id: str | None, caller: str) -> list[str]:
    if not key_id:
        return []
    raised: list[str] = []
    window = _env("SERVICES_ENUM_WINDOW_MIN", 10)
    threshold = _env("SERVICES_ENUM_THRESHOLD", 200)
    n = conn.execute(f"select count(distinct h) from {audit.TABLE}, unnest(id_hashes) as h "
                     "where key_id = %s and at > now() - make_interval(mins => %s)", (key_id, window)).fetchone()[0]
    if n > threshold and not _recent(conn, "enumeration", key_id, window):
        _record(conn, "enumeration", key_id, caller, n, threshold, window,
                f"密钥 {key_id} 在 {window} 分钟内查询了 {n} 个不同的身份证号/信用代码(阈值 {threshold})，疑似遍历枚举")
        raised.append("enumeration")
    factor, floor = _env("SERVICES_SPIKE_FACTOR", 5), _env("SERVICES_SPIKE_MIN_CALLS", 300)
    recent, before = conn.execute(
        f"select count(*) filter (where at > now() - interval '5 minutes'), "
        f"count(*) filter (where at <= now() - interval '5 minutes') from {audit.TABLE} "
        "where key_id = %s and at > now() - interval '65 minutes'", (key_id,)).fetchone()
    limit = max(floor, factor * (before / 12.0))
    if recent > limit and not _recent(conn, "volume_spike", key_id, 5):
        _record(conn, "volume_spike", key_id, caller, recent, int(limit), 5,
                f"密钥 {key_id} 最近 5 分钟调用 {recent} 次，超过此前一小时平均水平的 {factor} 倍(阈值 {int(limit)})")
        raised.append("volume_spike")
    return raised


def _recent(conn, kind: str, key_id: str, minutes: int) -> bool:
    return bool(conn.execute(f"select 1 from {SCHEMA}.alert where kind = %s and key_id = %s "
                             "and at > now() - make_interval(mins => %s) limit 1", (kind, key_id, minutes)).fetchone())


def _record(conn, kind, key_id, caller, observed, threshold, window, detail) -> None:
    conn.execute(f"insert into {SCHEMA}.alert (kind, key_id, caller, observed, threshold, window_min, detail) "
                 "values (%s, %s, %s, %s, %s, %s, %s)", (kind, key_id, caller, observed, threshold, window, detail))
    print(f"[services] ALERT {kind}: {detail}", flush=True)
