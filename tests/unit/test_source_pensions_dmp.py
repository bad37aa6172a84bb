"""Public-institution pension, residents pension and DMP extracts: realistic shapes, formulas, month-to-month
consistency, and the DMP extracts reconciling with the interface files they are derived from."""
from collections import Counter, defaultdict

import pytest
from openpyxl import load_workbook

from foundation.spec import code_table, load_check_tables, load_specs
from synth.__main__ import generate

MONTHS = ["202406", "202407", "202408"]   # a quarter end (interest), a new base year, the August adjustment
OUTER = {"110109", "110111", "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119"}


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    root = tmp_path_factory.mktemp("pub")
    generate(MONTHS[0], len(MONTHS), 0.001, 5, out=root)
    return root


def rows(drop, interface, month):
    spec = load_specs()[interface]
    names = spec.column_names
    text = (drop / month / spec.file_name(month)).read_text(encoding=spec.encoding)
    return [dict(zip(names, line.split(spec.delimiter))) for line in text.splitlines()]


def check_rows(drop, source, month):
    ct = load_check_tables()[source]
    ws = load_workbook(drop / month / ct["file_pattern"].format(month=month))["核对表"]
    names = [c["name"] for c in ct["columns"]]
    return {str(r[0]): dict(zip(names, r)) for r in list(ws.iter_rows(values_only=True))[2:] if r[0] is not None}


def c(v):  # money string → cents
    return round(float(v) * 100) if v != "" else 0


def age(birth, month):
    return int(month[:4]) - int(birth[:4]) - (int(month[4:]) < int(birth[4:6]))


# ---- 机关事业单位养老保险 ------------------------------------------------------------------------------
def test_public_pension_population_and_formulas(drop):
    m = "202407"
    units = rows(drop, "public_pension_unit", m)
    persons = rows(drop, "public_pension_person", m)
    retirees = rows(drop, "public_pension_retiree", m)
    # credit codes carry the unit category (11 机关 / 12 事业单位), registered by 机构编制 (1).
    assert all(u["credit_code"][:2] == u["unit_category"] for u in units)
    assert all(u["credit_code"][2:8] == u["district_code"] for u in units)
    active = [p for p in persons if p["insured_status"] in ("1", "2")]
    assert 1.6 < len(active) / len(retirees) < 2.4          # ≈ 0.9 million active : 0.45 million retired
    # deemed months only before the 2014-10 reform; first insured no earlier than the reform.
    assert all(p["first_insured_date"] >= "20141001" for p in persons)
    assert all(int(p["deemed_months"]) == 0 for p in persons if p["work_start_date"] >= "20141001")
    for r in retirees:
        total = c(r["basic_pension"]) + c(r["account_pension"]) + c(r["transitional_pension"])
        assert total == c(r["monthly_pension"])
        assert age(r["birth_date"], r["retire_date"][:6]) >= (60 if r["gender"] == "1" else 50)
    annuity_units = {u["unit_id"] for u in units if u["annuity_flag"] == "1"}
    for x in rows(drop, "public_pension_contribution", m):
        base = c(x["contribution_base"])
        assert c(x["employer_amount"]) == round(base * 0.16) and c(x["employee_amount"]) == round(base * 0.08)
        if x["unit_id"] in annuity_units:
            assert c(x["annuity_employer_amount"]) == round(base * 0.08)
            assert c(x["annuity_employee_amount"]) == round(base * 0.04)
        else:
            assert x["annuity_employer_amount"] == x["annuity_employee_amount"] == "0.00"


