"""HR-market and labour-relations sources: unemployed register, job placement, training, arbitration,
letters and visits, 12333 hotline — realistic shares, the DOMAIN.md formulas, state across months,
cross-source identities and check tables equal to the rows."""
import io

import numpy as np
import pytest
from openpyxl import load_workbook

from foundation.months import month_range
from foundation.spec import code_table, load_check_tables, load_specs
from loaders.validate import validate_stream
from synth.__main__ import generate
from synth.population import Population
from synth.sources import SOURCES, arbitration, hotline, job_market, petition, training, unemployed_registry
from synth.sources.pension import base_limits
from synth.world import World

MINE = (unemployed_registry, job_market, training, arbitration, petition, hotline)
IN_ORDER = [m for m in SOURCES if m in MINE]  # the generator's (discovery) order


@pytest.fixture(scope="module")
def year():
    """Twelve months of every HR source at scale 0.005 (≈ 60 arbitration cases a month)."""
    world = World(0.005, 17, "202401")
    months = []
    for month in month_range("202401", 12):
        events = world.advance_to(month, base_limits)
        files = {}
        for src in IN_ORDER:
            files.update(src.month_files(world, month, events))
        employed = int(np.isin(world.people.p["state"], [Population.ACTIVE, Population.SUSPENDED]).sum())
        months.append((month, files, employed))
    return world, months


def _validate(name, month, cols):
    spec = load_specs()[name]
    data = b"".join(spec.delimiter.join(r).encode(spec.encoding) + b"\n"
                    for r in zip(*[cols[c] for c in spec.column_names]))
    res = validate_stream(spec, month, io.BytesIO(data), lambda _: None)
    return res


def test_specs_and_code_tables():
    specs = {s.interface: s for s in load_specs().values()
             if s.source in {m.SOURCE for m in MINE}}
    assert set(specs) == {"unemployed_registry_person", "job_market_vacancy", "job_market_seeker",
                          "job_market_placement", "training_course", "training_trainee", "training_subsidy",
                          "arbitration_case", "petition_case", "hotline_call"}
    for s in specs.values():
        assert s.encoding == "gbk" and s.delimiter == "|"
        assert (s.arrival_day, s.period) == ((25, "current_month") if s.source in ("unemployed_registry", "job_market")
                                             else (1, "previous_month"))
        for c in s.columns:
            assert c.label
            if c.code_table:
                assert code_table(c.code_table)
            if c.check == "id_number" or c.name in ("person_name", "applicant_name", "petitioner_name", "phone"):
                assert c.pii, (s.interface, c.name)
    cts = load_check_tables()
    for m in MINE:
        assert m.SOURCE in cts and cts[m.SOURCE]["columns"][0]["name"] == "district_code"


def test_every_month_validates_without_rejects(year):
    _, months = year
    for month, files, _ in months[:3] + months[-1:]:
        for name, cols in files.items():
            res = _validate(name, month, cols)
            assert res.rows_read > 0, name
            rejects = [f for f in res.findings if f.rejected]
            assert not rejects, f"{name} {month}: {rejects[:3]}"
            assert not [f for f in res.findings if f.rule == "unknown_code"], name


def test_registered_unemployment_rate_and_register_flow(year):
    world, months = year
    for month, files, employed in months:
        f = files["unemployed_registry_person"]
        registered = int((f["reg_status"] == "1").sum())
        # 城镇登记失业率 = registered ÷ (employed + registered); Beijing about 1 %.
        rate = registered / (employed + registered)
        assert 0.004 < rate < 0.025, (month, rate)
        # Scale: 100–150 thousand at scale 1.
        assert 100_000 * world.scale * 0.8 < registered < 150_000 * world.scale * 1.2
        ended = f["reg_status"] != "1"
        assert (f["end_date"][ended] != "").all() and (f["end_date"][~ended] == "").all()
        assert np.char.startswith(f["end_date"][ended], month).all()
        assert (f["reg_date"] <= np.where(ended, f["end_date"], "99999999")).all()
    # The register is a stock: a registration stays (same id) from month to month until it ends.
    a = months[0][1]["unemployed_registry_person"]
    b = months[1][1]["unemployed_registry_person"]
    still = set(a["reg_id"][a["reg_status"] == "1"])
    assert still <= set(b["reg_id"])
    assert not set(a["reg_id"][a["reg_status"] != "1"]) & set(b["reg_id"])


def test_register_takes_people_who_left_work_with_their_identity(year):
    world, months = year
    f = months[-1][1]["unemployed_registry_person"]
    from_world = ~np.char.startswith(f["person_id"], "9")
    assert from_world.sum() > 0
    # They registered with a job-loss reason and name their former employer (a unit of the population).
    assert np.isin(f["unemployment_reason"][from_world], ["01", "02", "03", "04"]).all()
    assert np.isin(f["last_unit_credit_code"][from_world], world.people.units["credit"]).all()


