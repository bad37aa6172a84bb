"""Free combination query (自由组合查询): indicators × regions × periods, a method per indicator, a layout.

A query spec (JSON, also what saved queries store):

    {"indicators": ["wh_pension_insured", "ins_pension_ent"], "regions": ["110000", "110105"],
     "periods": {"latest": 12} | {"from": "2024-01", "to": "2025-01"},
     "freq": "M" | "Q" | "Y",            # target frequency; monthly series are converted by kind
     "methods": {"wh_pension_insured": "yoy"},   # default "level"
     "asof": null | "2025-02-15T00:00:00+00:00",
     "layout": {"rows": ["indicator", "region"], "cols": ["period"]},
     "allow_break": false}

"latest N" rolls forward: a saved query with it always shows the newest N periods. The size (cells) is
estimated before anything is read; above MAX_CELLS the query is refused with a message saying how to narrow it.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from datetime import datetime
from decimal import Decimal
from itertools import repeat

import numpy as np

from history import engine, store

MAX_CELLS = 500_000
LAYOUT_DIMS = ("indicator", "region", "period")


class QueryError(ValueError):
    pass


def _periods_between(a: str, b: str) -> list[str]:
    if engine.freq_of(a) != engine.freq_of(b):
        raise QueryError(f"起止期别频度不一致: {a} / {b}")
    if a > b:
        a, b = b, a
    f, lo, hi = engine.freq_of(a), pidx(a), pidx(b)
    if hi - lo + 1 > 5000:
        raise QueryError("期别范围过长")
    return [from_pidx(i, f) for i in range(lo, hi + 1)]


def _to_freq(period: str, freq: str) -> str:
    f = engine.freq_of(period)
    if f == freq:
        return period
    y = period[:4]
    if freq == "Y":
        return y
    if freq == "Q" and f == "M":
        return f"{y}Q{(int(period[5:7]) - 1) // 3 + 1}"
    raise QueryError(f"期别 {period} 不能转换为频度 {freq}")


def normalise(spec: dict, cat=None) -> dict:
    cat = cat or store.catalogue()
    if not isinstance(spec, dict):
        raise QueryError("查询必须是 JSON 对象")
    inds = list(dict.fromkeys(spec.get("indicators") or []))
    regs = list(dict.fromkeys(spec.get("regions") or []))
    if not inds:
        raise QueryError("请至少选择一个指标")
    if not regs:
        raise QueryError("请至少选择一个地区")
    unknown = [i for i in inds if i not in cat.indicators]
    if unknown:
        raise QueryError(f"未知指标代码: {', '.join(unknown)}")
    known_regions = {r["code"] for r in cat.regions}
    bad = [r for r in regs if r not in known_regions]
    if bad:
        raise QueryError(f"未知地区代码: {', '.join(bad)}")
    freq = spec.get("freq") or cat.indicators[inds[0]]["frequency"]
    if freq not in ("M", "Q", "Y"):
        raise QueryError("频度必须是 M、Q 或 Y")
    methods = spec.get("methods") or {}
    for i, m in methods.items():
        if m not in engine.METHODS:
            raise QueryError(f"指标 {i} 的计算方法 {m!r} 不存在; 可选: {', '.join(engine.METHODS)}")
    periods = spec.get("periods") or {"latest": 12}
    if not isinstance(periods, dict):
        raise QueryError("期别须为 {latest: N} 或 {from, to}")
    if "latest" in periods:
        try:
            periods = {**periods, "latest": int(periods["latest"])}
        except (TypeError, ValueError):
            raise QueryError(f"最近 N 期的 N 须为正整数, 而不是 {periods['latest']!r}") from None
    layout = spec.get("layout") or {"rows": ["indicator", "region"], "cols": ["period"]}
    if sorted(layout.get("rows", []) + layout.get("cols", [])) != sorted(LAYOUT_DIMS):
        raise QueryError("版式必须把 指标、地区、期别 三个维度分别放在行或列")
    asof = spec.get("asof") or None
    if asof:
        try:
            datetime.fromisoformat(asof)
        except ValueError:
            raise QueryError(f"asof {asof!r} 不是 ISO 日期时间 (如 2025-02-15 或 2025-02-15T00:00:00+08:00)") from None
    return {"indicators": inds, "regions": regs, "periods": periods, "freq": freq,
            "methods": {i: methods.get(i, "level") for i in inds}, "asof": asof, "layout": layout,
            "allow_break": bool(spec.get("allow_break"))}


def estimate(spec: dict, conn=None) -> dict:
    """Cells the query will produce, before reading any observation."""
    p = spec["periods"]
    if "latest" in p:
        n = int(p["latest"])
        if n < 1:
            raise QueryError("最近 N 期的 N 至少为 1")
    elif "from" in p and "to" in p:
        n = len(_periods_between(_to_freq(p["from"], spec["freq"]), _to_freq(p["to"], spec["freq"])))
    else:
        raise QueryError("期别须为 {latest: N} 或 {from, to}")
    cells = len(spec["indicators"]) * len(spec["regions"]) * n
    return {"cells": cells, "indicators": len(spec["indicators"]), "regions": len(spec["regions"]), "periods": n,
            "limit": MAX_CELLS, "ok": cells <= MAX_CELLS}


def _latest_period(conn, inds: list[str], regs: list[str], freq: str, asof) -> str | None:
    src_freqs = ["M", "Q", "Y"] if freq == "Y" else (["M", "Q"] if freq == "Q" else ["M"])
    row = conn.execute(
        f"""select max(period) filter (where freq = 'M'), max(period) filter (where freq = 'Q'),
                   max(period) filter (where freq = 'Y')
            from {store.SCHEMA}.observation where indicator_code = any(%s) and region_code = any(%s)
            and freq = any(%s) and known_from <= coalesce(%s, now())""", (inds, regs, src_freqs, asof)).fetchone()
    cands = [_to_freq(p, freq) for p in row if p]
    return max(cands) if cands else None


_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 256
# the cache keeps answers in their compact form (arrays per series) and at most this many cells in all: a
# 360 000-cell answer is ~10 MB so, but ~250 MB once its cells are dicts, which is why those live with the caller
CACHE_CELLS = 5_000_000


def data_version(conn) -> int:
    return conn.execute(f"select coalesce(max(load_id), 0) from {store.SCHEMA}.load").fetchone()[0]


def _parents(cat, regions: list[str]) -> dict[str, str | None]:
    """Each region's parent region in the catalogue (a district's is 北京市), None at the top."""
    return {r: next((x.get("parent") for x in cat.regions if x["code"] == r), None) for r in regions}


def run(conn, spec: dict, allowed_regions: set[str] | None = None, use_cache: bool = True) -> dict:
    cat = store.catalogue()
    spec = normalise(spec, cat)
    if allowed_regions is not None:
        denied = [r for r in spec["regions"] if r not in allowed_regions]
        if denied:
            raise QueryError(f"无权查看地区: {', '.join(cat.region_name(r) for r in denied)}")
        # 占比 divides by the parent region's value, which the share and the region's own value give away
        hidden = sorted({p for p in _parents(cat, spec["regions"]).values() if p and p not in allowed_regions}) \
            if "share" in spec["methods"].values() else []
        if hidden:
            raise QueryError(f"无权查看地区: {', '.join(cat.region_name(r) for r in hidden)} (占比的分母; 可选其他计算方法)")
    est = estimate(spec)
    if not est["ok"]:
        raise QueryError(f"查询过大: {est['indicators']} 个指标 × {est['regions']} 个地区 × {est['periods']} 期 = "
                         f"{est['cells']:,} 个单元格, 上限 {MAX_CELLS:,}。请减少指标、地区或期数。")
    key = None
    if use_cache:
        key = hashlib.sha256(json.dumps([spec, data_version(conn)], sort_keys=True).encode()).hexdigest()
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return QueryResult(_cache[key], cached=_cache[key])
    res = _run(conn, spec, cat, est)
    if key:
        with _cache_lock:
            _cache[key] = res
            while len(_cache) > CACHE_SIZE or (
                    len(_cache) > 1 and sum(r["estimate"]["cells"] for r in _cache.values()) > CACHE_CELLS):
                _cache.popitem(last=False)
        return QueryResult(res, cached=res)
    return res


VECTOR_METHODS = {"level", "yoy", "pop", "yoy_pp", "pop_pp", "change", "yoy_change", "chain", "fixed_base", "cum_change"}
EXPLAIN_LIMIT = 20_000      # above this many cells the answer carries values and reasons, formulas on request
FLAG_BITS = (("provisional", 1), ("revised", 2), ("estimated", 4), ("is_break", 8))
# a cell's flags: a tuple of names (shared, immutable), so that a cell holding only strings, numbers, None and
# tuples is not tracked by Python's garbage collector: a 360 000-cell answer was more than half collector time
FLAG_TUPLES = {m: tuple(f for f, bit in FLAG_BITS if m & bit) for m in range(16)}


def pidx(period: str) -> int:
    """Integer index of a period within its frequency (months since year 0, quarters, years)."""
    f = engine.freq_of(period)
    y = int(period[:4])
    return y * 12 + int(period[5:7]) - 1 if f == "M" else y * 4 + int(period[-1]) - 1 if f == "Q" else y


def from_pidx(i: int, freq: str) -> str:
    return f"{i // 12}-{i % 12 + 1:02d}" if freq == "M" else f"{i // 4}Q{i % 4 + 1}" if freq == "Q" else str(i)


_PIDX_SQL = ("case freq when 'M' then substr(period, 1, 4)::int * 12 + substr(period, 6, 2)::int - 1 "
             "when 'Q' then substr(period, 1, 4)::int * 4 + substr(period, 6, 1)::int - 1 else substr(period, 1, 4)::int end")


def _fetch(conn, inds, regs, bounds: dict[str, tuple[str, str]], asof, detail: bool) -> dict:
    """(indicator, region, freq) → arrays of the values known as of `asof` within `bounds` (freq → (lo, hi)).
    One row per series (array_agg), read in binary: 360 000 values arrive as 1 000 arrays."""
    conds = " or ".join("(freq = %s and period between %s and %s)" for _ in bounds)
    params: list = [inds, regs, asof]
    for f, (lo, hi) in bounds.items():
        params += [f, lo, hi]
    sql = f"""
        with v as (
            select distinct on (indicator_code, region_code, period)
                   indicator_code, region_code, period, freq, value, known_from, footnote, source, source_url,
                   (provisional::int | (revised::int << 1) | (estimated::int << 2) | (is_break::int << 3)) as flags
            from {store.SCHEMA}.observation
            where indicator_code = any(%s) and region_code = any(%s) and known_from <= coalesce(%s, now())
              and ({conds})
            order by indicator_code, region_code, period, known_from desc)
        select indicator_code, region_code, freq,
               array_agg({_PIDX_SQL} order by period), array_agg(value::float8 order by period),
               array_agg(flags order by period) filter (where flags <> 0),
               array_agg({_PIDX_SQL} order by period) filter (where flags <> 0),
               array_agg(footnote order by period) filter (where footnote is not null),
               array_agg({_PIDX_SQL} order by period) filter (where footnote is not null),
               array_agg(source order by period) filter (where source is not null and %s),
               array_agg({_PIDX_SQL} order by period) filter (where source is not null and %s),
               array_agg(known_from order by period) filter (where %s)
        from v group by 1, 2, 3"""
    out = {}
    with conn.cursor(binary=True) as cur:
        cur.execute(sql, params + [detail, detail, detail])
        for ind, reg, f, idx, vals, fl, fl_i, fn, fn_i, src, src_i, kf in cur:
            out[(ind, reg, f)] = {
                "idx": idx, "values": vals, "flags": dict(zip(fl_i or [], fl or [])),
                "footnote": dict(zip(fn_i or [], fn or [])), "source": dict(zip(src_i or [], src or [])),
                "known_from": dict(zip(idx, kf)) if kf else {}}
    return out


def _fetch_current(conn, inds, regs, bounds: dict[str, tuple[str, str]]) -> dict:
    """Like _fetch for the newest vintage, from history.series_current (one stored row per series). Periods
    outside `bounds` are kept (the vector path ignores them; conversions filter by period).

    The rows are fetched at once and their arrays decoded together: one frombuffer / byte-swap for the 1 000
    series of a 50 × 20 query, each series a view into it (per-row decoding was a third of a cold query)."""
    with conn.cursor(binary=True) as cur:
        cur.execute(f"""select indicator_code, region_code, freq, idx_b, val_b, flag_idx, flags, fn_idx, footnotes,
                               src_idx, sources
                        from {store.SCHEMA}.series_current
                        where indicator_code = any(%s) and region_code = any(%s) and freq = any(%s)""",
                    (inds, regs, list(bounds)))
        rows = cur.fetchall()
    if not rows:
        return {}
    lims = {f: (pidx(lo), pidx(hi)) for f, (lo, hi) in bounds.items()}
    ends = np.cumsum([len(r[3]) // 4 for r in rows])        # int4send / float8send: big-endian, 4 and 8 bytes
    all_idx = np.frombuffer(b"".join(r[3] for r in rows), dtype=">i4").astype(np.int64)
    all_val = np.frombuffer(b"".join(r[4] for r in rows), dtype=">f8").astype(float)
    out = {}
    start = 0
    for (ind, reg, f, _, _, fl_i, fl, fn_i, fn, src_i, src), end in zip(rows, ends.tolist()):
        idx, vals = all_idx[start:end], all_val[start:end]
        start = end
        lo, hi = lims[f]
        if len(idx) and (idx[0] < lo or idx[-1] > hi):
            keep = (idx >= lo) & (idx <= hi)
            idx, vals = idx[keep], vals[keep]
        out[(ind, reg, f)] = {"idx": idx, "values": vals, "flags": dict(zip(fl_i, fl)) if fl_i else {},
                              "footnote": dict(zip(fn_i, fn)) if fn_i else {},
                              "source": dict(zip(src_i, src)) if src_i else {}, "known_from": {}}
    return out


def _bounds(window: list[str], lag: int, freq: str) -> dict[str, tuple[str, str]]:
    """Which stored periods a query over `window` (target frequency) with `lag` periods before it reads."""
    first = engine.shift(window[0], -lag)
    last = window[-1]
    y0, y1 = first[:4], last[:4]
    if freq == "M":
        return {"M": (first, last)}
    if freq == "Q":
        m0 = f"{y0}-{(int(first[-1]) - 1) * 3 + 1:02d}"
        m1 = f"{y1}-{int(last[-1]) * 3:02d}"
        return {"M": (m0, m1), "Q": (first, last)}
    return {"M": (f"{y0}-01", f"{y1}-12"), "Q": (f"{y0}Q1", f"{y1}Q4"), "Y": (first, last)}


class QueryResult(dict):
    """The answer of `run`: metadata plus per-series blocks; `res["cells"]` (one dict per cell, with formula and
    inputs up to EXPLAIN_LIMIT cells; flags a tuple of names) is built on first use and kept by this object. A
    cached answer is handed out as a copy of the cached one (`cached`): the cells of a small answer (up to
    EXPLAIN_LIMIT) are kept in the cache as well, those of a large one go when the caller lets go of its copy."""

    def __init__(self, *args, cached: dict | None = None, **kw):
        super().__init__(*args, **kw)
        self._cached = cached

    def __missing__(self, key):
        if key == "cells":
            cells = self["cells"] = _materialize(self)
            if self._cached is not None and self["estimate"]["cells"] <= EXPLAIN_LIMIT:
                self._cached["cells"] = cells
            return cells
        raise KeyError(key)

    def to_json(self) -> dict:
        self["cells"]
        return {k: v for k, v in self.items() if k != "blocks"}


class _Series:
    """The fetched series of a query by (indicator, region, frequency) and, per (indicator, region), the series at the
    query's frequency with what converting the sub-annual data to it gave (a conversion Result or a refusal)."""

    def __init__(self, cat, data: dict, freq: str):
        self.cat, self.data, self.freq = cat, data, freq
        self._dicts: dict[tuple, dict] = {}
        self._target: dict[tuple, tuple[dict, dict]] = {}
        self.empty_meta = {"flags": {}, "footnote": {}, "source": {}, "known_from": {}}   # a series not read

    def as_dict(self, ind: str, reg: str, f: str) -> dict:
        key = (ind, reg, f)
        if key not in self._dicts:
            s = self.data.get(key)
            self._dicts[key] = {} if s is None else {from_pidx(i, f): v for i, v in zip(s["idx"], s["values"])}
        return self._dicts[key]

    def target(self, ind: str, reg: str) -> tuple[dict, dict]:
        """(period → value at the target frequency, period → conversion Result or refusal)."""
        if (ind, reg) not in self._target:
            freq, data = self.freq, self.data
            out = dict(self.as_dict(ind, reg, freq))
            notes: dict = {}
            src = "M" if data.get((ind, reg, "M")) else ("Q" if freq == "Y" and data.get((ind, reg, "Q")) else None)
            if freq != "M" and src and src != freq:
                sub = self.as_dict(ind, reg, src)
                for t in sorted({_to_freq(k, freq) for k in sub}):
                    if t not in out:
                        self._convert(ind, reg, src, sub, t, out, notes)
            self._target[(ind, reg)] = (out, notes)
        return self._target[(ind, reg)]

    def _convert(self, ind: str, reg: str, src: str, sub: dict, t: str, out: dict, notes: dict) -> None:
        d, cat = self.cat.indicators[ind], self.cat
        try:
            if d["kind"] == "ratio" and d.get("numerator"):
                nn, q = cat.indicators[d["numerator"]], cat.indicators[d["denominator"]]
                r = engine.convert_ratio(nn["kind"], self.as_dict(nn["code"], reg, src), q["kind"],
                                         self.as_dict(q["code"], reg, src), t, self.freq,
                                         float(d.get("ratio_scale", 1)), from_freq=src)
            else:
                r = engine.convert(d["kind"], sub, t, self.freq, from_freq=src)
            out[t] = r.value
            notes[t] = r
        except engine.Refused as e:
            notes[t] = str(e)


