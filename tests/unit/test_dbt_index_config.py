"""A model's indexes are declared in one place. dbt gives a config() call in the SQL precedence over the YAML and
dbt_project.yml: an `indexes=` in the SQL silently drops the indexes declared elsewhere (how the services' person
look-up once became a table scan). And every key look-up of a catalogue service has an index declared on a relation
it reads, checked without a database."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2] / "warehouse"
SQL_INDEXES = re.compile(r"\bindexes\s*=")


def _declared_outside_sql() -> dict[str, str]:
    """model name → where (YAML file or dbt_project.yml) it declares indexes."""
    found = {}
    for path in (ROOT / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            if (model.get("config") or {}).get("indexes"):
                found[model["name"]] = str(path.relative_to(ROOT))

    def walk(node: dict) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                if "+indexes" in value:
                    found[key] = "dbt_project.yml"
                walk(value)
    walk(yaml.safe_load((ROOT / "dbt_project.yml").read_text(encoding="utf-8")).get("models") or {})
    return found


def test_indexes_are_not_declared_both_in_a_models_sql_and_elsewhere():
    outside = _declared_outside_sql()
    assert len(outside) >= 5                     # the topic libraries' look-ups: the scan found them
    sql = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "models").rglob("*.sql")}
    both = [f"{name} ({where} and its SQL)" for name, where in outside.items()
            if name in sql and SQL_INDEXES.search(sql[name])]
    assert not both, "indexes declared twice (the SQL's config wins, the others are dropped): " + ", ".join(both)


KEY_TYPES = {"id_number", "id_numbers", "credit_code", "credit_codes", "household_no", "texts"}   # as the services test
ENSURED = re.compile(r"ensure_index\(\s*\[([^\]]*)\]")


def _leading_columns() -> dict[str, set[str]]:
    """model name → the first column of each index it declares: YAML / dbt_project.yml `indexes`, and the
    `ensure_index([...])` post-hooks of its SQL."""
    leading: dict[str, set[str]] = {}
    for path in (ROOT / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            for ix in (model.get("config") or {}).get("indexes") or []:
                leading.setdefault(model["name"], set()).add(ix["columns"][0])

    def walk(node: dict) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                for ix in value.get("+indexes") or []:
                    leading.setdefault(key, set()).add(ix["columns"][0])
                walk(value)
    walk(yaml.safe_load((ROOT / "dbt_project.yml").read_text(encoding="utf-8")).get("models") or {})
    for p in (ROOT / "models").rglob("*.sql"):
        for cols in ENSURED.findall(p.read_text(encoding="utf-8")):
            leading.setdefault(p.stem, set()).add(cols.split(",")[0].strip().strip("'\""))
    return leading


def test_every_key_lookup_of_a_service_is_declared_an_index():
    """Without a database: the column each key parameter of a catalogue service is compared with leads an index the
    dbt project declares on a relation the service reads (the integration test checks the built tables; this one
    fails before a build — e.g. a service switched to a new model, such as the unit aggregate, without its index)."""
    from services.catalogue import catalogue

    leading = _leading_columns()
    lookups, missing = 0, []
    for s in catalogue()[0].values():
        models = [rel.split(".")[1] for rel in s.reads]
        for p in s.parameters:
            if p.type not in KEY_TYPES:
                continue
            for col in re.findall(rf"(?:\w+\.)?(\w+)\s*=\s*(?:any\s*\(\s*)?%\({p.name}\)s", s.sql):
                lookups += 1
                if not any(col in leading.get(m, set()) for m in models):
                    missing.append(f"{s.code}: {col} ({', '.join(models)})")
    assert lookups >= 30, lookups
    assert not missing, "look-ups without a declared index: " + "; ".join(missing)
    assert "credit_code" in leading["topic_data_services__unit_insurance_month"]
