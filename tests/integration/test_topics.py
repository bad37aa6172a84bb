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


def _build(url, tmp, as_of=None):
    """as_of None: the latest month loaded, without --vars (as the daily refresh runs: dbt then parses again only
    what changed)."""
    env = {**os.environ, "WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(tmp / "target"), "DBT_LOG_PATH": str(tmp / "logs")}
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "build", "--no-use-colors", "--select",
                          "+path:models/topics", "+path:snapshots/topics", "--indirect-selection", "cautious",
                          *(["--vars", json.dumps({"topic_as_of": as_of})] if as_of else [])],
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
    _build(url, tmp)  # as of 2025-01, the latest month
    with psycopg.connect(url) as c:
        second = _members(c)
    return url, first, second, fresh1, tmp


def test_change_log_lists_exactly_who_entered_and_left(refreshed):
    url, first, second, *_ = refreshed
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


def test_monitor_counts_only_the_changes_since_the_last_evaluation(refreshed):
    """entered / left of the last refresh are the snapshot versions stamped since the library's last evaluation —
    never an older one of a member who also changed since (topic_change_log's `since` bounds every version, the
    deletions included). A member of the natural-person library changed at the last refresh is given two versions
    years earlier, in the population and then deleted: the old 'left' must not be counted. (Before the daily test,
    whose full rebuild at its end leaves no snapshot version after the last evaluation.)"""
    url, tmp = refreshed[0], refreshed[-1]
    lib, snap = "natural_person", "topic_natural_person.snap_topic_natural_person"
    with psycopg.connect(url, autocommit=True) as c:
        since = c.execute(f"select max(evaluated_at) from topic_{lib}.topic_{lib}__status").fetchone()[0]
        member = c.execute(f"select member_key from {snap} where dbt_valid_from >= %s order by 1 limit 1",
                           (since,)).fetchone()
        assert member, "a member changed at the last refresh (the test drop's second month moves people)"
        cols = [r[0] for r in c.execute("select column_name from information_schema.columns where table_schema = %s "
                                        "and table_name = %s order by ordinal_position", tuple(snap.split(".")))]
        old = {"dbt_valid_from": "%(from)s::timestamp", "dbt_valid_to": "%(to)s::timestamp",
               "dbt_updated_at": "%(from)s::timestamp", "dbt_is_deleted": "%(deleted)s",
               "dbt_scd_id": "md5(%(from)s || member_key)", "in_population": "true"}
        insert = (f"insert into {snap} ({', '.join(cols)}) select {', '.join(old.get(n, n) for n in cols)} "
                  f"from {snap} where member_key = %(key)s order by dbt_valid_from limit 1")
        c.execute(insert, {"from": "2000-01-01", "to": "2000-02-01", "deleted": "False", "key": member[0]})
        c.execute(insert, {"from": "2000-02-01", "to": "2000-03-01", "deleted": "True", "key": member[0]})
    # with the views over it (a table rebuilt drops its dependent views: the freshness view is read next)
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "run", "--no-use-colors", "--full-refresh", "--select",
                          "topic_monitor__libraries+"], cwd=settings.ROOT, env={**os.environ, "WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(tmp / "target"), "DBT_LOG_PATH": str(tmp / "logs")},
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-4000:]
    with psycopg.connect(url) as c:
        log = c.execute(f"select change_type, count(*) from topic_{lib}.topic_{lib}__change_log "
                        "where refreshed_at >= %s group by 1", (since,)).fetchall()
        monitor = c.execute("select entered_last_refresh, left_last_refresh from topic_monitor.topic_monitor__libraries "
                            "where schema_name = %s", (f"topic_{lib}",)).fetchone()
    counts = dict(log)
    assert monitor == (counts.get("entered", 0), counts.get("left", 0)), (monitor, counts)

def test_freshness_against_the_sources_business_month(refreshed):
    url, _, _, fresh1, _ = refreshed
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


# ---- The daily (T+1) state (pipeline/daily.py, macros/daily_state.sql). Last in the module: it changes the database.

DEATH, HUKOU, LEGAL = "police_death_cancel_daily", "police_hukou_register_daily", "legal_person_basic_daily"
DAILY = [LEGAL, DEATH, HUKOU]  # as pipeline.daily lists the changed interfaces (by name)
POLICE_FED = {"natural_person", "agricultural_hukou", "employment_protection", "profile", "self_service"}
FED = POLICE_FED | {"legal_person", "unemployment_refund"}  # … and the libraries the legal-person register feeds


