"""The run log (系统管理-日志): who ran what, when, for which month, with which result and how long.

    with logged("build", month="202408") as entry:
        ...                      # entry["detail"] can be filled in; an exception marks the run failed
"""
from __future__ import annotations

import contextlib
import json
import time

import psycopg

from foundation import settings

DDL = """
create schema if not exists audit;
create table if not exists audit.run_log (
    run_id      bigserial primary key,
    action      text not null,          -- load | build | publish | rollback | backup | restore_test
    data_month  text,                   -- YYYYMM the run was about, if any
    started_at  timestamptz not null default now(),
    finished_at timestamptz,
    duration_s  numeric(12,3),
    run_by      text not null,
    result      text not null default 'running',   -- running | ok | failed | refused | forced
    detail      jsonb not null default '{}'
);
comment on table audit.run_log is '运行日志: 加载、构建、发布、回滚、备份、恢复测试';
"""


def ensure(conn) -> None:
    """Create the run log when missing. ops/roles.py creates it (owned by the loader role) so that the
    components, which may not create objects in audit, only insert and update."""
    if conn.execute("select to_regclass('audit.run_log')").fetchone()[0] is None:
        conn.execute(DDL)


def operator() -> str:
    return settings.get().operator


@contextlib.contextmanager
def logged(action: str, month: str | None = None, url: str | None = None):
    url = url or settings.warehouse_url()
    entry = {"detail": {}, "result": "ok"}
    with psycopg.connect(url, autocommit=True) as conn:
        ensure(conn)
        run_id = conn.execute("insert into audit.run_log (action, data_month, run_by) values (%s, %s, %s) "
                              "returning run_id", (action, month, operator())).fetchone()[0]
    t0 = time.time()
    try:
        yield entry
    except BaseException as e:
        entry["result"] = "refused" if entry.get("result") == "refused" else "failed"
        entry["detail"].setdefault("error", str(e)[:2000] or type(e).__name__)
        raise
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("update audit.run_log set finished_at = now(), duration_s = %s, result = %s, detail = %s "
                         "where run_id = %s", (round(time.time() - t0, 3), entry["result"],
                                               json.dumps(entry["detail"], ensure_ascii=False, default=str), run_id))


def last(action: str, month: str | None = None, url: str | None = None) -> dict | None:
    with psycopg.connect(url or settings.warehouse_url()) as conn:
        ensure(conn)
        row = conn.execute("select run_id, result, detail, finished_at from audit.run_log where action = %s "
                           "and (%s::text is null or data_month = %s) and result <> 'running' "
                           "order by run_id desc limit 1", (action, month, month)).fetchone()
    return dict(zip(("run_id", "result", "detail", "finished_at"), row)) if row else None
