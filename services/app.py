"""数据接口服务: one FastAPI application serving every service of the catalogue (services/catalogue/services/).

    GET  /api/v1/services                      the catalogue (no data; no key needed)
    GET  /api/v1/services/{code}?param=…       one call (key in header X-API-Key); list parameters comma-separated
    POST /api/v1/services/{code}               the same with a JSON body {"param": …, "fields": [...]}
    POST /api/v1/services/{code}/jobs          an async batch query (JSON body; the batch parameter up to
                                               limits.batch_max_items values) → job id
    GET  /api/v1/jobs/{job_id}                 its status;  GET /api/v1/jobs/{job_id}/result?format=csv|xlsx
    GET  /health                               ok when the database answers

Every call — answered, refused, invalid, failed — is appended to the hash-chained audit log (services.audit).
Answers: 401 no / unknown / revoked key; 403 outside the approved sharing request (service, fields, expiry) with
the reason; 422 a parameter that breaks its rule (named); 429 over the key's rate; 503 the data is not
available. Never a traceback.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import inspect
import io
import logging
import os
import threading
import time
import uuid
from collections import Counter
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import APIKeyHeader
from starlette.exceptions import HTTPException as StarletteHTTPException

from foundation import openapi_docs, settings

from . import alerts, audit, engine, store
from .catalogue import Service, catalogue
from .params import ParamError, identifiers_of, validate


class _NoQueryStrings(logging.Filter):
    """uvicorn's access log keeps method, path and status, never the query string (it holds ID numbers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            record.args = (*record.args[:2], record.args[2].split("?", 1)[0], *record.args[3:])
        return True


logging.getLogger("uvicorn.access").addFilter(_NoQueryStrings())
KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="接口密钥(签发: python -m cli services key issue)")
RESERVED = ("fields", "page", "page_size", "format")
ALERT_EVERY = int(os.environ.get("SERVICES_ALERT_EVERY", "20"))
POOL = engine.Pool(int(os.environ.get("SERVICES_POOL_SIZE", "8")))
_calls_per_key: Counter = Counter()


def jobs_dir() -> Path:
    return settings.private_dir(settings.get().var / "services" / "jobs")


class Refusal(Exception):
    def __init__(self, http: int, status: str, reason: str, code: str, extra: dict | None = None):
        self.http, self.status, self.reason, self.code, self.extra = http, status, reason, code, extra or {}


PREWARM = int(os.environ.get("SERVICES_PREWARM", "2"))


@asynccontextmanager
async def _lifespan(_: FastAPI):
    """Each worker opens PREWARM connections before it takes a request (a connection costs ~30 ms to set up:
    without this the first callers after a start pay it) and reads the audit salt once."""
    from starlette.concurrency import run_in_threadpool

    def warm():
        try:
            conns = [POOL.get() for _ in range(min(PREWARM, POOL.size))]
        except engine.Unavailable:
            return                       # the database is not up yet: the calls will say so (503)
        for c in conns:
            POOL.put(c, True)
        audit.hash_identifier("0")

    await run_in_threadpool(warm)
    yield


app = FastAPI(title="数据接口服务 (北京市人力社保数据资源管理)", version="1",
              description="局内、局外数据接口服务：每个密钥绑定一个已批准的共享申请(服务、字段、用途、期限)；"
                          "每次调用记入哈希链审计日志。", docs_url=None, redoc_url=None, lifespan=_lifespan)
openapi_docs.mount(app)


@app.exception_handler(RequestValidationError)
def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body"))
    return JSONResponse({"error": "invalid_parameter", "parameter": where or "(request)",
                         "rule": first.get("type", "invalid"), "message": first.get("msg", "invalid request")}, 422)


@app.exception_handler(StarletteHTTPException)
def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse({"error": "http_error", "message": str(exc.detail)}, exc.status_code)


@app.exception_handler(engine.Unavailable)
def _unavailable(_: Request, exc: engine.Unavailable) -> JSONResponse:
    return JSONResponse({"error": "unavailable", "reason": "服务繁忙或数据库不可用，请稍后重试"}, 503,
                        headers={"Retry-After": "5"})


