"""Daily (T+1) increments of the 按日 sources (interfaces/daily/), applied in sequence to a versioned current state.

    python -m cli daily [--folder var/exchange/daily] [--interface NAME …]   apply every ready day, in order
    python -m cli daily --status                                            what is applied, waiting, held

Per interface (folder var/exchange/daily/<interface>/, files `<prefix>_<YYYYMMDD>_<seq>.txt` + `.ok`):
- a file is read only when its completion signal `.ok` is there and its row count and SHA-256 match the file
  (an interrupted transfer — no signal yet, or a signal ahead of the bytes — waits and is picked up by the next
  run once complete: 断点续传 without duplicates);
- sequences apply strictly in order, each day in ONE transaction (validate → COPY → apply → audit), so a run
  killed mid-way leaves whole days only and the next run resumes at the first day not applied; a missing
  sequence (gap), a day without its signal or a held day stops that interface there: the later days wait and
  are reported (exit 4) until it arrives;
- a file whose layout differs from the contract (column count, moved columns, wrong encoding) is held whole with
  the monthly loader's own checks (`structure_problem`, `encoding_problem`), once per delivered file;
- a day delivered again with other content (a re-delivery) replaces the first one atomically: in one transaction
  the days from it onwards are undone, then it and the later days are applied again;
- every line goes through the monthly validator (`validate_stream`: types, lengths, codes, check digits,
  duplicates …) plus the increment's own rules (`change_op`, `change_date`, `change_insert_exists`,
  `change_missing`); every rejected line is kept with file, line, column and rule in audit.daily_finding and
  var/rejects/daily/<interface>/<file>.<rule>.rej; the good lines apply.

State: raw.<interface> holds every version of every key: _valid_from (the change's business date), _valid_to
(the date a later change or a delete closed it; null = current), the delivery that opened and closed it. The
current state is `_valid_to is null` (a unique index per key guarantees at most one current version).
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
from pathlib import Path

import psycopg
import psycopg.sql

from foundation import settings
from foundation.daily_spec import OK_SUFFIX, OPS, DailySpec, load_daily_specs
from loaders import db
from loaders.dropzone import sha256_of
from loaders.load import run_by, write_reject_files
from loaders.validate import FileResult, Finding, encoding_problem, sample_lines, structure_problem, validate_stream

DDL = """
create schema if not exists raw;
create schema if not exists audit;
create table if not exists audit.daily_delivery (
    delivery_id    bigserial primary key,
    interface      text not null,
    provider       text not null,
    seq            integer not null,
    business_date  date not null,
    file_name      text not null,
    file_sha256    text not null,
    file_bytes     bigint not null,
    status         text not null,              -- applied | superseded (replaced by a re-delivery) | held | failed
    rows_read      bigint not null default 0,
    rows_applied   bigint not null default 0,
    rows_rejected  bigint not null default 0,
    inserted       bigint not null default 0,
    updated        bigint not null default 0,
    deleted        bigint not null default 0,
    findings_by_rule jsonb not null default '{}',
    message        text,
    run_by         text not null,
    started_at     timestamptz not null,
    finished_at    timestamptz not null default clock_timestamp()
);
create unique index if not exists daily_delivery_applied on audit.daily_delivery (interface, seq) where status = 'applied';
comment on table audit.daily_delivery is '按日增量文件的加载记录: 每个接口每个序号一行(已应用/被重报替换/暂缓/失败)';
create table if not exists audit.daily_finding (
    delivery_id    bigint not null references audit.daily_delivery on delete cascade,
    interface      text not null,
    business_date  date not null,
    file_name      text not null,
    line_no        integer not null,
    column_name    text,
    rule           text not null,
    severity       text not null,
    message        text not null,
    raw_line       bytea not null
);
create index if not exists daily_finding_delivery on audit.daily_finding (delivery_id);
comment on table audit.daily_finding is '按日增量文件的逐行问题: 文件、行号、字段、规则、原始行';
create table if not exists audit.daily_run (
    run_id         bigserial primary key,
    started_at     timestamptz not null default now(),
    finished_at    timestamptz,
    run_by         text not null,
    status         text not null default 'running',   -- running | applied | waiting | failed
    summary        jsonb not null default '{}'
);
comment on table audit.daily_run is '按日增量加载的每次运行: 各接口应用到的序号、等待原因(缺号/无完成标志/传输未完成/暂缓)';
"""

EXTRA_RULES = {
    "change_op": "变更类型只能是 I(新增)、U(修改)、D(删除)",
    "change_date": "变更业务日期须等于文件的业务日期",
    "change_insert_exists": "新增(I)的主键在当前状态中已存在; 应为修改(U)",
    "change_missing": "修改(U)或删除(D)的主键在当前状态中不存在",
}


class DayHeld(Exception):
    pass


@dataclasses.dataclass
class DayFile:
    seq: int
    business_date: dt.date
    path: Path
    sha: str | None = None      # set when the completion signal matches the file
    waiting: str | None = None  # why it cannot be read yet


def ensure(conn: psycopg.Connection, ds: DailySpec | None = None) -> None:
    conn.execute(DDL)
    if ds is None:
        db.ensure_all_lookup_indexes(conn)  # those of a warehouse of an earlier version (once)
        return
    t = table(ds)
    if conn.execute("select to_regclass(%s) is not null", (t,)).fetchone()[0]:
        existing = {r[0] for r in conn.execute("select column_name from information_schema.columns "
                                               "where table_schema='raw' and table_name=%s", (ds.interface,))}
        for c in ds.entity_columns:  # a column the contract gained since (the monthly loader does the same)
            if c.name not in existing:
                conn.execute(f"alter table {t} add column {c.name} {c.pg_type}")
        db.create_lookup_indexes(conn, t, ds.base.interface)  # the daily refresh finds the versions by them
        return
    cols = ",\n  ".join(f"{c.name} {c.pg_type}" for c in ds.entity_columns)
    conn.execute(f"""create table if not exists {t} (
  {cols},
  _valid_from date not null,
  _valid_to date,
  _op char(1) not null,
  _seq integer not null,
  _line_no integer not null,
  _delivery_id bigint not null,
  _closed_by bigint
)""")
    key = ", ".join(ds.key)
    conn.execute(f"create unique index if not exists {ds.interface}_current on {t} ({key}) where _valid_to is null")
    conn.execute(f"create index if not exists {ds.interface}_opened on {t} (_delivery_id)")
    conn.execute(f"create index if not exists {ds.interface}_closed on {t} (_closed_by) where _closed_by is not null")
    db.create_lookup_indexes(conn, t, ds.base.interface)
    conn.execute(f"comment on table {t} is %s" % psycopg.sql.quote(
        f"{ds.title}: 按日增量应用后的全部版本(_valid_to 为空 = 当前状态)"))
    for c in ds.entity_columns:
        conn.execute(f"comment on column {t}.{c.name} is "
                     + psycopg.sql.quote(c.label + ("(个人敏感信息)" if c.pii else "")))
    for name, label in (("_valid_from", "版本生效日期(变更业务日期)"), ("_valid_to", "版本失效日期(为空 = 当前)"),
                        ("_op", "产生本版本的变更类型"), ("_seq", "产生本版本的文件序号"),
                        ("_delivery_id", "产生本版本的加载记录"), ("_closed_by", "关闭本版本的加载记录")):
        conn.execute(f"comment on column {t}.{name} is " + psycopg.sql.quote(label))


def table(ds: DailySpec) -> str:
    return f"raw.{ds.interface}"


# ---- what has arrived ---------------------------------------------------------------------------------------------

def scan(folder: Path, ds: DailySpec, applied: dict[int, tuple[str, int]] | None = None) -> dict[int, DayFile]:
    """The interface's files by sequence, each with its SHA-256 when its completion signal matches, or why not.
    An applied day whose signal still names the SHA-256 it was applied with, at the same size, is not hashed again
    (a re-delivery comes with a new signal), so a run does not re-read the whole history."""
    out: dict[int, DayFile] = {}
    if not folder.is_dir():
        return out
    for p in sorted(folder.iterdir()):
        m = ds.pattern.match(p.name)
        if not m:
            continue
        try:
            day = dt.datetime.strptime(m.group(1), "%Y%m%d").date()
        except ValueError:
            continue
        f = DayFile(int(m.group(2)), day, p)
        if f.seq in out:
            out[f.seq].waiting = f"序号 {f.seq} 有两个文件({out[f.seq].path.name}, {p.name}), 请提供方撤回其一"
            out[f.seq].sha = None
            continue
        f.sha, f.waiting = _signal(p, f, ds, (applied or {}).get(f.seq))
        out[f.seq] = f
    return out


def _signal(path: Path, f: DayFile, ds: DailySpec, known: tuple | None = None) -> tuple[str | None, str | None]:
    ok = path.with_name(path.name + OK_SUFFIX)
    if not ok.exists():
        return None, "完成标志(.ok)未到, 上游尚未完成, 不读取"
    try:
        sig = json.loads(ok.read_text(encoding="utf-8"))
        rows, sha_expected = int(sig["rows"]), str(sig["sha256"])
        seq = int(sig.get("seq", f.seq))
        day = sig.get("business_date", f.business_date.isoformat())
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        return None, f"完成标志无法读取或解析({type(e).__name__}: {e}), 请上游重写"
    if seq != f.seq or day != f.business_date.isoformat():
        return None, f"完成标志的序号/日期({seq}/{day})与文件名不符"
    if known and known[0] == sha_expected and known[2] == path.stat().st_size:
        return sha_expected, None
    sha, _, lines = sha256_of(path)
    if sha != sha_expected or lines != rows:
        return None, (f"文件与完成标志不符(标志 {rows} 行 {sha_expected[:12]}…, 文件 {lines} 行 {sha[:12]}…): "
                      "传输未完成或中断, 等待续传完成")
    return sha, None


# ---- one interface --------------------------------------------------------------------------------------------------

def _applied(conn, ds: DailySpec) -> dict[int, tuple[str, int, int]]:
    """Applied days by sequence: (SHA-256, delivery id, file bytes)."""
    return {seq: (sha, did, size) for seq, sha, did, size in conn.execute(
        "select seq, file_sha256, delivery_id, file_bytes from audit.daily_delivery where interface=%s "
        "and status='applied'", (ds.interface,))}


def load_interface(conn: psycopg.Connection, ds: DailySpec, folder: Path, log=print) -> dict:
    """Apply every ready day of one interface in sequence; returns what happened and what waits."""
    ensure(conn, ds)
    if not conn.execute("select pg_try_advisory_lock(hashtext(%s))", (f"daily/{ds.interface}",)).fetchone()[0]:
        return {"status": "busy", "message": "另一个加载进程正在处理该接口"}
    try:
        return _load_interface(conn, ds, folder, log)
    finally:
        conn.execute("select pg_advisory_unlock(hashtext(%s))", (f"daily/{ds.interface}",))


def _load_interface(conn, ds: DailySpec, folder: Path, log) -> dict:
    applied = _applied(conn, ds)
    files = scan(folder, ds, applied)
    out: dict = {"applied": [], "replaced": [], "waiting": []}
    # 1. A re-delivered day (same sequence, other content, complete): replace it and replay the days after it.
    redelivered = sorted(s for s, f in files.items() if s in applied and f.sha and f.sha != applied[s][0]
                         and not _held_before(conn, ds, f))
    if redelivered:
        _replace(conn, ds, files, applied, redelivered[0], out, log)
        applied = _applied(conn, ds)
    # 2. Forward, strictly in sequence.
    seq = max(applied, default=0) + 1
    while seq in files:
        f = files[seq]
        if not f.sha:
            out["waiting"].append({"seq": seq, "file": f.path.name, "reason": f.waiting})
            break
        held = _hold_reason(ds, f)
        if held:
            _record_held(conn, ds, f, held, log)
            out["waiting"].append({"seq": seq, "file": f.path.name, "reason": f"暂缓: {held}"})
            break
        try:
            with conn.transaction():
                res = _apply_day(conn, ds, f, log)
        except Exception as e:  # noqa: BLE001 — an unexpected fault in one day: recorded, the interface stops there
            msg = f"加载失败({type(e).__name__}: {e}); 后续序号等待, 请联系数据平台运维"
            _record(conn, ds, f, "failed", message=msg)
            out["waiting"].append({"seq": seq, "file": f.path.name, "reason": msg})
            log(f"[daily] {f.path.name}: {msg}")
            break
        out["applied"].append({"seq": seq, **res})
        seq += 1
    later = sorted(s for s in files if s > seq)
    if seq not in files and later:
        out["waiting"].append({"seq": seq, "reason": f"缺少序号 {seq}(断号), 序号 {later[0]}–{later[-1]} 等待补齐"})
    elif later and out["waiting"]:
        out["waiting"][-1]["reason"] += f"; 序号 {later[0]}–{later[-1]} 等待"
    for w in out["waiting"]:
        log(f"[daily] {ds.interface}: 等待 — {w['reason']}")
    out["status"] = "waiting" if out["waiting"] else "applied"
    return out


def _replace(conn, ds: DailySpec, files: dict[int, DayFile], applied: dict[int, tuple], s: int, out: dict,
             log) -> None:
    """Day `s` was delivered again with other content: undo the days from `s` on and replay them, in one transaction."""
    try:
        for seq in sorted(q for q in applied if q >= s):  # a replayed file with a changed layout holds the replay
            f = files.get(seq)
            held = _hold_reason(ds, f) if f is not None and f.sha else None
            if held:
                _record_held(conn, ds, f, held, log)
                raise DayHeld(f"重报序号 {s} 未应用: 序号 {seq} 暂缓 — {held}")
        with conn.transaction():
            for seq in sorted((q for q in applied if q >= s), reverse=True):
                _undo(conn, ds, applied[seq][1])
            for seq in sorted(q for q in applied if q >= s):
                f = files.get(seq)
                if f is None or not f.sha:
                    raise DayHeld(f"重报序号 {s} 需重放序号 {seq}, 但该文件{'不在' if f is None else '未就绪: ' + str(f.waiting)}")
                _apply_day(conn, ds, f, log)
        out["replaced"].append(s)
        log(f"[daily] {ds.interface}: 序号 {s} 重报, 已原子替换(并重放其后 {len([q for q in applied if q > s])} 天)")
    except DayHeld as e:
        out["waiting"].append({"seq": s, "reason": str(e)})
        log(f"[daily] {ds.interface}: 序号 {s} 重报未应用 — {e}")
    except Exception as e:  # noqa: BLE001 — an unexpected fault: the replay rolled back, recorded, reported
        msg = f"重报序号 {s} 加载失败({type(e).__name__}: {e}), 已回滚, 原有数据不变; 请联系数据平台运维"
        _record(conn, ds, files[s], "failed", message=msg)
        out["waiting"].append({"seq": s, "reason": msg})
        log(f"[daily] {ds.interface}: {msg}")


def _hold_reason(ds: DailySpec, f: DayFile) -> str | None:
    if f.path.stat().st_size == 0:
        return None
    with f.path.open("rb") as fh:
        first = fh.read(4)
    sample = sample_lines(f.path)
    return encoding_problem(ds.spec, first, sample) or structure_problem(ds.spec, sample, f"{f.business_date:%Y%m}")


def _held_before(conn, ds: DailySpec, f: DayFile) -> bool:
    return conn.execute("select 1 from audit.daily_delivery where interface=%s and seq=%s and file_sha256=%s "
                        "and status='held'", (ds.interface, f.seq, f.sha)).fetchone() is not None


def _record_held(conn, ds: DailySpec, f: DayFile, held: str, log) -> None:
    if _held_before(conn, ds, f):
        log(f"[daily] {f.path.name}: 仍暂缓(文件未更正) — {held}")
        return
    _record(conn, ds, f, "held", message=held)
    log(f"[daily] {f.path.name}: 暂缓 — {held}")


def _record(conn, ds: DailySpec, f: DayFile, status: str, message: str | None = None) -> int:
    return conn.execute(
        "insert into audit.daily_delivery (interface, provider, seq, business_date, file_name, file_sha256, file_bytes,"
        " status, message, run_by, started_at) values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,now()) returning delivery_id",
        (ds.interface, ds.provider, f.seq, f.business_date, f.path.name, f.sha or "", f.path.stat().st_size, status,
         message, run_by())).fetchone()[0]


def _undo(conn, ds: DailySpec, delivery_id: int) -> None:
    t = table(ds)
    conn.execute(f"delete from {t} where _delivery_id = %s", (delivery_id,))
    conn.execute(f"update {t} set _valid_to = null, _closed_by = null where _closed_by = %s", (delivery_id,))
    conn.execute("update audit.daily_delivery set status='superseded', finished_at=clock_timestamp() "
                 "where delivery_id=%s", (delivery_id,))


def _apply_day(conn, ds: DailySpec, f: DayFile, log) -> dict:
    """Validate, COPY and apply one day's file; the caller holds the transaction."""
    t0 = time.perf_counter()
    t = table(ds)
    did = _record(conn, ds, f, "loading")
    month = f"{f.business_date:%Y%m}"
    spec = ds.spec
    if f.path.stat().st_size == 0:  # a day without changes: recorded, so the sequence goes on
        conn.execute("update audit.daily_delivery set status='applied', finished_at=clock_timestamp() "
                     "where delivery_id=%s", (did,))
        log(f"[daily] {f.path.name}: 序号 {f.seq} 无变更")
        return {"delivery_id": did, "rows_read": 0, "inserted": 0, "updated": 0, "deleted": 0, "rejected": 0,
                "findings": {}, "seconds": round(time.perf_counter() - t0, 3)}
    in_cols = [f"{c.name} {c.pg_type}" for c in spec.columns] + ["_line_no integer"]
    # one scratch table per session and interface, emptied at every commit (and by a rolled-back day)
    tmp = f"_in_{ds.interface}"
    conn.execute(f"create temp table if not exists {tmp} ({', '.join(in_cols)}) on commit delete rows")
    conn.execute(f"truncate {tmp}")  # a re-delivery replays several days in one transaction
    copy_sql = (f"copy {tmp} ({', '.join(spec.column_names + ['_line_no'])}) from stdin with "
                f"(format text, delimiter {psycopg.sql.quote(spec.delimiter)}, null '')")
    with conn.cursor() as cur, f.path.open("rb") as fh, cur.copy(copy_sql) as copy:
        result = validate_stream(spec, month, fh, copy.write)
    # The increment's own rules, on the rows the validator kept.
    key = ", ".join(ds.key)
    current = (f"exists (select 1 from {t} v where v._valid_to is null and "
               + " and ".join(f"v.{k} = i.{k}" for k in ds.key) + ")")
    extra = conn.execute(f"""
        select _line_no, 'change_op', 'change_op', change_op from {tmp} where change_op not in ('I','U','D')
        union all
        select _line_no, 'change_date', 'change_date', change_date::text from {tmp}
         where change_op in ('I','U','D') and change_date <> %s
        union all
        select _line_no, '{key}', 'change_insert_exists', concat_ws('/', {key}) from {tmp} i
         where change_op = 'I' and change_date = %s and {current}
        union all
        select _line_no, '{key}', 'change_missing', concat_ws('/', {key}) from {tmp} i
         where change_op in ('U','D') and change_date = %s and not {current}
        """, (f.business_date, f.business_date, f.business_date)).fetchall()
    if extra:
        raws = _lines(f.path, {r[0] for r in extra})
        for line_no, column, rule, value in extra:
            result.findings.append(Finding(line_no, column, rule, f"{EXTRA_RULES[rule]}(值 {value!r})", raws[line_no],
                                           severity="reject"))
        conn.execute(f"delete from {tmp} where _line_no = any(%s)", ([r[0] for r in extra],))
        result.findings.sort(key=lambda x: (x.line_no, x.column or ""))
    ents = [c.name for c in ds.entity_columns]
    closed = conn.execute(
        f"update {t} v set _valid_to = i.change_date, _closed_by = %s from {tmp} i "
        f"where v._valid_to is null and i.change_op in ('U','D') and " + " and ".join(f"v.{k} = i.{k}" for k in ds.key),
        (did,)).rowcount
    opened = conn.execute(
        f"insert into {t} ({', '.join(ents)}, _valid_from, _op, _seq, _line_no, _delivery_id) "
        f"select {', '.join(ents)}, change_date, change_op, %s, _line_no, %s from {tmp} where change_op in ('I','U')",
        (f.seq, did)).rowcount
    counts = dict(conn.execute(f"select change_op, count(*) from {tmp} group by 1").fetchall())
    ins, upd, dele = (int(counts.get(op, 0)) for op in OPS)
    if closed != upd + dele or opened != ins + upd:  # cannot happen after the checks above: never apply half a day
        raise RuntimeError(f"版本数不符: 关闭 {closed} (应 {upd + dele}), 新增 {opened} (应 {ins + upd})")
    rejected = len({x.line_no for x in result.findings if x.rejected})
    _store_findings(conn, ds, f, did, result)
    conn.execute(
        "update audit.daily_delivery set status='applied', rows_read=%s, rows_applied=%s, rows_rejected=%s,"
        " inserted=%s, updated=%s, deleted=%s, findings_by_rule=%s, finished_at=clock_timestamp() where delivery_id=%s",
        (result.rows_read, ins + upd + dele, rejected, ins, upd, dele, json.dumps(result.counts()), did))
    write_reject_files(settings.REJECTS / "daily" / ds.interface, f.path.name, result)
    secs = time.perf_counter() - t0
    log(f"[daily] {f.path.name}: 序号 {f.seq} 读 {result.rows_read:,} 行, 新增 {ins:,} 修改 {upd:,} 删除 {dele:,}, "
        f"拒绝 {rejected:,} ({secs:.2f}s)")
    if result.findings:
        first = result.findings[0]
        log(f"[daily] {f.path.name}: 问题 " + ", ".join(f"{r} {n}" for r, n in result.counts().items())
            + f" — 如第 {first.line_no} 行 {first.column or ''}: {first.message}; 全部见 audit.daily_finding 与 "
            f"{settings.REJECTS / 'daily' / ds.interface}")
    return {"delivery_id": did, "rows_read": result.rows_read, "inserted": ins, "updated": upd, "deleted": dele,
            "rejected": rejected, "findings": result.counts(), "seconds": round(secs, 3)}


