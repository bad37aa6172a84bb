"""The daily (T+1) run: apply every ready day (loaders/daily.py, as wh_loader), then refresh the topic libraries
(专题库) the changed sources feed (dbt, as wh_dbt), and record the refresh in the run log.

    python -m cli daily [--folder var/exchange/daily] [--interface NAME …] [--no-refresh]
    python -m cli daily --status

The refresh builds only what a changed source reaches: for each daily interface with a change since the last
refresh (a day applied with rows, or a day replaced by a re-delivery), the nodes downstream of its dbt source
`<interface>_daily` within the staging views, the identity tables (intermediate/identity) and the topic libraries
with their snapshots, change logs and monitoring views — `--select source:*.<interface>+,path:models/topics …`.
Marts, governance rules and the official release are not touched: they are monthly figures (the next monthly build
recomputes them from the roll-up). The staging models read the monthly roll-ups with the daily state after the
latest roll-up's month end (macros/daily_state.sql), so a day's 死亡注销 reaches 北京市自然人 / 北京市农业户籍 … the same
morning; the change logs date the entries with that day (topic_monitor__refreshes.business_date).

Where the libraries are read: the data services (wh_services, wh_svc_*) and the reader roles wh_read_topic_<lib>
read the topic_<lib> schemas in place (there is no review/official copy of a topic library; dbt's post-hook
grant_to_services re-grants after a rebuild), so the refreshed tables are what the services see once dbt commits.

A refresh that fails leaves the day applied and is retried by the next run (changes are counted from the last
successful refresh or monthly build, audit.run_log). Before the first monthly build there is nothing to refresh:
the build reads the daily state itself.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg

from foundation import settings
from runtime import dbt, runlog

# the layers a daily source reaches the topic libraries through (nothing in marts or the governance rules)
REFRESH_PATHS = ("path:models/staging", "path:models/intermediate/identity", "path:models/topics", "path:snapshots/topics")


def pending(conn: psycopg.Connection) -> tuple[list[str], object]:
    """The daily interfaces changed since the last successful topic refresh or monthly build (a day applied with
    rows, or a day undone by a re-delivery), and the latest business date applied of those."""
    if conn.execute("select to_regclass('audit.daily_delivery') is null").fetchone()[0]:
        return [], None
    runlog.ensure(conn)
    since = conn.execute("select max(started_at) from audit.run_log where action in ('daily_refresh', 'build') "
                         "and result = 'ok'").fetchone()[0]
    changed = [r[0] for r in conn.execute(
        "select distinct interface from audit.daily_delivery "
        "where ((status = 'applied' and rows_applied > 0) or status = 'superseded') "
        "and (%s::timestamptz is null or finished_at > %s) order by interface", (since, since))]
    last = conn.execute("select max(business_date) from audit.daily_delivery where status = 'applied' "
                        "and interface = any(%s)", (changed,)).fetchone()[0]
    return changed, last


def built(conn: psycopg.Connection) -> bool:
    """Whether the topic libraries exist (a monthly build ran)."""
    return conn.execute("select to_regclass('topic_natural_person.topic_natural_person__status') is not null").fetchone()[0]


# Tests the refresh leaves to the monthly build: those of the staging views. Each would read its whole view (the
# monthly roll-ups with the daily state, ~2 M rows at scale 0.1: not_null of stg_police__hukou_register.id_number
# 30 s) to check what the daily loader already enforced on every row it applied — the staging tests of the daily-fed
# views are not_null of the (normalised) ID number, and the daily loader rejects a line whose ID number (the daily
# key, interfaces/daily/*.yaml) is empty (rule not_null: the base interface's column is not nullable) or fails the ID
# checks; the monthly rows were checked by the monthly build, which runs every test. The identity and topic tables'
# own tests still run.
REFRESH_EXCLUDE = ("resource_type:test,path:models/staging",)


def selection(interfaces: list[str]) -> list[str]:
    """dbt --select arguments: each changed source's downstream nodes within the refresh paths, plus the refresh
    record (the change logs date their entries with it)."""
    out = [f"source:*.{i}+,{p}" for i in interfaces for p in REFRESH_PATHS]
    return out + ["topic_monitor__refreshes"]


def refresh(url: str | None = None, log=print) -> dict:
    """Refresh the topic libraries the changed daily sources feed; returns what was done (also in the run log)."""
    dbt_url = url or settings.component_url("dbt")
    with psycopg.connect(dbt_url, autocommit=True) as conn:
        changed, last_day = pending(conn)
        if not changed:
            log("[daily] 专题库: 无按日变更, 不刷新")
            return {"status": "nothing"}
        if not built(conn):
            log("[daily] 专题库尚未构建: 首次月度构建(make build)时读取按日状态, 此处不刷新")
            return {"status": "not_built", "interfaces": changed}
    select = selection(changed)
    month = f"{last_day:%Y%m}" if last_day else None
    log(f"[daily] 专题库增量刷新: 业务日期 {last_day}, 变更来源 {', '.join(changed)}")
    with runlog.logged("daily_refresh", month, url=dbt_url) as entry:
        t0 = time.perf_counter()
        # no --vars: vars that differ from the last run's make dbt parse the whole project again (the business date
        # and the kind of refresh are read from the database by topic_monitor__refreshes)
        args = ["build", "--no-use-colors", "--indirect-selection", "cautious", "--select", *select,
                "--exclude", *REFRESH_EXCLUDE]
        rc, stdout = dbt.run(args, check=False, url=dbt_url, capture=True)
        results = dbt.run_results() or []
        secs = time.perf_counter() - t0
        done = [r for r in results if r["resource"] in ("model", "snapshot")]
        failed = [r["name"] for r in results if r["status"] in ("fail", "error")]
        skipped = [r["name"] for r in done if r["status"] == "skipped"]
        libraries = sorted({r["unique_id"].split(".")[2].split("__")[0].removeprefix("snap_")
                            for r in done if r["name"].startswith(("topic_", "snap_topic_"))}
                           - {"topic_monitor"})
        entry["detail"] = {"business_date": str(last_day), "interfaces": changed, "select": select, "dbt_exit": rc,
                           "models": len(done), "tests": len(results) - len(done), "libraries": libraries,
                           "failed": failed, "skipped": skipped, "seconds": round(secs, 1)}
        if rc != 0:
            entry["result"] = "failed"
            tail = "\n".join(stdout.splitlines()[-15:])
            log(f"[daily] 专题库刷新失败(dbt exit {rc}; 失败: {', '.join(failed) or '-'}); 按日数据已应用, "
                f"下次运行 `python -m cli daily` 重试刷新。\n{tail}")
        else:
            log(f"[daily] 专题库已刷新 {len(libraries)} 个({', '.join(libraries)}): {len(done)} 个模型/快照, "
                f"{len(results) - len(done)} 项检查, {secs:.1f}s")
    return {"status": "ok" if rc == 0 else "failed", **entry["detail"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cli daily",
                                 description="apply the daily (T+1) increments in sequence, then refresh the topic libraries")
    ap.add_argument("--folder", type=Path, help="default var/exchange/daily")
    ap.add_argument("--interface", action="append", help="only this daily interface (repeatable)")
    ap.add_argument("--status", action="store_true", help="show what is applied and what waits")
    ap.add_argument("--no-refresh", action="store_true", help="apply the days only (the topic libraries wait)")
    a = ap.parse_args(argv)
    from loaders import daily

    loader_argv = [*(["--folder", str(a.folder)] if a.folder else []),
                   *sum((["--interface", i] for i in a.interface or []), []), *(["--status"] if a.status else [])]
    rc = daily.main(loader_argv)  # as wh_loader
    if a.status or a.no_refresh:
        return rc
    settings.use_component("dbt")  # the refresh and its run-log entry as wh_dbt
    result = refresh()
    return rc or (5 if result["status"] == "failed" else 0)


if __name__ == "__main__":
    sys.exit(main())
