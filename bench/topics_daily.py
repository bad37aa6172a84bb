"""The topic libraries' refresh after a day's increment (pipeline/daily.py), at a given scale (target: ≤ 5 min at 0.1).

    python -m bench.topics_daily [--scale 0.1] [--days 3] [--seed 42] [--keep] [--resume]

In its own database `bench_topics_daily` (dropped first, and at the end):
1. generates the roll-ups of 202411–202501 (var/bench/topics_daily/scale_<x>/exchange) and loads 202411 and 202412
   only: January arrives day by day, after the latest roll-up, as it would in production;
2. builds the topic libraries with everything upstream of them (`dbt build --select +path:models/topics
   +path:snapshots/topics`, as tests/integration/test_topics.py) — the first, monthly build; timed, not the target;
3. writes January's daily files (synth.daily) and applies sequence 1 (the 2024-12-31 full state) with its refresh
   (reported: it changes no library, every version is dated inside the roll-up's month);
4. makes each of the first `--days` days of January arrive in turn: times the daily load (`load_daily`) and the
   refresh of the affected topic libraries (`refresh`: dbt build of what the changed sources reach, with its tests,
   snapshots, change logs and monitoring views) — the refresh is the figure the target is about. Per day: the
   libraries rebuilt, models and tests, and who entered / left each library that day (from the change logs).
The load average of the machine is recorded beside every figure (the machine is shared). Writes
bench/results/topics_daily.md (+ .json; the earlier sections are kept below the new one) and the same section into
bench/results/daily.md. Each dbt run's slowest nodes (run_results.json) are listed, to show where the time goes.

--keep leaves the database (a topic-built warehouse of the scale, e.g. for bench.services --url); --resume continues
a kept database with the next `--days` days (no generation, load or monthly build): the figures after a change to
the models, on the same warehouse.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time

import psycopg

from bench.common import RESULTS, load_avg, write_result
from bench.daily import DailyFeed
from foundation import settings

START, MONTHS, DAILY_MONTH = "202411", 3, "202501"
SPARE_DAYS = 4  # daily files written beyond --days, for --resume
SECTION = ("<!-- topics_daily: written by bench/topics_daily.py -->", "<!-- /topics_daily -->")


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.topics_daily")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--keep", action="store_true", help="keep the database (--database) at the end")
    ap.add_argument("--database", default="bench_topics_daily",
                    help="the benchmark's own database (default bench_topics_daily; another name runs a second scale "
                         "beside a kept one in the same cluster)")
    ap.add_argument("--reuse-drop", action="store_true",
                    help="use the roll-ups an earlier run generated (same scale and seed) instead of generating them again")
    ap.add_argument("--resume", action="store_true",
                    help="continue a kept bench_topics_daily with the next --days days (no generation, load or build)")
    ap.add_argument("--verify", action="store_true",
                    help="after the last day, rebuild the incrementally merged tables whole (--full-refresh) and compare "
                         "(EXCEPT ALL both ways)")
    return ap.parse_args(argv)


# the models a daily refresh merges for the changed persons / units (macros/topic_incremental.sql)
INCREMENTAL = [("intermediate", "int_identity__person_records"), ("intermediate", "int_identity__natural_person"),
               ("intermediate", "int_identity__person_conflicts"),
               ("topic_profile", "topic_profile__status"),
               ("topic_employment_protection", "topic_employment_protection__status"),
               ("topic_employment_protection", "topic_employment_protection__units"),
               ("topic_agricultural_hukou", "topic_agricultural_hukou__status"),
               ("topic_unemployment_refund", "topic_unemployment_refund__status"),
               ("topic_natural_person", "topic_natural_person__status"),
               ("topic_natural_person", "topic_natural_person__persons"),
               ("topic_profile", "topic_profile__persons"), ("topic_profile", "topic_profile__units"),
               ("topic_self_service", "topic_self_service__status"),
               ("topic_self_service", "topic_self_service__person_facts"),
               ("topic_legal_person", "topic_legal_person__status")]


# the snapshots that compare only the changed members after a daily load, and the key of their status table
SNAPSHOT_KEYS = {"natural_person": "id_number", "profile": "id_number", "agricultural_hukou": "id_number",
                 "employment_protection": "id_number", "self_service": "person_key", "legal_person": "credit_code",
                 "unemployment_refund": "credit_code"}


def verify(url: str) -> dict:
    """The merged tables as the last refresh left them against a full rebuild of each (dbt run --full-refresh of
    those models on the same state): rows, and rows in one and not the other (EXCEPT ALL both ways; the evaluation
    time aside). The rebuilt tables stay (they are the same)."""
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("drop schema if exists bench_merged cascade")
        c.execute("create schema bench_merged")
        for s, t in INCREMENTAL:
            c.execute(f"create table bench_merged.{t} as select * from {s}.{t}")
    la = load_avg()
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "run", "--no-use-colors", "--full-refresh", "--select",
                          *[t for _, t in INCREMENTAL]], cwd=settings.ROOT, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"full rebuild for --verify failed:\n{res.stdout[-3000:]}")
    out = {"rebuild_s": round(secs, 1), "load_avg": la, "tables": {}}
    with psycopg.connect(url, autocommit=True) as c:
        for s, t in INCREMENTAL:
            cols = ", ".join(r[0] for r in c.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
                "and column_name not in ('evaluated_at', 'refreshed_at') order by ordinal_position", (s, t)))
            n = c.execute(f"select count(*) from {s}.{t}").fetchone()[0]
            d1 = c.execute(f"select count(*) from (select {cols} from bench_merged.{t} except all "
                           f"select {cols} from {s}.{t}) x").fetchone()[0]
            d2 = c.execute(f"select count(*) from (select {cols} from {s}.{t} except all "
                           f"select {cols} from bench_merged.{t}) x").fetchone()[0]
            out["tables"][t] = {"rows": n, "merged_not_rebuilt": d1, "rebuilt_not_merged": d2}
        c.execute("drop schema bench_merged cascade")
        # the snapshots compared only the changed members (macros/topic_snapshot.sql): each one's current versions
        # must be exactly its status table's rows, as after dbt's comparison of every member
        out["snapshots"] = {}
        for lib, key in SNAPSHOT_KEYS.items():
            current = (f"select member_key, in_population, reason from topic_{lib}.snap_topic_{lib} "
                       "where dbt_valid_to is null and coalesce(dbt_is_deleted, 'False') <> 'True'")
            status = f"select {key}, in_population, reason from topic_{lib}.topic_{lib}__status"
            out["snapshots"][f"snap_topic_{lib}"] = {
                "current": c.execute(f"select count(*) from ({current}) x").fetchone()[0],
                "snapshot_not_status": c.execute(f"select count(*) from ({current} except all {status}) x").fetchone()[0],
                "status_not_snapshot": c.execute(f"select count(*) from ({status} except all {current}) x").fetchone()[0]}
    print(f"[bench] --verify: full rebuild of the merged models {secs:.0f}s; "
          + ", ".join(f"{t} {v['rows']:,} rows, diff {v['merged_not_rebuilt']}/{v['rebuilt_not_merged']}"
                      for t, v in out["tables"].items())
          + "; snapshots against status " + ", ".join(f"{t} {v['snapshot_not_status']}/{v['status_not_snapshot']}"
                                                      for t, v in out["snapshots"].items()),
          flush=True)
    return out


def fmt_verify(v: dict) -> list[str]:
    ok = all(x["merged_not_rebuilt"] == 0 and x["rebuilt_not_merged"] == 0 for x in v["tables"].values())
    return [f"**Equality (--verify)**: after the last refresh, each incrementally merged table compared with a full "
            f"rebuild of it on the same state (`dbt run --full-refresh` of the {len(v['tables'])} models, "
            f"{v['rebuild_s']:.0f} s at load {v['load_avg']}), EXCEPT ALL both ways without the evaluation time: "
            + "; ".join(f"`{t}` {x['rows']:,} rows, {x['merged_not_rebuilt']} / {x['rebuilt_not_merged']} differ"
                        for t, x in v["tables"].items())
            + (" — **identical**." if ok else " — **DIFFERENT**."), "",
            "**Snapshots (--verify)**: each snapshot that compared only the changed members (macros/topic_snapshot.sql), "
            "its current versions against its status table after the rebuild (EXCEPT ALL both ways): "
            + "; ".join(f"`{t}` {x['current']:,} current, {x['snapshot_not_status']} / {x['status_not_snapshot']} differ"
                        for t, x in v.get("snapshots", {}).items())
            + (" — the restricted comparison missed nothing." if all(
                x["snapshot_not_status"] == 0 and x["status_not_snapshot"] == 0 for x in v.get("snapshots", {}).values())
               else " — **the restricted comparison MISSED changes**."), ""]


def slowest(target, n: int = 8) -> list[dict]:
    """The n slowest nodes of the last dbt invocation (target/run_results.json): name, status and seconds."""
    try:
        raw = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return []
    raw.sort(key=lambda r: -(r.get("execution_time") or 0))
    return [{"node": r["unique_id"].split(".", 2)[-1] if r["unique_id"].startswith("test.") else r["unique_id"].split(".")[-1],
             "status": r["status"], "s": round(r.get("execution_time") or 0, 1)} for r in raw[:n]]


def fmt_slowest(nodes: list[dict]) -> str:
    return ", ".join(f"{x['node']} {x['s']:.0f}" for x in nodes) or "—"


def main(argv=None) -> int:
    a = parse_args(argv)
    from loaders.daily import load_daily
    from loaders.load import load_month
    from pipeline.daily import refresh
    from synth.__main__ import generate

    root = settings.VAR / "bench" / "topics_daily" / f"scale_{a.scale}"
    exchange, target = root / "exchange", root / "target"
    base = settings.admin_url().rsplit("/", 1)[0]
    url = f"{base}/{a.database}"
    os.environ.update({"WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(root / "logs")})
    if a.resume:
        return resume(a, root, url, base, refresh, load_daily)
    t = time.perf_counter()
    stamp = root / "generated.txt"  # written once the roll-ups are complete: scale and seed
    if not (a.reuse_drop and stamp.exists() and stamp.read_text() == f"{a.scale} {a.seed}"):
        stamp.unlink(missing_ok=True)
        generate(START, MONTHS, a.scale, a.seed, out=exchange, log=lambda *_: None)
        stamp.write_text(f"{a.scale} {a.seed}")
    gen_s = time.perf_counter() - t
    print(f"[bench] roll-ups {START}+{MONTHS} at scale {a.scale}: {gen_s:.0f}s (load {load_avg()})", flush=True)

    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        c.execute(f"drop database if exists {a.database} with (force)")
        c.execute(f"create database {a.database}")
    t = time.perf_counter()
    for m in ("202411", "202412"):
        load_month(m, url=url, folder=exchange / m, log=lambda *_: None)
    load_s = time.perf_counter() - t
    print(f"[bench] monthly load 202411–202412: {load_s:.0f}s", flush=True)
    la_build = load_avg()
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "build", "--no-use-colors", "--select", "+path:models/topics",
                          "+path:snapshots/topics", "--indirect-selection", "cautious"],
                         cwd=settings.ROOT, capture_output=True, text=True)
    build_s = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"topic build failed:\n{res.stdout[-3000:]}")
    build_slowest = slowest(target)
    print(f"[bench] monthly build of the topic libraries and their upstream: {build_s:.0f}s (load {la_build}); "
          f"slowest: {fmt_slowest(build_slowest)}", flush=True)

    feed = DailyFeed(root, DAILY_MONTH, a.days + SPARE_DAYS, exchange)
    dgen_s = feed.generate_s
    rows = run_days(feed, range(1, a.days + 2), url, root, target, refresh, load_daily)
    checked = verify(url) if a.verify else None
    if not a.keep:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
            c.execute(f"drop database if exists {a.database} with (force)")

    days = rows[1:]
    head = [f"## Topic libraries after a day's increment (`python -m bench.topics_daily --scale {a.scale} --days {a.days}`)", "",
            f"**Scale {a.scale}**{'' if a.scale == 0.1 else ' (NOT the target scale 0.1)'}, own database "
            f"`{a.database}`. Roll-ups 202411–202501 "
            f"{'of an earlier run reused (--reuse-drop)' if gen_s < 5 else f'generated in {gen_s:.0f} s'}; 202411–202412 loaded "
            f"({load_s:.0f} s) and January left to the daily feed, so its days come after the latest roll-up. First "
            f"build of the topic libraries with everything upstream (`+path:models/topics +path:snapshots/topics`): "
            f"**{build_s:.0f} s** (load {la_build}; slowest nodes, s: {fmt_slowest(build_slowest)}). January's daily "
            f"files written in {dgen_s:.0f} s.", "", *(fmt_verify(checked) if checked else [])]
    cmd = (f"python -m bench.topics_daily --scale {a.scale} --days {a.days}" + (" --keep" if a.keep else "")
           + (" --verify" if a.verify else ""))
    write(a, cmd, head, rows, days, {"generate_s": gen_s, "load_s": load_s, "build_s": build_s,
                                     "build_slowest": build_slowest, "verify": checked})
    return 0


def resume(a, root, url, base, refresh, load_daily) -> int:
    """--resume: the next --days days on the kept database (their files were written by the first run)."""
    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        if not c.execute("select 1 from pg_database where datname = %s", (a.database,)).fetchone():
            raise SystemExit(f"--resume: no database {a.database} (run once with --keep first)")
    feed = DailyFeed.__new__(DailyFeed)
    from foundation.daily_spec import load_daily_specs
    feed.staged, feed.folder, feed.specs = root / "staged", root / "daily", load_daily_specs()
    done = [int(m.group(1)) for p in feed.folder.rglob("*.txt*") if (m := re.search(r"_(\d{6})\.txt", p.name))]
    first = max(done) + 1
    staged = {int(m.group(1)) for p in feed.staged.rglob("*.txt*") if (m := re.search(r"_(\d{6})\.txt", p.name))}
    seqs = [s for s in range(first, first + a.days) if s in staged]
    if not seqs:
        raise SystemExit(f"--resume: no staged daily files from sequence {first} on")
    rows = run_days(feed, seqs, url, root, root / "target", refresh, load_daily)
    checked = verify(url) if a.verify else None
    if not a.keep:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
            c.execute(f"drop database if exists {a.database} with (force)")
    head = [f"## Topic libraries after a day's increment, continued (`python -m bench.topics_daily --scale {a.scale} "
            f"--days {a.days} --resume`)", "",
            f"**Scale {a.scale}**{'' if a.scale == 0.1 else ' (NOT the target scale 0.1)'}, the kept database "
            f"`{a.database}` of the run below, continued with sequences {seqs[0]}–{seqs[-1]} (no generation, "
            "load or monthly build in this run).", "", *(fmt_verify(checked) if checked else [])]
    cmd = (f"python -m bench.topics_daily --scale {a.scale} --days {a.days} --resume" + (" --keep" if a.keep else "")
           + (" --verify" if a.verify else ""))
    write(a, cmd, head, rows, rows, {"resumed": True, "verify": checked})
    return 0


def run_days(feed, seqs, url, root, target, refresh, load_daily) -> list[dict]:
    """Each sequence in turn: arrive, load_daily, refresh; timed, with the refresh's slowest nodes and who moved."""
    folder = feed.folder
    rows = []
    for seq in seqs:
        feed.arrive(seq)
        la = load_avg()
        t = time.perf_counter()
        summary = load_daily(url=url, folder=folder, log=lambda *_: None, reports=root / "reports")
        load_secs = time.perf_counter() - t
        assert all(v["status"] == "applied" for v in summary.values()), summary
        la_refresh = load_avg()
        with psycopg.connect(url) as c:
            began = c.execute("select now()::timestamp").fetchone()[0]
        t = time.perf_counter()
        done = refresh(url=url, log=lambda *_: None)
        secs = time.perf_counter() - t
        assert done["status"] == "ok", done
        nodes = slowest(target)
        with psycopg.connect(url) as c:
            moved = {}
            for lib in done["libraries"]:
                moved[lib] = dict(c.execute(
                    f"select change_type, count(*) from {lib}.{lib}__change_log where business_date = %s "
                    "and refreshed_at >= %s group by 1", (done["business_date"], began)).fetchall())
        rows.append({"seq": seq, "business_date": done["business_date"], "load_s": round(load_secs, 1),
                     "refresh_s": round(secs, 1), "load_avg": la, "load_avg_refresh": la_refresh,
                     "rows": sum(x.get("rows_read", 0) for v in summary.values() for x in v["applied"]),
                     "libraries": done["libraries"], "models": done["models"], "tests": done["tests"],
                     "interfaces": done["interfaces"], "moved": moved, "slowest": nodes})
        print(f"[bench] seq {seq} ({done['business_date']}): load {load_secs:.1f}s, refresh {secs:.1f}s of "
              f"{len(done['libraries'])} libraries (load {la_refresh}); slowest: {fmt_slowest(nodes)}", flush=True)
    return rows


