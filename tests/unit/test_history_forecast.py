"""预警预测: ETS forecasts with prediction intervals, rolling-origin backtest, warning rules."""
from __future__ import annotations

import random

import pytest

from history import engine, forecast


def _trend(n=20, noise=2.0, seed=1):
    rnd = random.Random(seed)
    return {str(2000 + k): 100 + 5 * k + rnd.gauss(0, noise) for k in range(n)}


def test_forecast_follows_a_trend_with_intervals_and_backtest():
    s = _trend()
    r = forecast.forecast(s, horizon=4)
    assert [x["period"] for x in r["forecast"]] == ["2020", "2021", "2022", "2023"]
    for x in r["forecast"]:
        assert x["lower"] < x["mean"] < x["upper"]
    # widening intervals, and the first step near the trend's continuation (200 ± a few)
    widths = [x["upper"] - x["lower"] for x in r["forecast"]]
    assert widths == sorted(widths)
    assert 190 < r["forecast"][0]["mean"] < 210
    bt = r["backtest"]
    assert bt["origins"] == 5 and len(bt["cases"]) == 5 and bt["mape_pct"] < 5
    assert [c["period"] for c in bt["cases"]] == [str(y) for y in range(2015, 2020)]


def test_forecast_refuses_short_or_broken_series():
    with pytest.raises(engine.Refused, match="至少需要"):
        forecast.forecast({"2020": 1.0, "2021": 2.0, "2022": 3.0})
    s = _trend()
    del s["2016"]                        # only 2017–2019 are consecutive up to the end
    with pytest.raises(engine.Refused, match="只有 3 期"):
        forecast.forecast(s)
    with pytest.raises(engine.Refused, match="1–12"):
        forecast.forecast(_trend(), horizon=24)


def test_band_warning_fires_only_outside_the_interval():
    s = _trend()
    assert forecast.band_warning(s) is None
    s["2019"] = 400.0
    w = forecast.band_warning(s)
    assert w and w["period"] == "2019" and "高于预期区间" in w["message"]
    assert "skipped" in forecast.band_warning({"2020-01": 1.0, "2020-02": 2.0})
