"""Dashboard render time in headless Chromium (issue 19): every dashboard of the Superset bundle, opened with cold
Superset caches, timed until every chart on it has drawn its data (no spinner).

    .venv/bin/python -m bench.dashboards [--repeat 3] [--browser-cache both|warm|cold] [--superset-cache cold|published|warm]
                                         [--before FILE.json]

Results: bench/results/dashboards.md — this run's section on top, the earlier sections kept below it as they were
(dashboards.json: this run only).

Needs the running Superset of `make superset` (the warehouse it reads is whatever drop was built: say which, --note).
Every dashboard of superset/dashboards/dashboards/*.yaml is measured (the bundle the browser tests check).

What "cold" means here, for every timed opening:
* Superset's caches are empty: var/superset/cache/data (chart and filter results) and var/superset/cache/meta
  (dashboard metadata) are emptied just before the opening — the state right after a build / publish / rollback,
  which empty the same two folders (pipeline/caches.py). Superset's processes keep running (no restart), and
  PostgreSQL's shared buffers and the operating system's page cache are not dropped (that needs a restart / root):
  the warehouse tables the charts read are in memory, as on a server that runs all day.
* The browser's cache of static assets (JavaScript bundles, CSS, fonts, the language pack) is either
  - warm, a returning user (--browser-cache warm): one browser profile for the whole run in which every dashboard
    was opened once before timing; each timed opening is a new tab of that profile. Superset serves its hashed
    assets with Cache-Control: max-age=31536000, so such a browser loads them from its cache without asking;
  - cold, a first visit (--browser-cache cold): a fresh browser context per opening (Playwright contexts share no
    HTTP cache), so every asset is downloaded and compiled again.
  The target's natural reading is the returning user with cold Superset caches; both are reported.
* --superset-cache published: emptied as above, then filled for this dashboard as `make publish` / rollback /
  `make superset` do (`superset/manage.py warm-cache <slug>`: every chart's default query as a city-wide login, untimed)
  — the first opening after a publish; district logins are not warmed.
* --superset-cache warm (not the default) keeps Superset's caches instead: a second view of a dashboard whose chart
  data another opening by the same user already put in the result cache (the untimed opening before the timed ones).
Timed from navigation start to the moment every chart holder shows content (big number / table rows / drawn canvas or
SVG) and no loading indicator is left. Besides the total, each opening records when the first /api/v1/chart/data
request left the browser and when the last one was answered (the front end's start-up, then the data wait), and for
every chart-data request the time from sending it to the first byte of the answer (the browser's resource timing:
Superset's time for the request plus the wait for a free worker thread; less sensitive to the browser's own CPU).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import yaml

from bench.common import earlier_sections, write_result
from foundation import settings

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "superset" / "dashboards"
CACHE_DIRS = [settings.VAR / "superset" / "cache" / "data", settings.VAR / "superset" / "cache" / "meta"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1600, "height": 1400}

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
               || h.querySelectorAll('svg path, svg rect, svg circle, svg text').length > 5
               || h.querySelectorAll('svg a path').length > 0;   // the 区县地图 (one district for a district user)
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


def clear_superset_caches() -> None:
    """Empty Superset's result and metadata caches, as a build / publish does (pipeline/caches.py)."""
    for d in CACHE_DIRS:
        if d.exists():
            shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True, exist_ok=True)


def login_state(browser, base: str, password: str) -> dict:
    """The admin's session cookie (one login per run: each timed opening starts with it)."""
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


def new_context(browser, state: dict):
    return browser.new_context(viewport=VIEWPORT, locale="zh-CN", storage_state=state)


def warm_superset_cache(slug: str) -> None:
    """What a publish does after emptying the caches (pipeline/dashboard_defaults.warm), for this dashboard only."""
    subprocess.run([str(ROOT / ".venv-superset" / "bin" / "python"), str(ROOT / "superset" / "manage.py"),
                    "warm-cache", slug], cwd=ROOT, check=True, capture_output=True)