def _lines(path: Path, wanted: set[int]) -> dict[int, bytes]:
    out = {}
    with path.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            if n in wanted:
                out[n] = line.rstrip(b"\r\n")
    return out


def _store_findings(conn, ds: DailySpec, f: DayFile, did: int, result: FileResult) -> None:
    if not result.findings:
        return
    with conn.cursor() as cur, cur.copy(
            "copy audit.daily_finding (delivery_id, interface, business_date, file_name, line_no, column_name, rule,"
            " severity, message, raw_line) from stdin") as copy:
        for x in result.findings:
            copy.write_row((did, ds.interface, f.business_date, f.path.name, x.line_no, x.column, x.rule, x.severity,
                            x.message, x.raw))


# ---- all interfaces ---------------------------------------------------------------------------------------------------

def load_daily(url: str | None = None, folder: Path | None = None, interfaces: list[str] | None = None,
               log=print, reports: Path | None = None) -> dict[str, dict]:
    """Apply every ready day of every (or the given) daily interface; then the providers' error reports of the
    business months this run touched (var/reports/daily/<YYYYMM>/, or `reports`/<YYYYMM>/)."""
    folder = folder or settings.EXCHANGE / "daily"
    url = url or settings.warehouse_url()
    specs = load_daily_specs()
    unknown = [i for i in interfaces or [] if i not in specs]
    if unknown:
        raise SystemExit(f"未知的按日接口: {', '.join(unknown)}(可选: {', '.join(specs)})")
    summary: dict[str, dict] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        ensure(conn)
        run_id = conn.execute("insert into audit.daily_run (run_by) values (%s) returning run_id",
                              (run_by(),)).fetchone()[0]
        for name, ds in specs.items():
            if interfaces and name not in interfaces:
                continue
            summary[name] = load_interface(conn, ds, folder / name, log)
        status = "waiting" if any(v["status"] != "applied" for v in summary.values()) else "applied"
        conn.execute("update audit.daily_run set status=%s, finished_at=now(), summary=%s where run_id=%s",
                     (status, json.dumps(summary, ensure_ascii=False, default=str), run_id))
        months = {f"{d:%Y%m}" for (d,) in conn.execute(
            "select distinct business_date from audit.daily_delivery where started_at >= "
            "(select started_at from audit.daily_run where run_id = %s)", (run_id,))}
        if not months and any(v.get("waiting") for v in summary.values()):
            last = conn.execute("select max(business_date) from audit.daily_delivery").fetchone()[0]
            months = {f"{last or dt.date.today():%Y%m}"}
    from loaders.daily_report import write_reports

    waiting = {k: v.get("waiting", []) for k, v in summary.items() if v.get("waiting")}
    for month in sorted(months):
        paths = write_reports(month, url, (reports / month) if reports else None, waiting)
        if paths:
            log(f"[daily] {month}: 数据错误报告(按日) {len(paths) // 2} 份 → {paths[0].parent}")
    return summary


