"""门户 (portal): the history database's web application and JSON API.

    uvicorn portal.app:app --host 127.0.0.1 --port ${PORTAL_PORT:-8090}     (python -m portal.serve start)

Chinese pages (指标目录, 自由组合查询, 监测月报, 数据导入/辅助录入, 仪表板) and an OpenAPI-documented JSON
API under /api (catalogue, data with asof, calculations, exports). Every asset is served from portal/static
(Swagger UI from the npm package swagger-ui-dist, Apache-2.0, vendored; charts are server-rendered SVG).
"""
from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel

from foundation import openapi_docs, query_parameters, settings
from history import charts, engine, exports, imports, query, store
from portal import access

HERE = Path(__file__).resolve().parent
COOKIE = "portal_session"
env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
env.filters["fmt"] = query.fmt
env.globals["METHODS"] = engine.METHODS

# routes that read their query parameters themselves (自助分析: each analysis names and checks its own)
OWN_QUERY_PARAMETERS = {"/api/analyses/{code}"}


def _reject_unknown_parameters(request: Request) -> None:
    """The API refuses a parameter it does not take (a misspelt period_from would widen the answer unnoticed);
    the pages keep tolerating extra ones (links, bookmarks)."""
    route = request.scope.get("route")
    if not request.url.path.startswith("/api/") or getattr(route, "path", None) in OWN_QUERY_PARAMETERS:
        return
    unknown, known = query_parameters.undeclared(request)
    if unknown:
        names = "、".join(n + (f"(是否应为 {close}?)" if close else "") for n, close in unknown)
        raise HTTPException(400, f"不支持的参数: {names}; 本接口的参数: {', '.join(sorted(known)) or '无'}")


app = FastAPI(title="人力资源社会保障与国民经济相关指标历史数据系统 API", version="1.0",
              dependencies=[Depends(_reject_unknown_parameters)],
              description="指标目录、数据(可按 asof 查询历史版本)、计算(七种方法)与导出(XLSX/CSV/JSON-stat 2.0)。"
                          "除 /api/health 外均需登录(会话 Cookie)。", docs_url=None, redoc_url=None)
app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


openapi_docs.mount(app)
from portal.listmatch_routes import router as listmatch_router  # noqa: E402 — 名单比对 / 自助分析 (own module)

app.include_router(listmatch_router)


# --- session and roles -------------------------------------------------------------------------------------

class LoginRequired(Exception):
    pass


@app.exception_handler(LoginRequired)
def _login_required(request: Request, exc: LoginRequired):
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": "未登录或会话已过期"}, status_code=401)
    return RedirectResponse(f"/login?next={quote(str(request.url.path) + ('?' + request.url.query if request.url.query else ''))}",
                            status_code=303)


@app.exception_handler(query.QueryError)
def _query_error(request: Request, exc: query.QueryError):
    return JSONResponse({"detail": str(exc)}, status_code=400)


@app.exception_handler(engine.Refused)
def _refused(request: Request, exc: engine.Refused):
    return JSONResponse({"detail": str(exc), "refused": True}, status_code=422)


def user(request: Request) -> access.User:
    u = access.read_session(request.cookies.get(COOKIE))
    if u is None:
        raise LoginRequired()
    return u


def importer(u: access.User = Depends(user)) -> access.User:
    if not u.can_import:
        raise HTTPException(403, "只有数据管理员可以导入或录入数据")
    return u


def page(name: str, request: Request, u: access.User | None, **ctx) -> HTMLResponse:
    superset = f"http://127.0.0.1:{settings.get().superset_port}/"
    return HTMLResponse(env.get_template(name).render(user=u, request=request, superset_url=superset, **ctx))


def conn(request: Request):
    """A connection per request; for a district user the session is pinned to the district (row-level security on
    history.observation / series_current), so the database itself returns no other district's rows."""
    c = store.connect(autocommit=True)
    try:
        u = access.read_session(request.cookies.get(COOKIE))
        if u is not None and u.allowed_regions() is not None:
            c.execute("select set_config('history.district', %s, false)", (u.district,))
            if c.execute("select 1 from pg_roles where rolname = 'history_district_reader'").fetchone():
                c.execute("set role history_district_reader")
        yield c
    finally:
        c.close()


