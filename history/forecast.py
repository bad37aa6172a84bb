"""预警预测: short-term forecasts with prediction intervals, backtested, and warning rules.

Method (documented, from a well-kept library): statsmodels' ETSModel — exponential smoothing state space model
with additive errors and an additive damped trend, ETS(A,Ad,N); with additive monthly seasonality ETS(A,Ad,A)
when a monthly series has at least three full years. Parameters by maximum likelihood; the prediction interval
is the model's analytic interval (statsmodels ``get_prediction().summary_frame(alpha)``). Reference: Hyndman &
Athanasopoulos, Forecasting: Principles and Practice (3rd ed.), ch. 8.

Backtest: rolling origin over the series' own history — for each of the last k origins the model is refitted on
the data before it and forecasts one period ahead; the errors (MAE, MAPE) and how often the 95 % interval held
the actual value are returned with every forecast.

Warnings: (1) a value outside the 95 % one-step interval of the model fitted on the data before it;
(2) unemployment-fund budget execution (official.rpt_unemployment_fund_budget, year-to-date share of the annual
budget) behind the time progress of the year by more than BUDGET_MARGIN.
"""
from __future__ import annotations

import math
import warnings as _warnings

from history import engine

MIN_POINTS = 8
BUDGET_MARGIN = 0.10


def _fit(values: list[float], seasonal: bool):
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series([float(v) for v in values])
    model = ETSModel(y, error="add", trend="add", damped_trend=True,
                     seasonal="add" if seasonal else None, seasonal_periods=12 if seasonal else None)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        return model.fit(disp=False, maxiter=200)


def _consecutive(series: dict[str, float | None]) -> tuple[list[str], list[float]]:
    pts = sorted(p for p, v in series.items() if v is not None)
    if not pts:
        return [], []
    # the longest consecutive run that ends with the last period
    run = [pts[-1]]
    for p in reversed(pts[:-1]):
        if engine.shift(p, 1) != run[0]:
            break
        run.insert(0, p)
    return run, [float(series[p]) for p in run]


def forecast(series: dict[str, float | None], horizon: int = 6, alpha: float = 0.05, backtest_origins: int = 5) -> dict:
    if not 1 <= horizon <= 12:
        raise engine.Refused("预测期数须在 1–12 之间")
    periods, values = _consecutive(series)
    if len(values) < MIN_POINTS:
        raise engine.Refused(f"最近连续的序列只有 {len(values)} 期, 至少需要 {MIN_POINTS} 期才做预测")
    seasonal = engine.freq_of(periods[-1]) == "M" and len(values) >= 36
    fit = _fit(values, seasonal)
    pred = fit.get_prediction(start=len(values), end=len(values) + horizon - 1).summary_frame(alpha=alpha)
    future = [engine.shift(periods[-1], k) for k in range(1, horizon + 1)]
    rows = [{"period": p, "mean": float(m), "lower": float(lo), "upper": float(hi)}
            for p, m, lo, hi in zip(future, pred["mean"], pred["pi_lower"], pred["pi_upper"])]
    bt = backtest(periods, values, seasonal, alpha, backtest_origins)
    return {"method": f"ETS(A,Ad,{'A' if seasonal else 'N'}) — statsmodels ETSModel, 最大似然估计, {int((1 - alpha) * 100)}% 预测区间",
            "fitted_on": [periods[0], periods[-1]], "n": len(values), "forecast": rows, "backtest": bt}


def backtest(periods, values, seasonal, alpha, origins) -> dict:
    k = min(origins, len(values) - MIN_POINTS)
    errs, covered, cases = [], 0, []
    for t in range(len(values) - k, len(values)):
        fit = _fit(values[:t], seasonal and t >= 36)
        fr = fit.get_prediction(start=t, end=t).summary_frame(alpha=alpha)
        m, lo, hi = float(fr["mean"].iloc[0]), float(fr["pi_lower"].iloc[0]), float(fr["pi_upper"].iloc[0])
        e = values[t] - m
        errs.append(e)
        covered += lo <= values[t] <= hi
        cases.append({"period": periods[t], "actual": values[t], "forecast": m, "lower": lo, "upper": hi})
    if not errs:
        return {"origins": 0, "note": "序列太短, 未做回测"}
    mape = [abs(e / c["actual"]) * 100 for e, c in zip(errs, cases) if c["actual"]]
    return {"origins": len(errs), "mae": sum(abs(e) for e in errs) / len(errs),
            "mape_pct": sum(mape) / len(mape) if mape else None, "coverage": covered / len(errs), "cases": cases}


def band_warning(series: dict[str, float | None], alpha: float = 0.05) -> dict | None:
    """The last value against the one-step interval of the model fitted on the data before it (None = no warning;
    a dict with 'skipped' when the series is too short)."""
    periods, values = _consecutive(series)
    if len(values) < MIN_POINTS + 1:
        return {"skipped": f"序列只有 {len(values)} 期(需 {MIN_POINTS + 1} 期), 不做区间预警"}
    seasonal = engine.freq_of(periods[-1]) == "M" and len(values) > 36
    fit = _fit(values[:-1], seasonal)
    fr = fit.get_prediction(start=len(values) - 1, end=len(values) - 1).summary_frame(alpha=alpha)
    lo, hi = float(fr["pi_lower"].iloc[0]), float(fr["pi_upper"].iloc[0])
    v = values[-1]
    if lo <= v <= hi:
        return None
    return {"period": periods[-1], "value": v, "lower": lo, "upper": hi,
            "message": f"{periods[-1]} 数值 {v:,.2f} {'高于' if v > hi else '低于'}预期区间 [{lo:,.2f}, {hi:,.2f}]"}


def budget_warnings(conn, month: str | None = None) -> list[dict]:
    """Budget items whose year-to-date execution is behind the time progress by more than BUDGET_MARGIN."""
    if not conn.execute("select to_regclass('official.rpt_unemployment_fund_budget')").fetchone()[0]:
        return []
    rows = conn.execute(
        "select month_key, budget_item_name, ytd_share_of_annual from official.rpt_unemployment_fund_budget "
        "where (%s::int is null or month_key = %s) and ytd_share_of_annual is not null order by 1, 2",
        (month and int(month.replace("-", "")), month and int(month.replace("-", "")))).fetchall()
    out = []
    for mk, name, share in rows:
        progress = (mk % 100) / 12
        if float(share) < progress - BUDGET_MARGIN:
            out.append({"month": str(mk), "item": name, "execution": float(share), "time_progress": progress,
                        "message": f"{mk // 100}年{mk % 100}月 {name}: 执行进度 {float(share) * 100:.1f}% 落后于时间进度 "
                                   f"{progress * 100:.1f}% 超过 {BUDGET_MARGIN * 100:.0f} 个百分点"})
    return out


def finite(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))
