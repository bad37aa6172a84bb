"""Calculation engine of the history database: the seven methods of DOMAIN.md, frequency conversion by
kind, and refusals with reasons. Pure Python (no database), every value returned with its formula and inputs.

With a₀ the base-period value, aᵢ the value of period i, n periods:
1. 同比增长率 (aₜ − aₜ₋₁ᵧ) ÷ aₜ₋₁ᵧ;  2. 环比增长率 (aᵢ − aᵢ₋₁) ÷ aᵢ₋₁
3. 定基发展速度 aᵢ ÷ a₀; 环比发展速度 aᵢ ÷ aᵢ₋₁
4. 平均发展速度: geometric (aₙ ÷ a₀)^(1/n); equation method: the x > 0 solving Σₖ₌₁ⁿ xᵏ = Σᵢ₌₁ⁿ aᵢ ÷ a₀
5. 平均增长率 = 平均发展速度 − 1
6. 平均值: flow Σa ÷ n; stock 序时平均 (a₁/2 + a₂ + … + aₙ₋₁ + aₙ/2) ÷ (n − 1), unequal intervals
   Σ((aᵢ + aᵢ₊₁)/2 · fᵢ) ÷ Σfᵢ; ratio: average of the numerator ÷ average of the denominator
7. 比重 part ÷ total; 增长量 aᵢ − aᵢ₋₁, 累计增长量 aᵢ − a₀, 年均增长量 (aₙ − a₀) ÷ n
Differences of rates are in percentage points (百分点).

Rates are returned as percentages (× 100) with unit '%'; development speeds as percentages too (定基发展速度
105.2 = 105.2%), as the bureau's tables print them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

KINDS = ("flow", "stock", "ratio", "index")


class Refused(ValueError):
    """A method that does not apply to the data (a kind, a break, a zero base): the message says why."""


@dataclass
class Result:
    value: float | None
    method: str
    formula: str
    inputs: dict = field(default_factory=dict)
    unit: str | None = None

    def to_dict(self) -> dict:
        return {"value": self.value, "method": self.method, "formula": self.formula, "inputs": self.inputs,
                "unit": self.unit}


def _num(x, what: str) -> float:
    if x is None:
        raise Refused(f"{what}缺少数值")
    v = float(x)
    if math.isnan(v) or math.isinf(v):
        raise Refused(f"{what}不是有限数值")
    return v


def _nonzero(x: float, what: str) -> float:
    if x == 0:
        raise Refused(f"{what}为 0, 不能作除数")
    return x


def _fmt(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x))


# --- 1, 2: growth ------------------------------------------------------------------------------------------

def growth_rate(current, previous, method: str = "growth", label: str = "增长率") -> Result:
    """(a − b) ÷ b × 100 (%)."""
    a, b = _num(current, "报告期"), _num(previous, "对比期")
    _nonzero(b, "对比期数值")
    v = (a - b) / b * 100
    return Result(v, method, f"({_fmt(a)} − {_fmt(b)}) ÷ {_fmt(b)} × 100 = {v:.6g}%",
                  {"current": a, "previous": b}, "%")


def yoy(current, same_period_last_year) -> Result:
    r = growth_rate(current, same_period_last_year, "yoy")
    r.formula = "同比增长率 = " + r.formula
    return r


def pop(current, previous_period) -> Result:
    r = growth_rate(current, previous_period, "pop")
    r.formula = "环比增长率 = " + r.formula
    return r


def pp_difference(rate_current, rate_previous, method: str = "pp") -> Result:
    """Difference of two rates (both in %) in percentage points."""
    a, b = _num(rate_current, "报告期比率"), _num(rate_previous, "对比期比率")
    v = a - b
    return Result(v, method, f"{_fmt(a)}% − {_fmt(b)}% = {v:.6g} 个百分点", {"current": a, "previous": b}, "百分点")


# --- 3: development speed ----------------------------------------------------------------------------------

def fixed_base_index(values: Sequence, base: int = 0) -> list[Result]:
    """定基发展速度 aᵢ ÷ a₀ × 100 for every i."""
    a0 = _nonzero(_num(values[base], "基期"), "基期数值")
    out = []
    for a in values:
        ai = _num(a, "报告期")
        v = ai / a0 * 100
        out.append(Result(v, "fixed_base", f"定基发展速度 = {_fmt(ai)} ÷ {_fmt(a0)} × 100 = {v:.6g}%",
                          {"current": ai, "base": a0}, "%"))
    return out


def chain_index(values: Sequence) -> list[Result | None]:
    """环比发展速度 aᵢ ÷ aᵢ₋₁ × 100; the first period has none."""
    out: list[Result | None] = [None]
    for prev, cur in zip(values, values[1:]):
        b = _nonzero(_num(prev, "上期"), "上期数值")
        a = _num(cur, "本期")
        v = a / b * 100
        out.append(Result(v, "chain", f"环比发展速度 = {_fmt(a)} ÷ {_fmt(b)} × 100 = {v:.6g}%",
                          {"current": a, "previous": b}, "%"))
    return out


# --- 4, 5: average development speed and average growth ------------------------------------------------------

def avg_speed_geometric(a0, an, n: int) -> Result:
    """(aₙ ÷ a₀)^(1/n) × 100 (%)."""
    b = _num(a0, "基期")
    e = _num(an, "末期")
    if n < 1:
        raise Refused("平均发展速度至少需要 1 个间隔期")
    if b <= 0 or e <= 0:
        raise Refused("水平法平均发展速度要求基期和末期数值为正")
    x = (e / b) ** (1.0 / n)
    return Result(x * 100, "avg_speed_geo", f"水平法: ({_fmt(e)} ÷ {_fmt(b)})^(1/{n}) × 100 = {x * 100:.8g}%",
                  {"a0": b, "an": e, "n": n}, "%")


def solve_equation_method(ratio_sum: float, n: int, tol: float = 1e-12) -> float:
    """The x > 0 with Σₖ₌₁ⁿ xᵏ = ratio_sum (strictly increasing in x > 0, so bisection converges; then Newton)."""
    if n < 1:
        raise Refused("累计法至少需要 1 期")
    if ratio_sum <= 0:
        raise Refused("累计法要求各期数值之和与基期之比为正")

    def f(x: float) -> float:
        # Σ xᵏ, k = 1..n, by Horner: x(1 + x(1 + …))
        s = 0.0
        for _ in range(n):
            s = x * (1.0 + s)
        return s - ratio_sum

    lo, hi = 0.0, max(1.0, ratio_sum)
    while hi - lo > tol * max(1.0, hi):
        mid = (lo + hi) / 2
        if f(mid) > 0:
            hi = mid
        else:
            lo = mid
    x = (lo + hi) / 2
    for _ in range(3):          # Newton polish: f'(x) = Σ k x^(k-1)
        d = math.fsum(k * x ** (k - 1) for k in range(1, n + 1))
        if d == 0:
            break
        step = f(x) / d
        x -= step
        if abs(step) < 1e-16:
            break
    return x


def avg_speed_equation(a0, values: Sequence) -> Result:
    """累计法(方程式法): x solving Σₖ₌₁ⁿ xᵏ = Σᵢ₌₁ⁿ aᵢ ÷ a₀, × 100 (%)."""
    b = _nonzero(_num(a0, "基期"), "基期数值")
    vals = [_num(v, "报告期") for v in values]
    n = len(vals)
    s = math.fsum(vals) / b
    x = solve_equation_method(s, n)
    return Result(x * 100, "avg_speed_eq",
                  f"累计法: Σₖ₌₁^{n} xᵏ = Σaᵢ ÷ a₀ = {math.fsum(vals):.10g} ÷ {_fmt(b)} = {s:.10g} → x = {x:.12f}",
                  {"a0": b, "values": vals, "n": n, "ratio_sum": s, "residual": sum(x ** k for k in range(1, n + 1)) - s},
                  "%")


def avg_growth(speed: Result) -> Result:
    v = speed.value - 100
    return Result(v, speed.method.replace("speed", "growth"), f"平均增长率 = 平均发展速度 − 100% = {speed.value:.8g}% − 100%"
                  f" = {v:.8g}% ({speed.formula})", speed.inputs, "%")


# --- 6: averages -------------------------------------------------------------------------------------------

def average_flow(values: Sequence) -> Result:
    vals = [_num(v, "各期") for v in values]
    if not vals:
        raise Refused("没有数值可平均")
    v = math.fsum(vals) / len(vals)
    return Result(v, "average", f"时期序列算术平均 Σa ÷ n = {math.fsum(vals):.10g} ÷ {len(vals)} = {v:.10g}",
                  {"values": vals, "n": len(vals)})


def average_stock(values: Sequence, intervals: Sequence | None = None) -> Result:
    """序时平均 of a stock series sampled at the given points. `intervals` fᵢ between consecutive points (len n−1);
    None = equal intervals: (a₁/2 + a₂ + … + aₙ₋₁ + aₙ/2) ÷ (n − 1)."""
    vals = [_num(v, "各时点") for v in values]
    n = len(vals)
    if n < 2:
        raise Refused("时点序列的序时平均至少需要 2 个时点")
    if intervals is None:
        v = (vals[0] / 2 + math.fsum(vals[1:-1]) + vals[-1] / 2) / (n - 1)
        return Result(v, "average", f"时点序列(间隔相等)序时平均 (a₁/2 + a₂ + … + aₙ₋₁ + aₙ/2) ÷ (n − 1), n = {n}: {v:.10g}",
                      {"values": vals, "n": n})
    f = [_num(x, "间隔") for x in intervals]
    if len(f) != n - 1:
        raise Refused(f"间隔数 {len(f)} 应为时点数减 1 ({n - 1})")
    if any(x <= 0 for x in f):
        raise Refused("时点间隔必须为正")
    num = math.fsum((vals[i] + vals[i + 1]) / 2 * f[i] for i in range(n - 1))
    v = num / math.fsum(f)
    return Result(v, "average", f"时点序列(间隔不等)序时平均 Σ((aᵢ + aᵢ₊₁)/2 · fᵢ) ÷ Σfᵢ = {num:.10g} ÷ {math.fsum(f):g} = {v:.10g}",
                  {"values": vals, "intervals": f})


def average_ratio(numerators: Sequence, denominators: Sequence, num_kind: str, den_kind: str,
                  scale: float = 1.0, intervals: Sequence | None = None) -> Result:
    """Average of a ratio series = average of the numerator ÷ average of the denominator (each by its kind)."""
    an = average(numerators, num_kind, intervals=intervals)
    ad = average(denominators, den_kind, intervals=intervals)
    _nonzero(ad.value, "分母平均数")
    v = an.value / ad.value * scale
    return Result(v, "average", f"比率序列平均 = 分子平均 ÷ 分母平均 × {scale:g} = {an.value:.10g} ÷ {ad.value:.10g} × {scale:g} = {v:.10g}",
                  {"numerator": an.to_dict(), "denominator": ad.to_dict()})


def average(values: Sequence, kind: str, intervals: Sequence | None = None) -> Result:
    if kind == "flow":
        return average_flow(values)
    if kind == "stock":
        return average_stock(values, intervals)
    if kind == "ratio":
        raise Refused("比率序列的平均数不能由比率本身平均: 需用分子、分母序列分别平均后相除 (average_ratio)")
    if kind == "index":
        raise Refused("指数序列的平均需要权数, 未定义")
    raise Refused(f"未知的指标类型 {kind!r}")


# --- 7: share and changes ----------------------------------------------------------------------------------

def share(part, total) -> Result:
    p, t = _num(part, "部分"), _num(total, "总体")
    _nonzero(t, "总体数值")
    v = p / t * 100
    return Result(v, "share", f"比重 = {_fmt(p)} ÷ {_fmt(t)} × 100 = {v:.6g}%", {"part": p, "total": t}, "%")


def change(current, previous) -> Result:
    a, b = _num(current, "本期"), _num(previous, "上期")
    return Result(a - b, "change", f"增长量 = {_fmt(a)} − {_fmt(b)} = {a - b:.10g}", {"current": a, "previous": b})


def cumulative_change(current, base) -> Result:
    a, b = _num(current, "本期"), _num(base, "基期")
    return Result(a - b, "cum_change", f"累计增长量 = {_fmt(a)} − {_fmt(b)} = {a - b:.10g}", {"current": a, "base": b})


def avg_annual_change(a0, an, n: int) -> Result:
    b, e = _num(a0, "基期"), _num(an, "末期")
    if n < 1:
        raise Refused("年均增长量至少需要 1 个间隔期")
    v = (e - b) / n
    return Result(v, "avg_change", f"年均增长量 = ({_fmt(e)} − {_fmt(b)}) ÷ {n} = {v:.10g}", {"a0": b, "an": e, "n": n})


# --- breaks and kinds --------------------------------------------------------------------------------------

def crosses_break(period_from: str, period_to: str, breaks: Iterable[str]) -> str | None:
    """The break period b with period_from < b ≤ period_to (a new caliber begins at b), or None."""
    lo, hi = sorted((period_from, period_to))
    for b in sorted(breaks):
        if _pkey(lo) < _pkey(b) <= _pkey(hi):
            return b
    return None


def _pkey(p: str) -> tuple:
    # '2019' sorts as the start of 2019: (2019, 0) < (2019, 1) = '2019-01'
    return (int(p[:4]), int(p[5:7]) if len(p) > 4 else 0)


def check_break(period_from: str, period_to: str, breaks: Iterable[str], allow: bool = False) -> None:
    b = crosses_break(period_from, period_to, breaks)
    if b and not allow:
        raise Refused(f"{period_from} 与 {period_to} 之间存在口径断点({b} 起为新口径), 不计算跨断点的增速/比较")


def check_growth_kind(kind: str, unit: str | None) -> None:
    if unit == "%":
        raise Refused("比率(单位 %)的变化用百分点表示: 请选择“百分点差”而不是增长率")


# --- frequency conversion ----------------------------------------------------------------------------------

def months_of(period: str, to_freq: str) -> list[str]:
    y = int(period[:4])
    if to_freq == "Y":
        return [f"{y}-{m:02d}" for m in range(1, 13)]
    q = int(period[-1])
    return [f"{y}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


def convert(kind: str, sub: dict[str, float | None], target_period: str, to_freq: str,
            parts: tuple[dict, dict] | None = None, ratio_scale: float = 1.0, from_freq: str = "M") -> Result:
    """One value of `target_period` ('2024' or '2024Q3') from the monthly (or quarterly) values `sub` (period → value).
    flow: sum of all sub-periods (all must be present); stock: the last sub-period's value; ratio: recomputed
    from the converted numerator and denominator `parts` (dicts like `sub`); index: refused."""
    if from_freq == "M":
        need = months_of(target_period, to_freq)
    elif from_freq == "Q" and to_freq == "Y":
        need = [f"{target_period[:4]}Q{q}" for q in range(1, 5)]
    else:
        raise Refused(f"不支持由 {from_freq} 转换为 {to_freq}")
    if kind == "flow":
        missing = [p for p in need if sub.get(p) is None]
        if missing:
            raise Refused(f"时期指标汇总到 {target_period} 缺少 {', '.join(missing)} 的数值")
        vals = [float(sub[p]) for p in need]
        v = math.fsum(vals)
        return Result(v, "convert", f"时期指标按期相加: Σ({', '.join(need)}) = {v:.10g}", dict(zip(need, vals)))
    if kind == "stock":
        last = need[-1]
        if sub.get(last) is None:
            raise Refused(f"时点指标取期末值: 缺少 {last} 的数值(时点指标不能相加)")
        return Result(float(sub[last]), "convert", f"时点指标取期末值 {last} = {float(sub[last]):.10g}", {last: float(sub[last])})
    if kind == "ratio":
        if parts is None:
            raise Refused("比率指标的频率转换需要分子和分母指标(本指标未定义分子分母)")
        raise Refused("ratio conversion must be done by convert_ratio()")
    raise Refused("指数序列的频率转换需要权数, 未定义")


def convert_ratio(num_kind: str, num: dict, den_kind: str, den: dict, target_period: str, to_freq: str,
                  ratio_scale: float = 1.0, from_freq: str = "M") -> Result:
    rn = convert(num_kind, num, target_period, to_freq, from_freq=from_freq)
    rd = convert(den_kind, den, target_period, to_freq, from_freq=from_freq)
    _nonzero(rd.value, "分母")
    v = rn.value / rd.value * ratio_scale
    return Result(v, "convert", f"比率指标由分子分母重算: {rn.value:.10g} ÷ {rd.value:.10g} × {ratio_scale:g} = {v:.10g}",
                  {"numerator": rn.to_dict(), "denominator": rd.to_dict()})


def sum_values(kind: str, values: Sequence) -> Result:
    """Sum across regions/periods: refused for stocks over periods and for ratios."""
    if kind == "stock":
        raise Refused("时点指标(如参保人数)不能跨期相加: 请用期末值或序时平均")
    if kind in ("ratio", "index"):
        raise Refused("比率/指数不能相加: 请由分子分母重算")
    vals = [_num(v, "各项") for v in values]
    return Result(math.fsum(vals), "sum", f"Σ = {math.fsum(vals):.10g}", {"values": vals})


def round_half_up(x: float, decimals: int) -> float:
    """Round as statistical tables do (half away from zero), robust to binary representation."""
    from decimal import ROUND_HALF_UP, Decimal

    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


# --- series-level application (what the portal and the API call) -------------------------------------------

METHODS = {
    "level": "原值",
    "yoy": "同比增长率(%)",
    "pop": "环比增长率(%)",
    "yoy_pp": "同比增减(百分点)",
    "pop_pp": "环比增减(百分点)",
    "fixed_base": "定基发展速度(%)",
    "chain": "环比发展速度(%)",
    "change": "增长量",
    "yoy_change": "同比增长量",
    "cum_change": "累计增长量",
    "share": "占上级地区比重(%)",
    "avg_speed_geo": "平均发展速度·水平法(%)",
    "avg_speed_eq": "平均发展速度·累计法(%)",
    "avg_growth_geo": "平均增长率·水平法(%)",
    "avg_growth_eq": "平均增长率·累计法(%)",
    "average": "平均值(序时平均)",
    "avg_change": "平均增长量",
}
SUMMARY_METHODS = {"avg_speed_geo", "avg_speed_eq", "avg_growth_geo", "avg_growth_eq", "average", "avg_change"}


def freq_of(period: str) -> str:
    if len(period) == 4:
        return "Y"
    if "Q" in period:
        return "Q"
    return "M"


def shift(period: str, steps: int) -> str:
    """Move a period ('2024', '2024Q3', '2024-07') by `steps` periods of its own frequency."""
    f = freq_of(period)
    y = int(period[:4])
    if f == "Y":
        return str(y + steps)
    if f == "Q":
        i = y * 4 + int(period[-1]) - 1 + steps
        return f"{i // 4}Q{i % 4 + 1}"
    i = y * 12 + int(period[5:7]) - 1 + steps
    return f"{i // 12}-{i % 12 + 1:02d}"


def per_year(period: str) -> int:
    return {"Y": 1, "Q": 4, "M": 12}[freq_of(period)]


@dataclass
class _Inputs:
    """What a method reads besides the period: the series and its metadata."""
    series: dict
    kind: str
    unit: str | None
    breaks: list
    allow_break: bool
    parent: dict | None
    parts: tuple | None

    def val(self, p):
        return self.series.get(p)


def apply_method(method: str, series: dict[str, float | None], window: Sequence[str], *, kind: str, unit: str | None,
                 breaks: Iterable[str] = (), allow_break: bool = False, parent: dict[str, float | None] | None = None,
                 parts: tuple[dict, dict, str, str, float] | None = None) -> dict[str, Result | str]:
    """Apply `method` to `series` (period → value, may extend before the window for lags) over the periods of
    `window` (ascending). Returns period → Result, or period → refusal message. Summary methods return one entry
    under the key '全期'. `parts` = (numerator series, denominator series, numerator kind, denominator kind,
    ratio scale) for averages of ratio series; `parent` the parent region's series for shares."""
    if method not in METHODS:
        raise Refused(f"未知的计算方法 {method!r}; 可选: {', '.join(METHODS)}")
    window = list(window)
    inp = _Inputs(series, kind, unit, list(breaks), allow_break, parent, parts)
    if method in SUMMARY_METHODS:
        try:
            return {"全期": _summary(method, window, inp)}
        except Refused as e:
            return {"全期": str(e)}
    per_period = _PER_PERIOD[method]
    out: dict[str, Result | str] = {}
    for p in window:
        a = inp.val(p)
        if a is None:   # no value, no entry (a missing comparison period is a refusal, below)
            continue
        try:
            out[p] = per_period(method, p, a, window[0], inp)
        except Refused as e:
            out[p] = str(e)
    return out


