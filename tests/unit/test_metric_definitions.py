"""One definition per metric: the MetricFlow semantic layer (warehouse/models/marts/semantic) is the source.

* Cube: every measure of the cube YAML (cube/cubes/*.yaml) must say the same thing as the MetricFlow measure behind
  its metric — same metric name, aggregation, expression, filter, stock/flow — and every calculated measure its
  MetricFlow metric: a ratio the same numerator and denominator, a sum (应处理案件数) the same derived terms, 同比 /
  环比 a derived metric with a 1-year / 1-month offset, 本年累计 a cumulative metric to date of the year, a share the
  base's measure.
* Superset: every metric of every dataset (superset/dashboards/datasets) is certified as a MetricFlow metric and
  says the same thing, or declared presentation-only with its reason, or a KPI card metric derived from its base
  dataset's metric (see the section below). Any disagreement or undeclared metric fails with the list of them.

Both sides are brought to one canonical form (aggregation, expression) before comparing: a cube `count` is
`sum(1)`, a cube `filter` {col: value} is `case when col = value then <expr> else 0 end` (`... then <expr>
end` for a distinct count), `columns: [a, b]` is `coalesce(a, 0) + coalesce(b, 0)` (as the cube's SQL builder sums
them), and so is Superset's `SUM(a) + SUM(b)`. Expressions are compared with case, whitespace and redundant quoting
normalised; nothing else is rewritten, so a different column, filter or aggregation is a disagreement.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SEMANTIC_DIR = ROOT / "warehouse" / "models" / "marts" / "semantic"
CUBES_DIR = ROOT / "cube" / "cubes"
DATASETS_DIR = ROOT / "superset" / "dashboards" / "datasets"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # the bundle is ~300 files: libyaml reads it 10× faster


def _load(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a safe loader)


def semantic_layer(root: Path = SEMANTIC_DIR) -> tuple[dict, dict, dict]:
    """(metrics by name, measures by name with their semantic model, semantic models by name)."""
    metrics, measures, models = {}, {}, {}
    for path in sorted(root.rglob("*.yml")):
        doc = _load(path) or {}
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
        cube = _load(path)
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
        out += _calculated_disagreements(where, cube, metrics)
    return out


def _calculated_disagreements(where: str, cube: dict, metrics: dict) -> list[str]:
    """The cube's calculated measures against their MetricFlow metrics (a ratio: its numerator and denominator)."""
    out = []
    cms = cube.get("measures") or {}
    calc = cube.get("calculated_measures") or {}

    def metric_of(x):
        return ((cms.get(x) or calc.get(x) or {}).get("metric")) or x
    for name, c in calc.items():
        metric_name = c.get("metric") or name
        metric = metrics.get(metric_name)
        if metric is None:
            out.append(f"{where}: calculated measure {name}: no MetricFlow metric {metric_name}")
            continue
        if c.get("type") == "ratio":
            tp = metric.get("type_params") or {}
            num, den = tp.get("numerator"), tp.get("denominator")
            num = num.get("name") if isinstance(num, dict) else num
            den = den.get("name") if isinstance(den, dict) else den
            if metric["type"] != "ratio" or (num, den) != (metric_of(c["numerator"]), metric_of(c["denominator"])):
                out.append(f"{where}: ratio {name}: {metric_of(c['numerator'])} / {metric_of(c['denominator'])} "
                           f"≠ MetricFlow {metric_name} ({metric['type']}: {num} / {den})")
            continue
        problem = calculated_problem(c, metric, metric_of, metrics)
        if problem:
            out.append(f"{where}: calculated measure {name} ({c.get('type')}): {problem} (MetricFlow {metric_name})")
    return out


def _derived_parts(metric: dict) -> list[tuple[str, str | None]]:
    return [(m["name"], m.get("offset_window")) for m in (metric.get("type_params") or {}).get("metrics") or []]


