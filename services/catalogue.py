"""The declarative service catalogue: one YAML per query service (services/catalogue/services/*.yaml) and per
sharing feed (services/catalogue/feeds/*.yaml), validated with pydantic. A mistake names the file and the key:

    services/catalogue/services/hukou.yaml: parameters.0.type: Input should be 'id_number', 'id_numbers', …

A service declares its name exactly as in the bureau's catalogue, its category, its parameters (type, whether
required, limits), the topic-library relations it reads, the SQL (named parameters %(name)s, only the relations
it declares), the fields it returns (each with its Chinese label and, for personal data, what kind of
identifier it is: masked per caller role), sync or async, and its limits. Adding a service is adding a YAML.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ROOT = Path(__file__).resolve().parent / "catalogue"
SERVICES_DIR = ROOT / "services"
FEEDS_DIR = ROOT / "feeds"

ParamType = Literal["id_number", "id_numbers", "credit_code", "credit_codes", "text", "texts", "month", "year",
                    "int", "district", "industry", "household_no", "unit_id"]
Pii = Literal["id_number", "name", "household_no", "certificate", "phone", "credit_code"]
MaskMode = Literal["clear", "partial", "hidden"]
CallerRole = Literal["full", "verify", "statistics"]
DEFAULT_MASKING: dict[str, str] = {"full": "clear", "verify": "partial", "statistics": "hidden"}
CATEGORIES = ("社保数据", "人力资源市场数据", "综合数据", "专项数据", "市公安局", "市经信局", "市民政局", "市残联",
              "市卫健委", "市市场监督管理局")
_IDENT = r"^[a-z][a-z0-9_]*$"
_RELATION = re.compile(r"\b(topic_[a-z0-9_]+)\.([a-z0-9_]+)\b")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Strict):
    name: str = Field(pattern=_IDENT)
    label: str
    type: ParamType
    required: bool = False
    default: str | int | None = None
    min: int | None = None            # int / year
    max: int | None = None
    max_items: int = 100              # list types
    min_length: int = 1               # text
    max_length: int = 100


class ReturnField(_Strict):
    name: str = Field(pattern=_IDENT)
    label: str
    pii: Pii | None = None


class Limits(_Strict):
    max_rows: int = Field(default=1000, ge=1, le=100_000)
    rate_per_minute: int = Field(default=120, ge=1)
    page_size: int | None = Field(default=None, ge=1, le=1000)     # paged services: page, page_size parameters
    batch_max_items: int = Field(default=10_000, ge=1)             # async batch: most identifiers in one job


class Service(_Strict):
    code: str = Field(pattern=_IDENT)
    name: str
    category: str
    scope: Literal["internal", "external"]
    description: str
    reads: list[str] = Field(min_length=1)
    mode: Literal["sync", "async"] = "sync"
    parameters: list[Parameter]
    sql: str
    fields: list[ReturnField] = Field(min_length=1)
    order_by: list[str] = Field(default_factory=list)
    masking: dict[CallerRole, MaskMode] = Field(default_factory=dict)
    limits: Limits = Limits()
    batch_parameter: str | None = None    # async batch: the list parameter a job splits (id_numbers, …)

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        if v not in CATEGORIES:
            raise ValueError(f"category {v!r} is not one of {', '.join(CATEGORIES)}")
        return v

    @field_validator("reads")
    @classmethod
    def _reads(cls, v: list[str]) -> list[str]:
        for r in v:
            if not _RELATION.fullmatch(r):
                raise ValueError(f"{r!r} is not a topic-library relation (topic_<library>.<model>)")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Service:
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError("parameters: a name appears twice")
        if self.limits.page_size and {"page", "page_size"} & set(names):
            raise ValueError("parameters: page and page_size are added by limits.page_size, do not declare them")
        used = set(_PLACEHOLDER.findall(self.sql))
        unknown = used - set(names)
        if unknown:
            raise ValueError(f"sql uses undeclared parameter(s) {sorted(unknown)}")
        unused = [n for n in names if n not in used]
        if unused:
            raise ValueError(f"parameters {unused} are declared but not used in sql")
        read = {".".join(m) for m in _RELATION.findall(self.sql)}
        if read - set(self.reads):
            raise ValueError(f"sql reads {sorted(read - set(self.reads))} which `reads` does not declare")
        fields = {f.name for f in self.fields}
        for o in self.order_by:
            if o.split()[0] not in fields:
                raise ValueError(f"order_by {o!r} is not a returned field")
        if self.batch_parameter and self.batch_parameter not in names:
            raise ValueError(f"batch_parameter {self.batch_parameter!r} is not a parameter")
        if ";" in self.sql:
            raise ValueError("sql must be one statement (no ';')")
        return self

    def mask_mode(self, role: str) -> str:
        return self.masking.get(role, DEFAULT_MASKING.get(role, "hidden"))


class Feed(_Strict):
    code: str = Field(pattern=_IDENT)
    name: str
    recipient: str
    recipient_dir: str = Field(pattern=_IDENT)
    content: str
    reads: list[str] = Field(min_length=1)
    sql: str
    fields: list[ReturnField] = Field(min_length=1)
    schedule: Literal["after_publish", "monthly"] = "after_publish"
    format: Literal["csv", "xlsx"] = "csv"
    masking: MaskMode = "partial"

    @model_validator(mode="after")
    def _consistent(self) -> Feed:
        read = {".".join(m) for m in _RELATION.findall(self.sql)}
        if read - set(self.reads):
            raise ValueError(f"sql reads {sorted(read - set(self.reads))} which `reads` does not declare")
        if set(_PLACEHOLDER.findall(self.sql)) - {"month"}:
            raise ValueError("a feed's sql may use only %(month)s (the published month, first day)")
        if ";" in self.sql:
            raise ValueError("sql must be one statement (no ';')")
        return self


class CatalogueError(ValueError):
    """Every problem of the catalogue, each naming its file and key."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("service catalogue:\n  " + "\n  ".join(problems))


