"""Load a month's drop: completeness, then per file validate + COPY in one transaction, audited.

Exactly once: a file whose SHA-256 is already loaded for its interface and month is skipped; a
different file for the same interface and month (a corrected re-delivery) replaces that month's
rows in the same transaction that loads it. A crash rolls the transaction back: no partial batch.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import psycopg
import psycopg.sql
from psycopg.copy import QueuedLibpqWriter

from foundation import settings
from foundation.months import first_day
from foundation.spec import Spec, load_check_tables, load_specs
from loaders import db, dropzone
from loaders.validate import FileResult, encoding_problem, sample_lines, structure_problem, validate_stream


class MonthIncomplete(Exception):
    pass


def run_by() -> str:
    return settings.get().operator


def load_month(month: str, force: bool = False, url: str | None = None, folder: Path | None = None,
               log=print, reports: Path | None = None, as_of: dt.date | None = None) -> dict:
    """Load one month. Error reports go to var/reports/<month>/ (or beside a given drop folder)."""
    reports = reports or (settings.REPORTS / month if folder is None else folder.parent / "_reports" / month)
    folder = folder or settings.EXCHANGE / month
    url = url or settings.warehouse_url()
    problems, usable = dropzone.completeness(month, folder, as_of)
    with psycopg.connect(url, autocommit=True) as conn:
        db.ensure_audit(conn)
        run_id = conn.execute(
            "insert into audit.load_run (data_month, run_by, forced, problems) values (%s,%s,%s,%s) returning run_id",
            (first_day(month), run_by(), force, json.dumps([p.as_dict() for p in problems], ensure_ascii=False)),
        ).fetchone()[0]
        if problems:
            for p in problems:
                log(f"[load] {month} 缺失或有误: {p.provider} / {p.file_name}: {p.detail}")
            if not force:
                conn.execute("update audit.load_run set status='refused', finished_at=now() where run_id=%s", (run_id,))
                _reports(month, url, reports, log)
                raise MonthIncomplete(f"{month}: {len(problems)} 个文件缺失或有误, 本月不加载(可用 FORCE=1 强制加载并记录)")
            log(f"[load] {month}: 强制加载 (forced), 已记录于 audit.load_run #{run_id}")
        scale = db.record_drop_manifest(conn, first_day(month), folder, log)
        if scale is not None:
            log(f"[load] {month}: 合成数据, 规模 {scale:g} (清单 {db.MANIFEST}; 预算与目标按此折算)")
        summary: dict[str, dict] = {}
        specs = load_specs()
        ensure_raw_tables(conn, specs)
        for interface, sha in usable.items():
            # One file's failure never stops the others: it is recorded and named, the month goes on.
            try:
                summary[interface] = load_file(conn, specs[interface], month, folder, sha, run_id, log)
            except Exception as e:  # noqa: BLE001 — an unexpected fault in one file, recorded as such
                summary[interface] = _record_failure(conn, specs[interface], month, folder, sha, run_id, e, log)
        summary.update(load_check_table(conn, month, folder, log, run_id))
        loaded = [i for i, r in summary.items() if r.get("status") == "loaded" and i in specs]
        analyze([f"raw.{db.partition_name(i, month)}" for i in loaded]
                + [db.raw_table(specs[i]) for i in loaded] + ["raw.check_table"], conn, log)
        manual = _load_manual(month, folder, url, log)
        if manual:  # only a refused workbook: a loaded one is not a file of the interface summary
            summary["manual"] = manual
        failed = not_loaded(summary)
        status = "failed" if any(v["status"] == "failed" for v in failed.values()) else "held" if failed else "loaded"
        conn.execute("update audit.load_run set status=%s, finished_at=now() where run_id=%s", (status, run_id))
        for name, v in failed.items():
            log(f"[load] {month}: {name} 未加载 ({v['status']}): {v.get('message', '')}")
    _reports(month, url, reports, log)
    return summary


NOT_LOADED = ("held", "failed", "refused")


def not_loaded(summary: dict) -> dict[str, dict]:
    """The files of a month's summary that were held, refused or failed (the run exits non-zero for them)."""
    return {k: v for k, v in summary.items() if v.get("status") in NOT_LOADED}


