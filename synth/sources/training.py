"""职业培训 (subsidised vocational training): courses, trainees and subsidy payments of the month.

Training institutions (a pool kept in state, credit codes of private non-enterprise units) open courses every
month; each course has its trainees, whose outcome (pass, fail, drop out) is fixed at enrolment. A course is
in the course file every month it runs; its trainees are in the trainee file while in training and, last, in
the month they finish or drop out. Trainees who pass are paid the training subsidy (to the institution),
in-service trainees with a skill certificate the skill-evaluation subsidy, and unemployed trainees a living
allowance.

Trainees: in-service employees (world.people), registered unemployed (the unemployed register, when it has
run) and others made here. Scale 1.0: ≈ 830 courses and ≈ 25 thousand trainees starting a month (est.).
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index, month_str
from synth.population import Population, district_choice, month_to_date
from synth.sources._hr_common import (
    NAT,
    concat,
    credit_codes,
    d8,
    days_in,
    district_table,
    districts,
    ints,
    lookup,
    money,
    new_people,
    pick,
    pid12,
    take,
    world_persons,
    zid,
)

SOURCE = "training"

COURSES_AT_SCALE_1 = 830
INSTITUTIONS_AT_SCALE_1 = 1_500
PERSON_ID_BASE = 700_000_000_000  # own persons: 7xxxxxxxxxxx

TYPES = np.array(["1", "2", "3", "4", "5"])
TYPE_SHARE = [35, 45, 8, 7, 5]
DAYS_BY_TYPE = {"1": (20, 60), "2": (15, 90), "3": (10, 20), "4": (180, 365), "5": (7, 30)}
OCCUPATIONS = ["4-03", "4-10", "4-14", "6-29", "6-28", "4-04", "4-12", "6-18", "2-02", "4-02", "4-07", "5-01",
               "4-01", "6-31", "4-13"]
OCC_SHARE = [12, 14, 12, 8, 5, 9, 6, 4, 5, 6, 5, 2, 5, 4, 3]
LEVELS = np.array(["5", "4", "3", "2", "1"])
LEVEL_SHARE = [38, 32, 20, 7, 3]
STANDARD = {"5": 1500.0, "4": 2000.0, "3": 2500.0, "2": 3000.0, "1": 3500.0, "9": 800.0}
EVALUATION = {"5": 1000.0, "4": 1500.0, "3": 2000.0, "2": 2500.0, "1": 3000.0}
OUTCOME = np.array(["2", "3", "4"])
OUTCOME_SHARE = [85, 7, 8]
INST_WORDS = ["职业技能培训学校", "职业培训学校", "技工学校", "职业技能鉴定培训中心", "培训学校"]
INST_NAMES = ["华夏", "京华", "中联", "育才", "金桥", "博学", "启航", "新锐", "远景", "技能", "长城", "燕京", "东方", "众诚"]


def _institutions(rng, n: int) -> dict:
    from foundation.spec import code_table

    d = districts(rng, n)
    names = code_table("district")
    dname = np.array([names[x]["name"] for x in d])
    name = np.char.add(np.char.add(np.char.add("北京市", dname), np.array(INST_NAMES)[rng.integers(0, len(INST_NAMES), n)]),
                       np.array(INST_WORDS)[rng.integers(0, len(INST_WORDS), n)])
    return {"credit": credit_codes(rng, "52", d), "name": name.astype("U100"), "district": d}


def _new_courses(world, rng, month: str, state: dict) -> tuple[dict, dict]:
    inst = state["institutions"]
    n = max(6, int(rng.poisson(COURSES_AT_SCALE_1 * world.scale)))
    # courses spread over the districts by their institutions (district_choice): a district's expected courses, not a
    # lottery; a course has ≈ 25 trainees, so a district expecting less than one course a month can still have none
    which = district_choice(rng, np.arange(len(inst["credit"])), inst["district"], n)
    ctype = pick(rng, TYPES, TYPE_SHARE, n)
    level = np.where(ctype == "5", "9", np.where(ctype == "3", "5", pick(rng, LEVELS, LEVEL_SHARE, n)))
    lo = np.select([ctype == t for t in DAYS_BY_TYPE], [v[0] for v in DAYS_BY_TYPE.values()])
    hi = np.select([ctype == t for t in DAYS_BY_TYPE], [v[1] for v in DAYS_BY_TYPE.values()])
    start = np.sort(days_in(rng, month, n, weekday_weight=10.0))
    end = start + rng.integers(lo, hi + 1)
    enrolled = np.minimum(10 + rng.poisson(20, n), 60)
    seq = np.arange(state["next_course"], state["next_course"] + n)
    state["next_course"] += n
    courses = {"course_id": zid("PX" + month, seq, 14), "credit": inst["credit"][which], "inst_name": inst["name"][which],
               "district": inst["district"][which], "type": ctype, "occ": pick(rng, OCCUPATIONS, OCC_SHARE, n),
               "level": level, "start": start, "end": end,
               "hours": np.minimum(((end - start).astype(np.int64) * rng.uniform(3, 6, n)).astype(np.int64), 9999),
               "enrolled": enrolled, "standard": np.array([STANDARD[x] for x in level])}

    # Trainees: who they are depends on the course type.
    c = np.repeat(np.arange(n), enrolled)
    m = len(c)
    in_service = np.isin(ctype[c], ["2", "4"])
    ttype = np.where(in_service, np.where(rng.random(m) < 0.92, "2", "9"),
                     pick(rng, np.array(["1", "3", "4", "5", "9"]), [45, 25, 15, 5, 10], m))
    # Everyone is first made here; in-service trainees are then replaced by employees of the population and
    # unemployed trainees by registered unemployed persons (when the register has run).
    t = new_people(rng, m, np.datetime64(start[0], "D"), age_mean=35, age_sd=10)
    t["hukou"] = np.where(ttype == "3", "12", t["hukou"])  # rural labour: agricultural hukou (Beijing)
    t["pid"] = pid12(PERSON_ID_BASE + np.arange(state["next_pid"], state["next_pid"] + m))
    state["next_pid"] += m
    active = np.flatnonzero(world.people.p["state"] == Population.ACTIVE)
    rows2 = np.flatnonzero(ttype == "2")
    rows2 = rows2[:min(len(rows2), len(active))]
    emp = world_persons(world, rng.choice(active, size=len(rows2), replace=False))
    emp["pid"] = pid12(emp["pid"])
    reg = world.state.get("unemployed_registry", {}).get("stock")
    rows1 = np.flatnonzero(ttype == "1")
    if reg is not None:
        open_ = np.flatnonzero(reg["status"] == "1")
        rows1 = rows1[:min(len(rows1), len(open_))]
        chosen = rng.choice(open_, size=len(rows1), replace=False)
    else:
        rows1, chosen = rows1[:0], np.empty(0, np.int64)
    for key in ("pid", "idno", "name", "gender", "birth", "hukou", "district"):
        t[key][rows2] = emp[key]
        if reg is not None:
            t[key][rows1] = reg[key][chosen]
    del t["district"]
    t["type"] = ttype
    t["enroll"] = start[c] - rng.integers(0, 11, m)
    t["outcome"] = pick(rng, OUTCOME, OUTCOME_SHARE, m)
    span = (end[c] - start[c]).astype(np.int64)
    t["drop"] = np.where(t["outcome"] == "4", start[c] + (rng.random(m) * span).astype(np.int64), NAT)
    t["course_id"] = courses["course_id"][c]
    return courses, t


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    rng = world.rng(SOURCE, month)
    state = world.state.setdefault(SOURCE, {"next_course": 1, "next_pid": 1, "next_cert": 1})
    first = month_to_date(month_index(month), 1)
    nxt = month_to_date(month_index(month) + 1, 1)
    if "institutions" not in state:
        state["institutions"] = _institutions(world.rng(SOURCE + "/init", month),
                                              max(5, round(INSTITUTIONS_AT_SCALE_1 * world.scale)))
    if "courses" not in state:
        # Burn in: courses opened in the six months before the first generated month that still run.
        init = world.rng(SOURCE + "/init", month)
        earlier = [_new_courses(world, init, month_str(month_index(month) - k), state) for k in range(6, 0, -1)]
        c0, t0 = concat([e[0] for e in earlier]), concat([e[1] for e in earlier])
        t_end = c0["end"][lookup(c0["course_id"], t0["course_id"])]
        state["courses"] = take(c0, c0["end"] >= first)
        state["trainees"] = take(t0, (t_end >= first) & ~(t0["drop"] < first))
    new_c, new_t = _new_courses(world, rng, month, state)
    courses = concat([state["courses"], new_c])
    trainees = concat([state["trainees"], new_t])

    # Trainees still on the books this month: not dropped out before it.
    t = take(trainees, ~(trainees["drop"] < first))
    ci = lookup(courses["course_id"], t["course_id"])
    cend = courses["end"][ci]
    dropped = t["drop"] < nxt
    finished = ~dropped & (cend < nxt)
    status = np.where(dropped, "4", np.where(finished, t["outcome"], "1"))
    status_date = np.where(dropped, t["drop"], np.where(finished, cend, NAT))
    passed = status == "2"
    level = courses["level"][ci]
    with_cert = passed & (courses["type"][ci] != "3")
    n_cert = int(with_cert.sum())
    cert_no = np.full(len(status), "", dtype="U20")
    cert_no[with_cert] = zid("ZS" + month[:4], np.arange(state["next_cert"], state["next_cert"] + n_cert), 20)
    state["next_cert"] += n_cert

    # Subsidies for those who passed this month.
    pi = np.flatnonzero(passed)
    t_type = t["type"]
    ev = pi[(t_type[pi] == "2") & np.isin(level[pi], list(EVALUATION))]
    la = pi[t_type[pi] == "1"]
    days = (cend[la] - courses["start"][ci[la]]).astype(np.int64)
    rows = np.concatenate([pi, ev, la])
    item = np.concatenate([np.full(len(pi), "01"), np.full(len(ev), "02"), np.full(len(la), "03")])
    amount = np.concatenate([courses["standard"][ci[pi]], np.array([EVALUATION[x] for x in level[ev]]),
                             np.minimum(1800.0, 40.0 * days)])
    paid = np.minimum(cend[rows] + rng.integers(3, 11, len(rows)), nxt - 1)
    order = np.lexsort((item, paid))
    rows, item, amount, paid = rows[order], item[order], amount[order], paid[order]
    nsub = len(rows)
    subsidy = {"data_month": np.full(nsub, month), "payment_id": zid("BT" + month, np.arange(1, nsub + 1), 16),
               "course_id": t["course_id"][rows], "person_id": t["pid"][rows], "subsidy_item": item,
               "payee_credit_code": np.where(item == "01", courses["credit"][ci[rows]], ""),
               "amount": money(amount), "paid_date": d8(paid)}

    running = (courses["start"] < nxt) & (courses["end"] >= first)
    cr = np.flatnonzero(running)
    course_file = {
        "data_month": np.full(len(cr), month), "course_id": courses["course_id"][cr],
        "institution_credit_code": courses["credit"][cr], "institution_name": courses["inst_name"][cr],
        "district_code": courses["district"][cr], "training_type": courses["type"][cr],
        "occupation_code": courses["occ"][cr], "skill_level": courses["level"][cr],
        "start_date": d8(courses["start"][cr]), "end_date": d8(courses["end"][cr]),
        "class_hours": ints(courses["hours"][cr]), "enrolled": ints(courses["enrolled"][cr]),
        "subsidy_standard": money(courses["standard"][cr])}
    n = len(status)
    trainee_file = {
        "data_month": np.full(n, month), "course_id": t["course_id"], "person_id": t["pid"], "id_number": t["idno"],
        "person_name": t["name"], "gender": t["gender"], "birth_date": d8(t["birth"]), "hukou_type": t["hukou"],
        "trainee_type": t_type, "enroll_date": d8(t["enroll"]), "completion_status": status,
        "status_date": d8(status_date), "certificate_level": np.where(with_cert, level, ""),
        "certificate_no": cert_no}

    # Carry over: courses not yet ended, and their trainees still in training.
    keep_c = courses["end"] >= nxt
    state["courses"] = take(courses, keep_c)
    still = status == "1"
    state["trainees"] = take(t, still)
    return {"training_course": course_file, "training_trainee": trainee_file, "training_subsidy": subsidy}


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    c, t, s = files["training_course"], files["training_trainee"], files["training_subsidy"]
    month = c["data_month"][0] if len(c["data_month"]) else ""
    started = np.char.startswith(c["start_date"], month)
    t_c, s_c = lookup(c["course_id"], t["course_id"]), lookup(c["course_id"], s["course_id"])
    ct = district_table(c["district_code"], {"courses_running": np.ones(len(c["course_id"]), np.int64),
                                             "courses_started": started})
    tt = district_table(c["district_code"][t_c], {"trainees_enrolled": started[t_c],
                                                  "trainees_completed": t["completion_status"] == "2",
                                                  "certificates": t["certificate_no"] != ""})
    st = district_table(c["district_code"][s_c], {"subsidy_amount": s["amount"]}, money_cols=("subsidy_amount",))
    return {"training": [{**a, **b, **d} for a, b, d in zip(ct, tt, st)]}
