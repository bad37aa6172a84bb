"""固定报表 and 监督快报 in the portal: the archive under var/reports/<YYYYMM>/ listed and served, as written by the
pipeline (index.json of each release folder; the portal never renders a fixed report itself).

Stable URLs (what dashboards link to; `latest` = the newest month with an official edition):
    /fixed-reports/{month|latest}/{official|review}/{report}.xlsx?district=110000
    /fixed-reports/{month|latest}/{official|review}/book.pdf?district=110105
A district user gets its own district's editions of the official release only; the 全市 edition (every district's
row) and the review release (审核版) are for the bureau's own roles.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from foundation import settings
from portal import access
from portal.app import page, user

router = APIRouter()
FIXED, BULLETIN = "固定报表", "监督快报"
RELEASES = {"official": "正式版", "review": "审核版"}
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf",
         "txt": "text/plain; charset=utf-8"}


def _index(month: str, release: str) -> dict | None:
    p = settings.REPORTS / month / FIXED / RELEASES[release] / "index.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def _months(folder: str, release: str | None = None) -> list[str]:
    out = []
    for d in sorted(settings.REPORTS.glob("[0-9]" * 6), reverse=True):
        target = d / folder / (RELEASES[release] if release else "")
        if (target / "index.json").exists():
            out.append(d.name)
    return out


def _may_see(u: access.User, release: str, district: str) -> bool:
    if u.allowed_regions() is None:
        return True
    return release == "official" and district in u.allowed_regions()


def _resolve(month: str, release: str) -> tuple[str, dict]:
    if release not in RELEASES:
        raise HTTPException(404, f"版本须为 {' / '.join(RELEASES)}")
    if month == "latest":
        months = _months(FIXED, release)
        if not months:
            raise HTTPException(404, f"还没有{RELEASES[release]}固定报表")
        month = months[0]
    if not re.fullmatch(r"\d{6}", month):
        raise HTTPException(404, "月份须为 YYYYMM 或 latest")
    idx = _index(month, release)
    if idx is None:
        raise HTTPException(404, f"{month} 没有{RELEASES[release]}固定报表")
    return month, idx


def _file(folder: Path, name: str, download_name: str) -> FileResponse:
    path = folder / name
    if not path.is_file():
        raise HTTPException(404, f"文件不存在: {name}")
    suffix = path.suffix.lstrip(".")
    return FileResponse(path, media_type=MEDIA.get(suffix, "application/octet-stream"),
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(download_name)}"})


@router.get("/fixed-reports", response_class=HTMLResponse, include_in_schema=False)
def fixed_reports_page(request: Request, month: str | None = None, release: str = "official", u=Depends(user)):
    if u.allowed_regions() is not None:
        release = "official"
    months = _months(FIXED, release)
    month = month or (months[0] if months else None)
    idx = _index(month, release) if month and release in RELEASES else None
    districts = {}
    if idx:
        districts = {c: n for c, n in idx["districts"].items() if _may_see(u, release, c)}
    return page("fixed_reports.html", request, u, months=months, month=month, release=release,
                releases=RELEASES if u.allowed_regions() is None else {"official": "正式版"}, idx=idx,
                districts=districts)


@router.get("/fixed-reports/{month}/{release}/book.pdf", include_in_schema=False)
def fixed_report_book(month: str, release: str, district: str = "110000", u=Depends(user)):
    month, idx = _resolve(month, release)
    if not _may_see(u, release, district):
        raise HTTPException(403, "区县用户只能下载本区县的正式版报表")
    name = idx["books"].get(district)
    if name is None:
        raise HTTPException(404, f"{month} {RELEASES[release]}没有 {district} 的 PDF 报表册 "
                                 f"(审核版只有全市册; python -m cli fixed-reports --release review 生成各区县册)")
    label = idx["districts"].get(district, district)
    return _file(settings.REPORTS / month / FIXED / RELEASES[release], name,
                 f"固定报表_{month}_{label}_{RELEASES[release]}.pdf")


@router.get("/fixed-reports/{month}/{release}/{report}.xlsx", include_in_schema=False)
def fixed_report_xlsx(month: str, release: str, report: str, district: str = "110000", u=Depends(user)):
    month, idx = _resolve(month, release)
    if not _may_see(u, release, district):
        raise HTTPException(403, "区县用户只能下载本区县的正式版报表")
    entry = next((r for r in idx["reports"] if r["id"] == report), None)
    if entry is None or district not in entry["files"]:
        raise HTTPException(404, f"{month} {RELEASES[release]}没有报表 {report} ({district})")
    label = idx["districts"].get(district, district)
    return _file(settings.REPORTS / month / FIXED / RELEASES[release], entry["files"][district],
                 f"{entry['title']}_{month}_{label}_{RELEASES[release]}.xlsx")


@router.get("/bulletins", response_class=HTMLResponse, include_in_schema=False)
def bulletins_page(request: Request, u=Depends(user)):
    items = []
    if u.allowed_regions() is None:     # Beijing-wide figures: not for district accounts
        for m in _months(BULLETIN):
            idx = json.loads((settings.REPORTS / m / BULLETIN / "index.json").read_text(encoding="utf-8"))
            items.append(idx)
    return page("bulletins.html", request, u, items=items)


@router.get("/bulletins/{month}.{fmt}", include_in_schema=False)
def bulletin_file(month: str, fmt: str, u=Depends(user)):
    if u.allowed_regions() is not None:
        raise HTTPException(403, "监督快报为全市数据, 区县用户不可查看")
    if not re.fullmatch(r"\d{6}", month) or fmt not in MEDIA:
        raise HTTPException(404, "月份须为 YYYYMM, 格式为 txt / xlsx / pdf")
    return _file(settings.REPORTS / month / BULLETIN, f"监督快报_{month}.{fmt}", f"监督快报_{month}.{fmt}")
