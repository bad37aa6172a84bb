"""A comparison job end to end: read → match → record → result XLSX; reproducible and audited.

The job row keeps the input's SHA-256, the settings (returned fields, as-of month, thresholds, engine version),
each row's match (job_row) and the output's SHA-256; every run and every download of a reviewed result is an event
in the hash-chained audit log of the data services (services.audit). Nothing is written when the list is refused
(listmatch.reader.ListError): the job row then says why, and the audit event has status 'invalid'.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from listmatch import engine, reader, store, xlsxfast
from listmatch import normalise as nz
from listmatch.engine import CONFIRMED, REASONS, REVIEW, UNMATCHED

ENGINE_VERSION = "listmatch-1"
PII_ROLES = {"admin", "data_admin"}          # portal roles that see identifiers unmasked
SERVICE = "名单比对"
AUDIT_IDENTIFIERS = 5000     # up to this many matched identifiers go into the audit event (as keyed hashes)


class ParamError(ValueError):
    """A malformed parameter (→ 400/422)."""


@dataclass
class Settings:
    returns: list[str] = field(default_factory=lambda: list(store.DEFAULT_RETURNS))
    as_of: str | None = None          # YYYYMM

    def validate(self, conn) -> date:
        bad = [r for r in self.returns if r not in store.RETURNS]
        if bad:
            raise ParamError(f"未知的返回字段: {', '.join(bad)}; 可选: {', '.join(store.RETURNS)}")
        if not self.as_of:
            return store.latest_month(conn)
        if not re.fullmatch(r"\d{6}", str(self.as_of)):
            raise ParamError(f"截止月份 {self.as_of!r} 格式不正确, 应为 YYYYMM(例如 202412)")
        y, m = int(self.as_of[:4]), int(self.as_of[4:])
        if not 1 <= m <= 12:
            raise ParamError(f"截止月份 {self.as_of!r} 的月份不正确")
        d = date(y, m, 1)
        avail = store.months(conn)
        if avail and not (avail[0] <= d <= avail[-1]):
            raise ParamError(f"截止月份 {self.as_of} 不在数据范围内({avail[0]:%Y%m}–{avail[-1]:%Y%m})")
        return d


def mask(value: str | None, role: str) -> str:
    if not value:
        return ""
    if role in PII_ROLES or len(value) < 10:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def _audit(conn, *, user: str, role: str, service: str, params: dict, fields: list[str], rows: int, ms: float,
           status: str, identifiers=()) -> int | None:
    from services import audit

    params = dict(params)
    return audit.append_event(conn, caller=user, key_id=f"role:{role}", service=service,
                              purpose=params.pop("purpose", None) or "名单比对/自助分析", params=params,
                              fields=fields, row_count=rows, latency_ms=ms, status=status, identifiers=identifiers)


Source = bytes | str | Path
CHUNK = 20_000               # rows matched / rendered at a time: memory is bounded by this, not by the list


def _sha256(src: Source) -> str:
    if isinstance(src, (bytes, bytearray)):
        return hashlib.sha256(src).hexdigest()
    h = hashlib.sha256()
    with Path(src).open("rb") as f:
        while b := f.read(1 << 20):
            h.update(b)
    return h.hexdigest()


def prepare(conn, filename: str, data: Source, settings: Settings, *, user: str, role: str,
            purpose: str = "") -> tuple[int, reader.UploadedList]:
    """Record the job, read and check the list and the parameters. The list is streamed into listmatch.job_input
    (COPY, row by row: memory does not grow with the list) and its duplicate rows found there. A refused list or
    parameter is recorded (job 'failed', audit 'invalid') and raised as reader.ListError / ParamError; nothing
    else is written. `data` is the upload's bytes or the path of the file."""
    t0 = time.perf_counter()
    store.ensure_schema(conn)
    sha = _sha256(data)
    params = {"file": filename, "input_sha256": sha, "returns": settings.returns, "as_of": settings.as_of,
              "engine": ENGINE_VERSION, "purpose": purpose}
    job_id = conn.execute(
        f"insert into {store.SCHEMA}.job (created_by, role, kind, name, input_sha256, settings, status, progress) "
        "values (%s, %s, 'compare', %s, %s, %s, 'running', '读取名单') returning job_id",
        (user, role, filename, sha, json.dumps(params, ensure_ascii=False))).fetchone()[0]
    try:
        month = settings.validate(conn)
        params["as_of"] = f"{month:%Y%m}"
        lst = _import(conn, job_id, filename, data)
    except (reader.ListError, ParamError) as e:
        msg = "; ".join(e.errors) if isinstance(e, reader.ListError) else str(e)
        conn.execute(f"update {store.SCHEMA}.job set status = 'failed', error = %s, finished_at = now(), progress = null, "
                     "settings = %s where job_id = %s", (msg, json.dumps(params, ensure_ascii=False), job_id))
        seq = _audit(conn, user=user, role=role, service=SERVICE, params={**params, "job_id": job_id},
                     fields=[], rows=0, ms=(time.perf_counter() - t0) * 1000, status="invalid")
        conn.execute(f"update {store.SCHEMA}.job set audit_seq = %s where job_id = %s", (seq, job_id))
        raise
    conn.execute(f"update {store.SCHEMA}.job set settings = %s, rows_in = %s where job_id = %s",
                 (json.dumps(params, ensure_ascii=False), lst.rows_in, job_id))
    _cache_input(job_id, data)
    return job_id, lst


