"""Month-incremental builds on a scratch database: a new month or a re-delivered one rewrites only that
month's rows, the result equals a full rebuild, and the tests on incremental models read only rows
above the batch watermark they are given."""
import json
import os
import subprocess
import sys
import uuid

import psycopg
import pytest

from foundation import settings
from loaders.load import load_month
from pipeline import model_drift
from synth.__main__ import generate

pytestmark = pytest.mark.integration
MONTHS = ["202407", "202408", "202409"]
# whole-population models made month-incremental (a month's rows depend on other months' deliveries: back pay)
PERSON_INSURANCE_MONTH = "topic_data_services.topic_data_services__person_insurance_month"
# its per-unit month aggregate (the unit summaries' services): incremental as its source changes
UNIT_INSURANCE_MONTH = "topic_data_services.topic_data_services__unit_insurance_month"
WHOLE_POPULATION = ["+topic_data_services__unit_insurance_month", "+int_governance__g03_id_gender_mismatch",
                    "+int_governance__g04_id_birth_mismatch", "+topic_insurance_rights__status"]
# the 12-month window of the rights topic, recomputed on every build from month parts built incrementally
RIGHTS = "topic_insurance_rights.topic_insurance_rights__status"
RIGHTS_PARTS = ["intermediate.int_insurance_rights__registration_month",
                "intermediate.int_insurance_rights__contribution_month",
                "intermediate.int_insurance_rights__benefit_month"]
# the pension and unemployment paths, the dimensions and check table their tests compare against
SELECT = ["--select", "+rpt_pension_overview", "+agg_pension_month", "+rpt_pension_flows", "+fct_unemployment_person_month", "+dim_month", "+dim_district",
          "+dim_gender", "+dim_age_band", "+stg_provider__check_table", *WHOLE_POPULATION, "--indirect-selection", "buildable"]
# incremental models in the selection, with the month column their rows are keyed on
MODELS = ["intermediate.int_pension__person_month", "intermediate.int_pension__unit_month",
          "intermediate.int_pension__contribution_person_month", "intermediate.int_pension__payment_person_month",
          "intermediate.int_unemployment__insured_person_month", "marts.fct_pension_person_month",
          "marts.agg_pension_month", "marts.fct_unemployment_person_month", "marts.rpt_pension_flows"]
# models whose month t also depends on month t - 1: a re-delivery of t restates t and t + 1
NEXT_MONTH_TOO = {"marts.rpt_pension_flows"}


def dbt(args, url, tmp):
    env = {**os.environ, "WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(tmp / "target"),
           "DBT_LOG_PATH": str(tmp / "logs")}
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", *args, "--no-use-colors"], cwd=settings.ROOT, env=env,
                         capture_output=True, text=True)
    (tmp / "last-dbt.log").write_text(res.stdout + res.stderr)
    return res


def load(url, tmp, month):
    load_month(month, url=url, folder=tmp / "exchange" / month, log=lambda *_: None)


def row_places(c, table, months):
    """Where each row of the given months physically is: changes when a row is deleted and re-inserted."""
    return c.execute(f"select month_start, md5(string_agg(ctid::text, ',' order by ctid)) from {table} "
                     f"where to_char(month_start, 'YYYYMM') = any(%s) group by 1 order by 1", (months,)).fetchall()


def contents(c, table):
    return c.execute(f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) "
                     f"from {table} t").fetchone()


def aggregate_contents(c):
    """The unit aggregate without its batch column: a back-paid month carries the build's batch, a full rebuild the
    month's own."""
    return contents(c, f"(select credit_code, unit_id, month_start, insurance_type_code, insurance_type_name, persons, "
                       f"insured_persons, paid_persons, employer_total, employee_total from {UNIT_INSURANCE_MONTH})")


def aggregate_places(c, months):
    """Where the unit aggregate's rows of the given months are, pension and unemployment (back pay) apart."""
    return c.execute(f"select month_start, insurance_type_code in ('110', '210'), "
                     f"md5(string_agg(ctid::text, ',' order by ctid)), max(source_batch_id) from {UNIT_INSURANCE_MONTH} "
                     "where to_char(month_start, 'YYYYMM') = any(%s) group by 1, 2 order by 1, 2", (months,)).fetchall()


