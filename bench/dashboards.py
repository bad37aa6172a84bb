"""Dashboard render time in headless Chromium (issue 19): every dashboard of the Superset bundle opened with a
cold Superset data cache until every chart on it has drawn its data (no spinner), per dashboard.

    .venv/bin/python -m bench.dashboards [--repeat 3] [--url http://127.0.0.1:$SUPERSET_PORT]

Needs the running Superset of `make superset` (the warehouse it reads is whatever drop was built: say which).
Cold = Superset's chart-data cache (var/superset/cache/data) emptied before each opening and a fresh browser
context (no cookies / local storage; the browser's HTTP cache of static assets is shared within the run).
Timed from navigation start to the moment every chart holder shows content (big number / table rows / drawn
canvas or SVG) and no loading indicator is left.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from pathlib import Path

import yaml

from bench.common import write_result
from foundation import settings

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "superset" / "dashboards"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

STATE_JS = r"""
() => [...document.querySelectorAll('[data-test-chart-id]')].map(h => {
  const ink = [...h.querySelectorAll('canvas')].some(c => {
    if (!c.width || !c.height) return false;
    try { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          for (let i = 3; i < d.length; i += 16) if (d[i] !== 0) return true; } catch (e) { return true; }
    return false; });
  const loading = !!h.querySelector('.loading, [data-test="loading-indicator"], [aria-label="loading"]');
  const error = !!h.querySelector('[role="alert"], .alert-danger, .ant-alert-error, .ant-empty');
  const number = (h.querySelector('.header-line, .kpi-value') || {textContent: ''}).textContent.trim();
  const done = /\d/.test(number) || h.querySelectorAll('tbody tr').length > 0 || ink
               || h.querySelectorAll('svg path, svg rect, svg circle, svg text').length > 5;
  return {loading, error, done};
})
"""


def dashboards() -> list[tuple[str, str, int]]:
    out = []
    for f in sorted((BUNDLE / "dashboards").glob("*.yaml")):
        d = yaml.safe_load(f.read_text(encoding="utf-8"))
        n = sum(1 for v in d["position"].values() if isinstance(v, dict) and v.get("type") == "CHART")
        out.append((d["slug"], d["dashboard_title"], n))
    return out


def clear_data_cache() -> None:
    cache = settings.VAR / "superset" / "cache" / "data"
    if cache.exists():
        shutil.rmtree(cache)
        cache.mkdir(parents=True)


def login_state(browser, base: str, password: str) -> dict:
    """The admin's session cookie (one login per run: each timed opening starts a fresh context with it)."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(f"{base}/login/")
        page.fill("#username", "admin")
        page.fill("#password", password)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda u: "/login" not in u, wait_until="commit", timeout=120_000)
        return ctx.storage_state()
    finally:
        ctx.close()


def render_seconds(browser, base: str, state: dict, slug: str, charts: int, timeout: float = 120) -> float:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1400}, locale="zh-CN", storage_state=state)
    page = ctx.new_page()
    try:
        clear_data_cache()
        t0 = time.perf_counter()
        page.goto(f"{base}/superset/dashboard/{slug}/", wait_until="commit")
        while time.perf_counter() - t0 < timeout:
            states = page.evaluate(STATE_JS)
            if len(states) >= charts and all(s["done"] and not s["loading"] for s in states):
                return time.perf_counter() - t0
            if any(s["error"] for s in states):
                raise RuntimeError(f"{slug}: a chart shows an error or empty state")
            page.wait_for_timeout(50)
        raise RuntimeError(f"{slug}: not rendered in {timeout}s")
    finally:
        ctx.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('SUPERSET_PORT', '8088')}")
    ap.add_argument("--note", default="", help="what drop the warehouse held, whether the machine was shared")
    args = ap.parse_args()
    password = (settings.SECRETS / "superset_admin_password").read_text().strip()
    rows: list[dict] = []
    cmd = f".venv/bin/python -m bench.dashboards --repeat {args.repeat}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                     args=CHROMIUM_ARGS, headless=True)
        try:
            state = login_state(browser, args.url, password)
            render_seconds(browser, args.url, state, *dashboards()[0][::2])   # warm the browser's asset cache
            for slug, title, n in dashboards():
                times = [render_seconds(browser, args.url, state, slug, n) for _ in range(args.repeat)]
                rows.append({"slug": slug, "title": title, "charts": n, "seconds": [round(t, 2) for t in times],
                             "median": round(statistics.median(times), 2), "max": round(max(times), 2)})
                print(f"{slug:32} {n:3d} charts  median {rows[-1]['median']:6.2f}s  max {rows[-1]['max']:6.2f}s",
                      flush=True)
                report(rows, args.note, cmd)   # after every dashboard: an interrupted run keeps what it measured
        finally:
            browser.close()
    print(report(rows, args.note, cmd))


def report(rows: list[dict], note_text: str, cmd: str):
    table = ["| dashboard | slug | charts | cold median s | cold max s | runs |", "|---|---|---:|---:|---:|---|"]
    table += [f"| {r['title']} | {r['slug']} | {r['charts']} | {r['median']:.2f} | {r['max']:.2f} | "
              f"{', '.join(f'{t:.2f}' for t in r['seconds'])} |" for r in rows]
    note = (f"\n\n{note_text}\n" if note_text else "") + (
        "\nCold: Superset's chart-data cache emptied before each opening, a fresh browser context; timed from "
        "navigation to every chart drawn with data (no spinner). Target (issue 19): ≤ 3 s at the demo scale, "
        "≤ 5 s at scale 0.1.")
    return write_result("dashboards", cmd, {"dashboards": rows, "note": note_text}, "\n".join(table) + note)


if __name__ == "__main__":
    main()
