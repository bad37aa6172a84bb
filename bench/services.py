"""Data services (issue 18): single-person query latency and 50 concurrent callers, over loopback HTTP against the
service as `make services` runs it (uvicorn, SERVICES_WORKERS workers, database role wh_services).

    python -m bench.services [--persons 300] [--callers 50] [--seconds 60] [--no-restart] [--warehouse TEXT]
    WAREHOUSE_URL=…/bench_topics_daily python -m bench.services --warehouse "scale 0.1, …"   (another database)

1. cold single-person queries: the service is restarted (no warm connections, nothing cached in the
   application — the service has no result cache at all), then each of --persons distinct persons, never
   asked before in this run, is queried once, sequentially, through 社保数据-参保人员缴费月记录-五险查询服务 and
   市公安局-北京市户籍人员登记信息; p50 / p95 / max, and the very first call after the restart separately.
   PostgreSQL's own buffers stay warm (as in production).
   Then where the time of one call goes: the same calls in-process (services.app.call, no HTTP), each phase timed
   (key lookup, rate counter, parameters, SQL, masking, the audit append with its synchronous commit).
2. load: --callers threads, each with its own keep-alive HTTP connection, call a mix of four services with
   distinct persons / units for --seconds; every answer must be 200 (errors are counted and listed by status).
3. every service of the catalogue once more (best of 3 calls, after the load), with the unit that has the most
   five-insurance month records and an ordinary person, and how PostgreSQL reads its SQL (index or sequential scan):
   one table for all of them, so a look-up that lost its index or a unit query that grows with the unit shows.
A bench caller, approved request and key (rate limit off) are created in the platform's tables for the run; its
calls are audited like any other (and trigger the enumeration alert, as they should).
Results: bench/results/services.md and .json (the new run on top, the earlier runs kept below it). Scale: whatever
the warehouse holds — --warehouse says what it is (default: the test drop of `make generate`, SCALE=0.001); with
WAREHOUSE_URL the bench and the restarted service read that database (its roles set up by `python -m cli roles setup`
and `python -m cli services setup` with the same WAREHOUSE_URL, so that the service runs as wh_services).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx
import psycopg

from bench.common import RESULTS, write_result
from foundation import settings


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def samples(n: int) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    with psycopg.connect(settings.admin_url()) as conn:
        persons = [r[0] for r in conn.execute(
            "select distinct id_number from topic_data_services.topic_data_services__person_insurance_month "
            "where insurance_type_code = '110' order by 1 limit %s", (n * 20,))]
        units = [r[0] for r in conn.execute(
            "select credit_code from topic_legal_person.topic_legal_person__units order by 1 limit 2000")]
        pairs = conn.execute(
            "select distinct on (id_number) id_number, credit_code from "
            "topic_data_services.topic_data_services__person_insurance_month where insurance_type_code = '110' "
            "and credit_code is not null order by id_number, month_start desc limit 5000").fetchall()
        scale = conn.execute("select count(distinct id_number) from "
                             "topic_data_services.topic_data_services__person_insurance_month").fetchone()[0]
    return persons, units, pairs, scale


def bench_key() -> str:
    from services import catalogue, store

    with psycopg.connect(settings.admin_url(), autocommit=True) as conn:
        store.add_caller(conn, "bench", "基准测试", "性能测试")
        store.approve_request(conn, "BENCH", "bench", title="性能基准", purpose="性能基准测试(bench/services.py)",
                              services=sorted(catalogue.load()[0]),
                              caller_role="verify", expires_on=dt.date.today() + dt.timedelta(days=1))
        return store.issue_key(conn, "BENCH", label="bench", rate_per_minute=10_000_000)[1]


PHASES = (("app", "_authorise", "key lookup + scope"), ("app", "_rate_limit", "rate counter"),
          ("app", "validate", "parameters"), ("engine", "run", "the service's SQL"), ("engine", "shape", "masking"),
          ("audit", "append_event", "audit append (hash chain, synchronous commit)"), ("app", "_maybe_alert", "alert check"))


def phases(key: str, persons: list[str], n: int) -> tuple[dict, list[float]]:
    """Per-phase latency of n in-process calls of the two single-person services (ms: p50, p95)."""
    from services import app, audit, engine

    mods = {"app": app, "engine": engine, "audit": app.audit if hasattr(app, "audit") else audit}
    times: dict[str, list[float]] = {}
    saved = []
    for m, name, _ in PHASES:
        f = getattr(mods[m], name)
        saved.append((mods[m], name, f))

        def timed(*a, _f=f, _name=name, **k):
            t = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                times.setdefault(_name, []).append((time.perf_counter() - t) * 1000)
        setattr(mods[m], name, timed)
    total = []
    try:
        services, _ = app.catalogue()
        for code in ("ss_contribution_months_5", "ps_hukou"):
            for pid in persons[:n]:
                t = time.perf_counter()
                r = app.call(services[code], {"id_number": pid}, key)
                total.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.body[:200]
    finally:
        for mod, name, f in saved:
            setattr(mod, name, f)
    return {name: {"label": label, "p50_ms": pct(times.get(name, []), 50), "p95_ms": pct(times.get(name, []), 95)}
            for _, name, label in PHASES}, total


def sweep_values() -> tuple[dict, int]:
    """A value per parameter type: the largest unit (most five-insurance month records in its latest month) and a
    person of it, a household, a unit-name fragment; and the unit's record count."""
    with psycopg.connect(settings.admin_url()) as conn:
        credit, n = conn.execute(
            "select credit_code, count(*) from topic_data_services.topic_data_services__person_insurance_month "
            "where credit_code is not null and month_start = (select max(month_start) "
            "from topic_data_services.topic_data_services__person_insurance_month) "
            "group by 1 order by 2 desc limit 1").fetchone()
        person = conn.execute("select id_number from topic_data_services.topic_data_services__person_insurance_month "
                              "where credit_code = %s limit 1", (credit,)).fetchone()[0]
        household, unit_name, month = conn.execute(
            "select (select household_no from topic_natural_person.topic_natural_person__persons "
            "        where household_no is not null limit 1), "
            "(select unit_name from topic_legal_person.topic_legal_person__units limit 1), "
            "(select to_char(max(month_start), 'YYYYMM') "
            " from topic_data_services.topic_data_services__person_insurance_month)").fetchone()
    return {"id_number": person, "id_numbers": person, "credit_code": credit, "credit_codes": credit,
            "month": month, "year": month[:4], "district": "110105", "industry": "I", "household_no": household,
            "text": unit_name[2:4], "texts": unit_name}, n