def _daily_files(tmp, url, folder):
    """The feed as the generator writes it (sequence 1 = the 2024-12-31 state, 2 = 2025-01-01: both inside the
    latest roll-up's month, so they must change nothing), then a hand-made 2025-02-01 (sequence 3): the police
    register the death of X, an agricultural-hukou member, and cancel X's hukou; the legal-person register
    deregisters Y, a unit judged by 企业免审即享. Returns X's ID number, Y's credit code and a function writing
    sequence 3 (the test applies and refreshes 1–2 first, so that 3 is an incremental refresh)."""
    from foundation.daily_spec import load_daily_specs
    from synth.daily import generate as daily_generate
    from synth.daily import write_day

    daily_generate("202501", 1, out=folder, exchange=tmp / "exchange", interfaces=DAILY, log=lambda *_: None)
    specs = load_daily_specs()
    hk, lp = specs[HUKOU], specs[LEGAL]
    names = [c.name for c in hk.entity_columns]
    lp_names = [c.name for c in lp.entity_columns]

    def rows(iface, seq, key_names, key):
        out = {}
        for line in next((folder / iface).glob(f"*_{seq:06d}.txt")).read_bytes().splitlines():
            fields = line.split(b"|")[2:]
            out[fields[key_names.index(key)].decode()] = fields
        return out

    dec, jan1 = rows(HUKOU, 1, names, "id_number"), rows(HUKOU, 2, names, "id_number")
    lp_dec, lp_jan1 = rows(LEGAL, 1, lp_names, "credit_code"), rows(LEGAL, 2, lp_names, "credit_code")
    with psycopg.connect(url) as c:
        members = {r[0] for r in c.execute("select id_number from topic_agricultural_hukou.topic_agricultural_hukou__persons")}
        dead = {r[0] for r in c.execute("select id_number from staging.stg_police__death_cancellations")}
        judged = [r[0] for r in c.execute("select credit_code from topic_unemployment_refund.topic_unemployment_refund__status "
                                          "order by in_population desc, credit_code")]
    x = sorted((members & set(dec)) - set(jan1) - dead)[0]
    y = next(u for u in judged if u in lp_dec and u not in lp_jan1 and lp_dec[u][lp_names.index("unit_status")] == b"1")
    unit = {"unit_status": b"2", "deregister_date": b"20250201"}
    unit_line = [unit.get(n, f) for n, f in zip(lp_names, lp_dec[y], strict=True)]
    fields = dec[x]
    death = {"death_date": b"20250131", "cancel_date": b"20250201", "death_cause": b"1"}
    death_line = [death.get(c.name, fields[names.index(c.name)] if c.name in names else b"")
                  for c in specs[DEATH].entity_columns]
    day = __import__("datetime").date(2025, 2, 1)

    def third_day():
        write_day(folder / DEATH, specs[DEATH], day, 3, b"|".join([b"I", b"20250201", *death_line]) + b"\n", {"I": 1})
        write_day(folder / HUKOU, hk, day, 3, b"|".join([b"D", b"20250201", *fields]) + b"\n", {"D": 1})
        write_day(folder / LEGAL, lp, day, 3, b"|".join([b"U", b"20250201", *unit_line]) + b"\n", {"U": 1})
    return x, y, third_day


# the models a daily refresh merges for the changed persons only (macros/topic_incremental.sql)
INCREMENTAL = [("intermediate", "int_identity__person_records"), ("intermediate", "int_identity__natural_person"),
               ("topic_profile", "topic_profile__status"), ("topic_employment_protection", "topic_employment_protection__status"),
               ("topic_agricultural_hukou", "topic_agricultural_hukou__status"),
               ("topic_employment_protection", "topic_employment_protection__units"),
               ("intermediate", "int_identity__person_conflicts"),
               ("topic_natural_person", "topic_natural_person__status"), ("topic_natural_person", "topic_natural_person__persons"),
               ("topic_profile", "topic_profile__persons"), ("topic_profile", "topic_profile__units"),
               ("topic_self_service", "topic_self_service__status"), ("topic_self_service", "topic_self_service__person_facts"),
               ("topic_legal_person", "topic_legal_person__status")]


# the snapshots that compare only the changed members after a daily load, and the key of their status table
SNAPSHOT_KEYS = {"natural_person": "id_number", "profile": "id_number", "agricultural_hukou": "id_number",
                 "employment_protection": "id_number", "self_service": "person_key", "legal_person": "credit_code",
                 "unemployment_refund": "credit_code"}


