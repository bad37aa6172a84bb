"""The matching engine of 名单比对: deterministic first, explained row by row.

1. every row is normalised (listmatch.normalise): identifiers validated, 15-digit IDs upgraded;
2. rows with a valid identifier are matched exactly against the identity models (一人一档
   intermediate.int_identity__natural_person, 一户一档 intermediate.int_identity__legal_unit) in one set-based
   query (the identifiers go into a temporary table by COPY);
3. rows without a valid identifier: persons by name + birth date (+ district) — candidates blocked on the birth
   date (written in the row, or in the invalid ID number); units by name — candidates blocked on the exact core
   name (suffixes 有限公司 / 北京 / 分公司 … stripped), then on shared character and pinyin bigrams of the core,
   scored with rapidfuzz;
4. every row gets 匹配状态 确定 / 待复核 / 未匹配, a score in [0, 1] and a reason code (REASONS, README table).

Fuzzy matches are never 确定: a person needs the exact name and birth date (and no other candidate), a unit the
exact core name (unique); everything weaker goes to the 待复核 band for a reviewer.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from rapidfuzz import fuzz, process

from listmatch import normalise as nz
from listmatch.reader import UploadedList

CONFIRMED, REVIEW, UNMATCHED = "确定", "待复核", "未匹配"
REVIEW_FLOOR = 0.75          # below: 未匹配
UNIT_REVIEW_FLOOR = 0.80
AMBIGUITY_GAP = 0.02

# code → (status, Chinese explanation). The README's table is generated from this one.
REASONS = {
    "P01": (CONFIRMED, "身份证号精确匹配, 姓名一致"),
    "P02": (CONFIRMED, "15位旧身份证号升位为18位后精确匹配, 姓名一致"),
    "P03": (REVIEW, "身份证号精确匹配, 但姓名不一致"),
    "P04": (UNMATCHED, "身份证号有效, 但在自然人库中不存在"),
    "P05": (CONFIRMED, "无有效身份证号: 姓名与出生日期完全一致且唯一(区县不矛盾)"),
    "P06": (REVIEW, "无有效身份证号: 出生日期一致, 姓名相似(错字、同音字或字序颠倒)"),
    "P07": (REVIEW, "无有效身份证号: 多个候选人同样相符, 需人工确认"),
    "P08": (UNMATCHED, "无有效身份证号: 没有足够相似的候选人"),
    "P09": (UNMATCHED, "无有效身份证号, 也没有出生日期, 无法比对"),
    "P10": (REVIEW, "无有效身份证号: 姓名与出生日期一致, 但区县不一致"),
    "U01": (CONFIRMED, "统一社会信用代码精确匹配, 单位名称一致"),
    "U02": (REVIEW, "统一社会信用代码精确匹配, 但单位名称不一致"),
    "U03": (UNMATCHED, "统一社会信用代码有效, 但在法人库中不存在"),
    "U04": (CONFIRMED, "无有效信用代码: 单位名称(去除“北京”“有限公司”等前后缀后)完全一致且唯一"),
    "U05": (REVIEW, "无有效信用代码: 单位名称相似(汉字或拼音相似度)"),
    "U06": (REVIEW, "无有效信用代码: 多个单位名称同样相符, 需人工确认"),
    "U07": (UNMATCHED, "无有效信用代码: 没有足够相似的单位"),
    "U08": (UNMATCHED, "无有效信用代码, 也没有单位名称, 无法比对"),
}


@dataclass
class Match:
    status: str = UNMATCHED
    score: float = 0.0
    reason: str = ""
    key: str | None = None                     # matched / candidate identifier (ID number or credit code)
    cand_name: str | None = None
    note: str = ""                             # e.g. 身份证号校验位错误
    alternatives: list[tuple[str, str, float]] = field(default_factory=list)   # (key, name, score) for review

    def set(self, reason: str, score: float, key: str | None = None, name: str | None = None) -> Match:
        self.reason, self.status, self.score = reason, REASONS[reason][0], round(score, 4)
        self.key, self.cand_name = key, name
        return self


def name_similarity(a: str, b: str) -> float:
    """Chinese-name similarity in [0, 1]: the best of character similarity, pinyin similarity (homophones) and
    a swap of characters (same characters, other order)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    s = fuzz.ratio(a, b) / 100
    pa, pb = nz.pinyin(a), nz.pinyin(b)
    if pa == pb:
        s = max(s, 0.93)
    else:
        s = max(s, 0.9 * fuzz.ratio(pa, pb) / 100)
    if len(a) == len(b) and sorted(a) == sorted(b):
        s = max(s, 0.9)
    return s


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s}


class Reference:
    """The population the list is compared against (read through listmatch.store, or given by the tests)."""

    def persons_by_id(self, ids: list[str]) -> dict[str, tuple]:           # id → (name, birth_date, district)
        raise NotImplementedError

    def persons_by_birth(self, dates: list[date]) -> dict[date, list[tuple]]:   # → [(id, name, district)]
        raise NotImplementedError

    def units_by_code(self, codes: list[str]) -> dict[str, tuple]:          # code → (name, district)
        raise NotImplementedError

    def units(self) -> list[tuple[str, str]]:                               # [(code, name)] for the name index
        raise NotImplementedError

    def unit_index(self) -> UnitIndex:
        """The name index of the units, built once per reference (a job matches its list chunk by chunk)."""
        if getattr(self, "_unit_index", None) is None:
            self._unit_index = UnitIndex(self.units())
        return self._unit_index


