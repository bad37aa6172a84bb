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