@app.exception_handler(Exception)
def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    print(f"[services] unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", flush=True)
    return JSONResponse({"error": "internal_error", "message": "服务内部错误，已记录"}, 500)


@app.get("/health", include_in_schema=False)
def health():
    conn = POOL.get()
    ok = False
    try:
        conn.execute("select 1")
        ok = True
    except Exception:
        return JSONResponse({"ok": False}, 503)
    finally:
        POOL.put(conn, ok)
    return {"ok": True}


@app.get("/api/v1/services", tags=["目录"], summary="服务目录")
def list_services():
    services, _ = catalogue()
    return [{"code": s.code, "name": s.name, "category": s.category, "scope": s.scope, "mode": s.mode,
             "description": s.description, "async_batch": bool(s.batch_parameter),
             "parameters": [p.model_dump(exclude_none=True) for p in s.parameters]
             + ([{"name": "page", "type": "int"}, {"name": "page_size", "type": "int", "max": s.limits.page_size}]
                if s.limits.page_size else []),
             "fields": [f.model_dump(exclude_none=True) for f in s.fields],
             "limits": s.limits.model_dump()} for s in services.values()]


# ------------------------------------------------------------------------------------------------ one call
def _authorise(conn, service: Service, token: str | None) -> dict:
    if not token:
        raise Refusal(401, "refused", "缺少接口密钥(请求头 X-API-Key)", "missing_key")
    key = store.lookup_key(conn, token)
    if key is None:
        raise Refusal(401, "refused", "接口密钥无效", "invalid_key")
    if key["revoked_at"] is not None:
        raise Refusal(401, "refused", f"接口密钥已于 {key['revoked_at']:%Y-%m-%d %H:%M} 吊销"
                      f"({key['revoked_reason'] or '无原因'})", "revoked_key", {"key": key})
    if key["request_status"] != "approved":
        raise Refusal(403, "refused", f"共享申请 {key['request_id']} 已撤回", "request_withdrawn", {"key": key})
    if key["expires_on"] < dt.date.today():
        raise Refusal(403, "refused", f"共享申请 {key['request_id']} 已于 {key['expires_on']} 到期", "request_expired",
                      {"key": key})
    if service.code not in key["services"]:
        raise Refusal(403, "refused", f"服务“{service.name}”不在共享申请 {key['request_id']} 批准的范围内",
                      "service_not_approved", {"key": key})
    return key


def _rate_limit(conn, service: Service, key: dict) -> None:
    limit = key["rate_per_minute"] or service.limits.rate_per_minute
    calls = conn.execute(
        f"insert into {store.SCHEMA}.rate_window (key_id, minute, calls) values (%s, date_trunc('minute', now()), 1) "
        "on conflict (key_id, minute) do update set calls = rate_window.calls + 1 returning calls",
        (key["key_id"],)).fetchone()[0]
    if calls > limit:
        raise Refusal(429, "rate_limited", f"超过该密钥的调用频率限制(每分钟 {limit} 次)", "rate_limited",
                      {"key": key, "retry_after": 60 - dt.datetime.now().second})


def _fields(service: Service, key: dict, requested) -> list[str]:
    approved = (key["fields"] or {}).get(service.code) or []
    order = [f.name for f in service.fields]
    if requested:
        if isinstance(requested, str):
            requested = [f for f in requested.replace("，", ",").split(",") if f.strip()]
        requested = [str(f).strip() for f in requested]
        unknown = [f for f in requested if f not in order]
        if unknown:
            raise ParamError("fields", "fields.unknown", f"本服务没有字段 {', '.join(unknown)}")
        outside = [f for f in requested if f not in approved]
        if outside:
            raise Refusal(403, "refused", f"字段 {', '.join(outside)} 不在共享申请 {key['request_id']} 批准的字段内",
                          "field_not_approved", {"key": key})
        return [f for f in order if f in requested]
    fields = [f for f in order if f in approved]
    if not fields:
        raise Refusal(403, "refused", "共享申请未批准本服务的任何字段", "field_not_approved", {"key": key})
    return fields