def sweep(base: str, headers: dict) -> tuple[list[dict], int]:
    """Every service once (best of 3 over HTTP) and its plan's scan types (EXPLAIN as the owner, same SQL)."""
    import re

    from services import catalogue, engine
    from services.params import validate

    values, unit_rows = sweep_values()
    out = []
    with httpx.Client(timeout=120) as c, psycopg.connect(settings.admin_url()) as conn:
        for code, svc in sorted(catalogue.load()[0].items()):
            params = {p.name: values[p.type] for p in svc.parameters if p.required or p.type == "district"}
            best, status = None, None
            for _ in range(3):
                t = time.perf_counter()
                status = c.get(f"{base}/{code}", params=params, headers=headers).status_code
                ms = (time.perf_counter() - t) * 1000
                best = ms if best is None else min(best, ms)
            bind = {k: v for k, v in validate(svc, params).items() if k not in ("page", "page_size")}
            fields = [f.name for f in svc.fields]
            plan = "\n".join(r[0] for r in conn.execute(
                "explain " + engine.statement(svc, fields, bool(svc.limits.page_size)).as_string(conn),
                bind | {"_limit": 101, "_offset": 0}))
            scans = sorted(set(re.findall(r"(Seq Scan|Bitmap Index Scan|Index Only Scan|Index Scan|Bitmap Heap Scan) "
                                          r"(?:Backward )?(?:using \S+ )?on (\w+)", plan)))
            out.append({"service": code, "status": status, "best_ms": best, "params": sorted(params),
                        "scans": [f"{kind} {rel}" for kind, rel in scans]})
    return out, unit_rows