def _summary(method: str, window: list[str], inp: _Inputs) -> Result:
    """One figure over the window: average speed / growth (two formulas), average annual change, average."""
    pts = [p for p in window if inp.val(p) is not None]
    if len(pts) < 2 and method != "average":
        raise Refused("至少需要 2 个有数值的时期")
    if method != "average":
        if method.startswith(("avg_speed", "avg_growth")):
            check_growth_kind(inp.kind, inp.unit)
        check_break(pts[0], pts[-1], inp.breaks, inp.allow_break)
        _expect_consecutive(pts)
    n = len(pts) - 1
    if method in ("avg_speed_geo", "avg_growth_geo"):
        r = avg_speed_geometric(inp.val(pts[0]), inp.val(pts[-1]), n)
    elif method in ("avg_speed_eq", "avg_growth_eq"):
        r = avg_speed_equation(inp.val(pts[0]), [inp.val(p) for p in pts[1:]])
    elif method == "avg_change":
        r = avg_annual_change(inp.val(pts[0]), inp.val(pts[-1]), n)
    else:
        r = _average(window, pts, inp)
    if method.startswith("avg_growth"):
        r = avg_growth(r)
    r.inputs = {**r.inputs, "periods": [pts[0], pts[-1]] if pts else []}
    return r


def _average(window: list[str], pts: list[str], inp: _Inputs) -> Result:
    """平均值 by kind; a ratio series is averaged as average numerator ÷ average denominator."""
    if inp.kind != "ratio":
        return average([inp.val(p) for p in pts], inp.kind, intervals=_intervals(pts) if inp.kind == "stock" else None)
    if not inp.parts:
        raise Refused("比率指标未定义分子、分母, 不能计算平均值(比率本身不可直接平均)")
    num, den, nk, dk, sc = inp.parts
    pp = [p for p in window if num.get(p) is not None and den.get(p) is not None]
    return average_ratio([num[p] for p in pp], [den[p] for p in pp], nk, dk, sc,
                         intervals=_intervals(pp) if nk == "stock" or dk == "stock" else None)


