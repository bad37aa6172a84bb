"""PII stays inside: no column flagged PII anywhere (interface specs `pii: true`, dbt `meta: {pii: true}`) reaches a
report model (rpt_*, documented columns and the columns its SQL selects) or a Superset dataset; identifiers live
only in staging / intermediate and the topic libraries' own schemas."""
import re
from pathlib import Path

import yaml

from foundation import settings
from foundation.spec import load_specs

MODELS = settings.WAREHOUSE_DBT / "models"
DATASETS = settings.ROOT / "superset" / "dashboards" / "datasets"


def _model_yamls():
    for path in sorted(MODELS.rglob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for m in doc.get("models") or []:
            yield path, m


def pii_names() -> set[str]:
    names = {c.name for s in load_specs().values() for c in s.columns if c.pii}
    for _, m in _model_yamls():
        for c in m.get("columns") or []:
            if (c.get("meta") or {}).get("pii"):
                names.add(c["name"])
    return names


def test_pii_names_are_known():
    names = pii_names()
    assert {"id_number", "person_name", "household_no", "mother_id_number", "record_key"} <= names


def test_no_pii_column_in_report_models():
    names = pii_names()
    models = {m["name"]: m for _, m in _model_yamls() if m["name"].startswith("rpt_")}
    assert len(models) > 20
    bad = []
    for name, m in models.items():
        for c in m.get("columns") or []:
            if (c.get("meta") or {}).get("pii") or c["name"] in names:
                bad.append(f"{name}.{c['name']}")
    for sql in MODELS.rglob("rpt_*.sql"):
        text = re.sub(r"--[^\n]*", "", sql.read_text(encoding="utf-8"))
        for n in names:
            if re.search(rf"\b{re.escape(n)}\b", text):
                bad.append(f"{sql.stem} selects {n}")
    assert not bad, f"PII reaches report models: {bad}"


def test_no_pii_column_in_superset_datasets():
    names = pii_names()
    datasets = sorted(DATASETS.rglob("*.yaml"))
    assert datasets
    bad = []
    for path in datasets:
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        cols = {c["column_name"] for c in d.get("columns") or []}
        bad += [f"{d['table_name']}.{c}" for c in cols & names]
        for n in names:
            if d.get("sql") and re.search(rf"\b{re.escape(n)}\b", d["sql"]):
                bad.append(f"{d['table_name']} sql uses {n}")
        schema = str(d.get("schema") or "")
        if schema in {"staging", "intermediate", "raw"} or (schema.startswith("topic_") and schema != "topic_monitor"):
            bad.append(f"{d['table_name']} reads schema {schema}, which holds identifiers")
    assert not bad, f"PII reaches Superset datasets: {bad}"


def test_the_boundary_test_detects_a_leak(monkeypatch):
    """The check is real: a report model documenting a PII column is caught."""
    real = list(_model_yamls())
    probe = (Path("probe.yml"), {"name": "rpt_probe", "columns": [{"name": "id_number"}]})
    monkeypatch.setitem(globals(), "_model_yamls", lambda: iter(real + [probe]))
    try:
        test_no_pii_column_in_report_models()
    except AssertionError as e:
        assert "rpt_probe.id_number" in str(e)
    else:
        raise AssertionError("leak not detected")