def call(service: Service, raw: dict, token: str | None) -> JSONResponse:
    t0 = time.perf_counter()
    conn = POOL.get()
    ok_conn = False
    key: dict | None = None
    audit_params = {k: v for k, v in raw.items() if k not in ("fields", "format")}
    try:
        try:
            key = _authorise(conn, service, token)
            _rate_limit(conn, service, key)
            requested = raw.get("fields")
            fmt = str(raw.get("format") or "json").lower()
            if fmt not in ("json", "csv", "xlsx"):
                raise ParamError("format", "format.enum", "format 应为 json、csv 或 xlsx")
            values = validate(service, {k: v for k, v in raw.items() if k not in ("fields", "format")})
            fields = _fields(service, key, requested)
            rows, more = engine.run(conn, service, fields, values)
            data = engine.shape(service, fields, rows, key["caller_role"])
            ids = identifiers_of(service, values)
            ms = (time.perf_counter() - t0) * 1000
            event = audit.append_event(conn, caller=key["caller"], key_id=key["key_id"], service=service.name,
                                       purpose=key["purpose"], params=_auditable(values), fields=fields,
                                       row_count=len(data), latency_ms=ms, status="ok", identifiers=ids)
            _maybe_alert(conn, key, force=len(ids) > 1)
            body = {"service": service.name, "code": service.code, "caller": key["caller"],
                    "request_id": key["request_id"], "purpose": key["purpose"], "masking": service.mask_mode(
                        key["caller_role"]), "fields": [{"name": f, "label": _label(service, f)} for f in fields],
                    "count": len(data), "more": more, "rows": data, "audit_event": event}
            if service.limits.page_size:
                body.update(page=values["page"], page_size=values["page_size"])
            ok_conn = True
            if fmt != "json":
                return _table_file(service, fields, data, fmt, key)
            return JSONResponse(body)
        except Refusal as r:
            key = r.extra.get("key", key)
            _audit_refusal(conn, service, key, audit_params, r.status, t0)
            ok_conn = True
            headers = {"Retry-After": str(r.extra["retry_after"])} if "retry_after" in r.extra else None
            return JSONResponse({"error": r.code, "reason": r.reason}, r.http, headers=headers)
        except ParamError as e:
            _audit_refusal(conn, service, key, audit_params, "invalid", t0)
            ok_conn = True
            return JSONResponse({"error": "invalid_parameter", **e.as_dict()}, 422)
        except engine.Unavailable:
            _audit_refusal(conn, service, key, audit_params, "error", t0)
            ok_conn = not conn.broken
            return JSONResponse({"error": "unavailable", "reason": "数据暂不可用(专题库未构建或数据库繁忙)，请稍后重试"}, 503)
    finally:
        POOL.put(conn, ok_conn)


def _table_file(service: Service, fields: list[str], data: list[dict], fmt: str, key: dict) -> Response:
    """The answer as a file people read: Chinese headers, the service, caller, purpose and time on top (XLSX)."""
    labels = [_label(service, f) for f in fields]
    stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    name = quote(f"{service.name}_{stamp}.{fmt}")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(labels)
        w.writerows([["" if r[f] is None else r[f] for f in fields] for r in data])
        return Response(("\ufeff" + buf.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "查询结果"
    ws.append([service.name])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"调用方：{key['caller']}　共享申请：{key['request_id']}　用途：{key['purpose']}"])
    ws.append([f"查询时间：{dt.datetime.now():%Y-%m-%d %H:%M:%S}　共 {len(data)} 行"])
    ws.append([])
    ws.append(labels)
    for c in ws[5]:
        c.font = Font(bold=True)
    for r in data:
        ws.append([r[f] for f in fields])
    for i, lab in enumerate(labels, 1):
        ws.column_dimensions[ws.cell(5, i).column_letter].width = max(10, min(40, len(lab) * 2 + 2))
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


def _label(service: Service, name: str) -> str:
    return next(f.label for f in service.fields if f.name == name)


