"""One definition per metric: the MetricFlow semantic layer (warehouse/models/marts/semantic) is the source;
every measure of the cube YAML (cube/cubes/*.yaml) must say the same thing as the MetricFlow measure behind
its metric — same metric name, same aggregation, same expression, same filter — and every metric of the
Superset datasets (superset/dashboards/datasets) that carries a MetricFlow metric's label must aggregate the
same way. Any disagreement fails with the list of them.

Both sides are brought to one canonical form (aggregation, expression) before comparing: a cube `count` is
`sum(1)`, a cube `filter` {col: value} is `case when col = value then <expr> else 0 end` (`... then <expr>
end` for a distinct count), `columns: [a, b]` is `coalesce(a, 0) + coalesce(b, 0)` (as the cube's SQL builder sums them). Expressions are compared with case, whitespace and
redundant quoting normalised; nothing else is rewritten, so a different column, filter or aggregation is a
disagreement.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SEMANTIC_DIR = ROOT / "warehouse" / "models" / "marts" / "semantic"
CUBES_DIR = ROOT / "cube" / "cubes"
DATASETS_DIR = ROOT / "superset" / "dashboards" / "datasets"


def semantic_layer(root: Path = SEMANTIC_DIR) -> tuple[dict, dict, dict]:
    """(metrics by name, measures by name with their semantic model, semantic models by name)."""
    metrics, measures, models = {}, {}, {}
    for path in sorted(root.rglob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for sm in doc.get("semantic_models") or []:
            models[sm["name"]] = sm
            for m in sm.get("measures") or []:
                assert m["name"] not in measures, f"measure {m['name']} defined twice"
                measures[m["name"]] = {**m, "semantic_model": sm["name"]}
        for m in doc.get("metrics") or []:
            assert m["name"] not in metrics, f"metric {m['name']} defined twice"
            metrics[m["name"]] = m
    return metrics, measures, models


def norm(expr) -> str:
    s = str(expr).strip().lower()
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"\s*([(),=<>+*/-])\s*", r"\1", s)
    while s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]):
        s = s[1:-1]
    return s


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def _literal(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def _condition(flt: dict) -> str:
    parts = []
    for col, v in flt.items():
        if isinstance(v, list):
            parts.append(f"{col} in ({', '.join(_literal(x) for x in v)})")
        else:
            parts.append(f"{col} = {_literal(v)}")
    return " and ".join(parts)


def cube_canonical(m: dict) -> tuple[str, str]:
    """(aggregation, expression) of a cube measure in MetricFlow's terms."""
    agg = m["agg"]
    if agg == "count":
        agg, expr = "sum", "1"
    elif m.get("columns"):
        expr = " + ".join(f"coalesce({c}, 0)" for c in m["columns"])      # as cube/query.py sums them
    else:
        expr = m["column"]
    if m.get("filter"):
        cond = _condition(m["filter"])
        expr = (f"case when {cond} then {expr} end" if agg == "count_distinct"
                else f"case when {cond} then {expr} else 0 end")
    return agg, norm(expr)


def mf_canonical(measure: dict) -> tuple[str, str]:
    return measure["agg"], norm(measure.get("expr", measure["name"]))


