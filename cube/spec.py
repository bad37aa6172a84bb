"""Typed models (pydantic) of the cube definition files, cube/cubes/*.yaml: the shape of every key and the values it
may take. ``parse_spec`` turns a file's YAML into a ``CubeSpec`` or raises ``ModelError`` naming the file and the key
(``pension.yaml: measures.contributors.agg: Input should be 'sum', 'count' or 'count_distinct'``).

What the shape alone cannot say — references between keys (a ratio's numerator is a measure, an aggregate keeps
levels of the cube's dimensions, a count-distinct measure is listed only with ``exact_within``) — is checked by
cube/model.py while it builds the runtime model, with messages naming the file and key the same way. Unknown keys
are refused (a misspelt key would otherwise be silently ignored)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]   # lower-case snake_case identifiers
Grain = Literal["year", "quarter", "month"]


class ModelError(ValueError):
    """The cube definition file is invalid (a deployment error, not a user error)."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelSpec(_Spec):
    name: Name
    label: str | None = None
    key: Name
    type: Literal["int", "text"] = "text"
    pattern: str | None = None
    label_columns: list[Name] = []
    label_template: str | None = None
    order: Name | None = None
    members: dict[str, str] = {}
    null_label: str | None = None
    grain: Grain | None = None

    @field_validator("pattern")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        import re

        if v is not None:
            try:
                re.compile(v)
            except re.error as e:
                raise ValueError(f"not a regular expression ({e})") from None
        return v

    @field_validator("members", mode="before")
    @classmethod
    def _member_keys(cls, v: Any) -> Any:      # YAML reads 1: 男 as an int key
        return {str(k): str(x) for k, x in v.items()} if isinstance(v, dict) else v


class DimensionSpec(_Spec):
    label: str | None = None
    description: str | None = None
    table: Name | None = None
    key: Name | None = None
    fact_key: Name | None = None
    levels: list[LevelSpec] = Field(min_length=1)


class MeasureSpec(_Spec):
    agg: Literal["sum", "count", "count_distinct"]
    additivity: Literal["additive", "stock", "opening", "none"] = "additive"
    column: Name | None = None
    columns: list[Name] = []
    filter: dict[Name, Union[str, int, bool, list[Union[str, int]]]] = {}
    label: str | None = None
    description: str | None = None
    unit: str | None = None
    metric: str | None = None


class CalculatedSpec(_Spec):
    type: Literal["ratio", "sum", "yoy", "mom", "ytd", "share"]
    numerator: str | None = None
    denominator: str | None = None
    base: str | None = None
    terms: list[str] | None = None
    scale: int = 4
    multiplier: int = 1
    label: str | None = None
    description: str | None = None
    unit: str | None = None
    metric: str | None = None


class AggregateMeasureSpec(_Spec):
    column: Name
    filter_in_column: bool = False
    exact_within: Grain | None = None


# a kept dimension: its name (every level) or {name: [levels]}
KeptDimension = Union[Name, dict[Name, list[str]]]


class AggregateSpec(_Spec):
    table: Name
    row_count: Name
    dimensions: list[KeptDimension] = []
    measures: dict[str, Union[Name, AggregateMeasureSpec]] = {}


class _DistinctSpec(_Spec):
    table: Name
    measure: str
    dimensions: list[KeptDimension] = []


class PeriodCountsSpec(_DistinctSpec):
    type: Literal["period_counts"]
    column: Name | None = None
    grains: list[Literal["year", "quarter"]] = Field(min_length=1)
    period_column: Name
    rollup_column: Name
    months_column: Name | None = None


class SpellCountsSpec(_DistinctSpec):
    type: Literal["spell_counts"]
    column: Name | None = None
    rollup_column: Name
    first_column: Name
    last_column: Name
    prior_column: Name
    movers_column: Name | None = None
    mover_table: Name | None = None
    mover_entity_column: Name | None = None


class YearBitmaskSpec(_DistinctSpec):
    type: Literal["year_bitmask"]
    column: Name | None = None
    year_column: Name
    months_column: Name
    single_column: Name


class PatternCountsSpec(_DistinctSpec):
    type: Literal["pattern_counts"]
    column: Name | None = None
    rollup_column: Name
    window_column: Name
    pattern_column: Name


DistinctSpec = Annotated[Union[PeriodCountsSpec, SpellCountsSpec, PatternCountsSpec, YearBitmaskSpec],
                         Field(discriminator="type")]


class FactColumnSpec(_Spec):
    name: Name
    label: str | None = None
    mask: Literal["id_number", "name", "phone"] | None = None


class FactsSpec(_Spec):
    columns: list[FactColumnSpec] = []


class CubeSpec(_Spec):
    name: Name
    label: str | None = None
    description: str | None = None
    fact: Name
    time_key: Name = "month_start"
    semantic_model: str | None = None
    time_dimension: str | None = None
    district_dimension: str | None = None
    dimensions: dict[Name, DimensionSpec] = Field(min_length=1)
    measures: dict[Name, MeasureSpec] = {}
    calculated_measures: dict[Name, CalculatedSpec] = {}
    default_measures: list[str] | None = None
    aggregates: list[AggregateSpec] = []
    distinct_aggregates: list[DistinctSpec] = []
    facts: FactsSpec | None = None


def _key(loc: tuple) -> str:
    """pydantic's error location → the key path in the file (``measures.contributors.agg``, ``aggregates[0].table``);
    the union member pydantic names (``spell_counts``, ``str``, ``dict[…]``) is left out."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("period_counts", "spell_counts", "pattern_counts", "year_bitmask", "AggregateMeasureSpec") or "[" in part \
                or part in ("str", "constrained-str", "function-after[_regex(), nullable[str]]"):
            continue
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def parse_spec(path: Path, raw: Any) -> CubeSpec:
    """The typed spec of a cube file's YAML, or ModelError naming the file and each wrong key."""
    if not isinstance(raw, dict):
        raise ModelError(f"{path}: not a mapping")
    try:
        return CubeSpec.model_validate(raw)
    except ValidationError as e:
        seen: dict[str, str] = {}
        for err in e.errors(include_url=False):
            seen.setdefault(_key(err["loc"]), err["msg"])
        raise ModelError(f"{path}: " + "; ".join(f"{k}: {m}" for k, m in seen.items())) from None