def _auditable(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items() if v is not None}


def _audit_refusal(conn, service, key, params, status, t0) -> None:
    try:
        audit.append_event(conn, caller=(key or {}).get("caller", "(未识别)"), key_id=(key or {}).get("key_id"),
                           service=service.name, purpose=(key or {}).get("purpose"),
                           params={k: v for k, v in params.items() if isinstance(v, (str, int, float, list))},
                           fields=[], row_count=0, latency_ms=(time.perf_counter() - t0) * 1000, status=status,
                           identifiers=[v for v in _flat(params) if audit.looks_like_identifier(v)])
    except Exception as exc:       # the refusal is still answered; the failure to audit is logged loudly
        print(f"[services] AUDIT FAILED for a refused call: {type(exc).__name__}", flush=True)


def _flat(params: dict) -> list:
    out = []
    for v in params.values():
        if isinstance(v, list):
            out.extend(str(x) for x in v)
        elif isinstance(v, str):
            out.extend(x for x in v.replace("，", ",").split(",") if x)
    return out


def _maybe_alert(conn, key: dict, force: bool = False) -> None:
    _calls_per_key[key["key_id"]] += 1
    if force or _calls_per_key[key["key_id"]] % ALERT_EVERY == 0:
        alerts.check(conn, key["key_id"], key["caller"])


# ------------------------------------------------------------------------------------------------ routes
def _make_get(service: Service):
    def endpoint(request: Request, api_key: str | None = None, **kwargs):
        raw = {k: v for k, v in request.query_params.items()}
        return call(service, raw, api_key)

    params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
              inspect.Parameter("api_key", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                                default=_Depends(KEY_HEADER))]
    for p in service.parameters:
        desc = f"{p.label}({p.type}{'，必填' if p.required else ''}{'，多个以逗号分隔' if p.type.endswith('s') else ''})"
        params.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                                        default=Query(None, description=desc)))
    extra = [("fields", "返回字段(逗号分隔；缺省为共享申请批准的全部字段)"),
             ("format", "json(缺省) | xlsx(中文表头的 Excel) | csv")]
    if service.limits.page_size:
        extra += [("page", "页码(从1开始)"), ("page_size", f"每页条数(至多 {service.limits.page_size})")]
    for name, desc in extra:
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                                        default=Query(None, description=desc)))
    endpoint.__signature__ = inspect.Signature(params)
    endpoint.__name__ = f"get_{service.code}"
    return endpoint


def _Depends(dep):
    from fastapi import Depends

    return Depends(dep)


def _make_post(service: Service):
    def endpoint(body: dict | None = None, api_key: str | None = _Depends(KEY_HEADER)):
        if body is not None and not isinstance(body, dict):
            return JSONResponse({"error": "invalid_parameter", "parameter": "(body)", "rule": "json.object",
                                 "message": "请求体应为 JSON 对象"}, 422)
        return call(service, dict(body or {}), api_key)

    endpoint.__name__ = f"post_{service.code}"
    return endpoint


def _register() -> None:
    services, _ = catalogue()
    for s in services.values():
        doc = f"{s.description}\n\n读取: {', '.join(s.reads)}；{'分页' if s.limits.page_size else '同步'}；" \
              f"每分钟至多 {s.limits.rate_per_minute} 次/密钥。"
        app.add_api_route(f"/api/v1/services/{s.code}", _make_get(s), methods=["GET"], summary=s.name,
                          description=doc, tags=[s.category])
        app.add_api_route(f"/api/v1/services/{s.code}", _make_post(s), methods=["POST"], summary=s.name + "(POST)",
                          description=doc, tags=[s.category])
        if s.batch_parameter:
            app.add_api_route(f"/api/v1/services/{s.code}/jobs", _make_job(s), methods=["POST"],
                              summary=s.name + "(异步批量)", tags=[s.category],
                              description=f"异步批量查询：{s.batch_parameter} 至多 {s.limits.batch_max_items} 项；"
                                          "返回任务号，轮询 /api/v1/jobs/{job_id}，完成后下载结果。")