def earlier_runs() -> list[str]:
    """The runs services.md holds now, kept below the new one (the first one's Reproduce/Machine lines with it)."""
    path = RESULTS / "services.md"
    text = path.read_text(encoding="utf-8").strip() if path.exists() else ""
    if not text:
        return []
    body = text.split("\n", 1)[1].strip() if text.startswith("# services") else text
    if "# Earlier runs (kept)" not in body:  # a file from before the runs were kept: one run, ## headings
        body = "## Earlier run\n\n" + body.replace("\n## ", "\n### ")
    else:
        body = body.replace("\n# Earlier runs (kept)\n", "\n")
    return ["", "# Earlier runs (kept)", "", body]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.services")
    ap.add_argument("--persons", type=int, default=300)
    ap.add_argument("--callers", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--no-restart", action="store_true")
    ap.add_argument("--warehouse", default="the test drop is `make generate` SCALE=0.001, 3 months; scale 0.1 has "
                    "~100× as many", help="what the warehouse is (scale, months), for the result's first line")
    a = ap.parse_args(argv)
    load_before = os.getloadavg()
    persons, units, pairs, scale_persons = samples(a.persons)
    key = bench_key()
    base = f"http://127.0.0.1:{os.environ.get('SERVICES_PORT', '8091')}/api/v1/services"
    headers = {"X-API-Key": key}
    if not a.no_restart:
        subprocess.run([sys.executable, "-m", "cli", "services", "restart"], check=True, capture_output=True)

    # 1. cold single-person queries
    cold: dict[str, list[float]] = {"ss_contribution_months_5": [], "ps_hukou": []}
    first = None
    with httpx.Client(timeout=30) as c:
        for i, pid in enumerate(persons[:a.persons]):
            for code in cold:
                t = time.perf_counter()
                r = c.get(f"{base}/{code}", params={"id_number": pid}, headers=headers)
                ms = (time.perf_counter() - t) * 1000
                assert r.status_code == 200, (code, r.status_code, r.text[:200])
                if first is None:
                    first = ms
                cold[code].append(ms)

    # 1b. where the time goes (in-process, other persons than the cold run's)
    ph, ph_total = phases(key, persons[a.persons:a.persons * 2] or persons, min(a.persons, 200))

    # 2. concurrent callers
    stop = time.monotonic() + a.seconds
    lat: list[float] = []
    status: Counter = Counter()
    lock = threading.Lock()
    rest = persons[a.persons:] or persons

    def caller(n: int) -> None:
        local, st = [], Counter()
        i = n
        with httpx.Client(timeout=30) as c:
            while time.monotonic() < stop:
                kind = i % 4
                if kind == 0:
                    url, params = f"{base}/ss_contribution_months_5", {"id_number": rest[i % len(rest)]}
                elif kind == 1:
                    url, params = f"{base}/ps_hukou", {"id_number": rest[i % len(rest)]}
                elif kind == 2:
                    p = pairs[i % len(pairs)]
                    url, params = f"{base}/ss_person_in_unit", {"id_number": p[0], "credit_code": p[1]}
                else:
                    url, params = f"{base}/le_basic", {"credit_code": units[i % len(units)]}
                t = time.perf_counter()
                try:
                    code = c.get(url, params=params, headers=headers).status_code
                except httpx.HTTPError as e:
                    code = type(e).__name__
                local.append((time.perf_counter() - t) * 1000)
                st[code] += 1
                i += a.callers
        with lock:
            lat.extend(local)
            status.update(st)

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(a.callers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    total = sum(status.values())
    errors = total - status.get(200, 0)

    # 3. every service once
    every, unit_rows = sweep(base, headers)
    errors += sum(1 for x in every if x["status"] != 200)

    data = {"scale_persons": scale_persons, "cold": {k: {"n": len(v), "p50_ms": pct(v, 50), "p95_ms": pct(v, 95),
                                                         "max_ms": max(v)} for k, v in cold.items()},
            "first_call_ms": first, "load": {"callers": a.callers, "seconds": round(elapsed, 1), "requests": total,
                                             "errors": errors, "status": {str(k): v for k, v in status.items()},
                                             "rps": total / elapsed, "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95),
                                             "p99_ms": pct(lat, 99), "max_ms": max(lat) if lat else None},
            "every_service": every, "largest_unit_records": unit_rows,
            "phases": ph, "phases_total": {"n": len(ph_total), "p50_ms": pct(ph_total, 50), "p95_ms": pct(ph_total, 95)},
            "workers": int(os.environ.get("SERVICES_WORKERS", "2")),
            "load_average_before": load_before, "load_average_after": os.getloadavg()}
    db = psycopg.conninfo.conninfo_to_dict(settings.admin_url()).get("dbname")
    data["warehouse"] = {"database": db, "described": a.warehouse}
    md = [f"Warehouse: database `{db}`, {scale_persons} persons in the five-insurance month records ({a.warehouse} — "
          "the single-person services are index lookups, whose cost grows with log N). Service: uvicorn with "
          f"{data['workers']} workers on 127.0.0.1, database role wh_services; client on the same machine.", "",
          "### Single-person queries, cold (service restarted; no application cache exists; distinct persons)", "",
          "| service | n | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|"]
    for k, v in data["cold"].items():
        md.append(f"| {k} | {v['n']} | {v['p50_ms']:.1f} | {v['p95_ms']:.1f} | {v['max_ms']:.1f} |")
    md += ["", f"First call after the restart: {first:.1f} ms (each worker opens its first connections at start-up).", "",
           "### Where the time of one call goes (in-process, no HTTP; ms)", "",
           "| phase | p50 | p95 |", "|---|---:|---:|"]
    md += [f"| {v['label']} | {v['p50_ms']:.2f} | {v['p95_ms']:.2f} |" for v in ph.values()]
    md += [f"| **whole call** ({len(ph_total)} calls) | {pct(ph_total, 50):.2f} | {pct(ph_total, 95):.2f} |", "",
           f"### {a.callers} concurrent callers for {a.seconds} s (4 services mixed, keep-alive, loopback)", "",
           "| requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |", "|---:|---:|---:|---:|---:|---:|---:|",
           f"| {total} | {errors} | {data['load']['rps']:.0f} | {data['load']['p50_ms']:.1f} | "
           f"{data['load']['p95_ms']:.1f} | {data['load']['p99_ms']:.1f} | {data['load']['max_ms']:.1f} |", "",
           f"Status codes: {dict(status)}. Each call is authorised (key lookup), rate-counted, validated, answered "
           "and appended to the hash-chained audit log (serialised by an advisory lock) before it returns.", "",
           f"Machine load (1-min load average on 2 cores): {load_before[0]:.1f} before the run, "
           f"{data['load_average_after'][0]:.1f} after it — the concurrent part loads the machine itself ({a.callers} callers, "
           "the service's workers and PostgreSQL share the 2 cores; every audited answer waits for a WAL flush). A "
           "load well above 1 before the run means other work competed with it: re-run on a quiet machine.", "",
           f"### Every service once (best of 3 over HTTP; the largest unit: {unit_rows} records in its latest month)",
           "", "| service | status | best ms | parameters | how PostgreSQL reads it |", "|---|---:|---:|---|---|"]
    md += [f"| {x['service']} | {x['status']} | {x['best_ms']:.1f} | {', '.join(x['params'])} | "
           f"{'; '.join(x['scans']) or '– (a function or no table scan)'} |"
           for x in sorted(every, key=lambda x: -x["best_ms"])]
    cmd = "python -m bench.services " + shlex.join(argv if argv is not None else sys.argv[1:])
    if settings.get().warehouse_url:
        cmd = f"WAREHOUSE_URL=…/{db} {cmd}"
    md = [f"## Run of {dt.datetime.now():%Y-%m-%d %H:%M} (`{cmd}`)", "", *md, *earlier_runs()]
    path = write_result("services", cmd, data, "\n".join(md))
    print(path.read_text(encoding="utf-8"))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
