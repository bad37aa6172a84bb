"""dbt's run_results.json is read in one place (runtime.dbt.run_results) by the build and the quality report."""
import json

import pytest

from pipeline import build, quality
from runtime import dbt

PKG = "hrss_warehouse"


@pytest.fixture()
def target(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    return tmp_path


def _write(target, results):
    (target / "run_results.json").write_text(json.dumps({"metadata": {}, "results": results}), encoding="utf-8")


def test_no_run_results_yet(target):
    assert dbt.run_results() is None
    assert build._failed_tests() == ["(no run_results.json)"]
    assert quality._run_results() == []


@pytest.mark.parametrize("content", ["{not json", json.dumps({"metadata": {}}), "[]"])
def test_unreadable_run_results(target, content):
    (target / "run_results.json").write_text(content, encoding="utf-8")
    assert dbt.run_results() is None
    assert build._failed_tests() == ["(no run_results.json)"]


def test_results_parsed_once_and_used_by_build_and_quality(target):
    _write(target, [
        {"unique_id": f"model.{PKG}.stg_pension__persons", "status": "success", "failures": None, "message": "SELECT 5"},
        {"unique_id": f"seed.{PKG}.code_district", "status": "success", "failures": None, "message": None},
        {"unique_id": f"test.{PKG}.assert_pension_overview_equals_check_table", "status": "fail", "failures": 3,
         "message": "Got 3 results, configured to fail if != 0" + "x" * 400},
        {"unique_id": f"test.{PKG}.not_null_dim_month_month_key.1a2b3c", "status": "pass", "failures": 0,
         "message": None},
        {"unique_id": f"model.{PKG}.fct_pension_person_month", "status": "error", "failures": None,
         "message": "Database Error"},
        {"unique_id": f"test.{PKG}.unique_dim_district_code.9f8e", "status": "skipped", "failures": None},
    ])
    results = dbt.run_results()
    assert [(r["resource"], r["name"], r["status"], r["failures"]) for r in results] == [
        ("model", "stg_pension__persons", "success", 0),
        ("seed", "code_district", "success", 0),
        ("test", "assert_pension_overview_equals_check_table", "fail", 3),
        ("test", "not_null_dim_month_month_key", "pass", 0),
        ("model", "fct_pension_person_month", "error", 0),
        ("test", "unique_dim_district_code", "skipped", 0),
    ]
    assert results[1]["message"] == ""
    assert build._failed_tests() == ["assert_pension_overview_equals_check_table", "fct_pension_person_month"]
    tests = quality._run_results()
    assert [(t["test"], t["status"], t["failures"]) for t in tests] == [
        ("assert_pension_overview_equals_check_table", "fail", 3),
        ("not_null_dim_month_month_key", "pass", 0),
        ("unique_dim_district_code", "skipped", 0),
    ]
    assert len(tests[0]["message"]) == 300 and tests[1]["message"] == ""
