"""名单比对 and 自助分析 in the portal: pages and a JSON API (the engine is the listmatch package).

    /listmatch                      upload a list (XLSX/CSV), choose the returned fields and the month
    /listmatch/jobs/{id}            progress, summary, download, link to the review
    /listmatch/jobs/{id}/review     the 待复核 band: accept a candidate or reject, kept with who and when
    /analyses                       the self-service analyses, each a form → XLSX
    /api/listmatch/...              the same as JSON (the file is the request body, like /api/import/preview)

Uploads are the raw request body with ?filename= (no multipart parser needed). Matching runs in a background
thread; the page polls the job. Identifiers are masked for roles other than admin / data_admin.
"""
from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel
from starlette.background import BackgroundTask

from foundation import settings
from listmatch import analyses, engine, jobs, reader, store
from portal import access

router = APIRouter()
_env = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                   autoescape=select_autoescape(["html"]))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 100 * 1024 * 1024


def _user(request: Request) -> access.User:
    u = access.read_session(request.cookies.get("portal_session"))
    if u is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(401, "未登录或会话已过期")
        raise HTTPException(303, headers={"Location": f"/login?next={quote(request.url.path)}"})
    return u


def _conn():
    c = store.connect()
    try:
        yield c
    finally:
        c.close()


def _page(name: str, request: Request, u, **ctx) -> HTMLResponse:
    superset = f"http://127.0.0.1:{settings.get().superset_port}/"
    return HTMLResponse(_env.get_template(name).render(user=u, request=request, superset_url=superset, **ctx))


def _job(conn, job_id: int, u: access.User) -> dict:
    row = conn.execute(f"select job_id, created_at, created_by, role, kind, name, input_sha256, settings, status, rows_in, "
                       f"summary, output_sha256, finished_at, error, progress, audit_seq from {store.SCHEMA}.job "
                       "where job_id = %s and kind = 'compare'", (job_id,)).fetchone()
    if row is None:
        raise HTTPException(404, f"比对任务 {job_id} 不存在")
    keys = ("job_id", "created_at", "created_by", "role", "kind", "name", "input_sha256", "settings", "status", "rows_in",
            "summary", "output_sha256", "finished_at", "error", "progress", "audit_seq")
    job = dict(zip(keys, row))
    if job["created_by"] != f"portal:{u.username}" and u.role not in ("admin", "data_admin"):
        raise HTTPException(403, "只能查看自己的比对任务")
    return job


def _start(filename: str, data: bytes | Path, s: jobs.Settings, u: access.User, purpose: str, conn) -> int:
    try:
        job_id, lst = jobs.prepare(conn, filename, data, s, user=f"portal:{u.username}", role=u.role, purpose=purpose)
    except reader.ListError as e:
        raise HTTPException(422, {"message": "名单有误, 未比对", "errors": e.errors}) from None
    except jobs.ParamError as e:
        raise HTTPException(400, str(e)) from None

    def work():
        with store.connect() as c:
            try:
                # the workbook's hash is recorded; the download renders it again with the reviews applied
                jobs.execute(c, job_id, lst, user=f"portal:{u.username}", role=u.role).unlink(missing_ok=True)
            except Exception:      # noqa: BLE001 — recorded on the job (status failed) by execute
                pass

    threading.Thread(target=work, name=f"listmatch-{job_id}", daemon=True).start()
    return job_id


# --- pages -------------------------------------------------------------------------------------------------

@router.get("/listmatch", response_class=HTMLResponse, include_in_schema=False)
def listmatch_page(request: Request, u=Depends(_user), c=Depends(_conn)):
    store.ensure_schema(c)
    mine = c.execute(f"select job_id, created_at, name, status, rows_in, summary from {store.SCHEMA}.job "
                     "where kind = 'compare' and created_by = %s order by job_id desc limit 20",
                     (f"portal:{u.username}",)).fetchall()
    return _page("listmatch.html", request, u, fields=store.RETURNS, defaults=store.DEFAULT_RETURNS,
                 months=[f"{m:%Y%m}" for m in store.months(c)], jobs=mine, reasons=engine.REASONS)