def _window(conn, spec: dict) -> list[str]:
    """The query's periods: the latest n with data, or from … to at the query's frequency."""
    freq, p = spec["freq"], spec["periods"]
    if "latest" in p:
        last = _latest_period(conn, spec["indicators"], spec["regions"], freq, spec["asof"])
        return [] if last is None else [engine.shift(last, -k) for k in range(int(p["latest"]) - 1, -1, -1)]
    return _periods_between(_to_freq(p["from"], freq), _to_freq(p["to"], freq))


def _needed(cat, spec: dict) -> set[str]:
    """The indicators to read: the asked ones, and a ratio's parts when it is converted or averaged."""
    need = set(spec["indicators"])
    for i in spec["indicators"]:
        d = cat.indicators[i]
        if d["kind"] == "ratio" and d.get("numerator") and (spec["freq"] != "M" or spec["methods"][i] == "average"):
            need |= {d["numerator"], d["denominator"]}
    return need


def _indicator_blocks(ind: str, spec: dict, cat, series: _Series, parents: dict, window: list, w0: int,
                      lag: int) -> list[dict]:
    """The result blocks of one indicator, one per region: vectorised where the method allows, else per series."""
    freq, regs, data = spec["freq"], spec["regions"], series.data
    d = cat.indicators[ind]
    method = spec["methods"][ind]
    vec_regs = [reg for reg in regs if method in VECTOR_METHODS and (
        freq == "M" or not (data.get((ind, reg, "M")) or (freq == "Y" and data.get((ind, reg, "Q")))))]
    vec = dict(zip(vec_regs, _vector_rows(method, [data.get((ind, reg, freq)) for reg in vec_regs], window, w0,
                                          lag, freq, d, [cat.breaks_of(ind, reg) for reg in vec_regs],
                                          spec["allow_break"]))) if vec_regs else {}
    blocks = []
    for reg in regs:
        s = data.get((ind, reg, freq))
        meta = s or series.empty_meta
        if reg in vec:
            blocks.append({"ind": ind, "reg": reg, "method": method, "meta": meta, **vec[reg]})
            continue
        ser, notes = series.target(ind, reg)
        parts = None
        if d["kind"] == "ratio" and d.get("numerator"):
            nn, q = cat.indicators[d["numerator"]], cat.indicators[d["denominator"]]
            parts = (series.target(nn["code"], reg)[0], series.target(q["code"], reg)[0], nn["kind"], q["kind"],
                     float(d.get("ratio_scale", 1)))
        parent = series.target(ind, parents[reg])[0] if method == "share" and parents.get(reg) else None
        res = engine.apply_method(method, ser, window, kind=d["kind"], unit=d["unit"],
                                  breaks=cat.breaks_of(ind, reg), allow_break=spec["allow_break"],
                                  parent=parent, parts=parts)
        periods = ["全期"] if method in engine.SUMMARY_METHODS else window
        blocks.append({"ind": ind, "reg": reg, "method": method, "meta": meta, "periods": periods,
                       "results": res, "notes": notes})
    return blocks


