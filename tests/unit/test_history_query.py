"""The query's vectorised element-wise methods (numpy, what large free-combination queries run) give the same
values and the same refusals as engine.apply_method on the same series: random series with gaps, zeros, breaks,
both a count unit and a % unit, every element-wise method, monthly and yearly."""
from __future__ import annotations

import math
import random

import pytest

from history import engine, query


def _series(rnd, periods):
    out = {}
    for p in periods:
        r = rnd.random()
        if r < 0.1:
            continue                      # a gap
        out[p] = 0.0 if r < 0.15 else round(rnd.uniform(-50, 500), 3)
    return out


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("method", sorted(query.VECTOR_METHODS))
def test_vector_methods_equal_engine(seed, method):
    rnd = random.Random(seed * 31 + len(method))
    freq = "M" if seed % 2 else "Y"
    start = "2015-01" if freq == "M" else "1990"
    allp = [engine.shift(start, k) for k in range(60)]
    ser = _series(rnd, allp)
    window = allp[14:14 + rnd.randint(1, 40)]
    unit = "%" if seed % 3 == 0 else "人"
    breaks = [allp[rnd.randint(10, 50)]] if seed % 4 == 0 else []
    allow = seed % 8 == 4
    lag = engine.per_year(window[0]) if method.startswith("yoy") else 1
    s = {"idx": [query.pidx(p) for p in sorted(ser)], "values": [ser[p] for p in sorted(ser)]}
    vec = query._vector(method, s, window, query.pidx(window[0]), lag, freq, {"unit": unit}, breaks, allow)
    ref = engine.apply_method(method, ser, window, kind="stock", unit=unit, breaks=breaks, allow_break=allow)
    for j, p in enumerate(window):
        r = ref.get(p)
        v = vec["values"][j]
        if isinstance(r, engine.Result):
            assert v == pytest.approx(r.value, rel=1e-12, abs=1e-12), (p, r.formula)
            assert j not in vec["refused"]
            # and the cell's explanation is the engine's formula
            if method != "level":
                q = window[0] if vec["l"] is None else engine.shift(p, -vec["l"])
                assert query._explain(method, vec["cur"][j], vec["prev"][j], [q, p]).formula == r.formula
        elif isinstance(r, str):
            assert math.isnan(v) and vec["refused"].get(j) == r, (p, r, vec["refused"].get(j))
        else:
            assert math.isnan(v) and j not in vec["refused"]


@pytest.mark.parametrize("method", sorted(query.VECTOR_METHODS))
def test_matrix_of_series_equals_one_series_at_a_time(method):
    rnd = random.Random(7)
    allp = [engine.shift("2015-01", k) for k in range(60)]
    window = allp[13:50]
    lag = 12 if method.startswith("yoy") else 1
    sers = [_series(rnd, allp) for _ in range(6)] + [{}]
    rows = [{"idx": [query.pidx(p) for p in sorted(s)], "values": [s[p] for p in sorted(s)]} if s else None for s in sers]
    breaks = [[allp[20]], [], [allp[40]], [], [], [], []]
    many = query._vector_rows(method, rows, window, query.pidx(window[0]), lag, "M", {"unit": "人"}, breaks, False)
    for r, s in enumerate(rows):
        one = query._vector(method, s, window, query.pidx(window[0]), lag, "M", {"unit": "人"}, breaks[r], False)
        assert one["refused"] == many[r]["refused"]
        assert [None if x != x else x for x in one["values"]] == [None if x != x else x for x in many[r]["values"]]


@pytest.mark.parametrize("latest", ["2; drop table x", None, [1], "1.5"])
def test_a_malformed_latest_n_is_a_query_error_not_a_crash(latest):
    # found by hand against the running portal: a non-integer N answered 500 (ValueError in estimate)
    with pytest.raises(query.QueryError, match="正整数"):
        query.normalise({"indicators": ["wh_pension_insured"], "regions": ["110000"], "periods": {"latest": latest}})


def _cells_one_by_one(res, src_default):
    """The per-cell loop the answer was built with before it was made list-wise (commit 7d65fbf): the reference."""
    window, out = res["periods"], []
    for b in res["blocks"]:
        vals, refused, meta = b["values"].tolist(), b["refused"], b["meta"]
        for j, per in enumerate(window):
            pi, v = query.pidx(per), vals[j]
            fl = meta["flags"].get(pi, 0)
            cell = {"indicator": b["ind"], "region": b["reg"], "period": per, "method": b["method"],
                    "value": None if v != v else v, "formula": None, "inputs": None,
                    "refused": refused.get(j) if v != v else None,
                    "flags": [f for f, bit in query.FLAG_BITS if fl & bit],
                    "footnote": meta["footnote"].get(pi), "source": meta["source"].get(pi) or src_default,
                    "known_from": meta["known_from"][pi].isoformat() if pi in meta["known_from"] else None}
            if res["explained"] and cell["value"] is not None:
                q = window[0] if b["l"] is None else engine.shift(per, -b["l"]) if b["l"] else per
                r = query._explain(b["method"], float(b["cur"][j]), None if b["prev"] is None else float(b["prev"][j]),
                                   [q, per] if b["l"] != 0 else [per])
                cell["formula"], cell["inputs"] = r.formula, r.inputs
            out.append(cell)
    return out


@pytest.mark.parametrize("seed", range(8))
def test_cells_equal_the_cell_by_cell_answer(seed, monkeypatch):
    """The list-wise cells (values, refusals, flags, footnotes, sources, vintages; with and without formulas) are
    the JSON the per-cell loop gave, on random series with gaps, zeros, breaks and random metadata."""
    import json
    from datetime import datetime, timedelta, timezone

    rnd = random.Random(seed)
    allp = [engine.shift("2015-01", k) for k in range(60)]
    window = allp[13:13 + rnd.randint(1, 45)]
    src_default = "默认来源"
    cat = type("Cat", (), {"indicators": {"x": {"source": src_default}}})()
    monkeypatch.setattr(query.store, "catalogue", lambda: cat)
    blocks = []
    for method in sorted(query.VECTOR_METHODS):
        lag = 12 if method.startswith("yoy") else 1
        sers = [_series(rnd, allp) for _ in range(3)]
        rows = [{"idx": [query.pidx(p) for p in sorted(s)], "values": [s[p] for p in sorted(s)]} for s in sers]
        vec = query._vector_rows(method, rows, window, query.pidx(window[0]), lag, "M", {"unit": rnd.choice(["人", "%"])},
                                 [[allp[rnd.randint(10, 50)]], [], []], False)
        for r, v in enumerate(vec):
            some = lambda: [query.pidx(p) for p in allp if rnd.random() < 0.2]
            meta = {"flags": {i: rnd.randint(1, 15) for i in some()} if r != 1 else {},
                    "footnote": {i: f"注{i}" for i in some()} if r != 1 else {},
                    "source": {i: "来源\"甲\"" for i in some()} if r == 0 else {},
                    "known_from": {i: datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(days=i % 97)
                                   for i in some()} if r == 2 else {}}
            blocks.append({"ind": "x", "reg": f"r{r}", "method": method, "meta": meta, **v})
    for explained in (False, True):
        res = query.QueryResult({"periods": window, "explained": explained, "spec": {"freq": "M"}, "blocks": blocks})
        new, ref = query._materialize(res), _cells_one_by_one(res, src_default)
        assert len(new) == len(window) * len(blocks)
        assert json.dumps(new, ensure_ascii=False) == json.dumps(ref, ensure_ascii=False)
        assert any(c["flags"] for c in new) and any(c["refused"] for c in new) and any(c["known_from"] for c in new)
