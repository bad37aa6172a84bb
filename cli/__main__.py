"""北京人社统计数据仓库 — one command for every task.

    python -m cli <command> [arguments]        (or `hrss <command>` when the project is pip-installed)
    python -m cli <command> --help             the command's own arguments

Each command is the part's own entry point (its arguments unchanged), imported only when called.
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

# command -> (module, function, arguments put in front, one-line help)
COMMANDS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "db": ("pipeline.roles", "db_main", (), "embedded PostgreSQL: start (then the database roles) | stop | status | url | psql"),
    "roles": ("pipeline.roles", "main", (), "database roles per component: setup | check | topics | service NAME TOPIC[,TOPIC…]"),
    "generate": ("synth.__main__", "main", (), "write a synthetic drop: --start YYYYMM --months n --scale x --seed n"),
    "load": ("loaders.__main__", "main", ("load",), "validate and load: --month YYYYMM | --all [--force]"),
    "daily": ("pipeline.daily", "main", (),
              "apply the daily (T+1) increments, then refresh the topic libraries they feed: [--interface NAME] [--no-refresh] | --status"),
    "daily-generate": ("synth.daily", "main", (), "write daily increments from the drop's roll-ups: --month YYYYMM [--days n]"),
    "manual": ("loaders.manual", "main", (), "the manual-entry form: template | import FILE --month YYYYMM"),
    "build": ("pipeline.build", "main", (), "load + incremental dbt build: [--month] [--full-refresh] [--test-all]"),
    "quality": ("pipeline.quality", "main", (), "write the data quality report of a month"),
    "governance-feedback": ("pipeline.governance", "main", ("feedback",),
                            "数据治理反馈 XLSX per provider for a month: --month YYYYMM"),
    "publish": ("pipeline.release", "main", ("publish",), "promote the review release: --month YYYYMM [--force]"),
    "signoff": ("pipeline.signoff", "main", (),
                "审核确认单: [--status] | --sheet (XLSX + PDF) | --all-demo (demo/test pipelines sign as demo users)"),
    "fixed-reports": ("pipeline.fixedreports.archive", "main", (),
                      "固定报表 XLSX + PDF of a month: --month YYYYMM [--release review|official] [--no-pdf]"),
    "bulletin": ("pipeline.bulletin", "main", (), "监督快报 (text + XLSX + PDF) of a month: --month YYYYMM"),
    "raw": ("pipeline.raw_retention", "main", (),
            "raw-layer retention: plan [--keep N] | archive [--keep N] | restore --month YYYYMM | list"),
    "rollback": ("pipeline.release", "main", ("rollback",), "restore the previous official release"),
    "release-info": ("pipeline.release", "main", ("info",), "the official and previous releases (JSON)"),
    "status": ("pipeline.status", "main", (), "per month: arrived, loaded, built, checks, published, backed up"),
    "backup": ("pipeline.backup", "main", ("backup",), "full or incremental backup: --month YYYYMM"),
    "restore-test": ("pipeline.backup", "main", ("restore-test",), "restore the latest backup chain and verify it"),
    "backups": ("pipeline.backup", "main", ("list",), "list the backup chains"),
    "dbt": ("runtime.dbt", "main", (), "dbt (or `dbt mf …`, MetricFlow) with the warehouse connection"),
    "cube": ("cube.serve", "main", (), "the cube API: start | stop | status | url"),
    "portal": ("portal.serve", "main", (), "the portal (history database): start | stop | status | restart"),
    "services": ("services.cli", "main", (), "data services (数据接口服务): start | stop | setup | key … | audit-verify | feeds | alerts"),
    "listmatch": ("listmatch.__main__", "main", (), "名单比对 and 自助分析: compare IN.xlsx --returns … --as-of YYYYMM -o OUT.xlsx | analyse CODE"),
    "history": ("history.__main__", "main", (), "history database: sync | load-published | load-warehouse | report | import | template"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [__doc__.strip(), "", "commands:"]
    lines += [f"  {name.ljust(width)}  {spec[3]}" for name, spec in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module, function, front, _ = COMMANDS[name]
    entry: Callable[[list[str]], int | None] = getattr(importlib.import_module(module), function)
    return entry([*front, *rest]) or 0


if __name__ == "__main__":
    sys.exit(main())
