"""Roles, perspectives and tokens of the cube service (see access/model.yaml).

Tokens are random strings generated on first start into var/secrets/cube_tokens.json (mode 0600,
never committed; env CUBE_TOKENS_FILE overrides the path), one per role: admin, leadership, analyst,
reviewer and district_<code> for every district. The file maps role → token; roles missing from an
existing file are added, existing tokens are kept (delete the file, or a line, to rotate).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from access import MODEL_FILE
from cube.model import Cube
from foundation import settings

ACCESS_FILE = MODEL_FILE  # access/model.yaml: one access model for every service


class AccessError(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    perspectives: tuple[str, ...]
    pii: bool = False
    facts: bool = False
    review: bool = False
    district: str | None = None          # district code this role is restricted to

    def to_dict(self) -> dict:
        return {"role": self.name, "label": self.label, "perspectives": list(self.perspectives),
                "pii": self.pii, "facts": self.facts, "review": self.review, "district": self.district}


@lru_cache(maxsize=1)
def access_config() -> dict:
    return yaml.safe_load(ACCESS_FILE.read_text(encoding="utf-8"))


def districts() -> dict[str, str]:
    return {str(k): v for k, v in access_config()["districts"].items()}


@lru_cache(maxsize=1)
def roles() -> dict[str, Role]:
    cfg = access_config()
    out: dict[str, Role] = {}
    for name, r in cfg["roles"].items():
        for p in r.get("perspectives") or []:
            if p not in cfg["perspectives"]:
                raise ValueError(f"access/model.yaml: role {name}: unknown perspective {p!r}")
        base = Role(name=name, label=r.get("label", name), perspectives=tuple(r.get("perspectives") or ()),
                    pii=bool(r.get("pii")), facts=bool(r.get("facts")), review=bool(r.get("review")))
        if r.get("district") == "per_district":
            for code, dname in districts().items():
                out[f"{name}_{code}"] = replace(base, name=f"{name}_{code}", label=f"{base.label}（{dname}）",
                                                district=code)
        else:
            out[name] = base
    return out


def tokens_file() -> Path:
    return settings.get().cube_tokens_file


def ensure_tokens(log=None) -> Path:
    """Create (or complete) the token file; returns its path."""
    path = tokens_file()
    current: dict[str, str] = {}
    if path.exists():
        current = json.loads(path.read_text(encoding="utf-8") or "{}")
    missing = [r for r in roles() if r not in current]
    if missing or not path.exists():
        for r in missing:
            current[r] = secrets.token_urlsafe(24)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(current, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(path)
        if log:
            log(f"[cube] generated {len(missing)} access token(s) in {path}")
    _token_index.cache_clear()
    return path


@lru_cache(maxsize=1)
def _token_index() -> dict[str, str]:
    path = tokens_file()
    if not path.exists():
        ensure_tokens()
    data = json.loads(path.read_text(encoding="utf-8"))
    return {hashlib.sha256(tok.encode()).hexdigest(): role for role, tok in data.items()}


def token_for(role: str) -> str:
    ensure_tokens()
    return json.loads(tokens_file().read_text(encoding="utf-8"))[role]


def role_for_token(token: str | None) -> Role | None:
    if not token:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    for known, role in _token_index().items():       # constant-time comparison of the digests
        if hmac.compare_digest(known, digest):
            return roles().get(role)
    return None


# -- perspectives ---------------------------------------------------------------------------------

def view(cube: Cube, role: Role) -> Cube | None:
    """The cube as the role sees it (measures/dimensions of its perspectives), or None if hidden."""
    if role.district and not cube.district_dimension:
        return None
    persp = access_config()["perspectives"]
    measures: set[str] | None = set()
    dims: set[str] | None = set()
    visible = False
    for p in role.perspectives:
        spec = persp[p].get("cubes")
        if spec == "*":
            entry = "*"
        else:
            entry = (spec or {}).get(cube.name)
        if entry is None:
            continue
        visible = True
        if entry == "*":
            measures = dims = None
            break
        ms, ds = entry.get("measures", "*"), entry.get("dimensions", "*")
        if ms == "*":
            measures = None
        elif measures is not None:
            measures.update(ms)
        if ds == "*":
            dims = None
        elif dims is not None:
            dims.update(ds)
    if not visible:
        return None
    out = cube
    if dims is not None:
        if role.district and cube.district_dimension:
            dims.add(cube.district_dimension)
        out = replace(out, dimensions={k: v for k, v in cube.dimensions.items() if k in dims})
    if measures is not None:
        out = replace(out, exposed_measures=frozenset(m for m in measures
                                                      if m in cube.measures or m in cube.calculated))
    return out


def perspectives_of(role: Role) -> list[dict]:
    persp = access_config()["perspectives"]
    return [{"name": p, "label": persp[p].get("label"), "description": persp[p].get("description")}
            for p in role.perspectives]