def _level(method: str, p: str, a, base: str, inp: _Inputs) -> Result:
    return Result(float(a), "level", "原值", {"value": float(a)}, inp.unit)


def _against_previous(method: str, p: str, a, base: str, inp: _Inputs) -> Result:
    """同比 / 环比 rates, their differences in percentage points, 增长量 and 环比发展速度."""
    q = shift(p, -per_year(p)) if method.startswith("yoy") else shift(p, -1)
    b = inp.val(q)
    if b is None:
        raise Refused(f"缺少对比期 {q} 的数值")
    check_break(q, p, inp.breaks, inp.allow_break)
    if method in ("yoy", "pop"):
        check_growth_kind(inp.kind, inp.unit)
        r = yoy(a, b) if method == "yoy" else pop(a, b)
    elif method in ("yoy_pp", "pop_pp"):
        if inp.unit != "%":
            raise Refused("百分点差只用于比率指标(单位 %)")
        r = pp_difference(a, b, method)
    elif method == "chain":
        check_growth_kind(inp.kind, inp.unit)
        r = chain_index([b, a])[1]
    else:
        r = change(a, b)
        r.method = method
    r.inputs = {**r.inputs, "periods": [q, p]}
    return r


def _against_base(method: str, p: str, a, base: str, inp: _Inputs) -> Result:
    """定基发展速度 and 累计增长量 against the window's first period."""
    b = inp.val(base)
    if b is None:
        raise Refused(f"基期 {base} 没有数值")
    check_break(base, p, inp.breaks, inp.allow_break)
    if method == "fixed_base":
        check_growth_kind(inp.kind, inp.unit)
        r = fixed_base_index([b, a])[1]
    else:
        r = cumulative_change(a, b)
    r.inputs = {**r.inputs, "periods": [base, p]}
    return r


