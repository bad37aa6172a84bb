"""Governance on a scratch database: generate → load → dbt build of the identity and governance models.

Every governance rule fires exactly on the generator's injected cross-source anomalies (the manifest's
ground truth) and on nothing else; identity resolution undoes the external agencies' ID noise (old 15-digit
numbers, lower-case x) and lists their name typos as conflicts; old organisation codes resolve to credit codes;
the feedback XLSX per provider lists the records."""
import json
import os
import subprocess
import sys

import psycopg
import pytest
from openpyxl import load_workbook

from foundation import settings
from loaders.load import load_month
from pipeline import governance
from synth.__main__ import generate

pytestmark = pytest.mark.integration
MONTHS = ["202411", "202412", "202501"]
SELECT = ("+rpt_governance_anomaly_summary +int_identity__person_conflicts +dim_legal_unit +dim_natural_person")


STANDARDISED = ("old_id15", "lower_x")   # the agencies' ID noise that rule S01 feeds back (identity undoes it)


def truth_of(manifests: dict, months=None) -> set[tuple]:
    """(rule code, interface, month, key) of every injected cross-source anomaly, and of every ID number an agency
    delivered in non-standard form (rule S01, from the manifest's identity noise)."""
    out = set()
    for m, man in manifests.items():
        if months and m not in months:
            continue
        out |= {(a["rule"], a["interface"], m, a["key"]) for a in man["anomalies"]}
        out |= {("S_ID_NONSTANDARD", x["interface"], m, x["id_number"]) for x in man["identity"] if x["kind"] in STANDARDISED}
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory, module_scratch_url):
    tmp = tmp_path_factory.mktemp("gov")
    url = module_scratch_url
    generate(MONTHS[0], len(MONTHS), 0.0005, 7, out=tmp / "exchange", log=lambda *_: None, cross_anomalies=True)
    for m in MONTHS:
        load_month(m, url=url, folder=tmp / "exchange" / m, log=lambda *_: None)
    env = {**os.environ, "WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(tmp / "target"), "DBT_LOG_PATH": str(tmp / "logs")}
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "build", "--no-use-colors", "--select", SELECT,
                          "--indirect-selection", "cautious"],
                         cwd=settings.ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-4000:]
    manifests = {m: json.loads((tmp / "exchange" / m / "_manifest.json").read_text(encoding="utf-8")) for m in MONTHS}
    return url, tmp, manifests


def test_every_rule_fires_exactly_on_the_injected_anomalies(built):
    url, _, manifests = built
    truth = truth_of(manifests)
    assert {t[0] for t in truth} >= {"G_PERSON_DEATH_PAID", "G_UNIT_DEREG_CONTRIB", "G_ID_GENDER_MISMATCH",
                                     "G_ID_BIRTH_MISMATCH", "G_LOWINCOME_HIGH_BASE", "G_UNDER16_CONTRIB",
                                     "G_DOUBLE_PENSION", "S_ID_NONSTANDARD"}, "every injected kind present"
    with psycopg.connect(url) as c:
        found = set(c.execute("select rule_code, interface, to_char(data_month, 'YYYYMM'), record_key "
                              "from intermediate.int_governance__anomalies").fetchall())
        rules = {r[0] for r in c.execute("select rule_code from codes.governance_rule")}
    for rule in sorted(rules):
        want = {t for t in truth if t[0] == rule}
        got = {f for f in found if f[0] == rule}
        assert got == want, f"{rule}: missed {sorted(want - got)[:5]}, extra {sorted(got - want)[:5]}"


def test_summary_counts_every_rule_every_month(built):
    url, _, manifests = built
    with psycopg.connect(url) as c:
        rows = c.execute("select rule_id, to_char(data_month, 'YYYYMM'), sum(anomalies) "
                         "from marts.rpt_governance_anomaly_summary group by 1, 2").fetchall()
        codes = dict(c.execute("select rule_id, rule_code from codes.governance_rule").fetchall())
    assert len(rows) == len(codes) * len(MONTHS)
    for rule_id, month, n in rows:
        assert n == sum(1 for t in truth_of(manifests, [month]) if t[0] == codes[rule_id]), (rule_id, month)


