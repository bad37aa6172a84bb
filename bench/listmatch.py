"""名单比对 benchmark: a 100 000-row and a 1 000 000-row list compared against a synthetic population.

    python -m bench.listmatch [--persons 2000000] [--units 100000] [--rows 100000,1000000]

The population is synthetic (labelled so in the results): N persons with valid GB 11643 numbers, Chinese names,
birth dates and districts, and M units with valid credit codes and 北京…有限公司 names, written by COPY into
`intermediate.int_identity__natural_person` / `int_identity__legal_unit` of a scratch database bench_listmatch
(dropped afterwards) — the tables and columns the engine reads in the warehouse. 2 000 000 persons / 100 000
units is the size of the scale-0.1 population. The lists come from listmatch.testlist (the same disturbances as
the precision/recall test: typos, swapped characters, old 15-digit numbers, missing numbers, unit suffixes,
absent people and units). Each run is `python -m cli listmatch compare LIST -o OUT` in a fresh process (as the
CLI runs it: read, normalise, match, record every row, write the XLSX, audit); wall time and peak RSS measured.
Returned fields are not requested: they read the staging views of a built warehouse, which the scratch database
does not have (they are one set-based query per field; see the integration test for them).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import psycopg

from bench.common import write_result
from foundation import settings
from foundation.checkdigits import CREDIT_CHARS, credit_check_chars, id_check_chars

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲菊梅琴云莲真环雪荣爱妹香月凤霞建国文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘")
TRADES = ["科技", "商贸", "咨询", "建筑工程", "餐饮管理", "物流", "医药", "教育", "电子", "机械", "能源", "文化传媒",
          "房地产开发", "广告", "信息技术", "环保", "食品", "服装", "印刷", "物业管理"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
DISTRICTS = ["110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110112", "110113",
             "110114", "110115", "110116", "110117", "110118", "110119"]


def population(n_persons: int, n_units: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    base = date(1950, 1, 1)
    n_days = (date(2005, 12, 31) - base).days
    i = np.arange(n_persons)
    day = i % n_days
    dist = (i // n_days) % len(DISTRICTS)
    seq = i // (n_days * len(DISTRICTS)) * 2 + rng.integers(0, 2, n_persons)
    births = [base + timedelta(days=int(d)) for d in range(n_days)]
    bstr = np.array([b.strftime("%Y%m%d") for b in births])
    first17 = np.char.add(np.char.add(np.array(DISTRICTS)[dist], bstr[day]), np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer("".join(first17).encode(), dtype=np.uint8).reshape(n_persons, 17) - 48
    ids = np.char.add(first17, id_check_chars(digits.astype(np.int64)))
    sur = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n_persons)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n_persons)]
    g2 = np.where(rng.random(n_persons) < 0.7, np.array(GIVEN)[rng.integers(0, len(GIVEN), n_persons)], "")
    names = np.char.add(np.char.add(sur, g1), g2)
    persons = [(ids[k], names[k], births[day[k]], DISTRICTS[dist[k]]) for k in range(n_persons)]
    units, seen = [], set()
    while len(units) < n_units:
        zh = "".join(rng.choice(GIVEN, 2)) + ("" if rng.random() < 0.6 else rng.choice(GIVEN))
        name = f"北京{zh}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        if name in seen:
            continue
        seen.add(name)
        units.append(name)
    vals = rng.integers(0, len(CREDIT_CHARS), (n_units, 17))
    vals[:, 0], vals[:, 1] = 9, 1
    heads = ["".join(CREDIT_CHARS[v] for v in row) for row in vals]
    codes = [h + c for h, c in zip(heads, credit_check_chars(vals))]
    return persons, list(zip(codes, units, [DISTRICTS[k % 16] for k in range(n_units)]))


def load(url: str, persons, units) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("create schema intermediate; create schema staging; create schema codes")
        c.execute("create table intermediate.int_identity__natural_person (id_number text primary key, person_name text, "
                  "birth_date date, district_code text, id_is_valid boolean default true)")
        c.execute("create table intermediate.int_identity__legal_unit (credit_code text primary key, unit_name text, "
                  "district_code text, industry_section text, deregister_date date)")
        c.execute("create table staging.stg_pension__persons (month_start date)")
        c.execute("insert into staging.stg_pension__persons values ('2024-12-01')")
        c.execute("create table codes.code_district (code text, name text, is_current boolean, sort_order int)")
        with c.cursor().copy("copy codes.code_district from stdin") as cp:
            for k, d in enumerate(DISTRICTS):
                cp.write_row((d, f"区{d}", True, k))
        with c.cursor().copy("copy intermediate.int_identity__natural_person (id_number, person_name, birth_date, "
                             "district_code) from stdin") as cp:
            for p in persons:
                cp.write_row(p)
        with c.cursor().copy("copy intermediate.int_identity__legal_unit (credit_code, unit_name, district_code) "
                             "from stdin") as cp:
            for u in units:
                cp.write_row(u)
        c.execute("create index on intermediate.int_identity__natural_person (birth_date)")
        c.execute("analyze")


def write_list(path: Path, persons, units, n: int) -> dict:
    from listmatch import testlist, xlsxfast

    pop = [(p[0], p[1], p[2], f"区{p[3]}") for p in persons]
    prow, ptruth, _ = testlist.person_rows(pop, n, seed=n)
    urow, utruth, _ = testlist.unit_rows([(u[0], u[1]) for u in units], n, seed=n + 1)
    head = ["姓名", "身份证号", "出生日期", "区", "单位名称", "统一社会信用代码"]
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(head)
            w.writerows(p + u for p, u in zip(prow, urow))
    else:
        ws = xlsxfast.Sheet("名单")
        ws.header(head)
        for p, u in zip(prow, urow):
            ws.append(p + u)
        path.write_bytes(xlsxfast.workbook([ws]))
    return {"persons_in_population": sum(t is not None for t in ptruth), "units_in_population": sum(t is not None for t in utruth)}


def compare(url: str, path: Path, out: Path) -> dict:
    code = ("import json, resource, sys, time\n"
            "t = time.perf_counter()\n"
            "from cli.__main__ import main\n"
            f"rc = main(['listmatch', 'compare', {str(path)!r}, '--returns', '', '--as-of', '202412', '-o', {str(out)!r}])\n"
            "u = resource.getrusage(resource.RUSAGE_SELF)\n"
            # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child of this process (which holds the
            # whole synthetic population) would report the parent's size
            "hwm = next(int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM'))\n"
            "print(json.dumps({'rc': rc, 'seconds': round(time.perf_counter() - t, 1), "
            "'cpu_seconds': round(u.ru_utime + u.ru_stime, 1), 'peak_rss_mib': round(hwm / 1024)}))\n")
    load_before = os.getloadavg()[0]
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=settings.ROOT,
                         env={**os.environ, "WAREHOUSE_URL": url})
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    lines = res.stdout.strip().splitlines()
    data = json.loads(lines[-1])
    data["summary"] = [ln for ln in lines if ln.startswith("任务")]
    data["load_average"] = round((load_before + os.getloadavg()[0]) / 2, 1)
    return data


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.listmatch")
    ap.add_argument("--persons", type=int, default=2_000_000)
    ap.add_argument("--units", type=int, default=100_000)
    ap.add_argument("--rows", default="100000,1000000")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database (and reuse it when it exists)")
    args = ap.parse_args(argv)
    from runtime import pg

    if not os.environ.get("WAREHOUSE_URL"):
        pg.start()
    admin = settings.admin_url()
    base = admin.rsplit("/", 1)[0]
    db = "bench_listmatch"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        exists = c.execute("select 1 from pg_database where datname = %s", (db,)).fetchone()
        if not (args.keep and exists):
            c.execute(f'drop database if exists "{db}" with (force)')
            c.execute(f'create database "{db}"')
    url = f"{base}/{db}"
    results = []
    try:
        t = time.perf_counter()
        persons, units = population(args.persons, args.units)
        if not (args.keep and exists):
            load(url, persons, units)
        built = round(time.perf_counter() - t, 1)
        print(f"[bench] population: {len(persons):,} persons, {len(units):,} units in {built} s", flush=True)
        from listmatch import store

        store.setup(url)
        with tempfile.TemporaryDirectory() as tmp:
            for n in (int(x) for x in args.rows.split(",")):
                path = Path(tmp) / (f"名单_{n}.xlsx" if n <= 100_000 else f"名单_{n}.csv")
                truth = write_list(path, persons, units, n)
                r = compare(url, path, Path(tmp) / f"结果_{n}.xlsx")
                r.update(rows=n, input=path.suffix[1:].upper(), input_mib=round(path.stat().st_size / 2**20, 1),
                         output_mib=round((Path(tmp) / f"结果_{n}.xlsx").stat().st_size / 2**20, 1), **truth)
                print(f"[bench] {n:,} rows: {r}", flush=True)
                results.append(r)
    finally:
        if not args.keep:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
                c.execute(f'drop database if exists "{db}" with (force)')
    target = {100_000: 30, 1_000_000: 300}
    table = ["| list rows | input | wall time (s) | target (s) | CPU of the process (s) | machine load average | peak RSS (MiB) "
             "| result XLSX (MiB) | matched (persons / units) |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        table.append(f"| {r['rows']:,} | {r['input']} {r['input_mib']} MiB | {r['seconds']} | ≤ {target.get(r['rows'], '—')} | "
                     f"{r['cpu_seconds']} | {r['load_average']} on {os.cpu_count()} cores | {r['peak_rss_mib']} | "
                     f"{r['output_mib']} | {' ; '.join(r['summary'])} |")
    scale = args.persons / 21_000_000
    md = (f"Population: **synthetic**, {args.persons:,} persons and {args.units:,} units (≈ scale {scale:.2g}: the "
          f"scale-0.001 drop has 21 057 persons and 1 021 units), written into a scratch database in {built} s. Lists from `listmatch.testlist` (28 % of persons "
          "and 65 % of units without a usable identifier). Each run: `python -m cli listmatch compare LIST -o OUT` in a "
          "fresh process — read, normalise, match, record every row (COPY), write the XLSX, audit. No returned fields "
          "(they need a built warehouse's staging views).\n\n" + "\n".join(table))
    write_result("listmatch", f"python -m bench.listmatch --persons {args.persons} --units {args.units} --rows {args.rows}",
                 {"persons": args.persons, "units": args.units, "results": results}, md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
