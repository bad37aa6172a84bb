"""The indicators' 口径 as a dbt doc block (warehouse/models/_indicator_calibers.md), rendered from the one file of
indicator definitions so the dbt docs never drift from what the cube and the dashboards serve:

    python -m reconcile.calibers          # rewrite the doc block from warehouse/seeds/indicators/indicator_definitions.csv
"""
from __future__ import annotations

import sys

from foundation import settings
from reconcile.core import load_indicators

DOC_FILE = settings.WAREHOUSE_DBT / "models" / "_indicator_calibers.md"
HEADER = ("指标口径(一数一源): 每个发布指标统计什么、按哪个统计期、计入与排除哪些代码和项目、无区县人员与发放如何归属、"
          "如何舍入, 以及发布在哪里。全市行 110000 = 各区县行之和(含 999999 未知区县)。"
          "来源: warehouse/seeds/indicators/indicator_definitions.csv(种子 indicator_definitions); "
          "多维服务 /cube/{c}/model 的 caliber 与看板图表说明取自同一文件, 每次构建由 python -m reconcile 逐格核对。")


def _cell(v: str) -> str:
    return (v or "").replace("|", "\\|").replace("\n", " ")


def render(rows: list[dict] | None = None) -> str:
    rows = rows if rows is not None else load_indicators()
    out = ["{% docs indicator_calibers %}", HEADER, "",
           "| 指标代码 | 指标 | 业务 | 单位 | 口径 | 统计期 | 代码与项目 | 区县归属 | 舍入 | 报表集市 | 多维服务 | 看板 | 核对表 |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| " + " | ".join(_cell(x) for x in (
            r["indicator_code"], r["indicator_name"], r["subject"], r["unit"], r["definition"], r["period_basis"],
            r["codes_rule"], r["attribution"], r["rounding"], f"{r['mart']}.{r['mart_column']}",
            f"{r['cube']}.{r['cube_measure']}" if r["cube"] else "",
            f"{r['superset_dataset']}.{r['superset_metric']}" if r["superset_metric"] else "",
            f"{r['check_source']}.{r['check_measure']}" if r["check_source"] else "")) + " |")
    out += ["{% enddocs %}", ""]
    return "\n".join(out)


def main() -> int:
    DOC_FILE.write_text(render(), encoding="utf-8")
    print(DOC_FILE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