def back_date_one_contribution(exchange):
    """In the third month's pension contributions, one back-pay row for the second month is made a back payment for
    the FIRST month (two months back) — same arrival month, rows and amounts, so the provider's check table still
    agrees. The person (registered in the first month) is written to exchange/back_pay_person."""
    from synth.writer import write_marker

    registered = {line.split(b"|")[1] for line in
                  (exchange / MONTHS[0] / f"QYYL_RY_{MONTHS[0]}.txt").read_bytes().splitlines()}
    path = exchange / MONTHS[2] / f"QYYL_JF_{MONTHS[2]}.txt"
    lines = path.read_bytes().splitlines(keepends=True)
    for i, line in enumerate(lines):
        f = line.split(b"|")
        if f[3] == MONTHS[1].encode() and f[1] in registered:
            f[3] = MONTHS[0].encode()
            lines[i] = b"|".join(f)
            (exchange / "back_pay_person").write_bytes(f[1])
            break
    else:
        raise AssertionError("no back-pay row in the generated contributions")
    data = b"".join(lines)
    path.write_bytes(data)
    write_marker(path, data, len(lines))


@pytest.fixture(scope="module")
def two_months_built(tmp_path_factory, server_url):
    tmp = tmp_path_factory.mktemp("inc")
    name = f"test_inc_{uuid.uuid4().hex[:8]}"
    admin = server_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'create database "{name}"')
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    generate(MONTHS[0], len(MONTHS), 0.0005, 7, out=tmp / "exchange")
    back_date_one_contribution(tmp / "exchange")
    for m in MONTHS[:2]:
        load(url, tmp, m)
    res = dbt(["build", *SELECT], url, tmp)
    assert res.returncode == 0, res.stdout[-3000:]
    yield url, tmp
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'drop database if exists "{name}" with (force)')


def test_a_new_month_is_added_without_touching_the_built_months(two_months_built):
    url, tmp = two_months_built
    with psycopg.connect(url) as c:
        before = {t: row_places(c, t, MONTHS[:2]) for t in MODELS}
        aggregate_before = aggregate_places(c, MONTHS[:2])
    assert all(len(v) == 2 for v in before.values()), before
    load(url, tmp, MONTHS[2])
    res = dbt(["build", *SELECT], url, tmp)
    assert res.returncode == 0, res.stdout[-3000:]
    with psycopg.connect(url) as c:
        # the unit aggregate: the built months keep their rows but for the pension / unemployment rows of the months
        # the new delivery pays back (the first month at least), aggregated again with the new batch; its balance
        # test against the person-month records (in the build) passed
        aggregate_after = aggregate_places(c, MONTHS[:2])
        assert [r for r in aggregate_after if not r[1]] == [r for r in aggregate_before if not r[1]]
        first_paid = [(b, a) for b, a in zip(aggregate_before, aggregate_after) if b[0] == a[0] and b[1] and a[1]][0]
        assert first_paid[1][2] != first_paid[0][2] and first_paid[1][3] > first_paid[0][3], first_paid
        assert len(aggregate_places(c, MONTHS)) == 6
        for t in MODELS:
            assert row_places(c, t, MONTHS[:2]) == before[t], f"{t}: rows of the built months were rewritten"
            assert len(row_places(c, t, MONTHS)) == 3, f"{t}: the new month is missing"
        raw = c.execute("select count(*) from raw.ent_pension_contribution where data_month = %s",
                        (MONTHS[2],)).fetchone()[0]
        rows = c.execute("select sum(contribution_rows) from intermediate.int_pension__contribution_person_month "
                         "where month_start = to_date(%s, 'YYYYMM')", (MONTHS[2],)).fetchone()[0]
        assert rows == raw > 0