def _import(conn, job_id: int, filename: str, data: Source) -> reader.UploadedList:
    """The list into job_input (row 1: the header), checked; all or nothing (one transaction)."""
    rd = reader.ListReader(filename, data, find_duplicates=False)
    with conn.transaction():
        with conn.cursor().copy(f"copy {store.SCHEMA}.job_input (job_id, row_no, cells, row_key) from stdin") as cp:
            for no, cells in rd.rows():
                key = "\x1f".join([c.strip() for c in cells]).encode("utf-8", "surrogatepass")
                cp.write_row((job_id, no, json.dumps(cells, ensure_ascii=False),
                              hashlib.blake2b(key, digest_size=16).digest()))
        conn.execute(f"insert into {store.SCHEMA}.job_input (job_id, row_no, cells) values (%s, 1, %s)",
                     (job_id, json.dumps(rd.header, ensure_ascii=False)))
        where = rd.where
        total, first = conn.execute(
            f"with d as (select row_no, min(row_no) over (partition by row_key) as first from {store.SCHEMA}.job_input "
            "where job_id = %s and row_no > 1) "
            "select (select count(*) from d where row_no > first), "
            "(select coalesce(array_agg(array[row_no, first] order by row_no), '{}') from "
            " (select row_no, first from d where row_no > first order by row_no limit %s) x)",
            (job_id, reader.MAX_ERRORS + 1)).fetchone()
        dups = [(no, f"{filename} {where} 第 {no} 行: 与第 {f} 行完全重复(请删除重复行)") for no, f in first]
        rd.check(dups, extra=total - len(dups))
    lst = rd.describe(None)
    lst.rows_in = rd.count
    return lst


def _progress(conn, job_id: int, text: str) -> None:
    conn.execute(f"update {store.SCHEMA}.job set progress = %s where job_id = %s", (text, job_id))


def _input_pages(conn, job_id: int, size: int = CHUNK):
    last = 1
    while True:
        page = conn.execute(f"select row_no, cells from {store.SCHEMA}.job_input where job_id = %s and row_no > %s "
                            "order by row_no limit %s", (job_id, last, size)).fetchall()
        if not page:
            return
        last = page[-1][0]
        yield [(no, json.loads(cells)) for no, cells in page]


_ROW_COPY = (f"copy {store.SCHEMA}.job_row (job_id, row_no, part, status, score, reason, match_key, cand_name, note, "
             "alternatives) from stdin")


