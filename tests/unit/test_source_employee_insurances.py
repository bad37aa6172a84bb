"""Unemployment, work-injury, maternity and medical individual-account sources: realistic shares, the
formulas behind the amounts, consistency with the pension population and check tables equal to the rows."""
from decimal import Decimal

import numpy as np
import pytest
from openpyxl import load_workbook

from foundation.months import month_range
from foundation.spec import load_check_tables, load_specs
from synth.__main__ import generate
from synth.sources import _emp_common as c
from synth.sources import injury, unemployment
from synth.sources.pension import base_limits
from synth.world import World

MONTHS = ["202407", "202408", "202409"]


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    root = tmp_path_factory.mktemp("emp")
    generate("202407", 3, 0.001, 5, out=root)
    return root


def read(drop, interface, month):
    """A delivered file as {column: list of str}."""
    spec = load_specs()[interface]
    lines = (drop / month / spec.file_name(month)).read_text(spec.encoding).splitlines()
    rows = [ln.split(spec.delimiter) for ln in lines]
    return {name: [r[i] for r in rows] for i, name in enumerate(spec.column_names)}


def sheet(drop, check_table, month):
    ct = load_check_tables()[check_table]
    ws = load_workbook(drop / month / ct["file_pattern"].format(month=month))[ct["sheet"]]
    names = [col["name"] for col in ct["columns"]]
    return [dict(zip(names, r)) for r in list(ws.iter_rows(values_only=True))[2:]]


def total(values):
    return sum(Decimal(v) for v in values if v != "")


def insured(f):
    return [pid for pid, s in zip(f["person_id"], f["insured_status"]) if s in ("1", "2")]


# ---- shares and consistency with the pension population ---------------------------------------------
def test_insured_shares_follow_beijing_figures(drop):
    month = "202408"
    pension = len(insured(read(drop, "ent_pension_person", month)))
    shares = {name: len(insured(read(drop, name, month))) / pension
              for name in ("unemp_insured", "injury_insured", "maternity_insured")}
    assert abs(shares["unemp_insured"] - 13.58 / 17.25) < 0.03
    assert abs(shares["injury_insured"] - 13.06 / 17.25) < 0.03
    assert abs(shares["maternity_insured"] - 10.83 / 17.25) < 0.03
    med = read(drop, "med_account_monthly", month)
    retirees = len(read(drop, "ent_pension_retiree", month)["person_id"])
    ratio = len(med["person_id"]) / (pension + retirees)
    assert 0.80 < ratio < 0.88  # 14.86 of ≈17.6 million


def test_same_person_same_identity_and_nested_membership(drop):
    month = "202407"
    pension = read(drop, "ent_pension_person", month)
    ident = {p: (i, n, d) for p, i, n, d in zip(pension["person_id"], pension["id_number"],
                                                 pension["person_name"], pension["district_code"])}
    sets = {}
    for name in ("unemp_insured", "injury_insured", "maternity_insured"):
        f = read(drop, name, month)
        sets[name] = set(f["person_id"])
        for p, i, n, d in zip(f["person_id"], f["id_number"], f["person_name"], f["district_code"]):
            assert ident[p] == (i, n, d)
    assert sets["maternity_insured"] <= sets["injury_insured"] <= sets["unemp_insured"]
    med = read(drop, "med_account_monthly", month)
    active_med = {p for p, t in zip(med["person_id"], med["person_type"]) if t == "1"}
    assert set(insured(read(drop, "unemp_insured", month))) <= active_med


# ---- unemployment ------------------------------------------------------------------------------------
def test_unemployment_contributions_are_half_a_percent_each(drop):
    f = read(drop, "unemp_contribution", "202407")
    lo, hi = base_limits("202407")
    for b, er, ee in zip(f["contribution_base"], f["employer_amount"], f["employee_amount"]):
        base = Decimal(b)
        assert lo <= base <= hi
        assert er == ee and abs(Decimal(er) - base * Decimal("0.005")) <= Decimal("0.005")


def test_unemployment_benefit_stock_and_new_claimants(drop):
    for month in MONTHS:
        ben = read(drop, "unemp_benefit", month)
        n_ins = len(insured(read(drop, "unemp_insured", month)))
        assert 0.002 < len(ben["person_id"]) / n_ins < 0.01  # about 0.5 % of the insured
        for e, k, yrs in zip(ben["entitled_months"], ben["month_no"], ben["contribution_years"]):
            assert 1 <= int(k) <= int(e) <= 24 and int(e) == unemployment.entitled_months(int(yrs))
    # From the second month on, new claimants are insured persons who left in that month.
    for month in MONTHS[1:]:
        ins = read(drop, "unemp_insured", month)
        status = dict(zip(ins["person_id"], ins["insured_status"]))
        ben = read(drop, "unemp_benefit", month)
        new = [p for p, k in zip(ben["person_id"], ben["month_no"]) if k == "1"]
        assert new and all(status.get(p) == "3" for p in new)
        # Continuing recipients were paid the month before, one month earlier in their entitlement.
        prev = read(drop, "unemp_benefit", MONTHS[MONTHS.index(month) - 1])
        before = dict(zip(prev["person_id"], prev["month_no"]))
        for p, k in zip(ben["person_id"], ben["month_no"]):
            if k != "1":
                assert int(before[p]) == int(k) - 1