def test_job_market_ratio_and_placements(year):
    world, months = year
    posts = seekers = placements = 0
    for month, files, _ in months:
        v, s, p = files["job_market_vacancy"], files["job_market_seeker"], files["job_market_placement"]
        posts += v["posts"].astype(int).sum()
        seekers += len(s["seeker_id"])
        placements += len(p["placement_id"])
        # Placements refer to this month's seekers and vacancies, never more than a vacancy's posts.
        assert set(p["seeker_id"]) <= set(s["seeker_id"]) and set(p["vacancy_id"]) <= set(v["vacancy_id"])
        assert len(set(p["seeker_id"])) == len(p["seeker_id"])
        used = dict(zip(*np.unique(p["vacancy_id"], return_counts=True)))
        cap = dict(zip(v["vacancy_id"], v["posts"].astype(int)))
        assert all(n <= cap[k] for k, n in used.items())
        assert (p["placement_date"] >= month + "01").all() and (p["placement_date"] <= month + "24").all()
        assert (v["wage_min"].astype(float) <= v["wage_max"].astype(float)).all()
    # 求人倍率 = vacancies (posts) ÷ job seekers: 1.2–1.6 in Beijing.
    assert 1.15 < posts / seekers < 1.65
    # ≈ 260–280 thousand new jobs a year at scale 1.
    assert 200_000 * world.scale < placements < 340_000 * world.scale
    assert 1.0 < job_market.vacancy_seeker_ratio(months[-1][1]) < 2.0


def test_job_seekers_include_registered_unemployed(year):
    _, months = year
    reg_ids = set(months[-2][1]["unemployed_registry_person"]["person_id"]) | \
        set(months[-1][1]["unemployed_registry_person"]["person_id"])
    s = months[-1][1]["job_market_seeker"]
    unemployed = s["person_id"][s["seeker_type"] == "1"]
    assert len(unemployed) and np.isin(unemployed, list(reg_ids)).mean() > 0.9


def test_arbitration_rates_over_a_year(year):
    world, months = year
    carried_at_start = (months[0][1]["arbitration_case"]["case_origin"] == "1").sum()
    accepted = closed = mediated = 0
    prev_open = None
    for month, files, _ in months:
        f = files["arbitration_case"]
        accepted += (f["case_origin"] == "2").sum()
        closed += (f["case_closed"] == "1").sum()
        mediated += (f["closing_method"] == "1").sum()
        # Carried-over cases are exactly last month's open cases.
        if prev_open is not None:
            assert set(f["case_id"][f["case_origin"] == "1"]) == prev_open
        prev_open = set(f["case_id"][f["case_closed"] == "0"])
        shut = f["case_closed"] == "1"
        assert (f["close_date"][shut] >= f["accept_date"][shut]).all()
        assert np.char.startswith(f["close_date"][shut], month).all()
        assert (f["closing_method"][~shut] == "").all() and (f["closing_method"][shut] != "").all()
        coll = f["collective_flag"] == "1"
        assert (f["workers_involved"][coll].astype(int) >= 10).all()
        assert (f["workers_involved"][~coll].astype(int) < 10).all()
        r = arbitration.rates(f)
        assert 0.55 < r["closure_rate"] < 0.92  # within a month many cases are still open
    # closure rate = closed ÷ (carried over + accepted): 97.5 % in 2023; mediation rate 65.6 %.
    assert 0.95 < closed / (carried_at_start + accepted) < 0.99
    assert 0.60 < mediated / closed < 0.71
    # 135 thousand accepted a year at scale 1.
    assert 110_000 * world.scale < accepted < 160_000 * world.scale


def test_hotline_connect_rate_and_shares(year):
    world, months = year
    for month, files, _ in months:
        f = files["hotline_call"]
        ch = f["channel"]
        # connect rate = (agent + self-service) ÷ total ≈ 90 %.
        assert 0.86 < hotline.connect_rate(f) < 0.94
        assert 1_300_000 * world.scale < len(ch) < 1_700_000 * world.scale
        agent = ch == "1"
        assert (f["agent_id"][agent] != "").all() and (f["agent_id"][~agent] == "").all()
        assert (f["satisfaction"][~agent] == "").all()
        rated = f["satisfaction"][f["satisfaction"] != ""].astype(int)
        assert 0.55 < len(rated) / agent.sum() < 0.75 and 0.85 < (rated >= 4).mean() < 0.98
        assert (f["talk_seconds"][ch == "3"] == "0").all()
        hh = f["start_time"].astype("U2").astype(int)
        assert ((hh >= 8) & (hh < 20))[agent].all()
        assert (np.diff(np.char.add(f["call_date"], f["start_time"]).astype(np.int64)) >= 0).all()