class UnitIndex:
    """Blocking for unit names: exact core name, then shared bigrams of the core and of its pinyin."""

    def __init__(self, units: list[tuple[str, str]]):
        self.names = {}
        self.core: dict[str, list[str]] = defaultdict(list)
        self.grams: dict[str, list[int]] = defaultdict(list)
        self.codes: list[str] = []
        self.cores: list[str] = []
        for code, name in units:
            c = nz.unit_core(name)
            self.names[code] = name
            self.core[c].append(code)
            i = len(self.codes)
            self.codes.append(code)
            self.cores.append(c)
            for g in _bigrams(c):
                self.grams[g].append(i)
        # the posting lists as arrays (ascending unit positions): candidates() counts them with numpy
        self.postings: dict[str, np.ndarray] = {g: np.array(p, dtype=np.int32) for g, p in self.grams.items()}

    def candidates(self, core: str, limit: int = 30) -> list[int]:
        """The units sharing most bigrams with `core`, at most `limit`; ties in order of first appearance over the
        posting lists taken in sorted bigram order (sorted: the same ranking in every process, a set's order is
        not). Counted with numpy — the ranking of a Counter over the same postings followed by heapq.nlargest,
        whose ties keep the order of first appearance (tests/unit/test_listmatch.py holds the two equal)."""
        arrays = []
        for g in sorted(_bigrams(core)):
            posting = self.postings.get(g)
            if posting is None or len(posting) > 5000:      # a bigram as common as 科技 does not discriminate
                continue
            arrays.append(posting)
        if not arrays:
            return []
        if len(arrays) == 1:                 # every count is 1: the posting's own order
            return arrays[0][:limit].tolist()
        units, first, counts = np.unique(np.concatenate(arrays), return_index=True, return_counts=True)
        order = np.lexsort((first, -counts))[:limit]        # most bigrams first, then first appearance
        return units[order].tolist()


def unit_similarity(a_core: str, b_core: str) -> float:
    if a_core == b_core:
        return 1.0
    s = fuzz.ratio(a_core, b_core) / 100
    pa, pb = nz.pinyin(a_core), nz.pinyin(b_core)
    s = max(s, (0.95 if pa == pb else 0.9 * fuzz.ratio(pa, pb) / 100))
    return s


def match_persons(lst: UploadedList, ref: Reference, district_codes: dict[str, str]) -> list[Match | None]:
    """Every row of an in-memory list (jobs stream: persons_exact per chunk, then persons_fuzzy by birth date)."""
    out, pending = persons_exact(lst, ref, district_codes)
    pending.sort(key=lambda x: x[1][2])
    persons_fuzzy(((out[i], row) for i, row in pending), ref)
    return out


def persons_exact(lst: UploadedList, ref: Reference, district_codes: dict[str, str]) -> tuple[list[Match | None], list]:
    """The rows' matches as far as the identifier decides them; (index, normalised row) of the rows left for the
    name + birth date comparison (their Match in the list is created, reason still empty)."""
    n = len(lst.rows)
    out: list[Match | None] = [None] * n
    pending: list[tuple[int, tuple]] = []
    if "person" not in lst.kinds:
        return out, pending
    norm = []
    for r in lst.rows:
        name = nz.normalise_person_name(lst.get(r, "name"))
        idr = nz.normalise_id(lst.get(r, "id_number"))
        bd = nz.parse_date(lst.get(r, "birth_date"))
        dist_raw = nz.clean(lst.get(r, "district"))
        dist = district_codes.get(dist_raw, dist_raw if dist_raw.isdigit() else None) if dist_raw else None
        norm.append((name, idr, bd, dist))
    by_id = ref.persons_by_id(sorted({x[1].value for x in norm if x[1].valid}))
    for i, (name, idr, bd, dist) in enumerate(norm):
        if not name and not idr.value:
            continue
        m = out[i] = Match()
        if idr.valid:
            hit = by_id.get(idr.value)
            if hit is None:
                m.set("P04", 0.0, idr.value)
            elif hit[0] == name or not name:
                m.set("P02" if idr.upgraded else "P01", 1.0, idr.value, hit[0])
            else:
                m.set("P03", name_similarity(name, hit[0]), idr.value, hit[0])
            continue
        if idr.value:
            m.note = f"身份证号{idr.problem}"
        bd = bd or (nz.id_birth_date(idr.value) if idr.value else None)
        if bd is None or not name:
            m.set("P09", 0.0)
        else:
            pending.append((i, (name, idr, bd, dist)))
    return out, pending