def test_back_pay_in_a_new_month_restates_the_month_it_pays_for(two_months_built):
    """The third month's delivery pays for the first month (a back-dated row): the incremental build rewrites the
    first month of topic_data_services__person_insurance_month with it (what a full rebuild gives), and the
    governance rules G03/G04 built month by month equal a full rebuild."""
    url, tmp = two_months_built
    person = (tmp / "exchange" / "back_pay_person").read_text()
    models = [PERSON_INSURANCE_MONTH, "intermediate.int_governance__g03_id_gender_mismatch",
              "intermediate.int_governance__g04_id_birth_mismatch"]
    with psycopg.connect(url) as c:
        got = c.execute(f"select contribution_base, employer_amount, employee_amount from {PERSON_INSURANCE_MONTH} "
                        "where person_id = %s and insurance_type_code = '110' and month_start = to_date(%s, 'YYYYMM')",
                        (person, MONTHS[0])).fetchall()
        want = c.execute("select sum(contribution_base), sum(employer_amount), sum(employee_amount) "
                         "from raw.ent_pension_contribution where person_id = %s and fee_month = %s",
                         (person, MONTHS[0])).fetchall()
        assert c.execute("select count(*) from raw.ent_pension_contribution where person_id = %s and fee_month = %s "
                         "and data_month = %s", (person, MONTHS[0], MONTHS[2])).fetchone()[0] == 1
        assert got == want, f"{person}: the back pay delivered in {MONTHS[2]} is missing from {MONTHS[0]}"
        incremental = {t: contents(c, t) for t in models}
        aggregate = aggregate_contents(c)
    assert incremental[PERSON_INSURANCE_MONTH][0] > 0 and aggregate[0] > 0
    res = dbt(["run", "--full-refresh", "--select", *[t.split(".")[1] for t in [*models, UNIT_INSURANCE_MONTH]]], url, tmp)
    assert res.returncode == 0, res.stdout[-3000:]
    with psycopg.connect(url) as c:
        for t in models:
            assert contents(c, t) == incremental[t], f"{t}: incremental build differs from a full rebuild"
        assert aggregate_contents(c) == aggregate, "the unit aggregate built incrementally differs from a full rebuild"
        # the services' look-ups (ensure_index post-hooks) survive the full refresh: dbt runs the hooks while the
        # replaced table, holding indexes of the same names, still exists
        for t, lookups in ((PERSON_INSURANCE_MONTH, {"id_number", "credit_code"}), (UNIT_INSURANCE_MONTH, {"credit_code"})):
            leading = {r[0] for r in c.execute("select a.attname from pg_index i join pg_attribute a on "
                                               "a.attrelid = i.indrelid and a.attnum = i.indkey[0] "
                                               "where i.indrelid = %s::regclass", (t,))}
            assert lookups <= leading, (t, leading)


def test_a_redelivered_month_is_restated_alone_and_equals_a_full_rebuild(two_months_built):
    """Ten payment rows of the middle month disappear in a re-delivery: that month is restated (its
    payments now equal the re-delivered file), the other months keep their rows, and the incremental
    result equals a full rebuild of every incremental model."""
    from synth.writer import write_marker

    url, tmp = two_months_built
    path = tmp / "exchange" / MONTHS[1] / f"QYYL_DYFF_{MONTHS[1]}.txt"
    lines = path.read_bytes().splitlines(keepends=True)
    short = b"".join(lines[10:])
    path.write_bytes(short)
    write_marker(path, short, len(lines) - 10)
    def untouched(t):       # the months a re-delivery of the middle month must leave alone
        return [MONTHS[0]] if t in NEXT_MONTH_TOO else [MONTHS[0], MONTHS[2]]

    with psycopg.connect(url) as c:
        others = {t: row_places(c, t, untouched(t)) for t in MODELS}
        following = {t: row_places(c, t, [MONTHS[2]]) for t in NEXT_MONTH_TOO}
    load(url, tmp, MONTHS[1])
    res = dbt(["build", *SELECT], url, tmp)
    # the provider's check table still counts the dropped rows: the balance test must say so
    assert res.returncode != 0 and "assert_pension_overview_equals_check_table" in res.stdout
    with psycopg.connect(url) as c:
        for t in MODELS:
            assert row_places(c, t, untouched(t)) == others[t], f"{t}: other months were rewritten"
        for t in NEXT_MONTH_TOO:
            assert row_places(c, t, [MONTHS[2]]) != following[t], f"{t}: the month after the re-delivery not restated"
        paid, raw = c.execute(
            "select (select sum(pension_paid) from marts.fct_pension_person_month where month_start = to_date(%(m)s, 'YYYYMM')),"
            "       (select sum(amount) from raw.ent_pension_payment where data_month = %(m)s)", {"m": MONTHS[1]}).fetchone()
        assert paid == raw
        incremental = {t: contents(c, t) for t in MODELS}
        aggregate = aggregate_contents(c)
    res = dbt(["run", "--full-refresh", *SELECT[:-2]], url, tmp)
    assert res.returncode == 0, res.stdout[-3000:]
    with psycopg.connect(url) as c:
        for t in MODELS:
            assert contents(c, t) == incremental[t], f"{t}: incremental build differs from a full rebuild"
        assert aggregate_contents(c) == aggregate, "the unit aggregate built incrementally differs from a full rebuild"


