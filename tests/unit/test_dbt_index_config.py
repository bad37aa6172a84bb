"""A model's indexes are declared in one place. dbt gives a config() call in the SQL precedence over the YAML and
dbt_project.yml: an `indexes=` in the SQL silently drops the indexes declared elsewhere (how the services' person
look-up once became a table scan)."""
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
