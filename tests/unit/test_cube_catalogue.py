"""The cube catalogue is consistent: perspectives (access/model.yaml) and KPI goals (warehouse/seeds/caliber/caliber_kpi_goals.csv) only name
cubes, measures and dimensions that exist; every cube speaks Chinese to its users and declares how stocks and
distinct counts behave."""
from __future__ import annotations

import re

import pytest

from cube import access, kpi
from cube.model import load_cubes

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_perspectives_name_existing_cubes_measures_and_dimensions():
    cubes = load_cubes()
    for pname, p in access.access_config()["perspectives"].items():
        if p["cubes"] == "*":
            continue
        for cname, entry in p["cubes"].items():
            assert cname in cubes, (pname, cname)
            cube = cubes[cname]
            if entry == "*":
                continue
            for m in entry.get("measures", []):
                assert m in cube.measures or m in cube.calculated, (pname, cname, m)
            for d in entry.get("dimensions", []):
                assert d in cube.dimensions, (pname, cname, d)


def test_leadership_sees_every_subject():
    seen = set(access.access_config()["perspectives"]["leadership"]["cubes"])
    assert {"pension", "job_market", "petition", "injury_insured", "maternity_insured", "dmp_fund_ledger"} <= seen


def test_kpi_goals_name_existing_measures():
    cubes = load_cubes()
    goals = kpi.load_goals()
    assert len({g["kpi"] for g in goals}) == len(goals)
    for g in goals:
        cube = cubes[g["cube"]]
        assert cube.resolve_measure(g["measure"]) is not None and cube.time_dimension, g["kpi"]
        assert CJK.search(g["label"]), g["kpi"]
        if g["direction"] == "higher":
            assert g["warning_limit"] <= g["goal"], g["kpi"]
        else:
            assert g["warning_limit"] >= g["goal"], g["kpi"]


@pytest.mark.parametrize("name", sorted(load_cubes()))
def test_every_cube_is_labelled_in_chinese(name):
    cube = load_cubes()[name]
    assert CJK.search(cube.label) and CJK.search(cube.description or ""), name
    for d in cube.dimensions.values():
        assert CJK.search(d.label), (name, d.name)
        for lv in d.levels:
            assert CJK.search(lv.label), (name, d.name, lv.name)
    for m in [*cube.measures.values(), *cube.calculated.values()]:
        assert CJK.search(m.label), (name, m.name)
    assert all(CJK.search(c.label) for c in cube.fact_columns), name
    assert [d.name for d in cube.dimensions.values() if d.is_time] == ["time"], name


def test_unit_level_monthly_counts_are_not_summed_over_months():
    """Counts reported per month (units' declared contributors, contributing units, cohorts' contributors,
    annual budgets, year-to-date execution) take the last month of a period, like stocks."""
    cubes = load_cubes()
    for cname, mname in [("injury_contribution", "contributors"), ("injury_contribution", "contributing_units"),
                         ("maternity_contribution", "contributors"), ("dmp_actuarial_cohort", "contributors"),
                         ("dmp_budget_execution", "planned"), ("dmp_budget_execution", "executed_ytd"),
                         ("training_trainee", "in_training"), ("injury_insured", "insured")]:
        assert cubes[cname].measures[mname].additivity == "stock", (cname, mname)
    for cname, mname in [("injury_settlement", "cases"), ("maternity_benefit", "beneficiaries"),
                         ("training_subsidy", "recipients")]:
        assert cubes[cname].measures[mname].additivity == "none", (cname, mname)
