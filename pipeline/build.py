"""The monthly build: load the month's drop (or every month present), rebuild the warehouse with dbt
into the review release (schema marts), write the quality reports, and log the run.

    python -m pipeline.build [--month YYYYMM] [--force] [--skip-load] [--full-refresh] [--test-all]

Incremental by default: the month-grained models rebuild only months with a newer load batch, and the
generic tests on them check only rows above the watermark of the last build whose tests all passed
(recorded in audit.run_log). --full-refresh rebuilds every model over all months (needed after a code
table or a model's columns change); --test-all tests every row without rebuilding.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from foundation import settings
from loaders.load import MonthIncomplete, ensure_raw_tables, load_month
from pipeline import model_drift
from runtime import dbt, runlog


def _failed_tests() -> list[str]:
    results = dbt.run_results()
    if results is None:
        return ["(no run_results.json)"]
    return [r["name"] for r in results if r["status"] in ("fail", "error")]


def _ensure_raw_layer() -> None:
    """Every raw table of the interface specs and the interface catalogue exist before dbt runs (also with
    --skip-load), so sources never delivered build as empty models instead of failing. Created as the loader,
    which owns raw and audit (dbt only reads them)."""
    import psycopg

    from loaders import db

    with psycopg.connect(_loader_url() or settings.warehouse_url(), autocommit=True) as conn:
        db.ensure_audit(conn)
        ensure_raw_tables(conn)
        # the raw look-up indexes of the months loaded since the last build, each built in bulk (not by the load:
        # an index there is work plain COPY does not do, and the load of a month is measured against it)
        t = time.time()
        made = db.ensure_all_lookup_indexes(conn)
        if made:
            print(f"[build] 原始层查找索引: 新建 {len(made)} 个 ({time.time() - t:.1f}s)", flush=True)


def stale_models() -> list[str]:
    """Models (and snapshots, seeds) the last dbt invocation did not rebuild: skipped because a check upstream
    failed, or in error. Their tables in the review release are those of an earlier build (or absent)."""
    return sorted(r["name"] for r in dbt.run_results() or []
                  if r["resource"] in ("model", "snapshot", "seed") and r["status"] in ("skipped", "error"))


def missing_files(months: list[str], url: str | None = None) -> list[dict]:
    """Files not delivered (or unusable) in the months' latest load runs: what a forced load went without."""
    import psycopg

    out = []
    with psycopg.connect(url or settings.warehouse_url(), autocommit=True) as conn:
        if not conn.execute("select to_regclass('audit.load_run')").fetchone()[0]:
            return out
        for m in months:
            row = conn.execute("select problems from audit.load_run where data_month = to_date(%s, 'YYYYMM') "
                               "and status in ('loaded', 'held', 'failed') order by run_id desc limit 1", (m,)).fetchone()
            for p in (row[0] if row else None) or []:
                out.append({"month": m, "provider": p.get("provider"), "file": p.get("file_name"),
                            "problem": p.get("problem")})
    return out


def _batch_watermarks() -> tuple[int, int]:
    """(tested_through, newest): the newest load batch whose rows a passing build has tested, and the
    newest batch loaded now."""
    import psycopg

    with psycopg.connect(settings.warehouse_url(), autocommit=True) as conn:
        runlog.ensure(conn)
        tested = conn.execute("select coalesce(max((detail->>'tested_through_batch')::bigint), 0) from audit.run_log "
                              "where action = 'build' and result = 'ok'").fetchone()[0]
        newest = conn.execute("select coalesce(max(batch_id), 0) from audit.load_batch "
                              "where status = 'loaded'").fetchone()[0]
    return tested, newest


def _loader_url() -> str | None:
    """The loader's own role when this process runs as a component (python -m cli build), else the default."""
    return settings.component_url("loader") if os.environ.get(settings.COMPONENT_ENV) else None


def _review_fixed_reports(month: str) -> dict:
    """固定报表 审核版 of the month: every report as XLSX for 全市 and each district, the PDF book of 全市 (what the
    reviewers print; the districts' PDF books come with the official release, or `python -m cli fixed-reports
    --release review`). A failure is reported, it does not fail the build."""
    from pipeline.fixedreports import archive

    try:
        idx = archive.generate(month, "review", pdf_districts={"110000"},
                               log=lambda m: print(m, flush=True))
        return {"reports": len(idx["reports"]), "books": len(idx["books"])}
    except Exception as e:  # noqa: BLE001 — recorded in the run log and printed
        print(f"[build] 审核版固定报表未生成: {e}", flush=True)
        return {"error": str(e)}