def calculated_problem(c: dict, metric: dict, metric_of, metrics: dict) -> str | None:
    """What a cube calculated measure (sum / yoy / mom / ytd / share) says otherwise than its MetricFlow metric."""
    kind, tp = c.get("type"), metric.get("type_params") or {}
    if kind == "sum":
        terms = [metric_of(t) for t in c["terms"]]
        expr = " + ".join(f"coalesce({t}, 0)" for t in terms)
        if metric["type"] != "derived" or _derived_parts(metric) != [(t, None) for t in terms] \
                or norm(tp.get("expr", "")) != norm(expr):
            return f"the sum of {terms} is not MetricFlow's `{tp.get('expr')}` over {_derived_parts(metric)}"
    elif kind in ("yoy", "mom"):
        base, window = metric_of(c["base"]), {"yoy": "1 year", "mom": "1 month"}[kind]
        if metric["type"] != "derived" or _derived_parts(metric) != [(base, None), (base, window)]:
            return f"not a derived metric of {base} and {base} offset {window}: {_derived_parts(metric)}"
    elif kind == "ytd":
        base = metrics.get(metric_of(c["base"])) or {}
        grain = (tp.get("cumulative_type_params") or {}).get("grain_to_date")
        measure = (base.get("type_params") or {}).get("measure")
        if metric["type"] != "cumulative" or tp.get("measure") != measure or grain != "year":
            return f"not a cumulative metric of measure {measure} to date of the year"
    elif kind == "share":
        base = metrics.get(metric_of(c["base"])) or {}
        if metric["type"] != "simple" or tp.get("measure") != (base.get("type_params") or {}).get("measure"):
            return f"not the measure of {metric_of(c['base'])}"
    else:
        return f"unknown calculated type {kind!r}"
    return None

# ---------------------------------------------------------------- Superset datasets
# Every metric of every Superset dataset is one of three things, and the dataset YAML says which (the metric's
# `extra`, written by superset/bundle_kit.py from the spec):
#   certified   extra.certification.details names a MetricFlow metric of the semantic model over the dataset's
#               table (warehouse/models/marts/semantic/reports/); the Superset expression must be that metric —
#               same column(s), aggregation, period rule (a stock at the period's last month = MetricFlow's
#               non_additive_dimension max, an opening balance = min), scale, ratio parts — and its label;
#   presentation_only  extra.presentation_only gives the reason it is not a measure (a sort key, a count of a
#               report's rows, a ratio of two certified metrics, a table outside the dbt project …);
#   derived     a KPI card dataset's metric (kpi_<table>: <metric>__v, __pm, __py, __text, __mom(_tone), __yoy(_tone),
#               __card), built by bundle_kit.kpi_metrics from a metric of its base dataset: its value (__v) must be
#               that metric's expression.
# Anything else — an undeclared metric, a certified one that says something else than its MetricFlow metric — fails.
_AT_END_NORM = re.compile(r"\(select sum\(_p\._v\)from unnest\(array_agg\(([a-z_][a-z0-9_]*)\),array_agg\(month_start\)\)"
                          r"as _p\(_v,_m\)where _p\._m=(max|min)\(month_start\)\)")
KIND_OF_WINDOW = {None: "flow", "max": "end", "min": "start"}
KPI_SUFFIXES = ("__v", "__pm", "__py", "__text", "__mom_tone", "__mom", "__yoy_tone", "__yoy", "__card")


def _strip_parens(s: str) -> str:
    while s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]):
        s = s[1:-1]
    return s


def _split_top(s: str, op: str) -> list[str]:
    """`s` split at `op` outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in s:
        depth += (ch == "(") - (ch == ")")
        if ch == op and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return parts + [cur]


def _call(s: str) -> tuple[str, str] | None:
    """('f', inside) when `s` is exactly f(inside)."""
    m = re.fullmatch(r"([a-z_]+)\((.*)\)", s)
    return (m.group(1), m.group(2)) if m and _balanced(m.group(2)) else None


def _term(t: str) -> tuple[str, str] | None:
    """(kind, expression) of one aggregate: SUM(x), SUM(x) FILTER (WHERE c), or x at the period's end / start."""
    t = _strip_parens(t)
    m = re.fullmatch(r"sum\((.*)\)filter\(where (.*)\)", t)
    if m and _balanced(m.group(1)) and _balanced(m.group(2)):
        return "flow", norm(f"case when {m.group(2)} then {m.group(1)} end")
    c = _call(t)
    if c and c[0] in ("sum", "end_max", "end_min") and "(" not in c[1].replace("abs(", ""):
        return {"sum": "flow", "end_max": "end", "end_min": "start"}[c[0]], norm(c[1])
    return None