def _share(method: str, p: str, a, base: str, inp: _Inputs) -> Result:
    """比重 of the parent region's value of the same period."""
    if inp.kind in ("ratio", "index"):
        raise Refused("比率/指数不能计算比重")
    if inp.parent is None or inp.parent.get(p) is None:
        raise Refused(f"缺少上级地区 {p} 的数值")
    return share(a, inp.parent[p])


_PER_PERIOD = {"level": _level, "fixed_base": _against_base, "cum_change": _against_base, "share": _share,
               **{m: _against_previous for m in ("yoy", "pop", "yoy_pp", "pop_pp", "change", "yoy_change", "chain")}}


def _expect_consecutive(pts: list[str]) -> None:
    for a, b in zip(pts, pts[1:]):
        if shift(a, 1) != b:
            raise Refused(f"序列不连续: {a} 与 {b} 之间缺期 (平均发展速度按连续各期计算)")


def _intervals(pts: list[str]) -> list[float]:
    """Interval lengths between consecutive points in months (unequal when periods are missing)."""
    def months(p):
        f = freq_of(p)
        y = int(p[:4])
        return y * 12 + (12 if f == "Y" else int(p[-1]) * 3 if f == "Q" else int(p[5:7]))
    return [months(b) - months(a) for a, b in zip(pts, pts[1:])]