def test_a_daily_death_refreshes_only_the_libraries_it_feeds(refreshed, monkeypatch):
    """After `daily`: the day's 死亡注销 is in 北京市自然人 and 北京市农业户籍 and their change logs (dated that day), the
    day's deregistration in 北京市法人信息 and 企业免审即享; every other row of every topic table is unchanged (EXCEPT ALL
    both ways: the generator's days inside the latest roll-up's month change nothing), and the libraries no changed
    source feeds were not rebuilt. What the refresh merged equals a full rebuild, and the snapshots, which compared
    only the changed members, equal dbt's whole comparison."""
    from loaders.daily import load_daily
    from pipeline.daily import refresh

    url, *_, tmp = refreshed
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp / "logs"))
    x, y, third_day = _daily_files(tmp, url, tmp / "daily")
    tables = []
    with psycopg.connect(url, autocommit=True) as c:
        tables = c.execute("select table_schema, table_name from information_schema.tables where table_schema like 'topic%%' "
                           "and table_schema <> 'topic_monitor' and table_type = 'BASE TABLE' and table_name not like 'snap%%' "
                           "order by 1, 2").fetchall()
        c.execute("create schema before_daily")
        for i, (s, t) in enumerate(tables):
            c.execute(f"create table before_daily.t{i} as select * from {s}.{t}")
        evaluated = {lib: c.execute(f"select max(evaluated_at) from topic_{lib}.topic_{lib}__status").fetchone()[0] for lib in LIBS}
    summary = load_daily(url=url, folder=tmp / "daily", interfaces=DAILY, log=lambda *_: None, reports=tmp / "reports")
    assert all(v["status"] == "applied" and len(v["applied"]) == 2 for v in summary.values()), summary
    # the first refresh after the build recomputes every person (no successful refresh or build in the run log)
    assert refresh(url=url, log=lambda *_: None)["status"] == "ok"
    with psycopg.connect(url) as c:
        first = {t: c.execute(f"select max(evaluated_at) from {s}.{t}").fetchone()[0] for s, t in INCREMENTAL[2:5]}
    third_day()
    summary = load_daily(url=url, folder=tmp / "daily", interfaces=DAILY, log=lambda *_: None, reports=tmp / "reports")
    assert all(v["status"] == "applied" and len(v["applied"]) == 1 for v in summary.values()), summary
    done = refresh(url=url, log=lambda *_: None)  # the second: merges the persons sequence 3 changed
    assert done["status"] == "ok", done
    assert done["interfaces"] == DAILY and done["business_date"] == "2025-02-01"
    assert set(done["libraries"]) == {f"topic_{lib}" for lib in FED}
    # the monitor counted the libraries the day reached and kept the others' rows: the same as every row counted again
    monitor = "select * from topic_monitor.topic_monitor__libraries order by schema_name"
    with psycopg.connect(url) as c:
        refreshed_monitor = c.execute(monitor).fetchall()
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "run", "--no-use-colors", "--full-refresh", "--select",
                          "topic_monitor__libraries"], cwd=settings.ROOT, env={**os.environ, "WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(tmp / "target"), "DBT_LOG_PATH": str(tmp / "logs")},
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-4000:]
    with psycopg.connect(url) as c:
        assert c.execute(monitor).fetchall() == refreshed_monitor and len(refreshed_monitor) == len(LIBS)

    with psycopg.connect(url, autocommit=True) as c:
        key = c.execute("select md5(%s)", (x,)).fetchone()[0]
        for i, (s, t) in enumerate(tables):
            cols = [r[0] for r in c.execute("select column_name from information_schema.columns where table_schema = %s and "
                                            "table_name = %s and column_name not in ('evaluated_at', 'refreshed_at') "
                                            "order by ordinal_position", (s, t))]
            cl = ", ".join(cols)
            diff = (c.execute(f"select {cl} from before_daily.t{i} except all select {cl} from {s}.{t}").fetchall()
                    + c.execute(f"select {cl} from {s}.{t} except all select {cl} from before_daily.t{i}").fetchall())
            others = [r for r in diff if x not in r and key not in r and y not in r]
            if t == "topic_employment_protection__district_monitor":  # the counts of X's district
                others = [r for r in others if r[cols.index("district_code")] != x[:4] + "00"]
            assert not others, f"{s}.{t}: rows changed that are not X's: {others[:3]}"
            assert s[len("topic_"):] in FED or not diff, f"{s}.{t} changed"
        assert c.execute("select count(*) from topic_agricultural_hukou.topic_agricultural_hukou__persons "
                         "where id_number = %s", (x,)).fetchone()[0] == 0
        assert c.execute("select population_group from topic_natural_person.topic_natural_person__persons "
                         "where id_number = %s", (x,)).fetchone() == ("死亡注销",)
        day = c.execute("select change_type, reason, business_date::text from topic_agricultural_hukou.topic_agricultural_hukou__change_log "
                        "where member_key = %s order by refreshed_at desc limit 1", (x,)).fetchone()
        assert day == ("left", "死亡注销", "2025-02-01")
        assert c.execute("select change_type, reason from topic_natural_person.topic_natural_person__change_log "
                         "where member_key = %s and business_date = date '2025-02-01'", (x,)).fetchall() == [("changed", "公安死亡注销")]
        for lib in LIBS:  # the day's entries in every change log are X's or Y's, and only the libraries fed were rebuilt
            keys = {r[0] for r in c.execute(f"select member_key from topic_{lib}.topic_{lib}__change_log "
                                            "where business_date = date '2025-02-01'")}
            assert keys <= {x, key, y} or all(x in k for k in keys), (lib, keys)
            now = c.execute(f"select max(evaluated_at) from topic_{lib}.topic_{lib}__status").fetchone()[0]
            assert (now != evaluated[lib]) == (lib in FED), lib
        log = c.execute("select result, detail->'interfaces' from audit.run_log where action = 'daily_refresh'").fetchall()
        assert log == [("ok", DAILY)] * 2
        assert c.execute("select change_type, reason from topic_legal_person.topic_legal_person__change_log "
                         "where member_key = %s and business_date = date '2025-02-01'", (y,)).fetchall() == [("changed", "法人库登记已注销")]
        assert c.execute("select in_population from topic_unemployment_refund.topic_unemployment_refund__status "
                         "where credit_code = %s", (y,)).fetchone() == (False,)
        # the second refresh merged only the changed persons: the other rows keep the first refresh's evaluation
        for s, t in INCREMENTAL[2:5]:
            again = {r[0] for r in c.execute(f"select id_number from {s}.{t} where evaluated_at > %s", (first[t],))}
            assert again <= {x} and c.execute(f"select count(*) from {s}.{t}").fetchone()[0] > 100, (t, again)
        c.execute("create schema merged")
        for s, t in INCREMENTAL:
            c.execute(f"create table merged.{t} as select * from {s}.{t}")
    # … and what it merged equals a full rebuild of the same state (EXCEPT ALL both ways, the evaluation time aside)
    # the test's own dbt target: the shared warehouse/target is what the semantic-layer tests read
    env = {**os.environ, "WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(tmp / "target"), "DBT_LOG_PATH": str(tmp / "logs")}
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "run", "--no-use-colors", "--full-refresh", "--select",
                          *[t for _, t in INCREMENTAL]], cwd=settings.ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-4000:]
    with psycopg.connect(url, autocommit=True) as c:
        for s, t in INCREMENTAL:
            cols = ", ".join(r[0] for r in c.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
                "and column_name not in ('evaluated_at', 'refreshed_at') order by ordinal_position", (s, t)))
            diff = (c.execute(f"select {cols} from merged.{t} except all select {cols} from {s}.{t}").fetchall()
                    + c.execute(f"select {cols} from {s}.{t} except all select {cols} from merged.{t}").fetchall())
            assert not diff, f"{t}: the incremental refresh differs from a full rebuild: {diff[:3]}"
    # … and the snapshots, which compared only the changed members (macros/topic_snapshot.sql), missed nothing: each
    # one's current versions are exactly its status table's rows, as after dbt's comparison of every member
    with psycopg.connect(url) as c:
        for lib, key in SNAPSHOT_KEYS.items():
            current = (f"select member_key, in_population, reason from topic_{lib}.snap_topic_{lib} "
                       "where dbt_valid_to is null and coalesce(dbt_is_deleted, 'False') <> 'True'")
            status = f"select {key}, in_population, reason from topic_{lib}.topic_{lib}__status"
            diff = (c.execute(f"{current} except all {status}").fetchall()
                    + c.execute(f"{status} except all {current}").fetchall())
            assert not diff, f"snap_topic_{lib}: current versions differ from the status table: {diff[:3]}"