def test_public_pension_month_to_month(drop):
    jul = {p["person_id"]: p for p in rows(drop, "public_pension_person", "202407")}
    aug = {p["person_id"]: p for p in rows(drop, "public_pension_person", "202408")}
    ret_jul = {r["person_id"]: r for r in rows(drop, "public_pension_retiree", "202407")}
    ret_aug = {r["person_id"]: r for r in rows(drop, "public_pension_retiree", "202408")}
    for pid, p in jul.items():
        if p["insured_status"] == "3":           # transferred out: gone next month
            assert pid not in aug and pid not in ret_aug
        else:                                    # still insured, or retired in August
            assert pid in aug or ret_aug[pid]["retire_date"] == "20240801"
            q = aug.get(pid) or ret_aug[pid]
            assert q["id_number"] == p["id_number"] and q["person_name"] == p["person_name"]
    # August: yearly adjustment; back pay for January–July = 7 × the monthly increase.
    pays = defaultdict(dict)
    for x in rows(drop, "public_pension_payment", "202408"):
        pays[x["person_id"]][x["payment_item"]] = c(x["amount"])
    adjusted = [pid for pid in ret_jul if pid in ret_aug and "02" in pays[pid]]
    assert len(adjusted) > 0.9 * len(ret_jul) * 0.97
    for pid in adjusted:
        inc = c(ret_aug[pid]["monthly_pension"]) - c(ret_jul[pid]["monthly_pension"])
        assert inc > 0 and abs(pays[pid]["02"] - 7 * inc) <= 7
        assert pays[pid]["01"] == c(ret_aug[pid]["monthly_pension"])


def test_public_pension_check_table(drop):
    m = "202408"
    ct = check_rows(drop, "public_pension", m)
    persons = rows(drop, "public_pension_person", m)
    dist = {p["person_id"]: p["district_code"] for p in persons}
    rdist = {r["person_id"]: r["district_code"] for r in rows(drop, "public_pension_retiree", m)}
    income, paid = Counter(), Counter()
    for x in rows(drop, "public_pension_contribution", m):
        income[dist[x["person_id"]]] += c(x["employer_amount"]) + c(x["employee_amount"])
    for x in rows(drop, "public_pension_payment", m):
        paid[rdist[x["person_id"]]] += c(x["amount"])
    assert len(ct) == 16
    for d, r in ct.items():
        assert c(r["contribution_income"]) == income[d] and c(r["pension_paid"]) == paid[d]
        assert r["insured_active"] == sum(1 for p in persons if p["district_code"] == d and p["insured_status"] != "3")


# ---- 城乡居民基本养老保险 -----------------------------------------------------------------------------
def test_residents_pension_shapes_and_formulas(drop):
    m = "202407"
    enrol = rows(drop, "residents_pension_enrol", m)
    insured = [e for e in enrol if e["enrol_status"] in ("1", "2", "3")]
    assert 1700 < len(insured) < 2100                     # 1.91 million at scale 1
    benefit = [e for e in insured if e["enrol_status"] == "2"]
    assert 0.4 < len(benefit) / len(insured) < 0.55       # ≈ 0.9 million receiving
    assert all(age(e["birth_date"], m) >= 60 for e in benefit)
    assert all(16 <= age(e["birth_date"], m) <= 60 for e in insured if e["enrol_status"] in ("1", "3"))
    assert sum(e["district_code"] in OUTER for e in insured) / len(insured) > 0.8
    assert sum(e["hukou_type"] == "12" for e in insured) / len(insured) > 0.7
    assert all(e["contribution_grade"] == "" for e in benefit)
    grades = code_table("contribution_grade")
    contrib = rows(drop, "residents_pension_contribution", m)
    assert contrib
    for x in contrib:
        g = grades[x["contribution_grade"]]
        assert c(x["subsidy_amount"]) == int(g["subsidy"]) * 100
        assert c(x["personal_amount"]) + c(x["assisted_amount"]) in (int(g["annual_amount"]) * 100,)
        assert 100000 <= c(x["personal_amount"]) + c(x["assisted_amount"]) <= 900000
    for x in rows(drop, "residents_pension_payment", m):
        assert c(x["basic_amount"]) == 94400                 # 基础养老金 2024 (est.)
        assert c(x["total_amount"]) == c(x["basic_amount"]) + c(x["account_amount"]) + c(x["refund_amount"])


def test_residents_pay_once_a_year(drop):
    seen = Counter()
    for m in MONTHS:
        for x in rows(drop, "residents_pension_contribution", m):
            seen[(x["person_id"], x["contribution_year"])] += 1
    assert seen and max(seen.values()) == 1


def test_residents_check_table(drop):
    m = "202408"
    ct = check_rows(drop, "residents_pension", m)
    pays = rows(drop, "residents_pension_payment", m)
    assert sum(c(r["benefit_paid"]) for r in ct.values()) == sum(c(x["total_amount"]) for x in pays)
    contrib = rows(drop, "residents_pension_contribution", m)
    assert sum(r["contributors"] for r in ct.values()) == len(contrib)
    assert sum(c(r["government_subsidy"]) for r in ct.values()) == \
        sum(c(x["subsidy_amount"]) + c(x["assisted_amount"]) for x in contrib)