# --- login -------------------------------------------------------------------------------------------------

@app.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = "/", error: str | None = None):
    return page("login.html", request, None, next=next, error=error)


@app.post("/login", include_in_schema=False)
async def login(request: Request):
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    name, pw = form.get("username", "").strip(), form.get("password", "")
    nxt = form.get("next", "/")
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/"
    client = request.client.host if request.client else "?"
    wait = access.throttle().blocked(name, client)
    if wait:
        return page("login.html", request, None, next=nxt, error=f"登录失败次数过多, 请 {-(-wait // 60)} 分钟后再试")
    ok = access.check_password(name, pw)
    if not ok:
        access.throttle().failure(name, client)
        return page("login.html", request, None, next=nxt, error="用户名或密码错误")
    access.throttle().success(name, client)
    resp = RedirectResponse(nxt, status_code=303)
    resp.set_cookie(COOKIE, access.make_session(name), httponly=True, samesite="strict",
                    max_age=access.SESSION_SECONDS, path="/")
    return resp


@app.get("/logout", include_in_schema=False)
def logout():
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


# --- pages -------------------------------------------------------------------------------------------------

@app.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, u=Depends(user), c=Depends(conn)):
    cat = store.catalogue()
    loads = c.execute(f"select load_id, kind, started_at, loaded_by, data_month, detail from {store.SCHEMA}.load "
                      "order by load_id desc limit 8").fetchall()
    last_report = c.execute(f"select max(generated_at) from {store.SCHEMA}.report").fetchone()[0]
    revisions = store.revisions_since(c, last_report or datetime(1900, 1, 1), 20)
    return page("home.html", request, u, n_ind=len(cat.indicators), loads=loads, revisions=revisions,
                last_report=last_report, cat=cat)


def _tree(cat, q: str | None):
    q = (q or "").strip().lower()
    nodes = {c["code"]: {**c, "children": [], "indicators": []} for c in cat.classification}
    for d in cat.indicators.values():
        if q and q not in d["code"].lower() and q not in d["name_zh"].lower() and q not in (d.get("explanation") or "").lower():
            continue
        nodes[d["classification"]]["indicators"].append(d)
    roots = []
    for c in cat.classification:
        n = nodes[c["code"]]
        (nodes[c["parent"]]["children"] if c.get("parent") else roots).append(n)
    return roots


@app.get("/catalogue", response_class=HTMLResponse, include_in_schema=False)
def catalogue_page(request: Request, q: str | None = None, u=Depends(user)):
    cat = store.catalogue()
    return page("catalogue.html", request, u, tree=_tree(cat, q), q=q or "", cat=cat)


@app.get("/catalogue/{code}", response_class=HTMLResponse, include_in_schema=False)
def indicator_page(code: str, request: Request, u=Depends(user), c=Depends(conn)):
    cat = store.catalogue()
    d = cat.indicators.get(code)
    if d is None:
        raise HTTPException(404, f"指标 {code} 不存在")
    regions = [r for r in d["regions"] if u.allowed_regions() is None or r in u.allowed_regions()]
    obs = store.read(c, [code], regions) if regions else []
    obs.sort(key=lambda o: (o["region"], o["period"]), reverse=False)
    breaks = [b for b in cat.breaks if b["indicator"] == code]
    classes = {x["code"]: x["name_zh"] for x in cat.classification}
    cls = " > ".join(
        classes[p] for p in _class_path(cat, d["classification"]))
    return page("indicator.html", request, u, d=d, obs=obs[-200:], breaks=breaks, cat=cat, class_path=cls)


def _class_path(cat, code):
    parents = {c["code"]: c.get("parent") for c in cat.classification}
    out = [code]
    while parents.get(out[0]):
        out.insert(0, parents[out[0]])
    return out