def _run(conn, spec: dict, cat, est: dict) -> dict:
    freq, asof = spec["freq"], spec["asof"]
    inds, regs = spec["indicators"], spec["regions"]
    window = _window(conn, spec)
    lag = max([engine.per_year(window[0]) if m.startswith("yoy") else 1 for m in spec["methods"].values()] + [0]) \
        if window else 0
    need = _needed(cat, spec)
    parents = _parents(cat, regs)
    read_regs = set(regs) | ({v for v in parents.values() if v} if "share" in spec["methods"].values() else set())
    explain = est["cells"] <= EXPLAIN_LIMIT
    bounds = _bounds(window, lag, freq) if window else {}
    if not window:
        data = {}
    elif explain or asof:
        data = _fetch(conn, sorted(need), sorted(read_regs), bounds, asof, explain)
    else:        # a large query on the current vintage: whole series as arrays, sliced by _vector / _bounds
        data = _fetch_current(conn, sorted(need), sorted(read_regs), bounds)
    w0 = pidx(window[0]) if window else 0
    series = _Series(cat, data, freq)
    blocks = [b for ind in inds for b in _indicator_blocks(ind, spec, cat, series, parents, window, w0, lag)]
    unit_of = {i: _unit(cat.indicators[i], spec["methods"][i]) for i in inds}
    return QueryResult({
        "spec": spec, "estimate": est, "periods": window, "blocks": blocks, "explained": explain,
        "indicators": [{"code": i, "name_zh": cat.indicators[i]["name_zh"], "unit": unit_of[i],
                        "method": spec["methods"][i], "method_zh": engine.METHODS[spec["methods"][i]],
                        "decimals": _decimals(cat.indicators[i], spec["methods"][i]),
                        "kind": cat.indicators[i]["kind"], "source": cat.indicators[i].get("source"),
                        "explanation": cat.indicators[i].get("explanation")} for i in inds],
        "regions": [{"code": r, "name_zh": cat.region_name(r)} for r in regs],
        "catalogue_version": cat.version, "asof": asof})