# ---- DMP extracts --------------------------------------------------------------------------------
def _ledger(drop, m):
    out = Counter()
    for x in rows(drop, "dmp_fund_ledger", m):
        out[(x["insurance_type"], x["district_code"], x["fund_item"])] += c(x["amount"])
    return out


def test_fund_ledger_equals_the_interface_files(drop):
    for m in MONTHS:
        led = _ledger(drop, m)
        exp = Counter()
        dist = {p["person_id"]: p["district_code"] for p in rows(drop, "ent_pension_person", m)}
        for x in rows(drop, "ent_pension_contribution", m):
            item = "1101" if x["fee_month"] == m else "1102"
            exp[("110", dist[x["person_id"]], item)] += c(x["employer_amount"]) + c(x["employee_amount"])
        rdist = {r["person_id"]: r["district_code"] for r in rows(drop, "ent_pension_retiree", m)}
        for x in rows(drop, "ent_pension_payment", m):
            exp[("110", rdist[x["person_id"]], {"01": "2101", "03": "2103"}[x["payment_item"]])] += c(x["amount"])
        dist = {p["person_id"]: p["district_code"] for p in rows(drop, "public_pension_person", m)}
        for x in rows(drop, "public_pension_contribution", m):
            exp[("120", dist[x["person_id"]], "1101")] += c(x["employer_amount"]) + c(x["employee_amount"])
            exp[("120", dist[x["person_id"]], "1105")] += c(x["annuity_employer_amount"]) + c(x["annuity_employee_amount"])
        rdist = {r["person_id"]: r["district_code"] for r in rows(drop, "public_pension_retiree", m)}
        for x in rows(drop, "public_pension_payment", m):
            exp[("120", rdist[x["person_id"]], "2" + "10" + x["payment_item"][1])] += c(x["amount"])
        for x in rows(drop, "residents_pension_contribution", m):
            exp[("170", x["district_code"], "1101")] += c(x["personal_amount"])
            exp[("170", x["district_code"], "1103")] += c(x["subsidy_amount"]) + c(x["assisted_amount"])
        for x in rows(drop, "residents_pension_payment", m):
            exp[("170", x["district_code"], "2101")] += c(x["basic_amount"]) + c(x["account_amount"])
            exp[("170", x["district_code"], "2104")] += c(x["refund_amount"])
            exp[("170", x["district_code"], "1103")] += c(x["basic_amount"])   # basic pension is fiscally funded
        for key, v in led.items():
            if key[2] != "1104":
                assert v == exp[key], (m, key)
        assert sum(v for k, v in led.items() if k[2] == "1104") > 0 if m in ("202406",) else True
        assert all(v == 0 for k, v in led.items() if k[2] == "1104") if m != "202406" else True


def test_budget_execution_follows_the_ledger(drop):
    items = {b: r["fund_items"].split(";") for b, r in code_table("budget_item").items()}
    prev = None
    for m in MONTHS:
        led = _ledger(drop, m)
        bud = {(x["insurance_type"], x["budget_item"]): x for x in rows(drop, "dmp_budget_execution", m)}
        assert bud
        for (t, b), x in bud.items():
            assert c(x["executed_month"]) == sum(v for k, v in led.items() if k[0] == t and k[2] in items[b])
            if prev:
                assert c(x["executed_ytd"]) == c(prev[(t, b)]["executed_ytd"]) + c(x["executed_month"])
                assert x["planned_amount"] == prev[(t, b)]["planned_amount"]
        prev = bud
    # By August about 8/12 of the yearly plan is executed for the regular items.
    assert 55 < float(prev[("110", "B201")]["execution_rate"]) < 78