def _refuse_full_refresh_while_raw_archived(full_refresh: bool) -> None:
    """A full refresh rebuilds every incremental model from raw: months archived out of raw would silently drop out
    of the ODS and the facts, so it waits until they are restored."""
    if not full_refresh:
        return
    import psycopg

    from pipeline import raw_retention

    with psycopg.connect(settings.warehouse_url()) as conn:
        away = raw_retention.archived(conn)
    if away:
        months = sorted({m for _, m in away})
        raise SystemExit(f"[build] 拒绝全量重建: 原始层有 {len(away)} 个接口月份已归档 ({', '.join(months)}), "
                         f"全量重建会使这些月份从明细层消失。先逐月恢复: make raw-restore MONTH=<YYYYMM> "
                         f"(python -m cli raw restore --month YYYYMM), 再全量重建")


def build(months: list[str] | None = None, force: bool = False, load: bool = True,
          full_refresh: bool = False, test_all: bool = False, rebuild: list[str] | None = None) -> None:
    """`rebuild`: models rebuilt whole before the incremental build (after a code change altered their columns:
    model_drift names them when a build fails on it)."""
    t0 = time.time()
    months = months or sorted(p.name for p in settings.EXCHANGE.glob("[0-9]" * 6))
    if not months:
        raise SystemExit(f"no drops in {settings.EXCHANGE}: run `make generate` first")
    _refuse_full_refresh_while_raw_archived(full_refresh or bool(rebuild))
    for m in months if load else []:
        print(f"[build] loading {m}", flush=True)
        with runlog.logged("load", m) as entry:
            summary = load_month(m, force=force, url=_loader_url())
            entry["detail"] = {"files": len(summary), "forced": force,
                               "rejected": sum(v.get("rows_rejected", 0) for v in summary.values())}
            if force:
                entry["result"] = "forced"
    _ensure_raw_layer()
    label = months[-1] if len(months) == 1 else f"{months[0]}-{months[-1]}"
    with runlog.logged("build", months[-1]) as entry:
        tested_through, newest = _batch_watermarks()
        if full_refresh or test_all:
            tested_through = 0
        args = ["build", "--no-use-colors", "--vars", json.dumps({"tested_through_batch": tested_through})]
        if full_refresh:
            args.append("--full-refresh")
        scope = "every row" if tested_through == 0 else f"rows of load batches after {tested_through}"
        print(f"[build] dbt build into the review release (seeds, models, snapshot, balance tests; "
              f"{'full rebuild' if full_refresh else 'incremental'}; tests on incremental models: {scope})", flush=True)
        rc = _rebuild_whole(rebuild) if rebuild else 0
        if rc == 0:
            rc = dbt.run(args, check=False)
        # 一数一源: every published indicator compared across mart, cube, Superset datasets and check tables, every
        # build (a separate process: the reconciliation reads the cube and dashboard definitions, a layer above)
        recon = subprocess.run([sys.executable, "-m", "reconcile", "--schema", "marts"], cwd=settings.ROOT)
        from pipeline import caches, dashboard_defaults, governance, quality

        for m in months:
            paths = quality.write(m)
            print(f"[build] 数据质量报告 {m}: {paths[0]}", flush=True)
            feedback = governance.write_feedback(m)
            print(f"[build] 数据治理反馈 {m}: {len(feedback)} 份 → {paths[0].parent}", flush=True)
        fixed_reports = _review_fixed_reports(months[-1]) if settings.fixed_reports_enabled() else None
        caches.invalidate()
        # Superset's result cache is empty now: fill it again with the dashboards' default queries, in the background
        warming = dashboard_defaults.warm()
        failed = _failed_tests() if rc != 0 else []
        drifted = _drifted(failed) if rc != 0 else []
        if recon.returncode != 0:
            failed.append("reconciliation(一数一源核对)")
        stale = stale_models()
        missing = missing_files(months)
        entry["detail"] = {"months": label, "dbt_exit": rc, "failed_tests": failed, "full_refresh": full_refresh,
                           "tested_from_batch": tested_through + 1, "stale_models": stale,
                           "missing_files": missing, "result_cache_warm_up_started": warming}
        if rebuild:
            entry["detail"]["rebuilt_whole"] = rebuild
        if drifted:
            entry["detail"]["schema_drift"] = [d.model for d in drifted]
        if fixed_reports is not None:
            entry["detail"]["fixed_reports"] = fixed_reports
        entry["detail"]["reconciliation_exit"] = recon.returncode
        if rc == 0:
            entry["detail"]["tested_through_batch"] = newest
        rc = _report(entry, rc, recon.returncode, failed, drifted, missing, stale, months)
    if rc != 0:
        raise SystemExit(rc)
    print(f"[build] done in {time.time() - t0:.0f}s — review release ready; `make publish MONTH={months[-1]}` "
          f"promotes it", flush=True)