def _vector(method, s, window, w0, lag, freq, d, breaks, allow_break) -> dict:
    """One series: see _vector_rows."""
    return _vector_rows(method, [s], window, w0, lag, freq, d, [breaks], allow_break)[0]


def _as_array(values) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)


class Refusals:
    """Refusal messages of one series by window position, kept as a reason code per cell (0 = none) and formatted
    only when read: a large answer does not build thousands of strings nobody looks at."""

    MISSING, BREAK, UNIT_PCT, ZERO, NO_BASE, PP_UNIT = 1, 2, 3, 4, 5, 6

    def __init__(self, codes, q_idx, window, freq, zero_label="", break_of=None):
        self.codes, self.q_idx, self.window, self.freq = codes, q_idx, window, freq
        self.zero_label, self.break_of = zero_label, break_of

    def __bool__(self):
        return bool(self.codes.any())

    def __len__(self):
        return int(np.count_nonzero(self.codes))

    def __iter__(self):
        return (int(j) for j in np.flatnonzero(self.codes))

    def __contains__(self, j):
        return 0 <= j < len(self.codes) and self.codes[j] != 0

    def keys(self):
        return list(self)

    def items(self):
        return [(j, self.get(j)) for j in self]

    def __eq__(self, other):
        return dict(self.items()) == (dict(other.items()) if hasattr(other, "items") else other)

    def get(self, j, default=None):
        if j not in self:
            return default
        c = int(self.codes[j])
        q = from_pidx(int(self.q_idx[j]), self.freq)
        if c == self.MISSING:
            return f"缺少对比期 {q} 的数值"
        if c == self.NO_BASE:
            return f"基期 {self.window[0]} 没有数值"
        if c == self.BREAK:
            return f"{q} 与 {self.window[j]} 之间存在口径断点({self.break_of[j]} 起为新口径), 不计算跨断点的增速/比较"
        if c == self.UNIT_PCT:
            return "比率(单位 %)的变化用百分点表示: 请选择“百分点差”而不是增长率"
        if c == self.ZERO:
            return f"{self.zero_label}为 0, 不能作除数"
        return "百分点差只用于比率指标(单位 %)"

    def __getitem__(self, j):
        v = self.get(j)
        if v is None:
            raise KeyError(j)
        return v


