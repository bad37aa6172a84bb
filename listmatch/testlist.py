"""A list with known truth, generated from a population: for the precision / recall test and the benchmark.

Each row is a person (姓名, 身份证号, 出生日期, 区) and/or a unit (单位名称, 统一社会信用代码), disturbed the way
agencies' lists are: full-width digits, spaces, lower-case x, old 15-digit numbers, a wrong check digit, a
missing ID number, a typo (homophone or other character) or swapped characters in the name; unit names without
their 北京 prefix or 有限公司 suffix, with 有限责任公司 for 有限公司, or a typo; and people / units who are not in
the population at all. `truth[i]` is the true identifier of row i (None: not in the population).
"""
from __future__ import annotations

import random
from datetime import date

from foundation.checkdigits import id_check_char

HOMOPHONE = {"张": "章", "王": "汪", "李": "黎", "刘": "柳", "陈": "程", "杨": "阳", "黄": "皇", "赵": "照", "周": "州",
             "吴": "武", "伟": "玮", "芳": "方", "敏": "民", "静": "婧", "丽": "莉", "强": "墙", "磊": "蕾", "军": "君",
             "洋": "阳", "勇": "永", "艳": "燕", "杰": "洁", "娟": "鹃", "涛": "滔", "明": "鸣", "超": "潮", "秀": "琇",
             "霞": "侠", "平": "萍", "刚": "钢", "桂": "贵", "英": "莹", "华": "桦", "玉": "钰", "兰": "岚", "红": "虹"}
FILLER = "德志文建国春秋海林山云龙凤佳琪思雨宇浩然"


def _full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in s)


def _to15(id18: str) -> str | None:
    return id18[:6] + id18[8:17] if id18[6:8] == "19" else None


def _typo(name: str, rnd: random.Random) -> str:
    idx = [i for i, c in enumerate(name) if c in HOMOPHONE]
    if idx and rnd.random() < 0.7:
        i = rnd.choice(idx)
        return name[:i] + HOMOPHONE[name[i]] + name[i + 1:]
    i = rnd.randrange(1, len(name)) if len(name) > 1 else 0
    return name[:i] + rnd.choice(FILLER) + name[i + 1:]


def _fake_id(rnd: random.Random) -> str:
    first17 = f"1101{rnd.randint(1, 19):02d}{rnd.randint(1950, 2000)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}{rnd.randint(0, 999):03d}"
    return first17 + id_check_char(first17)


def person_rows(pop: list[tuple], n: int, seed: int = 7) -> tuple[list[list[str]], list[str | None], list[str]]:
    """pop: [(id_number, name, birth_date, district_name)]. Returns rows, truth, kind of disturbance."""
    rnd = random.Random(seed)
    rows, truth, kinds = [], [], []
    kinds_w = [("clean", 40), ("fullwidth_space", 8), ("lower_x", 4), ("old15", 8), ("bad_check", 6),
               ("missing_id", 10), ("typo_no_id", 8), ("swap_no_id", 4), ("typo_with_id", 4), ("absent", 8)]
    names, weights = zip(*kinds_w)
    used = set()
    for _ in range(n):
        kind = rnd.choices(names, weights)[0]
        if kind == "absent":
            fid = _fake_id(rnd)
            rows.append([rnd.choice("赵钱孙李周吴郑王") + rnd.choice(FILLER) + rnd.choice(FILLER), fid, "", ""])
            truth.append(None)
            kinds.append(kind)
            continue
        while True:
            pid, name, bd, dist = pop[rnd.randrange(len(pop))]
            if len(pop) <= len(used) or pid not in used:
                break
        used.add(pid)
        bds = bd.strftime("%Y-%m-%d") if bd else ""
        idv = pid
        if kind == "fullwidth_space":
            idv = _full_width(pid[:6]) + " " + pid[6:]
            name = " " + name
        elif kind == "lower_x":
            idv = pid.lower()
        elif kind == "old15":
            idv = _to15(pid) or pid
        elif kind == "bad_check":
            c = "0123456789X".replace(pid[17], "")
            idv = pid[:17] + rnd.choice(c)
        elif kind == "missing_id":
            idv = ""
        elif kind == "typo_no_id":
            idv, name = "", _typo(name, rnd)
        elif kind == "swap_no_id" and len(name) >= 3:
            idv, name = "", name[0] + name[2] + name[1] + name[3:]
        elif kind == "swap_no_id":
            idv, name = "", _typo(name, rnd)
        elif kind == "typo_with_id":
            name = _typo(name, rnd)
        rows.append([name, idv, bds if kind in ("missing_id", "typo_no_id", "swap_no_id", "bad_check") else "",
                     dist or ""])
        truth.append(pid)
        kinds.append(kind)
    return rows, truth, kinds


def unit_rows(pop: list[tuple], n: int, seed: int = 11) -> tuple[list[list[str]], list[str | None], list[str]]:
    """pop: [(credit_code, unit_name)]."""
    rnd = random.Random(seed)
    rows, truth, kinds = [], [], []
    kinds_w = [("clean", 35), ("no_code_exact", 10), ("no_prefix", 10), ("no_suffix", 10), ("other_suffix", 8),
               ("typo", 10), ("lower_code", 5), ("absent", 12)]
    names, weights = zip(*kinds_w)
    order = list(range(len(pop)))
    rnd.shuffle(order)
    for k in range(n):
        kind = rnd.choices(names, weights)[0]
        if kind == "absent":
            rows.append([f"北京{rnd.choice('甲乙丙丁戊己庚辛')}{rnd.choice(FILLER)}{rnd.choice(FILLER)}{k}号贸易有限公司", ""])
            truth.append(None)
            kinds.append(kind)
            continue
        code, name = pop[order[k % len(order)]]
        cv = code
        if kind == "lower_code":
            cv = code.lower()
        elif kind != "clean":
            cv = ""
            if kind == "no_prefix":
                name = name.removeprefix("北京市").removeprefix("北京")
            elif kind == "no_suffix":
                for s in ("股份有限公司", "有限责任公司", "有限公司"):
                    if name.endswith(s):
                        name = name[: -len(s)]
                        break
            elif kind == "other_suffix":
                name = name.replace("股份有限公司", "有限公司") if "股份" in name else name.replace("有限公司", "有限责任公司")
            elif kind == "typo":
                core_at = 2 if name.startswith("北京") else 0
                i = rnd.randrange(core_at, min(core_at + 4, len(name)))
                name = name[:i] + HOMOPHONE.get(name[i], rnd.choice(FILLER)) + name[i + 1:]
        rows.append([name, cv])
        truth.append(code)
        kinds.append(kind)
    return rows, truth, kinds


def scores(statuses: list[str], keys: list[str | None], truth: list[str | None]) -> dict:
    """Precision of 确定 (and of 确定 + 待复核's top candidate), recall of 确定 and of 确定 + 待复核."""
    conf = [(k, t) for s, k, t in zip(statuses, keys, truth) if s == "确定"]
    band = [(k, t) for s, k, t in zip(statuses, keys, truth) if s in ("确定", "待复核")]
    present = sum(t is not None for t in truth)
    ok_conf = sum(k == t for k, t in conf)
    ok_band = sum(k == t for k, t in band)
    return {"rows": len(truth), "in_population": present,
            "precision_confirmed": ok_conf / len(conf) if conf else 1.0,
            "recall_confirmed": ok_conf / present if present else 1.0,
            "precision_with_review": ok_band / len(band) if band else 1.0,
            "recall_with_review": ok_band / present if present else 1.0}


def population_date(bd) -> date | None:
    return bd