def _sums(s: str) -> tuple[str, str] | None:
    """(kind, expression) of SUM(a) [+ SUM(b) …] (the parts summed as the cube does: coalesce(a, 0) + …)."""
    terms = [_term(t) for t in _split_top(_strip_parens(s), "+")]
    if not terms or None in terms or len({k for k, _ in terms}) != 1:
        return None
    if len(terms) == 1:
        return terms[0]
    return terms[0][0], norm(" + ".join(f"coalesce({e}, 0)" for _k, e in terms))


def superset_canonical(expression: str) -> dict | None:
    """A Superset metric expression in MetricFlow's terms: {'type': 'simple', 'part': (agg, kind, expr)} or
    {'type': 'ratio', 'numerator': part, 'denominator': part}; None when it is neither a sum nor a ratio of sums."""
    s = norm(expression)
    s = _AT_END_NORM.sub(lambda m: f"end_{m.group(2)}({m.group(1)})", f"({s})" if s.startswith("select ") else s)
    s = _strip_parens(s)
    m = re.fullmatch(r"(.*?)(?:::numeric)?/nullif\((.*),0\)", s)
    if m and _balanced(m.group(1)) and _balanced(m.group(2)):
        num, den = _sums(m.group(1)), _sums(m.group(2))
        if num and den:
            return {"type": "ratio", "numerator": ("sum", *num), "denominator": ("sum", *den)}
    scaled = re.fullmatch(r"(.*)/10000\.0", s)
    if scaled and _balanced(scaled.group(1)):
        part = _sums(scaled.group(1))
        if part:
            return {"type": "simple", "part": ("sum", part[0], norm(f"{part[1]} / 10000.0"))}
    part = _sums(s)
    return {"type": "simple", "part": ("sum", *part)} if part else None


def mf_part(measure: dict) -> tuple[str, str, str]:
    """(agg, kind, expression) of a MetricFlow measure."""
    window = (measure.get("non_additive_dimension") or {}).get("window_choice")
    return measure["agg"], KIND_OF_WINDOW[window], norm(measure.get("expr", measure["name"]))


def _ref_table(model: str) -> str:
    m = re.fullmatch(r"ref\(['\"]([a-z0-9_]+)['\"]\)", model.strip())
    return m.group(1) if m else model


def source_table(ds: dict) -> str:
    """The warehouse table a dataset reads: its table, or the one table its virtual SQL selects from."""
    if not ds.get("sql"):
        return ds["table_name"]
    tables = set(re.findall(r"\bfrom\s+(?:official|marts)\.([a-z0-9_]+)", ds["sql"], flags=re.I))
    return tables.pop() if len(tables) == 1 else ds["table_name"]


def _certified_problems(where: str, sm: dict, ds: dict, mf_name: str, metrics: dict, measures: dict,
                        models: dict) -> list[str]:
    metric = metrics.get(mf_name)
    if metric is None:
        return [f"{where}: certified as MetricFlow metric {mf_name}, which does not exist"]
    out = []
    label = metric.get("label") or ""
    if label != sm["verbose_name"] and not label.startswith(sm["verbose_name"] + "（"):
        out.append(f"{where}: verbose name {sm['verbose_name']!r} ≠ MetricFlow {mf_name} label {label!r}")

    def part_of(name: str):
        m = metrics.get(name)
        if not m or m["type"] != "simple":
            return None, f"{name} is not a simple MetricFlow metric"
        meas = measures[m["type_params"]["measure"]]
        table = _ref_table(models[meas["semantic_model"]]["model"])
        if table != source_table(ds):
            return None, f"{name} reads {table}, the dataset reads {source_table(ds)}"
        return mf_part(meas), None

    got = superset_canonical(sm.get("expression") or "")
    if got is None:
        return out + [f"{where}: `{sm.get('expression')}` is neither a sum nor a ratio of sums, but certified as "
                      f"MetricFlow {mf_name}"]
    if got["type"] != metric["type"]:
        return out + [f"{where}: Superset {got['type']} ≠ MetricFlow {mf_name} {metric['type']}"]
    if metric["type"] == "simple":
        pairs = [("", mf_name, got["part"])]
    else:
        tp = metric["type_params"]
        pairs = [(side, (tp[side]["name"] if isinstance(tp[side], dict) else tp[side]), got[side])
                 for side in ("numerator", "denominator")]
    for side, name, have in pairs:
        want, err = part_of(name)
        if err:
            out.append(f"{where}: {side} {err}".replace(":  ", ": "))
        elif want != have:
            out.append(f"{where}: {side + ' ' if side else ''}Superset {have} ≠ MetricFlow {name} {want}")
    return out