@router.get("/listmatch/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
def job_page(job_id: int, request: Request, u=Depends(_user), c=Depends(_conn)):
    job = _job(c, job_id, u)
    return _page("listmatch_job.html", request, u, job=job, fields=store.RETURNS, reasons=engine.REASONS)


@router.get("/listmatch/jobs/{job_id}/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(job_id: int, request: Request, u=Depends(_user), c=Depends(_conn)):
    job = _job(c, job_id, u)
    lst = jobs.load_input(c, job_id)
    final = jobs.final_matches(c, job_id)
    band = c.execute(f"select row_no, part from {store.SCHEMA}.job_row where job_id = %s and status = %s "
                     "order by row_no, part", (job_id, engine.REVIEW)).fetchall()
    uploaded = jobs.input_rows(c, job_id, sorted({r[0] for r in band}))
    rows = []
    for r in band:
        f = final[(r[0], r[1])]
        cells = uploaded[r[0]]
        shown = [jobs.mask(v, u.role) if i in {lst.columns.get("id_number"), lst.columns.get("credit_code")} else v
                 for i, v in enumerate(cells)]
        alts = f[9] or ([[f[3], f[4], f[1]]] if f[3] else [])
        rows.append({"row_no": r[0], "part": r[1], "cells": shown, "score": f[1], "reason": f[2],
                     "reason_text": engine.REASONS[f[2]][1], "note": f[5], "decision": f[6], "by": f[7], "at": f[8],
                     "key": f[3], "alts": [{"key": a[0], "masked": jobs.mask(a[0], u.role), "name": a[1], "score": a[2]}
                                            for a in alts]})
    return _page("listmatch_review.html", request, u, job=job, header=lst.header, rows=rows)


@router.get("/listmatch/jobs/{job_id}/result.xlsx", include_in_schema=False)
def download_page(job_id: int, u=Depends(_user), c=Depends(_conn)):
    return api_result(job_id, u, c)


@router.get("/analyses", response_class=HTMLResponse, include_in_schema=False)
def analyses_page(request: Request, u=Depends(_user), c=Depends(_conn)):
    return _page("analyses.html", request, u, analyses=analyses.ANALYSES.values(),
                 months=[f"{m:%Y%m}" for m in store.months(c)], districts=store.district_codes(c))


# --- JSON API ----------------------------------------------------------------------------------------------

@router.get("/api/listmatch/fields", tags=["名单比对"], summary="可返回的字段与原因代码")
def api_fields(u=Depends(_user)):
    return {"fields": [{"key": k, "label": v[0], "kind": v[1]} for k, v in store.RETURNS.items()],
            "defaults": list(store.DEFAULT_RETURNS),
            "reasons": [{"code": k, "status": v[0], "text": v[1]} for k, v in engine.REASONS.items()]}


@router.post("/api/listmatch/jobs", tags=["名单比对"], status_code=202,
             summary="上传名单(请求体为 XLSX/CSV 文件内容)开始比对; 返回任务编号")
async def api_start(request: Request, filename: str, returns: str | None = None, as_of: str | None = None,
                    purpose: str = "", u=Depends(_user)):
    s = jobs.Settings(returns=[x for x in (returns or ",".join(store.DEFAULT_RETURNS)).split(",") if x], as_of=as_of)
    from starlette.concurrency import run_in_threadpool

    # the body goes to a private temporary file as it arrives (a list of any size is never held in memory);
    # prepare streams it into the database and keeps its own copy
    tmp = tempfile.NamedTemporaryFile(prefix="upload_", suffix=".part", dir=settings.private_dir(settings.VAR / "listmatch"),
                                      delete=False)
    try:
        size = 0
        with tmp:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_UPLOAD:
                    raise HTTPException(413, f"文件超过 {MAX_UPLOAD // 1024 // 1024} MB")
                tmp.write(chunk)

        def go():
            with store.connect() as c:
                return _start(filename, Path(tmp.name), s, u, purpose, c)

        job_id = await run_in_threadpool(go)
    finally:
        Path(tmp.name).unlink(missing_ok=True)
    return {"job_id": job_id, "status_url": f"/api/listmatch/jobs/{job_id}", "page": f"/listmatch/jobs/{job_id}"}


@router.get("/api/listmatch/jobs/{job_id}", tags=["名单比对"], summary="任务状态、进度与汇总")
def api_job(job_id: int, u=Depends(_user), c=Depends(_conn)):
    job = _job(c, job_id, u)
    for k in ("created_at", "finished_at"):
        job[k] = job[k].isoformat() if job[k] else None
    return job


@router.get("/api/listmatch/jobs/{job_id}/review", tags=["名单比对"], summary="待复核的行及其候选")
def api_review_rows(job_id: int, u=Depends(_user), c=Depends(_conn)):
    _job(c, job_id, u)
    out = []
    for (row_no, part), f in sorted(jobs.final_matches(c, job_id).items()):
        rs = c.execute(f"select status from {store.SCHEMA}.job_row where job_id=%s and row_no=%s and part=%s",
                       (job_id, row_no, part)).fetchone()[0]
        if rs == engine.REVIEW:
            out.append({"row_no": row_no, "part": part, "score": f[1], "reason": f[2], "candidate": jobs.mask(f[3], u.role),
                        "candidate_name": f[4], "decision": f[6], "decided_by": f[7],
                        "decided_at": f[8].isoformat() if f[8] else None})
    return out


class Decision(BaseModel):
    row_no: int
    part: str = "person"
    decision: str
    chosen_key: str | None = None


@router.post("/api/listmatch/jobs/{job_id}/review", tags=["名单比对"], summary="复核结论: accept(接受候选) | reject")
def api_review(job_id: int, d: Decision, u=Depends(_user), c=Depends(_conn)):
    job = _job(c, job_id, u)
    if job["status"] != "done":
        raise HTTPException(409, "任务尚未完成, 不能复核")
    if d.part not in ("person", "unit"):
        raise HTTPException(400, "part 须为 person 或 unit")
    key = d.chosen_key
    if key and "*" in key:          # a masked candidate chosen on the page: resolve among the row's candidates
        alts = c.execute(f"select match_key, alternatives from {store.SCHEMA}.job_row where job_id=%s and row_no=%s "
                         "and part=%s", (job_id, d.row_no, d.part)).fetchone()
        cands = {jobs.mask(k, u.role): k for k in [alts[0], *[a[0] for a in (alts[1] or [])]] if k} if alts else {}
        key = cands.get(key, key)
    try:
        jobs.review(c, job_id, d.row_no, d.part, d.decision, f"portal:{u.username}", key)
    except jobs.ParamError as e:
        raise HTTPException(400, str(e)) from None
    return {"ok": True, "summary": jobs.summarise(c, job_id)}


@router.get("/api/listmatch/jobs/{job_id}/result", tags=["名单比对"], summary="结果 XLSX(已应用复核结论, 按角色脱敏)")
def api_result(job_id: int, u=Depends(_user), c=Depends(_conn)):
    job = _job(c, job_id, u)
    if job["status"] != "done":
        raise HTTPException(409, f"任务状态为 {job['status']}, 没有结果" + (f": {job['error']}" if job["error"] else ""))
    tmp = tempfile.NamedTemporaryFile(prefix=f"result_{job_id}_", suffix=".xlsx", delete=False,
                                      dir=settings.private_dir(settings.VAR / "listmatch"))
    tmp.close()
    try:
        out = jobs.download(c, job_id, f"portal:{u.username}", u.role, out=tmp.name)     # rendered to disk, streamed
    except BaseException:
        Path(tmp.name).unlink(missing_ok=True)
        raise
    name = f"名单比对结果_{job_id}_{Path(job['name']).stem}.xlsx"
    return FileResponse(out, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
                        background=BackgroundTask(Path(out).unlink, missing_ok=True))


@router.get("/api/analyses", tags=["自助分析"], summary="自助分析及其参数")
def api_analyses(u=Depends(_user)):
    return [{"code": a.code, "title": a.title, "description": a.description, "needs_list": a.needs_list,
             "params": [{"name": p.name, "label": p.label, "kind": p.kind, "choices": p.choices,
                         "default": None if callable(p.default) else p.default} for p in a.params]}
            for a in analyses.ANALYSES.values()]


@router.post("/api/analyses/{code}", tags=["自助分析"], summary="运行自助分析, 返回 XLSX; 参数为查询参数, 需要名单时请求体为文件")
async def api_run_analysis(code: str, request: Request, u=Depends(_user)):
    params = {k: v for k, v in request.query_params.multi_items() if k != "filename"}
    multi = {}
    for k, v in params.items():
        vals = request.query_params.getlist(k)
        multi[k] = ",".join(vals) if len(vals) > 1 else v
    body = await request.body()
    if len(body) > MAX_UPLOAD:
        raise HTTPException(413, "文件过大")
    upload = (request.query_params.get("filename", "名单.xlsx"), body) if body else None
    from starlette.concurrency import run_in_threadpool

    def go():
        with store.connect() as c:
            return analyses.run(c, code, multi, user=f"portal:{u.username}", role=u.role,
                                district=None if u.allowed_regions() is None else u.district, upload=upload)
    try:
        out, job_id = await run_in_threadpool(go)
    except analyses.ParamError as e:
        return JSONResponse({"detail": str(e)}, status_code=400)
    except reader.ListError as e:
        return JSONResponse({"detail": "名单有误", "errors": e.errors}, status_code=422)
    name = f"自助分析_{analyses.ANALYSES[code].title}_{time.strftime('%Y%m%d%H%M')}.xlsx"
    return Response(out, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                                                   "X-Job-Id": str(job_id)})


@router.get("/listmatch/", include_in_schema=False)
def _slash():
    return RedirectResponse("/listmatch", status_code=307)
