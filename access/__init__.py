"""The access model (access/model.yaml): districts, user groups, their rights in the cube and Superset,
the PostgreSQL role each of them and each component logs in as, and the demo users.

One definition read by the cube, Superset (its own virtual environment: this module needs only PyYAML),
the database role setup (pipeline/roles.py) and later services, so that they cannot disagree.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

MODEL_FILE = Path(__file__).resolve().parent / "model.yaml"
DISTRICT_ROLE_PREFIX = "wh_district_"


@lru_cache(maxsize=1)
def model() -> dict:
    return yaml.safe_load(MODEL_FILE.read_text(encoding="utf-8"))


def districts() -> dict[str, str]:
    return {str(k): str(v) for k, v in model()["districts"].items()}


def database_roles() -> dict[str, dict]:
    """Concrete PostgreSQL roles: the components' plus one per district (templates expanded)."""
    out: dict[str, dict] = {}
    for name, spec in model()["database_roles"].items():
        if "{code}" in name:
            for code in districts():
                out[name.format(code=code)] = {**spec, "district": code}
        elif "{" not in name:
            out[name] = dict(spec)
    return out


def component_role(component: str) -> str:
    for name, spec in model()["database_roles"].items():
        if spec.get("component") == component:
            return name
    raise KeyError(f"access/model.yaml: no database role for component {component!r}")


def district_database_role(code: str) -> str:
    if str(code) not in districts():
        raise KeyError(f"unknown district {code!r}")
    return f"{DISTRICT_ROLE_PREFIX}{code}"


def district_of_database_role(role: str) -> str | None:
    m = re.fullmatch(DISTRICT_ROLE_PREFIX + r"(\d{6})", role or "")
    return m.group(1) if m and m.group(1) in districts() else None


def superset_groups() -> dict[str, dict]:
    return model()["superset"]


def superset_database_role(superset_roles: list[str]) -> str | None:
    """The PostgreSQL login for a Superset user with these roles. A district role wins over everything
    (the most restrictive); None for a user of no warehouse group (fail closed: no connection)."""
    codes = sorted({m.group(1) for r in superset_roles if (m := re.fullmatch(r"district_(\d{6})", r))})
    if len(codes) > 1:
        return None                      # ambiguous: two districts → no data rather than either
    if codes:
        return district_database_role(codes[0]) if codes[0] in districts() else None
    if "district" in superset_roles:
        return None                      # a district user without a district: nothing
    for group in ("admin", "analyst", "leadership", "reviewer"):
        if any(r in superset_groups()[group]["roles"] for r in superset_roles):
            return superset_groups()[group]["database_role"]
    return None


def demo_users() -> list[dict]:
    out = []
    for u in model().get("demo_users") or []:
        roles = [r.format(code=u.get("district", "")) for r in superset_groups()[u["group"]]["roles"]]
        out.append({**u, "superset_roles": roles})
    return out
