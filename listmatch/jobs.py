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

from listmatch import engine, reader, store, xlsxfast
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


def prepare(conn, filename: str, data: bytes, settings: Settings, *, user: str, role: str,
            purpose: str = "") -> tuple[int, reader.UploadedList]:
    """Record the job, read and check the list and the parameters. A refused list or parameter is recorded
    (job 'failed', audit 'invalid') and raised as reader.ListError / ParamError; nothing else is written."""
    t0 = time.perf_counter()
    store.ensure_schema(conn)
    sha = hashlib.sha256(data).hexdigest()
    params = {"file": filename, "input_sha256": sha, "returns": settings.returns, "as_of": settings.as_of,
              "engine": ENGINE_VERSION, "purpose": purpose}
    job_id = conn.execute(
        f"insert into {store.SCHEMA}.job (created_by, role, kind, name, input_sha256, settings, status, progress) "
        "values (%s, %s, 'compare', %s, %s, %s, 'running', '读取名单') returning job_id",
        (user, role, filename, sha, json.dumps(params, ensure_ascii=False))).fetchone()[0]
    try:
        month = settings.validate(conn)
        params["as_of"] = f"{month:%Y%m}"
        lst = reader.read(filename, data)
    except (reader.ListError, ParamError) as e:
        msg = "; ".join(e.errors) if isinstance(e, reader.ListError) else str(e)
        conn.execute(f"update {store.SCHEMA}.job set status = 'failed', error = %s, finished_at = now(), progress = null, "
                     "settings = %s where job_id = %s", (msg, json.dumps(params, ensure_ascii=False), job_id))
        seq = _audit(conn, user=user, role=role, service=SERVICE, params={**params, "job_id": job_id},
                     fields=[], rows=0, ms=(time.perf_counter() - t0) * 1000, status="invalid")
        conn.execute(f"update {store.SCHEMA}.job set audit_seq = %s where job_id = %s", (seq, job_id))
        raise
    conn.execute(f"update {store.SCHEMA}.job set settings = %s, rows_in = %s where job_id = %s",
                 (json.dumps(params, ensure_ascii=False), len(lst.rows), job_id))
    _cache_input(job_id, data)
    return job_id, lst


def _progress(conn, job_id: int, text: str) -> None:
    conn.execute(f"update {store.SCHEMA}.job set progress = %s where job_id = %s", (text, job_id))