def persons_fuzzy(items, ref: Reference, done=None) -> None:
    """Score (Match, (name, id, birth date, district)) pairs given in birth-date order: the candidates are read
    for DATE_CHUNK dates at a time (bounded memory, each date's candidates read once); `done(batch)` is called
    with each scored batch."""
    batch: list[tuple[Match, tuple]] = []
    dates: list[date] = []
    for m, row in items:
        if not dates or row[2] != dates[-1]:
            if len(dates) == DATE_CHUNK or len(batch) >= BATCH_ROWS:
                _score_dates(batch, dates, ref)
                if done:
                    done(batch)
                batch, dates = [], []
            dates.append(row[2])
        batch.append((m, row))
    if batch:
        _score_dates(batch, dates, ref)
        if done:
            done(batch)


def _score_dates(batch, dates, ref: Reference) -> None:
    cands = ref.persons_by_birth(dates)
    pools: dict = {}
    for m, row in batch:
        bd = row[2]
        if bd not in pools:
            pool = cands.get(bd, [])
            names = [p[1] or "" for p in pool]
            pools = {bd: (pool, names, nz.pinyin_many(names))}      # batch is in date order: one at a time
        _score_person(m, row, *pools[bd])


DATE_CHUNK = 2000
BATCH_ROWS = 50_000      # rows scored between two calls of done()


def _score_person(m: Match, row, pool, names, pys) -> None:
    name, idr, bd, dist = row
    if not pool:
        m.set("P08", 0.0)
        return
    # blocking inside the date: the closest names by characters and by pinyin (rapidfuzz, C loops), then the
    # full similarity on those few
    idx = {j for _, _, j in process.extract(name, names, scorer=fuzz.ratio, limit=6)}
    idx |= {j for _, _, j in process.extract(nz.pinyin(name), pys, scorer=fuzz.ratio, limit=6)}
    scored = []
    for j in idx:
        pid, pname, pdist = pool[j]
        sc = name_similarity(name, pname or "")
        if dist and pdist and dist != pdist:
            sc -= 0.05
        if idr.value and pid[:6] == idr.value[:6]:
            sc += 0.02                    # same address code as the (invalid) ID: a small tie-breaker
        scored.append((min(sc, 1.0), pid, pname, pdist))
    scored.sort(reverse=True)
    if scored[0][0] < REVIEW_FLOOR:
        m.set("P08", max(scored[0][0], 0.0))
        return
    best = scored[0]
    m.alternatives = [(p, nme, round(sc, 4)) for sc, p, nme, _ in scored[:5]]
    exact = [x for x in scored if x[2] == name]
    if len(scored) > 1 and scored[1][0] >= best[0] - AMBIGUITY_GAP:
        m.set("P07", best[0], best[1], best[2])
    elif best[2] == name and len(exact) == 1:
        if dist and best[3] and dist != best[3]:
            m.set("P10", 0.95, best[1], best[2])
        else:
            m.set("P05", 1.0, best[1], best[2])
    else:
        m.set("P06", best[0], best[1], best[2])


def match_units(lst: UploadedList, ref: Reference) -> list[Match | None]:
    n = len(lst.rows)
    out: list[Match | None] = [None] * n
    if "unit" not in lst.kinds:
        return out
    norm = [(nz.clean(lst.get(r, "unit_name")), *nz.normalise_credit(lst.get(r, "credit_code"))) for r in lst.rows]
    by_code = ref.units_by_code(sorted({c for _, c, ok in norm if ok}))
    index: UnitIndex | None = None
    for i, (name, code, ok) in enumerate(norm):
        if not name and not code:
            continue
        m = out[i] = Match()
        core = nz.unit_core(name) if name else ""
        if ok:
            hit = by_code.get(code)
            if hit is None:
                m.set("U03", 0.0, code)
            elif not name or nz.unit_core(hit[0]) == core:
                m.set("U01", 1.0, code, hit[0])
            else:
                m.set("U02", unit_similarity(core, nz.unit_core(hit[0])), code, hit[0])
            continue
        if code:
            m.note = "统一社会信用代码校验位或格式错误"
        if not core:
            m.set("U08", 0.0)
            continue
        if index is None:
            index = ref.unit_index()
        exact = index.core.get(core, [])
        if len(exact) == 1:
            m.set("U04", 1.0, exact[0], index.names[exact[0]])
            continue
        if len(exact) > 1:
            m.alternatives = [(c, index.names[c], 1.0) for c in exact[:5]]
            m.set("U06", 1.0, exact[0], index.names[exact[0]])
            continue
        scored = sorted(((unit_similarity(core, index.cores[j]), index.codes[j]) for j in index.candidates(core)),
                        reverse=True)
        if not scored or scored[0][0] < UNIT_REVIEW_FLOOR:
            m.set("U07", scored[0][0] if scored else 0.0)
            continue
        m.alternatives = [(c, index.names[c], round(s, 4)) for s, c in scored[:5]]
        if len(scored) > 1 and scored[1][0] >= scored[0][0] - AMBIGUITY_GAP:
            m.set("U06", scored[0][0], scored[0][1], index.names[scored[0][1]])
        else:
            m.set("U05", scored[0][0], scored[0][1], index.names[scored[0][1]])
    return out