def superset_disagreements(datasets_dir: Path = DATASETS_DIR, semantic_dir: Path = SEMANTIC_DIR):
    """Every Superset dataset metric checked (see above). Returns (problems, counts by class)."""
    metrics, measures, models = semantic_layer(semantic_dir)
    docs = {p: _load(p) or {} for p in sorted(datasets_dir.rglob("*.yaml"))}
    by_table = {d.get("table_name"): d for d in docs.values()}
    out, counts = [], {"certified": 0, "presentation_only": 0, "derived": 0}
    for path, ds in docs.items():
        base = None
        if str(ds.get("table_name", "")).startswith("kpi_"):
            base = by_table.get(ds["table_name"][4:])
            if base is None:
                out.append(f"{path.name}: KPI dataset without its base dataset {ds['table_name'][4:]}")
                continue
        base_metrics = {m["metric_name"]: m for m in (base or {}).get("metrics") or []}
        for sm in ds.get("metrics") or []:
            where = f"{path.relative_to(datasets_dir)}: {sm['metric_name']} ({sm.get('verbose_name')})"
            extra = sm.get("extra") or {}
            cert = (extra.get("certification") or {}).get("details")
            why = extra.get("presentation_only")
            if cert and why:
                out.append(f"{where}: both certified and declared presentation-only")
            elif cert:
                counts["certified"] += 1
                out += _certified_problems(where, sm, ds, cert, metrics, measures, models)
            elif why:
                counts["presentation_only"] += 1
                if len(str(why).strip()) < 4:
                    out.append(f"{where}: presentation-only without a reason")
            elif base is not None and sm["metric_name"].endswith(KPI_SUFFIXES):
                stem = next(sm["metric_name"][:-len(s)] for s in KPI_SUFFIXES if sm["metric_name"].endswith(s))
                src = base_metrics.get(stem)
                value = next((m for m in ds["metrics"] if m["metric_name"] == f"{stem}__v"), None)
                if src is None:
                    out.append(f"{where}: KPI metric of {stem}, which {base['table_name']} does not define")
                elif value is None or norm(value["expression"]) not in (norm(src["expression"]),
                                                                         norm(_sums_only(src["expression"]))):
                    out.append(f"{where}: KPI value {stem}__v is not {base['table_name']}.{stem}")
                else:
                    counts["derived"] += 1
            else:
                out.append(f"{where}: neither certified (a MetricFlow metric) nor declared presentation-only")
    return out, counts


def _sums_only(expr: str) -> str:
    """As bundle_kit.sums_only: every period-end part back to a plain SUM (a KPI dataset without months)."""
    return re.sub(r"\(SELECT SUM\(_p\._v\) FROM unnest\(array_agg\((.+?)\), array_agg\(month_start\)\) "
                  r"AS _p\(_v, _m\) WHERE _p\._m = m(?:ax|in)\(month_start\)\)", r"SUM(\1)", expr)


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


def test_every_superset_metric_is_certified_declared_or_derived():
    problems, counts = superset_disagreements()
    assert problems == [], f"{len(problems)} Superset metric(s):\n" + "\n".join(problems)
    # the check compares something: most dataset metrics are MetricFlow metrics, every KPI card is derived
    assert counts["certified"] >= 200 and counts["derived"] >= 600, counts