def test_identity_undoes_id_noise_and_lists_name_typos(built):
    url, _, manifests = built
    noise = [x for man in manifests.values() for x in man["identity"]]
    assert {x["kind"] for x in noise} == {"old_id15", "lower_x", "name_typo"}
    with psycopg.connect(url) as c:
        for table, iface in (("stg_civil_affairs__low_income_persons", "civil_low_income"),
                             ("stg_disabled_persons__disabled_persons", "disabled_person")):
            pairs = set(c.execute(f"select data_month, id_number_raw, id_number from staging.{table}").fetchall())
            for x in noise:
                if x["interface"] == iface and x["kind"] in ("old_id15", "lower_x"):
                    assert (x["month"], x["delivered"], x["id_number"]) in pairs, x
        invalid = c.execute("select count(*) from intermediate.int_identity__person_records where not id_is_valid").fetchone()[0]
        assert invalid == 0
        golden = c.execute("select count(*), count(distinct id_number) from intermediate.int_identity__natural_person").fetchone()
        assert golden[0] == golden[1] > 0
        conflicts = set(c.execute("select id_number, source_interface, source_value from intermediate.int_identity__person_conflicts "
                                  "where attribute = 'person_name'").fetchall())
        latest = {}
        for m in MONTHS:  # conflicts compare each source's latest record: the typos of the last month the person appeared
            for x in manifests[m]["identity"]:
                if x["kind"] == "name_typo":
                    latest[(x["id_number"], x["interface"])] = (m, x["delivered"])
        last_month = {iface: {r[0] for r in c.execute(f"select distinct {col} from staging.{t} where data_month = %s",
                                                           (MONTHS[-1],))}
                      for iface, t, col in (("civil_low_income", "stg_civil_affairs__low_income_persons", "id_number"),
                                            ("disabled_person", "stg_disabled_persons__disabled_persons", "id_number"))}
        checked = 0
        for (idno, iface), (m, typo) in latest.items():
            if m == MONTHS[-1]:
                assert (idno, iface, typo) in conflicts
                checked += 1
            else:
                assert idno not in last_month[iface] or (idno, iface, typo) not in conflicts
        assert checked > 0
        # No conflicts that the generator did not cause: every name conflict is a recorded typo of the latest month
        # or a gender/birth contradiction injected into the police register / 残联 file.
        typo_keys = {(k[0], k[1]) for k, v in latest.items() if v[0] == MONTHS[-1]}
        assert {(r[0], r[1]) for r in conflicts} <= typo_keys | {
            (a["key"], "police_hukou_register") for a in manifests[MONTHS[-1]]["anomalies"]}


def test_old_organisation_codes_resolve_to_credit_codes(built):
    url, *_ = built
    with psycopg.connect(url) as c:
        old, unresolved = c.execute("select count(*) filter (where is_old_org_code), count(*) filter (where not resolved) "
                                    "from intermediate.int_identity__unit_records").fetchone()
        wrong = c.execute("""select count(*) from intermediate.int_identity__unit_records r
                             join staging.stg_legal_person__legal_persons l on l.credit_code = r.credit_code
                             where r.is_old_org_code and l.org_code <> r.delivered_code""").fetchone()[0]
    assert old > 0 and unresolved == 0 and wrong == 0


def test_feedback_xlsx_per_provider_lists_the_records(built, tmp_path):
    url, _, manifests = built
    month = MONTHS[-1]
    paths = governance.write_feedback(month, url=url, out=tmp_path)
    names = {p.name for p in paths}
    assert any("市公安局" in n for n in names) and any("市民政局" in n for n in names)
    keys = set()
    for p in paths:
        wb = load_workbook(p)
        assert wb.sheetnames == ["汇总", "异常记录"]
        header = [c.value for c in wb["异常记录"][1]]
        assert header[:4] == ["规则编号", "规则名称", "治理分类", "严重程度"]
        col = header.index("记录(身份证号/统一社会信用代码)")
        keys |= {row[col] for row in wb["异常记录"].iter_rows(min_row=2, values_only=True)}
    assert keys == {t[3] for t in truth_of(manifests, [month])}


def test_an_anomaly_closes_with_the_redelivery_that_corrected_it(built):
    """The police re-deliver the latest month without the records a rule flagged: after the next build the anomaly
    is no longer open — it is resolved, by 'redelivery', and names the re-delivered file's load batch; every other
    anomaly of the first build is still there, unchanged. (Runs last: it changes the module's database.)"""
    from synth.writer import write_marker

    url, tmp, manifests = built
    month = MONTHS[-1]
    path = tmp / "exchange" / month / f"GAJ_HJRK_{month}.txt"
    lines = path.read_bytes().splitlines(keepends=True)
    flagged = [a for a in manifests[month]["anomalies"] if a["interface"] == "police_hukou_register"]
    target = next(a for a in flagged if any(a["key"].encode("gbk") in ln for ln in lines))
    kept = [ln for ln in lines if target["key"].encode("gbk") not in ln]
    assert len(kept) < len(lines)
    with psycopg.connect(url) as c:
        before = set(c.execute("select anomaly_key, status from intermediate.int_governance__anomaly_history").fetchall())
    body = b"".join(kept)
    path.write_bytes(body)
    write_marker(path, body, len(kept))
    load_month(month, url=url, folder=tmp / "exchange" / month, log=lambda *_: None)
    env = {**os.environ, "WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(tmp / "target"), "DBT_LOG_PATH": str(tmp / "logs")}
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "build", "--no-use-colors", "--select",
                          "+rpt_governance_anomaly_summary", "--indirect-selection", "cautious"],
                         cwd=settings.ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-4000:]
    with psycopg.connect(url) as c:
        new_batch = c.execute("select batch_id from audit.load_batch where interface = 'police_hukou_register' "
                              "and to_char(data_month, 'YYYYMM') = %s and status = 'loaded'", (month,)).fetchone()[0]
        after = {r[0]: r[1:] for r in c.execute(
            "select anomaly_key, status, resolution, resolved_by_batch_id from intermediate.int_governance__anomaly_history")}
        fct = c.execute("select count(*) from marts.fct_governance_anomaly where resolution = 'redelivery' "
                        "and resolved_by_batch_id = %s", (new_batch,)).fetchone()[0]
    closed = {k for k, v in after.items() if v[1] == "redelivery"}
    assert closed and all(target["key"] in k and k.startswith(f"{k.split('|')[0]}|police_hukou_register|{month}|")
                          for k in closed), closed
    assert all(after[k] == ("resolved", "redelivery", new_batch) for k in closed)
    assert fct == len(closed)
    assert {k: s for k, s in before if k not in closed} == {k: v[0] for k, v in after.items() if k not in closed}