def write(a, cmd: str, head: list[str], rows: list[dict], days: list[dict], data: dict) -> None:
    worst = max(days, key=lambda r: r["refresh_s"])
    lines = [*head,
             "| sequence | business day | rows applied (7 interfaces) | daily load s | topic refresh s | libraries refreshed | "
             "models + snapshots / tests | entered / left that day | load average at refresh |",
             "|---:|---|---:|---:|---:|---|---:|---|---|"]
    for r in rows:
        label = f"{r['business_date']} initial full load (not the target)" if r["seq"] == 1 else r["business_date"]
        moved = ", ".join(f"{k.removeprefix('topic_')} +{v.get('entered', 0)}/−{v.get('left', 0)}"
                          for k, v in r["moved"].items() if v.get("entered") or v.get("left")) or "—"
        lines.append(f"| {r['seq']} | {label} | {r['rows']:,} | {r['load_s']:.1f} | {r['refresh_s']:.1f} | "
                     f"{len(r['libraries'])} | {r['models']} / {r['tests']} | {moved} | {r['load_avg_refresh']} |")
    lines += ["", "Slowest nodes of each refresh (dbt run_results.json execution_time, seconds):", ""]
    lines += [f"- sequence {r['seq']}: {fmt_slowest(r.get('slowest', []))}" for r in rows]
    lines += ["", f"Target: the topic libraries refresh after a daily load in ≤ 5 min at scale 0.1 — slowest day "
                  f"{worst['refresh_s']:.1f} s ({'met' if worst['refresh_s'] <= 300 else 'NOT met'}"
                  f"{'' if a.scale == 0.1 else f' at scale {a.scale}; not measured at 0.1'}).", "",
              "The refresh is one `dbt build` of what the changed sources reach (staging views, intermediate/identity, "
              "the libraries, their snapshots, change logs and monitoring views, with their tests); its time includes "
              "dbt's start and (partial) parse of the project."]
    section = "\n".join(lines)
    md_path = RESULTS / "topics_daily.md"
    earlier = md_path.read_text(encoding="utf-8") if md_path.exists() else ""
    earlier = earlier.split("\n## ", 1)[1] if "\n## " in earlier else ""
    md = write_result("topics_daily", cmd, {"scale": a.scale, **data, "runs": rows}, section)
    if earlier:
        with md_path.open("a", encoding="utf-8") as f:
            f.write("\n# Earlier runs (kept)\n\n## " + earlier.replace("\n# Earlier runs (kept)\n", "\n"))
    daily_md = RESULTS / "daily.md"
    text = daily_md.read_text(encoding="utf-8") if daily_md.exists() else "# daily\n"
    block = f"{SECTION[0]}\n{section}\n\nLoad average (1 / 5 / 15 min) at the start of each step; machine shared.\n{SECTION[1]}"
    if SECTION[0] in text:
        text = re.sub(re.escape(SECTION[0]) + r".*?" + re.escape(SECTION[1]), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    daily_md.write_text(text, encoding="utf-8")
    print(f"[bench] → {md}, {daily_md}")


if __name__ == "__main__":
    raise SystemExit(main())
