"""The MetricFlow semantic layer against the real warehouse: `mf validate-configs` passes (semantics and every
semantic model, dimension, measure and metric queried on the database), and MetricFlow and the cube service give
the same numbers by quarter for flows, closing balances (stocks: the last month of the quarter), opening
balances (上期结转: the first month) and calculated sums (应处理案件数) — the two read the same model definitions,
so a rule changed on one side only fails here. Reads the review build (schema marts); fails when it is not built.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from foundation import settings

pytestmark = pytest.mark.integration


def mf(args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "WAREHOUSE_URL": settings.warehouse_url()}
    return subprocess.run([sys.executable, "-m", "runtime.dbt", "mf", *args], cwd=settings.ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


def test_validate_configs_passes(server_url):
    res = mf(["validate-configs"])
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    steps = [line for line in out.splitlines() if "ERRORS:" in line]
    assert len(steps) >= 5, out[-3000:]                      # semantics + the warehouse validations
    assert all("ERRORS: 0," in line.split("✔")[-1] for line in steps), steps


def _quarter(text: str) -> str:
    y, m = int(text[:4]), int(text[5:7])
    return f"{y}Q{(m - 1) // 3 + 1}"


@pytest.mark.parametrize("cube_name", ["arbitration", "pension"])
def test_metricflow_equals_cube_by_quarter(server_url, tmp_path: Path, cube_name):
    from cube import access
    from cube.app import Ctx, aggregate_result
    from cube.model import load_cubes

    cube = load_cubes()[cube_name]
    measures = [n for n, m in cube.measures.items() if m.additivity in ("additive", "stock", "opening")]
    measures += [n for n, c in cube.calculated.items() if c.type == "sum"]
    metric = {n: (cube.measures.get(n) or cube.calculated[n]).metric or n for n in measures}
    kinds = {cube.measures[n].additivity for n in measures if n in cube.measures}
    assert "additive" in kinds and ("stock" in kinds or "opening" in kinds)

    out = tmp_path / "mf.csv"
    res = mf(["query", "--metrics", ",".join(metric.values()), "--group-by", "metric_time__quarter",
              "--csv", str(out)])
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    with out.open(encoding="utf-8") as f:
        from_mf = {_quarter(r["metric_time__quarter"]): r for r in csv.DictReader(f)}
    assert from_mf, "MetricFlow returned no quarters"

    body = aggregate_result(Ctx(access.roles()["admin"], "marts", True), cube, drilldown="time@quarter",
                            measures=",".join(measures), pagesize=1000)
    from_cube = {c["time.quarter"]: c for c in body["cells"]}
    assert set(from_cube) == set(from_mf)
    for q, row in from_mf.items():
        for name, met in metric.items():
            want = float(row[met] or 0)
            assert float(from_cube[q][name]) == pytest.approx(want, abs=0.011), (cube_name, q, name, met)
