"""审核确认 in the portal: each business department (处室) confirms its modules of the current review release, or
rejects one with a reason; everyone of the bureau's roles sees the round; the sheet prints as XLSX or PDF.
Decisions go to audit.signoff (foundation/signoff.py); `make publish` reads them."""
from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from documents import html as doc_html
from documents import pdf, signoff_sheet, xlsx
from foundation import signoff
from history import store
from portal.app import page, user

router = APIRouter()


def _reader(u=Depends(user)):
    if u.allowed_regions() is not None:
        raise HTTPException(403, "审核确认由市局各处室办理, 区县用户不可查看")
    return u


def _state() -> dict:
    with store.connect(autocommit=True) as c:
        return signoff.state(c)


@router.get("/signoff", response_class=HTMLResponse, include_in_schema=False)
def signoff_page(request: Request, error: str | None = None, done: str | None = None, u=Depends(_reader)):
    st = _state()
    mine = signoff.department(u.department) if u.department else None
    missing, rejected = signoff.outstanding(st) if st["build"] else ([], [])
    return page("signoff.html", request, u, st=st, mine=mine, missing=missing, rejected=rejected, error=error,
                done=done)


@router.post("/signoff", include_in_schema=False)
async def signoff_post(request: Request, u=Depends(_reader)):
    if not u.department:
        raise HTTPException(403, "只有业务处室账户可以确认本处室的模块")
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    one = {k: v[0] for k, v in form.items()}
    decision = "rejected" if one.get("action") == "reject" else "confirmed"
    build = one.get("build_run_id", "")
    if not build.isdigit():
        return RedirectResponse(f"/signoff?error={quote('构建号须为整数, 请刷新页面后重新确认')}", status_code=303)
    try:
        with store.connect(autocommit=True) as c:
            n = signoff.record(c, int(build), u.department,
                               form.get("module", []), decision, u.username, one.get("signer_name", ""),
                               one.get("comment"))
    except (signoff.SignoffError, ValueError) as e:
        return RedirectResponse(f"/signoff?error={quote(str(e))}", status_code=303)
    word = "确认" if decision == "confirmed" else "驳回"
    return RedirectResponse(f"/signoff?done={quote(f'已{word} {n} 个模块')}", status_code=303)


@router.get("/signoff/sheet.{fmt}", include_in_schema=False)
def signoff_sheet_file(fmt: str, u=Depends(_reader)):
    if fmt not in ("xlsx", "pdf"):
        raise HTTPException(404, "格式为 xlsx 或 pdf")
    st = _state()
    if st["build"] is None:
        raise HTTPException(404, "还没有构建, 没有审核确认单")
    t = signoff_sheet.table(st)
    name = f"审核确认单_{st['build']['data_month']}_构建{st['build']['run_id']}.{fmt}"
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"sheet.{fmt}"
        if fmt == "xlsx":
            xlsx.write([t], path, ["审核确认单"])
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            pdf.print_all([(doc_html.page([t], name), path)])
            media = "application/pdf"
        body = path.read_bytes()
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