def open_dashboard(ctx, base: str, slug: str, charts: int, timeout: float = 120, clear: bool = True,
                   warm: bool = False) -> dict:
    """One cold-cache opening in a new tab of `ctx`: {total, first_request, last_data} in seconds from navigation."""
    page = ctx.new_page()
    t0 = time.perf_counter()
    data: dict[str, list[float]] = {"sent": [], "answered": [], "server": [], "chart_sent": []}

    def sent(req):
        if "/api/v1/chart/data" in req.url:
            data["sent"].append(time.perf_counter() - t0)
            if "slice_id" in req.url:   # a chart's own request (a filter's options query names no chart)
                data["chart_sent"].append(time.perf_counter() - t0)

    def answered(req):
        if "/api/v1/chart/data" in req.url:
            data["answered"].append(time.perf_counter() - t0)
            timing = req.timing
            if timing.get("requestStart", -1) >= 0 and timing.get("responseStart", -1) >= 0:
                data["server"].append((timing["responseStart"] - timing["requestStart"]) / 1000)

    page.on("request", sent)
    page.on("requestfinished", answered)
    try:
        if clear:
            clear_superset_caches()
        if warm:
            warm_superset_cache(slug)
        t0 = time.perf_counter()
        page.goto(f"{base}/superset/dashboard/{slug}/", wait_until="commit")
        while time.perf_counter() - t0 < timeout:
            states = page.evaluate(STATE_JS)
            if len(states) >= charts and all(s["done"] and not s["loading"] for s in states):
                total = time.perf_counter() - t0
                return {"total": total, "first_request": min(data["sent"], default=total),
                        "first_chart_request": min(data["chart_sent"], default=total),
                        "last_data": max(data["answered"], default=total),
                        "server": data["server"]}
            if any(s["error"] for s in states):
                raise RuntimeError(f"{slug}: a chart shows an error or empty state")
            page.wait_for_timeout(50)
        raise RuntimeError(f"{slug}: not rendered in {timeout}s")
    finally:
        page.close()