# ------------------------------------------------------------------------------------------------ async jobs
def _make_job(service: Service):
    def endpoint(body: dict | None = None, api_key: str | None = _Depends(KEY_HEADER)):
        return submit_job(service, dict(body or {}) if isinstance(body, dict) else {}, api_key)

    endpoint.__name__ = f"job_{service.code}"
    return endpoint


def submit_job(service: Service, raw: dict, token: str | None) -> JSONResponse:
    t0 = time.perf_counter()
    conn = POOL.get()
    key = None
    try:
        try:
            key = _authorise(conn, service, token)
            _rate_limit(conn, service, key)
            batch = raw.get(service.batch_parameter)
            if isinstance(batch, str):
                batch = [x for x in batch.replace("，", ",").split(",") if x.strip()]
            if not isinstance(batch, list) or not batch:
                raise ParamError(service.batch_parameter, "list", "应为非空列表")
            if len(batch) > service.limits.batch_max_items:
                raise ParamError(service.batch_parameter, "batch.max_items",
                                 f"一个异步任务至多 {service.limits.batch_max_items} 项")
            p = next(p for p in service.parameters if p.name == service.batch_parameter)
            chunk = p.max_items
            checked = []       # every value validated up front: a bad one is named before anything runs
            for i in range(0, len(batch), chunk):
                try:
                    v = validate(service, {k: x for k, x in raw.items() if k != "fields"}
                                 | {service.batch_parameter: batch[i:i + chunk]})
                except ParamError as e:
                    if e.parameter.startswith(service.batch_parameter + "["):
                        idx = int(e.parameter.split("[")[1].rstrip("]")) + i
                        raise ParamError(f"{service.batch_parameter}[{idx}]", e.rule, e.message) from None
                    raise
                checked.append(v)
            fields = _fields(service, key, raw.get("fields"))
            job_id = uuid.uuid4().hex
            items = len(batch)
            conn.execute(f"insert into {store.SCHEMA}.job (job_id, key_id, caller, service, status, items) "
                         "values (%s, %s, %s, %s, 'queued', %s)", (job_id, key["key_id"], key["caller"], service.code,
                                                                  items))
            ids = [x for v in checked for x in identifiers_of(service, v)]
            audit.append_event(conn, caller=key["caller"], key_id=key["key_id"], service=service.name,
                               purpose=key["purpose"], params={"job_id": job_id, "items": items}, fields=fields,
                               row_count=0, latency_ms=(time.perf_counter() - t0) * 1000, status="accepted",
                               identifiers=ids)
            _maybe_alert(conn, key, force=True)
            threading.Thread(target=_run_job, args=(job_id, service, checked, fields, key), daemon=True).start()
            return JSONResponse({"job_id": job_id, "status": "queued", "items": items,
                                 "poll": f"/api/v1/jobs/{job_id}"}, 202)
        except Refusal as r:
            _audit_refusal(conn, service, r.extra.get("key", key), {"batch": "…"}, r.status, t0)
            return JSONResponse({"error": r.code, "reason": r.reason}, r.http)
        except ParamError as e:
            _audit_refusal(conn, service, key, {}, "invalid", t0)
            return JSONResponse({"error": "invalid_parameter", **e.as_dict()}, 422)
    finally:
        POOL.put(conn)