def _row(job_id: int, row_no: int, part: str, m: engine.Match) -> tuple:
    return (job_id, row_no, part, m.status, m.score, m.reason, m.key, m.cand_name, m.note or None,
            json.dumps(m.alternatives, ensure_ascii=False) if m.alternatives else None)


def _match(conn, job_id: int, lst: reader.UploadedList) -> None:
    """Every row's person and unit match into job_row, CHUNK input rows at a time. The rows that need the name +
    birth-date comparison are parked in a temporary table and compared afterwards in birth-date order (each
    date's candidates read once, whatever the list's order)."""
    ref = store.DbReference(conn)
    dc = store.district_codes(conn)
    conn.execute("create temp table if not exists lm_pending (row_no int, name text, id_value text, bd date, "
                 "dist text, note text) on commit preserve rows")
    conn.execute("truncate lm_pending")
    done = 0
    total = getattr(lst, "rows_in", None) or "?"
    for page in _input_pages(conn, job_id):
        part = lst.with_rows([c for _, c in page])
        persons, pending = engine.persons_exact(part, ref, dc)
        units = engine.match_units(part, ref)
        parked = {i for i, _ in pending}
        with conn.cursor().copy(_ROW_COPY) as cp:
            for i, (no, _) in enumerate(page):
                if persons[i] is not None and i not in parked:
                    cp.write_row(_row(job_id, no, "person", persons[i]))
                if units[i] is not None:
                    cp.write_row(_row(job_id, no, "unit", units[i]))
        if pending:
            with conn.cursor().copy("copy lm_pending (row_no, name, id_value, bd, dist, note) from stdin") as cp:
                for i, (name, idr, bd, dist) in pending:
                    cp.write_row((page[i][0], name, idr.value, bd, dist, persons[i].note or None))
        done += len(page)
        _progress(conn, job_id, f"匹配({done:,} / {total:,} 行)" if isinstance(total, int) else f"匹配({done:,} 行)")
    n = conn.execute("select count(*) from lm_pending").fetchone()[0]
    if not n:
        return
    conn.execute("create index on lm_pending (bd, row_no)")
    _progress(conn, job_id, f"按姓名和出生日期比对({n:,} 行)")

    def parked_rows():
        last = (date.min, 0)
        while True:
            page = conn.execute("select row_no, name, id_value, bd, dist, note from lm_pending where (bd, row_no) > (%s, %s) "
                                "order by bd, row_no limit %s", (*last, CHUNK)).fetchall()
            if not page:
                return
            last = (page[-1][3], page[-1][0])
            for no, name, idv, bd, dist, note in page:
                m = engine.Match(note=note or "")
                m.row_no = no
                yield m, (name, nz.IdResult(idv or "", False, False, ""), bd, dist)

    def flush(batch):
        with conn.cursor().copy(_ROW_COPY) as cp:
            for m, _ in batch:
                cp.write_row(_row(job_id, m.row_no, "person", m))

    engine.persons_fuzzy(parked_rows(), ref, done=flush)


