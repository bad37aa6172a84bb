"""The calculation engine against worked examples computed independently (closed forms, numpy polynomial
roots, hand sums) and properties (chain indices multiply to the fixed-base index, …)."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest

from history import engine as e


def test_yoy_pop_and_growth_formula_inputs():
    r = e.yoy(105, 100)
    assert r.value == pytest.approx(5.0) and r.unit == "%"
    assert r.inputs == {"current": 105.0, "previous": 100.0} and "同比" in r.formula
    assert e.pop(90, 120).value == pytest.approx(-25.0)
    with pytest.raises(e.Refused, match="为 0"):
        e.yoy(5, 0)


def test_fixed_base_and_chain_index():
    vals = [200, 210, 231, 254.1]
    assert [round(r.value, 6) for r in e.fixed_base_index(vals)] == [100, 105, 115.5, 127.05]
    ch = e.chain_index(vals)
    assert ch[0] is None and [round(r.value, 6) for r in ch[1:]] == [105, 110, 110]


@pytest.mark.parametrize("seed", range(20))
def test_property_chain_indices_multiply_to_fixed_base(seed):
    rnd = random.Random(seed)
    vals = [rnd.uniform(1, 1000) for _ in range(rnd.randint(2, 40))]
    chain = [r.value / 100 for r in e.chain_index(vals)[1:]]
    fixed = e.fixed_base_index(vals)
    assert math.prod(chain) == pytest.approx(fixed[-1].value / 100, rel=1e-12)
    # and the fixed-base index of the last period over the next-to-last is the last chain index
    assert fixed[-1].value / fixed[-2].value == pytest.approx(chain[-1], rel=1e-12)


def test_average_speed_geometric():
    r = e.avg_speed_geometric(100, 133.1, 3)
    assert r.value == pytest.approx(110.0, rel=1e-12)
    assert e.avg_growth(r).value == pytest.approx(10.0, rel=1e-10)


def test_equation_method_exact_geometric_series():
    # 110 + 121 + 133.1 = 100·(1.1 + 1.1² + 1.1³): x = 1.1 exactly
    r = e.avg_speed_equation(100, [110, 121, 133.1])
    assert abs(r.value / 100 - 1.1) < 1e-12
    assert abs(r.inputs["residual"]) < 1e-12


def test_equation_method_two_periods_closed_form():
    # x + x² = (120 + 90)/100 = 2.1 → x = (−1 + √(1 + 4·2.1)) / 2
    x = (-1 + math.sqrt(1 + 8.4)) / 2
    assert abs(e.avg_speed_equation(100, [120, 90]).value / 100 - x) < 1e-12


@pytest.mark.parametrize("seed", range(10))
def test_equation_method_against_polynomial_roots(seed):
    rnd = random.Random(100 + seed)
    n = rnd.randint(1, 15)
    a0 = rnd.uniform(50, 150)
    vals = [rnd.uniform(20, 300) for _ in range(n)]
    s = sum(vals) / a0
    # Σ xᵏ − s = 0: coefficients highest degree first: xⁿ … x¹ and −s
    roots = np.roots([1.0] * n + [-s])
    x_ref = max(r.real for r in roots if abs(r.imag) < 1e-9 and r.real > 0)
    x = e.avg_speed_equation(a0, vals).value / 100
    assert abs(x - x_ref) < 1e-9                  # numpy's eigenvalue roots are the looser of the two
    assert abs(sum(x ** k for k in range(1, n + 1)) - s) < 1e-12 * max(1, s)   # the engine's own 1e-12


def test_averages_flow_stock_equal_and_unequal_ratio():
    assert e.average_flow([10, 20, 60]).value == pytest.approx(30)
    # (10/2 + 20 + 30 + 40/2) / 3 = 25
    assert e.average_stock([10, 20, 30, 40]).value == pytest.approx(25)
    # points at Jan, Mar, Jun: intervals 2 and 3 months: ((100+120)/2·2 + (120+110)/2·3) / 5 = 113
    assert e.average_stock([100, 120, 110], [2, 3]).value == pytest.approx(113)
    # unequal form with equal intervals equals the equal-interval formula
    assert e.average_stock([10, 20, 30, 40], [1, 1, 1]).value == pytest.approx(25)
    # ratio: (1+2)/2 ÷ (10+30)/2 = 0.075, not the mean of 0.1 and 0.0667
    r = e.average_ratio([1, 2], [10, 30], "flow", "flow", scale=100)
    assert r.value == pytest.approx(7.5)
    # stock numerator/denominator: 序时平均 of each
    r = e.average_ratio([10, 20, 30], [100, 100, 200], "stock", "stock")
    assert r.value == pytest.approx(20 / 125)


def test_share_changes_and_percentage_points():
    assert e.share(25, 200).value == pytest.approx(12.5)
    assert e.change(130, 100).value == 30
    assert e.cumulative_change(150, 100).value == 50
    assert e.avg_annual_change(100, 160, 4).value == 15
    r = e.pp_difference(5.2, 5.6)
    assert r.value == pytest.approx(-0.4) and r.unit == "百分点"


def test_refusals_name_the_reason():
    with pytest.raises(e.Refused, match="时点指标"):
        e.sum_values("stock", [1, 2])
    with pytest.raises(e.Refused, match="分子"):
        e.average([1, 2], "ratio")
    with pytest.raises(e.Refused, match="口径断点"):
        e.check_break("2018", "2021", ["2019"])
    e.check_break("2018", "2021", ["2019"], allow=True)
    e.check_break("2019", "2021", ["2019"])          # entirely within the new caliber: fine


def test_frequency_conversion_by_kind():
    months = {f"2024-{m:02d}": float(m) for m in range(1, 13)}
    assert e.convert("flow", months, "2024Q2", "Q").value == 4 + 5 + 6
    assert e.convert("flow", months, "2024", "Y").value == 78
    assert e.convert("stock", months, "2024Q3", "Q").value == 9
    with pytest.raises(e.Refused, match="缺少 2024-05"):
        e.convert("flow", {k: v for k, v in months.items() if k != "2024-05"}, "2024Q2", "Q")
    with pytest.raises(e.Refused, match="权数"):
        e.convert("index", months, "2024", "Y")
    num = {f"2024-{m:02d}": 1.0 for m in range(1, 13)}      # flow numerator
    den = {f"2024-{m:02d}": float(m * 10) for m in range(1, 13)}  # stock denominator
    r = e.convert_ratio("flow", num, "stock", den, "2024Q1", "Q", ratio_scale=100)
    assert r.value == pytest.approx(3 / 30 * 100)


def test_apply_method_series_breaks_and_units():
    s = {"2017": 100.0, "2018": 110.0, "2019": 90.0, "2020": 99.0}
    out = e.apply_method("yoy", s, ["2018", "2019", "2020"], kind="stock", unit="万人", breaks=["2019"])
    assert out["2018"].value == pytest.approx(10)
    assert "口径断点" in out["2019"]                      # refused, says why
    assert out["2020"].value == pytest.approx(10)
    out = e.apply_method("yoy", s, ["2019"], kind="stock", unit="万人", breaks=["2019"], allow_break=True)
    assert out["2019"].value == pytest.approx(-18.181818, rel=1e-6)
    rates = {"2024-01": 5.2, "2024-02": 5.0}
    assert "百分点" in e.apply_method("pop", rates, ["2024-02"], kind="ratio", unit="%")["2024-02"]
    assert e.apply_method("pop_pp", rates, ["2024-02"], kind="ratio", unit="%")["2024-02"].value == pytest.approx(-0.2)
    eq = e.apply_method("avg_growth_eq", {"2020": 100, "2021": 110, "2022": 121, "2023": 133.1},
                        ["2020", "2021", "2022", "2023"], kind="flow", unit="亿元")["全期"]
    assert eq.value == pytest.approx(10, abs=1e-9)
    gap = e.apply_method("avg_speed_geo", {"2020": 100, "2022": 121}, ["2020", "2021", "2022"], kind="flow", unit="亿元")
    assert "不连续" in gap["全期"]
    av = e.apply_method("average", {"2024-01": 10, "2024-03": 30, "2024-04": 20}, ["2024-01", "2024-02", "2024-03", "2024-04"],
                        kind="stock", unit="人")["全期"]
    # unequal intervals (2 months, 1 month): ((10+30)/2·2 + (30+20)/2·1) / 3 = 65/3
    assert av.value == pytest.approx(65 / 3)


def test_period_shift():
    assert e.shift("2024-01", -1) == "2023-12" and e.shift("2024-01", -12) == "2023-01"
    assert e.shift("2024Q1", -1) == "2023Q4" and e.shift("2024", 2) == "2026"