def _run_job(job_id: str, service: Service, chunks: list[dict], fields: list[str], key: dict) -> None:
    t0 = time.perf_counter()
    try:
        conn = POOL.get()
    except engine.Unavailable:
        time.sleep(5)
        return _run_job(job_id, service, chunks, fields, key)
    ok = False
    try:
        conn.execute(f"update {store.SCHEMA}.job set status = 'running' where job_id = %s", (job_id,))
        out = jobs_dir() / f"{job_id}.csv"
        n = 0
        with open(out, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow([_label(service, x) for x in fields])
            for values in chunks:
                big = service.model_copy(update={"limits": service.limits.model_copy(update={"max_rows": 100_000})})
                rows, _ = engine.run(conn, big, fields, values)
                for row in engine.shape(service, fields, rows, key["caller_role"]):
                    w.writerow(["" if row[x] is None else row[x] for x in fields])
                    n += 1
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        conn.execute(f"update {store.SCHEMA}.job set status = 'done', row_count = %s, finished_at = now(), "
                     "result_sha256 = %s where job_id = %s", (n, digest, job_id))
        audit.append_event(conn, caller=key["caller"], key_id=key["key_id"], service=service.name,
                           purpose=key["purpose"], params={"job_id": job_id, "phase": "finished"}, fields=fields,
                           row_count=n, latency_ms=(time.perf_counter() - t0) * 1000, status="ok")
        ok = True
    except Exception as exc:
        print(f"[services] job {job_id} failed: {type(exc).__name__}", flush=True)
        try:
            conn.execute(f"update {store.SCHEMA}.job set status = 'failed', finished_at = now(), error = %s "
                         "where job_id = %s", ("任务执行失败，请重新提交或联系管理员", job_id))
        except Exception:
            pass
    finally:
        POOL.put(conn, ok)


def _job_for(conn, job_id: str, token: str | None):
    key = store.lookup_key(conn, token) if token else None
    if key is None or key["revoked_at"] is not None:
        return None, JSONResponse({"error": "invalid_key", "reason": "接口密钥无效或已吊销"}, 401)
    row = conn.execute(f"select job_id, key_id, service, status, items, row_count, created_at, finished_at, error, "
                       f"result_sha256 from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()
    if row is None or row[1] != key["key_id"]:
        return None, JSONResponse({"error": "not_found", "reason": "没有该任务(或不属于该密钥)"}, 404)
    cols = ("job_id", "key_id", "service", "status", "items", "row_count", "created_at", "finished_at", "error",
            "result_sha256")
    return (dict(zip(cols, row)), key), None


@app.get("/api/v1/jobs/{job_id}", tags=["异步批量"], summary="异步任务状态")
def job_status(job_id: str, api_key: str | None = _Depends(KEY_HEADER)):
    conn = POOL.get()
    try:
        found, err = _job_for(conn, job_id, api_key)
        if err:
            return err
        job, _ = found
        job.pop("key_id")
        body = {k: engine.jsonable(v) for k, v in job.items()}
        if job["status"] == "done":
            body["download"] = f"/api/v1/jobs/{job_id}/result?format=csv"
        return body
    finally:
        POOL.put(conn)


@app.get("/api/v1/jobs/{job_id}/result", tags=["异步批量"], summary="下载异步任务结果")
def job_result(job_id: str, format: str = "csv", api_key: str | None = _Depends(KEY_HEADER)):
    conn = POOL.get()
    try:
        found, err = _job_for(conn, job_id, api_key)
        if err:
            return err
        job, key = found
        if job["status"] != "done":
            return JSONResponse({"error": "not_ready", "reason": f"任务状态为 {job['status']}"}, 409)
        if format not in ("csv", "xlsx"):
            return JSONResponse({"error": "invalid_parameter", "parameter": "format", "rule": "enum",
                                 "message": "format 应为 csv 或 xlsx"}, 422)
        path = jobs_dir() / f"{job_id}.csv"
        audit.append_event(conn, caller=key["caller"], key_id=key["key_id"], service=job["service"],
                           purpose=key["purpose"], params={"job_id": job_id, "phase": "download", "format": format},
                           fields=[], row_count=job["row_count"] or 0, latency_ms=0.0, status="ok")
        if format == "xlsx":
            xlsx = path.with_suffix(".xlsx")
            if not xlsx.exists():
                _to_xlsx(path, xlsx)
            return FileResponse(xlsx, filename=f"{job['service']}_{job_id[:8]}.xlsx")
        return FileResponse(path, media_type="text/csv; charset=utf-8", filename=f"{job['service']}_{job_id[:8]}.csv")
    finally:
        POOL.put(conn)


def _to_xlsx(src: Path, dst: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("查询结果")
    with open(src, encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f):
            ws.append(row)
    wb.save(dst)


_register()