def _record_failure(conn, spec: Spec, month: str, folder: Path, sha: str, run_id: int, e: Exception, log) -> dict:
    path = folder / spec.file_name(month)
    msg = f"加载失败({type(e).__name__}: {e}); 其他文件照常加载, 请联系数据平台运维"
    conn.execute(
        "insert into audit.load_batch (run_id, interface, provider, data_month, file_name, file_sha256, file_bytes,"
        " status, message, run_by, started_at) values (%s,%s,%s,%s,%s,%s,%s,'failed',%s,%s,now())",
        (run_id, spec.interface, spec.provider, first_day(month), path.name, sha,
         path.stat().st_size if path.exists() else 0, msg, run_by()))
    log(f"[load] {path.name}: {msg}")
    return {"status": "failed", "message": msg}


def ensure_raw_tables(conn: psycopg.Connection, specs: dict | None = None) -> None:
    """Every raw table of every interface spec (and of the manual-entry template), created from the specs even
    when no file of it has arrived: a month loaded with FORCE and missing sources then builds, its models of
    the missing sources empty (the quality report and the publish record what was not delivered)."""
    from loaders.manual import ensure_tables

    for spec in (specs or load_specs()).values():
        db.ensure_raw_table(conn, spec)
        db.register_interface(conn, spec)
    ensure_tables(conn)


def analyze(tables: list[str], conn: psycopg.Connection, log=print) -> None:
    """Fresh planner statistics for the raw tables a load changed. The build reads the new month at once; with the
    statistics of before it (autovacuum has not come round yet) PostgreSQL estimates one row for that month and
    chooses nested loops that take hours at scale 0.1 instead of seconds."""
    t = time.perf_counter()
    kinds = {name: conn.execute("select relkind from pg_class where oid = to_regclass(%s)", (name,)).fetchone()
             for name in tables}
    tables = [name for name, kind in kinds.items() if kind is not None]
    # A partitioned table: the month's partition is analysed on its own; the parent's whole-table statistics
    # without re-analysing every month's partition (ANALYZE ONLY, PostgreSQL 18) where the server has it.
    only = "only " if conn.info.server_version >= 180000 else ""
    for table in tables:
        conn.execute(f"analyze {only if kinds[table][0] == 'p' else ''}{table}")
    if tables:
        log(f"[load] 统计信息已更新 (ANALYZE {len(tables)} 张表, {time.perf_counter() - t:.1f}s)")


def _load_manual(month: str, folder: Path, url: str, log) -> dict | None:
    """The staff's manual-entry workbook, if it came with the drop (validated; all or nothing)."""
    from foundation.spec import load_manual_template
    from loaders.manual import ManualEntryInvalid, import_file

    path = folder / load_manual_template()["file_pattern"].format(month=month)
    if not path.exists():
        log(f"[load] {month}: 手工录入文件 {path.name} 未提供")
        return None
    try:
        counts = import_file(path, month, url, run_by())
        log(f"[load] {path.name}: 手工录入 {sum(counts.values())} 行")
        return None
    except ManualEntryInvalid as e:
        log(f"[load] {e}")
        return {"status": "refused", "message": str(e).splitlines()[0]}


def _reports(month: str, url: str, out: Path, log) -> None:
    from loaders.report import write_reports

    paths = write_reports(month, url, out)
    if paths:
        log(f"[load] {month}: 数据错误报告 {len(paths) // 2} 份 → {paths[0].parent}")