@app.get("/query", response_class=HTMLResponse, include_in_schema=False)
def query_page(request: Request, spec: str | None = None, u=Depends(user), c=Depends(conn)):
    cat = store.catalogue()
    res = pv = chart = error = None
    parsed = None
    if spec:
        try:
            parsed = json.loads(spec)
            res = query.run(c, parsed, u.allowed_regions())
            pv = query.pivot(res)
            chart = _chart(res)
        except (ValueError, query.QueryError) as e:
            error = str(e)
    regions = [r for r in cat.regions if u.allowed_regions() is None or r["code"] in u.allowed_regions()]
    saved = c.execute(f"select query_id, name, owner, created_at from {store.SCHEMA}.saved_query "
                      "order by created_at desc limit 30").fetchall()
    return page("query.html", request, u, cat=cat, regions=regions, res=res, pv=pv, chart=chart, error=error,
                spec=parsed, spec_json=spec or "", saved=saved, tree=_tree(cat, None))


def _chart(res) -> str:
    if not res["cells"]:
        return ""
    ind = res["indicators"][0]
    periods = [p for p in res["periods"]] or ["全期"]
    if ind["method"] in engine.SUMMARY_METHODS:
        periods = ["全期"]
    idx = {(c["indicator"], c["region"], c["period"]): c["value"] for c in res["cells"]}
    if len(res["regions"]) == 1 and len(res["indicators"]) > 1:      # one region: one line per indicator
        same_unit = [i for i in res["indicators"] if i["unit"] == ind["unit"]]
        series = [(i["name_zh"], [idx.get((i["code"], res["regions"][0]["code"], p)) for p in periods]) for i in same_unit]
        return charts.line_chart(f"{res['regions'][0]['name_zh']}·{ind['method_zh']}", periods, series, unit=ind["unit"])
    series = [(r["name_zh"], [idx.get((ind["code"], r["code"], p)) for p in periods]) for r in res["regions"]]
    return charts.line_chart(f"{ind['name_zh']}·{ind['method_zh']}", periods, series, unit=ind["unit"])


@app.get("/fixed", response_class=HTMLResponse, include_in_schema=False)
def fixed_page(request: Request, u=Depends(user), c=Depends(conn)):
    """固定图表查询 and 京津冀监测: the curated queries of the catalogue, each computed by the same engine."""
    cat = store.catalogue()
    allowed = u.allowed_regions()
    items = []
    for fq in cat.fixed_queries or []:
        spec = dict(fq["spec"])
        if allowed is not None:
            spec["regions"] = [r for r in spec["regions"] if r in allowed]
            if not spec["regions"]:
                continue
        try:
            res = query.run(c, spec, allowed)
            items.append({**fq, "res": res, "pv": query.pivot(res), "chart": _chart(res),
                          "spec_json": json.dumps(spec, ensure_ascii=False)})
        except query.QueryError as e:
            items.append({**fq, "error": str(e)})
    return page("fixed.html", request, u, items=items)


@app.get("/forecast", response_class=HTMLResponse, include_in_schema=False)
def forecast_page(request: Request, indicator: str = "gdp", region: str = "110000", horizon: int = 3,
                  u=Depends(user), c=Depends(conn)):
    """预警预测: an indicator's forecast with its interval and backtest, and the warnings of the latest month."""
    from history import forecast as fc
    from history import report

    cat = store.catalogue()
    allowed = u.allowed_regions()
    if allowed is not None and region not in allowed:
        region = u.district
    d = cat.indicators.get(indicator)
    result = error = chart = None
    if d is None:
        error = f"指标 {indicator} 不存在"
    else:
        obs = store.read(c, [indicator], [region], freq=d["frequency"])
        series = {o["period"]: None if o["value"] is None else float(o["value"]) for o in obs}
        try:
            result = fc.forecast(series, horizon)
            hist = sorted(series)[-24:]
            periods = hist + [r["period"] for r in result["forecast"]]
            fmap = {r["period"]: r for r in result["forecast"]}
            chart = charts.line_chart(f"{d['name_zh']}·{cat.region_name(region)}·预测", periods, [
                ("实际值", [series.get(p) for p in periods]),
                ("预测值", [fmap[p]["mean"] if p in fmap else None for p in periods]),
                ("95%区间下限", [fmap[p]["lower"] if p in fmap else None for p in periods]),
                ("95%区间上限", [fmap[p]["upper"] if p in fmap else None for p in periods])], unit=d["unit"])
        except engine.Refused as e:
            error = str(e)
    warn, skipped = [], []
    if allowed is None:
        for code in report.KEY:
            obs = store.read(c, [code], ["110000"], freq="M")
            w = fc.band_warning({o["period"]: None if o["value"] is None else float(o["value"]) for o in obs})
            if w and "skipped" in w:
                skipped.append(cat.indicators[code]["name_zh"])
            elif w:
                warn.append({"indicator": cat.indicators[code]["name_zh"], **w})
        for b in fc.budget_warnings(c):
            warn.append({"indicator": "失业保险基金预算执行", **b})
    inds = sorted(((k, v) for k, v in cat.indicators.items()), key=lambda kv: kv[1]["classification"])
    regions = [r for r in cat.regions if allowed is None or r["code"] in allowed]
    return page("forecast.html", request, u, d=d, indicator=indicator, region=region, horizon=horizon, result=result,
                error=error, chart=chart, warnings=warn, skipped=skipped, inds=inds, regions=regions, cat=cat)