def test_petition_and_training_shapes(year):
    world, months = year
    for month, files, _ in months:
        pf = files["petition_case"]
        handled = pf["handled_flag"] == "1"
        assert (pf["response_days"][~handled] == "").all()
        assert ((pf["persons"].astype(int) >= 5) == (pf["collective_flag"] == "1")).all()
        visits = pf["channel"] == "2"
        assert (pf["petitioner_name"][visits] != "").all()  # visitors are always identified
        t = files["training_trainee"]
        c = files["training_course"]
        assert set(t["course_id"]) <= set(c["course_id"])
        assert (c["start_date"] <= c["end_date"]).all()
        done = t["completion_status"] != "1"
        assert (t["status_date"][done] != "").all() and np.char.startswith(t["status_date"][done], month).all()
        assert (t["certificate_no"][t["completion_status"] != "2"] == "").all()
        s = files["training_subsidy"]
        passed = set(t["person_id"][t["completion_status"] == "2"])
        assert set(s["person_id"]) <= passed
        assert np.char.startswith(s["paid_date"], month).all()
    # Most petitions are answered within the month (statutory limit 60 days).
    handled = np.concatenate([m[1]["petition_case"]["handled_flag"] for m in months])
    assert 0.5 < (handled == "1").mean() < 0.85
    # Completion: ≈ 85 % of those who finish pass.
    t = np.concatenate([m[1]["training_trainee"]["completion_status"] for m in months])
    final = t[t != "1"]
    assert 0.78 < (final == "2").mean() < 0.92


def test_same_person_same_identity_across_sources(year):
    world, months = year
    files = months[-1][1]
    idx = {}
    for name, pid_col, id_col in [("unemployed_registry_person", "person_id", "id_number"),
                                  ("job_market_seeker", "person_id", "id_number"),
                                  ("training_trainee", "person_id", "id_number")]:
        f = files[name]
        for pid, idno in zip(f[pid_col], f[id_col]):
            assert idx.setdefault(pid, idno) == idno
    # Employees keep the ID number of the employee population.
    p = world.people.p
    ids = dict(zip(np.char.zfill(p["pid"].astype(str), 12), p["idno"]))
    t = files["training_trainee"]
    emp = t["trainee_type"] == "2"
    assert emp.any()
    assert all(ids.get(a, b) == b for a, b in zip(t["person_id"][emp], t["id_number"][emp]))


def test_check_tables_equal_the_rows(tmp_path):
    generate("202407", 1, 0.0005, 5, out=tmp_path)
    folder = tmp_path / "202407"

    def sheet(name):
        ws = load_workbook(folder / name)["核对表"]
        return list(ws.iter_rows(values_only=True))[2:]

    def rows(name):
        return [l.split("|") for l in (folder / name).read_text("gbk").splitlines()]

    reg = sheet("SYDJ_HDB_202407.xlsx")
    assert len(reg) == 16 and sum(r[2] for r in reg) == sum(1 for r in rows("SYDJ_RY_202407.txt") if r[15] == "1")
    arb = sheet("LDZC_HDB_202407.xlsx")
    cases = rows("LDZC_AJ_202407.txt")
    assert sum(r[2] + r[3] for r in arb) == len(cases)
    assert sum(r[4] for r in arb) == sum(1 for c in cases if c[13] == "1")
    assert round(sum(r[10] for r in arb), 2) == round(sum(float(c[12]) for c in cases), 2)
    hot = sheet("DHZX_HDB_202407.xlsx")
    assert len(hot) == 1 and hot[0][0] == "110000"
    assert hot[0][2] == len(rows("DHZX_HJ_202407.txt")) == hot[0][3] + hot[0][4] + hot[0][5]
    jm = sheet("ZYJS_HDB_202407.xlsx")
    assert sum(r[3] for r in jm) == sum(int(v[7]) for v in rows("ZYJS_GW_202407.txt"))
    assert sum(r[5] for r in jm) == len(rows("ZYJS_CG_202407.txt"))
    tr = sheet("ZYPX_HDB_202407.xlsx")
    assert round(sum(r[7] for r in tr), 2) == round(sum(float(s[6]) for s in rows("ZYPX_BT_202407.txt")), 2)
    pet = sheet("LDXF_HDB_202407.xlsx")
    assert sum(r[2] for r in pet) == len(rows("LDXF_XF_202407.txt")) == sum(r[3] + r[4] + r[5] + r[6] for r in pet)