def _where(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _load(path: Path, model: type[BaseModel], problems: list[str]):
    rel = path.relative_to(ROOT.parent.parent) if path.is_relative_to(ROOT.parent.parent) else path
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problems.append(f"{rel}: line {mark.line + 1 if mark else '?'}: not valid YAML ({getattr(e, 'problem', e)})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{rel}: (top level): expected a mapping of keys")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            problems.append(f"{rel}: {_where(err['loc'])}: {err['msg']}")
        return None


def load(services_dir: Path = SERVICES_DIR, feeds_dir: Path = FEEDS_DIR) -> tuple[dict[str, Service], dict[str, Feed]]:
    problems: list[str] = []
    services: dict[str, Service] = {}
    feeds: dict[str, Feed] = {}
    for path in sorted(services_dir.glob("*.yaml")):
        s = _load(path, Service, problems)
        if s is None:
            continue
        if s.code in services:
            problems.append(f"{path.name}: code: {s.code!r} is already used by another service")
        if s.name in {x.name for x in services.values()}:
            problems.append(f"{path.name}: name: {s.name!r} is already used by another service")
        services[s.code] = s
    for path in sorted(feeds_dir.glob("*.yaml")):
        f = _load(path, Feed, problems)
        if f is None:
            continue
        if f.code in feeds:
            problems.append(f"{path.name}: code: {f.code!r} is already used by another feed")
        feeds[f.code] = f
    if problems:
        raise CatalogueError(problems)
    return services, feeds


@lru_cache(maxsize=1)
def catalogue() -> tuple[dict[str, Service], dict[str, Feed]]:
    return load()


def relations_read() -> list[str]:
    """Every relation a service or feed reads (the service role is granted SELECT on these only)."""
    services, feeds = catalogue()
    return sorted({r for s in services.values() for r in s.reads} | {r for f in feeds.values() for r in f.reads})
