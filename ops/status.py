"""Per month: files arrived / missing, loaded, built, checks passed, published, backed up.

    python -m ops.status
"""
from __future__ import annotations

import sys

import psycopg

from loaders import dropzone
from ops import backup, settings


def rows(url: str | None = None) -> list[dict]:
    months = sorted({p.name for p in settings.EXCHANGE.glob("[0-9]" * 6)} |
                    {p.name for p in backup.BACKUPS.glob("[0-9]" * 6)})
    out = []
    with psycopg.connect(url or settings.warehouse_url()) as conn:
        def q(sql, *args):
            try:
                return conn.execute(sql, args).fetchall()
            except psycopg.Error:
                conn.rollback()
                return []

        loads = {r[0]: r[1] for r in q("select distinct on (data_month) to_char(data_month, 'YYYYMM'), status "
                                       "from audit.load_run order by data_month, run_id desc")}
        review = {r[0] for r in q("select month_key::text from marts.dim_month")}
        official = {r[0] for r in q("select month_key::text from official.dim_month")}
        build = q("select result, finished_at from audit.run_log where action = 'build' and result <> 'running' "
                  "order by run_id desc limit 1")
        release = q("select release_id, data_month from official.release_info")
        for m in months:
            problems, usable = dropzone.completeness(m) if (settings.EXCHANGE / m).exists() else ([], {})
            chain = backup.chain(m)
            out.append({
                "month": m,
                "arrived": f"{len(usable)}/{len(usable) + len(problems)}",
                "missing": ", ".join(p.file_name for p in problems) or "-",
                "loaded": loads.get(m, "-"),
                "built": "yes" if m in review else "-",
                "checks": (build[0][0] if build else "-") if m in review else "-",
                "published": (f"yes (release {release[0][0]})" if m in official and release else "-"),
                "backed_up": f"{len(chain)} ({chain[-1].name})" if chain else "-",
            })
    return out


def main() -> int:
    data = rows()
    header = {"month": "月份", "arrived": "到达/应到", "missing": "缺失或有误", "loaded": "加载", "built": "已构建",
              "checks": "校验", "published": "已发布", "backed_up": "备份"}
    widths = {k: max(len(header[k]) * 2, *(len(str(r[k])) for r in data)) if data else len(header[k]) * 2
              for k in header}
    print("  ".join(header[k].ljust(widths[k] - len(header[k])) for k in header))
    for r in data:
        print("  ".join(str(r[k]).ljust(widths[k]) for k in header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
