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
from collections import OrderedDict, defaultdict
from datetime import datetime

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
    out = [a]
    while out[-1] < b:
        out.append(engine.shift(out[-1], 1))
        if len(out) > 5000:
            raise QueryError("期别范围过长")
    return out


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


def data_version(conn) -> int:
    return conn.execute(f"select coalesce(max(load_id), 0) from {store.SCHEMA}.load").fetchone()[0]


def run(conn, spec: dict, allowed_regions: set[str] | None = None, use_cache: bool = True) -> dict:
    cat = store.catalogue()
    spec = normalise(spec, cat)
    if allowed_regions is not None:
        denied = [r for r in spec["regions"] if r not in allowed_regions]
        if denied:
            raise QueryError(f"无权查看地区: {', '.join(cat.region_name(r) for r in denied)}")
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
                return _cache[key]
    res = _run(conn, spec, cat, est)
    if key:
        with _cache_lock:
            _cache[key] = res
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return res


def _run(conn, spec: dict, cat, est: dict) -> dict:
    freq, asof = spec["freq"], spec["asof"]
    inds, regs = spec["indicators"], spec["regions"]
    p = spec["periods"]
    if "latest" in p:
        last = _latest_period(conn, inds, regs, freq, asof)
        window = [] if last is None else [engine.shift(last, -k) for k in range(int(p["latest"]) - 1, -1, -1)]
    else:
        window = _periods_between(_to_freq(p["from"], freq), _to_freq(p["to"], freq))
    # lags needed by the methods: a year (yoy) or one period before the window
    lag = max([engine.per_year(window[0]) if m.startswith("yoy") else 1 for m in spec["methods"].values()] + [0]) \
        if window else 0
    first = engine.shift(window[0], -lag) if window else None
    # what to read: the indicators, their numerator/denominator for ratio averages and conversions
    need = set(inds)
    for i in inds:
        d = cat.indicators[i]
        if d["kind"] == "ratio" and d.get("numerator"):
            need |= {d["numerator"], d["denominator"]}
    parents = {r: next((x.get("parent") for x in cat.regions if x["code"] == r), None) for r in regs}
    read_regs = set(regs) | ({v for v in parents.values() if v} if "share" in spec["methods"].values() else set())
    obs = []
    if window:
        lo = first if freq != "M" else first
        # read from the first month of the first target period (for conversions) to the end of the window
        lo_m = lo if engine.freq_of(lo) == "M" else (f"{lo[:4]}-01" if freq == "Y" else f"{lo[:4]}-{(int(lo[-1]) - 1) * 3 + 1:02d}")
        hi = window[-1]
        hi_m = hi if freq == "M" else (f"{hi}-12" if freq == "Y" else f"{hi[:4]}-{int(hi[-1]) * 3:02d}")
        obs = store.read(conn, sorted(need), sorted(read_regs), None, None, asof=asof)
        obs = [o for o in obs if _in_range(o, freq, lo, hi, lo_m, hi_m)]
    series: dict[tuple, dict[str, float]] = defaultdict(dict)
    meta: dict[tuple, dict] = {}
    for o in obs:
        series[(o["indicator"], o["region"], o["freq"])][o["period"]] = None if o["value"] is None else float(o["value"])
        meta[(o["indicator"], o["region"], o["period"])] = o
    cells = []
    conversions: dict[tuple, dict] = {}

    def target_series(ind: str, reg: str) -> dict[str, float]:
        """The series at the target frequency: native values, or converted from monthly by kind."""
        if (ind, reg) in conversions:
            return conversions[(ind, reg)]
        d = cat.indicators[ind]
        out = dict(series.get((ind, reg, freq), {}))
        conv_notes = {}
        src = "M" if series.get((ind, reg, "M")) else ("Q" if freq == "Y" and series.get((ind, reg, "Q")) else None)
        if freq != "M" and src and src != freq:
            sub = series[(ind, reg, src)]
            targets = sorted({_to_freq(k, freq) for k in sub})
            for t in targets:
                if t in out:
                    continue
                try:
                    if d["kind"] == "ratio" and d.get("numerator"):
                        n, q = cat.indicators[d["numerator"]], cat.indicators[d["denominator"]]
                        r = engine.convert_ratio(n["kind"], series.get((n["code"], reg, src), {}), q["kind"],
                                                 series.get((q["code"], reg, src), {}), t, freq,
                                                 float(d.get("ratio_scale", 1)), from_freq=src)
                    else:
                        r = engine.convert(d["kind"], sub, t, freq, from_freq=src)
                    out[t] = r.value
                    conv_notes[t] = r
                except engine.Refused as e:
                    conv_notes[t] = str(e)
        conversions[(ind, reg)] = out
        conversions[(ind, reg, "notes")] = conv_notes
        return out

    for ind in inds:
        d = cat.indicators[ind]
        method = spec["methods"][ind]
        for reg in regs:
            ser = target_series(ind, reg)
            parts = None
            if d["kind"] == "ratio" and d.get("numerator"):
                n, q = cat.indicators[d["numerator"]], cat.indicators[d["denominator"]]
                parts = (target_series(n["code"], reg), target_series(q["code"], reg), n["kind"], q["kind"],
                         float(d.get("ratio_scale", 1)))
            parent = target_series(ind, parents[reg]) if method == "share" and parents.get(reg) else None
            res = engine.apply_method(method, ser, window, kind=d["kind"], unit=d["unit"],
                                      breaks=cat.breaks_of(ind, reg), allow_break=spec["allow_break"],
                                      parent=parent, parts=parts)
            notes = conversions.get((ind, reg, "notes"), {})
            periods = ["全期"] if method in engine.SUMMARY_METHODS else window
            for per in periods:
                r = res.get(per)
                m = meta.get((ind, reg, per), {})
                cell = {"indicator": ind, "region": reg, "period": per, "method": method,
                        "value": None, "formula": None, "inputs": None, "refused": None,
                        "flags": [f for f in ("provisional", "revised", "estimated", "is_break") if m.get(f)],
                        "footnote": m.get("footnote"), "source": m.get("source") or d.get("source"),
                        "known_from": m.get("known_from").isoformat() if m.get("known_from") else None}
                if isinstance(r, engine.Result):
                    cell.update(value=r.value, formula=r.formula, inputs=r.inputs)
                    if per in notes and isinstance(notes[per], engine.Result):
                        cell["conversion"] = notes[per].formula
                elif isinstance(r, str):
                    cell["refused"] = r
                elif per in notes and isinstance(notes[per], str):
                    cell["refused"] = notes[per]
                cells.append(cell)
    unit_of = {i: _unit(cat.indicators[i], spec["methods"][i]) for i in inds}
    return {"spec": spec, "estimate": est, "periods": window, "cells": cells,
            "indicators": [{"code": i, "name_zh": cat.indicators[i]["name_zh"], "unit": unit_of[i],
                            "method": spec["methods"][i], "method_zh": engine.METHODS[spec["methods"][i]],
                            "decimals": _decimals(cat.indicators[i], spec["methods"][i]),
                            "kind": cat.indicators[i]["kind"], "source": cat.indicators[i].get("source"),
                            "explanation": cat.indicators[i].get("explanation")} for i in inds],
            "regions": [{"code": r, "name_zh": cat.region_name(r)} for r in regs],
            "catalogue_version": cat.version, "asof": asof}


def _in_range(o, freq, lo, hi, lo_m, hi_m) -> bool:
    p = o["period"]
    if o["freq"] == freq:
        return lo <= p <= hi
    if o["freq"] == "M":
        return lo_m <= p <= hi_m
    if o["freq"] == "Q" and freq == "Y":
        return lo[:4] <= p[:4] <= hi[:4]
    return False


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