def test_tests_on_incremental_models_read_only_rows_above_the_watermark(two_months_built):
    url, tmp = two_months_built
    with psycopg.connect(url, autocommit=True) as c:
        newest = c.execute("select max(source_batch_id) from marts.fct_pension_person_month").fetchone()[0]
        c.execute("create temp table dup as select * from marts.fct_pension_person_month "
                  "where month_start = to_date(%s, 'YYYYMM') limit 1", (MONTHS[0],))
        c.execute("insert into marts.fct_pension_person_month select * from dup")  # a duplicate in an old batch
        test = ["test", "--select", "fct_pension_person_month,test_name:unique_combination"]
        try:
            assert dbt([*test, "--vars", "{tested_through_batch: 0}"], url, tmp).returncode != 0  # every row: found
            res = dbt([*test, "--vars", f"{{tested_through_batch: {newest}}}"], url, tmp)
            assert res.returncode == 0, res.stdout[-2000:]  # rows tested by an earlier build: not read again
            # the same duplicate arriving with a new batch is found
            c.execute("update dup set source_batch_id = %s", (newest + 1,))
            c.execute("insert into marts.fct_pension_person_month select * from dup union all select * from dup")
            assert dbt([*test, "--vars", f"{{tested_through_batch: {newest}}}"], url, tmp).returncode != 0
        finally:
            c.execute("delete from marts.fct_pension_person_month where source_batch_id > %s", (newest,))
            c.execute("delete from marts.fct_pension_person_month f using dup d where f.month_start = d.month_start "
                      "and f.person_id = d.person_id and f.ctid <> (select min(ctid) from marts.fct_pension_person_month "
                      "x where x.month_start = d.month_start and x.person_id = d.person_id)")


def test_balance_tests_read_whole_changed_months_only(two_months_built):
    """sums_match with where __changed_months__ (agg_pension_month against the person-month fact) compares the
    months with a row above the watermark in EITHER model, whole, and no other month: a difference in an old
    month is left to the build that tested it, a difference in a changed month is found whichever side changed."""
    url, tmp = two_months_built
    test = ["test", "--select", "agg_pension_month,test_name:sums_match"]
    with psycopg.connect(url, autocommit=True) as c:
        newest = c.execute("select max(source_batch_id) from marts.fct_pension_person_month").fetchone()[0]
        old, new = c.execute("select min(month_start), max(month_start) from marts.agg_pension_month").fetchone()

        def tamper(table, where, batch, delta):
            """Add `delta` to one row's contribution income (and set its batch); returns the row's new place."""
            return c.execute(f"update {table} set contribution_income = contribution_income + %s, "
                             f"source_batch_id = coalesce(%s, source_batch_id) where ctid = ({where}) returning ctid",
                             (delta, batch)).fetchone()[0]

        def first(table, month):
            return (f"select min(ctid) from {table} where month_start = date '{month.isoformat()}' "
                    f"and contribution_income > 0")

        def passes(watermark):
            res = dbt([*test, "--vars", f"{{tested_through_batch: {watermark}}}"], url, tmp)
            # both balance tests ran (dbt's TOTAL also counts the on-run-start hook)
            assert res.stdout.count("START test sums_match_agg_pension_month") == 2, res.stdout[-2000:]
            return res.returncode == 0

        fact = "marts.fct_pension_person_month"
        assert passes(newest)
        at = tamper("marts.agg_pension_month", first("marts.agg_pension_month", old), None, 1)  # an old, tested month
        try:
            assert passes(newest) and not passes(0)
        finally:
            tamper("marts.agg_pension_month", f"select '{at}'::tid", None, -1)
        batch = c.execute(f"select source_batch_id from {fact} where ctid = ({first(fact, new)})").fetchone()[0]
        at = tamper(fact, first(fact, new), newest + 1, 1)      # only the fact side of the newest month changed
        try:
            assert not passes(newest)
        finally:
            tamper(fact, f"select '{at}'::tid", batch, -1)
        assert passes(0)


def test_the_build_records_the_batch_watermark_only_after_passing_tests(two_months_built, monkeypatch):
    from pipeline import build
    from runtime import runlog

    url, _ = two_months_built
    monkeypatch.setenv("WAREHOUSE_URL", url)
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(runlog.DDL)
        newest = c.execute("select max(batch_id) from audit.load_batch where status = 'loaded'").fetchone()[0]
        c.execute("insert into audit.run_log (action, run_by, result, detail) values "
                  "('build', 't', 'ok', '{\"tested_through_batch\": 3}'), "
                  "('build', 't', 'failed', '{\"tested_through_batch\": 9999}')")
    assert build._batch_watermarks() == (3, newest)