def _vector_rows(method, rows, window, w0, lag, freq, d, breaks_rows, allow_break) -> list[dict]:
    """Element-wise methods over the window for several series of one indicator at once (a regions × periods
    matrix), with the same definitions and refusals as engine.apply_method (tested against it): per series the
    values (NaN = none) and the refusals by window position (the first reason in the engine's order wins)."""
    n, k = len(window), len(rows)
    A = np.full((k, n + lag), np.nan)
    filled = [(r, s) for r, s in enumerate(rows) if s is not None and len(s["idx"])]
    if filled:        # every series scattered into the matrix at once (row, column) rather than row by row
        idx = np.concatenate([np.asarray(s["idx"], dtype=np.int64) for _, s in filled]) - (w0 - lag)
        vals = np.concatenate([_as_array(s["values"]) for _, s in filled])
        row = np.repeat([r for r, _ in filled], [len(s["idx"]) for _, s in filled])
        ok = (idx >= 0) & (idx < n + lag)
        A[row[ok], idx[ok]] = vals[ok]
    cur = A[:, lag:]
    have = ~np.isnan(cur)
    codes = np.zeros((k, n), dtype=np.int8)
    p_idx = np.arange(w0, w0 + n)
    if method == "level":
        return [{"values": cur[r], "refused": Refusals(codes[r], p_idx, window, freq), "cur": cur[r], "prev": None,
                 "l": 0} for r in range(k)]

    def mark(mask, code):
        codes[(codes == 0) & have & mask] = code

    if method in ("fixed_base", "cum_change"):
        l = None
        prev = np.repeat(A[:, lag:lag + 1], n, axis=1)
        q_idx = np.full(n, w0)
        mark(np.isnan(prev), Refusals.NO_BASE)
    else:
        l = engine.per_year(window[0]) if method.startswith("yoy") else 1
        prev = A[:, lag - l: lag - l + n]
        q_idx = p_idx - l
        mark(np.isnan(prev), Refusals.MISSING)
    break_of = [None] * k
    if not allow_break:
        lo, hi = np.minimum(q_idx, p_idx), np.maximum(q_idx, p_idx)
        for r, brs in enumerate(breaks_rows):
            for b in brs:
                bi = _break_idx(b, freq)
                hit = (codes[r] == 0) & have[r] & (lo < bi) & (bi <= hi)
                if hit.any():
                    codes[r][hit] = Refusals.BREAK
                    if break_of[r] is None:
                        break_of[r] = np.empty(n, dtype=object)
                    break_of[r][hit] = b
    zero = ""
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("yoy", "pop", "chain", "fixed_base"):
            if d["unit"] == "%":
                mark(np.ones_like(have), Refusals.UNIT_PCT)
            zero = {"yoy": "对比期数值", "pop": "对比期数值", "chain": "上期数值", "fixed_base": "基期数值"}[method]
            mark(prev == 0, Refusals.ZERO)
            vals = (cur - prev) / prev * 100 if method in ("yoy", "pop") else cur / prev * 100
        elif method in ("yoy_pp", "pop_pp"):
            if d["unit"] != "%":
                mark(np.ones_like(have), Refusals.PP_UNIT)
            vals = cur - prev
        else:  # change, yoy_change, cum_change
            vals = cur - prev
    vals = np.where(have & (codes == 0), vals, np.nan)
    return [{"values": vals[r], "refused": Refusals(codes[r], q_idx, window, freq, zero, break_of[r]),
             "cur": cur[r], "prev": prev[r], "l": l} for r in range(k)]


