"""python -m cli listmatch compare IN.xlsx [--returns a,b,…] [--as-of 202412] -o OUT.xlsx
   python -m cli listmatch analyse CODE [--param k=v …] -o OUT.xlsx
   python -m cli listmatch fields | analyses | reasons | jobs
"""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from listmatch import analyses, engine, jobs, reader, store


def main(argv: list[str] | None = None) -> int:  # noqa: C901 — one branch per subcommand
    ap = argparse.ArgumentParser(prog="python -m cli listmatch", description="名单比对与自助分析")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare", help="比对一份名单(XLSX/CSV), 写出结果 XLSX")
    c.add_argument("input")
    c.add_argument("--returns", default=",".join(store.DEFAULT_RETURNS), help="返回字段, 逗号分隔(见 fields)")
    c.add_argument("--as-of", default=None, help="截止月份 YYYYMM(默认最新月份)")
    c.add_argument("-o", "--output", required=True)
    c.add_argument("--role", default="admin", help="按此门户角色脱敏(admin/data_admin 明文, 其他脱敏)")
    c.add_argument("--purpose", default="命令行名单比对")
    a = sub.add_parser("analyse", help="运行一个自助分析, 写出 XLSX")
    a.add_argument("code")
    a.add_argument("--param", action="append", default=[], help="参数 key=value(可重复; 列表用逗号)")
    a.add_argument("--list", default=None, help="名单文件(需要名单的分析)")
    a.add_argument("-o", "--output", required=True)
    a.add_argument("--role", default="admin")
    for name in ("fields", "analyses", "reasons", "jobs", "setup"):
        sub.add_parser(name)
    args = ap.parse_args(argv)
    user = f"cli:{getpass.getuser()}"
    if args.cmd == "setup":
        store.setup()
        print("[listmatch] 模式 listmatch 与审计日志已就绪")
        return 0
    with store.connect() as conn:
        if args.cmd == "fields":
            for k, (label, kind, _) in store.RETURNS.items():
                print(f"{k:28} {'人员' if kind == 'person' else '单位'}  {label}")
            return 0
        if args.cmd == "reasons":
            for k, (status, text) in engine.REASONS.items():
                print(f"{k}  {status}  {text}")
            return 0
        if args.cmd == "analyses":
            for d in analyses.ANALYSES.values():
                print(f"{d.code:22} {d.title}  参数: {', '.join(p.name for p in d.params)}")
            return 0
        if args.cmd == "jobs":
            store.ensure_schema(conn)
            for r in conn.execute(f"select job_id, created_at, created_by, kind, name, status, rows_in, input_sha256, "
                                  f"output_sha256 from {store.SCHEMA}.job order by job_id desc limit 30"):
                print(*r, sep="\t")
            return 0
        if args.cmd == "compare":
            if not Path(args.input).is_file():
                print(f"文件不存在: {args.input}", file=sys.stderr)
                return 2
            s = jobs.Settings(returns=[x for x in args.returns.split(",") if x], as_of=args.as_of)
            try:
                job_id = jobs.run(conn, Path(args.input).name, Path(args.input), s, user=user, role=args.role,
                                  purpose=args.purpose, out=args.output)     # streamed: the list is never held whole
            except reader.ListError as e:
                print("名单有误, 未比对:", *e.errors, sep="\n  ", file=sys.stderr)
                return 2
            except jobs.ParamError as e:
                print(f"参数有误: {e}", file=sys.stderr)
                return 2
            summary = conn.execute(f"select summary from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()[0]
            for part, d in summary.items():
                print(f"任务 {job_id} {'人员' if part == 'person' else '单位'}: {d['total']} 行, 确定 {d['确定']}, "
                      f"待复核 {d['待复核']}, 未匹配 {d['未匹配']}")
            print(f"结果: {args.output}")
            return 0
        if args.cmd == "analyse":
            params = dict(p.split("=", 1) for p in args.param if "=" in p)
            lst = None
            if args.list:
                lst = (Path(args.list).name, Path(args.list).read_bytes())
            try:
                out, _ = analyses.run(conn, args.code, params, user=user, role=args.role, upload=lst)
            except (analyses.ParamError, reader.ListError) as e:
                print(f"参数有误: {e}", file=sys.stderr)
                return 2
            Path(args.output).write_bytes(out)
            print(f"结果: {args.output}")
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