def execute(conn, job_id: int, lst: reader.UploadedList, *, user: str, role: str, out: str | Path | None = None) -> Path:
    """Match, record every row's result, render the workbook (into `out`, else a file under var/listmatch), audit;
    returns the workbook's path. A failure marks the job failed and removes its job_row rows: nothing half-done."""
    t0 = time.perf_counter()
    params = conn.execute(f"select settings from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()[0]
    out = Path(out) if out else _result_path(job_id)
    try:
        _progress(conn, job_id, f"匹配({lst.rows_in:,} 行)" if getattr(lst, "rows_in", None) else "匹配")
        _match(conn, job_id, lst)
        conn.execute(f"analyze {store.SCHEMA}.job_input, {store.SCHEMA}.job_row")     # the new job's rows, for the plans
        summary = summarise(conn, job_id)
        conn.execute(f"update {store.SCHEMA}.job set summary = %s where job_id = %s",
                     (json.dumps(summary, ensure_ascii=False), job_id))
        _progress(conn, job_id, "生成 XLSX")
        sha = render(conn, job_id, role, out=out)
    except Exception as e:
        conn.execute(f"delete from {store.SCHEMA}.job_row where job_id = %s", (job_id,))
        conn.execute(f"update {store.SCHEMA}.job set status = 'failed', error = %s, progress = null, finished_at = now(), "
                     "summary = null where job_id = %s", (f"内部错误: {type(e).__name__}", job_id))
        _audit(conn, user=user, role=role, service=SERVICE, params={**params, "job_id": job_id}, fields=[], rows=0,
               ms=(time.perf_counter() - t0) * 1000, status="error")
        raise
    n_ids, ids, digest = _confirmed_identifiers(conn, job_id)
    extra = {}
    if n_ids > AUDIT_IDENTIFIERS:        # a large list: the event names its digest; job_row keeps every row
        extra = {"matched_identifiers": n_ids, "matched_identifiers_sha256": digest}
    rows = conn.execute(f"select rows_in from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()[0]
    seq = _audit(conn, user=user, role=role, service=SERVICE, params={**params, **extra, "job_id": job_id},
                 fields=params["returns"], rows=rows or 0, ms=(time.perf_counter() - t0) * 1000, status="ok",
                 identifiers=ids)
    conn.execute(f"update {store.SCHEMA}.job set status = 'done', progress = null, finished_at = now(), "
                 "output_sha256 = %s, audit_seq = %s where job_id = %s", (sha, seq, job_id))
    return out


def _confirmed_identifiers(conn, job_id: int) -> tuple[int, list[str], str | None]:
    """(how many distinct identifiers were confirmed, them when at most AUDIT_IDENTIFIERS, else the SHA-256 of
    their sorted list) — computed in the database."""
    q = (f"select distinct match_key from {store.SCHEMA}.job_row where job_id = %s and status = '{CONFIRMED}' "
         "and match_key is not null")
    n = conn.execute(f"select count(*) from ({q}) x", (job_id,)).fetchone()[0]
    if n <= AUDIT_IDENTIFIERS:
        return n, [r[0] for r in conn.execute(q, (job_id,))], None     # hashed and sorted by the audit log
    digest = conn.execute(f"select encode(sha256(convert_to(string_agg(match_key, E'\\n' order by match_key collate \"C\"), "
                          f"'UTF8')), 'hex') from ({q}) x", (job_id,)).fetchone()[0]
    return n, [], digest


def run(conn, filename: str, data: Source, settings: Settings, *, user: str, role: str, purpose: str = "",
        output: list | None = None, out: str | Path | None = None) -> int:
    """prepare + execute in one call; returns the job id. The workbook goes to `out` (a path); its bytes are
    appended to `output` if given (small lists, the tests)."""
    job_id, lst = prepare(conn, filename, data, settings, user=user, role=role, purpose=purpose)
    path = execute(conn, job_id, lst, user=user, role=role, out=out)
    if output is not None:
        output.append(path.read_bytes())
    return job_id


def _result_path(job_id: int) -> Path:
    from foundation import settings as s

    return s.private_dir(s.VAR / "listmatch") / f"job_{job_id}.xlsx"


def _cache_input(job_id: int, data: Source) -> None:
    """The uploaded file, kept (0600 under var/listmatch): the job's input, as its SHA-256 says."""
    import shutil

    from foundation import settings as s

    d = s.private_dir(s.VAR / "listmatch")
    p = d / f"job_{job_id}.input"
    if isinstance(data, (bytes, bytearray)):
        p.write_bytes(data)
    else:
        shutil.copyfile(data, p)
    p.chmod(0o600)


def load_input(conn, job_id: int) -> reader.UploadedList:
    """The job's list as described by its header (rows not loaded: `input_rows`). A job from before job_input
    existed is imported from its cached upload first (checked against its SHA-256)."""
    from foundation import settings as s

    name, sha = conn.execute(f"select name, input_sha256 from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()
    head = conn.execute(f"select cells from {store.SCHEMA}.job_input where job_id = %s and row_no = 1", (job_id,)).fetchone()
    if head is None:
        path = s.VAR / "listmatch" / f"job_{job_id}.input"
        if _sha256(path) != sha:
            raise RuntimeError(f"任务 {job_id} 的上传文件已被改动(SHA-256 不符)")
        _import(conn, job_id, name, path)
        head = conn.execute(f"select cells from {store.SCHEMA}.job_input where job_id = %s and row_no = 1", (job_id,)).fetchone()
    header = json.loads(head[0])
    cols, kinds = reader.header_columns(header)
    return reader.UploadedList(name, "", header, None, cols, "", kinds)


def input_rows(conn, job_id: int, row_nos: list[int]) -> dict[int, list[str]]:
    """row number → the uploaded cells, for the rows asked."""
    return {r: json.loads(c) for r, c in conn.execute(
        f"select row_no, cells from {store.SCHEMA}.job_input where job_id = %s and row_no = any(%s)", (job_id, row_nos))}


def summarise(conn, job_id: int) -> dict:
    out: dict = {}
    for part, status, reason, n in conn.execute(
            f"select r.part, coalesce(case v.decision when 'accept' then '{CONFIRMED}' when 'reject' then '{UNMATCHED}' end, "
            f"r.status), r.reason, count(*) from {store.SCHEMA}.job_row r left join {store.SCHEMA}.review v using (job_id, row_no, part) "
            "where r.job_id = %s group by 1, 2, 3 order by 1, 2, 3", (job_id,)):
        p = out.setdefault(part, {"total": 0, CONFIRMED: 0, REVIEW: 0, UNMATCHED: 0, "reasons": {}})
        p["total"] += n
        p[status] += n
        p["reasons"][reason] = p["reasons"].get(reason, 0) + n
    return out


def _final(status, score, reason, key, name, note, alts, decision, chosen, by, at) -> tuple:
    """A row's result with its review decision applied."""
    if decision == "accept":
        key = chosen or key
        name = next((a[1] for a in (alts or []) if a[0] == key), name)
        status = CONFIRMED
    elif decision == "reject":
        status, key, name = UNMATCHED, None, None
    return (status, float(score), reason, key, name, note, decision, by, at, alts)


def final_matches(conn, job_id: int, alternatives: bool = True) -> dict[tuple[int, str], tuple]:
    """(row_no, part) → (final status, score, reason, key, name, note, decision, decided_by, decided_at, alternatives);
    without `alternatives` only the reviewed rows' candidates are read. Holds every row: for pages and tests —
    the workbook is rendered page by page (render)."""
    out = {}
    alt_sql = "r.alternatives" if alternatives else "case when v.decision is not null then r.alternatives end"
    for (row_no, part, status, score, reason, key, name, note, alts, decision, chosen, by, at) in conn.execute(
            f"select r.row_no, r.part, r.status, r.score, r.reason, r.match_key, r.cand_name, r.note, {alt_sql}, "
            f"v.decision, v.chosen_key, v.decided_by, v.decided_at from {store.SCHEMA}.job_row r "
            f"left join {store.SCHEMA}.review v using (job_id, row_no, part) where r.job_id = %s", (job_id,)):
        out[(row_no, part)] = _final(status, score, reason, key, name, note, alts, decision, chosen, by, at)
    return out


def _page_sql(parts: list[str]) -> str:
    """One page of the upload with each part's result and review. LATERAL lookups: each row's result is read by its
    full key (job, row, part) whatever the planner believes about the job's size — a fresh job has no statistics, and
    a plain join was planned as a loop over all the job's rows for every input row."""
    cols, joins = ["i.row_no", "i.cells"], []
    for p in parts:
        a = f"r_{p}"
        cols += [f"{a}.status", f"{a}.score", f"{a}.reason", f"{a}.match_key", f"{a}.cand_name", f"{a}.note",
                 f"{a}.alts", f"{a}.decision", f"{a}.chosen_key", f"{a}.decided_by", f"{a}.decided_at"]
        joins.append(
            f"left join lateral (select r.status, r.score, r.reason, r.match_key, r.cand_name, r.note, "
            f"case when v.decision is not null then r.alternatives end as alts, v.decision, v.chosen_key, v.decided_by, "
            f"v.decided_at from {store.SCHEMA}.job_row r left join {store.SCHEMA}.review v on v.job_id = r.job_id "
            f"and v.row_no = r.row_no and v.part = r.part where r.job_id = i.job_id and r.row_no = i.row_no "
            f"and r.part = '{p}' limit 1) {a} on true")            # limit: not flattened into a join
    return (f"select {', '.join(cols)} from {store.SCHEMA}.job_input i {' '.join(joins)} "
            "where i.job_id = %s and i.row_no > %s order by i.row_no limit %s")


def render(conn, job_id: int, role: str, lst: reader.UploadedList | None = None, out: str | Path | None = None):
    """The result workbook: 比对结果 (the upload in its order + result columns) and 汇总. Rendered CHUNK rows at a
    time from job_input ⋈ job_row ⋈ review (the returned fields read for each page's confirmed identifiers), the
    sheet spooled to disk: memory does not grow with the list. Into `out` (returns the SHA-256), else returns
    the workbook's bytes."""
    lst = lst or load_input(conn, job_id)
    settings = conn.execute(f"select settings, created_by, created_at, input_sha256, rows_in from {store.SCHEMA}.job "
                            "where job_id = %s", (job_id,)).fetchone()
    params, created_by, created_at, sha, rows_in = settings
    month = date(int(params["as_of"][:4]), int(params["as_of"][4:]), 1)
    returns = params["returns"]
    parts = [p for p in ("person", "unit") if p in lst.kinds]
    label = {"person": "人员", "unit": "单位"}
    id_cols = {lst.columns.get("id_number"), lst.columns.get("credit_code")} - {None}
    head = list(lst.header)
    ret = {p: [x for x in returns if store.RETURNS[x][1] == p] for p in ("person", "unit")}
    for p in parts:
        head += [f"{label[p]}匹配状态", f"{label[p]}匹配得分", f"{label[p]}原因代码", f"{label[p]}原因说明",
                 f"匹配{'身份证号' if p == 'person' else '统一社会信用代码'}", f"匹配{'姓名' if p == 'person' else '单位名称'}",
                 f"{label[p]}复核结论"]
        head += [store.RETURNS[f][0] for f in ret[p]]
    ws = xlsxfast.Sheet("比对结果", [12] * len(lst.header) + [12, 9, 8, 40, 20, 20, 24] * len(parts) + [18] * len(returns))
    ws.header(head)
    sql = _page_sql(parts)
    last, n_rows = 1, 0
    while True:
        page = conn.execute(sql, (job_id, last, CHUNK)).fetchall()
        if not page:
            break
        last = page[-1][0]
        n_rows += len(page)
        finals = []
        for rec in page:
            fs = {}
            for k, p in enumerate(parts):
                f = rec[2 + 11 * k: 13 + 11 * k]
                fs[p] = _final(*f) if f[0] is not None else None
            finals.append(fs)
        keys = {p: [fs[p][3] for fs in finals if fs[p] and fs[p][0] == CONFIRMED and fs[p][3]] for p in parts}
        values = store.fetch_returns(conn, keys, returns, month) if returns else {}
        for rec, fs in zip(page, finals):
            row = [mask(v, role) if ci in id_cols else v for ci, v in enumerate(json.loads(rec[1]))]
            for p in parts:
                f = fs[p]
                if f is None:
                    row += ["", "", "", "", "", "", ""] + ["" for _ in ret[p]]
                    continue
                status, score, reason, key, name, note, decision, by, at, _ = f
                why = REASONS[reason][1] + (f"({note})" if note else "")
                review = "" if not decision else f"{'接受' if decision == 'accept' else '拒绝'}({by} {at:%Y-%m-%d %H:%M})"
                row += [status, score, reason, why, mask(key, role) if status != UNMATCHED else "",
                        name if status != UNMATCHED else "", review]
                row += [(values.get(x, {}).get(key, "无") if status == CONFIRMED else "") for x in ret[p]]
            ws.append(row)
    s = xlsxfast.Sheet("汇总", [22, 70, 50])
    summary = summarise(conn, job_id)
    s.header(["名单比对汇总", ""])
    for k, v in (("任务编号", job_id), ("文件", lst.filename), ("输入文件 SHA-256", sha), ("截止月份", params["as_of"]),
                 ("返回字段", "、".join(store.RETURNS[f][0] for f in returns)), ("比对人", created_by),
                 ("比对时间", f"{created_at:%Y-%m-%d %H:%M:%S}"), ("引擎版本", params["engine"]),
                 ("数据行数", rows_in if rows_in is not None else n_rows),
                 ("身份标识", "明文" if role in PII_ROLES else "已脱敏(保留前6位和后4位)")):
        s.append([k, v])
    for p in parts:
        d = summary.get(p, {"total": 0, "reasons": {}})
        s.append([])
        s.header([f"{label[p]}比对", "行数", "占比"])
        for st in (CONFIRMED, REVIEW, UNMATCHED):
            n = d.get(st, 0)
            s.append([st, n, f"{n / d['total']:.1%}" if d["total"] else "—"])
        s.header(["原因代码", "行数", "说明"])
        for code, n in sorted(d["reasons"].items()):
            s.append([code, n, REASONS[code][1]])
    if out is None:
        return xlsxfast.workbook([ws, s])
    xlsxfast.workbook([ws, s], out=out)
    return _sha256(out)


def review(conn, job_id: int, row_no: int, part: str, decision: str, user: str, chosen_key: str | None = None) -> None:
    if decision not in ("accept", "reject"):
        raise ParamError("复核结论须为 accept(接受候选) 或 reject(拒绝)")
    row = conn.execute(f"select status, match_key, alternatives from {store.SCHEMA}.job_row where job_id = %s and row_no = %s "
                       "and part = %s", (job_id, row_no, part)).fetchone()
    if row is None:
        raise ParamError(f"任务 {job_id} 没有第 {row_no} 行({part})")
    if row[0] != REVIEW:
        raise ParamError(f"第 {row_no} 行不在待复核范围(状态: {row[0]})")
    allowed = {row[1]} | {a[0] for a in (row[2] or [])}
    if decision == "accept" and chosen_key and chosen_key not in allowed:
        raise ParamError("所选候选不在该行的候选列表中")
    conn.execute(f"insert into {store.SCHEMA}.review (job_id, row_no, part, decision, chosen_key, decided_by) "
                 "values (%s, %s, %s, %s, %s, %s) on conflict (job_id, row_no, part) do update set decision = excluded.decision, "
                 "chosen_key = excluded.chosen_key, decided_by = excluded.decided_by, decided_at = now()",
                 (job_id, row_no, part, decision, chosen_key if decision == "accept" else None, user))


def download(conn, job_id: int, user: str, role: str, out: str | Path | None = None):
    """The result as it stands (reviews applied), audited; the job keeps the latest output's SHA-256. Into `out`
    (a path; returns it), else the workbook's bytes."""
    t0 = time.perf_counter()
    if out is None:
        data = render(conn, job_id, role)
        sha = hashlib.sha256(data).hexdigest()
    else:
        sha = render(conn, job_id, role, out=out)
    params, rows = conn.execute(f"select settings, rows_in from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()
    _audit(conn, user=user, role=role, service=SERVICE + "-结果下载",
           params={"job_id": job_id, "output_sha256": sha, "input_sha256": params.get("input_sha256")},
           fields=params["returns"], rows=rows or 0, ms=(time.perf_counter() - t0) * 1000, status="ok")
    conn.execute(f"update {store.SCHEMA}.job set output_sha256 = %s where job_id = %s", (sha, job_id))
    return data if out is None else Path(out)