def _break_idx(b: str, freq: str) -> int:
    """A break period at the target frequency: '2019' begins at 2019-01 / 2019Q1."""
    y = int(b[:4])
    if engine.freq_of(b) == freq:
        return pidx(b)
    if freq == "M":
        return y * 12 + (int(b[5:7]) - 1 if len(b) > 4 and "Q" not in b else (int(b[-1]) - 1) * 3 if "Q" in b else 0)
    if freq == "Q":
        return y * 4 + ((int(b[5:7]) - 1) // 3 if len(b) > 4 else 0)
    return y


def _explain(method: str, cur: float, prev: float, periods: list[str]) -> engine.Result:
    """The engine's own Result (formula, inputs) for an element-wise cell."""
    if method == "level":
        return engine.Result(cur, "level", "原值", {"value": cur})
    if method == "yoy":
        r = engine.yoy(cur, prev)
    elif method == "pop":
        r = engine.pop(cur, prev)
    elif method in ("yoy_pp", "pop_pp"):
        r = engine.pp_difference(cur, prev, method)
    elif method == "chain":
        r = engine.chain_index([prev, cur])[1]
    elif method == "fixed_base":
        r = engine.fixed_base_index([prev, cur])[1]
    elif method == "cum_change":
        r = engine.cumulative_change(cur, prev)
    else:
        r = engine.change(cur, prev)
        r.method = method
    r.inputs = {**r.inputs, "periods": periods}
    return r


def _vector_cells(b: dict, window: list[str], pidxs: list[int], explain: bool, src_default) -> list[dict]:
    """The cells of one element-wise block: what varies along the window (value, refusal, flags, footnote, source,
    vintage) is made into lists first, then one dict per cell in a single comprehension (the per-cell lookups
    and branches were most of the time of a 360 000-cell answer)."""
    ind, reg, method, meta = b["ind"], b["reg"], b["method"], b["meta"]
    n = len(window)
    arr = b["values"]
    vals = arr.tolist()
    for j in np.flatnonzero(np.isnan(arr)).tolist():
        vals[j] = None
    refusals = b["refused"]
    refused = [None] * n
    for j in refusals:            # positions with a reason code; their value is NaN (see _vector_rows)
        refused[j] = refusals.get(j)
    flags, foot, srcs, kfs = meta["flags"], meta["footnote"], meta["source"], meta["known_from"]
    if not (flags or foot or srcs or kfs):      # the common case: nothing but the value varies
        cells = [{"indicator": ind, "region": reg, "period": per, "method": method, "value": v, "formula": None,
                  "inputs": None, "refused": r, "flags": (), "footnote": None, "source": src_default, "known_from": None}
                 for per, v, r in zip(window, vals, refused)]
    else:
        fls = [FLAG_TUPLES[flags.get(pi, 0) & 15] for pi in pidxs] if flags else repeat(())
        foots = [foot.get(pi) for pi in pidxs] if foot else repeat(None)
        sources = [srcs.get(pi) or src_default for pi in pidxs] if srcs else repeat(src_default)
        known = [kfs[pi].isoformat() if pi in kfs else None for pi in pidxs] if kfs else repeat(None)
        cells = [{"indicator": ind, "region": reg, "period": per, "method": method, "value": v, "formula": None,
                  "inputs": None, "refused": r, "flags": fl, "footnote": fn, "source": sr, "known_from": kf}
                 for per, v, r, fl, fn, sr, kf in zip(window, vals, refused, fls, foots, sources, known)]
    if explain:
        for j, cell in enumerate(cells):
            if cell["value"] is not None:
                per = window[j]
                q = window[0] if b["l"] is None else engine.shift(per, -b["l"]) if b["l"] else per
                r = _explain(method, float(b["cur"][j]), None if b["prev"] is None else float(b["prev"][j]),
                             [q, per] if b["l"] != 0 else [per])
                cell["formula"], cell["inputs"] = r.formula, r.inputs
    return cells


def _materialize(res: dict) -> list[dict]:
    cat = store.catalogue()
    window = res["periods"]
    explain = res["explained"]
    freq = res["spec"]["freq"]
    pidxs = [pidx(p) for p in window]
    cells = []
    for b in res["blocks"]:
        ind, reg, method, meta = b["ind"], b["reg"], b["method"], b["meta"]
        src_default = cat.indicators[ind].get("source")
        if "values" in b:
            cells.extend(_vector_cells(b, window, pidxs, explain, src_default))
            continue
        for per in b["periods"]:
            r = b["results"].get(per)
            pi = pidx(per) if per != "全期" else None
            fl = meta["flags"].get(pi, 0) if pi is not None and engine.freq_of(per) == freq else 0
            cell = {"indicator": ind, "region": reg, "period": per, "method": method, "value": None, "formula": None,
                    "inputs": None, "refused": None, "flags": FLAG_TUPLES[fl & 15],
                    "footnote": meta["footnote"].get(pi), "source": meta["source"].get(pi) or src_default,
                    "known_from": meta["known_from"][pi].isoformat() if pi in meta["known_from"] else None}
            notes = b["notes"]
            if isinstance(r, engine.Result):
                cell.update(value=r.value, formula=r.formula, inputs=r.inputs)
                if isinstance(notes.get(per), engine.Result):
                    cell["conversion"] = notes[per].formula
            elif isinstance(r, str):
                cell["refused"] = r
            elif isinstance(notes.get(per), str):
                cell["refused"] = notes[per]
            cells.append(cell)
    return cells


def _unit(d: dict, method: str) -> str:
    if method in ("level", "change", "yoy_change", "cum_change", "average", "avg_change"):
        return d["unit"]
    if method.endswith("_pp"):
        return "百分点"
    return "%"


def _decimals(d: dict, method: str) -> int:
    if method in ("level", "average"):
        return int(d["decimals"])
    if method in ("change", "yoy_change", "cum_change", "avg_change"):
        return max(int(d["decimals"]), 0)
    return 2


def pivot(res: dict) -> dict:
    """Rows × columns by the layout: header tuples and a value matrix (cells)."""
    lay = res["spec"]["layout"]
    labels = {
        "indicator": {i["code"]: (f"{i['name_zh']}({i['unit']})" if i["method"] == "level"
                                  else f"{i['name_zh']}·{i['method_zh']}") for i in res["indicators"]},
        "region": {r["code"]: r["name_zh"] for r in res["regions"]},
    }
    periods = sorted({c["period"] for c in res["cells"]}, key=lambda p: (p == "全期", p))
    order = {"indicator": [i["code"] for i in res["indicators"]], "region": [r["code"] for r in res["regions"]],
             "period": periods}
    def keys(dims):
        out = [()]
        for d in dims:
            out = [k + (v,) for k in out for v in order[d]]
        return out
    rows, cols = keys(lay["rows"]), keys(lay["cols"])
    index = {(c["indicator"], c["region"], c["period"]): c for c in res["cells"]}
    def cell(rk, ck):
        pos = dict(zip(lay["rows"], rk)) | dict(zip(lay["cols"], ck))
        return index.get((pos["indicator"], pos["region"], pos["period"]))
    lab = lambda d, v: labels.get(d, {}).get(v, v)
    return {"row_dims": lay["rows"], "col_dims": lay["cols"],
            "rows": [[lab(d, v) for d, v in zip(lay["rows"], rk)] for rk in rows],
            "cols": [[lab(d, v) for d, v in zip(lay["cols"], ck)] for ck in cols],
            "matrix": [[cell(rk, ck) for ck in cols] for rk in rows],
            "row_keys": rows, "col_keys": cols}


def fmt(value, decimals: int) -> str:
    if value is None:
        return ""
    return f"{engine.round_half_up(value, decimals):,.{decimals}f}"


def _json_default(o):
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, Decimal):
        return float(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def json_bytes(res: QueryResult) -> bytes:
    """The answer as the JSON body of /api/query, encoded in one pass by the json module's C encoder (what
    FastAPI's generic encoding of the same dict gives, without walking 360 000 cells in Python first)."""
    return json.dumps(res.to_json(), ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                      default=_json_default).encode("utf-8")
