"""Topic libraries on a scratch database: two refreshes (as of 2024-12, then 2025-01) of the twelve libraries.

The change log between the refreshes lists exactly who entered and who left each population (with a reason
that is not the population's), freshness is measured against the sources' business month, the contracts
hold the declared types, and the retirement rule agrees with the generator's own rule for every candidate."""
import json
import os
import subprocess
import sys

import numpy as np
import psycopg
import pytest

from foundation import settings
from foundation.months import month_index
from loaders.load import load_month
from synth.__main__ import generate
from synth.population import retirement_month

pytestmark = pytest.mark.integration
MONTHS = ["202411", "202412", "202501"]
LIBS = {"natural_person": ("topic_natural_person__persons", "id_number"),
        "legal_person": ("topic_legal_person__units", "credit_code"),
        "near_retirement": ("topic_near_retirement__persons", "insurance_type_code || ':' || id_number"),
        "unemployment_check": ("topic_unemployment_check__persons", "id_number"),
        "agricultural_hukou": ("topic_agricultural_hukou__persons", "id_number"),
        "insurance_rights": ("topic_insurance_rights__persons", "insurance_type_code || ':' || id_number"),
        "skill_subsidy": ("topic_skill_subsidy__person_roster", "record_key"),
        "self_service": ("topic_self_service__person_facts", "person_key"),
        "employment_protection": ("topic_employment_protection__persons", "id_number"),
        "unemployment_refund": ("topic_unemployment_refund__units", "credit_code"),
        "hr_market": ("topic_hr_market__persons", "id_number"),
        "profile": ("topic_profile__persons", "id_number")}


def _build(url, tmp, as_of):
    env = {**os.environ, "WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(tmp / "target"), "DBT_LOG_PATH": str(tmp / "logs")}
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "build", "--no-use-colors", "--select",
                          "+path:models/topics", "+path:snapshots/topics", "--indirect-selection", "cautious",
                          "--vars", json.dumps({"topic_as_of": as_of})],
                         cwd=settings.ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-4000:]


def _members(c):
    return {lib: {r[0] for r in c.execute(f"select {key} from topic_{lib}.{model}")} for lib, (model, key) in LIBS.items()}


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, module_scratch_url):
    tmp = tmp_path_factory.mktemp("topics")
    url = module_scratch_url
    generate(MONTHS[0], len(MONTHS), 0.0005, 11, out=tmp / "exchange", log=lambda *_: None)
    for m in MONTHS:
        load_month(m, url=url, folder=tmp / "exchange" / m, log=lambda *_: None)
    _build(url, tmp, "2024-12-01")
    with psycopg.connect(url) as c:
        first = _members(c)
        fresh1 = dict(c.execute("select schema_name, freshness_lag_months from topic_monitor.topic_monitor__freshness"))
    _build(url, tmp, "2025-01-01")
    with psycopg.connect(url) as c:
        second = _members(c)
    return url, first, second, fresh1


def test_change_log_lists_exactly_who_entered_and_left(refreshed):
    url, first, second, _ = refreshed
    with psycopg.connect(url) as c:
        for lib in LIBS:
            # the second refresh's changes: snapshot versions stamped after its status evaluation
            log = c.execute(f"""select change_type, member_key, reason from topic_{lib}.topic_{lib}__change_log
                                where refreshed_at >= (select max(evaluated_at) from topic_{lib}.topic_{lib}__status)""").fetchall()
            monitor = c.execute("select entered_last_refresh, left_last_refresh from topic_monitor.topic_monitor__libraries "
                                "where schema_name = %s", (f"topic_{lib}",)).fetchone()
            entered = {k for t, k, _ in log if t == "entered"}
            left = {k for t, k, _ in log if t == "left"}
            assert entered == second[lib] - first[lib], lib
            assert left == first[lib] - second[lib], lib
            assert monitor == (len(entered), len(left)), lib
            assert all(r for t, _, r in log), f"{lib}: every change has a reason"
            assert first[lib] and second[lib], f"{lib}: both refreshes have a population"
    # Something actually moved: the retirement window slides by a month.
    assert second["near_retirement"] - first["near_retirement"] or first["near_retirement"] - second["near_retirement"]


def test_freshness_against_the_sources_business_month(refreshed):
    url, _, _, fresh1 = refreshed
    assert set(fresh1.values()) == {1}, "as of 2024-12 with 2025-01 loaded: one month behind"
    with psycopg.connect(url) as c:
        rows = c.execute("select schema_name, freshness_lag_months, is_fresh, population_rows, last_refresh "
                         "from topic_monitor.topic_monitor__freshness").fetchall()
    assert len(rows) == len(LIBS)
    assert all(r[1] == 0 and r[2] and r[3] > 0 and r[4] is not None for r in rows), rows


def test_contracts_hold_the_declared_types(refreshed):
    url, *_ = refreshed
    import yaml

    with psycopg.connect(url) as c:
        for lib, (model, _) in LIBS.items():
            doc = yaml.safe_load((settings.WAREHOUSE_DBT / "models" / "topics" / lib / f"_{lib}__models.yml").read_text(encoding="utf-8"))
            declared = next(m for m in doc["models"] if m["name"] == model)
            assert declared["config"]["meta"]["population_rule_version"] == "v1"
            actual = dict(c.execute("select column_name, format_type(atttypid, atttypmod) from information_schema.columns ic "
                                    "join pg_attribute a on a.attrelid = (quote_ident(ic.table_schema) || '.' || quote_ident(ic.table_name))::regclass "
                                    "and a.attname = ic.column_name where table_schema = %s and table_name = %s",
                                    (f"topic_{lib}", model)).fetchall())
            want = {col["name"]: col["data_type"] for col in declared["columns"]}
            norm = {"int": "integer", "timestamp": "timestamp without time zone"}
            assert {k: norm.get(v, v) for k, v in want.items()} == actual, lib


def test_retirement_rule_matches_the_generators_rule(refreshed):
    """Every enterprise candidate's statutory retirement month equals synth.population.retirement_month (女 as 工人)."""
    url, *_ = refreshed
    with psycopg.connect(url) as c:
        rows = c.execute("select birth_date, gender_code, female_base_age, retirement_month "
                         "from topic_near_retirement.topic_near_retirement__status").fetchall()
    assert len(rows) > 100
    birth = np.array([r[0] for r in rows], dtype="datetime64[D]")
    gender = np.array([r[1] for r in rows])
    cadre = np.array([r[2] == 55 for r in rows])
    expected = retirement_month(birth, gender, cadre)
    got = np.array([month_index(r[3].strftime("%Y%m")) for r in rows])
    assert (expected == got).all()
