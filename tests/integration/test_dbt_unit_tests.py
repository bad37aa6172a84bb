"""The dbt unit tests (`unit_tests:` in warehouse/models/**/_*__unit_tests.yml: code mapping, unknown members,
age bands) run on the real PostgreSQL and pass; `dbt build` (make build) runs them too, before their models."""
import json
import os
import subprocess
import sys

import pytest

from foundation import settings

pytestmark = pytest.mark.integration


def test_dbt_unit_tests_pass(server_url, tmp_path):
    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")}
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "test", "--select", "test_type:unit", "--no-use-colors"],
                         cwd=settings.ROOT, env=env, capture_output=True, text=True)
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    unit = {r["unique_id"].split(".")[-1]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert res.returncode == 0, res.stdout[-3000:]
    assert {"int_injury__determinations_maps_codes_and_age_bands",
            "int_unemployment__insured_person_month_shape"} <= set(unit)
    assert set(unit.values()) == {"pass"}, unit