def test_benefit_standard_tiers():
    m = 2024 * 12 + 8  # 2024-09
    got = unemployment.benefit_standard(m, np.array([1, 7, 25, 25]), np.array([1, 1, 1, 13]))
    assert list(got) == [2086, 2113, 2194, 2086]
    assert list(unemployment.entitled_months(np.array([0, 1, 4, 5, 10, 30]))) == [0, 3, 12, 13, 18, 24]


def test_migrant_allowance_goes_to_agricultural_hukou(drop):
    for month in MONTHS:
        f = read(drop, "unemp_migrant_allowance", month)
        assert f["person_id"] and set(f["hukou_type"]) <= {"12", "22"}
        for mo, s in zip(f["allowance_months"], f["service_months"]):
            assert 1 <= int(mo) <= min(12, max(1, int(s) // 12))


# ---- work injury -------------------------------------------------------------------------------------
def test_injury_rates_by_risk_class(drop):
    f = read(drop, "injury_unit_contribution", "202407")
    from foundation.spec import code_table

    rates = {k: Decimal(v["base_rate"]) for k, v in code_table("risk_class").items()}
    for cls, rate, payroll, amount in zip(f["risk_class"], f["rate"], f["payroll_base"], f["amount"]):
        assert Decimal(rate) == rates[cls] and Decimal("0.002") <= Decimal(rate) <= Decimal("0.019")
        assert abs(Decimal(payroll) * Decimal(rate) - Decimal(amount)) <= Decimal("0.005")
    assert len(set(f["risk_class"])) >= 4


def test_injury_cases_flow(drop):
    seen = {}
    for month in MONTHS:
        d = read(drop, "injury_determination", month)
        assert len(d["case_id"]) >= 5
        for cid, acc, app, det, res, sev in zip(d["case_id"], d["accident_date"], d["apply_date"],
                                                d["determination_date"], d["result"], d["severity"]):
            assert acc <= app < det and det[:6] == month
            seen[cid] = (det, res, sev)
        s = read(drop, "injury_settlement", month)
        assert s["case_id"]
        for cid, item, cl, ap in zip(s["case_id"], s["settlement_item"], s["claimed_amount"], s["approved_amount"]):
            assert Decimal(ap) <= Decimal(cl)
            if cid in seen:  # settled after its determination, only for recognised cases
                assert seen[cid][1] in ("1", "2") and seen[cid][0][:6] < month
        a = read(drop, "injury_appraisal", month)
        assert a["appraisal_id"]
        for cid, app, concl in zip(a["case_id"], a["apply_date"], a["conclusion_date"]):
            assert app < concl and concl[:6] == month
            if cid in seen:
                assert seen[cid][0] < app and seen[cid][2] != "3"


def test_injury_volume_and_grade_skew():
    world = World(0.01, 9, "202401")
    grades, dets = [], []
    for month in month_range("202401", 10):
        ev = world.advance_to(month, base_limits)
        files = injury.month_files(world, month, ev)
        grades += list(files["injury_appraisal"]["disability_grade"])
        dets.append(len(files["injury_determination"]["case_id"]))
    # ≈40 thousand determinations a year at scale 1.
    assert 0.6 * 40_000 / 12 * 0.01 < np.mean(dets) < 1.4 * 40_000 / 12 * 0.01
    graded = [int(g) for g in grades if g != "00"]
    assert len(graded) > 60
    assert np.mean([g >= 7 for g in graded]) > 0.75 and np.mean([g <= 4 for g in graded]) < 0.08


# ---- maternity ---------------------------------------------------------------------------------------
def test_maternity_benefits(drop):
    for month in MONTHS:
        con = read(drop, "maternity_unit_contribution", month)
        assert set(con["rate"]) == {"0.0080"}
        f = read(drop, "maternity_benefit", month)
        ins = read(drop, "maternity_insured", month)
        info = {p: (g, b) for p, g, b in zip(ins["person_id"], ins["gender"], ins["birth_date"])}
        births = 0
        for i, item in enumerate(f["benefit_item"]):
            if item == "04":
                continue
            gender, birth = info[f["person_id"][i]]
            age = int(f["event_date"][i][:4]) - int(birth[:4])
            assert gender == "2" and 19 <= age <= 46
            if item == "01":
                births += 1
                days, base, babies = int(f["allowance_days"][i]), Decimal(f["allowance_base"][i]), int(f["babies"][i])
                assert days == 158 + 15 * (f["delivery_type"][i] != "1") + 15 * (babies - 1)
                assert abs(base / 30 * days - Decimal(f["amount"][i])) <= Decimal("0.01")
            else:
                assert f["allowance_days"][i] == "" and f["allowance_base"][i] == "0.00"
        assert births >= 5  # ≈150 thousand a year at scale 1, at least a handful


# ---- medical individual accounts ---------------------------------------------------------------------
def test_medical_account_balances_carry_over(drop):
    prev = None
    for month in MONTHS:
        f = read(drop, "med_account_monthly", month)
        for b, cr, o, ph, e in zip(f["balance_begin"], f["credit_amount"], f["spend_outpatient"],
                                   f["spend_pharmacy"], f["balance_end"]):
            assert Decimal(b) + Decimal(cr) - Decimal(o) - Decimal(ph) == Decimal(e) >= 0
        for t, birth, cr, base in zip(f["person_type"], f["birth_date"], f["credit_amount"], f["credit_base"]):
            if t == "2":
                years = int(month[:4]) - int(birth[:4])  # age or age + 1
                assert cr in ("100.00", "110.00") and base == "0.00"
                if years != 70:
                    assert cr == ("110.00" if years > 70 else "100.00")
            elif base != "0.00":
                assert abs(Decimal(base) * Decimal("0.02") - Decimal(cr)) <= Decimal("0.005")
        if prev:
            for p, b in zip(f["person_id"], f["balance_begin"]):
                if p in prev:
                    assert prev[p] == b
        prev = dict(zip(f["person_id"], f["balance_end"]))


# ---- check tables ------------------------------------------------------------------------------------
@pytest.mark.parametrize("check_table, measure, interface, column, where", [
    ("unemployment", "insured", "unemp_insured", None, ("insured_status", ("1", "2"))),
    ("unemployment", "benefit_paid", "unemp_benefit", "amount", None),
    ("unemployment", "allowance_paid", "unemp_migrant_allowance", "amount", None),
    ("injury", "contribution_income", "injury_unit_contribution", "amount", None),
    ("injury", "contributors", "injury_unit_contribution", "insured_count", None),
    ("injury", "determinations", "injury_determination", None, None),
    ("injury", "settlement_paid", "injury_settlement", "approved_amount", None),
    ("maternity", "benefit_paid", "maternity_benefit", "amount", None),
    ("maternity", "allowance_recipients", "maternity_benefit", None, ("benefit_item", ("01",))),
    ("medical_account", "balance_end", "med_account_monthly", "balance_end", None),
    ("medical_account", "insured_retired", "med_account_monthly", None, ("person_type", ("2",))),
])
def test_check_table_matches_rows(drop, check_table, measure, interface, column, where):
    month = "202408"
    rows = sheet(drop, check_table, month)
    assert len(rows) == 16
    f = read(drop, interface, month)
    keep = [i for i in range(len(f["person_id" if "person_id" in f else "unit_id"]))
            if where is None or f[where[0]][i] in where[1]]
    expected = len(keep) if column is None else total(f[column][i] for i in keep)
    got = sum(Decimal(str(r[measure])) for r in rows)
    assert got == expected


def test_unemployment_check_table_contribution_income(drop):
    rows = sheet(drop, "unemployment", "202407")
    f = read(drop, "unemp_contribution", "202407")
    assert sum(Decimal(str(r["contribution_income"])) for r in rows) == \
        total(f["employer_amount"]) + total(f["employee_amount"])
    assert sum(r["contributors"] for r in rows) == len(set(f["person_id"]))


def test_helpers():
    # money, dates, person and unit numbers are ASCII bytes (dtype S: a quarter of str's memory; rendered as text)
    assert c.money(np.array([0.5])).dtype.kind == "S" and c.pid_str(np.array([7])).dtype == np.dtype("S12")
    assert list(c.money(np.array([0, 0.005, 1.5, 1234.567])).astype(str)) == ["0.00", "0.01", "1.50", "1234.57"]
    assert list(c.dates(np.array(["2024-02-29", "NaT"], dtype="datetime64[D]")).astype(str)) == ["20240229", ""]
    planned = np.array([5, 7, 9, -1])
    c.force_min(planned, 5, 2)
    assert list(planned) == [5, 5, 9, -1]
    assert list(c.lookup(np.array([7, 9]), np.array([3, 7]), np.array([110101, 110105]))) == [110105, 0]
    assert list(c.zfill(np.array([0, 42]), 5)) == ["00000", "00042"]
    assert list(c.money_cents(np.array([0, 5, 150, 123456789])).astype(str)) == ["0.00", "0.05", "1.50", "1234567.89"]
    assert list(c.zfill_bytes(np.array([0, 42]), 5)) == [b"00000", b"00042"]
    # Check tables use the numbers behind a formatted column, or parse it when it is not one of ours.
    s = c.money(np.array([1.25, 2.5]))
    assert list(c.cents(s)) == [125, 250] and list(c.cents(np.array(["1.25", ""]))) == [125, 0]
    assert c.distinct_by_district(np.array(["110101", "110101", "110102"]), np.array(["A", "A", "B"])) == \
        {"110101": 1, "110102": 1}