def cube_disagreements(cubes_dir: Path = CUBES_DIR, semantic_dir: Path = SEMANTIC_DIR) -> list[str]:
    metrics, measures, _models = semantic_layer(semantic_dir)
    out = []
    for path in sorted(cubes_dir.glob("*.yaml")):
        cube = yaml.safe_load(path.read_text(encoding="utf-8"))
        where = f"{path.name}"
        sm = cube.get("semantic_model")
        for name, m in (cube.get("measures") or {}).items():
            metric_name = m.get("metric") or name
            metric = metrics.get(metric_name)
            if metric is None:
                out.append(f"{where}: measure {name}: no MetricFlow metric {metric_name}")
                continue
            if metric["type"] != "simple":
                out.append(f"{where}: measure {name}: metric {metric_name} is {metric['type']}, not simple")
                continue
            mf = measures.get(metric["type_params"]["measure"])
            if mf is None:
                out.append(f"{where}: measure {name}: metric {metric_name} has no measure")
                continue
            if sm and mf["semantic_model"] != sm:
                out.append(f"{where}: measure {name}: MetricFlow measure {mf['name']} is in semantic model "
                           f"{mf['semantic_model']}, the cube reads {sm}")
            got, want = cube_canonical(m), mf_canonical(mf)
            if got[0] != want[0]:
                out.append(f"{where}: measure {name}: aggregation {got[0]} ≠ MetricFlow {metric_name} {want[0]}")
            elif got[1] != want[1]:
                out.append(f"{where}: measure {name}: expression/filter `{got[1]}` ≠ MetricFlow {metric_name} "
                           f"`{want[1]}`")
            stock = m.get("additivity") in ("stock", "opening")
            if stock != bool(mf.get("non_additive_dimension")):
                out.append(f"{where}: measure {name}: additivity {m.get('additivity')} but MetricFlow "
                           f"{metric_name} {'has' if mf.get('non_additive_dimension') else 'has no'} "
                           f"non_additive_dimension")
        for name, c in (cube.get("calculated_measures") or {}).items():
            metric_name = c.get("metric") or name
            metric = metrics.get(metric_name)
            if metric is None:
                out.append(f"{where}: calculated measure {name}: no MetricFlow metric {metric_name}")
                continue
            if c.get("type") == "ratio":
                cms = cube.get("measures") or {}
                calc = cube.get("calculated_measures") or {}

                def metric_of(x):
                    return ((cms.get(x) or calc.get(x) or {}).get("metric")) or x
                tp = metric.get("type_params") or {}
                num, den = tp.get("numerator"), tp.get("denominator")
                num = num.get("name") if isinstance(num, dict) else num
                den = den.get("name") if isinstance(den, dict) else den
                if metric["type"] != "ratio" or (num, den) != (metric_of(c["numerator"]), metric_of(c["denominator"])):
                    out.append(f"{where}: ratio {name}: {metric_of(c['numerator'])} / {metric_of(c['denominator'])} "
                               f"≠ MetricFlow {metric_name} ({metric['type']}: {num} / {den})")
    return out


SUPERSET_SUM = re.compile(r"^sum\(([a-z_][a-z0-9_]*)\)$")
# a sum taken at the period's last month (superset/bundle_kit.py at_period_end: 自由选择统计时间, stocks over a period)
_AT_END = (r"select sum\(_p\._v\)from unnest\(array_agg\([a-z_][a-z0-9_]*\),array_agg\(month_start\)\)"
           r"as _p\(_v,_m\)where _p\._m=max\(month_start\)")
SUPERSET_AT_END = re.compile(rf"^(?:{_AT_END}|\({_AT_END}\)/10000\.0)$")
_SUMS = (rf"(?:\(?sum\([a-z_][a-z0-9_]*\)(?:\+sum\([a-z_][a-z0-9_]*\))*\)?"     # SUM(a) [+ SUM(b) ...]
         rf"|\({_AT_END}\))")                                                    # or both at the period's end
SUPERSET_RATIO = re.compile(rf"^{_SUMS}::numeric/nullif\({_SUMS},0\)$")


def superset_disagreements(datasets_dir: Path = DATASETS_DIR, semantic_dir: Path = SEMANTIC_DIR):
    """Superset dataset metrics whose verbose name is a MetricFlow metric's label: a simple MetricFlow metric
    must be a SUM in Superset, a ratio metric a ratio of sums (never a sum of ratios or an average); a stock
    (non-additive) metric must say so in its description. Returns (disagreements, matched, unmatched)."""
    metrics, measures, _ = semantic_layer(semantic_dir)
    by_label: dict[str, list[dict]] = {}
    for m in metrics.values():
        by_label.setdefault(m["label"], []).append(m)
    out, matched, unmatched = [], 0, []
    for path in sorted(datasets_dir.rglob("*.yaml")):
        ds = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for sm in ds.get("metrics") or []:
            label, expr = sm.get("verbose_name"), norm(sm.get("expression") or "")
            candidates = by_label.get(label) or []
            if not candidates:
                unmatched.append(f"{ds.get('table_name')}.{sm['metric_name']}")
                continue
            matched += 1
            where = f"{path.relative_to(datasets_dir)}: {sm['metric_name']} ({label})"
            kinds = {m["type"] for m in candidates}
            if "ratio" in kinds:
                if not SUPERSET_RATIO.match(expr):
                    out.append(f"{where}: MetricFlow ratio metric, Superset `{expr}` is not a ratio of sums")
            elif kinds <= {"simple"}:
                at_end = bool(SUPERSET_AT_END.match(expr))
                if not (at_end or SUPERSET_SUM.match(expr) or re.match(r"^sum\([a-z_0-9]+\)/10000\.0$", expr)):
                    out.append(f"{where}: MetricFlow simple sum metric, Superset `{expr}` is not a SUM")
                stock = any(measures[m["type_params"]["measure"]].get("non_additive_dimension") for m in candidates)
                persons = any(measures[m["type_params"]["measure"]]["agg"] == "count_distinct" for m in candidates)
                if at_end and not (stock or persons):
                    out.append(f"{where}: MetricFlow flow metric (summed over a period), Superset takes the "
                               f"period's last month: `{expr}`")
                if stock and not at_end and any(c["column_name"] == "month_start" for c in ds.get("columns") or []):
                    out.append(f"{where}: MetricFlow stock metric (last month of a period), Superset sums it over "
                               f"the months chosen: `{expr}`")
                described_stock = "存量" in (sm.get("description") or "")
                if stock and not described_stock:
                    out.append(f"{where}: MetricFlow stock metric (last month of a period), Superset description "
                               f"does not say 存量: {sm.get('description')!r}")
    return out, matched, unmatched