@app.get("/yearbook/{year}.xlsx", include_in_schema=False)
def yearbook(year: int, u=Depends(user), c=Depends(conn)):
    """定期报表 / 统计资料: the year's annual tables (京津冀 and national), multi-level headers, units, notes."""
    from history import yearbook as yb

    if u.allowed_regions() is not None:
        raise HTTPException(403, "统计资料为全市及京津冀数据, 区县用户不可下载")
    if not 1949 <= year <= 2100:
        raise HTTPException(400, "年份不正确")
    return Response(yb.build(c, year), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'统计资料_{year}年.xlsx')}"})


@app.get("/q/{query_id}", include_in_schema=False)
def saved_query(query_id: str, u=Depends(user), c=Depends(conn)):
    row = c.execute(f"select spec from {store.SCHEMA}.saved_query where query_id = %s", (query_id,)).fetchone()
    if row is None:
        raise HTTPException(404, "保存的查询不存在")
    return RedirectResponse("/query?spec=" + quote(json.dumps(row[0], ensure_ascii=False)), status_code=303)


@app.get("/reports", response_class=HTMLResponse, include_in_schema=False)
def reports_page(request: Request, u=Depends(user), c=Depends(conn)):
    rows = c.execute(f"select month, generated_at, asof, path from {store.SCHEMA}.report order by month desc, generated_at desc"
                     ).fetchall()
    return page("reports.html", request, u, reports=rows)


@app.get("/reports/{month}/{kind}", include_in_schema=False)
def report_file(month: str, kind: str, u=Depends(user), c=Depends(conn)):
    if u.allowed_regions() is not None:
        raise HTTPException(403, "监测月报包含全市及各区数据, 区县用户请在自由组合查询中查看本区数据")
    row = c.execute(f"select path from {store.SCHEMA}.report where month = %s order by generated_at desc limit 1",
                    (month,)).fetchone()
    if row is None:
        raise HTTPException(404, f"{month} 没有监测月报")
    ext = {"html": ".html", "pdf": ".pdf", "xlsx": ".xlsx"}.get(kind)
    if ext is None:
        raise HTTPException(404, "格式须为 html、pdf 或 xlsx")
    p = Path(row[0]).with_suffix(ext)
    if not p.exists():
        raise HTTPException(404, f"{p.name} 不存在")
    media = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[kind]
    if kind == "html":
        return Response(p.read_bytes(), media_type=media)
    return FileResponse(p, media_type=media, filename=p.name)


@app.get("/import", response_class=HTMLResponse, include_in_schema=False)
def import_page(request: Request, u=Depends(importer), c=Depends(conn)):
    cat = store.catalogue()
    log = c.execute(f"select changed_at, changed_by, indicator_code, region_code, period, old_value, new_value "
                    f"from {store.SCHEMA}.change_log c join {store.SCHEMA}.load l using (load_id) where l.kind = 'import' "
                    "order by change_id desc limit 50").fetchall()
    return page("import.html", request, u, cat=cat, log=log)


