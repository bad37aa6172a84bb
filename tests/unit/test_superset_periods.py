"""自由选择统计时间 in the Superset bundle (superset/bundle_kit.py): over a period of several months a flow metric is
summed, a stock (and a distinct count of persons) is taken at the period's last month — the kind of every catalogued
metric is the indicator catalogue's (indicator_definitions.csv → the cube measure's additivity), the one rule the cube
and the fixed reports follow too; a spec that says otherwise is refused."""
from __future__ import annotations

import re
import sys

import pytest
import yaml

from foundation import settings

SUPERSET = settings.ROOT / "superset"
if str(SUPERSET) not in sys.path:
    sys.path.append(str(SUPERSET))

import bundle_kit as kit  # noqa: E402


def _bundle_metrics(tables: set[str]) -> dict[tuple[str, str], str]:
    out = {}
    for table in tables:
        ds = yaml.safe_load((SUPERSET / "dashboards" / "datasets" / "warehouse" / f"{table}.yaml").read_text(
            encoding="utf-8"))
        for m in ds.get("metrics") or []:
            out[(ds["table_name"], m["metric_name"])] = m["expression"]
    return out


def test_every_catalogued_metric_of_the_bundle_follows_the_catalogue_rule():
    by_metric, _ = kit._catalogue_kinds()
    metrics = _bundle_metrics({t for t, _ in by_metric})
    checked = {"flow": 0, "at_end": 0}
    for (table, name), kind in by_metric.items():
        expr = metrics.get((table, name))
        assert expr is not None, (table, name)
        at_end = "unnest(array_agg(" in expr
        assert at_end == (kind != "flow"), (table, name, kind, expr)
        checked["at_end" if at_end else "flow"] += 1
    assert checked["flow"] >= 10 and checked["at_end"] >= 10, checked
    # ratios of two stocks (制度抚养比) are taken at the period's end; the KPI datasets compare with the period before
    assert "unnest(array_agg(insured_active)" in metrics[("rpt_pension_overview", "dependency_ratio")]
    kpi = yaml.safe_load((SUPERSET / "dashboards" / "datasets" / "warehouse" / "kpi_rpt_pension_overview.yaml")
                         .read_text(encoding="utf-8"))
    assert "filter_values('month_label')" in kpi["sql"] and "{{ period_months }} month" in kpi["sql"]


def test_a_spec_contradicting_the_catalogue_is_refused():
    with pytest.raises(SystemExit, match="insured.*declared a flow.*says stock"):
        kit.resolve_period_kinds("rpt_unemployment_overview", [kit.flow("insured", "参保人数")])
    # an uncatalogued column keeps the spec's kind; a plain SUM stays a SUM
    (m,) = kit.resolve_period_kinds("rpt_unemployment_overview", [kit.stock("insured_suspended", "暂停缴费人数")])
    assert m["expression"] == kit.at_period_end("insured_suspended") and "最后一个月" in m["description"]
    assert kit.sums_only(m["expression"] + " / 10000.0") == "SUM(insured_suspended) / 10000.0"


def test_the_period_length_of_the_kpi_datasets():
    from jinja2.sandbox import SandboxedEnvironment

    def length(selected: list[str]) -> str:
        return SandboxedEnvironment().from_string(kit.PERIOD_LENGTH_JINJA + "{{ period_months }}").render(
            filter_values=lambda col: list(selected)).strip()

    assert length([]) == "1"                                            # no month filter: by month, as before
    assert length(["2025年01月"]) == "1"
    assert length(["2025年01月", "2024年11月", "2024年12月"]) == "3"     # any order
    assert length(["2024年11月", "2025年10月"]) == "12"
    assert length(["2025年01月'; drop table x; --"]) == "1"             # only digits are read
    assert length(["2024年11月", "9999年99月"]) == "1200"               # a hand-sent month: bounded, no overflow



def test_a_kpi_card_names_each_of_its_three_values_once():
    """The card's HTML, 环比 and 同比 (texts, arrows, colours) are built over _k.v / _k.p / _k.y, the value, the
    previous period and the year-ago value, each written once in the card's SQL (it was 10–26 copies, 16 KB of SQL
    that Superset parsed for every request); COUNT(*) is counted over the outer query's rows, not the subquery's."""
    metrics = {}
    for f in (SUPERSET / "dashboards" / "datasets" / "warehouse").glob("kpi_*.yaml"):
        ds = yaml.safe_load(f.read_text(encoding="utf-8"))
        metrics.update({(ds["table_name"], m["metric_name"]): m["expression"] for m in ds["metrics"]})
    cards = {k: e for k, e in metrics.items() if k[1].endswith("__card")}
    assert len(cards) >= 50, len(cards)
    for (table, name), expr in cards.items():
        assert len(expr) < 4000, (table, name, len(expr))
        assert expr.startswith("(SELECT ") and expr.endswith(" AS _k)"), (table, name)
        assert "COUNT(*)" not in expr.upper().replace(" ", ""), (table, name)
    card = metrics[("kpi_rpt_pension_overview", "sum_insured_active__card")]
    for col in ("insured_active", "insured_active__pm", "insured_active__py"):
        assert card.count(f"array_agg({col})") == 1, col
    assert "AS v" in card and "AS p" in card and "AS y" in card
    # a ratio with COUNT(*): the rows of the outer query, through a column that is never a NULL test result
    rate = metrics[("kpi_rpt_modules_data_check", "consistency_rate__card")]
    assert re.search(r'COUNT\("\w+" IS NULL\)', rate), rate[:400]
    assert kit._outer_count("SUM(a)::numeric / NULLIF(COUNT(*), 0)", "m") == 'SUM(a)::numeric / NULLIF(COUNT("m" IS NULL), 0)'