def test_a_redelivered_earlier_month_restates_the_rights_window(two_months_built):
    """The first month's pension payments are re-delivered without one person's rows. The month parts of
    topic_insurance_rights__status rebuild that month alone (the later months keep their rows), and the window
    (as-of the newest month, 12 months back: the first month is in it) loses those payments — what a full rebuild
    of the parts and the window gives."""
    from synth.writer import write_marker

    url, tmp = two_months_built
    path = tmp / "exchange" / MONTHS[0] / f"QYYL_DYFF_{MONTHS[0]}.txt"
    lines = path.read_bytes().splitlines(keepends=True)
    paid = ("select benefit_amount_12m from " + RIGHTS + " where insurance_type_code = '110' and person_id = %s")
    with psycopg.connect(url) as c:
        person = c.execute(f"select min(person_id) from {RIGHTS} where insurance_type_code = '110' "
                           "and benefit_amount_12m > 0 and person_id = any(%s)",
                           ([line.split(b"|")[1].decode() for line in lines],)).fetchone()[0]
        loaded = [m for (m,) in c.execute("select distinct data_month from raw.ent_pension_payment order by 1")]
        later = {t: row_places(c, t, loaded[1:]) for t in RIGHTS_PARTS}
        first = {t: row_places(c, t, loaded[:1]) for t in RIGHTS_PARTS}
        before = c.execute(paid, (person,)).fetchone()
        removed = c.execute("select sum(amount) from staging.stg_pension__payments where person_id = %s "
                            "and data_month = %s", (person, MONTHS[0])).fetchone()[0]
    assert before and before[0] > 0 and removed > 0, (person, before, removed)
    kept = [line for line in lines if line.split(b"|")[1] != person.encode()]
    path.write_bytes(b"".join(kept))
    write_marker(path, b"".join(kept), len(kept))
    load(url, tmp, MONTHS[0])
    res = dbt(["build", "--select", "+topic_insurance_rights__status",
               "--indirect-selection", "buildable"], url, tmp)
    assert res.returncode == 0, res.stdout[-3000:]
    columns = ("id_number, person_name, insurance_type_code, person_id, last_registered_month, status_code, "
               "first_insured_date, contribution_months_12m, last_fee_month, contribution_amount_12m, "
               "benefit_amount_12m, as_of_month, reason")
    with psycopg.connect(url) as c:
        for t in RIGHTS_PARTS:
            assert row_places(c, t, loaded[1:]) == later[t], f"{t}: months after the re-delivered one were rewritten"
        assert row_places(c, RIGHTS_PARTS[2], loaded[:1]) != first[RIGHTS_PARTS[2]], "the re-delivered month kept"
        assert c.execute(paid, (person,)).fetchone()[0] == before[0] - removed, f"{person}: window not restated"
        incremental = {t: contents(c, t) for t in RIGHTS_PARTS} | {
            RIGHTS: contents(c, f"(select {columns} from {RIGHTS})")}
    res = dbt(["run", "--full-refresh", "--select", "topic_insurance_rights__status",
               *[t.split(".")[1] for t in RIGHTS_PARTS]], url, tmp)
    assert res.returncode == 0, res.stdout[-3000:]
    with psycopg.connect(url) as c:
        for t in RIGHTS_PARTS:
            assert contents(c, t) == incremental[t], f"{t}: incremental build differs from a full rebuild"
        assert contents(c, f"(select {columns} from {RIGHTS})") == incremental[RIGHTS], "window differs from a rebuild"


def test_a_model_whose_columns_changed_is_named_and_rebuilt_whole(two_months_built):
    """A code upgrade that adds a column to a month-incremental model (here: the column dropped from the built table,
    as a table built by the older code lacks it) fails that model's incremental run; model_drift names the model and
    the column, and a whole rebuild of that model alone (what `make build REBUILD=` runs) restores the same rows."""
    url, tmp = two_months_built
    table, model = "intermediate.int_governance__g03_id_gender_mismatch", "int_governance__g03_id_gender_mismatch"
    manifest = json.loads((tmp / "target" / "manifest.json").read_text(encoding="utf-8"))
    with psycopg.connect(url, autocommit=True) as c:
        before = contents(c, table)
        assert before[0] > 0, "the drop has no G03 anomaly: the test would prove nothing"
        assert model_drift.find(c, manifest) == []
        c.execute(f"alter table {table} drop column source_batch_id")
        drift = model_drift.find(c, manifest)
    assert [(d.model, d.missing, d.extra) for d in drift] == [(model, ("source_batch_id",), ())]
    assert f"REBUILD={model}" in model_drift.message(drift, "202409")
    assert dbt(["run", "--select", model], url, tmp).returncode != 0      # the incremental run cannot go on
    res = dbt(["run", "--full-refresh", "--select", model], url, tmp)
    assert res.returncode == 0, res.stdout[-3000:]
    with psycopg.connect(url, autocommit=True) as c:
        assert model_drift.find(c, manifest) == []
        after = contents(c, table)
    assert after == before