def test_superset_canonical_forms():
    at_end = "(SELECT SUM(_p._v) FROM unnest(array_agg(x), array_agg(month_start)) AS _p(_v, _m) WHERE _p._m = max(month_start))"
    assert superset_canonical("SUM(x)") == {"type": "simple", "part": ("sum", "flow", "x")}
    assert superset_canonical(at_end) == {"type": "simple", "part": ("sum", "end", "x")}
    assert superset_canonical(at_end.replace("max(", "min(")) == {"type": "simple", "part": ("sum", "start", "x")}
    assert superset_canonical("SUM(x) / 10000.0") == {"type": "simple", "part": ("sum", "flow", "x/10000.0")}
    assert superset_canonical(f"{at_end} / 10000.0")["part"] == ("sum", "end", "x/10000.0")
    assert superset_canonical("SUM(a) FILTER (WHERE y = 1)")["part"] == ("sum", "flow", "case when y=1 then a end")
    assert superset_canonical("SUM(a)::numeric / NULLIF(SUM(b) + SUM(c), 0)") == {
        "type": "ratio", "numerator": ("sum", "flow", "a"), "denominator": ("sum", "flow", "coalesce(b,0)+coalesce(c,0)")}
    assert superset_canonical(f"{at_end}::numeric / NULLIF({at_end.replace('(x)', '(y)')}, 0)") == {
        "type": "ratio", "numerator": ("sum", "end", "x"), "denominator": ("sum", "end", "y")}
    for other in ("AVG(x)", "MAX(x)", "COUNT(*)", "SUM(a) - SUM(b)", "SUM(a) * 10000.0 / NULLIF(SUM(b), 0)",
                  "SUM(a) / NULLIF(SUM(b), 0) / NULLIF(MAX(c), 0)", "SUM(a) + SUM(" + at_end + ")"):
        assert superset_canonical(other) is None, other


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


_AT_END_PAID = ("(SELECT SUM(_p._v) FROM unnest(array_agg(amount), array_agg(month_start)) AS _p(_v, _m) "
                "WHERE _p._m = max(month_start))")


@pytest.mark.parametrize("metric,problem", [
    ({"expression": "SUM(amount)", "extra": {"certification": {"details": "x_paid"}}}, None),
    ({"expression": "SUM(amount) / 10000.0", "extra": {"certification": {"details": "x_paid"}}}, "10000"),
    ({"expression": "AVG(amount)", "extra": {"certification": {"details": "x_paid"}}}, "neither a sum"),
    ({"expression": "SUM(amount_net)", "extra": {"certification": {"details": "x_paid"}}}, "amount_net"),
    ({"expression": _AT_END_PAID, "extra": {"certification": {"details": "x_paid"}}}, "'end'"),
    ({"expression": "SUM(amount)", "extra": {"certification": {"details": "x_nope"}}}, "does not exist"),
    ({"expression": "SUM(amount)::numeric / NULLIF(SUM(n), 0)", "extra": {"certification": {"details": "x_avg"}}},
     None),
    ({"expression": "SUM(n)::numeric / NULLIF(SUM(amount), 0)", "extra": {"certification": {"details": "x_avg"}}},
     "numerator"),
    ({"expression": "SUM(amount)", "verbose_name": "别的", "extra": {"certification": {"details": "x_paid"}}},
     "label"),
    ({"expression": "MIN(district_sort)", "extra": {"presentation_only": "排序键，不是指标"}}, None),
    ({"expression": "MIN(district_sort)", "extra": {}}, "neither certified"),
])
def test_a_superset_disagreement_is_reported(tmp_path, metric, problem):
    sem, ds = tmp_path / "semantic", tmp_path / "datasets"
    sem.mkdir(), ds.mkdir()
    (sem / "_x.yml").write_text(yaml.safe_dump({"version": 2, "semantic_models": [
        {"name": "sm", "model": "ref('rpt_t')", "measures": [{"name": "x_paid", "agg": "sum", "expr": "amount"},
                                                               {"name": "x_n", "agg": "sum", "expr": "n"}]}],
        "metrics": [{"name": "x_paid", "label": "支付（报表）", "type": "simple", "type_params": {"measure": "x_paid"}},
                    {"name": "x_n", "label": "人数（报表）", "type": "simple", "type_params": {"measure": "x_n"}},
                    {"name": "x_avg", "label": "支付", "type": "ratio",
                     "type_params": {"numerator": "x_paid", "denominator": "x_n"}}]},
        allow_unicode=True), encoding="utf-8")
    card = {"metric_name": "paid__v", "verbose_name": "支付", "expression": metric["expression"]}
    (ds / "t.yaml").write_text(yaml.safe_dump({"table_name": "rpt_t", "metrics": [
        {"metric_name": "paid", "verbose_name": "支付", **metric}]}, allow_unicode=True), encoding="utf-8")
    (ds / "k.yaml").write_text(yaml.safe_dump({"table_name": "kpi_rpt_t", "metrics": [card]}, allow_unicode=True),
                               encoding="utf-8")
    problems, counts = superset_disagreements(ds, sem)
    if problem is None:
        assert problems == [] and counts["derived"] == 1, problems
    else:
        assert problems and problem in problems[0], problems