def measure(browser, base: str, state: dict, mode: str, repeat: int, boards, progress,
            clear: bool = True, warm: bool = False) -> list[dict]:
    rows = []
    # the returning user's browser (its own name: `warm` is whether Superset's cache is filled before each opening)
    returning = new_context(browser, state) if mode == "warm" else None
    try:
        if returning is not None:                # the returning user: every asset of every dashboard in the cache
            for slug, _title, n in boards:
                try:
                    open_dashboard(returning, base, slug, n, clear=clear)
                except RuntimeError:
                    pass                         # measured (and reported) below
        for slug, title, n in boards:
            runs, problem = [], None
            for _ in range(repeat):
                ctx = returning or new_context(browser, state)
                try:
                    runs.append(open_dashboard(ctx, base, slug, n, clear=clear, warm=warm))
                except RuntimeError as e:       # reported in the table, the other dashboards still measured
                    problem = str(e)
                finally:
                    if ctx is not returning:
                        ctx.close()
            if not runs:
                rows.append({"slug": slug, "title": title, "charts": n, "browser_cache": mode, "error": problem})
                progress(rows[-1])
                continue
            totals = [r["total"] for r in runs]
            rows.append({"slug": slug, "title": title, "charts": n, "browser_cache": mode,
                         "seconds": [round(t, 2) for t in totals],
                         "median": round(statistics.median(totals), 2), "max": round(max(totals), 2),
                         "first_request_median": round(statistics.median(r["first_request"] for r in runs), 2),
                         "first_chart_request_median": round(
                             statistics.median(r["first_chart_request"] for r in runs), 2),
                         "last_data_median": round(statistics.median(r["last_data"] for r in runs), 2),
                         "server_median": round(statistics.median(
                             [x for r in runs for x in r["server"]] or [0.0]), 3),
                         "requests": round(statistics.median(len(r["server"]) for r in runs))})
            progress(rows[-1])
    finally:
        if returning is not None:
            returning.close()
    return rows


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--browser-cache", choices=("both", "warm", "cold"), default="both",
                    help="warm: a returning user's browser (assets cached); cold: a first visit; both (default)")
    ap.add_argument("--superset-cache", choices=("cold", "published", "warm"), default="cold",
                    help="cold (default): Superset's caches emptied before each opening; published: emptied, then "
                         "warmed as a publish does (manage.py warm-cache, untimed); warm: kept (a second view)")
    ap.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('SUPERSET_PORT', '8088')}")
    ap.add_argument("--only", nargs="*", default=None, help="these dashboard slugs only (default: every dashboard)")
    ap.add_argument("--before", type=Path, help="a previous run's JSON (dashboards.json) to show side by side")
    ap.add_argument("--note", default="", help="what drop the warehouse held, whether the machine was shared")
    args = ap.parse_args()
    password = (settings.SECRETS / "superset_admin_password").read_text().strip()
    boards = [b for b in dashboards() if args.only is None or b[0] in args.only]
    modes = ["warm", "cold"] if args.browser_cache == "both" else [args.browser_cache]
    before = json.loads(args.before.read_text()) if args.before else None
    cmd = (f".venv/bin/python -m bench.dashboards --repeat {args.repeat} --browser-cache {args.browser_cache}"
           + (f" --superset-cache {args.superset_cache}" if args.superset_cache != "cold" else "")
           + (f" --only {' '.join(args.only)}" if args.only is not None else "")
           + (f" --before {args.before}" if args.before else ""))
    earlier = earlier_sections("dashboards")   # kept below this run's section (bench/results/dashboards.md)
    run = {"dashboards": [], "note": args.note, "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
           "load_average_start": load_average(), "load_average_end": None,
           "superset_workers": settings.get().superset_workers, "superset_cache": args.superset_cache}

    def progress(row: dict) -> None:
        run["dashboards"].append(row)
        run["load_average_end"] = load_average()
        report(run, cmd, before, earlier)   # after every dashboard: an interrupted run keeps what it measured
        if "error" in row:
            print(f"{row['browser_cache']:4} {row['slug']:32} NOT MEASURED: {row['error']}", flush=True)
            return
        print(f"{row['browser_cache']:4} {row['slug']:32} {row['charts']:3d} charts  median {row['median']:6.2f}s  "
              f"max {row['max']:6.2f}s  (first chart-data request {row['first_request_median']:.2f}s, a chart's own "
              f"{row['first_chart_request_median']:.2f}s, "
              f"last data {row['last_data_median']:.2f}s, {row['requests']} chart-data requests, "
              f"median {row['server_median'] * 1000:.0f} ms each)", flush=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                     args=CHROMIUM_ARGS, headless=True)
        try:
            state = login_state(browser, args.url, password)
            for mode in modes:
                measure(browser, args.url, state, mode, args.repeat, boards, progress,
                        clear=args.superset_cache != "warm", warm=args.superset_cache == "published")
        finally:
            browser.close()
    print(report(run, cmd, before, earlier).read_text(encoding="utf-8").split("\n## ", 2)[1])