def test_change_log_and_audit(drop):
    m = "202408"
    changes = rows(drop, "dmp_benefit_change", m)
    by_id = {x["change_id"]: x for x in changes}
    assert len(by_id) == len(changes)
    ret = {r["person_id"]: r for r in rows(drop, "public_pension_retiree", m)}
    new = {x["person_id"] for x in changes if x["insurance_type"] == "120" and x["change_type"] == "01"}
    assert new == {p for p, r in ret.items() if r["retire_date"] == m + "01"}
    for x in changes:
        if x["insurance_type"] == "120" and x["change_type"] in ("01", "03", "04"):
            assert c(x["new_amount"]) == c(ret[x["person_id"]]["monthly_pension"])
    funeral = {x["person_id"] for x in rows(drop, "public_pension_payment", m) if x["payment_item"] == "03"}
    assert funeral == {x["person_id"] for x in changes if x["insurance_type"] == "120" and x["change_type"] == "02"}
    assert sum(x["change_type"] == "03" for x in changes) > 0.9 * len(ret)    # August adjustment
    suspects = rows(drop, "dmp_audit_suspect", m)
    assert {s["rule_code"] for s in suspects} >= {"A01", "A02"}
    for s in suspects:
        if s["rule_code"] in ("A04", "A05", "A06"):
            ch = by_id[s["related_change_id"]]
            assert ch["person_id"] == s["person_id"]
            if s["rule_code"] == "A06":
                assert ch["operator_id"] == ch["approver_id"]
            if s["rule_code"] == "A04":
                assert c(ch["new_amount"]) > 1.2 * c(ch["old_amount"])
    assert all(x["operator_id"][:6] == x["district_code"] for x in changes)


def test_relations_and_cohorts_cover_every_person(drop):
    m = "202407"
    rel = rows(drop, "dmp_person_relation", m)
    assert len({(x["person_id"], x["insurance_type"]) for x in rel}) == len(rel)
    n = Counter(x["insurance_type"] for x in rel)
    assert n["110"] == len(rows(drop, "ent_pension_person", m)) + len(rows(drop, "ent_pension_retiree", m))
    assert n["120"] == len(rows(drop, "public_pension_person", m)) + len(rows(drop, "public_pension_retiree", m))
    assert n["170"] == len(rows(drop, "residents_pension_enrol", m))
    assert all((x["end_date"] != "") == (x["relation_status"] in ("3", "5")) for x in rel)
    coh = rows(drop, "dmp_actuarial_cohort", m)
    for t in ("110", "120", "170"):
        active = sum(int(x["active_count"]) for x in coh if x["insurance_type"] == t)
        retired = sum(int(x["retired_count"]) for x in coh if x["insurance_type"] == t)
        assert active == sum(1 for x in rel if x["insurance_type"] == t and x["relation_status"] in ("1", "2"))
        assert retired == sum(1 for x in rel if x["insurance_type"] == t and x["relation_status"] == "4")
    led = _ledger(drop, m)
    contrib = sum(c(x["contribution_total"]) for x in coh if x["insurance_type"] == "110")
    assert contrib == sum(v for k, v in led.items() if k[0] == "110" and k[2] in ("1101", "1102"))


def test_dmp_check_table(drop):
    m = "202408"
    ct = check_rows(drop, "dmp", m)
    assert list(ct) == ["110000"]
    r = ct["110000"]
    led = rows(drop, "dmp_fund_ledger", m)
    assert c(r["fund_income"]) == sum(c(x["amount"]) for x in led if x["direction"] == "1")
    assert c(r["fund_expenditure"]) == sum(c(x["amount"]) for x in led if x["direction"] == "2")
    assert r["benefit_changes"] == len(rows(drop, "dmp_benefit_change", m))
    assert r["audit_suspects"] == len(rows(drop, "dmp_audit_suspect", m))


def test_month_state_advances_once_whoever_reads_first():
    """dmp reads the public and residents populations; the result must not depend on the order of calls."""
    from synth.sources import dmp, public_pension, residents_pension
    from synth.sources.pension import base_limits
    from synth.world import World

    out = []
    for order in ((dmp, public_pension, residents_pension), (residents_pension, public_pension, dmp)):
        w = World(0.0005, 9, "202407")
        ev = w.advance_to("202407", base_limits)
        files = {mod.SOURCE: mod.month_files(w, "202407", ev) for mod in order}
        out.append({(s, i, k): tuple(v) for s, f in files.items() for i, cols in f.items() for k, v in cols.items()})
    assert out[0] == out[1]
