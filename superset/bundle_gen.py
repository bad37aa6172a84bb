"""Generate the subject dashboards of the Superset bundle (superset/dashboards/) from compact specs.

    .venv/bin/python superset/bundle_gen.py          # (re)writes the generated YAML files

The generated YAML files are committed: they are the dashboards-as-code that
`superset/manage.py import` loads. This script is only the author's tool: it collects the specs
(superset/specs/NNN_<dashboard>.py, each with `dashboards() -> list[Dash]`, read in file-name order),
writes one file per dataset / chart / dashboard with fixed UUIDs (uuid5 of a stable key), takes each
dataset's columns from the warehouse (information_schema, or the virtual dataset's SQL) and their
Chinese names from the dbt model descriptions (warehouse/models/marts/**/_*.yml).
Re-running it with unchanged specs and tables rewrites identical files.

Hand-written files (the pension dashboard, the databases) are not touched, except the review
copy of the pension dataset (datasets/warehouse_review/), derived from the official one.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from bundle_kit import (
    BUNDLE,
    DS,
    GENERATED_MARK,
    HERE,
    REVIEW_DB,
    ROOT,
    Dash,
    _verbose_names,
    dataset_yaml,
    load_columns,
    uid,
)

SPECS = HERE / "specs"


def spec_modules() -> list[Path]:
    """The spec files, in file-name order (the NNN_ prefix orders the dashboards)."""
    return sorted(p for p in SPECS.glob("[0-9]*.py"))


def specs() -> tuple[list[DS], list[Dash]]:
    dashes: list[Dash] = []
    for path in spec_modules():
        spec = importlib.util.spec_from_file_location(f"superset_spec_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found = module.dashboards()
        if not found or not all(isinstance(d, Dash) for d in found):
            raise SystemExit(f"{path.relative_to(ROOT)}: dashboards() must return a non-empty list of Dash")
        dashes.extend(found)
    keys = [d.key for d in dashes]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise SystemExit(f"superset/specs: dashboard keys defined twice: {', '.join(dupes)}")
    datasets = {}
    for d in dashes:
        for c in d.charts():
            datasets[c.ds.key] = c.ds
    return list(datasets.values()), dashes


# ---------------------------------------------------------------- writing
def dump(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = GENERATED_MARK + yaml.safe_dump(obj, allow_unicode=True, sort_keys=False, width=120)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


def review_dataset() -> dict:
    """marts.rpt_pension_overview in the review connection: the official dataset, re-pointed.

    A virtual dataset with its own name: Superset's SQLite metadata DB keeps a legacy
    UNIQUE(table_name) on `tables`, so a second physical `rpt_pension_overview` cannot exist."""
    src = yaml.safe_load((BUNDLE / "datasets" / "warehouse" / "rpt_pension_overview.yaml").read_text(encoding="utf-8"))
    src.update(table_name="review_rpt_pension_overview", schema="marts", sql="select * from marts.rpt_pension_overview",
               uuid=uid("dataset", "review/rpt_pension_overview"), database_uuid=REVIEW_DB,
               description="【审核版】企业职工养老保险概览：月份 × 区县（marts.rpt_pension_overview，发布前核对用）")
    # the official dataset's district map outline (bundle_kit.with_district_shape) is not part of the review copy
    src["columns"] = [c for c in src["columns"] if c["column_name"] != "district_shape"]
    return src


def main() -> None:
    import psycopg

    from foundation import settings

    datasets, dashes = specs()
    names = _verbose_names()
    with psycopg.connect(settings.warehouse_url()) as conn:
        for ds in datasets:
            load_columns(conn, ds, names)
    # drop generated files that no spec produces any more
    wanted: set[Path] = set()
    for ds in datasets:
        p = BUNDLE / "datasets" / ds.database / f"{ds.table}.yaml"
        wanted.add(p)
        dump(p, dataset_yaml(ds))
    for d in dashes:
        for c in d.charts():
            p = BUNDLE / "charts" / f"{c.key}.yaml"
            wanted.add(p)
            dump(p, c.yaml())
        p = BUNDLE / "dashboards" / f"{d.key}.yaml"
        wanted.add(p)
        dump(p, d.yaml())
    p = BUNDLE / "datasets" / "warehouse_review" / "review_rpt_pension_overview.yaml"
    wanted.add(p)
    dump(p, review_dataset())
    for f in BUNDLE.rglob("*.yaml"):
        if f not in wanted and f.read_text(encoding="utf-8").startswith(GENERATED_MARK):
            f.unlink()
            print(f"removed {f.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
