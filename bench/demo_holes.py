"""Holes in the dashboards' data: district × month cells that are empty while Beijing has data.

    python -m bench.demo_holes [--min-beijing 1000] [--write]      on the warehouse of this worktree (schema official)

For every dataset of the Superset bundle (superset/dashboards/datasets/warehouse/*.yaml) that has district_code and
month_start, every additive metric (SUM(...) or COUNT(...), not ratios) is computed per district × month over the 16
districts and every month of the dataset. A *hole* is a cell that is 0, NULL or has no row while the month's Beijing
total of the metric is positive. The Beijing total is also given at scale 1 (÷ the data scale of dim_month, taken from
the drop's manifest), so a hole can be judged: "no cases in 门头沟 while Beijing has 3 000 a month" is a broken chart
at the demo scale, "none while Beijing has 20" is just a small district. ``--min-beijing N`` counts as *must-fill*
the count metrics (format ,d) whose Beijing total at scale 1 is ≥ N a month, and every amount metric (万元).
``--write`` writes bench/results/demo_holes.md.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "superset" / "dashboards" / "datasets" / "warehouse"
ADDITIVE = re.compile(r"^\s*(SUM|COUNT)\s*\((?:(?!\)).)*\)\s*(/\s*10000(\.0)?)?\s*$", re.I)


@dataclass
class MetricHoles:
    dataset: str
    table: str
    metric: str
    label: str
    is_count: bool
    months: list[int]
    beijing_scale1: dict[int, float]               # month_key → Beijing total at scale 1
    holes: list[tuple[int, str]] = field(default_factory=list)   # (month_key, district_code)

    def must_fill(self, min_beijing: float) -> bool:
        return (not self.is_count) or min(self.beijing_scale1.values(), default=0) >= min_beijing


def datasets() -> list[dict]:
    """The warehouse datasets of the bundle (KPI-card copies left out: they are self-joins of the same table)."""
    out = []
    for path in sorted(DATASETS.glob("*.yaml")):
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.stem.startswith("kpi_") or d.get("schema") != "official":
            continue
        out.append(d)
    return out


def _relation(d: dict, schema: str) -> str:
    if d.get("sql"):
        return f"({d['sql'].replace('official.', schema + '.')}) as ds"
    return f'{schema}."{d["table_name"]}" as ds'


def data_scales(conn: psycopg.Connection, schema: str = "official") -> dict[int, float]:
    """month_key → data scale of the release (dim_month.data_scale, from the drop's manifest)."""
    return {int(k): float(v) for k, v in conn.execute(f"select month_key, data_scale from {schema}.dim_month")}


def find_holes(conn: psycopg.Connection, only: set[str] | None = None, schema: str = "official") -> list[MetricHoles]:
    districts = [r[0] for r in conn.execute(
        f"select district_code from {schema}.dim_district where district_code <> '999999' order by district_sort")]
    scales = data_scales(conn, schema)
    out: list[MetricHoles] = []
    for d in datasets():
        if only and d["table_name"] not in only:
            continue
        rel = _relation(d, schema)
        cols = [c.name for c in conn.execute(f"select * from {rel} limit 0").description]
        if "district_code" not in cols or "month_start" not in cols:
            continue
        metrics = [m for m in d.get("metrics") or [] if ADDITIVE.match(m["expression"])]
        if not metrics:
            continue
        exprs = ", ".join(f"{m['expression']} as m{i}" for i, m in enumerate(metrics))
        rows = conn.execute(
            f"select (extract(year from month_start) * 100 + extract(month from month_start))::int, district_code, "
            f"{exprs} from {rel} where district_code <> '110000' group by 1, 2").fetchall()
        months = sorted({r[0] for r in rows})
        for i, m in enumerate(metrics):
            cell: dict[tuple[int, str], float] = {}
            beijing: dict[int, float] = defaultdict(float)
            for r in rows:
                v = float(r[2 + i] or 0)
                cell[(r[0], r[1])] = v
                beijing[r[0]] += v
            mh = MetricHoles(d["table_name"], d["table_name"], m["metric_name"], m.get("verbose_name") or m["metric_name"],
                             (m.get("d3format") or "").endswith("d"), months,
                             {mk: beijing[mk] / float(scales.get(mk) or 1) for mk in months})
            for mk in months:
                if beijing[mk] <= 0:
                    continue
                mh.holes += [(mk, dc) for dc in districts if not cell.get((mk, dc))]
            out.append(mh)
    return out


def report(found: list[MetricHoles], min_beijing: float, scale: str) -> str:
    must = [h for h in found if h.holes and h.must_fill(min_beijing)]
    small = [h for h in found if h.holes and not h.must_fill(min_beijing)]
    cells = sum(len(h.months) * 16 for h in found)
    lines = [f"Data scale: {scale}. {len(found)} additive metrics in {len({h.dataset for h in found})} datasets, "
             f"{cells:,} district × month cells; {sum(len(h.holes) for h in found):,} empty while Beijing has data.",
             "",
             f"**Must fill** (amounts, and counts of which Beijing has ≥ {min_beijing:,.0f} a month at scale 1): "
             f"{len(must)} metrics with holes, {sum(len(h.holes) for h in must):,} cells.", ""]
    if must:
        lines += ["| dataset | metric | Beijing / month at scale 1 (min) | empty cells | examples (month district) |",
                  "|---|---|---:|---:|---|"]
        for h in sorted(must, key=lambda h: -len(h.holes)):
            ex = ", ".join(f"{mk} {dc}" for mk, dc in h.holes[:4])
            lines.append(f"| {h.dataset} | {h.label} ({h.metric}) | {min(h.beijing_scale1.values()):,.0f} | "
                         f"{len(h.holes)} | {ex} |")
    lines += ["", f"Small counts (Beijing < {min_beijing:,.0f} a month at scale 1; a small district may have none): "
              f"{len(small)} metrics, {sum(len(h.holes) for h in small):,} cells."]
    if small:
        lines += ["", "| dataset | metric | Beijing / month at scale 1 (min) | empty cells |", "|---|---|---:|---:|"]
        for h in sorted(small, key=lambda h: -len(h.holes)):
            lines.append(f"| {h.dataset} | {h.label} ({h.metric}) | {min(h.beijing_scale1.values()):,.0f} | "
                         f"{len(h.holes)} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    sys.path.insert(0, str(ROOT))
    from foundation import settings

    ap = argparse.ArgumentParser(prog="python -m bench.demo_holes", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-beijing", type=float, default=1000)
    ap.add_argument("--schema", default="official", help="official (default) or marts (the review release)")
    ap.add_argument("--write", action="store_true", help="write bench/results/demo_holes.md")
    a = ap.parse_args(argv)
    with psycopg.connect(settings.warehouse_url()) as conn:
        scale = ", ".join(sorted({f"{v:g}" for v in data_scales(conn, a.schema).values()}))
        found = find_holes(conn, schema=a.schema)
    text = report(found, a.min_beijing, scale)
    print(text)
    if a.write:
        out = ROOT / "bench" / "results" / "demo_holes.md"
        out.write_text("# demo holes\n\nReproduce: `python -m bench.demo_holes --write` (on the published warehouse)\n\n"
                       + text, encoding="utf-8")
    must = [h for h in found if h.holes and h.must_fill(a.min_beijing)]
    return 1 if must else 0


if __name__ == "__main__":
    sys.exit(main())