def test_canonical_forms():
    assert cube_canonical({"agg": "count"}) == ("sum", "1")
    assert cube_canonical({"agg": "count", "filter": {"check_status_code": "2"}}) == \
        ("sum", norm("case when check_status_code = '2' then 1 else 0 end"))
    assert cube_canonical({"agg": "count_distinct", "column": "person_id", "filter": {"is_contributor": 1}}) == \
        ("count_distinct", norm("case when is_contributor = 1 then person_id end"))
    assert cube_canonical({"agg": "sum", "columns": ["a", "b"]}) == ("sum", "coalesce(a,0)+coalesce(b,0)")
    assert norm("(SUM( x ) )") == "sum(x)" and norm("'1'") == "'1'"


def test_every_cube_measure_is_its_metricflow_metric():
    problems = cube_disagreements()
    assert problems == [], "\n".join(problems)


def test_superset_metrics_agree_with_metricflow():
    problems, matched, _unmatched = superset_disagreements()
    assert matched > 0, "no Superset metric carries a MetricFlow label: the check would compare nothing"
    assert problems == [], "\n".join(problems)


def test_a_disagreement_is_reported(tmp_path):
    sem, cubes = tmp_path / "semantic", tmp_path / "cubes"
    sem.mkdir(), cubes.mkdir()
    (sem / "_x.yml").write_text(yaml.safe_dump({"version": 2, "semantic_models": [
        {"name": "sm", "measures": [{"name": "paid", "agg": "sum", "expr": "amount"},
                                    {"name": "n", "agg": "sum", "expr": "case when s = '2' then 1 else 0 end"}]}],
        "metrics": [{"name": "x_paid", "label": "支付", "type": "simple", "type_params": {"measure": "paid"}},
                    {"name": "x_n", "label": "件数", "type": "simple", "type_params": {"measure": "n"}}]}),
        encoding="utf-8")
    cube = {"name": "x", "semantic_model": "sm", "measures": {
        "paid": {"agg": "sum", "column": "amount_net", "metric": "x_paid", "additivity": "additive"},
        "n": {"agg": "count", "filter": {"s": "3"}, "metric": "x_n", "additivity": "additive"},
        "other": {"agg": "sum", "column": "y", "additivity": "additive"}}}
    (cubes / "x.yaml").write_text(yaml.safe_dump(cube), encoding="utf-8")
    problems = cube_disagreements(cubes, sem)
    assert len(problems) == 3, problems
    text = "\n".join(problems)
    assert "amount_net" in text and "s='3'" in text and "no MetricFlow metric other" in text


@pytest.mark.parametrize("expr,ok", [("SUM(paid)", True), ("AVG(paid)", False)])
def test_a_superset_disagreement_is_reported(tmp_path, expr, ok):
    sem, ds = tmp_path / "semantic", tmp_path / "datasets"
    sem.mkdir(), ds.mkdir()
    (sem / "_x.yml").write_text(yaml.safe_dump({"version": 2, "semantic_models": [
        {"name": "sm", "measures": [{"name": "paid", "agg": "sum", "expr": "amount"}]}],
        "metrics": [{"name": "x_paid", "label": "支付", "type": "simple", "type_params": {"measure": "paid"}}]},
        allow_unicode=True), encoding="utf-8")
    (ds / "t.yaml").write_text(yaml.safe_dump({"table_name": "t", "metrics": [
        {"metric_name": "paid", "verbose_name": "支付", "expression": expr, "description": "流量"}]},
        allow_unicode=True), encoding="utf-8")
    problems, matched, _ = superset_disagreements(ds, sem)
    assert matched == 1 and (problems == []) == ok