def status(url: str | None = None) -> list[dict]:
    """Per interface: last applied sequence and date, current rows, versions, held / failed deliveries."""
    url = url or settings.warehouse_url()
    out = []
    with psycopg.connect(url, autocommit=True) as conn:
        ensure(conn)
        for name, ds in load_daily_specs().items():
            ensure(conn, ds)
            last = conn.execute("select max(seq), max(business_date) from audit.daily_delivery where interface=%s "
                                "and status='applied'", (name,)).fetchone()
            cur, versions = conn.execute(f"select count(*) filter (where _valid_to is null), count(*) from {table(ds)}"
                                         ).fetchone()
            open_issues = conn.execute(
                "select seq, status, message from audit.daily_delivery d where interface=%s and status in ('held','failed')"
                " and not exists (select 1 from audit.daily_delivery a where a.interface=d.interface and a.seq=d.seq"
                " and a.status='applied')", (name,)).fetchall()
            waits = conn.execute(
                "select summary -> %s -> 'waiting' from audit.daily_run where summary ? %s "
                "order by run_id desc limit 1", (name, name)).fetchone()
            issues = [f"序号 {s} {st}: {m}" for s, st, m in open_issues]
            issues += [f"上次运行: {w.get('reason')}" for w in ((waits or [None])[0] or [])]
            out.append({"interface": name, "title": ds.title, "last_seq": last[0], "last_date": last[1],
                        "current_rows": cur, "versions": versions, "issues": list(dict.fromkeys(issues))})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cli daily", description="apply the daily (T+1) increments in sequence")
    ap.add_argument("--folder", type=Path, help="default var/exchange/daily")
    ap.add_argument("--interface", action="append", help="only this daily interface (repeatable)")
    ap.add_argument("--status", action="store_true", help="show what is applied and what waits")
    a = ap.parse_args(argv)
    settings.use_component("loader")  # raw and audit only, as wh_loader
    if a.status:
        for s in status():
            print(f"{s['interface']:34s} {s['title']}: 序号 {s['last_seq'] or '-'} ({s['last_date'] or '-'}), "
                  f"当前 {s['current_rows']:,} 行, 历史版本 {s['versions']:,}"
                  + "".join(f"\n    ! {i}" for i in s["issues"]))
        return 0
    summary = load_daily(folder=a.folder, interfaces=a.interface)
    waiting = {k: v for k, v in summary.items() if v["status"] != "applied"}
    for name, v in summary.items():
        n = len(v.get("applied", []))
        print(f"[daily] {name}: 应用 {n} 天" + (f", 重报替换序号 {v['replaced']}" if v.get("replaced") else ""))
    if waiting:
        print(f"[daily] {len(waiting)} 个接口有等待或暂缓的序号(其余已应用):", file=sys.stderr)
        for name, v in waiting.items():
            for w in v.get("waiting", []) or [{"reason": v.get("message", v["status"])}]:
                print(f"  - {name}: {w['reason']}", file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