@app.get("/import/template.xlsx", include_in_schema=False)
def import_template(u=Depends(importer)):
    p = imports.write_template()
    return FileResponse(p, filename="历史数据导入模板.xlsx",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- JSON API ----------------------------------------------------------------------------------------------

@app.get("/api/health", tags=["系统"])
def health():
    try:
        with store.connect() as c:
            c.execute("select 1")
        return {"status": "ok", "database": "ok"}
    except Exception as e:  # noqa: BLE001
        return JSONResponse({"status": "error", "database": type(e).__name__}, status_code=503)


@app.get("/api/catalogue", tags=["指标目录"], summary="指标体系与分类体系")
def api_catalogue(q: str | None = None, u=Depends(user)):
    cat = store.catalogue()
    inds = [d for d in cat.indicators.values()
            if not q or q.lower() in d["code"].lower() or q in d["name_zh"] or q in (d.get("explanation") or "")]
    keep = ("code", "name_zh", "explanation", "unit", "decimals", "kind", "numerator", "denominator", "frequency",
            "classification", "regions", "source", "origin")
    return {"version": cat.version, "classification": cat.classification, "regions": cat.regions,
            "indicators": [{k: d.get(k) for k in keep} for d in inds], "breaks": cat.breaks}


@app.get("/api/catalogue/{code}", tags=["指标目录"], summary="一个指标的口径")
def api_indicator(code: str, u=Depends(user)):
    d = store.catalogue().indicators.get(code)
    if d is None:
        raise HTTPException(404, f"指标 {code} 不存在")
    return d


def _regions_param(u: access.User, regions: str) -> list[str]:
    regs = [r for r in regions.split(",") if r]
    allowed = u.allowed_regions()
    if allowed is not None:
        denied = [r for r in regs if r not in allowed]
        if denied:
            raise HTTPException(403, f"无权查看地区 {', '.join(denied)}")
    return regs


@app.get("/api/data", tags=["数据"], summary="观测值(可按 asof 取历史版本)")
def api_data(indicators: str, regions: str, period_from: str | None = None, period_to: str | None = None,
             asof: str | None = None, u=Depends(user), c=Depends(conn)):
    """`indicators`, `regions`: comma-separated codes; `asof`: ISO date/time — the values as known then."""
    regs = _regions_param(u, regions)
    when = None
    if asof:
        try:
            when = datetime.fromisoformat(asof)
        except ValueError:
            raise HTTPException(400, f"asof {asof!r} 不是 ISO 日期时间") from None
    rows = store.read(c, [i for i in indicators.split(",") if i], regs, period_from, period_to, asof=when)
    for r in rows:
        r["value"] = None if r["value"] is None else float(r["value"])
        r["known_from"] = r["known_from"].isoformat()
    return {"asof": asof, "observations": rows}


@app.get("/api/revisions", tags=["数据"], summary="某时间以来的修订")
def api_revisions(since: str, u=Depends(user), c=Depends(conn)):
    rows = store.revisions_since(c, datetime.fromisoformat(since))
    allowed = u.allowed_regions()
    return [{**r, "changed_at": r["changed_at"].isoformat(), "old_value": float(r["old_value"]),
             "new_value": None if r["new_value"] is None else float(r["new_value"])}
            for r in rows if allowed is None or r["region"] in allowed]


class QuerySpec(BaseModel):
    indicators: list[str]
    regions: list[str]
    periods: dict = {"latest": 12}
    freq: str | None = None
    methods: dict[str, str] = {}
    asof: str | None = None
    layout: dict | None = None
    allow_break: bool = False


@app.post("/api/query", tags=["计算"], summary="自由组合查询: 指标 × 地区 × 期别, 每个指标一种计算方法")
def api_query(spec: QuerySpec, u=Depends(user), c=Depends(conn)):
    return Response(query.json_bytes(query.run(c, spec.model_dump(), u.allowed_regions())), media_type="application/json")


@app.post("/api/query/estimate", tags=["计算"], summary="查询规模估计")
def api_estimate(spec: QuerySpec, u=Depends(user)):
    return query.estimate(query.normalise(spec.model_dump()))


class CalcRequest(BaseModel):
    method: str
    values: dict[str, float | None]
    kind: str = "flow"
    unit: str | None = None
    window: list[str] | None = None
    breaks: list[str] = []
    allow_break: bool = False


@app.post("/api/calc", tags=["计算"], summary="对给定序列应用一种计算方法(返回公式与输入)")
def api_calc(req: CalcRequest, u=Depends(user)):
    window = req.window or sorted(req.values)
    out = engine.apply_method(req.method, req.values, window, kind=req.kind, unit=req.unit, breaks=req.breaks,
                              allow_break=req.allow_break)
    return {p: (r.to_dict() if isinstance(r, engine.Result) else {"refused": r}) for p, r in out.items()}


@app.get("/api/export", tags=["导出"], summary="导出查询结果: format = xlsx | csv | jsonstat")
def api_export(spec: str, format: str = "xlsx", u=Depends(user), c=Depends(conn)):
    try:
        parsed = json.loads(spec)
    except ValueError:
        raise HTTPException(400, "spec 不是 JSON") from None
    res = query.run(c, parsed, u.allowed_regions())
    stamp = time.strftime("%Y%m%d%H%M")
    if format == "xlsx":
        return Response(exports.xlsx(res), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'历史数据查询_{stamp}.xlsx')}"})
    if format == "csv":
        return Response(exports.csv_bytes(res), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'历史数据查询_{stamp}.csv')}"})
    if format == "jsonstat":
        return JSONResponse(exports.jsonstat(res), media_type="application/json")
    raise HTTPException(400, "format 须为 xlsx、csv 或 jsonstat")