def execute(conn, job_id: int, lst: reader.UploadedList, *, user: str, role: str) -> bytes:
    """Match, record every row's result, render the workbook, audit; returns the workbook. A failure marks the job
    failed (its job_row rows are rolled back with it: nothing half-done)."""
    t0 = time.perf_counter()
    params = conn.execute(f"select settings from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()[0]
    try:
        ref = store.DbReference(conn)
        _progress(conn, job_id, f"匹配人员({len(lst.rows):,} 行)")
        persons = engine.match_persons(lst, ref, store.district_codes(conn))
        _progress(conn, job_id, "匹配单位")
        units = engine.match_units(lst, ref)
        _progress(conn, job_id, "保存结果并生成 XLSX")
        with conn.transaction():
            with conn.cursor().copy(f"copy {store.SCHEMA}.job_row (job_id, row_no, part, status, score, reason, "
                                    "match_key, cand_name, note, alternatives) from stdin") as cp:
                for i in range(len(lst.rows)):
                    for part, m in (("person", persons[i]), ("unit", units[i])):
                        if m is not None:
                            cp.write_row((job_id, i + 2, part, m.status, m.score, m.reason, m.key, m.cand_name,
                                          m.note or None, json.dumps(m.alternatives, ensure_ascii=False)
                                          if m.alternatives else None))
            summary = summarise(conn, job_id)
            conn.execute(f"update {store.SCHEMA}.job set summary = %s where job_id = %s",
                         (json.dumps(summary, ensure_ascii=False), job_id))
        out = render(conn, job_id, role, lst=lst)
    except Exception as e:
        conn.execute(f"update {store.SCHEMA}.job set status = 'failed', error = %s, progress = null, finished_at = now() "
                     "where job_id = %s", (f"内部错误: {type(e).__name__}", job_id))
        _audit(conn, user=user, role=role, service=SERVICE, params={**params, "job_id": job_id}, fields=[], rows=0,
               ms=(time.perf_counter() - t0) * 1000, status="error")
        raise
    ids = sorted({m.key for m in persons + units if m is not None and m.key and m.status == CONFIRMED})
    extra = {}
    if len(ids) > AUDIT_IDENTIFIERS:        # a large list: the event names its digest; job_row keeps every row
        extra = {"matched_identifiers": len(ids),
                 "matched_identifiers_sha256": hashlib.sha256("\n".join(ids).encode()).hexdigest()}
    seq = _audit(conn, user=user, role=role, service=SERVICE, params={**params, **extra, "job_id": job_id},
                 fields=params["returns"], rows=len(lst.rows), ms=(time.perf_counter() - t0) * 1000, status="ok",
                 identifiers=ids if len(ids) <= AUDIT_IDENTIFIERS else ())
    conn.execute(f"update {store.SCHEMA}.job set status = 'done', progress = null, finished_at = now(), "
                 "output_sha256 = %s, audit_seq = %s where job_id = %s", (hashlib.sha256(out).hexdigest(), seq, job_id))
    return out


def run(conn, filename: str, data: bytes, settings: Settings, *, user: str, role: str, purpose: str = "",
        output: list | None = None) -> int:
    """prepare + execute in one call; returns the job id (the workbook's bytes appended to `output` if given)."""
    job_id, lst = prepare(conn, filename, data, settings, user=user, role=role, purpose=purpose)
    out = execute(conn, job_id, lst, user=user, role=role)
    if output is not None:
        output.append(out)
    return job_id


def _cache_input(job_id: int, data: bytes) -> None:
    """The uploaded file, kept (0600 under var/listmatch) so the result can be re-rendered after review."""
    from foundation import settings as s

    d = s.private_dir(s.VAR / "listmatch")
    p = d / f"job_{job_id}.input"
    p.write_bytes(data)
    p.chmod(0o600)


def load_input(conn, job_id: int) -> reader.UploadedList:
    from foundation import settings as s

    name, sha = conn.execute(f"select name, input_sha256 from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()
    data = (s.VAR / "listmatch" / f"job_{job_id}.input").read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise RuntimeError(f"任务 {job_id} 的上传文件已被改动(SHA-256 不符)")
    return reader.read(name, data)


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


def final_matches(conn, job_id: int, alternatives: bool = True) -> dict[tuple[int, str], tuple]:
    """(row_no, part) → (final status, score, reason, key, name, note, decision, decided_by, decided_at, alternatives);
    without `alternatives` only the reviewed rows' candidates are read (the workbook needs no others)."""
    out = {}
    alt_sql = "r.alternatives" if alternatives else "case when v.decision is not null then r.alternatives end"
    for (row_no, part, status, score, reason, key, name, note, alts, decision, chosen, by, at) in conn.execute(
            f"select r.row_no, r.part, r.status, r.score, r.reason, r.match_key, r.cand_name, r.note, {alt_sql}, "
            f"v.decision, v.chosen_key, v.decided_by, v.decided_at from {store.SCHEMA}.job_row r "
            f"left join {store.SCHEMA}.review v using (job_id, row_no, part) where r.job_id = %s", (job_id,)):
        if decision == "accept":
            key = chosen or key
            name = next((a[1] for a in (alts or []) if a[0] == key), name)
            status = CONFIRMED
        elif decision == "reject":
            status, key, name = UNMATCHED, None, None
        out[(row_no, part)] = (status, float(score), reason, key, name, note, decision, by, at, alts)
    return out


def render(conn, job_id: int, role: str, lst: reader.UploadedList | None = None) -> bytes:
    """The result workbook: 比对结果 (the upload in its order + result columns) and 汇总."""
    lst = lst or load_input(conn, job_id)
    settings = conn.execute(f"select settings, created_by, created_at, input_sha256 from {store.SCHEMA}.job "
                            "where job_id = %s", (job_id,)).fetchone()
    params, created_by, created_at, sha = settings
    month = date(int(params["as_of"][:4]), int(params["as_of"][4:]), 1)
    returns = params["returns"]
    final = final_matches(conn, job_id, alternatives=False)
    keys = {"person": [v[3] for (r, p), v in final.items() if p == "person" and v[0] == CONFIRMED and v[3]],
            "unit": [v[3] for (r, p), v in final.items() if p == "unit" and v[0] == CONFIRMED and v[3]]}
    values = store.fetch_returns(conn, keys, returns, month)
    parts = [p for p in ("person", "unit") if (p == "person" and "person" in lst.kinds) or (p == "unit" and "unit" in lst.kinds)]
    label = {"person": "人员", "unit": "单位"}
    id_cols = {lst.columns.get("id_number"), lst.columns.get("credit_code")} - {None}
    head = list(lst.header)
    for p in parts:
        head += [f"{label[p]}匹配状态", f"{label[p]}匹配得分", f"{label[p]}原因代码", f"{label[p]}原因说明",
                 f"匹配{'身份证号' if p == 'person' else '统一社会信用代码'}", f"匹配{'姓名' if p == 'person' else '单位名称'}",
                 f"{label[p]}复核结论"]
        head += [store.RETURNS[f][0] for f in returns if store.RETURNS[f][1] == p]
    ws = xlsxfast.Sheet("比对结果", [12] * len(lst.header) + [12, 9, 8, 40, 20, 20, 24] * len(parts) + [18] * len(returns))
    ws.header(head)
    for i, r in enumerate(lst.rows):
        row = [mask(v, role) if ci in id_cols else v for ci, v in enumerate(r)]
        for p in parts:
            f = final.get((i + 2, p))
            if f is None:
                row += ["", "", "", "", "", "", ""] + ["" for x in returns if store.RETURNS[x][1] == p]
                continue
            status, score, reason, key, name, note, decision, by, at, _ = f
            why = REASONS[reason][1] + (f"({note})" if note else "")
            review = "" if not decision else f"{'接受' if decision == 'accept' else '拒绝'}({by} {at:%Y-%m-%d %H:%M})"
            row += [status, score, reason, why, mask(key, role) if status != UNMATCHED else "",
                    name if status != UNMATCHED else "", review]
            row += [(values.get(x, {}).get(key, "无") if status == CONFIRMED else "")
                    for x in returns if store.RETURNS[x][1] == p]
        ws.append(row)
    s = xlsxfast.Sheet("汇总", [22, 70, 50])
    summary = summarise(conn, job_id)
    s.header(["名单比对汇总", ""])
    for k, v in (("任务编号", job_id), ("文件", lst.filename), ("输入文件 SHA-256", sha), ("截止月份", params["as_of"]),
                 ("返回字段", "、".join(store.RETURNS[f][0] for f in returns)), ("比对人", created_by),
                 ("比对时间", f"{created_at:%Y-%m-%d %H:%M:%S}"), ("引擎版本", params["engine"]),
                 ("数据行数", len(lst.rows)), ("身份标识", "明文" if role in PII_ROLES else "已脱敏(保留前6位和后4位)")):
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
    return xlsxfast.workbook([ws, s])


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


def download(conn, job_id: int, user: str, role: str) -> bytes:
    """The result as it stands (reviews applied), audited; the job keeps the latest output's SHA-256."""
    t0 = time.perf_counter()
    out = render(conn, job_id, role)
    sha = hashlib.sha256(out).hexdigest()
    params, rows = conn.execute(f"select settings, rows_in from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()
    _audit(conn, user=user, role=role, service=SERVICE + "-结果下载",
           params={"job_id": job_id, "output_sha256": sha, "input_sha256": params.get("input_sha256")},
           fields=params["returns"], rows=rows or 0, ms=(time.perf_counter() - t0) * 1000, status="ok")
    conn.execute(f"update {store.SCHEMA}.job set output_sha256 = %s where job_id = %s", (sha, job_id))
    return out