def report(run: dict, cmd: str, before: dict | None = None, earlier: str | None = None) -> Path:
    prev = {(r["slug"], r.get("browser_cache", "cold")): r for r in (before or {}).get("dashboards", [])}
    head = "| browser cache | dashboard | slug | charts | cold median s | cold max s | first chart request s " \
           "(any / a chart's own) | " \
           "last data s | chart-data requests | server ms per request | runs |"
    table = [head + (" before: median / max s |" if before else ""),
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|" + ("---:|" if before else "")]
    for r in run["dashboards"]:
        p = prev.get((r["slug"], r["browser_cache"]))
        if "error" in r:
            table.append(f"| {r['browser_cache']} | {r['title']} | {r['slug']} | {r['charts']} | – | – | – | – | – | – | "
                         f"not measured: {r['error']} |" + (" – |" if before else ""))
            continue
        table.append(f"| {r['browser_cache']} | {r['title']} | {r['slug']} | {r['charts']} | {r['median']:.2f} | "
                     f"{r['max']:.2f} | {r['first_request_median']:.2f}"
                     + (f" / {r['first_chart_request_median']:.2f}" if "first_chart_request_median" in r else "")
                     + f" | {r['last_data_median']:.2f} | "
                     f"{r.get('requests', '–')} | "
                     + (f"{r['server_median'] * 1000:.0f}" if "server_median" in r else "–") + " | "
                     f"{', '.join(f'{t:.2f}' for t in r['seconds'])} |"
                     + ((f" {p['median']:.2f} / {p['max']:.2f} |" if p and "median" in p else " – |") if before else ""))
    for mode in ("warm", "cold"):
        rows = [r for r in run["dashboards"] if r["browser_cache"] == mode and "error" not in r]
        if rows:
            worst = max(rows, key=lambda r: r["max"])
            table.append(f"\n{mode} browser cache: {len(rows)} dashboards, median of the medians "
                         f"{statistics.median(r['median'] for r in rows):.2f} s, worst opening {worst['max']:.2f} s "
                         f"({worst['slug']}); {sum(r['max'] <= 3 for r in rows)} of {len(rows)} within 3 s every "
                         f"time; the first chart request leaves after "
                         f"{statistics.median(r['first_request_median'] for r in rows):.2f} s (median)"
                         + (f", a chart-data request takes {statistics.median(r['server_median'] for r in rows) * 1000:.0f}"
                            f" ms at the server (median of the dashboards' medians)." if all("server_median" in r for r in rows)
                            else "."))
    load = (f"\nLoad average (1, 5, 15 min) at the start {run['load_average_start']}, at the end "
            f"{run['load_average_end']}, on {os.cpu_count()} cores; Superset: {run['superset_workers']} gunicorn "
            f"workers.")
    if before:
        load += (f" The 'before' run: load {before.get('load_average_start', '?')} → "
                 f"{before.get('load_average_end', '?')}, {before.get('command', '')}.")
    warm_superset = run.get("superset_cache") == "warm"
    published = run.get("superset_cache") == "published"
    note = (f"\n\n{run['note']}\n" if run["note"] else "") + load + (
        "\n\nSuperset caches WARM in this run (--superset-cache warm): not emptied between openings, so every "
        "timed opening is a second view whose chart data is in the result cache; the 'cold' columns mean the "
        "browser only." if warm_superset else "") + (
        "\n\nSuperset caches as after a publish (--superset-cache published): emptied before each opening, then "
        "filled by `superset/manage.py warm-cache <slug>` as `make publish` does (every chart's default query as a "
        "city-wide login — admin, leadership, analyst — opens it; untimed); district logins are not warmed and "
        "would see the cold figures." if published else "") + (
        "\n\nCold: Superset's result and metadata caches (var/superset/cache/data, …/meta) emptied before each "
        "opening, as a build or publish does; PostgreSQL's buffers and the OS page cache not dropped. Browser cache "
        "'warm' = a returning user (one profile, every dashboard opened once before timing, assets cached for a "
        "year); 'cold' = a first visit (a fresh profile per opening). Timed from navigation to every chart drawn "
        "with data (no spinner); 'first chart request' = when the first /api/v1/chart/data request left (any: a "
        "filter's options query too; a chart's own: the first request naming a chart), 'last "
        "data' = when the last one was answered. Target (issue 19): ≤ 3 s at the demo scale, ≤ 5 s at scale 0.1.")
    return write_result("dashboards", cmd, run, "\n".join(table) + note, keep=earlier)


if __name__ == "__main__":
    main()