class SaveRequest(BaseModel):
    name: str
    spec: dict


@app.post("/api/saved-queries", tags=["计算"], summary="保存查询(“最近 N 期”随新数据滚动), 返回可分享的地址")
def api_save(req: SaveRequest, u=Depends(user), c=Depends(conn)):
    spec = query.normalise(req.spec)
    import secrets as _s

    qid = _s.token_urlsafe(8)
    c.execute(f"insert into {store.SCHEMA}.saved_query (query_id, name, owner, spec) values (%s,%s,%s,%s)",
              (qid, req.name.strip()[:100] or "未命名查询", u.username, json.dumps(spec, ensure_ascii=False)))
    return {"query_id": qid, "url": f"/q/{qid}"}


@app.post("/api/import/preview", tags=["导入"], summary="上传 XLSX/CSV(请求体为文件内容), 校验并预览")
async def api_import_preview(request: Request, filename: str, u=Depends(importer), c=Depends(conn)):
    data = await request.body()
    if len(data) > 20 * 1024 * 1024:
        raise HTTPException(413, "文件超过 20 MB")
    res = imports.validate(c, filename, data)
    if res["errors"]:
        return JSONResponse({"ok": False, "errors": res["errors"], "message": f"{len(res['errors'])} 处错误, 未导入任何数据"},
                            status_code=422)
    token = imports.save_pending(c, u.username, filename, res["rows"])
    return {"ok": True, "token": token, "summary": res["summary"], "rows": res["rows"][:500]}


class EntryRows(BaseModel):
    rows: list[dict]


@app.post("/api/import/entry", tags=["导入"], summary="辅助录入: 逐行填写的数据, 与文件导入同样校验并预览")
def api_import_entry(req: EntryRows, u=Depends(importer), c=Depends(conn)):
    body = [(i + 1, [r.get(col, "") for col in imports.COLUMNS]) for i, r in enumerate(req.rows)]
    res = imports.validate_rows(c, "辅助录入", imports.COLUMNS, body)
    if res["errors"]:
        return JSONResponse({"ok": False, "errors": res["errors"], "message": f"{len(res['errors'])} 处错误, 未导入任何数据"},
                            status_code=422)
    token = imports.save_pending(c, u.username, "辅助录入", res["rows"])
    return {"ok": True, "token": token, "summary": res["summary"], "rows": res["rows"]}


class CommitRequest(BaseModel):
    token: str


@app.post("/api/import/commit", tags=["导入"], summary="提交预览(一个事务, 写变更记录)")
def api_import_commit(req: CommitRequest, u=Depends(importer)):
    with store.connect() as c:
        try:
            res = imports.commit_pending(c, req.token, u.username)
        except imports.ImportError_ as e:
            raise HTTPException(409, str(e)) from None
    query._cache.clear()
    return {"ok": True, **res}


# --- routers of their own modules (one line each) ---------------------------------------------------------
from portal import intro_routes, reports_routes, signoff_routes  # noqa: E402 — they use page() and user() above

app.include_router(intro_routes.router)
app.include_router(reports_routes.router)
app.include_router(signoff_routes.router)