def test_a_kpi_metric_not_of_its_base_is_reported(tmp_path):
    sem, ds = tmp_path / "semantic", tmp_path / "datasets"
    sem.mkdir(), ds.mkdir()
    (ds / "t.yaml").write_text(yaml.safe_dump({"table_name": "rpt_t", "metrics": [
        {"metric_name": "paid", "verbose_name": "支付", "expression": "SUM(a)",
         "extra": {"presentation_only": "测试用的理由"}}]}, allow_unicode=True), encoding="utf-8")
    (ds / "k.yaml").write_text(yaml.safe_dump({"table_name": "kpi_rpt_t", "metrics": [
        {"metric_name": "paid__v", "verbose_name": "支付", "expression": "SUM(b)"},
        {"metric_name": "gone__v", "verbose_name": "无", "expression": "SUM(a)"},
        {"metric_name": "extra_one", "verbose_name": "无", "expression": "SUM(a)"}]}, allow_unicode=True),
        encoding="utf-8")
    problems, _counts = superset_disagreements(ds, sem)
    text = "\n".join(problems)
    assert len(problems) == 3 and "is not rpt_t.paid" in text and "does not define" in text \
        and "neither certified" in text, problems


def test_the_bundle_generator_refuses_an_undeclared_metric():
    """superset/bundle_kit.metric_source: certified when the MetricFlow metric exists, the reason when declared, and
    the generator stops on a metric that is neither (so a new dashboard metric cannot slip in undefined)."""
    superset = ROOT / "superset"
    if str(superset) not in sys.path:
        sys.path.append(str(superset))
    import bundle_kit as kit

    ds = kit.DS("t", "rpt_unemployment_overview", "测试", [], schema="official")
    insured = kit.M("insured", "参保人数", "SUM(insured)")
    assert kit.metric_source(ds, insured)["certification"] == {
        "certified_by": kit.CERTIFIED_BY, "details": "unemployment_overview_insured"}
    assert kit.metric_source(ds, kit.COUNT) == {"presentation_only": kit.COUNT["_why"]}
    with pytest.raises(SystemExit, match="neither the MetricFlow metric unemployment_overview_made_up"):
        kit.metric_source(ds, kit.M("made_up", "新指标", "SUM(x)"))


def test_a_calculated_measure_disagreement_is_reported():
    metrics = {"a": {"type": "simple", "type_params": {"measure": "ma"}},
               "b": {"type": "simple", "type_params": {"measure": "mb"}},
               "ab": {"type": "derived", "type_params": {"expr": "coalesce(a, 0) + coalesce(b, 0)",
                                                          "metrics": [{"name": "a"}, {"name": "b"}]}},
               "a_yoy": {"type": "derived", "type_params": {"expr": "(a - a_ly) / nullif(a_ly, 0)", "metrics": [
                   {"name": "a"}, {"name": "a", "offset_window": "1 month", "alias": "a_ly"}]}},
               "a_ytd": {"type": "cumulative", "type_params": {"measure": "ma",
                                                                "cumulative_type_params": {"grain_to_date": "year"}}}}

    def same(x):
        return x
    assert calculated_problem({"type": "sum", "terms": ["a", "b"]}, metrics["ab"], same, metrics) is None
    assert "sum of" in calculated_problem({"type": "sum", "terms": ["b", "a"]}, metrics["ab"], same, metrics)
    assert "offset 1 year" in calculated_problem({"type": "yoy", "base": "a"}, metrics["a_yoy"], same, metrics)
    assert calculated_problem({"type": "mom", "base": "a"}, metrics["a_yoy"], same, metrics) is None
    assert calculated_problem({"type": "ytd", "base": "a"}, metrics["a_ytd"], same, metrics) is None
    assert "measure mb" in calculated_problem({"type": "ytd", "base": "b"}, metrics["a_ytd"], same, metrics)
    assert calculated_problem({"type": "share", "base": "b"}, metrics["b"], same, metrics) is None
    assert "not the measure of a" in calculated_problem({"type": "share", "base": "a"}, metrics["b"], same, metrics)