def load_file(conn: psycopg.Connection, spec: Spec, month: str, folder: Path, sha: str, run_id: int,
              log=print) -> dict:
    path = folder / spec.file_name(month)
    start = dt.datetime.now(dt.timezone.utc)
    mstart = first_day(month)
    db.ensure_raw_table(conn, spec)
    already = conn.execute(
        "select batch_id from audit.load_batch where interface=%s and data_month=%s and file_sha256=%s "
        "and status='loaded'", (spec.interface, mstart, sha)).fetchone()
    if already:
        log(f"[load] {path.name}: 已加载(batch {already[0]}), 内容未变, 跳过")
        return {"status": "unchanged", "batch_id": already[0]}
    with path.open("rb") as f:
        first_bytes = f.read(4)
    sample = sample_lines(path)
    held = encoding_problem(spec, first_bytes, sample) or structure_problem(spec, sample, month)
    if held:
        # Recorded once per delivery: a re-run on the same file does not add another held batch.
        before = conn.execute(
            "select batch_id from audit.load_batch where interface=%s and data_month=%s and file_sha256=%s "
            "and status='held'", (spec.interface, mstart, sha)).fetchone()
        if before:
            log(f"[load] {path.name}: 仍暂缓(batch {before[0]}, 文件未更正) — {held}")
            return {"status": "held", "message": held, "batch_id": before[0]}
        batch_id = conn.execute(
            "insert into audit.load_batch (run_id, interface, provider, data_month, file_name, file_sha256, file_bytes,"
            " status, message, run_by, started_at) values (%s,%s,%s,%s,%s,%s,%s,'held',%s,%s,%s) returning batch_id",
            (run_id, spec.interface, spec.provider, mstart, path.name, sha, path.stat().st_size, held, run_by(),
             start)).fetchone()[0]
        log(f"[load] {path.name}: 暂缓 — {held}")
        return {"status": "held", "message": held, "batch_id": batch_id}
    t0 = time.perf_counter()
    # The month's partition exists (empty) before the load's transaction: creating it locks the whole table, the
    # load itself only its month.
    part = db.month_partition(conn, spec, month)
    with conn.transaction():
        # One loader per interface and month at a time.
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"{spec.interface}/{month}",))
        batch_id = conn.execute(
            "insert into audit.load_batch (run_id, interface, provider, data_month, file_name, file_sha256, file_bytes,"
            " status, run_by, started_at) values (%s,%s,%s,%s,%s,%s,%s,'loading',%s,%s) returning batch_id",
            (run_id, spec.interface, spec.provider, mstart, path.name, sha, path.stat().st_size, run_by(), start),
        ).fetchone()[0]
        # A re-delivery replaces the month whole: the partition is emptied (no dead rows left behind) and the
        # new file copied into it directly; rows of another month never reach it (the data_month rule rejects them).
        replaced = conn.execute(f"select count(*) from {part}").fetchone()[0]
        if replaced:
            conn.execute(f"truncate {part}")
        # a re-delivered month's look-up indexes are built again in bulk by the next build, not row by row here
        db.drop_partition_lookup_indexes(conn, spec, part)
        cols = ", ".join(spec.column_names + ["_line_no", "_batch_id"])
        copy_sql = (f"copy {part} ({cols}) from stdin with "
                    f"(format text, delimiter {psycopg.sql.quote(spec.delimiter)}, null '')")
        with conn.cursor() as cur, path.open("rb") as f:
            # A writer thread sends the data while the next chunk is validated (Arrow and the
            # socket release the GIL), so validation and the server's COPY overlap.
            with cur.copy(copy_sql, writer=QueuedLibpqWriter(cur)) as copy:
                result = validate_stream(spec, month, f, copy.write, extra_columns=(str(batch_id),))
        _store_findings(conn, spec, month, path.name, batch_id, result)
        conn.execute(
            "update audit.load_batch set status='superseded' where interface=%s and data_month=%s "
            "and status='loaded'", (spec.interface, mstart))
        conn.execute(
            "update audit.load_batch set status='loaded', rows_read=%s, rows_loaded=%s, rows_rejected=%s,"
            " findings_by_rule=%s, finished_at=clock_timestamp(), message=%s where batch_id=%s",
            (result.rows_read, result.rows_loaded, result.rows_rejected, json.dumps(result.counts()),
             f"替换原有 {replaced} 行" if replaced else None, batch_id))
    write_reject_files(settings.REJECTS / month, path.name, result)
    secs = time.perf_counter() - t0
    log(f"[load] {path.name}: 读 {result.rows_read:,} 行, 入库 {result.rows_loaded:,}, 拒绝 {result.rows_rejected:,}"
        f"{', 替换旧批次' if replaced else ''} ({secs:.1f}s, {result.rows_read / max(secs, 1e-9):,.0f} 行/秒)")
    return {"status": "loaded", "batch_id": batch_id, "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded, "rows_rejected": result.rows_rejected, "findings": result.counts()}


def _store_findings(conn, spec: Spec, month: str, file_name: str, batch_id: int, result: FileResult) -> None:
    if not result.findings:
        return
    mstart = first_day(month)
    with conn.cursor() as cur, cur.copy(
            "copy audit.load_finding (batch_id, interface, data_month, file_name, line_no, column_name, rule,"
            " severity, message, raw_line) from stdin") as copy:
        for f in result.findings:
            copy.write_row((batch_id, spec.interface, mstart, file_name, f.line_no, f.column, f.rule,
                            f.severity, f.message, f.raw))


def write_reject_files(folder: Path, file_name: str, result: FileResult) -> None:
    """<folder>/<file>.<rule>.rej (var/rejects/<month>/ for a monthly file, var/rejects/daily/<interface>/ for a
    daily one): the rejected rows exactly as delivered, by their first rule, in line order."""
    for old in folder.glob(f"{file_name}.*.rej"):
        old.unlink()
    first_rule: dict[int, tuple[str, bytes]] = {}
    for f in result.findings:
        if f.rejected and f.line_no not in first_rule:
            first_rule[f.line_no] = (f.rule, f.raw)
    if not first_rule:
        return
    folder.mkdir(parents=True, exist_ok=True)
    by_rule: dict[str, list[bytes]] = {}
    for _, (rule, raw) in sorted(first_rule.items()):
        by_rule.setdefault(rule, []).append(raw)
    for rule, rows in by_rule.items():
        (folder / f"{file_name}.{rule}.rej").write_bytes(b"\n".join(rows) + b"\n")


def load_check_table(conn, month: str, folder: Path, log=print, run_id: int | None = None) -> dict[str, dict]:
    """Load each provider's 数据核对表 (XLSX) into raw.check_table, replacing the month atomically. A workbook
    that cannot be read is recorded (status failed, named in the summary) and the others load."""
    out = {}
    for source, ct in load_check_tables().items():
        path = folder / ct["file_pattern"].format(month=month)
        if not path.exists():
            continue
        try:
            _load_one_check_table(conn, source, ct, month, path, log)
        except Exception as e:  # noqa: BLE001 — a broken workbook from a provider
            msg = f"核对表无法读取({type(e).__name__}: {e}); 请提供方按模板重新报送"
            log(f"[load] {path.name}: {msg}")
            out[f"check_table:{source}"] = {"status": "failed", "message": msg, "file": path.name}
            if run_id is not None:  # named in the provider's error report with the interface files
                conn.execute(
                    "insert into audit.load_batch (run_id, interface, provider, data_month, file_name, file_sha256,"
                    " file_bytes, status, message, run_by, started_at) values (%s,%s,%s,%s,%s,%s,%s,'failed',%s,%s,now())",
                    (run_id, f"check_table:{source}", ct["provider"], first_day(month), path.name,
                     dropzone.sha256_of(path)[0], path.stat().st_size, msg, run_by()))
    return out


def _load_one_check_table(conn, source: str, ct: dict, month: str, path: Path, log) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb[ct["sheet"]]
    rows = list(ws.iter_rows(values_only=True))
    labels = [c["label"] for c in ct["columns"]]
    header_at = next((i for i, r in enumerate(rows) if list(r[:len(labels)]) == labels), None)
    if header_at is None:
        raise ValueError(f"{path.name}: 工作表 {ct['sheet']} 中找不到表头 {labels}")
    names = [c["name"] for c in ct["columns"]]
    measures = [n for n in names if n not in (ct["key"], "district_name")]
    records = []
    for r in rows[header_at + 1:]:
        if r[0] is None:
            continue
        rec = dict(zip(names, r))
        for m in measures:
            records.append((source, first_day(month), str(rec[ct["key"]]), m, rec[m]))
    with conn.transaction():
        conn.execute("delete from raw.check_table where source=%s and data_month=%s", (source, first_day(month)))
        with conn.cursor() as cur:
            cur.executemany("insert into raw.check_table values (%s,%s,%s,%s,%s)", records)
    log(f"[load] {path.name}: 核对表 {len(records) // max(len(measures), 1)} 行")