def _report(entry: dict, rc: int, recon_rc: int, failed: list[str], drifted: list, missing: list[dict],
            stale: list[str], months: list[str]) -> int:
    """Print what the build left (files not delivered, stale models, the failure and its fix) and mark the run-log
    entry; the build's exit code."""
    if missing:
        print(f"[build] 未交付的文件 {len(missing)} 个 (强制加载; 其来源的模型为空): "
              + ", ".join(f"{x['month']} {x['file']}" for x in missing), flush=True)
    if stale:
        print(f"[build] 未更新(过期)的模型 {len(stale)} 个: {', '.join(stale)}", flush=True)
    if rc == 0 and recon_rc != 0:
        rc = recon_rc
        entry["result"] = "failed"
        print("[build] 一数一源核对未通过: 同一指标在报表集市、多维服务、看板或核对表中不一致 (差异单元格见上, "
              "及数据质量报告“七、一数一源核对”)。The official release is unchanged.", flush=True)
    elif rc != 0:
        entry["result"] = "failed"
        print(f"[build] dbt build FAILED (exit {rc}); failing models/tests: {', '.join(failed) or '-'}. "
              f"See the quality report. The official release is unchanged.", flush=True)
        if drifted:
            print(model_drift.message(drifted, months[-1] if len(months) == 1 else None), flush=True)
    return rc


def _rebuild_whole(models: list[str]) -> int:
    """dbt run --full-refresh of exactly `models` (not their descendants, which the incremental build then brings up
    to date); a name that selects nothing is refused (dbt would only warn)."""
    print(f"[build] 整表重建 {len(models)} 个模型: {', '.join(models)}", flush=True)
    rc = dbt.run(["run", "--no-use-colors", "--full-refresh", "--select", *models], check=False)
    ran = {r["name"] for r in dbt.run_results() or [] if r["resource"] == "model"}
    unknown = [m for m in models if m not in ran]
    if unknown:
        print(f"[build] REBUILD 中没有这些模型: {', '.join(unknown)} (模型名, 如 int_governance__s01_id_nonstandard)",
              flush=True)
        return rc or 2
    return rc


def _drifted(failed: list[str]) -> list:
    """The failed incremental models whose table's columns differ from the code's (model_drift)."""
    import psycopg

    try:
        with psycopg.connect(settings.warehouse_url()) as conn:
            return model_drift.find(conn, dbt.manifest(), set(failed))
    except psycopg.Error as e:
        print(f"[build] 表结构比对未完成: {e}", flush=True)
        return []


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.build")
    ap.add_argument("--month", help="YYYYMM (default: every month in the drop zone)")
    ap.add_argument("--force", action="store_true", help="load even if files are missing (recorded)")
    ap.add_argument("--skip-load", action="store_true", help="only rebuild (the drops are loaded already)")
    ap.add_argument("--full-refresh", action="store_true", help="rebuild every model over all months")
    ap.add_argument("--test-all", action="store_true", help="test every row, not only the newly built ones")
    ap.add_argument("--rebuild", default="", metavar="MODEL[,MODEL]",
                    help="rebuild these models whole first (their columns changed with the code)")
    a = ap.parse_args(argv)
    settings.use_component("dbt")  # loads run as wh_loader, dbt and the run log as wh_dbt
    try:
        build([a.month] if a.month else None, a.force, load=not a.skip_load, full_refresh=a.full_refresh,
              test_all=a.test_all, rebuild=[m.strip() for m in a.rebuild.split(",") if m.strip()] or None)
    except MonthIncomplete as e:
        print(f"[build] 拒绝: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
